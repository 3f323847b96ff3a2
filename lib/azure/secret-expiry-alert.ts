import { MonitorScheduledQueryRulesAlertV2 } from '@cdktf/provider-azurerm/lib/monitor-scheduled-query-rules-alert-v2';
import { Construct } from 'constructs';
import { ALERT_FREQUENCIES, ALERT_WINDOWS } from './no-data-alert';

/** A day in minutes: the rule runs once a day, since the threshold is counted in days. */
const DAILY = 1440;

export interface SecretExpiryAlertProps {
  /** When the secret expires, RFC 3339: a Terraform reference to the password's `end_date`. */
  readonly expiresAt: string;
  /** Fire when fewer than this many days are left. */
  readonly warningDays: number;
  /** The generation of the secret watched, named in the description with the next one. */
  readonly generation: number;
  /**
   * The producer whose own identity holds the secret.
   * @default - the identity every producer shares
   */
  readonly producerName?: string;
  readonly workspaceResourceId: string;
  readonly resourceGroupName: string;
  readonly location: string;
  readonly namePrefix: string;
  /** 0 (critical) to 4 (verbose). */
  readonly severity: number;
  /** @default - the alert fires without notifying anyone */
  readonly actionGroupId?: string;
  /** @default - no tags */
  readonly tags?: Record<string, string>;
}

/**
 * A scheduled query alert (v2) that fires when the forwarder's newest client secret has fewer than
 * `warningDays` days left, and resolves once a rotation gives the rule a later date. Entra offers
 * no alert of its own on credential expiry, and this reuses the stack's action group at the cost of
 * one daily rule. The query reads no table: it compares now() with the end date Terraform
 * interpolates, so it costs no data scanned and works on any workspace.
 */
export class SecretExpiryAlert extends Construct {
  public readonly rule: MonitorScheduledQueryRulesAlertV2;
  /** The query the rule runs; its one row carries `DaysLeft`. */
  public readonly query: string;

  constructor(scope: Construct, id: string, props: SecretExpiryAlertProps) {
    super(scope, id);
    const shared = props.producerName === undefined;
    const whose = shared ? '' : `, producer ${props.producerName}`;
    this.query = `print ExpiresAt = todatetime("${props.expiresAt}")\n| extend DaysLeft = (ExpiresAt - now()) / 1d`;
    this.rule = new MonitorScheduledQueryRulesAlertV2(this, 'Resource', {
      name: shared
        ? `${props.namePrefix}-client-secret-expiry`
        : `${props.namePrefix}-${props.producerName}-client-secret-expiry`,
      displayName: `${shared ? 'Forwarder' : props.producerName} client secret expires within ${props.warningDays} days`,
      description:
        `The forwarder's client secret (generation ${props.generation}${whose}) expires in less than ` +
        `${props.warningDays} days; after that Entra rejects it and every object goes to the DLQ. Rotate: set ` +
        `identity.secretGeneration (S2S_AZURE_SECRET_GENERATION) to ${props.generation + 1}, run \`npx cdktf deploy\`, ` +
        'then `npx cdktf output s3-to-sentinel-azure --outputs-file secret.json --outputs-file-include-sensitive-outputs` ' +
        `and \`s3-to-sentinel put-secret --producer ${props.producerName ?? '<name>'} --from-outputs secret.json\`` +
        (shared ? ' for every producer' : '') +
        '. The rotation keeps this secret until it expires, so the forwarder works until put-secret writes the new one.',
      location: props.location,
      resourceGroupName: props.resourceGroupName,
      scopes: [props.workspaceResourceId],
      severity: props.severity,
      windowDuration: ALERT_WINDOWS[DAILY],
      evaluationFrequency: ALERT_FREQUENCIES[DAILY],
      autoMitigationEnabled: true,
      criteria: [
        {
          query: this.query,
          timeAggregationMethod: 'Minimum',
          metricMeasureColumn: 'DaysLeft',
          operator: 'LessThan',
          threshold: props.warningDays,
          failingPeriods: { numberOfEvaluationPeriods: 1, minimumFailingPeriodsToTriggerAlert: 1 },
        },
      ],
      action: props.actionGroupId === undefined ? undefined : { actionGroups: [props.actionGroupId] },
      tags: props.tags,
    });
  }
}
