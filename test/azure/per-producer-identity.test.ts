import { TerraformOutput, Testing } from 'cdktf';
import type { ProducerDefinition } from '../../lib/producer';
import { AzureCoordinatesError, checkCoordinates, forwarderClientId } from '../../lib/producer';
import {
  FIXTURE_PRODUCERS,
  type TerraformJson,
  addressOf,
  resourcesOf,
  synthIngestion,
} from './azure-test-helpers';

Testing.setupJest();

const ISSUER = 'https://0a1b2c3d.tokens.sts.global.api.aws';
const roleArn = (name: string) => `arn:aws:iam::123456789012:role/s3-to-sentinel-${name}-forwarder`;
const ROLE_ARNS = Object.fromEntries(FIXTURE_PRODUCERS.map((p) => [p.name, roleArn(p.name)]));

/** `${type.logicalId}` of the resource whose `field` is `value`. */
function addressWhere(json: TerraformJson, type: string, field: string, value: unknown): string {
  const entries = Object.entries(json.resource[type] ?? {}).filter(([, r]) => r[field] === value);
  if (entries.length !== 1)
    throw new Error(`expected one ${type} with ${field}=${String(value)}, found ${entries.length}`);
  return `${type}.${entries[0][0]}`;
}

/** The DCR of each producer, by producer name. */
function dcrOf(json: TerraformJson, producer: string): string {
  return `\${${addressOf(json, 'azurerm_monitor_data_collection_rule', `s3-to-sentinel-${producer}`)}.id}`;
}

function probe(value: unknown, synthesized: ReturnType<typeof synthIngestion>): unknown {
  new TerraformOutput(synthesized.stack, 'probe', { value });
  return (JSON.parse(Testing.synth(synthesized.stack)) as TerraformJson).output?.probe.value;
}

describe("per-producer identities, mode 'application'", () => {
  const perProducer = { mode: 'application', perProducer: true } as const;

  test('are off by default: one app registration for every producer', () => {
    // WHEN
    const { json, ingestion } = synthIngestion();
    // THEN
    expect(resourcesOf(json, 'azuread_application')).toHaveLength(1);
    expect(ingestion.identity.perProducer).toBe(false);
  });

  test('give each producer its own app registration, service principal and client secret', () => {
    // WHEN
    const { json, ingestion } = synthIngestion({ identity: perProducer });
    // THEN
    expect(resourcesOf(json, 'azuread_application')).toHaveLength(FIXTURE_PRODUCERS.length);
    expect(resourcesOf(json, 'azuread_service_principal')).toHaveLength(FIXTURE_PRODUCERS.length);
    expect(resourcesOf(json, 'azuread_application_password')).toHaveLength(FIXTURE_PRODUCERS.length);
    for (const producer of FIXTURE_PRODUCERS) {
      const app = addressWhere(
        json,
        'azuread_application',
        'display_name',
        `s3-to-sentinel-forwarder-${producer.name}`,
      );
      addressWhere(json, 'azuread_service_principal', 'client_id', `\${${app}.client_id}`);
      addressWhere(json, 'azuread_application_password', 'application_id', `\${${app}.id}`);
    }
    expect(ingestion.clientSecret).toBeUndefined();
    expect(ingestion.identity.clientId).toBeUndefined();
  });

  test('the display name, when given, is followed by the producer name', () => {
    // WHEN
    const { json } = synthIngestion({ identity: { ...perProducer, displayName: 'soc' } });
    // THEN
    const names = resourcesOf(json, 'azuread_application').map((a) => a.display_name);
    expect(names.sort()).toEqual(FIXTURE_PRODUCERS.map((p) => `soc-${p.name}`).sort());
  });

  test('each service principal may write to its own producer’s DCR and to no other', () => {
    // WHEN
    const { json } = synthIngestion({ identity: perProducer });
    // THEN exactly one role assignment per producer, pairing its principal with its DCR
    const assignments = resourcesOf(json, 'azurerm_role_assignment');
    expect(assignments).toHaveLength(FIXTURE_PRODUCERS.length);
    for (const producer of FIXTURE_PRODUCERS) {
      const app = addressWhere(
        json,
        'azuread_application',
        'display_name',
        `s3-to-sentinel-forwarder-${producer.name}`,
      );
      const sp = addressWhere(json, 'azuread_service_principal', 'client_id', `\${${app}.client_id}`);
      const own = assignments.filter((a) => a.principal_id === `\${${sp}.object_id}`);
      expect(own).toEqual([
        expect.objectContaining({
          scope: dcrOf(json, producer.name),
          role_definition_name: 'Monitoring Metrics Publisher',
          principal_type: 'ServicePrincipal',
        }),
      ]);
    }
  });

  test('coordinates carry each producer’s own client id; the shared one is empty', () => {
    // GIVEN
    const synthesized = synthIngestion({ identity: perProducer });
    const { json } = synthesized;
    // WHEN
    const coordinates = probe(synthesized.ingestion.coordinates, synthesized) as {
      clientId: string;
      producers: Record<string, { clientId?: string }>;
    };
    // THEN
    expect(coordinates.clientId).toBe('');
    for (const producer of FIXTURE_PRODUCERS) {
      const app = addressWhere(
        json,
        'azuread_application',
        'display_name',
        `s3-to-sentinel-forwarder-${producer.name}`,
      );
      expect(coordinates.producers[producer.name].clientId).toBe(`\${${app}.client_id}`);
    }
  });

  test('publishes each producer’s newest secret, keyed by producer name', () => {
    // GIVEN
    const synthesized = synthIngestion({ identity: { ...perProducer, secretGeneration: 2 } });
    const { json } = synthesized;
    // WHEN
    const secrets = probe(synthesized.ingestion.clientSecrets, synthesized) as Record<string, string>;
    // THEN
    expect(Object.keys(secrets).sort()).toEqual(FIXTURE_PRODUCERS.map((p) => p.name).sort());
    for (const producer of FIXTURE_PRODUCERS) {
      const app = addressWhere(
        json,
        'azuread_application',
        'display_name',
        `s3-to-sentinel-forwarder-${producer.name}`,
      );
      const newest = Object.entries(json.resource.azuread_application_password).find(
        ([, p]) =>
          p.application_id === `\${${app}.id}` && p.display_name === 's3-to-sentinel forwarder, generation 2',
      )!;
      expect(secrets[producer.name]).toBe(`\${azuread_application_password.${newest[0]}.value}`);
    }
  });
});

