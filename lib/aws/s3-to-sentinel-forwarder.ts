import type { Duration } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { AuthMode } from '../../lambda/contract/environment';
import type { FormatRoute, LogFormat } from '../../lambda/formats';
import type { NotificationMode } from '../producer/producer';
import {
  DEFAULT_FUNCTION_TIMEOUT,
  ForwarderFunction,
  checkDestination,
  checkOutputs,
  checkRoutesAndOptions,
} from './forwarder-function';
import type { ForwarderMetricName, ForwarderMetrics } from './forwarder-metrics';
import { ForwarderMonitoring } from './forwarder-monitoring';
import { ForwarderQueues } from './forwarder-queues';
import { resolveVisibilityTimeout, validateForwarderProps } from './validate-forwarder-props';

export type { ForwarderMetricName } from './forwarder-metrics';

/** Where the forwarder delivers: the Azure side's outputs for one producer. */
export interface SentinelDestination {
  /** Entra tenant id. */
  readonly tenantId: string;
  /** Client id of the app registration (or managed identity, in federated mode). */
  readonly clientId: string;
  /** The data collection endpoint's logs ingestion URL. */
  readonly logsIngestionEndpoint: string;
  /** Immutable id of the producer's data collection rule; with shards, the first one's. */
  readonly dcrImmutableId: string;
  /**
   * Immutable ids of every DCR of a producer with `shards` > 1, `dcrImmutableId` first, distinct,
   * at most `MAX_SHARDS` (10). The function gets them as `DCR_IMMUTABLE_IDS` and spreads its
   * batches across them, and the default `maxConcurrency` grows with their number.
   * @default - one DCR, `dcrImmutableId`
   */
  readonly dcrImmutableIds?: readonly string[];
  /** The DCR input stream, `Custom-<Table>`. */
  readonly streamName: string;
  /**
   * For a format writing to several streams (`networkfirewall`): each output's stream and DCRs,
   * keyed by output name, exactly the format's outputs; `dcrImmutableId` and `streamName` are then
   * the first output's. The function gets them as DCR_OUTPUTS.
   * @default - one stream
   */
  readonly outputs?: Readonly<
    Record<string, { readonly streamName: string; readonly dcrImmutableIds: readonly string[] }>
  >;
}

