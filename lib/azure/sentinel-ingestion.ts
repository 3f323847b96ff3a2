import { MonitorActionGroup } from '@cdktf/provider-azurerm/lib/monitor-action-group';
import { MonitorDataCollectionEndpoint } from '@cdktf/provider-azurerm/lib/monitor-data-collection-endpoint';
import { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import type { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { Annotations } from 'cdktf';
import { Construct } from 'constructs';
import { addedColumns, PRODUCER_COLUMN, type Column } from '../../lambda/formats';
import { producerStreams, shardSuffix } from '../producer';
import { BuiltinTableColumns } from './builtin-table-columns';
import type {
  AzureCoordinates,
  ProducerDefinition,
  SecretRotationInfo,
  StreamCoordinates,
  destinationOf,
} from '../producer';
import { DcrErrorAlert } from './dcr-error-alert';
import { ForwarderIdentity, type ForwarderPrincipal, type IdentityOptions } from './forwarder-identity';
import { NoDataAlert } from './no-data-alert';
import { ProducerStream } from './producer-stream';
import { SecretExpiryAlert } from './secret-expiry-alert';
import { SentinelWorkspace, type WorkspaceOptions } from './sentinel-workspace';
import { transformWarnings, validateSentinelIngestionProps } from './validate-sentinel-ingestion-props';

/** The resource group every created resource goes into. */
export interface ResourceGroupOptions {
  /**
   * @default - `<namePrefix>`
   */
  readonly name?: string;
  /**
   * Use a resource group that already exists instead of creating it.
   * @default false
   */
  readonly existing?: boolean;
}

/**
 * The alerts: per producer, the table went quiet and the DCR logged errors (rows dropped after a
 * 204); in identity mode `application`, the client secret nears its expiry.
 */
export interface AlertingOptions {
  /**
   * Create the alerts at all.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Fire when a producer's table has ingested no rows for this many minutes. One of 5, 10, 15, 30,
   * 45, 60, 120, 180, 240, 300, 360, 1440, 2880 (what a scheduled query rule accepts).
   * @default 60
   */
  readonly noDataMinutes?: number;
  /**
   * How often each rule runs, in minutes; at most `noDataMinutes`. One of 1, 5, 10, 15, 30, 45, 60,
   * 120, 180, 240, 300, 360, 1440.
   * @default 15
   */
  readonly evaluationFrequencyMinutes?: number;
  /**
   * Identity mode `application`: fire when the newest client secret (each producer's, with
   * per-producer identities) has fewer than this many days left. Evaluated once a day.
   * @default 30 - time for a change window to rotate and run `put-secret`
   */
  readonly secretExpiryWarningDays?: number;
  /**
   * Alert severity of every alert, 0 (critical) to 4 (verbose).
   * @default 2 - warning: the pipeline is late, data is not yet lost (the AWS queue keeps it)
   */
  readonly severity?: number;
  /**
   * Email address notified through an action group when an alert fires or resolves.
   * @default - no action group; alerts show in Azure Monitor only
   */
  readonly email?: string;
}

export interface SentinelIngestionProps {
  /** The producers; each gets a custom table, a DCR stream and alerts. Validated at construction. */
  readonly producers: readonly ProducerDefinition[];
  /** Azure region of every resource created, e.g. `westeurope`; an existing workspace's region. */
  readonly location: string;
  /**
   * Prefix of every Azure resource name (3–24 lower-case letters, digits or hyphens), so several
   * deployments can share a subscription.
   * @default 's3-to-sentinel'
   */
  readonly namePrefix?: string;
  /** @default - a new resource group named `<namePrefix>` */
  readonly resourceGroup?: ResourceGroupOptions;
  /** @default - a new workspace `<namePrefix>-law` with Microsoft Sentinel onboarded */
  readonly workspace?: WorkspaceOptions;
  /** @default { mode: 'application' } - a new Entra application with a client secret */
  readonly identity?: IdentityOptions;
  /**
   * @default - per producer an alert after 60 minutes without rows and one on DCR errors, without notifications
   */
  readonly alerting?: AlertingOptions;
  /**
   * Whether the data collection endpoint accepts ingestion from public networks.
   * @default true - the forwarder reaches Azure from Lambda over the internet unless you built a private path
   * (an Azure Monitor Private Link Scope with a private endpoint the Lambda can reach)
   */
  readonly publicNetworkAccess?: boolean;
  /** @default - no tags */
  readonly tags?: Record<string, string>;
}

/**
 * Everything on Azure the forwarder writes to, for every producer: a resource group, a Sentinel
 * workspace (new or existing), one data collection endpoint, per producer a custom table and a
 * DCR stream declared from the producer's format schema (so what the forwarder sends and what the
 * DCR accepts cannot drift; one DCR per `shards`, all alike), DCR error logs, the forwarder's
 * identity with the ingestion role on each DCR only, and per producer a no-data alert and an alert
 * on each of its DCRs' errors.
 *
 * Requires the azurerm provider in the stack, and the azuread provider in `application` identity
 * mode (see `AzureProviders`). A producer on the Auxiliary plan also needs the azapi provider: the
 * stack's own (`AzureProviders` with `azapi: true`) or, if it has none, one added at the stack
 * root. Creates no outputs: the app publishes `coordinates`, `clientSecret` (or `clientSecrets`) and
 * `secretRotation`.
 */
export class SentinelIngestion extends Construct {
  public readonly resourceGroupName: string;
  /** The resource group, when this construct created it. */
  public readonly resourceGroup?: ResourceGroup;
  public readonly workspace: SentinelWorkspace;
  public readonly dataCollectionEndpoint: MonitorDataCollectionEndpoint;
  public readonly identity: ForwarderIdentity;
  /** Keyed by producer name. */
  public readonly streams: Readonly<Record<string, ProducerStream>>;
  /**
   * For a producer whose format writes to several streams, one stream per output, keyed by producer
   * name then output (`streams` holds the first); absent for the others.
   */
  public readonly outputStreams: Readonly<Record<string, Readonly<Record<string, ProducerStream>>>>;
  /** The ingestion role assignment on each producer's (first) DCR, keyed by producer name. */
  public readonly roleAssignments: Readonly<Record<string, RoleAssignment>>;
  /**
   * Every ingestion role assignment, keyed by producer name: one per DCR, each scoped to its DCR,
   * shard 1 first (the one in `roleAssignments`).
   */
  public readonly shardRoleAssignments: Readonly<Record<string, readonly RoleAssignment[]>>;
  /**
   * Keyed by producer name; empty when alerting is disabled. Producers on the Auxiliary plan have
   * none: log alerts cannot query that plan.
   */
  public readonly alerts: Readonly<Record<string, NoDataAlert>>;
  /**
   * The alert on each producer's DCR errors (`DCRLogErrors`), keyed by producer name; every plan has
   * one (the errors land in a workspace table of their own). Empty when alerting is disabled.
   */
  public readonly errorAlerts: Readonly<Record<string, DcrErrorAlert>>;
  /**
   * Every DCR error alert, keyed by producer name: one per DCR, shard 1 first (the one in
   * `errorAlerts`). Empty when alerting is disabled.
   */
  public readonly shardErrorAlerts: Readonly<Record<string, readonly DcrErrorAlert[]>>;
  /**
   * The alerts on the client secrets nearing expiry, one per app registration (identity mode
   * `application`); empty otherwise, or when alerting is disabled.
   */
  public readonly secretExpiryAlerts: readonly SecretExpiryAlert[];
  /** The email action group, when `alerting.email` is set. */
  public readonly actionGroup?: MonitorActionGroup;
  /**
   * What the AWS side needs, in the shape `coordinatesFromOutputsFile` reads. Values are Terraform
   * references: publish them with a `TerraformOutput` named `COORDINATES_OUTPUT`.
   */
  public readonly coordinates: AzureCoordinates;
  /**
   * A reference to the newest client secret in `application` identity mode with one app
   * registration, for a *sensitive* `TerraformOutput` named `CLIENT_SECRET_OUTPUT`; undefined otherwise.
   */
  public readonly clientSecret?: string;
  /**
   * With per-producer identities in `application` mode, each producer's newest client secret keyed
   * by producer name, for a *sensitive* `TerraformOutput` named `CLIENT_SECRETS_OUTPUT`.
   */
  public readonly clientSecrets?: Readonly<Record<string, string>>;
  /**
   * In `application` mode, what `put-secret` tells the operator about each producer's secret (its
   * generation and expiry, and the previous one's), for a `TerraformOutput` named
   * `SECRET_ROTATION_OUTPUT`. Nothing in it is secret.
   */
  public readonly secretRotation?: Readonly<Record<string, SecretRotationInfo>>;

  constructor(scope: Construct, id: string, props: SentinelIngestionProps) {
    super(scope, id);
    const namePrefix = props.namePrefix ?? 's3-to-sentinel';
    const identityOptions: IdentityOptions = props.identity ?? { mode: 'application' };
    const workspaceOptions: WorkspaceOptions = props.workspace ?? { kind: 'new' };
    const alerting = props.alerting ?? {};
    validateSentinelIngestionProps({
      ...props,
      namePrefix,
      identity: identityOptions,
      workspace: workspaceOptions,
    });

    this.resourceGroupName = props.resourceGroup?.name ?? namePrefix;
    if (props.resourceGroup?.existing !== true) {
      this.resourceGroup = new ResourceGroup(this, 'ResourceGroup', {
        name: this.resourceGroupName,
        location: props.location,
        tags: props.tags,
      });
      // Referencing the created group's name orders everything inside it after it.
      this.resourceGroupName = this.resourceGroup.name;
    }
    const placement = {
      resourceGroupName: this.resourceGroupName,
      location: props.location,
      tags: props.tags,
    };

    this.workspace = new SentinelWorkspace(this, 'Workspace', {
      ...placement,
      namePrefix,
      workspace: workspaceOptions,
    });
    const workspaceResourceId = this.workspace.workspaceResourceId;

    this.dataCollectionEndpoint = new MonitorDataCollectionEndpoint(this, 'Endpoint', {
      ...placement,
      name: `${namePrefix}-dce`,
      description: 's3-to-sentinel: Logs Ingestion API endpoint the forwarder posts to',
      publicNetworkAccessEnabled: props.publicNetworkAccess ?? true,
    });

    this.identity = new ForwarderIdentity(this, 'Identity', {
      ...placement,
      namePrefix,
      identity: identityOptions,
      producers: props.producers,
    });
    if (identityOptions.mode === 'application') {
      Annotations.of(this).addWarning(
        'identity mode `application`: the client secret is stored in Terraform state. Keep the state in an ' +
          "encrypted backend only deployers can read, or use identity mode 'federated' (no secret at all).",
      );
    }

    if (alerting.enabled !== false && alerting.email !== undefined) {
      this.actionGroup = new MonitorActionGroup(this, 'ActionGroup', {
        name: `${namePrefix}-alerts`,
        resourceGroupName: this.resourceGroupName,
        location: 'global',
        // Azure's limit for the short name shown in SMS and email is 12 characters.
        shortName: 's2s-alerts',
        emailReceiver: [{ name: 'operator', emailAddress: alerting.email, useCommonAlertSchema: true }],
        tags: props.tags,
      });
    }

    // One update per built-in table, whatever number of producers write to it: Azure takes a table's
    // custom columns as one list, so two resources would each remove the other's.
    const builtinColumns = new Map<string, BuiltinTableColumns>();
    const byTable = new Map<
      string,
      { table: ReturnType<typeof destinationOf>; columns: Map<string, Column> }
    >();
    for (const { destination, columns } of props.producers.flatMap(producerStreams)) {
      if (destination.kind !== 'builtin') continue;
      const entry = byTable.get(destination.table.name) ?? { table: destination, columns: new Map() };
      for (const column of addedColumns(columns, destination.table)) {
        entry.columns.set(column.name, column);
      }
      byTable.set(destination.table.name, entry);
    }
    for (const [name, { table, columns }] of byTable) {
      if (table.kind !== 'builtin') continue;
      if (this.workspace.onboarding === undefined) {
        // The AWS tables come with Microsoft Sentinel; an existing workspace may or may not have it.
        Annotations.of(this).addWarning(
          `${name} exists only in a workspace with Microsoft Sentinel: if the existing workspace has not been ` +
            'onboarded, set `workspace.onboardSentinel` (S2S_AZURE_ONBOARD_SENTINEL=true), or the DCR fails with InvalidOutputTable.',
        );
      }
      builtinColumns.set(
        name,
        new BuiltinTableColumns(this, `Table-${name}`, {
          table: table.table,
          columns: [...columns.values()],
          workspaceResourceId,
          ...(this.workspace.onboarding !== undefined ? { dependsOn: [this.workspace.onboarding] } : {}),
        }),
      );
    }

    const streams: Record<string, ProducerStream> = {};
    const outputStreams: Record<string, Record<string, ProducerStream>> = {};
    const roleAssignments: Record<string, RoleAssignment> = {};
    const shardRoleAssignments: Record<string, RoleAssignment[]> = {};
    const alerts: Record<string, NoDataAlert> = {};
    const errorAlerts: Record<string, DcrErrorAlert> = {};
    const shardErrorAlerts: Record<string, DcrErrorAlert[]> = {};
    const producerCoordinates: Record<string, StreamCoordinates> = {};
    for (const producer of props.producers) {
      const specs = producerStreams(producer);
      // A producer with several outputs gets a construct of its own holding one stream per output.
      const parent = specs[0].output === undefined ? this : new Construct(this, producer.name);
      const built = specs.map(
        (spec) =>
          new ProducerStream(parent, spec.output?.slug ?? producer.name, {
            ...placement,
            producer,
            columns: spec.columns,
            ...(spec.output !== undefined ? { output: spec.output } : {}),
            namePrefix,
            workspaceResourceId,
            dataCollectionEndpointId: this.dataCollectionEndpoint.id,
            builtinColumns: builtinColumns.get(spec.tableName)?.resource,
          }),
      );
      const stream = built[0];
      streams[producer.name] = stream;
      if (stream.output !== undefined) {
        outputStreams[producer.name] = Object.fromEntries(built.map((b) => [b.output!.key, b]));
      }
      // One assignment per DCR, scoped to it: the identity may write to this producer's DCRs only.
      shardRoleAssignments[producer.name] = built.flatMap((each) =>
        each.shards.map(({ shard, dataCollectionRule }) =>
          this.identity.grantIngest(
            each,
            `IngestionRole${shardSuffix(shard)}`,
            dataCollectionRule.id,
            producer.name,
          ),
        ),
      );
      roleAssignments[producer.name] = shardRoleAssignments[producer.name][0];
      producerCoordinates[producer.name] = {
        ...coordinatesOf(stream),
        // Each output's stream and DCRs, for the forwarder's DCR_OUTPUTS.
        ...(stream.output !== undefined
          ? { outputs: Object.fromEntries(built.map((b) => [b.output!.key, coordinatesOf(b)])) }
          : {}),
        // Its own identity: the AWS side signs this producer's forwarder in with this client id.
        ...(this.identity.perProducer ? { clientId: this.identity.principalOf(producer.name).clientId } : {}),
      };
      built.forEach((each, index) => {
        for (const warning of transformWarnings(producer, specs[index].columns)) {
          Annotations.of(each).addWarning(warning);
        }
      });
      if (alerting.enabled !== false) {
        // DCRLogErrors is an Analytics table of the workspace whatever the producer's plan, so
        // Auxiliary producers get this alert too. One per DCR: each alert's query names its DCR.
        shardErrorAlerts[producer.name] = built.flatMap((each) =>
          each.shards.map(
            ({ shard, dataCollectionRule, errorLogs }) =>
              new DcrErrorAlert(each, `DcrErrorAlert${shardSuffix(shard)}`, {
                ...placement,
                namePrefix,
                producerName: producer.name,
                tableName: each.tableName,
                dataCollectionRuleId: dataCollectionRule.id,
                ...(shard === 1 ? {} : { shard }),
                ...(each.output !== undefined ? { output: each.output.slug } : {}),
                errorLogs,
                workspaceResourceId,
                severity: alerting.severity ?? 2,
                actionGroupId: this.actionGroup?.id,
              }),
          ),
        );
        errorAlerts[producer.name] = shardErrorAlerts[producer.name][0];
      }
      const plan = producer.table?.plan ?? 'Analytics';
      if (plan === 'Auxiliary') {
        // Azure Monitor's table plan comparison (logs/data-platform-logs.md): log alerts ❌ on Auxiliary.
        Annotations.of(stream).addWarning(
          `producer "${producer.name}": ${stream.tableName} uses the Auxiliary plan, which log search alerts cannot query, ` +
            "so it gets no no-data alert (the DCR error alert still applies); rely on the forwarder's AWS alarms, or use " +
            'the Basic plan to keep the no-data alert.',
        );
        // Microsoft's Auxiliary-plan guide: one Logs Ingestion API call whose TimeGenerated values span
        // more than 30 minutes fails with RecordsTimeRangeIsMoreThan30Minutes (unless the DCR transforms).
        Annotations.of(stream).addWarning(
          `producer "${producer.name}": ${stream.tableName} uses the Auxiliary plan, where one upload whose TimeGenerated ` +
            'values span more than 30 minutes is rejected (RecordsTimeRangeIsMoreThan30Minutes); objects holding older ' +
            'or widely spread records may fail to ingest.',
        );
      } else if (alerting.enabled !== false) {
        const tables = [...new Set(built.map((each) => each.tableName))];
        alerts[producer.name] = new NoDataAlert(stream, 'NoDataAlert', {
          ...placement,
          namePrefix,
          producerName: producer.name,
          tableName: stream.tableName,
          table: stream.table,
          // Watched together: one output (TLS inspection, say) may rightly be quiet.
          ...(tables.length > 1
            ? { tableNames: tables, otherTables: built.slice(1).map((each) => each.table) }
            : {}),
          // A built-in table may hold other producers' and Microsoft's connector's rows too; a
          // custom table among several has no such column (column_ifexists keeps its rows).
          ...(built.some((each) => each.destination.kind === 'builtin')
            ? {
                rowFilter:
                  tables.length > 1
                    ? `column_ifexists('${PRODUCER_COLUMN.name}', '${producer.name}') == '${producer.name}'`
                    : `${PRODUCER_COLUMN.name} == '${producer.name}'`,
              }
            : {}),
          workspaceResourceId,
          noDataMinutes: alerting.noDataMinutes ?? 60,
          evaluationFrequencyMinutes: alerting.evaluationFrequencyMinutes ?? 15,
          severity: alerting.severity ?? 2,
          actionGroupId: this.actionGroup?.id,
        });
        if (plan === 'Basic') {
          Annotations.of(stream).addWarning(
            `producer "${producer.name}": ${stream.tableName} uses the Basic plan, where every query is billed per GB ` +
              'scanned; the no-data alert queries it on every evaluation. Raise `alerting.evaluationFrequencyMinutes` ' +
              'or set `alerting.enabled: false` if that cost matters.',
          );
        }
      }
    }
    this.streams = streams;
    this.outputStreams = outputStreams;
    this.roleAssignments = roleAssignments;
    this.shardRoleAssignments = shardRoleAssignments;
    this.alerts = alerts;
    this.errorAlerts = errorAlerts;
    this.shardErrorAlerts = shardErrorAlerts;

    const secretExpiryAlerts: SecretExpiryAlert[] = [];
    if (identityOptions.mode === 'application') {
      const rotation: Record<string, SecretRotationInfo> = {};
      for (const producer of props.producers) {
        rotation[producer.name] = rotationInfo(this.identity.principalOf(producer.name));
      }
      this.secretRotation = rotation;
      if (this.identity.perProducer) {
        this.clientSecrets = Object.fromEntries(
          props.producers.map((p) => [p.name, this.identity.principalOf(p.name).secret!.current.value]),
        );
      }
      if (alerting.enabled !== false) {
        // One alert per app registration: each producer's, or the shared one.
        type Holder = { scope: Construct; producerName?: string; principal: ForwarderPrincipal };
        const holders: Holder[] = this.identity.perProducer
          ? props.producers.map((p) => ({
              scope: streams[p.name],
              producerName: p.name,
              principal: this.identity.principalOf(p.name),
            }))
          : [{ scope: this, principal: this.identity.shared! }];
        for (const { scope: alertScope, producerName, principal } of holders) {
          const secret = principal.secret!;
          secretExpiryAlerts.push(
            new SecretExpiryAlert(alertScope, 'SecretExpiryAlert', {
              ...placement,
              namePrefix,
              producerName,
              expiresAt: secret.current.endDate,
              generation: secret.generation,
              warningDays: alerting.secretExpiryWarningDays ?? 30,
              workspaceResourceId,
              severity: alerting.severity ?? 2,
              actionGroupId: this.actionGroup?.id,
            }),
          );
        }
      }
    }
    this.secretExpiryAlerts = secretExpiryAlerts;
    this.clientSecret = this.identity.clientSecret;
    this.coordinates = {
      tenantId: this.identity.tenantId,
      // Empty with per-producer identities: each producer's coordinates carry its own client id.
      clientId: this.identity.clientId ?? '',
      logsIngestionEndpoint: this.dataCollectionEndpoint.logsIngestionEndpoint,
      // Tells the AWS app how the forwarder signs in: a federated identity has no secret to read.
      authMode: identityOptions.mode === 'federated' ? 'federated' : 'secret',
      producers: producerCoordinates,
    };
  }
}

/** The newest secret of `principal` and the one before it, for `put-secret` to describe. */
function rotationInfo(principal: ForwarderPrincipal): SecretRotationInfo {
  const secret = principal.secret!;
  return {
    generation: secret.generation,
    expiresAt: secret.current.endDate,
    ...(secret.previous === undefined
      ? {}
      : { previous: { generation: secret.generation - 1, expiresAt: secret.previous.endDate } }),
  };
}

/** Where the forwarder posts one stream's rows: its first DCR, every DCR (with shards), the stream. */
function coordinatesOf(stream: ProducerStream): {
  dcrImmutableId: string;
  dcrImmutableIds?: string[];
  streamName: string;
} {
  return {
    dcrImmutableId: stream.dataCollectionRule.immutableId,
    // Only with shards, so a one-DCR producer's coordinates are what they always were.
    ...(stream.shards.length > 1
      ? { dcrImmutableIds: stream.shards.map((s) => s.dataCollectionRule.immutableId) }
      : {}),
    streamName: stream.streamName,
  };
}
