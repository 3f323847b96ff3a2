import { ArnFormat, Duration, RemovalPolicy, Stack, Validations, type CfnResource } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENTRA_TOKEN_EXCHANGE_AUDIENCE, ENV, type AuthMode } from '../../lambda/contract/environment';
import type { FormatName } from '../../lambda/formats';
import { METRIC, METRICS_NAMESPACE } from '../../lambda/contract/metric-names';
import { awsResourceNames, secretKeyAlias, secretParameterName } from '../producer/naming';
import type { NotificationMode } from '../producer/producer';
import { forwarderBundleDir } from './lambda-asset';
import { ScopedSqsDestination, ScopedSqsRuleTarget, parameterArn } from './queue-notifications';
import { resolveVisibilityTimeout, validateForwarderProps } from './validate-forwarder-props';

/** Where the forwarder delivers: the Azure side's outputs for one producer. */
export interface SentinelDestination {
  /** Entra tenant id. */
  readonly tenantId: string;
  /** Client id of the app registration (or managed identity, in federated mode). */
  readonly clientId: string;
  /** The data collection endpoint's logs ingestion URL. */
  readonly logsIngestionEndpoint: string;
  /** Immutable id of the producer's data collection rule. */
  readonly dcrImmutableId: string;
  /** The DCR input stream, `Custom-<Table>`. */
  readonly streamName: string;
}

export interface S3ToSentinelForwarderProps {
  /** The producer's name: lower-case letters, digits, hyphens; used in every physical name. */
  readonly producerName: string;
  /** How the producer's objects are parsed (must match the DCR stream built from the same format). */
  readonly format: FormatName;
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
   * concurrency or the DCR's ingestion limits.
   * @default 10
   */
  readonly maxConcurrency?: number;
  /**
   * The queue's visibility timeout; must exceed `timeout`.
   * @default - six times `timeout` (AWS's guidance for SQS event sources)
   */
  readonly visibilityTimeout?: Duration;
  /**
   * Receives before a message moves to the dead-letter queue.
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
 */
export class S3ToSentinelForwarder extends Construct {
  public readonly producerName: string;
  /** Encrypts both queues (and the alarm topic); its policy admits the publishing service. */
  public readonly queueKey: kms.Key;
  public readonly queue: sqs.Queue;
  public readonly deadLetterQueue: sqs.Queue;
  /** Encrypts the SSM SecureString holding the client secret. */
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
  /** The topic every alarm notifies, when `alarmEmail` or `alarmTopic` is given. */
  public readonly alarmTopic?: sns.ITopic;
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: S3ToSentinelForwarderProps) {
    super(scope, id);
    validateForwarderProps(props);
    const producer = props.producerName;
    this.producerName = producer;
    const names = awsResourceNames(producer);
    const timeout = props.timeout ?? Duration.minutes(5);
    const visibilityTimeout = resolveVisibilityTimeout(this, timeout, props.visibilityTimeout);
    const notification = props.notification ?? 'direct';

    this.queueKey = new kms.Key(this, 'QueueKey', {
      description: `s3-to-sentinel ${producer}: encrypts the notification queue and its DLQ`,
      enableKeyRotation: true,
      alias: `alias/s3-to-sentinel/${producer}/queue`,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      queueName: names.deadLetterQueueName,
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.queueKey,
      enforceSSL: true,
      retentionPeriod: props.deadLetterRetentionPeriod ?? Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      queueName: names.queueName,
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.queueKey,
      enforceSSL: true,
      visibilityTimeout,
      // Outlives a long Sentinel outage (transient failures return to this queue with a growing
      // visibility timeout), yet stays below the DLQ's 14 days: a message keeps its original
      // enqueue time when it moves, so it still has at least a week there.
      retentionPeriod: Duration.days(7),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 5 },
    });
    this.rule = this.connectNotifications(props, notification);

