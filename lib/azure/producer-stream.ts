import { LogAnalyticsWorkspaceTableCustomLog } from '@cdktf/provider-azurerm/lib/log-analytics-workspace-table-custom-log';
import { MonitorDataCollectionRule } from '@cdktf/provider-azurerm/lib/monitor-data-collection-rule';
import { MonitorDiagnosticSetting } from '@cdktf/provider-azurerm/lib/monitor-diagnostic-setting';
import { Construct } from 'constructs';
import type { ITerraformDependable } from 'cdktf';
import { builtinRenames, PRODUCER_COLUMN, RECORD_TIME_COLUMN, type Column } from '../../lambda/formats';
import {
  SHARDS_LIMIT,
  checkLimit,
  dcrStem,
  destinationOf,
  shardSuffix,
  streamName,
  tableName,
  type ProducerDefinition,
  type ProducerOutput,
} from '../producer';
import { AzapiProvider, AzapiResource } from './azapi';
import { STREAM_COLUMN_TYPES, TABLE_COLUMN_TYPES } from './table-columns';

/** Name of the DCR's Log Analytics destination, referenced by its data flow. */
export const WORKSPACE_DESTINATION = 'workspace';
/** The DCR diagnostic log category holding ingestion and transformation errors (table DCRLogErrors). */
export const DCR_ERROR_LOG_CATEGORY = 'LogErrors';
/**
 * The Log Analytics Tables API version an Auxiliary-plan table is created with: the first stable
 * version whose TablePlanEnum lists `Auxiliary` (Microsoft's Auxiliary-plan guide uses it; earlier,
 * only 2023-01-01-preview accepted the plan). azurerm 4.55's custom-log table calls 2022-10-01,
 * which offers Analytics and Basic only.
 */
export const AUXILIARY_TABLES_API = 'Microsoft.OperationalInsights/workspaces/tables@2025-07-01';

export interface ProducerStreamProps {
  readonly producer: ProducerDefinition;
  /** The row columns the forwarder sends, TimeGenerated included (the format's schema). */
  readonly columns: readonly Column[];
  readonly workspaceResourceId: string;
  readonly dataCollectionEndpointId: string;
  readonly resourceGroupName: string;
  readonly location: string;
  readonly namePrefix: string;
  /**
   * For a built-in destination: what adds the `_CF` columns to the table, which the DCR must
   * follow. Required then, ignored for a custom table.
   * @default - none
   */
  readonly builtinColumns?: ITerraformDependable;
  /**
   * One output of a producer whose format writes to several streams: this construct then builds
   * that output's table, stream and DCRs (named `<prefix>-<producer>-<output>`). `columns` must be
   * the output's.
   * @default - the producer's one stream
   */
  readonly output?: ProducerOutput;
  /** @default - no tags */
  readonly tags?: Record<string, string>;
}

/**
 * The transform of a built-in destination's data flow: the producer's own (its filter), then its
 * name in {@link PRODUCER_COLUMN} and the record's time in {@link RECORD_TIME_COLUMN}, then the
 * forwarder's provenance columns renamed to the `_CF` names a built-in table requires. Record
 * fields are already the table's columns, mapped and tested in the format; nothing here converts them.
 */
export function builtinTransformKql(producer: ProducerDefinition): string {
  const renames = [...builtinRenames()].map(([from, to]) => `${to} = ${from}`).join(', ');
  return (
    `${producer.table?.transformKql ?? 'source'}\n` +
    `| extend ${PRODUCER_COLUMN.name} = '${producer.name}', ${RECORD_TIME_COLUMN.name} = TimeGenerated\n` +
    `| project-rename ${renames}`
  );
}

/** One of a producer's data collection rules, with the diagnostic setting that keeps its errors. */
export interface ProducerStreamShard {
  /** 1 for the DCR every producer has; 2 to `shards` for the others. */
  readonly shard: number;
  readonly dataCollectionRule: MonitorDataCollectionRule;
  readonly errorLogs: MonitorDiagnosticSetting;
}

/**
 * One producer's path into the workspace: its DCR-based custom table `<Name>_CL` (or, for a
 * built-in destination, Sentinel's own table, which it does not create), the data
 * collection rule whose stream `Custom-<Name>` declares the same columns the forwarder sends, and
 * a diagnostic setting that keeps the DCR's ingestion and transformation errors in the workspace.
 * A producer with `shards` > 1 gets that many DCRs, identical but for their names, each with its
 * own diagnostic setting, all writing to the one table.
 */
export class ProducerStream extends Construct {
  /** `<Name>_CL`. */
  public readonly tableName: string;
  /** `Custom-<Name>`, the stream the forwarder posts to. */
  public readonly streamName: string;
  /**
   * The custom table: `azurerm_log_analytics_workspace_table_custom_log` on the Analytics and Basic
   * plans, an `azapi_resource` on the Auxiliary plan (azurerm cannot set that plan). Azure sets the
   * Auxiliary plan only when a table is created and never switches it afterwards, so moving a
   * deployed producer into or out of Auxiliary replaces its table, and the rows in it are lost.
   */
  public readonly table: LogAnalyticsWorkspaceTableCustomLog | AzapiResource | ITerraformDependable;
  /** The producer's output this stream carries; undefined for a producer with one stream. */
  public readonly output: ProducerOutput | undefined;
  /** Where the rows land: `custom`, or `builtin` (the DCR writes to `Microsoft-<Table>`). */
  public readonly destination: ReturnType<typeof destinationOf>;
  /** The first (or only) DCR, `shards[0]`'s. */
  public readonly dataCollectionRule: MonitorDataCollectionRule;
  /** The first (or only) DCR's diagnostic setting, `shards[0]`'s. */
  public readonly errorLogs: MonitorDiagnosticSetting;
  /** Every DCR of the producer, shard 1 first: one per `shards` (default 1). */
  public readonly shards: readonly ProducerStreamShard[];

