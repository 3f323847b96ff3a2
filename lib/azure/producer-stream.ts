import { LogAnalyticsWorkspaceTableCustomLog } from '@cdktf/provider-azurerm/lib/log-analytics-workspace-table-custom-log';
import { MonitorDataCollectionRule } from '@cdktf/provider-azurerm/lib/monitor-data-collection-rule';
import { MonitorDiagnosticSetting } from '@cdktf/provider-azurerm/lib/monitor-diagnostic-setting';
import { Construct } from 'constructs';
import type { Column } from '../../lambda/formats';
import { streamName, tableName, type ProducerDefinition } from '../producer';
import { STREAM_COLUMN_TYPES, TABLE_COLUMN_TYPES } from './table-columns';

/** Name of the DCR's Log Analytics destination, referenced by its data flow. */
export const WORKSPACE_DESTINATION = 'workspace';
/** The DCR diagnostic log category holding ingestion and transformation errors (table DCRLogErrors). */
export const DCR_ERROR_LOG_CATEGORY = 'LogErrors';

export interface ProducerStreamProps {
  readonly producer: ProducerDefinition;
  /** The row columns the forwarder sends, TimeGenerated included (the format's schema). */
  readonly columns: readonly Column[];
  readonly workspaceResourceId: string;
  readonly dataCollectionEndpointId: string;
  readonly resourceGroupName: string;
  readonly location: string;
  readonly namePrefix: string;
  /** @default - no tags */
  readonly tags?: Record<string, string>;
}

/**
 * One producer's path into the workspace: its DCR-based custom table `<Name>_CL`, the data
 * collection rule whose stream `Custom-<Name>` declares the same columns the forwarder sends, and
 * a diagnostic setting that keeps the DCR's ingestion and transformation errors in the workspace.
 */
export class ProducerStream extends Construct {
  /** `<Name>_CL`. */
  public readonly tableName: string;
  /** `Custom-<Name>`, the stream the forwarder posts to. */
  public readonly streamName: string;
  public readonly table: LogAnalyticsWorkspaceTableCustomLog;
  public readonly dataCollectionRule: MonitorDataCollectionRule;
  public readonly errorLogs: MonitorDiagnosticSetting;

  constructor(scope: Construct, id: string, props: ProducerStreamProps) {
    super(scope, id);
    const producer = props.producer;
    const table = producer.table ?? {};
    this.tableName = tableName(producer);
    this.streamName = streamName(producer);

    this.table = new LogAnalyticsWorkspaceTableCustomLog(this, 'Table', {
      name: this.tableName,
      workspaceId: props.workspaceResourceId,
      description: `Rows forwarded from S3 by s3-to-sentinel producer ${producer.name} (format ${producer.format}).`,
      plan: table.plan ?? 'Analytics',
      retentionInDays: table.retentionInDays,
      totalRetentionInDays: table.totalRetentionInDays,
      column: props.columns.map((column) => ({
        name: column.name,
        type: TABLE_COLUMN_TYPES[column.type],
        description: column.description,
      })),
    });

    this.dataCollectionRule = new MonitorDataCollectionRule(this, 'Resource', {
      name: `${props.namePrefix}-${producer.name}`,
      description: `s3-to-sentinel: ${this.streamName} → ${this.tableName}`,
      location: props.location,
      resourceGroupName: props.resourceGroupName,
      dataCollectionEndpointId: props.dataCollectionEndpointId,
      streamDeclaration: [
        {
          streamName: this.streamName,
          column: props.columns.map((column) => ({
            name: column.name,
            type: STREAM_COLUMN_TYPES[column.type],
          })),
        },
      ],
      destinations: {
        logAnalytics: [{ name: WORKSPACE_DESTINATION, workspaceResourceId: props.workspaceResourceId }],
      },
      dataFlow: [
        {
          streams: [this.streamName],
          destinations: [WORKSPACE_DESTINATION],
          outputStream: `Custom-${this.tableName}`,
          transformKql: table.transformKql ?? 'source',
        },
      ],
      // Creating a DCR validates its output stream against the table, so the table must exist first.
      dependsOn: [this.table],
      tags: props.tags,
    });

    this.errorLogs = new MonitorDiagnosticSetting(this, 'ErrorLogs', {
      name: 'dcr-errors-to-workspace',
      targetResourceId: this.dataCollectionRule.id,
      logAnalyticsWorkspaceId: props.workspaceResourceId,
      // DCRLogErrors is a resource-specific table, not AzureDiagnostics.
      logAnalyticsDestinationType: 'Dedicated',
      enabledLog: [{ category: DCR_ERROR_LOG_CATEGORY }],
    });
  }
}
