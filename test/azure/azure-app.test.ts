import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MonitorDataCollectionEndpoint } from '@cdktf/provider-azurerm/lib/monitor-data-collection-endpoint';
import { Testing } from 'cdktf';
import { S3ToSentinelAzureStack } from '../../bin/azure';
import type { AzureAppConfig } from '../../bin/azure-config';
import { producers } from '../../bin/producers';
import {
  AZURE_STACK_NAME,
  CLIENT_SECRET_OUTPUT,
  CLIENT_SECRETS_OUTPUT,
  COORDINATES_OUTPUT,
  SECRET_ROTATION_OUTPUT,
  coordinatesFromOutputsFile,
  forwarderClientId,
  type ProducerDefinition,
} from '../../lib/producer';
import { FIXTURE_PRODUCERS, type TerraformJson } from './azure-test-helpers';

Testing.setupJest();

function synthApp(
  config: AzureAppConfig = { location: 'westeurope' },
  list: readonly ProducerDefinition[] = producers,
) {
  const stack = new S3ToSentinelAzureStack(Testing.app(), AZURE_STACK_NAME, config, list);
  const text = Testing.synth(stack);
  return { text, json: JSON.parse(text) as TerraformJson };
}

/** Stands in for `terraform output`: every `${...}` reference becomes a plausible deployed value. */
function deployed(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value).replace(/\$\{([^}]+)\}/g, (_, ref: string) =>
      ref.endsWith('logs_ingestion_endpoint')
        ? 'https://dce-x.westeurope-1.ingest.monitor.azure.com'
        : `value-of-${ref}`,
    ),
  );
}

describe('the example Azure stack', () => {
  test('matches the snapshot', () => {
    // WHEN
    const { json } = synthApp();
    // THEN
    expect(json).toMatchSnapshot();
  });

  test('passes publicNetworkAccess from the config to the data collection endpoint', () => {
    // WHEN
    const { text } = synthApp({ location: 'westeurope', publicNetworkAccess: false });
    // THEN
    expect(text).toHaveResourceWithProperties(MonitorDataCollectionEndpoint, {
      public_network_access_enabled: false,
    });
  });

  test('publishes the coordinates in exactly the shape the AWS app reads', () => {
    // GIVEN
    const { json } = synthApp();
    // WHEN: what `cdktf deploy --outputs-file` would write once the references have values
    const outputsFile = {
      [AZURE_STACK_NAME]: { [COORDINATES_OUTPUT]: deployed(json.output?.[COORDINATES_OUTPUT]?.value) },
    };
    const coordinates = coordinatesFromOutputsFile(outputsFile, 'outputs.json');
    // THEN
    expect(Object.keys(coordinates.producers).sort()).toEqual(producers.map((p) => p.name).sort());
    expect(coordinates.logsIngestionEndpoint).toMatch(/^https:\/\//);
    expect(json.output?.[COORDINATES_OUTPUT]?.sensitive).toBeUndefined();
  });

  test('publishes the client secret only as a sensitive output holding a reference', () => {
    // WHEN
    const { json } = synthApp();
    // THEN
    expect(json.output?.[CLIENT_SECRET_OUTPUT]).toMatchObject({
      sensitive: true,
      value: expect.stringMatching(/^\$\{azuread_application_password\.[^}]+\.value\}$/),
    });
  });

  test('contains no secret value: the password is only referenced, never written', () => {
    // WHEN
    const { json, text } = synthApp();
    // THEN
    const passwords = Object.values(json.resource.azuread_application_password ?? {});
    expect(passwords).toHaveLength(1);
    expect(passwords[0]).not.toHaveProperty('value');
    // Every mention of the secret is a Terraform reference to the password resource's attribute.
    const mentions = text.match(/"[^"]*azuread_application_password[^"]*\.value[^"]*"/g) ?? [];
    expect(mentions).toEqual([`"${json.output?.[CLIENT_SECRET_OUTPUT]?.value}"`]);
    // Nothing that looks like an Entra client secret (40 characters with a `~`) appears anywhere.
    expect(text).not.toMatch(/[A-Za-z0-9_.-]{3}~[A-Za-z0-9_.~-]{30,}/);
  });

  test('pins the provider versions the bindings were generated from', () => {
    // WHEN
    const { json } = synthApp();
    // THEN
    expect(json.terraform.required_providers.azurerm.version).toBe('4.55.0');
    expect(json.terraform.required_providers.azuread.version).toBe('3.7.0');
  });
});