describe("per-producer identities, mode 'federated'", () => {
  const federated = {
    mode: 'federated',
    issuer: ISSUER,
    lambdaRoleArns: ROLE_ARNS,
    perProducer: true,
  } as const;

  test('give each producer a managed identity trusting only its own Lambda role', () => {
    // WHEN
    const { json } = synthIngestion({ identity: federated });
    // THEN
    expect(resourcesOf(json, 'azurerm_user_assigned_identity')).toHaveLength(FIXTURE_PRODUCERS.length);
    expect(resourcesOf(json, 'azurerm_federated_identity_credential')).toHaveLength(FIXTURE_PRODUCERS.length);
    for (const producer of FIXTURE_PRODUCERS) {
      const identity = addressOf(
        json,
        'azurerm_user_assigned_identity',
        `s3-to-sentinel-forwarder-${producer.name}`,
      );
      const credentials = resourcesOf(json, 'azurerm_federated_identity_credential').filter(
        (c) => c.parent_id === `\${${identity}.id}`,
      );
      expect(credentials).toEqual([
        expect.objectContaining({
          name: `aws-${producer.name}`,
          issuer: ISSUER,
          subject: roleArn(producer.name),
          audience: ['api://AzureADTokenExchange'],
        }),
      ]);
    }
  });

  test('each managed identity may write to its own producer’s DCR and to no other', () => {
    // WHEN
    const { json } = synthIngestion({ identity: federated });
    // THEN
    const assignments = resourcesOf(json, 'azurerm_role_assignment');
    expect(assignments).toHaveLength(FIXTURE_PRODUCERS.length);
    for (const producer of FIXTURE_PRODUCERS) {
      const identity = addressOf(
        json,
        'azurerm_user_assigned_identity',
        `s3-to-sentinel-forwarder-${producer.name}`,
      );
      const own = assignments.filter((a) => a.principal_id === `\${${identity}.principal_id}`);
      expect(own.map((a) => a.scope)).toEqual([dcrOf(json, producer.name)]);
    }
  });

  test('coordinates carry each managed identity’s client id, and no secret exists', () => {
    // GIVEN
    const synthesized = synthIngestion({ identity: federated });
    // WHEN
    const coordinates = probe(synthesized.ingestion.coordinates, synthesized) as {
      authMode: string;
      producers: Record<string, { clientId?: string }>;
    };
    // THEN
    expect(coordinates.authMode).toBe('federated');
    for (const producer of FIXTURE_PRODUCERS) {
      const identity = addressOf(
        synthesized.json,
        'azurerm_user_assigned_identity',
        `s3-to-sentinel-forwarder-${producer.name}`,
      );
      expect(coordinates.producers[producer.name].clientId).toBe(`\${${identity}.client_id}`);
    }
    expect(synthesized.text).not.toMatch(/password|client_secret/);
  });

  test('lift the limit of 20 federated credentials per managed identity', () => {
    // GIVEN 21 producers
    const producers: ProducerDefinition[] = Array.from({ length: 21 }, (_, i) => ({
      name: `p${i}`,
      bucket: { kind: 'new' },
      format: 'text',
    }));
    const lambdaRoleArns = Object.fromEntries(producers.map((p) => [p.name, roleArn(p.name)]));
    // WHEN
    const { json } = synthIngestion({ producers, identity: { ...federated, lambdaRoleArns } });
    // THEN
    expect(resourcesOf(json, 'azurerm_user_assigned_identity')).toHaveLength(21);
  });
});

