import { Annotations, ArnFormat, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { QUEUE_RETENTION_SECONDS } from '../../lambda/contract/retry-schedule';
import { awsResourceNames } from '../producer/naming';
import type { NotificationMode } from '../producer/producer';
import { ScopedSqsDestination, ScopedSqsRuleTarget } from './queue-notifications';

/**
 * How long the notification queue keeps a message: the forwarder's back-off for failures of a
 * message's own object fits in it (`MAX_RECEIVE_COUNT`), and an outage never ages a message out
 * (deferred messages are new messages).
 */
export const QUEUE_RETENTION_PERIOD = Duration.seconds(QUEUE_RETENTION_SECONDS);

/** SQS's bounds on a queue's retention period. */
const MIN_RETENTION_SECONDS = 60;
const MAX_RETENTION_SECONDS = Duration.days(14).toSeconds();

export interface ForwarderQueuesProps {
  /** The producer's name; names the queues and describes the key. */
  readonly producerName: string;
  /** The bucket whose new objects are announced on the queue. */
  readonly bucket: s3.IBucket;
  /**
   * Key prefix of the objects to announce.
   * @default - every object
   */
  readonly prefix?: string;
  /**
   * Key suffix of the objects to announce.
   * @default - no suffix filter
   */
  readonly suffix?: string;
  /**
   * `direct`: the bucket's notification configuration sends to the queue. `eventbridge`: the
   * bucket's EventBridge notifications are turned on and a rule sends "Object Created" events.
   * @default 'direct'
   */
  readonly notification?: NotificationMode;
  /** The queue's visibility timeout; the composer derives it from the function's timeout. */
  readonly visibilityTimeout: Duration;
  /**
   * Receives before a message moves to the dead-letter queue.
   * @default 5
   */
  readonly maxReceiveCount?: number;
  /**
   * How long the dead-letter queue keeps messages; longer than the queue's 7 days.
   * @default Duration.days(14) - SQS's maximum, the most time to investigate and redrive
   */
  readonly deadLetterRetentionPeriod?: Duration;
}

/**
 * Part of `S3ToSentinelForwarder`: the notification queue, its dead-letter queue, the key that
 * encrypts both, and the S3 or EventBridge notifications that feed the queue.
 *
 * Not a construct of its own: it adds its resources to `scope` under the ids they had before the
 * forwarder was split into parts, because a construct id is part of each resource's logical id and
 * a new level in the tree would replace the queues (with their messages) and the key.
 */
export class ForwarderQueues {
  /**
   * Encrypts both queues; its policy admits the publishing service for this bucket only. Retained
   * with the stack's deletion, like the dead-letter queue whose messages it alone can decrypt.
   */
  public readonly key: kms.Key;
  public readonly queue: sqs.Queue;
  /** Retained when the stack is deleted: its messages are the record of what was not delivered. */
  public readonly deadLetterQueue: sqs.Queue;
  /** The EventBridge rule, in `eventbridge` notification mode. */
  public readonly rule?: events.Rule;

  constructor(scope: Construct, props: ForwarderQueuesProps) {
    const producer = props.producerName;
    const names = awsResourceNames(producer);
    const deadLetterRetentionPeriod = props.deadLetterRetentionPeriod ?? Duration.days(14);
    checkDeadLetterRetention(scope, props.deadLetterRetentionPeriod);

    this.key = new kms.Key(scope, 'QueueKey', {
      description: `s3-to-sentinel ${producer}: encrypts the notification queue and its DLQ`,
      enableKeyRotation: true,
      alias: `alias/s3-to-sentinel/${producer}/queue`,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.deadLetterQueue = new sqs.Queue(scope, 'DeadLetterQueue', {
      queueName: names.deadLetterQueueName,
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.key,
      enforceSSL: true,
      retentionPeriod: deadLetterRetentionPeriod,
      // Its messages are the evidence of lost data: deleting the stack must not delete them. The
      // key above is retained too, or the retained messages could never be read.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.queue = new sqs.Queue(scope, 'Queue', {
      queueName: names.queueName,
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.key,
      enforceSSL: true,
      visibilityTimeout: props.visibilityTimeout,
      retentionPeriod: QUEUE_RETENTION_PERIOD,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 5 },
    });

    if ((props.notification ?? 'direct') === 'direct') {
      // CDK rejects an empty filter object; no prefix and no suffix means every object.
      const filters: s3.NotificationKeyFilter[] =
        props.prefix || props.suffix ? [{ prefix: props.prefix, suffix: props.suffix }] : [];
      props.bucket.addEventNotification(
        s3.EventType.OBJECT_CREATED,
        new ScopedSqsDestination(this.queue, this.key),
        ...filters,
      );
    } else {
      props.bucket.enableEventBridgeNotification();
      this.rule = this.objectCreatedRule(scope, props);
    }
    this.acknowledgeNagFindings(props.bucket);
  }

  private objectCreatedRule(scope: Construct, props: ForwarderQueuesProps): events.Rule {
    const key = keyPattern(props.prefix, props.suffix);
    const rule = new events.Rule(scope, 'ObjectCreatedRule', {
      description: `s3-to-sentinel ${props.producerName}: Object Created in ${props.bucket.bucketName}`,
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: { bucket: { name: [props.bucket.bucketName] }, ...(key ? { object: { key } } : {}) },
      },
    });
    const names = awsResourceNames(props.producerName);
    rule.addTarget(
      new ScopedSqsRuleTarget({
        queue: this.queue,
        queueArn: queueArnFromName(scope, names.queueName),
        deadLetterQueue: this.deadLetterQueue,
        deadLetterQueueArn: queueArnFromName(scope, names.deadLetterQueueName),
        key: this.key,
      }),
    );
    return rule;
  }

  /** Each finding these resources accept, scoped to the one resource, with its reason. */
  private acknowledgeNagFindings(bucket: s3.IBucket): void {
    // CDK's singleton that writes the bucket's notification configuration (or turns on its
    // EventBridge notifications), in the bucket's stack. Its s3:PutBucketNotification grant is an
    // inline policy of the bucket's, naming the bucket, so only the managed policy is a finding.
    const notificationsHandler = Stack.of(bucket).node.tryFindChild(
      'BucketNotificationsHandler050a0587b7544547bf325f094a3db834',
    );
    if (notificationsHandler) {
      Validations.of(notificationsHandler).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          "CDK's bucket-notifications custom resource handler; the managed policy only lets it write its own logs.",
      });
    }
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'Serverless-SQSRedrivePolicy',
      reason:
        'This queue is the dead-letter queue; its messages are redriven by hand (`s3-to-sentinel redrive`).',
    });
  }
}

