import { Application } from '@cdktf/provider-azuread/lib/application';
import { ApplicationPasswordA } from '@cdktf/provider-azuread/lib/application-password';
import { ServicePrincipal } from '@cdktf/provider-azuread/lib/service-principal';
import { FederatedIdentityCredential } from '@cdktf/provider-azurerm/lib/federated-identity-credential';
import { UserAssignedIdentity } from '@cdktf/provider-azurerm/lib/user-assigned-identity';
import { TerraformOutput, Testing } from 'cdktf';
import { TOKEN_EXCHANGE_AUDIENCE } from '../../lib/azure';
import {
  FIXTURE_PRODUCERS,
  type TerraformJson,
  addressOf,
  resourcesOf,
  synthIngestion,
  warningsOf,
} from './azure-test-helpers';

Testing.setupJest();

const OBJECT_ID = '11111111-2222-3333-4444-555555555555';
const CLIENT_ID = '66666666-7777-8888-9999-000000000000';
const ISSUER = 'https://0a1b2c3d-4e5f-6789-abcd-ef0123456789.tokens.sts.global.api.aws';
const roleArn = (name: string) => `arn:aws:iam::123456789012:role/s3-to-sentinel-${name}`;
const ROLE_ARNS = Object.fromEntries(FIXTURE_PRODUCERS.map((p) => [p.name, roleArn(p.name)]));

const AZUREAD_TYPES = ['azuread_application', 'azuread_service_principal', 'azuread_application_password'];

function dcrIds(json: TerraformJson): string[] {
  return FIXTURE_PRODUCERS.map(
    (p) => `\${${addressOf(json, 'azurerm_monitor_data_collection_rule', `s3-to-sentinel-${p.name}`)}.id}`,
  ).sort();
}

describe("default mode 'application'", () => {
  test('creates an app registration, its service principal and a client secret', () => {
    // WHEN
    const { text } = synthIngestion();
    // THEN
    expect(text).toHaveResourceWithProperties(Application, {
      display_name: 's3-to-sentinel-forwarder',
      sign_in_audience: 'AzureADMyOrg',
      owners: [expect.stringMatching(/^\$\{data\.azuread_client_config\..+\.object_id\}$/)],
    });
    expect(text).toHaveResourceWithProperties(ServicePrincipal, {
      client_id: expect.stringMatching(/^\$\{azuread_application\..+\.client_id\}$/),
    });
    expect(text).toHaveResourceWithProperties(ApplicationPasswordA, {
      application_id: expect.stringMatching(/^\$\{azuread_application\..+\.id\}$/),
    });
  });

  test('takes a display name', () => {
    // WHEN
    const { text } = synthIngestion({ identity: { mode: 'application', displayName: 'soc-forwarder' } });
    // THEN
    expect(text).toHaveResourceWithProperties(Application, { display_name: 'soc-forwarder' });
  });

  test('the secret keeps Entra’s default lifetime unless an end date is given', () => {
    // WHEN
    const defaults = synthIngestion().json;
    const dated = synthIngestion({
      identity: { mode: 'application', secretEndDate: '2027-01-31T00:00:00Z' },
    }).json;
    // THEN
    expect(resourcesOf(defaults, 'azuread_application_password')[0]).not.toHaveProperty('end_date');
    expect(resourcesOf(dated, 'azuread_application_password')[0].end_date).toBe('2027-01-31T00:00:00Z');
  });

  test('the service principal gets the ingestion role on each DCR, typed so replication lag cannot fail it', () => {
    // WHEN
    const { json } = synthIngestion();
    // THEN
    const assignments = resourcesOf(json, 'azurerm_role_assignment');
    expect(assignments.map((a) => a.scope).sort()).toEqual(dcrIds(json));
    for (const assignment of assignments) {
      expect(assignment.principal_id).toMatch(/^\$\{azuread_service_principal\..+\.object_id\}$/);
      expect(assignment.principal_type).toBe('ServicePrincipal');
    }
  });

  test('warns that the secret lives in Terraform state', () => {
    // WHEN
    const { stack } = synthIngestion();
    // THEN
    expect(warningsOf(stack)).toContainEqual(
      expect.stringMatching(/client secret is stored in Terraform state/),
    );
  });

  test('exposes the secret only as a reference, never a value', () => {
    // WHEN
    const { ingestion, stack } = synthIngestion();
    new TerraformOutput(stack, 'probe', { value: ingestion.clientSecret, sensitive: true });
    // THEN
    const output = (JSON.parse(Testing.synth(stack)) as TerraformJson).output?.probe;
    expect(output?.value).toMatch(/^\$\{azuread_application_password\..+\.value\}$/);
  });
});

