import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { MAX_DELAY_SECONDS } from '../../lambda/contract/retry-schedule';
import { DEFAULT_OLDEST_MESSAGE_AGE_SECONDS } from '../producer/rules';
import { ForwarderMetrics } from './forwarder-metrics';

export interface ForwarderMonitoringProps {
  /** The producer's name; names the alarms and the dashboard. */
  readonly producerName: string;
  /** The notification queue. */
  readonly queue: sqs.IQueue;
  /** The notification queue's dead-letter queue. */
  readonly deadLetterQueue: sqs.IQueue;
  /** The forwarder function. */
  readonly function: lambda.IFunction;
  /**
   * Alarm when the oldest queued message is older than this.
   * @default Duration.minutes(5) - the near-real-time latency goal
   */
  readonly oldestMessageAgeThreshold?: Duration;
  /**
   * Email subscribed to a new SNS topic that receives every alarm.
   * @default - no email subscription
   */
  readonly alarmEmail?: string;
  /**
   * An existing topic for every alarm (instead of `alarmEmail`).
   * @default - a topic is created only when `alarmEmail` is given
   */
  readonly alarmTopic?: sns.ITopic;
}

/** Where alarms go: an email or a topic, not both (the forwarder's validation reports it too). */
export function checkAlarmDestination(props: {
  readonly alarmEmail?: string;
  readonly alarmTopic?: unknown;
}): string | undefined {
  return props.alarmEmail !== undefined && props.alarmTopic !== undefined
    ? 'give `alarmEmail` or `alarmTopic`, not both: subscribe the address to your topic instead'
    : undefined;
}

/**
 * Part of `S3ToSentinelForwarder`: alarms on the dead-letter queue, the queue's lag, the
 * function's errors and throttles and the records it dropped, truncated or could not deliver, the topic
 * they notify, and a dashboard of the forwarder's metrics (cdk-monitoring-constructs' alarm
 * conventions, without the dependency).
 *
 * Not a construct of its own, for the reason `ForwarderQueues` gives: it adds its resources to
 * `scope` under the ids that are part of their logical ids.
 */