export interface S3ToSentinelForwarderProps {
  /** The producer's name: lower-case letters, digits, hyphens; used in every physical name. */
  readonly producerName: string;
  /**
   * How the producer's objects are parsed (must match the DCR stream built from the same format);
   * `auto` chooses each object's format by its key (`routes`, then AWS's key layouts).
   */
  readonly format: LogFormat;
  /**
   * With `format: 'auto'`: the producer's own routes, tried before the default ones (FORMAT_ROUTES).
   * `destination.outputs` must then name every output they and the defaults reach.
   * @default - the default routes only
   */
  readonly routes?: readonly FormatRoute[];
  /**
   * Options of the format that takes them (`csv`: `{ delimiter: ';' }`), keyed by format with
   * `auto` (FORMAT_OPTIONS).
   * @default - the format's defaults
   */
  readonly formatOptions?: Readonly<Record<string, unknown>>;
  /** The bucket the producer writes to; created by your stack or imported. */
  readonly bucket: s3.IBucket;
  /**
   * The bucket's SSE-KMS key. The forwarder gets kms:Decrypt on it through S3 only.
   * @default - objects are SSE-S3 encrypted (or the bucket's key is `bucket.encryptionKey`)
   */
  readonly bucketEncryptionKey?: kms.IKey;
  /**
   * Key prefix of the objects to forward; also scopes the forwarder's s3:GetObject.
   * @default - the whole bucket
   */
  readonly prefix?: string;
  /**
   * Key suffix of the objects to forward.
   * @default - no suffix filter
   */
  readonly suffix?: string;
  /**
   * `direct`: the bucket's notification configuration sends to the queue. `eventbridge`: the
   * bucket's EventBridge notifications are turned on and a rule sends "Object Created" events,
   * for buckets whose notification configuration someone else owns.
   * @default 'direct'
   */
  readonly notification?: NotificationMode;
  /** Where rows go in Azure. */
  readonly destination: SentinelDestination;
  /**
   * `secret`: an Entra client secret from the SSM SecureString this construct scopes the function
   * to. `federated`: AWS outbound identity federation trusted by an Entra federated credential.
   * @default 'secret'
   */
  readonly authMode?: AuthMode;
  /**
   * Function timeout; long enough to stream a large object.
   * @default Duration.minutes(5)
   */
  readonly timeout?: Duration;
  /**
   * Function memory in MB; CPU (gunzip, JSON parsing) scales with it.
   * @default 1024
   */
  readonly memorySize?: number;
  /**
   * Messages per invocation.
   * @default 10
   */
  readonly batchSize?: number;
  /**
   * How long the event source waits to fill a batch.
   * @default - no batching window
   */
  readonly maxBatchingWindow?: Duration;
  /**
   * Most concurrent invocations the event source starts, so a backlog cannot exhaust account
   * concurrency or the DCRs' ingestion limits.
   * @default - 10 per DCR of `destination` (`defaultMaxConcurrency`): 10 invocations × 4 parallel
   * uploads are the 1 MB posts in flight that fill one DCR's 2 GB a minute
   */
  readonly maxConcurrency?: number;
  /**
   * The queue's visibility timeout; must exceed `timeout`.
   * @default - six times `timeout` (AWS's guidance for SQS event sources)
   */
  readonly visibilityTimeout?: Duration;
  /**
   * Receives before a message that fails on its own object moves to the dead-letter queue (1–18,
   * fewer with a long `timeout`: the processing and back-off of more would outlive the queue's
   * 7-day retention). Outages of the Logs Ingestion API, Entra ID or SSM spend no receives.
   * @default 5
   */
  readonly maxReceiveCount?: number;
  /**
   * How long the dead-letter queue keeps messages.
   * @default Duration.days(14) - SQS's maximum, the most time to investigate and redrive
   */
  readonly deadLetterRetentionPeriod?: Duration;
  /**
   * Retention of the function's log group.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
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
  /**
   * Name of the SSM SecureString parameter holding the client secret (`put-secret` writes it).
   * @default - `/s3-to-sentinel/<producerName>/client-secret`
   */
  readonly secretParameterName?: string;
  /**
   * Who may write the client secret (`put-secret`): the secret key's policy lets them encrypt with
   * it through SSM, for the secret's parameter only. Only the forwarder's role may decrypt, and the
   * account keeps the key's administration through IAM.
   * @default - any principal of the account whose IAM policy allows it (the account delegates to IAM)
   */
  readonly secretWriters?: iam.IPrincipal[];
  /**
   * The function's code.
   * @default - the forwarder bundle shipped in this package
   */
  readonly code?: lambda.Code;
  /**
   * Text added to the description of the function, e.g. to mark a placeholder destination.
   * @default - none
   */
  readonly descriptionSuffix?: string;
}

/**
 * One producer's whole AWS path: S3 notifications (direct or through EventBridge) → an encrypted
 * SQS queue with a dead-letter queue → the bundled forwarder Lambda → the Logs Ingestion API;
 * the home of the Sentinel client secret (SSM SecureString name + customer-managed KMS key);
 * alarms and a dashboard.
 *
 * Composed of three parts — `ForwarderQueues`, `ForwarderFunction` and `ForwarderMonitoring` —
 * that add their resources to this construct directly, so each keeps the construct id (and so the
 * logical id) it had when this class built everything itself.
 */