describe('identity modes in the app', () => {
  test('federated and existing modes need no azuread provider and publish no secret', () => {
    // GIVEN
    const federated: AzureAppConfig = {
      location: 'westeurope',
      identity: {
        mode: 'federated',
        issuer: 'https://issuer.example',
        lambdaRoleArns: Object.fromEntries(
          FIXTURE_PRODUCERS.map((p) => [p.name, `arn:aws:iam::123456789012:role/${p.name}`]),
        ),
      },
    };
    const existing: AzureAppConfig = {
      location: 'westeurope',
      identity: {
        mode: 'existing',
        objectId: '11111111-2222-3333-4444-555555555555',
        clientId: '66666666-7777-8888-9999-000000000000',
      },
    };
    for (const config of [federated, existing]) {
      // WHEN
      const { json } = synthApp(config, FIXTURE_PRODUCERS);
      // THEN
      expect(json.terraform.required_providers).not.toHaveProperty('azuread');
      expect(json.output).not.toHaveProperty(CLIENT_SECRET_OUTPUT);
      expect(json.output).toHaveProperty(COORDINATES_OUTPUT);
    }
  });
});

describe('the client secret’s life in the app', () => {
  test('publishes the rotation report per producer, not sensitive: generation and end dates only', () => {
    // WHEN
    const { json } = synthApp({
      location: 'westeurope',
      identity: { mode: 'application', secretGeneration: 2 },
    });
    // THEN
    const output = json.output?.[SECRET_ROTATION_OUTPUT];
    expect(output?.sensitive).toBeUndefined();
    expect(Object.keys(output?.value as object).sort()).toEqual(producers.map((p) => p.name).sort());
    expect(JSON.stringify(output?.value)).not.toMatch(/\.value\}/);
    expect((output?.value as Record<string, unknown>)[producers[0].name]).toEqual({
      generation: 2,
      expiresAt: expect.stringMatching(
        /^\$\{azuread_application_password\.Sentinel_Identity_SecretEven_[^}]+\.end_date\}$/,
      ),
      previous: {
        generation: 1,
        expiresAt: expect.stringMatching(
          /^\$\{azuread_application_password\.Sentinel_Identity_Secret_[^}]+\.end_date\}$/,
        ),
      },
    });
  });

  test('with per-producer identities: a sensitive map of secrets instead of the single secret', () => {
    // WHEN
    const { json } = synthApp(
      { location: 'westeurope', identity: { mode: 'application', perProducer: true } },
      FIXTURE_PRODUCERS,
    );
    // THEN
    expect(json.output).not.toHaveProperty(CLIENT_SECRET_OUTPUT);
    const secrets = json.output?.[CLIENT_SECRETS_OUTPUT];
    expect(secrets?.sensitive).toBe(true);
    expect(Object.keys(secrets?.value as object).sort()).toEqual(FIXTURE_PRODUCERS.map((p) => p.name).sort());
    for (const value of Object.values(secrets?.value as Record<string, string>)) {
      expect(value).toMatch(/^\$\{azuread_application_password\.[^}]+\.value\}$/);
    }
    expect(json.terraform.required_providers).toHaveProperty('azuread');
  });

  test('with per-producer identities the AWS side reads each producer’s own client id', () => {
    // GIVEN
    const { json } = synthApp(
      { location: 'westeurope', identity: { mode: 'application', perProducer: true } },
      FIXTURE_PRODUCERS,
    );
    // WHEN: what `cdktf deploy --outputs-file` would write once the references have values
    const outputsFile = {
      [AZURE_STACK_NAME]: { [COORDINATES_OUTPUT]: deployed(json.output?.[COORDINATES_OUTPUT]?.value) },
    };
    const coordinates = coordinatesFromOutputsFile(outputsFile, 'outputs.json');
    // THEN
    const clientIds = FIXTURE_PRODUCERS.map((p) => forwarderClientId(coordinates, p.name));
    expect(new Set(clientIds).size).toBe(FIXTURE_PRODUCERS.length);
    for (const id of clientIds) expect(id).toMatch(/^value-of-azuread_application\..+\.client_id$/);
  });
});