export class ForwarderMonitoring {
  /** The metrics the alarms and the dashboard use. */
  public readonly metrics: ForwarderMetrics;
  /** The topic every alarm notifies, when `alarmEmail` or `alarmTopic` is given. */
  public readonly alarmTopic?: sns.ITopic;
  public readonly deadLetterQueueAlarm: cloudwatch.Alarm;
  public readonly oldestMessageAgeAlarm: cloudwatch.Alarm;
  /** Messages deferred past an outage for longer than the queue-age threshold since their first receive. */
  public readonly deferredMessageAgeAlarm: cloudwatch.Alarm;
  public readonly errorsAlarm: cloudwatch.Alarm;
  public readonly throttlesAlarm: cloudwatch.Alarm;
  /** Records over the Logs Ingestion API's 1 MB limit, sent truncated (their message is acknowledged). */
  public readonly oversizedRecordsAlarm: cloudwatch.Alarm;
  /** Lines the format could not parse, dropped (their message is acknowledged). */
  public readonly malformedLinesAlarm: cloudwatch.Alarm;
  /** Rows the Logs Ingestion API did not accept (their message is retried or dead-lettered). */
  public readonly recordsFailedAlarm: cloudwatch.Alarm;
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, props: ForwarderMonitoringProps) {
    const destination = checkAlarmDestination(props);
    if (destination !== undefined) throw new Error(destination);
    this.metrics = new ForwarderMetrics({
      producerName: props.producerName,
      queue: props.queue,
      deadLetterQueue: props.deadLetterQueue,
    });
    this.alarmTopic = props.alarmTopic ?? createAlarmTopic(scope, props.producerName, props.alarmEmail);

    const producer = props.producerName;
    const prefix = `s3-to-sentinel-${producer}`;
    const minute = Duration.minutes(1);
    const ageThreshold =
      props.oldestMessageAgeThreshold ?? Duration.seconds(DEFAULT_OLDEST_MESSAGE_AGE_SECONDS);
    this.deadLetterQueueAlarm = this.metrics
      .metricDeadLetterQueueMessages({ period: minute })
      .createAlarm(scope, 'DeadLetterQueueAlarm', {
        alarmName: `${prefix}-dlq-messages`,
        alarmDescription: `${producer}: objects failed permanently and wait in ${props.deadLetterQueue.node.id}. Read the function's errors, fix the cause, then \`s3-to-sentinel redrive --producer ${producer}\`.`,
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        // A DLQ metric that stops reporting must not read as healthy: no data is INSUFFICIENT_DATA.
        treatMissingData: cloudwatch.TreatMissingData.MISSING,
      });
    this.oldestMessageAgeAlarm = this.metrics
      .metricOldestMessageAge({ period: minute })
      .createAlarm(scope, 'OldestMessageAgeAlarm', {
        alarmName: `${prefix}-queue-oldest-message-age`,
        alarmDescription: `${producer}: logs are reaching Sentinel later than ${ageThreshold.toSeconds()} seconds. Check \`s3-to-sentinel status --producer ${producer}\`, throttles and Azure availability.`,
        threshold: ageThreshold.toSeconds(),
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    // A message deferred past an outage is a new message, so the queue's own age restarts with each
    // deferral: this alarm sees the age since the first receive, reported at each deferral (at
    // least every 15 minutes, SQS's longest delay, while the outage lasts).
    this.deferredMessageAgeAlarm = this.metrics
      .metricDeferredMessageAge({ period: Duration.seconds(MAX_DELAY_SECONDS) })
      .createAlarm(scope, 'DeferredMessageAgeAlarm', {
        alarmName: `${prefix}-deferred-message-age`,
        alarmDescription: `${producer}: messages have waited more than ${ageThreshold.toSeconds()} seconds since their first receive because the Logs Ingestion API, Entra ID or SSM keeps failing; they are retried every 15 minutes at most and none is lost. Read the function's errors for the failure class.`,
        threshold: ageThreshold.toSeconds(),
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        // Reported only when messages are deferred: no datapoint means no outage.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    const fiveMinutes = Duration.minutes(5);
    this.errorsAlarm = props.function
      .metricErrors({ period: fiveMinutes, statistic: cloudwatch.Stats.SUM })
      .createAlarm(scope, 'ErrorsAlarm', {
        alarmName: `${prefix}-function-errors`,
        alarmDescription: `${producer}: the forwarder invocation itself failed (crash, timeout, out of memory). Read its log group.`,
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    this.throttlesAlarm = props.function
      .metricThrottles({ period: fiveMinutes, statistic: cloudwatch.Stats.SUM })
      .createAlarm(scope, 'ThrottlesAlarm', {
        alarmName: `${prefix}-function-throttles`,
        alarmDescription: `${producer}: invocations were throttled; raise account concurrency or lower maxConcurrency of other functions.`,
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    const recordLossAlarm = (id: string, what: string, metric: cloudwatch.Metric, description: string) =>
      metric.createAlarm(scope, id, {
        alarmName: `${prefix}-${what}`,
        alarmDescription: `${producer}: ${description}`,
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        // Loss counts, emitted only when there is loss: no datapoint means no record lost.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    this.oversizedRecordsAlarm = recordLossAlarm(
      'OversizedRecordsAlarm',
      'oversized-records',
      this.metrics.metricOversizedRecords({ period: fiveMinutes }),
      'records over the Logs Ingestion API limit of 1 MB were sent truncated (their first 64,000 bytes, in column TruncatedRecord) and their objects acknowledged. The log group names bucket, key and record; fetch the whole record from S3.',
    );
    this.malformedLinesAlarm = recordLossAlarm(
      'MalformedLinesAlarm',
      'malformed-lines',
      this.metrics.metricMalformedLines({ period: fiveMinutes }),
      'lines the format could not parse were dropped and their objects acknowledged. Check that the producer format matches what lands in the bucket.',
    );
    this.recordsFailedAlarm = recordLossAlarm(
      'RecordsFailedAlarm',
      'records-failed',
      this.metrics.metricRecordsFailed({ period: fiveMinutes }),
      'the Logs Ingestion API did not accept rows; their messages are retried or, if refused for good, dead-lettered. The log group gives the HTTP status.',
    );
    if (this.alarmTopic) {
      const action = new cwActions.SnsAction(this.alarmTopic);
      for (const alarm of [
        this.deadLetterQueueAlarm,
        this.oldestMessageAgeAlarm,
        this.deferredMessageAgeAlarm,
        this.errorsAlarm,
        this.throttlesAlarm,
        this.oversizedRecordsAlarm,
        this.malformedLinesAlarm,
        this.recordsFailedAlarm,
      ]) {
        alarm.addAlarmAction(action);
        alarm.addOkAction(action);
      }
    }
    this.dashboard = this.createDashboard(scope, props);
  }

  private createDashboard(scope: Construct, props: ForwarderMonitoringProps): cloudwatch.Dashboard {
    const metrics = this.metrics;
    return new cloudwatch.Dashboard(scope, 'Dashboard', {
      dashboardName: `s3-to-sentinel-${props.producerName}`,
      widgets: [
        [
          new cloudwatch.GraphWidget({
            title: 'Queue',
            left: [
              props.queue.metricApproximateNumberOfMessagesVisible(),
              metrics.metricDeadLetterQueueMessages({ label: 'DLQ visible' }),
              metrics.metricMessagesDeferred({ label: 'Deferred past an outage' }),
            ],
            right: [
              metrics.metricOldestMessageAge(),
              metrics.metricDeferredMessageAge({ label: 'Deferred since first receive (s)' }),
            ],
          }),
          new cloudwatch.GraphWidget({
            title: 'Forwarder',
            left: [props.function.metricInvocations(), props.function.metricErrors()],
            right: [props.function.metricDuration({ statistic: cloudwatch.Stats.p(99) })],
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Records',
            left: [
              metrics.metricRecordsDelivered(),
              metrics.metricMalformedLines(),
              metrics.metricOversizedRecords(),
              metrics.metricRecordsFailed(),
            ],
          }),
          new cloudwatch.GraphWidget({
            title: 'Lag from S3 event to acceptance (ms)',
            left: [
              metrics.metricIngestionLag({ statistic: cloudwatch.Stats.p(50) }),
              metrics.metricIngestionLag({ statistic: cloudwatch.Stats.p(99) }),
            ],
          }),
        ],
      ],
    });
  }
}

/**
 * A topic for `alarmEmail`, encrypted with a key of its own: CloudWatch must use the key to publish,
 * and that grant must not reach the key that protects the log notifications.
 */
function createAlarmTopic(
  scope: Construct,
  producerName: string,
  alarmEmail: string | undefined,
): sns.ITopic | undefined {
  if (alarmEmail === undefined) return undefined;
  const key = new kms.Key(scope, 'AlarmTopicKey', {
    description: `s3-to-sentinel ${producerName}: encrypts the alarm topic`,
    enableKeyRotation: true,
  });
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowCloudWatchAlarmsToEncrypt',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(scope).account } },
    }),
  );
  const topic = new sns.Topic(scope, 'AlarmTopic', {
    displayName: `s3-to-sentinel ${producerName} alarms`,
    masterKey: key,
    enforceSSL: true,
  });
  const subscription = topic.addSubscription(new subscriptions.EmailSubscription(alarmEmail));
  Validations.of(subscription).acknowledge({
    id: 'Serverless-SNSRedrivePolicy',
    reason:
      'An email subscription: an alarm mail SNS cannot deliver has no consumer to redrive to, and the alarm state stays in CloudWatch.',
  });
  return topic;
}