export class S3ToSentinelForwarder extends Construct {
  public readonly producerName: string;
  /** Encrypts both queues; its policy admits the publishing service. Retained, like the DLQ. */
  public readonly queueKey: kms.Key;
  public readonly queue: sqs.Queue;
  /** Retained when the stack is deleted: its messages are the record of what was not delivered. */
  public readonly deadLetterQueue: sqs.Queue;
  /**
   * Encrypts the SSM SecureString holding the client secret. Only the forwarder's role may decrypt
   * and only `secretWriters` encrypt, through SSM; the account administers it.
   */
  public readonly secretKey: kms.Key;
  /** The SecureString's name; CloudFormation cannot create its value (see `put-secret`). */
  public readonly secretParameterName: string;
  public readonly logGroup: logs.LogGroup;
  /** The forwarder's execution role. */
  public readonly role: iam.Role;
  public readonly function: lambda.Function;
  /** The EventBridge rule, in `eventbridge` notification mode. */
  public readonly rule?: events.Rule;
  public readonly deadLetterQueueAlarm: cloudwatch.Alarm;
  public readonly oldestMessageAgeAlarm: cloudwatch.Alarm;
  public readonly errorsAlarm: cloudwatch.Alarm;
  public readonly throttlesAlarm: cloudwatch.Alarm;
  /** Records over the Logs Ingestion API's 1 MB limit, dropped (their message is acknowledged). */
  public readonly oversizedRecordsAlarm: cloudwatch.Alarm;
  /** Lines the format could not parse, dropped (their message is acknowledged). */
  public readonly malformedLinesAlarm: cloudwatch.Alarm;
  /** Rows the Logs Ingestion API did not accept (their message is retried or dead-lettered). */
  public readonly recordsFailedAlarm: cloudwatch.Alarm;
  /** The topic every alarm notifies, when `alarmEmail` or `alarmTopic` is given. */
  public readonly alarmTopic?: sns.ITopic;
  public readonly dashboard: cloudwatch.Dashboard;
  private readonly metrics: ForwarderMetrics;

  constructor(scope: Construct, id: string, props: S3ToSentinelForwarderProps) {
    super(scope, id);
    validateForwarderProps(props);
    checkDestination(props.producerName, props.destination);
    // Routes first: the outputs a destination must name follow from them.
    checkRoutesAndOptions(props);
    checkOutputs(props.producerName, props.format, props.destination, props.routes);
    this.producerName = props.producerName;
    const timeout = props.timeout ?? DEFAULT_FUNCTION_TIMEOUT;

    const queues = new ForwarderQueues(this, {
      producerName: props.producerName,
      bucket: props.bucket,
      prefix: props.prefix,
      suffix: props.suffix,
      notification: props.notification,
      // The one invariant that spans two parts: the queue's visibility against the function's timeout.
      visibilityTimeout: resolveVisibilityTimeout(this, timeout, props.visibilityTimeout),
      maxReceiveCount: props.maxReceiveCount,
      deadLetterRetentionPeriod: props.deadLetterRetentionPeriod,
    });
    this.queueKey = queues.key;
    this.queue = queues.queue;
    this.deadLetterQueue = queues.deadLetterQueue;
    this.rule = queues.rule;

    const forwarder = new ForwarderFunction(this, {
      producerName: props.producerName,
      format: props.format,
      routes: props.routes,
      formatOptions: props.formatOptions,
      bucket: props.bucket,
      bucketEncryptionKey: props.bucketEncryptionKey,
      prefix: props.prefix,
      destination: props.destination,
      authMode: props.authMode,
      queue: queues.queue,
      deadLetterQueue: queues.deadLetterQueue,
      queueKey: queues.key,
      timeout,
      memorySize: props.memorySize,
      batchSize: props.batchSize,
      maxBatchingWindow: props.maxBatchingWindow,
      maxConcurrency: props.maxConcurrency,
      logRetention: props.logRetention,
      secretParameterName: props.secretParameterName,
      secretWriters: props.secretWriters,
      code: props.code,
      descriptionSuffix: props.descriptionSuffix,
    });
    this.secretKey = forwarder.secretKey;
    this.secretParameterName = forwarder.secretParameterName;
    this.logGroup = forwarder.logGroup;
    this.role = forwarder.role;
    this.function = forwarder.function;

    const monitoring = new ForwarderMonitoring(this, {
      producerName: props.producerName,
      queue: queues.queue,
      deadLetterQueue: queues.deadLetterQueue,
      function: forwarder.function,
      oldestMessageAgeThreshold: props.oldestMessageAgeThreshold,
      alarmEmail: props.alarmEmail,
      alarmTopic: props.alarmTopic,
    });
    this.metrics = monitoring.metrics;
    this.alarmTopic = monitoring.alarmTopic;
    this.deadLetterQueueAlarm = monitoring.deadLetterQueueAlarm;
    this.oldestMessageAgeAlarm = monitoring.oldestMessageAgeAlarm;
    this.errorsAlarm = monitoring.errorsAlarm;
    this.throttlesAlarm = monitoring.throttlesAlarm;
    this.oversizedRecordsAlarm = monitoring.oversizedRecordsAlarm;
    this.malformedLinesAlarm = monitoring.malformedLinesAlarm;
    this.recordsFailedAlarm = monitoring.recordsFailedAlarm;
    this.dashboard = monitoring.dashboard;
  }