describe("mode 'existing'", () => {
  test('creates only the role assignments, for the given principal', () => {
    // WHEN
    const { json, ingestion } = synthIngestion({
      identity: { mode: 'existing', objectId: OBJECT_ID, clientId: CLIENT_ID },
    });
    // THEN
    for (const type of [
      ...AZUREAD_TYPES,
      'azurerm_user_assigned_identity',
      'azurerm_federated_identity_credential',
    ]) {
      expect(resourcesOf(json, type)).toHaveLength(0);
    }
    const assignments = resourcesOf(json, 'azurerm_role_assignment');
    expect(assignments.map((a) => a.scope).sort()).toEqual(dcrIds(json));
    for (const assignment of assignments) {
      expect(assignment.principal_id).toBe(OBJECT_ID);
      expect(assignment.role_definition_name).toBe('Monitoring Metrics Publisher');
    }
    expect(ingestion.clientSecret).toBeUndefined();
    expect(ingestion.identity.clientId).toBe(CLIENT_ID);
  });

  test('the tenant defaults to the signed-in one and can be given', () => {
    // WHEN
    const signedIn = synthIngestion({
      identity: { mode: 'existing', objectId: OBJECT_ID, clientId: CLIENT_ID },
    });
    const given = synthIngestion({
      identity: { mode: 'existing', objectId: OBJECT_ID, clientId: CLIENT_ID, tenantId: OBJECT_ID },
    });
    // THEN
    expect(Object.keys(signedIn.json.data?.azurerm_client_config ?? {})).toHaveLength(1);
    expect(given.ingestion.identity.tenantId).toBe(OBJECT_ID);
    expect(given.json.data?.azurerm_client_config).toBeUndefined();
  });
});

describe("mode 'federated'", () => {
  const federated = { mode: 'federated', issuer: ISSUER, lambdaRoleArns: ROLE_ARNS } as const;

  test('creates a user-assigned identity and no secret anywhere', () => {
    // WHEN
    const { text, json, ingestion } = synthIngestion({ identity: federated });
    // THEN
    expect(text).toHaveResourceWithProperties(UserAssignedIdentity, { name: 's3-to-sentinel-forwarder' });
    expect(
      synthIngestion({ identity: { ...federated, name: 'soc-uami' } }).text,
    ).toHaveResourceWithProperties(UserAssignedIdentity, { name: 'soc-uami' });
    for (const type of AZUREAD_TYPES) expect(resourcesOf(json, type)).toHaveLength(0);
    expect(ingestion.clientSecret).toBeUndefined();
    expect(text).not.toMatch(/password|client_secret/);
  });

  test('trusts the AWS issuer with each producer’s Lambda role as subject and the token-exchange audience', () => {
    // WHEN
    const { text, json } = synthIngestion({ identity: federated });
    // THEN
    expect(resourcesOf(json, 'azurerm_federated_identity_credential')).toHaveLength(FIXTURE_PRODUCERS.length);
    const identity = addressOf(json, 'azurerm_user_assigned_identity', 's3-to-sentinel-forwarder');
    for (const producer of FIXTURE_PRODUCERS) {
      expect(text).toHaveResourceWithProperties(FederatedIdentityCredential, {
        name: `aws-${producer.name}`,
        parent_id: `\${${identity}.id}`,
        issuer: ISSUER,
        subject: roleArn(producer.name),
        audience: ['api://AzureADTokenExchange'],
      });
    }
    expect(TOKEN_EXCHANGE_AUDIENCE).toBe('api://AzureADTokenExchange');
  });

  test('the managed identity gets the ingestion role on each DCR only', () => {
    // WHEN
    const { json } = synthIngestion({ identity: federated });
    // THEN
    const identity = addressOf(json, 'azurerm_user_assigned_identity', 's3-to-sentinel-forwarder');
    const assignments = resourcesOf(json, 'azurerm_role_assignment');
    expect(assignments.map((a) => a.scope).sort()).toEqual(dcrIds(json));
    for (const assignment of assignments) {
      expect(assignment.principal_id).toBe(`\${${identity}.principal_id}`);
      expect(assignment.principal_type).toBe('ServicePrincipal');
    }
  });

  test('coordinates carry the managed identity’s client and tenant ids', () => {
    // WHEN
    const { ingestion, stack } = synthIngestion({ identity: federated });
    new TerraformOutput(stack, 'probe', { value: ingestion.coordinates });
    // THEN
    const value = (JSON.parse(Testing.synth(stack)) as TerraformJson).output?.probe.value as Record<
      string,
      string
    >;
    expect(value.clientId).toMatch(/^\$\{azurerm_user_assigned_identity\..+\.client_id\}$/);
    expect(value.tenantId).toMatch(/^\$\{azurerm_user_assigned_identity\..+\.tenant_id\}$/);
    // The AWS app reads this to deploy the forwarders without a secret.
    expect(value.authMode).toBe('federated');
  });

  test('coordinates say secret in the application and existing modes', () => {
    for (const identity of [
      undefined,
      {
        mode: 'existing' as const,
        objectId: '33333333-3333-3333-3333-333333333333',
        clientId: '44444444-4444-4444-4444-444444444444',
      },
    ]) {
      const { ingestion } = synthIngestion(identity === undefined ? {} : { identity });
      expect(ingestion.coordinates.authMode).toBe('secret');
    }
  });
});
