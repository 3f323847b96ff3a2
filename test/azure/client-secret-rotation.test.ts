import { TerraformOutput, Testing } from 'cdktf';
import type { ApplicationIdentityOptions } from '../../lib/azure';
import { FIXTURE_PRODUCERS, type TerraformJson, synthIngestion } from './azure-test-helpers';

Testing.setupJest();

type Passwords = Record<string, Record<string, unknown>>;

/** The client secrets of the shared app registration, keyed by Terraform logical id. */
function passwordsAt(identity: Partial<ApplicationIdentityOptions> = {}): Passwords {
  const { json } = synthIngestion({ identity: { mode: 'application', ...identity } });
  return json.resource.azuread_application_password ?? {};
}

/** The logical id of the password holding `generation` (its display name says which). */
function holderOf(passwords: Passwords, generation: number): string {
  const name =
    generation === 1 ? 's3-to-sentinel forwarder' : `s3-to-sentinel forwarder, generation ${generation}`;
  const ids = Object.keys(passwords).filter((id) => passwords[id].display_name === name);
  if (ids.length !== 1)
    throw new Error(`expected one password of generation ${generation}, found ${ids.length}`);
  return ids[0];
}

/** Resolves a construct value through a probe output, so references read as Terraform writes them. */
function resolved(value: unknown, ingestion: ReturnType<typeof synthIngestion>): unknown {
  new TerraformOutput(ingestion.stack, 'probe', { value });
  return (JSON.parse(Testing.synth(ingestion.stack)) as TerraformJson).output?.probe.value;
}

describe('client secret generations', () => {
  test('generation 1 by default: one secret, configured as the single secret always was', () => {
    // WHEN
    const passwords = passwordsAt();
    // THEN
    expect(Object.values(passwords)).toEqual([
      {
        application_id: expect.stringMatching(/^\$\{azuread_application\..+\.id\}$/),
        display_name: 's3-to-sentinel forwarder',
        lifecycle: { ignore_changes: ['end_date'] },
      },
    ]);
    expect(Object.keys(passwords)[0]).toMatch(/^Sentinel_Identity_Secret_/);
  });

  test.each([1, 2, 3, 4, 5])(
    'raising generation %i by one leaves its secret exactly as it was, so the forwarder keeps signing in',
    (generation) => {
      // GIVEN
      const before = passwordsAt({ secretGeneration: generation });
      // WHEN
      const after = passwordsAt({ secretGeneration: generation + 1 });
      // THEN the secret in use keeps its address and every attribute: Terraform plans no change to it
      const inUse = holderOf(before, generation);
      expect(holderOf(after, generation)).toBe(inUse);
      expect(after[inUse]).toEqual(before[inUse]);
      // and the new generation's secret is there beside it
      expect(Object.keys(after)).toHaveLength(2);
      expect(holderOf(after, generation + 1)).not.toBe(inUse);
    },
  );

  test.each([2, 3, 4])(
    'raising generation %i replaces only the secret of the generation before it',
    (generation) => {
      // GIVEN
      const before = passwordsAt({ secretGeneration: generation });
      const retired = holderOf(before, generation - 1);
      // WHEN
      const after = passwordsAt({ secretGeneration: generation + 1 });
      // THEN its slot now holds the new generation, under attributes that force a new secret
      expect(holderOf(after, generation + 1)).toBe(retired);
      expect(after[retired].rotate_when_changed).toEqual({ generation: String(generation + 1) });
      expect(after[retired].display_name).not.toBe(before[retired].display_name);
      expect(() => holderOf(after, generation - 1)).toThrow('found 0');
    },
  );

  test('from generation 2 each secret names its generation and rotates when it changes', () => {
    // WHEN
    const passwords = passwordsAt({ secretGeneration: 2 });
    // THEN
    const second = passwords[holderOf(passwords, 2)];
    expect(second).toMatchObject({
      display_name: 's3-to-sentinel forwarder, generation 2',
      rotate_when_changed: { generation: '2' },
      lifecycle: { ignore_changes: ['end_date'] },
    });
    expect(holderOf(passwords, 2)).toMatch(/^Sentinel_Identity_SecretEven_/);
  });

  test('the client secret the app publishes is always the newest generation’s', () => {
    for (const generation of [1, 2, 3]) {
      // WHEN
      const ingestion = synthIngestion({ identity: { mode: 'application', secretGeneration: generation } });
      const passwords = ingestion.json.resource.azuread_application_password;
      // THEN
      expect(resolved(ingestion.ingestion.clientSecret, ingestion)).toBe(
        `\${azuread_application_password.${holderOf(passwords, generation)}.value}`,
      );
    }
  });
});

describe('client secret lifetime', () => {
  test('is Entra’s default (no end date) unless set', () => {
    // WHEN
    const passwords = passwordsAt();
    // THEN
    expect(Object.values(passwords)[0]).not.toHaveProperty('end_date');
  });

  test('a lifetime in days ends each new secret that many days after the plan that creates it', () => {
    // WHEN
    const passwords = passwordsAt({ secretLifetimeDays: 180, secretGeneration: 2 });
    // THEN
    for (const password of Object.values(passwords)) {
      expect(password.end_date).toBe('${timeadd(plantimestamp(), "4320h")}');
      // plantimestamp() moves on every plan: without this, every plan would replace every secret.
      expect(password.lifecycle).toEqual({ ignore_changes: ['end_date'] });
    }
  });

  test('an absolute end date is still accepted', () => {
    // WHEN
    const passwords = passwordsAt({ secretEndDate: '2027-01-31T00:00:00Z' });
    // THEN
    expect(Object.values(passwords)[0].end_date).toBe('2027-01-31T00:00:00Z');
  });
});

describe('rotation report', () => {
  test('at generation 1: the generation and the newest secret’s end date, for every producer', () => {
    // WHEN
    const ingestion = synthIngestion();
    // THEN
    const passwords = ingestion.json.resource.azuread_application_password;
    const info = resolved(ingestion.ingestion.secretRotation, ingestion) as Record<string, unknown>;
    expect(Object.keys(info).sort()).toEqual(FIXTURE_PRODUCERS.map((p) => p.name).sort());
    for (const entry of Object.values(info)) {
      expect(entry).toEqual({
        generation: 1,
        expiresAt: `\${azuread_application_password.${holderOf(passwords, 1)}.end_date}`,
      });
    }
  });

  test('after a rotation: the newest secret and the previous one, each with its end date', () => {
    // WHEN
    const ingestion = synthIngestion({ identity: { mode: 'application', secretGeneration: 4 } });
    // THEN
    const passwords = ingestion.json.resource.azuread_application_password;
    const info = resolved(ingestion.ingestion.secretRotation, ingestion) as Record<string, unknown>;
    expect(info.trail).toEqual({
      generation: 4,
      expiresAt: `\${azuread_application_password.${holderOf(passwords, 4)}.end_date}`,
      previous: {
        generation: 3,
        expiresAt: `\${azuread_application_password.${holderOf(passwords, 3)}.end_date}`,
      },
    });
  });

  test('there is none without a client secret', () => {
    // WHEN
    const { ingestion } = synthIngestion({
      identity: {
        mode: 'existing',
        objectId: '11111111-2222-3333-4444-555555555555',
        clientId: '66666666-7777-8888-9999-000000000000',
      },
    });
    // THEN
    expect(ingestion.secretRotation).toBeUndefined();
  });
});