    this.secretKey = new kms.Key(this, 'SecretKey', {
      description: `s3-to-sentinel ${producer}: encrypts the Sentinel client secret in SSM`,
      enableKeyRotation: true,
      alias: secretKeyAlias(producer),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.secretParameterName = props.secretParameterName ?? secretParameterName(producer);

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      logGroupName: `/aws/lambda/${names.functionName}`,
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const authMode = props.authMode ?? 'secret';
    // An explicit role instead of AWSLambdaBasicExecutionRole: it may write to this log group only.
    this.role = new iam.Role(this, 'Role', {
      roleName: names.roleName,
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `s3-to-sentinel ${producer}: the forwarder function`,
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    this.function = new lambda.Function(this, 'Function', {
      role: this.role,
      functionName: names.functionName,
      description:
        `s3-to-sentinel ${producer}: forwards s3://${props.bucket.bucketName}/${props.prefix ?? ''}* ` +
        `(${props.format}) to ${props.destination.streamName}${props.descriptionSuffix ? ` ${props.descriptionSuffix}` : ''}`,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: props.code ?? lambda.Code.fromAsset(forwarderBundleDir()),
      memorySize: props.memorySize ?? 1024,
      timeout,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      tracing: lambda.Tracing.ACTIVE,
      environment: {
        [ENV.producerName]: producer,
        [ENV.format]: props.format,
        [ENV.tenantId]: props.destination.tenantId,
        [ENV.clientId]: props.destination.clientId,
        [ENV.logsIngestionEndpoint]: props.destination.logsIngestionEndpoint,
        [ENV.dcrImmutableId]: props.destination.dcrImmutableId,
        [ENV.streamName]: props.destination.streamName,
        [ENV.authMode]: authMode,
        [ENV.clientSecretParameter]: this.secretParameterName,
        [ENV.queueUrl]: this.queue.queueUrl,
        [ENV.deadLetterQueueUrl]: this.deadLetterQueue.queueUrl,
        POWERTOOLS_SERVICE_NAME: 's3-to-sentinel',
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        NODE_OPTIONS: '--enable-source-maps',
      },
    });
    this.function.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: props.batchSize ?? 10,
        maxBatchingWindow: props.maxBatchingWindow,
        maxConcurrency: props.maxConcurrency ?? 10,
        // The handler reports failed messages only; without this pairing one poison object would
        // re-deliver (and duplicate) every other object of its batch.
        reportBatchItemFailures: true,
      }),
    );
    // Permanent failures go straight to the DLQ with their reason instead of five retries, and an
    // object the function runs out of time on continues in a new message on the source queue.
    // Written out rather than grantSendMessages, which adds kms:ReEncrypt* and GenerateDataKey*.
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'SendFailuresAndContinuations',
        actions: ['sqs:SendMessage'],
        resources: [this.deadLetterQueue.queueArn, this.queue.queueArn],
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'EncryptQueueMessages',
        actions: ['kms:GenerateDataKey'],
        resources: [this.queueKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `sqs.${Stack.of(this).region}.amazonaws.com` } },
      }),
    );
    this.grantReads(props, authMode);

    this.alarmTopic = this.createAlarmTopic(props);
    const alarms = this.createAlarms(props);
    this.deadLetterQueueAlarm = alarms.dlq;
    this.oldestMessageAgeAlarm = alarms.age;
    this.errorsAlarm = alarms.errors;
    this.throttlesAlarm = alarms.throttles;
    this.dashboard = this.createDashboard(producer);
    this.acknowledgeNagFindings(props);
  }

  private connectNotifications(
    props: S3ToSentinelForwarderProps,
    mode: NotificationMode,
  ): events.Rule | undefined {
    if (mode === 'direct') {
      // CDK rejects an empty filter object; no prefix and no suffix means every object.
      const filters: s3.NotificationKeyFilter[] =
        props.prefix || props.suffix ? [{ prefix: props.prefix, suffix: props.suffix }] : [];
      props.bucket.addEventNotification(
        s3.EventType.OBJECT_CREATED,
        new ScopedSqsDestination(this.queue, this.queueKey),
        ...filters,
      );
      return undefined;
    }
    props.bucket.enableEventBridgeNotification();
    const key = keyPattern(props.prefix, props.suffix);
    const rule = new events.Rule(this, 'ObjectCreatedRule', {
      description: `s3-to-sentinel ${props.producerName}: Object Created in ${props.bucket.bucketName}`,
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: { bucket: { name: [props.bucket.bucketName] }, ...(key ? { object: { key } } : {}) },
      },
    });
    rule.addTarget(
      new ScopedSqsRuleTarget({
        queue: this.queue,
        queueArn: this.queueArnFromName(this.queue),
        deadLetterQueue: this.deadLetterQueue,
        deadLetterQueueArn: this.queueArnFromName(this.deadLetterQueue),
        key: this.queueKey,
      }),
    );
    return rule;
  }

  /**
   * The queue's ARN built from its fixed name: the key policy names the queue while the queue
   * names the key, and a `Fn::GetAtt` both ways would be a circular dependency.
   */
  private queueArnFromName(queue: sqs.Queue): string {
    const name =
      queue === this.queue
        ? awsResourceNames(this.producerName).queueName
        : awsResourceNames(this.producerName).deadLetterQueueName;
    return Stack.of(this).formatArn({
      service: 'sqs',
      resource: name,
      arnFormat: ArnFormat.NO_RESOURCE_NAME,
    });
  }

  /** Least privilege: the objects under the prefix, the one parameter, the one key through SSM. */
  private grantReads(props: S3ToSentinelForwarderProps, authMode: AuthMode): void {
    const region = Stack.of(this).region;
    this.function.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadProducerObjects',
        // GetObjectVersion: the handler reads the exact version the notification names.
        actions: ['s3:GetObject', 's3:GetObjectVersion'],
        resources: [props.bucket.arnForObjects(`${props.prefix ?? ''}*`)],
      }),
    );
    const bucketKey = props.bucketEncryptionKey ?? props.bucket.encryptionKey;
    if (bucketKey) {
      this.function.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'DecryptProducerObjects',
          actions: ['kms:Decrypt'],
          resources: [bucketKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `s3.${region}.amazonaws.com` } },
        }),
      );
    }
    if (authMode === 'federated') {
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'MintEntraAssertion',
          // GetWebIdentityToken has no resource-level permissions; the conditions pin what it mints.
          actions: ['sts:GetWebIdentityToken'],
          resources: ['*'],
          conditions: {
            'ForAllValues:StringEquals': { 'sts:IdentityTokenAudience': ENTRA_TOKEN_EXCHANGE_AUDIENCE },
            NumericLessThanEquals: { 'sts:DurationSeconds': 300 },
          },
        }),
      );
      return;
    }
    const secretArn = parameterArn(this, this.secretParameterName);
    this.function.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadClientSecret',
        actions: ['ssm:GetParameter'],
        resources: [secretArn],
      }),
    );
    this.function.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'DecryptClientSecret',
        actions: ['kms:Decrypt'],
        resources: [this.secretKey.keyArn],
        conditions: {
          StringEquals: {
            'kms:EncryptionContext:PARAMETER_ARN': secretArn,
            'kms:ViaService': `ssm.${region}.amazonaws.com`,
          },
        },
      }),
    );
  }

  private createAlarmTopic(props: S3ToSentinelForwarderProps): sns.ITopic | undefined {
    if (props.alarmTopic) return props.alarmTopic;
    if (props.alarmEmail === undefined) return undefined;
    // A key of its own: CloudWatch must use it to publish to the encrypted topic, and that grant
    // must not reach the key that protects the log notifications.
    const key = new kms.Key(this, 'AlarmTopicKey', {
      description: `s3-to-sentinel ${props.producerName}: encrypts the alarm topic`,
      enableKeyRotation: true,
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToEncrypt',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    const topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: `s3-to-sentinel ${props.producerName} alarms`,
      masterKey: key,
      enforceSSL: true,
    });
    topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    return topic;
  }

  private createAlarms(props: S3ToSentinelForwarderProps) {
    const producer = props.producerName;
    const prefix = `s3-to-sentinel-${producer}`;
    const minute = Duration.minutes(1);
    const ageThreshold = props.oldestMessageAgeThreshold ?? Duration.minutes(5);
    const dlq = this.deadLetterQueue
      .metricApproximateNumberOfMessagesVisible({ period: minute, statistic: cloudwatch.Stats.MAXIMUM })
      .createAlarm(this, 'DeadLetterQueueAlarm', {
        alarmName: `${prefix}-dlq-messages`,
        alarmDescription: `${producer}: objects failed permanently and wait in ${this.deadLetterQueue.node.id}. Read the function's errors, fix the cause, then \`s3-to-sentinel redrive --producer ${producer}\`.`,
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        // No datapoints means an idle, empty DLQ.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    const age = this.queue
      .metricApproximateAgeOfOldestMessage({ period: minute, statistic: cloudwatch.Stats.MAXIMUM })
      .createAlarm(this, 'OldestMessageAgeAlarm', {
        alarmName: `${prefix}-queue-oldest-message-age`,
        alarmDescription: `${producer}: logs are reaching Sentinel later than ${ageThreshold.toSeconds()} seconds. Check \`s3-to-sentinel status --producer ${producer}\`, throttles and Azure availability.`,
        threshold: ageThreshold.toSeconds(),
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    const fiveMinutes = Duration.minutes(5);
    const errors = this.function
      .metricErrors({ period: fiveMinutes, statistic: cloudwatch.Stats.SUM })
      .createAlarm(this, 'ErrorsAlarm', {
        alarmName: `${prefix}-function-errors`,
        alarmDescription: `${producer}: the forwarder invocation itself failed (crash, timeout, out of memory). Read its log group.`,
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    const throttles = this.function
      .metricThrottles({ period: fiveMinutes, statistic: cloudwatch.Stats.SUM })
      .createAlarm(this, 'ThrottlesAlarm', {
        alarmName: `${prefix}-function-throttles`,
        alarmDescription: `${producer}: invocations were throttled; raise account concurrency or lower maxConcurrency of other functions.`,
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    if (this.alarmTopic) {
      const action = new cwActions.SnsAction(this.alarmTopic);
      for (const alarm of [dlq, age, errors, throttles]) {
        alarm.addAlarmAction(action);
        alarm.addOkAction(action);
      }
    }
    return { dlq, age, errors, throttles };
  }

  private createDashboard(producer: string): cloudwatch.Dashboard {
    const period = Duration.minutes(5);
    const custom = (metricName: string, statistic: string = cloudwatch.Stats.SUM) =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service: 's3-to-sentinel', Producer: producer },
        statistic,
        period,
      });
    return new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `s3-to-sentinel-${producer}`,
      widgets: [
        [
          new cloudwatch.GraphWidget({
            title: 'Queue',
            left: [
              this.queue.metricApproximateNumberOfMessagesVisible({ period }),
              this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, label: 'DLQ visible' }),
            ],
            right: [
              this.queue.metricApproximateAgeOfOldestMessage({ period, statistic: cloudwatch.Stats.MAXIMUM }),
            ],
          }),
          new cloudwatch.GraphWidget({
            title: 'Forwarder',
            left: [this.function.metricInvocations({ period }), this.function.metricErrors({ period })],
            right: [this.function.metricDuration({ period, statistic: cloudwatch.Stats.p(99) })],
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Records',
            left: [
              custom(METRIC.recordsDelivered),
              custom(METRIC.malformedLines),
              custom(METRIC.oversizedRecords),
              custom(METRIC.recordsFailed),
            ],
          }),
          new cloudwatch.GraphWidget({
            title: 'Lag from S3 event to acceptance (ms)',
            left: [
              custom('IngestionLag', cloudwatch.Stats.p(50)),
              custom('IngestionLag', cloudwatch.Stats.p(99)),
            ],
          }),
        ],
      ],
    });
  }

  /** Each finding this construct accepts, scoped to the one resource, with its reason. */
  private acknowledgeNagFindings(props: S3ToSentinelForwarderProps): void {
    const role = Validations.of(this.role);
    role.acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray PutTraceSegments/PutTelemetryRecords and (federated mode) sts:GetWebIdentityToken support no resource-level permissions; the STS grant is pinned by audience and duration conditions.',
    });
    role.acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagResourceId(this.function.node.defaultChild as CfnResource, props.bucket.arnForObjects(`${props.prefix ?? ''}*`))}]`,
      reason:
        'The objects under the producer prefix: the forwarder reads whichever object a notification names.',
    });
    // CDK's singleton that writes the bucket's notification configuration (or turns on its
    // EventBridge notifications); it is CDK's code, in the bucket's stack.
    const notificationsHandler = Stack.of(props.bucket).node.tryFindChild(
      'BucketNotificationsHandler050a0587b7544547bf325f094a3db834',
    );
    if (notificationsHandler) {
      Validations.of(notificationsHandler).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          "CDK's bucket-notifications custom resource handler; only writes its own logs with this policy.",
      });
      Validations.of(notificationsHandler).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          "CDK's bucket-notifications custom resource handler: s3:PutBucketNotification has to name buckets unknown to it.",
      });
    }
    const runtime =
      'The forwarder targets Node.js 22 on purpose: the runtime its bundle is built and tested for.';
    const fn = Validations.of(this.function);
    fn.acknowledge({ id: 'AwsSolutions-L1', reason: runtime });
    fn.acknowledge({ id: 'Serverless-LambdaLatestVersion', reason: runtime });
    fn.acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason:
        'Invoked by an SQS event source mapping, never asynchronously: failed messages go to the queue redrive DLQ.',
    });
    fn.acknowledge({
      id: 'Serverless-LambdaEventSourceMappingDestination',
      reason:
        'An SQS event source mapping has no on-failure destination; the queue redrive policy is its DLQ.',
    });
    const dlq = Validations.of(this.deadLetterQueue);
    dlq.acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is the dead-letter queue of the notification queue.',
    });
    dlq.acknowledge({
      id: 'Serverless-SQSRedrivePolicy',
      reason:
        'This queue is the dead-letter queue; its messages are redriven by hand (`s3-to-sentinel redrive`).',
    });
  }
}

/**
 * A resource ARN in the form cdk-nag names it in a finding id: `Fn::Join` flattened, `Ref` as
 * `<Id>`, `Fn::GetAtt` as `<Id.Attr>` (e.g. `<Bucket83908E77.Arn>/AWSLogs/*`).
 */
function nagResourceId(node: CfnResource, arn: string): string {
  const flatten = (value: unknown): string => {
    if (typeof value === 'string') return value;
    const v = value as Record<string, unknown>;
    if (Array.isArray(v['Fn::Join'])) {
      const [separator, parts] = v['Fn::Join'] as [string, unknown[]];
      return parts.map(flatten).join(separator);
    }
    if (typeof v.Ref === 'string') return `<${v.Ref}>`;
    if (Array.isArray(v['Fn::GetAtt'])) return `<${(v['Fn::GetAtt'] as string[]).join('.')}>`;
    return JSON.stringify(value);
  };
  return flatten(Stack.of(node).resolve(arn));
}

/** The EventBridge pattern for the object key: prefix, suffix, both (wildcard) or none. */
function keyPattern(prefix: string | undefined, suffix: string | undefined): string[] | undefined {
  if (prefix && suffix) return events.Match.wildcard(`${escapeWildcard(prefix)}*${escapeWildcard(suffix)}`);
  if (prefix) return events.Match.prefix(prefix);
  if (suffix) return events.Match.suffix(suffix);
  return undefined;
}

function escapeWildcard(text: string): string {
  return text.replace(/[\\*]/g, (c) => `\\${c}`);
}