  /**
   * One of the metrics the forwarder emits (namespace `S3ToSentinel`, dimensions `service` and
   * `Producer`).
   * @default - sum over 5 minutes
   */
  public metric(metricName: ForwarderMetricName, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metric(metricName, props);
  }

  /** Objects whose rows all reached Sentinel. @default - sum over 5 minutes */
  public metricObjectsDelivered(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metricObjectsDelivered(props);
  }

  /** Rows the Logs Ingestion API accepted. @default - sum over 5 minutes */
  public metricRecordsDelivered(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metricRecordsDelivered(props);
  }

  /** Serialized JSON bytes the Logs Ingestion API accepted. @default - sum over 5 minutes */
  public metricBytesDelivered(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metricBytesDelivered(props);
  }

  /** Lines the format could not parse. @default - sum over 5 minutes */
  public metricMalformedLines(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metricMalformedLines(props);
  }

  /** Rows over the Logs Ingestion API's size limit. @default - sum over 5 minutes */
  public metricOversizedRecords(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metricOversizedRecords(props);
  }

  /** Objects that held no data for the format. @default - sum over 5 minutes */
  public metricSkippedObjects(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metricSkippedObjects(props);
  }

  /** Objects of a `format: 'auto'` producer that no route matched. @default - sum over 5 minutes */
  public metricUnroutedObjects(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metricUnroutedObjects(props);
  }

  /** 429 answers of the Logs Ingestion API. @default - sum over 5 minutes */
  public metricThrottled(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metricThrottled(props);
  }

  /** Records that were not data for the format. @default - sum over 5 minutes */
  public metricSkippedRecords(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metricSkippedRecords(props);
  }

  /** S3 test events received. @default - sum over 5 minutes */
  public metricTestEvents(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metricTestEvents(props);
  }

  /** S3 events other than object creations, acknowledged unread. @default - sum over 5 minutes */
  public metricSkippedEvents(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metricSkippedEvents(props);
  }

  /** Rows the Logs Ingestion API rejected. @default - sum over 5 minutes */
  public metricRecordsFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metricRecordsFailed(props);
  }

  /** Failed messages of one failure class. @default - sum over 5 minutes */
  public metricFailures(failureClass: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metricFailures(failureClass, props);
  }

  /** Milliseconds from the S3 event to the API's acceptance. @default - p99 over 5 minutes */
  public metricIngestionLag(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metricIngestionLag(props);
  }

  /** Age of the oldest queued notification. @default - maximum over 5 minutes */
  public metricOldestMessageAge(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metricOldestMessageAge(props);
  }

  /** Notifications waiting in the dead-letter queue. @default - maximum over 5 minutes */
  public metricDeadLetterQueueMessages(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metricDeadLetterQueueMessages(props);
  }
}
