import { MonitorScheduledQueryRulesAlertV2 } from '@cdktf/provider-azurerm/lib/monitor-scheduled-query-rules-alert-v2';
import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';

/** Window lengths (minutes) a scheduled query rule accepts, with their ISO 8601 spelling. */
export const ALERT_WINDOWS: Readonly<Record<number, string>> = {
  5: 'PT5M',
  10: 'PT10M',
  15: 'PT15M',
  30: 'PT30M',
  45: 'PT45M',
  60: 'PT1H',
  120: 'PT2H',
  180: 'PT3H',
  240: 'PT4H',
  300: 'PT5H',
  360: 'PT6H',
  1440: 'P1D',
  2880: 'P2D',
};

/** Evaluation frequencies (minutes) a scheduled query rule accepts. */
export const ALERT_FREQUENCIES: Readonly<Record<number, string>> = {
  1: 'PT1M',
  5: 'PT5M',
  10: 'PT10M',
  15: 'PT15M',
  30: 'PT30M',
  45: 'PT45M',
  60: 'PT1H',
  120: 'PT2H',
  180: 'PT3H',
  240: 'PT4H',
  300: 'PT5H',
  360: 'PT6H',
  1440: 'P1D',
};

/**
 * The furthest back a record's TimeGenerated may lie and still be counted. The rule's implicit
 * time filter is on TimeGenerated, but a quiet table is about what was *received*: CloudTrail and
 * flow logs arrive minutes to hours after their event time, so the query looks back the longest
 * range a rule allows and then filters on ingestion time.
 */
const QUERY_TIME_RANGE = 'P2D';

export interface NoDataAlertProps {
  /** The table to watch: `<Name>_CL`, or a built-in table. */
  readonly tableName: string;
  /**
   * Every table the producer writes to, watched together, for a producer whose rows go to several
   * (one per output): rows in any of them count, since one output may rightly be quiet.
   * @default - [tableName]
   */
  readonly tableNames?: readonly string[];
  /**
   * KQL condition selecting the producer's rows, for a table other producers write to as well.
   * @default - every row of the table
   */
  readonly rowFilter?: string;
  /** The producer's name, used in the rule's name and description. */
  readonly producerName: string;
  readonly workspaceResourceId: string;
  readonly resourceGroupName: string;
  readonly location: string;
  readonly namePrefix: string;
  /** Fire when no row has been ingested for this many minutes; one of `ALERT_WINDOWS`. */
  readonly noDataMinutes: number;
  /** How often the rule runs, in minutes; one of `ALERT_FREQUENCIES`, at most `noDataMinutes`. */
  readonly evaluationFrequencyMinutes: number;
  /** 0 (critical) to 4 (verbose). */
  readonly severity: number;
  /** @default - the alert fires without notifying anyone */
  readonly actionGroupId?: string;
  /** The table, so the rule (whose query Azure validates) is created after it. */
  readonly table: ITerraformDependable;
  /** The other tables of `tableNames`, for the same reason. @default - none */
  readonly otherTables?: readonly ITerraformDependable[];
  /** @default - no tags */
  readonly tags?: Record<string, string>;
}

/**
 * A scheduled query alert (v2) that fires when a producer's table has ingested no rows for a
 * while, and resolves itself when rows arrive again.
 */
export class NoDataAlert extends Construct {
  public readonly rule: MonitorScheduledQueryRulesAlertV2;

  constructor(scope: Construct, id: string, props: NoDataAlertProps) {
    super(scope, id);
    this.rule = new MonitorScheduledQueryRulesAlertV2(this, 'Resource', {
      name: `${props.namePrefix}-${props.producerName}-no-data`,
      // The producer too: several producers may share one (built-in) table.
      displayName: `${props.tableName} (${props.producerName}): no rows for ${props.noDataMinutes} minutes`,
      description:
        `No row reached ${props.tableNames !== undefined && props.tableNames.length > 1 ? props.tableNames.join(', ') : props.tableName} in the last ${props.noDataMinutes} minutes. Check the producer's ` +
        'queue, dead-letter queue and forwarder alarms on AWS, and DCRLogErrors in this workspace.',
      location: props.location,
      resourceGroupName: props.resourceGroupName,
      scopes: [props.workspaceResourceId],
      severity: props.severity,
      windowDuration: ALERT_WINDOWS[props.noDataMinutes],
      evaluationFrequency: ALERT_FREQUENCIES[props.evaluationFrequencyMinutes],
      queryTimeRangeOverride: QUERY_TIME_RANGE,
      autoMitigationEnabled: true,
      criteria: [
        {
          // summarize always returns one row, so an empty table yields 0 rather than no result.
          query:
            (props.tableNames !== undefined && props.tableNames.length > 1
              ? `union ${props.tableNames.join(', ')}\n`
              : `${props.tableName}\n`) +
            (props.rowFilter !== undefined ? `| where ${props.rowFilter}\n` : '') +
            `| where ingestion_time() > ago(${props.noDataMinutes}m)\n` +
            '| summarize IngestedRows = count()',
          timeAggregationMethod: 'Total',
          metricMeasureColumn: 'IngestedRows',
          operator: 'LessThan',
          threshold: 1,
          failingPeriods: { numberOfEvaluationPeriods: 1, minimumFailingPeriodsToTriggerAlert: 1 },
        },
      ],
      action: props.actionGroupId === undefined ? undefined : { actionGroups: [props.actionGroupId] },
      dependsOn: [props.table, ...(props.otherTables ?? [])],
      tags: props.tags,
    });
  }
}