/**
 * SQS's range, and longer than the queue's retention: a message keeps its original enqueue time when
 * it moves to the DLQ, so a shorter DLQ retention deletes late failures as soon as they arrive.
 */
function checkDeadLetterRetention(scope: Construct, given: Duration | undefined): void {
  if (given === undefined || Token.isUnresolved(given.toSeconds())) return;
  const seconds = given.toSeconds();
  if (seconds < MIN_RETENTION_SECONDS || seconds > MAX_RETENTION_SECONDS) {
    throw new Error(
      `\`deadLetterRetentionPeriod\` (${seconds} seconds) must be from ${MIN_RETENTION_SECONDS} seconds to 14 days (${MAX_RETENTION_SECONDS} seconds)`,
    );
  }
  if (seconds <= QUEUE_RETENTION_PERIOD.toSeconds()) {
    Annotations.of(scope).addWarningV2(
      's3-to-sentinel:deadLetterRetentionNotAboveQueue',
      `\`deadLetterRetentionPeriod\` (${seconds} seconds) is not longer than the queue's retention ` +
        `(${QUEUE_RETENTION_PERIOD.toSeconds()} seconds): a message keeps its enqueue time when it moves, ` +
        'so one that fails late expires from the dead-letter queue at once',
    );
  }
}

/**
 * A queue's ARN built from its fixed name: the key policy names the queue while the queue names the
 * key, and a `Fn::GetAtt` both ways would be a circular dependency.
 */
function queueArnFromName(scope: Construct, queueName: string): string {
  return Stack.of(scope).formatArn({
    service: 'sqs',
    resource: queueName,
    arnFormat: ArnFormat.NO_RESOURCE_NAME,
  });
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
