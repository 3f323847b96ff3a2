import type { AlertingOptions, IdentityOptions, ResourceGroupOptions, WorkspaceOptions } from '../lib/azure';
import type { ProducerDefinition } from '../lib/producer';

/** Settings of the Azure app that are not part of the producer definitions. */
export interface AzureAppConfig {
  readonly location: string;
  readonly namePrefix?: string;
  readonly subscriptionId?: string;
  readonly tenantId?: string;
  readonly resourceGroup?: ResourceGroupOptions;
  readonly workspace?: WorkspaceOptions;
  readonly identity?: IdentityOptions;
  readonly alerting?: AlertingOptions;
  /** @default true - see `SentinelIngestionProps.publicNetworkAccess` */
  readonly publicNetworkAccess?: boolean;
  readonly tags?: Record<string, string>;
  /**
   * Where Terraform keeps state, which holds the client secret in identity mode `application`.
   * @default - cdktf's local backend, a file next to the project: fine to try things, not for real use
   */
  readonly stateBackend?: StateBackendConfig;
}

/** An Azure Storage blob for the Terraform state, reached with Entra auth (no storage keys). */
export interface StateBackendConfig {
  readonly storageAccountName: string;
  readonly containerName: string;
  /** @default 's3-to-sentinel-azure.tfstate' */
  readonly key?: string;
  readonly resourceGroupName?: string;
}

/** Thrown for an environment variable that cannot be used; the message names it. */
export class AzureAppConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AzureAppConfigError';
  }
}

/**
 * Environment variables the Azure app reads. Every one is optional: with none set, `cdktf synth`
 * builds the default deployment (new resource group, workspace with Sentinel, Entra application
 * with a client secret, no-data alerts without email) offline.
 */
export const AZURE_ENV = {
  /** Azure region, default `westeurope`. */
  location: 'S2S_AZURE_LOCATION',
  /** Prefix of every Azure resource name, default `s3-to-sentinel`. */
  namePrefix: 'S2S_AZURE_NAME_PREFIX',
  /** Subscription; otherwise the provider reads `ARM_SUBSCRIPTION_ID` at plan time. */
  subscriptionId: 'S2S_AZURE_SUBSCRIPTION_ID',
  /** Entra tenant; otherwise the signed-in account's. */
  tenantId: 'S2S_AZURE_TENANT_ID',
  /** Resource group name, default `<namePrefix>`. */
  resourceGroup: 'S2S_AZURE_RESOURCE_GROUP',
  /** `true` to use an existing resource group instead of creating it. */
  resourceGroupExisting: 'S2S_AZURE_RESOURCE_GROUP_EXISTING',
  /** Resource id of an existing workspace; unset creates a new one with Sentinel. */
  workspaceId: 'S2S_AZURE_WORKSPACE_ID',
  /** `true` to onboard Sentinel to the existing workspace. */
  onboardSentinel: 'S2S_AZURE_ONBOARD_SENTINEL',
  /** `application` (default), `existing` or `federated`. */
  identityMode: 'S2S_AZURE_IDENTITY_MODE',
  /** `true` for one identity per producer (modes `application` and `federated`), each writing only to its own DCR. */
  identityPerProducer: 'S2S_AZURE_IDENTITY_PER_PRODUCER',
  /** Application mode: the client secret's generation, default 1; raise it by one to rotate. */
  secretGeneration: 'S2S_AZURE_SECRET_GENERATION',
  /** Application mode: days each new client secret is valid, default Entra's two years. */
  secretLifetimeDays: 'S2S_AZURE_SECRET_LIFETIME_DAYS',
  /** Application mode: days before the client secret's expiry that its alert fires, default 30. */
  secretExpiryWarningDays: 'S2S_AZURE_SECRET_EXPIRY_WARNING_DAYS',
  /** Existing mode: the principal's object id. */
  principalObjectId: 'S2S_AZURE_PRINCIPAL_OBJECT_ID',
  /** Existing mode: the principal's client id. */
  principalClientId: 'S2S_AZURE_PRINCIPAL_CLIENT_ID',
  /** Federated mode: the AWS account's outbound identity federation issuer URL. */
  federationIssuer: 'S2S_AWS_FEDERATION_ISSUER',
  /**
   * Federated mode: the forwarder role ARN with `{name}` for the producer name, e.g.
   * `arn:aws:iam::123456789012:role/s3-to-sentinel-{name}`.
   */
  lambdaRoleArnPattern: 'S2S_AWS_LAMBDA_ROLE_ARN_PATTERN',
  /** Federated mode: a JSON object of role ARNs by producer name, instead of the pattern. */
  lambdaRoleArns: 'S2S_AWS_LAMBDA_ROLE_ARNS',
  /** Email notified when a producer's table goes quiet. */
  alertEmail: 'S2S_AZURE_ALERT_EMAIL',
  /** Minutes without rows before the alert fires, default 60. */
  noDataMinutes: 'S2S_AZURE_NO_DATA_MINUTES',
  /**
   * `false` to close the data collection endpoint to public networks (default `true`): ingestion
   * must then come through an Azure Monitor Private Link Scope the forwarder can reach.
   */
  publicNetworkAccess: 'S2S_AZURE_PUBLIC_NETWORK_ACCESS',
  /** Storage account for the Terraform state (azurerm backend); unset keeps cdktf's local state file. */
  stateStorageAccount: 'S2S_AZURE_STATE_STORAGE_ACCOUNT',
  /** Blob container for the state, required with the storage account. */
  stateContainer: 'S2S_AZURE_STATE_CONTAINER',
  /** Blob name of the state, default `s3-to-sentinel-azure.tfstate`. */
  stateKey: 'S2S_AZURE_STATE_KEY',
  /** Resource group of the state storage account. */
  stateResourceGroup: 'S2S_AZURE_STATE_RESOURCE_GROUP',
} as const;

