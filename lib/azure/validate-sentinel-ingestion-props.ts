import { Token } from 'cdktf';
import { builtinMismatches, isLogFormat, type Column } from '../../lambda/formats';
import {
  checkEmail,
  dcrStems,
  producerStreams,
  tableName,
  validateProducers,
  type ProducerDefinition,
} from '../producer';
import type { IdentityOptions } from './forwarder-identity';
import { ALERT_FREQUENCIES, ALERT_WINDOWS } from './no-data-alert';
import { clientSecretProblems } from './validate-client-secret';
import type { AlertingOptions, ResourceGroupOptions } from './sentinel-ingestion';
import type { WorkspaceOptions } from './sentinel-workspace';
import { auxiliaryColumnProblems, columnProblems } from './table-columns';

/** Thrown for Azure settings that cannot be deployed; the message names each prop and what to change. */
export class AzureConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AzureConfigError';
  }
}

/** The construct's props with their defaults applied. */
export interface ResolvedIngestionProps {
  readonly producers: readonly ProducerDefinition[];
  readonly location: string;
  readonly namePrefix: string;
  readonly resourceGroup?: ResourceGroupOptions;
  readonly workspace: WorkspaceOptions;
  readonly identity: IdentityOptions;
  readonly alerting?: AlertingOptions;
}

// Kept short so `<prefix>-<producer>[-<shard>]` (DCR, ≤ 64: 24 + 1 + 32 + 3) and `<prefix>-dce` (≤ 44) always fit;
// a producer with several streams adds an output's name, checked against MAX_DCR_NAME.
const NAME_PREFIX = /^[a-z][a-z0-9-]{1,22}[a-z0-9]$/;
/** Azure's limit on a data collection rule's name. */
const MAX_DCR_NAME = 64;
const RESOURCE_GROUP_NAME = /^[-\w._()]{1,89}[-\w_()]$/;
const WORKSPACE_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{2,61}[A-Za-z0-9]$/;
const WORKSPACE_ID =
  /^\/subscriptions\/[0-9a-fA-F-]{36}\/resourceGroups\/[^/]+\/providers\/Microsoft\.OperationalInsights\/workspaces\/[^/]+$/i;
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;
// A user-assigned identity holds at most 20 federated identity credentials.
const MAX_FEDERATED_CREDENTIALS = 20;
// Total retention beyond two years is only accepted in whole years (azurerm validates this list).
const LONG_TOTAL_RETENTION = [1095, 1460, 1826, 2191, 2556, 2922, 3288, 3653, 4018, 4383];

/**
 * Checks everything the construct was given, collecting every problem so one synth shows them all.
 * Producer-level problems come from `validateProducers` (thrown as `ProducerConfigError`) first.
 */
export function validateSentinelIngestionProps(props: ResolvedIngestionProps): void {
  validateProducers(props.producers);
  const problems: string[] = [];
  const given = (value: unknown): boolean => value !== undefined && !Token.isUnresolved(value);

  if (given(props.namePrefix) && !NAME_PREFIX.test(props.namePrefix)) {
    problems.push(
      `\`namePrefix\` (${JSON.stringify(props.namePrefix)}) must be 3–24 lower-case letters, digits or hyphens, starting with a letter`,
    );
  }
  if (given(props.location) && props.location.trim() === '') {
    problems.push('`location` is empty; give an Azure region such as "westeurope"');
  }
  const rg = props.resourceGroup?.name;
  if (given(rg) && !RESOURCE_GROUP_NAME.test(rg as string)) {
    problems.push(`\`resourceGroup.name\` (${JSON.stringify(rg)}) is not a valid resource group name`);
  }
  problems.push(...workspaceProblems(props.workspace, given));
  problems.push(...identityProblems(props.identity, props.producers, given));
  problems.push(...clientSecretProblems(props.identity, props.alerting ?? {}));
  problems.push(...alertingProblems(props.alerting ?? {}));
  for (const producer of props.producers) problems.push(...producerProblems(producer));
  // `<prefix>-<producer>[-<output>][-<shard>]`: an output's slug can take a name past Azure's 64.
  if (given(props.namePrefix)) {
    for (const producer of props.producers) {
      for (const { stem, what } of dcrStems(producer)) {
        const name = `${props.namePrefix}-${stem}`;
        if (name.length > MAX_DCR_NAME) {
          problems.push(
            `producer "${producer.name}": the DCR of ${what} would be named ${name} (${name.length} characters); ` +
              `Azure allows ${MAX_DCR_NAME}: shorten \`namePrefix\` or the producer's name`,
          );
        }
      }
    }
  }

  if (problems.length > 0) {
    throw new AzureConfigError(`Invalid Azure configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

function workspaceProblems(workspace: WorkspaceOptions, given: (value: unknown) => boolean): string[] {
  const problems: string[] = [];
  if (workspace.kind === 'existing') {
    if (given(workspace.resourceId) && !WORKSPACE_ID.test(workspace.resourceId)) {
      problems.push(
        `\`workspace.resourceId\` (${JSON.stringify(workspace.resourceId)}) must be a workspace resource id: ` +
          '/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.OperationalInsights/workspaces/<name>',
      );
    }
    return problems;
  }
  if (workspace.kind !== 'new') {
    return [
      `\`workspace.kind\` (${JSON.stringify((workspace as { kind: unknown }).kind)}) must be 'new' or 'existing'`,
    ];
  }
  if (given(workspace.name) && !WORKSPACE_NAME.test(workspace.name as string)) {
    problems.push(
      `\`workspace.name\` (${JSON.stringify(workspace.name)}) must be 4–63 letters, digits or hyphens, starting and ending with a letter or digit`,
    );
  }
  const retention = workspace.retentionInDays;
  if (retention !== undefined && (!Number.isInteger(retention) || retention < 30 || retention > 730)) {
    problems.push(`\`workspace.retentionInDays\` (${retention}) must be a whole number from 30 to 730`);
  }
  if (workspace.dailyQuotaGb !== undefined && !(workspace.dailyQuotaGb > 0)) {
    problems.push(
      `\`workspace.dailyQuotaGb\` (${workspace.dailyQuotaGb}) must be greater than 0; omit it for no cap`,
    );
  }
  return problems;
}