  constructor(scope: Construct, id: string, props: ProducerStreamProps) {
    super(scope, id);
    const producer = props.producer;
    const table = producer.table ?? {};
    const output = props.output;
    this.output = output;
    this.tableName = output?.tableName ?? tableName(producer);
    this.streamName = output?.streamName ?? streamName(producer);

    const description =
      `Rows forwarded from S3 by s3-to-sentinel producer ${producer.name} (format ${producer.format}` +
      (output !== undefined ? `, output ${output.key}).` : ').');
    const plan = table.plan ?? 'Analytics';
    this.destination = output?.destination ?? destinationOf(producer);
    if (this.destination.kind === 'builtin') {
      // Sentinel's own table: nothing to create, only the `_CF` columns (added once per table).
      if (props.builtinColumns === undefined) {
        throw new Error(
          `producer "${producer.name}": its rows go to ${this.destination.table.name}, so ProducerStream needs \`builtinColumns\` (the resource adding its _CF columns)`,
        );
      }
      this.table = props.builtinColumns;
    } else if (plan === 'Auxiliary') {
      // Same table name, columns and type spellings as the azurerm path; the DCR below writes to it
      // through the same `Custom-<Name>_CL` output stream. Columns of a type the plan cannot hold
      // (dynamic) were rejected at validation, and totalRetentionInDays is required there.
      this.table = new AzapiResource(this, 'Table', {
        type: AUXILIARY_TABLES_API,
        name: this.tableName,
        parentId: props.workspaceResourceId,
        provider: AzapiProvider.of(this),
        body: {
          properties: {
            plan,
            totalRetentionInDays: table.totalRetentionInDays,
            schema: {
              name: this.tableName,
              description,
              columns: props.columns.map((column) => ({
                name: column.name,
                type: TABLE_COLUMN_TYPES[column.type],
                description: column.description,
              })),
            },
          },
        },
        // The provider's embedded schema only knows api-versions published before its release;
        // 2025-07-01 is newer than some 2.x releases the constraint admits. The body is built here
        // from typed values and checked by tests, so plan-time validation adds nothing but that risk.
        schemaValidationEnabled: false,
      });
    } else {
      this.table = new LogAnalyticsWorkspaceTableCustomLog(this, 'Table', {
        name: this.tableName,
        workspaceId: props.workspaceResourceId,
        description,
        plan,
        retentionInDays: table.retentionInDays,
        totalRetentionInDays: table.totalRetentionInDays,
        column: props.columns.map((column) => ({
          name: column.name,
          type: TABLE_COLUMN_TYPES[column.type],
          description: column.description,
        })),
      });
    }

    // The same stream declaration and data flow for every shard: the forwarder may post any batch to any of them.
    const streamDeclaration = [
      {
        streamName: this.streamName,
        column: props.columns.map((column) => ({
          name: column.name,
          type: STREAM_COLUMN_TYPES[column.type],
        })),
      },
    ];
    const dataFlow = [
      {
        streams: [this.streamName],
        destinations: [WORKSPACE_DESTINATION],
        outputStream:
          this.destination.kind === 'builtin' ? this.destination.table.stream : `Custom-${this.tableName}`,
        transformKql:
          this.destination.kind === 'builtin'
            ? builtinTransformKql(producer)
            : (table.transformKql ?? 'source'),
      },
    ];
    // SentinelIngestion validated the definition; this construct may also be used on its own.
    const shardsProblem = checkLimit('shards', SHARDS_LIMIT, producer.shards);
    if (shardsProblem) throw new Error(`producer "${producer.name}": ${shardsProblem}`);
    const shards: ProducerStreamShard[] = [];
    for (let shard = 1; shard <= (producer.shards ?? 1); shard += 1) {
      const suffix = shardSuffix(shard);
      const dataCollectionRule = new MonitorDataCollectionRule(this, `Resource${suffix}`, {
        name: `${props.namePrefix}-${dcrStem(producer.name, output?.slug, shard)}`,
        description:
          // Without the shard count, so adding shards does not rewrite the existing DCRs.
          `s3-to-sentinel: ${this.streamName} → ${this.tableName}` + (shard === 1 ? '' : ` (shard ${shard})`),
        location: props.location,
        resourceGroupName: props.resourceGroupName,
        dataCollectionEndpointId: props.dataCollectionEndpointId,
        streamDeclaration,
        destinations: {
          logAnalytics: [{ name: WORKSPACE_DESTINATION, workspaceResourceId: props.workspaceResourceId }],
        },
        dataFlow,
        // Creating a DCR validates its output stream against the table, so the table must exist first.
        dependsOn: [this.table],
        tags: props.tags,
      });
      const errorLogs = new MonitorDiagnosticSetting(this, `ErrorLogs${suffix}`, {
        // Unique per target resource only, so every shard's setting has the same name.
        name: 'dcr-errors-to-workspace',
        targetResourceId: dataCollectionRule.id,
        logAnalyticsWorkspaceId: props.workspaceResourceId,
        // DCRLogErrors is a resource-specific table, not AzureDiagnostics.
        logAnalyticsDestinationType: 'Dedicated',
        enabledLog: [{ category: DCR_ERROR_LOG_CATEGORY }],
      });
      shards.push({ shard, dataCollectionRule, errorLogs });
    }
    this.shards = shards;
    this.dataCollectionRule = shards[0].dataCollectionRule;
    this.errorLogs = shards[0].errorLogs;
  }
}
