import { AZURE_ENV, AzureAppConfigError, azureConfigFromEnv } from '../../bin/azure-config';
import { FIXTURE_PRODUCERS } from './azure-test-helpers';

const read = (env: Record<string, string>) => azureConfigFromEnv(env, FIXTURE_PRODUCERS);

test('with no variables set: westeurope, new resource group and workspace, application identity', () => {
  // WHEN
  const config = read({});
  // THEN
  expect(config).toEqual({
    location: 'westeurope',
    namePrefix: undefined,
    subscriptionId: undefined,
    tenantId: undefined,
    resourceGroup: { name: undefined, existing: false },
    workspace: { kind: 'new' },
    identity: { mode: 'application' },
    alerting: { email: undefined, noDataMinutes: undefined },
    publicNetworkAccess: undefined,
    stateBackend: undefined,
  });
});

test('the endpoint stays public unless S2S_AZURE_PUBLIC_NETWORK_ACCESS is false', () => {
  // WHEN / THEN
  expect(AZURE_ENV.publicNetworkAccess).toBe('S2S_AZURE_PUBLIC_NETWORK_ACCESS');
  expect(read({}).publicNetworkAccess).toBeUndefined();
  expect(read({ [AZURE_ENV.publicNetworkAccess]: 'true' }).publicNetworkAccess).toBe(true);
  expect(read({ [AZURE_ENV.publicNetworkAccess]: 'false' }).publicNetworkAccess).toBe(false);
});

test('fails if S2S_AZURE_PUBLIC_NETWORK_ACCESS is neither true nor false', () => {
  // WHEN / THEN
  expect(() => read({ [AZURE_ENV.publicNetworkAccess]: 'no' })).toThrow(
    'S2S_AZURE_PUBLIC_NETWORK_ACCESS ("no") must be "true" or "false"',
  );
});

test('a state storage account selects the azurerm backend', () => {
  // WHEN
  const config = read({
    [AZURE_ENV.stateStorageAccount]: 'socstate',
    [AZURE_ENV.stateContainer]: 'tfstate',
    [AZURE_ENV.stateResourceGroup]: 'state-rg',
  });
  // THEN
  expect(config.stateBackend).toEqual({
    storageAccountName: 'socstate',
    containerName: 'tfstate',
    key: undefined,
    resourceGroupName: 'state-rg',
  });
});

test('an existing workspace and resource group, an alert email and period', () => {
  // WHEN
  const config = read({
    [AZURE_ENV.location]: 'swedencentral',
    [AZURE_ENV.resourceGroup]: 'sec-rg',
    [AZURE_ENV.resourceGroupExisting]: 'true',
    [AZURE_ENV.workspaceId]:
      '/subscriptions/x/resourceGroups/sec-rg/providers/Microsoft.OperationalInsights/workspaces/soc',
    [AZURE_ENV.onboardSentinel]: 'false',
    [AZURE_ENV.alertEmail]: 'soc@example.com',
    [AZURE_ENV.noDataMinutes]: '120',
  });
  // THEN
  expect(config).toMatchObject({
    location: 'swedencentral',
    resourceGroup: { name: 'sec-rg', existing: true },
    workspace: {
      kind: 'existing',
      resourceId:
        '/subscriptions/x/resourceGroups/sec-rg/providers/Microsoft.OperationalInsights/workspaces/soc',
      onboardSentinel: false,
    },
    alerting: { email: 'soc@example.com', noDataMinutes: 120 },
  });
});

test("identity mode 'existing' takes the principal's ids", () => {
  // WHEN
  const config = read({
    [AZURE_ENV.identityMode]: 'existing',
    [AZURE_ENV.principalObjectId]: 'object',
    [AZURE_ENV.principalClientId]: 'client',
  });
  // THEN
  expect(config.identity).toEqual({
    mode: 'existing',
    objectId: 'object',
    clientId: 'client',
    tenantId: undefined,
  });
});

test("identity mode 'federated' expands the role ARN pattern for every producer", () => {
  // WHEN
  const config = read({
    [AZURE_ENV.identityMode]: 'federated',
    [AZURE_ENV.federationIssuer]: 'https://issuer.example',
    [AZURE_ENV.lambdaRoleArnPattern]: 'arn:aws:iam::123456789012:role/s3-to-sentinel-{name}',
  });
  // THEN
  expect(config.identity).toEqual({
    mode: 'federated',
    issuer: 'https://issuer.example',
    lambdaRoleArns: {
      trail: 'arn:aws:iam::123456789012:role/s3-to-sentinel-trail',
      'app-logs': 'arn:aws:iam::123456789012:role/s3-to-sentinel-app-logs',
      lines: 'arn:aws:iam::123456789012:role/s3-to-sentinel-lines',
    },
  });
});

test("identity mode 'federated' takes an explicit JSON map instead", () => {
  // WHEN
  const config = read({
    [AZURE_ENV.identityMode]: 'federated',
    [AZURE_ENV.federationIssuer]: 'https://issuer.example',
    [AZURE_ENV.lambdaRoleArns]: '{"trail":"arn:aws:iam::123456789012:role/a"}',
  });
  // THEN
  expect(config.identity).toMatchObject({ lambdaRoleArns: { trail: 'arn:aws:iam::123456789012:role/a' } });
});