function identityProblems(
  identity: IdentityOptions,
  producers: readonly ProducerDefinition[],
  given: (value: unknown) => boolean,
): string[] {
  const problems: string[] = [];
  switch (identity.mode) {
    case 'application':
      if (given(identity.secretEndDate) && Number.isNaN(Date.parse(identity.secretEndDate as string))) {
        problems.push(
          `\`identity.secretEndDate\` (${JSON.stringify(identity.secretEndDate)}) must be an RFC 3339 time such as 2027-01-31T00:00:00Z`,
        );
      }
      return problems;
    case 'existing':
      for (const field of ['objectId', 'clientId', 'tenantId'] as const) {
        const value = identity[field];
        if (field !== 'tenantId' && (value === undefined || value === '')) {
          problems.push(`\`identity.${field}\` is required in identity mode 'existing'`);
        } else if (given(value) && !GUID.test(value as string)) {
          problems.push(`\`identity.${field}\` (${JSON.stringify(value)}) must be a GUID`);
        }
      }
      return problems;
    case 'federated': {
      if (given(identity.issuer) && !/^https:\/\/[^\s/]+/.test(identity.issuer)) {
        problems.push(
          `\`identity.issuer\` (${JSON.stringify(identity.issuer)}) must be the https:// issuer URL that ` +
            '`aws iam get-outbound-web-identity-federation-info` prints',
        );
      }
      const arns = identity.lambdaRoleArns ?? {};
      for (const producer of producers) {
        const arn = arns[producer.name];
        if (arn === undefined) {
          problems.push(
            `\`identity.lambdaRoleArns\` has no entry for producer "${producer.name}"; add its forwarder's execution role ARN`,
          );
        } else if (given(arn) && !ROLE_ARN.test(arn)) {
          problems.push(
            `\`identity.lambdaRoleArns.${producer.name}\` (${JSON.stringify(arn)}) must be an IAM role ARN, arn:aws:iam::<account>:role/<name>`,
          );
        }
      }
      const names = new Set(producers.map((p) => p.name));
      for (const name of Object.keys(arns).filter((n) => !names.has(n))) {
        problems.push(
          `\`identity.lambdaRoleArns.${name}\` names no configured producer; remove it or fix the name`,
        );
      }
      if (identity.perProducer !== true && producers.length > MAX_FEDERATED_CREDENTIALS) {
        problems.push(
          `identity mode 'federated' needs one federated credential per producer (${producers.length}); ` +
            `a managed identity holds at most ${MAX_FEDERATED_CREDENTIALS}. Turn on per-producer identities ` +
            '(`identity.perProducer: true`, S2S_AZURE_IDENTITY_PER_PRODUCER=true): each producer then gets its own ' +
            'managed identity with one credential',
        );
      }
      return problems;
    }
    default:
      return [
        `\`identity.mode\` (${JSON.stringify((identity as { mode: unknown }).mode)}) must be 'application', 'existing' or 'federated'`,
      ];
  }
}