/** Reads the Azure app's settings from `env`, failing with the variable's name on a bad value. */
export function azureConfigFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  producers: readonly ProducerDefinition[],
): AzureAppConfig {
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const optionalFlag = (name: string): boolean | undefined => {
    const value = read(name);
    if (value === undefined) return undefined;
    if (value === 'false') return false;
    if (value === 'true') return true;
    throw new AzureAppConfigError(`${name} (${JSON.stringify(value)}) must be "true" or "false"`);
  };
  const flag = (name: string): boolean => optionalFlag(name) ?? false;

  const workspaceId = read(AZURE_ENV.workspaceId);
  const noData = read(AZURE_ENV.noDataMinutes);
  const warningDays = read(AZURE_ENV.secretExpiryWarningDays);
  return {
    location: read(AZURE_ENV.location) ?? 'westeurope',
    namePrefix: read(AZURE_ENV.namePrefix),
    subscriptionId: read(AZURE_ENV.subscriptionId),
    tenantId: read(AZURE_ENV.tenantId),
    resourceGroup: { name: read(AZURE_ENV.resourceGroup), existing: flag(AZURE_ENV.resourceGroupExisting) },
    workspace:
      workspaceId === undefined
        ? { kind: 'new' }
        : { kind: 'existing', resourceId: workspaceId, onboardSentinel: flag(AZURE_ENV.onboardSentinel) },
    identity: identityFromEnv(read, optionalFlag, producers),
    alerting: {
      email: read(AZURE_ENV.alertEmail),
      noDataMinutes: noData === undefined ? undefined : wholeNumber(AZURE_ENV.noDataMinutes, noData),
      ...(warningDays === undefined
        ? {}
        : { secretExpiryWarningDays: wholeNumber(AZURE_ENV.secretExpiryWarningDays, warningDays) }),
    },
    publicNetworkAccess: optionalFlag(AZURE_ENV.publicNetworkAccess),
    stateBackend: stateBackendFromEnv(read),
  };
}

function stateBackendFromEnv(read: (name: string) => string | undefined): StateBackendConfig | undefined {
  const storageAccountName = read(AZURE_ENV.stateStorageAccount);
  if (storageAccountName === undefined) return undefined;
  return {
    storageAccountName,
    containerName: required(read, AZURE_ENV.stateContainer, `state in ${storageAccountName}`),
    key: read(AZURE_ENV.stateKey),
    resourceGroupName: read(AZURE_ENV.stateResourceGroup),
  };
}