describe('fails naming the variable', () => {
  test.each([
    [
      { [AZURE_ENV.identityMode]: 'msi' },
      'S2S_AZURE_IDENTITY_MODE ("msi") must be application, existing or federated',
    ],
    [
      { [AZURE_ENV.identityMode]: 'existing' },
      "identity mode 'existing' needs S2S_AZURE_PRINCIPAL_OBJECT_ID",
    ],
    [{ [AZURE_ENV.identityMode]: 'federated' }, "identity mode 'federated' needs S2S_AWS_FEDERATION_ISSUER"],
    [
      { [AZURE_ENV.identityMode]: 'federated', [AZURE_ENV.federationIssuer]: 'https://i' },
      'needs S2S_AWS_LAMBDA_ROLE_ARN_PATTERN (an ARN containing {name}) or S2S_AWS_LAMBDA_ROLE_ARNS',
    ],
    [
      {
        [AZURE_ENV.identityMode]: 'federated',
        [AZURE_ENV.federationIssuer]: 'https://i',
        [AZURE_ENV.lambdaRoleArns]: '[1]',
      },
      'S2S_AWS_LAMBDA_ROLE_ARNS must be a JSON object of role ARNs by producer name',
    ],
    [
      { [AZURE_ENV.resourceGroupExisting]: 'yes' },
      'S2S_AZURE_RESOURCE_GROUP_EXISTING ("yes") must be "true" or "false"',
    ],
    [
      { [AZURE_ENV.noDataMinutes]: 'an hour' },
      'S2S_AZURE_NO_DATA_MINUTES ("an hour") must be a whole number',
    ],
    [{ [AZURE_ENV.stateStorageAccount]: 'socstate' }, 'state in socstate needs S2S_AZURE_STATE_CONTAINER'],
  ])('%j', (env, message) => {
    expect(() => read(env)).toThrow(AzureAppConfigError);
    expect(() => read(env)).toThrow(message);
  });
});

test('the client secret’s generation, lifetime and expiry warning', () => {
  // WHEN
  const config = read({
    [AZURE_ENV.secretGeneration]: '3',
    [AZURE_ENV.secretLifetimeDays]: '180',
    [AZURE_ENV.secretExpiryWarningDays]: '21',
  });
  // THEN
  expect(AZURE_ENV.secretGeneration).toBe('S2S_AZURE_SECRET_GENERATION');
  expect(config.identity).toEqual({ mode: 'application', secretGeneration: 3, secretLifetimeDays: 180 });
  expect(config.alerting?.secretExpiryWarningDays).toBe(21);
});

test('per-producer identities in the application and federated modes', () => {
  // WHEN
  const application = read({ [AZURE_ENV.identityPerProducer]: 'true' });
  const federated = read({
    [AZURE_ENV.identityMode]: 'federated',
    [AZURE_ENV.identityPerProducer]: 'true',
    [AZURE_ENV.federationIssuer]: 'https://issuer.example',
    [AZURE_ENV.lambdaRoleArnPattern]: 'arn:aws:iam::123456789012:role/s3-to-sentinel-{name}-forwarder',
  });
  // THEN
  expect(AZURE_ENV.identityPerProducer).toBe('S2S_AZURE_IDENTITY_PER_PRODUCER');
  expect(application.identity).toEqual({ mode: 'application', perProducer: true });
  expect(federated.identity).toMatchObject({ mode: 'federated', perProducer: true });
  expect(read({}).identity).not.toHaveProperty('perProducer');
});

test('fails if a client secret setting is given in a mode without a secret', () => {
  // WHEN / THEN
  const federated = {
    [AZURE_ENV.identityMode]: 'federated',
    [AZURE_ENV.federationIssuer]: 'https://issuer.example',
    [AZURE_ENV.lambdaRoleArnPattern]: 'arn:aws:iam::1:role/{name}',
  };
  expect(() => read({ ...federated, [AZURE_ENV.secretGeneration]: '2' })).toThrow(
    "S2S_AZURE_SECRET_GENERATION applies only to identity mode 'application'",
  );
  expect(() => read({ ...federated, [AZURE_ENV.secretLifetimeDays]: '90' })).toThrow(
    "S2S_AZURE_SECRET_LIFETIME_DAYS applies only to identity mode 'application'",
  );
  expect(() =>
    read({
      [AZURE_ENV.identityMode]: 'existing',
      [AZURE_ENV.principalObjectId]: 'o',
      [AZURE_ENV.principalClientId]: 'c',
      [AZURE_ENV.identityPerProducer]: 'true',
    }),
  ).toThrow("S2S_AZURE_IDENTITY_PER_PRODUCER applies only to identity mode 'application' or 'federated'");
});

test('fails if the generation is not a whole number', () => {
  expect(() => read({ [AZURE_ENV.secretGeneration]: 'two' })).toThrow(
    'S2S_AZURE_SECRET_GENERATION ("two") must be a whole number',
  );
});