function alertingProblems(alerting: AlertingOptions): string[] {
  const problems: string[] = [];
  const windowMinutes = alerting.noDataMinutes ?? 60;
  const frequency = alerting.evaluationFrequencyMinutes ?? 15;
  if (!(windowMinutes in ALERT_WINDOWS)) {
    problems.push(
      `\`alerting.noDataMinutes\` (${windowMinutes}) must be one of ${Object.keys(ALERT_WINDOWS).join(', ')}`,
    );
  }
  if (!(frequency in ALERT_FREQUENCIES)) {
    problems.push(
      `\`alerting.evaluationFrequencyMinutes\` (${frequency}) must be one of ${Object.keys(ALERT_FREQUENCIES).join(', ')}`,
    );
  } else if (frequency > windowMinutes) {
    problems.push(
      `\`alerting.evaluationFrequencyMinutes\` (${frequency}) must not exceed \`alerting.noDataMinutes\` (${windowMinutes})`,
    );
  }
  const severity = alerting.severity;
  if (severity !== undefined && (!Number.isInteger(severity) || severity < 0 || severity > 4)) {
    problems.push(
      `\`alerting.severity\` (${severity}) must be a whole number from 0 (critical) to 4 (verbose)`,
    );
  }
  const email = Token.isUnresolved(alerting.email) ? undefined : checkEmail('alerting.email', alerting.email);
  if (email !== undefined) problems.push(email);
  return problems;
}

function producerProblems(producer: ProducerDefinition): string[] {
  const problems: string[] = [];
  const where = `producer "${producer.name}"`;
  const plan = producer.table?.plan ?? 'Analytics';
  const total = producer.table?.totalRetentionInDays;
  if (plan === 'Auxiliary' && total === undefined) {
    // retentionInDays is read-only on this plan and Microsoft's Auxiliary-plan guide always sets the
    // total (its example: 365); requiring it keeps the data's lifetime explicit, not a service default.
    problems.push(
      `${where}: \`table.totalRetentionInDays\` is required on the Auxiliary plan (4–4383 days, e.g. 365)`,
    );
  }
  if (total !== undefined && total > 730 && !LONG_TOTAL_RETENTION.includes(total)) {
    problems.push(
      `${where}: \`table.totalRetentionInDays\` (${total}) above 730 must be a whole number of years: ${LONG_TOTAL_RETENTION.join(', ')}`,
    );
  }
  if (typeof producer.format === 'string' && isLogFormat(producer.format)) {
    // Each stream of the producer: its one stream, or one per output of its format.
    for (const { columns, destination, tableName: name } of producerStreams(producer)) {
      const table = `${where} (table ${name}, format ${producer.format})`;
      if (destination.kind === 'builtin') {
        // What the forwarder sends must be the built-in table's own columns, or `_CF` ones added to it.
        problems.push(
          ...builtinMismatches(columns, destination.table).map((problem) => `${table}: ${problem}`),
        );
      } else {
        problems.push(...columnProblems(columns, table));
        if (plan === 'Auxiliary') problems.push(...auxiliaryColumnProblems(columns, table));
      }
    }
  }
  return problems;
}

// `extend Name =`, `project Name =` and `project-rename Name =` (and `, Name =` after them) introduce columns; a plain-text scan is enough to
// catch the common mistake of adding a column the table does not have.
const INTRODUCED_COLUMN =
  /\b(?:extend|project-rename|project)\s+([A-Za-z_]\w*)\s*=(?!=)|,\s*([A-Za-z_]\w*)\s*=(?!=)/g;

/**
 * Warnings for a producer whose transformKql introduces columns its table lacks: Azure drops such
 * columns silently at ingestion, so the data would vanish without an error.
 */
export function transformWarnings(producer: ProducerDefinition, columns: readonly Column[]): string[] {
  const kql = producer.table?.transformKql;
  if (kql === undefined || Token.isUnresolved(kql)) return [];
  const known = new Set(columns.map((c) => c.name.toLowerCase()));
  const missing = new Set<string>();
  for (const match of kql.matchAll(INTRODUCED_COLUMN)) {
    const name = match[1] ?? match[2];
    if (!known.has(name.toLowerCase())) missing.add(name);
  }
  return [...missing].map(
    (name) =>
      `producer "${producer.name}": \`table.transformKql\` creates column \`${name}\`, which ${tableName(producer)} does not have; ` +
      `Azure drops it at ingestion. Write it into an existing column (e.g. inside a dynamic one) or add the column to the format's schema.`,
  );
}
