import { MonitorScheduledQueryRulesAlertV2 } from '@cdktf/provider-azurerm/lib/monitor-scheduled-query-rules-alert-v2';
import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { ALERT_FREQUENCIES, ALERT_WINDOWS } from './no-data-alert';
import { dcrStem } from '../producer';

/** The workspace table a DCR's `LogErrors` diagnostic category lands in. */
export const DCR_ERROR_TABLE = 'DCRLogErrors';

export interface DcrErrorAlertProps {
  /** The producer's name, used in the rule's name and description. */
  readonly producerName: string;
  /** The table the DCR writes to, `<Name>_CL`, named in the description. */
  readonly tableName: string;
  /** The DCR's resource id; `DCRLogErrors` rows carry it in `_ResourceId`. */
  readonly dataCollectionRuleId: string;
  /**
   * Which of the producer's DCRs this alert watches, for a producer with `shards` > 1: shard k
   * (k ≥ 2) adds `-k` after the producer's name, as its DCR's name does.
   * @default 1 - the producer's first (or only) DCR; the rule's name carries no shard
   */
  readonly shard?: number;
  /**
   * The producer's output whose DCR this is, for a format writing to several streams; named after
   * the producer's name as the DCR is.
   * @default - the producer's one stream
   */
  readonly output?: string;
  readonly workspaceResourceId: string;
  readonly resourceGroupName: string;
  readonly location: string;
  readonly namePrefix: string;
  /**
   * Look back this many minutes; one of `ALERT_WINDOWS`.
   * @default 15
   */
  readonly windowMinutes?: number;
  /**
   * How often the rule runs, in minutes; one of `ALERT_FREQUENCIES`, at most `windowMinutes`.
   * @default 5 - windows overlap, so an error row that reaches the workspace a few minutes late is still counted
   */
  readonly evaluationFrequencyMinutes?: number;
  /** 0 (critical) to 4 (verbose). */
  readonly severity: number;
  /** @default - the alert fires without notifying anyone */
  readonly actionGroupId?: string;
  /** The diagnostic setting that sends the DCR's errors to the workspace; the rule is created after it. */
  readonly errorLogs: ITerraformDependable;
  /** @default - no tags */
  readonly tags?: Record<string, string>;
}

/**
 * A scheduled query alert (v2) that fires when one DCR logged any error to `DCRLogErrors`: rows the
 * Logs Ingestion API accepted with 204 and the DCR then dropped or could not transform. Nothing
 * else shows that loss: the forwarder saw a success. Resolves itself once a window passes without
 * errors. `DCRLogErrors` is a built-in Analytics table shared by every DCR sending its errors to
 * the workspace, so the query filters on this DCR's resource id.
 */
export class DcrErrorAlert extends Construct {
  public readonly rule: MonitorScheduledQueryRulesAlertV2;

  constructor(scope: Construct, id: string, props: DcrErrorAlertProps) {
    super(scope, id);
    const windowMinutes = props.windowMinutes ?? 15;
    const frequencyMinutes = props.evaluationFrequencyMinutes ?? 5;
    // =~ because Azure may log the id in another case than the one it returned on creation.
    const errorQuery = `${DCR_ERROR_TABLE} | where _ResourceId =~ "${props.dataCollectionRuleId}"`;
    const shard = props.shard ?? 1;
    const which = shard === 1 ? '' : ` (shard ${shard})`;
    this.rule = new MonitorScheduledQueryRulesAlertV2(this, 'Resource', {
      name: `${props.namePrefix}-${dcrStem(props.producerName, props.output, shard)}-dcr-errors`,
      displayName: `${props.tableName} (${props.producerName}): DCR${which} dropped or failed to transform rows`,
      description:
        `The data collection rule${which} of producer ${props.producerName} logged errors to ${DCR_ERROR_TABLE} in the last ` +
        `${windowMinutes} minutes: rows the Logs Ingestion API accepted (HTTP 204), so the forwarder counted them as ` +
        `delivered, did not reach ${props.tableName}. Read the messages in this workspace: ${errorQuery} | project ` +
        'TimeGenerated, OperationName, InputStreamId, Message. Typical causes: columns the DCR stream does not declare, ' +
        'a transformKql error, a value whose type does not match its column. Fix the format schema or the ' +
        "producer's transformKql and redeploy Azure; dropped rows are not retried, re-send their objects with " +
        '`s3-to-sentinel backfill`.',
      location: props.location,
      resourceGroupName: props.resourceGroupName,
      scopes: [props.workspaceResourceId],
      severity: props.severity,
      windowDuration: ALERT_WINDOWS[windowMinutes],
      evaluationFrequency: ALERT_FREQUENCIES[frequencyMinutes],
      autoMitigationEnabled: true,
      criteria: [
        {
          query: errorQuery,
          timeAggregationMethod: 'Count',
          operator: 'GreaterThan',
          threshold: 0,
          failingPeriods: { numberOfEvaluationPeriods: 1, minimumFailingPeriodsToTriggerAlert: 1 },
        },
      ],
      action: props.actionGroupId === undefined ? undefined : { actionGroups: [props.actionGroupId] },
      dependsOn: [props.errorLogs],
      tags: props.tags,
    });
  }
}