function identityFromEnv(
  read: (name: string) => string | undefined,
  optionalFlag: (name: string) => boolean | undefined,
  producers: readonly ProducerDefinition[],
): IdentityOptions {
  const mode = read(AZURE_ENV.identityMode) ?? 'application';
  const perProducer = optionalFlag(AZURE_ENV.identityPerProducer);
  const generation = read(AZURE_ENV.secretGeneration);
  const lifetime = read(AZURE_ENV.secretLifetimeDays);
  // Settings that would do nothing in the chosen mode are refused rather than ignored.
  const notIn = (name: string, value: unknown, modes: string) => {
    if (value !== undefined) throw new AzureAppConfigError(`${name} applies only to identity mode ${modes}`);
  };
  if (mode !== 'application') {
    notIn(AZURE_ENV.secretGeneration, generation, "'application'");
    notIn(AZURE_ENV.secretLifetimeDays, lifetime, "'application'");
  }
  const perProducerOption = perProducer === undefined ? {} : { perProducer };
  switch (mode) {
    case 'application':
      return {
        mode,
        ...perProducerOption,
        ...(generation === undefined
          ? {}
          : { secretGeneration: wholeNumber(AZURE_ENV.secretGeneration, generation) }),
        ...(lifetime === undefined
          ? {}
          : { secretLifetimeDays: wholeNumber(AZURE_ENV.secretLifetimeDays, lifetime) }),
      };
    case 'existing':
      notIn(AZURE_ENV.identityPerProducer, perProducer, "'application' or 'federated'");
      return {
        mode,
        objectId: required(read, AZURE_ENV.principalObjectId, `identity mode '${mode}'`),
        clientId: required(read, AZURE_ENV.principalClientId, `identity mode '${mode}'`),
        tenantId: read(AZURE_ENV.tenantId),
      };
    case 'federated': {
      const issuer = required(read, AZURE_ENV.federationIssuer, `identity mode '${mode}'`);
      const json = read(AZURE_ENV.lambdaRoleArns);
      const pattern = read(AZURE_ENV.lambdaRoleArnPattern);
      if (json !== undefined)
        return { mode, issuer, lambdaRoleArns: parseArnMap(json), ...perProducerOption };
      if (pattern === undefined || !pattern.includes('{name}')) {
        throw new AzureAppConfigError(
          `identity mode 'federated' needs ${AZURE_ENV.lambdaRoleArnPattern} (an ARN containing {name}) or ${AZURE_ENV.lambdaRoleArns} (a JSON object)`,
        );
      }
      return {
        mode,
        issuer,
        lambdaRoleArns: Object.fromEntries(
          producers.map((p) => [p.name, pattern.split('{name}').join(p.name)]),
        ),
        ...perProducerOption,
      };
    }
    default:
      throw new AzureAppConfigError(
        `${AZURE_ENV.identityMode} (${JSON.stringify(mode)}) must be application, existing or federated`,
      );
  }
}

function required(read: (name: string) => string | undefined, name: string, what: string): string {
  const value = read(name);
  if (value === undefined) throw new AzureAppConfigError(`${what} needs ${name}`);
  return value;
}

function wholeNumber(name: string, value: string): number {
  if (!/^\d+$/.test(value))
    throw new AzureAppConfigError(`${name} (${JSON.stringify(value)}) must be a whole number`);
  return Number(value);
}

function parseArnMap(json: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new AzureAppConfigError(`${AZURE_ENV.lambdaRoleArns} is not valid JSON`);
  }
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    Array.isArray(parsed) ||
    !Object.values(parsed).every((v) => typeof v === 'string')
  ) {
    throw new AzureAppConfigError(
      `${AZURE_ENV.lambdaRoleArns} must be a JSON object of role ARNs by producer name`,
    );
  }
  return parsed as Record<string, string>;
}