describe('Terraform state', () => {
  test('stays with cdktf’s default (local) unless a storage account is configured', () => {
    // WHEN
    const { json } = synthApp({ location: 'westeurope' }, FIXTURE_PRODUCERS);
    // THEN
    expect(json.terraform).not.toHaveProperty('backend');
  });

  test('goes to an Azure blob with Entra auth when configured', () => {
    // WHEN
    const { json } = synthApp(
      { location: 'westeurope', stateBackend: { storageAccountName: 'socstate', containerName: 'tfstate' } },
      FIXTURE_PRODUCERS,
    );
    // THEN
    expect((json.terraform as Record<string, unknown>).backend).toEqual({
      azurerm: {
        storage_account_name: 'socstate',
        container_name: 'tfstate',
        key: `${AZURE_STACK_NAME}.tfstate`,
        use_azuread_auth: true,
      },
    });
  });
});

describe('cdktf.json', () => {
  test('runs bin/azure.ts from the sources, so `npx cdktf synth` needs no build', () => {
    // GIVEN
    const root = join(__dirname, '..', '..');
    const cdktf = JSON.parse(readFileSync(join(root, 'cdktf.json'), 'utf8')) as {
      app: string;
      language: string;
    };
    // THEN
    const [node, script, entry] = cdktf.app.split(' ');
    expect(node).toBe('node');
    expect(existsSync(join(root, script))).toBe(true);
    expect(entry).toBe('bin/azure.ts');
    expect(existsSync(join(root, entry))).toBe(true);
  });
});

describe('the Azure app with an Auxiliary producer', () => {
  test('configures the AzAPI provider with the app’s tenant and subscription, and pins it', () => {
    // GIVEN a text producer on the Auxiliary plan
    const auxiliary: ProducerDefinition = {
      name: 'archive',
      bucket: { kind: 'new' },
      format: 'text',
      table: { plan: 'Auxiliary', totalRetentionInDays: 365 },
    };
    // WHEN
    const { json } = synthApp(
      {
        location: 'westeurope',
        tenantId: '11111111-1111-1111-1111-111111111111',
        subscriptionId: '22222222-2222-2222-2222-222222222222',
      },
      [...producers, auxiliary],
    );
    // THEN
    const raw = json as unknown as {
      provider: Record<string, Record<string, unknown>[]>;
      terraform: { required_providers: Record<string, { version: string }> };
    };
    expect(raw.provider.azapi).toEqual([
      expect.objectContaining({
        tenant_id: '11111111-1111-1111-1111-111111111111',
        subscription_id: '22222222-2222-2222-2222-222222222222',
      }),
    ]);
    expect(raw.terraform.required_providers.azapi.version).toBe('~> 2.5');
  });

  test('adds no AzAPI provider when no producer needs it (no Auxiliary plan, no built-in table)', () => {
    // Every producer on custom tables: those shaped for a built-in one are told so. (Not the
    // log-archive one: GuardDuty's Id and Title are names a custom table cannot have.)
    const custom = producers
      .filter((p) => p.format !== 'auto')
      .map((p) =>
        p.format !== 'ndjson' ? { ...p, table: { ...p.table, destination: 'custom' as const } } : p,
      );
    const { json } = synthApp(undefined, custom);
    expect((json as unknown as { provider: Record<string, unknown> }).provider.azapi).toBeUndefined();
    // The example producers write to built-in tables, whose _CF columns AzAPI adds.
    expect(
      (synthApp().json as unknown as { provider: Record<string, unknown> }).provider.azapi,
    ).toBeDefined();
  });
});