describe('ForwarderIdentity with per-producer principals', () => {
  test('fails if asked to grant without naming the producer, or for a producer it does not know', () => {
    // GIVEN
    const { ingestion, stack } = synthIngestion({ identity: { mode: 'application', perProducer: true } });
    // THEN
    expect(() => ingestion.identity.grantIngest(stack, 'Extra', '/dcr/x')).toThrow(
      'grantIngest needs the producer name when each producer has its own principal',
    );
    expect(() => ingestion.identity.principalOf('ghost')).toThrow(
      'ForwarderIdentity has no principal for producer "ghost"',
    );
  });

  test('with a shared principal every producer maps to it', () => {
    // WHEN
    const { ingestion } = synthIngestion();
    // THEN
    const shared = ingestion.identity.shared;
    expect(shared).toBeDefined();
    for (const producer of FIXTURE_PRODUCERS)
      expect(ingestion.identity.principalOf(producer.name)).toBe(shared);
  });
});

describe('the coordinates contract with per-producer client ids', () => {
  const base = {
    tenantId: 't',
    logsIngestionEndpoint: 'https://dce.example',
    producers: {
      a: { dcrImmutableId: 'dcr-a', streamName: 'Custom-A', clientId: 'client-a' },
      b: { dcrImmutableId: 'dcr-b', streamName: 'Custom-B', clientId: 'client-b' },
    },
  };

  test('a producer’s own client id wins over the shared one', () => {
    // WHEN
    const coordinates = checkCoordinates({ ...base, clientId: '' }, 'outputs.json');
    // THEN
    expect(forwarderClientId(coordinates, 'a')).toBe('client-a');
    expect(forwarderClientId({ ...coordinates, clientId: 'shared' }, 'b')).toBe('client-b');
    expect(
      forwarderClientId(
        { ...coordinates, clientId: 'shared', producers: { c: { dcrImmutableId: 'd', streamName: 's' } } },
        'c',
      ),
    ).toBe('shared');
  });

  test('fails if the shared client id is empty and some producer has none of its own', () => {
    // GIVEN
    const value = {
      ...base,
      clientId: '',
      producers: { ...base.producers, c: { dcrImmutableId: 'd', streamName: 's' } },
    };
    // THEN
    expect(() => checkCoordinates(value, 'outputs.json')).toThrow('outputs.json: `clientId` is missing');
    expect(() =>
      forwarderClientId({ ...value, producers: { c: { dcrImmutableId: 'd', streamName: 's' } } }, 'c'),
    ).toThrow(AzureCoordinatesError);
  });

  test('fails if a producer’s client id is not a non-empty string', () => {
    expect(() =>
      checkCoordinates(
        {
          ...base,
          clientId: 'shared',
          producers: { a: { dcrImmutableId: 'd', streamName: 's', clientId: '' } },
        },
        'outputs.json',
      ),
    ).toThrow('`producers.a.clientId` must be a non-empty string when present');
  });
});
