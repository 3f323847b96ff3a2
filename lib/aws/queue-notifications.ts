import { Stack } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/**
 * S3 → SQS destination that scopes both the queue policy and the key policy to the one bucket.
 * CDK's own `SqsDestination` adds the key-policy statement for s3.amazonaws.com without any
 * condition, which lets any bucket's notifications use the key.
 */
export class ScopedSqsDestination implements s3.IBucketNotificationDestination {
  constructor(
    private readonly queue: sqs.IQueue,
    private readonly key: kms.IKey,
  ) {}

  public bind(_scope: Construct, bucket: s3.IBucket): s3.BucketNotificationDestinationConfig {
    const account = Stack.of(this.queue).account;
    this.queue.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowS3Notifications',
        principals: [new iam.ServicePrincipal('s3.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [this.queue.queueArn],
        conditions: {
          ArnLike: { 'aws:SourceArn': bucket.bucketArn },
          StringEquals: { 'aws:SourceAccount': account },
        },
      }),
    );
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowS3NotificationsToEncrypt',
        principals: [new iam.ServicePrincipal('s3.amazonaws.com')],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        conditions: {
          ArnLike: { 'aws:SourceArn': bucket.bucketArn },
          StringEquals: { 'aws:SourceAccount': account },
        },
      }),
    );
    return {
      arn: this.queue.queueArn,
      type: s3.BucketNotificationDestinationType.QUEUE,
      dependencies: [this.queue],
    };
  }
}

export interface ScopedSqsRuleTargetProps {
  readonly queue: sqs.IQueue;
  /** The queue's ARN without a reference to the queue (see `queueArnFromName`). */
  readonly queueArn: string;
  /** Receives events EventBridge could not deliver to `queue` after its retries. */
  readonly deadLetterQueue: sqs.IQueue;
  readonly deadLetterQueueArn: string;
  /** The key both queues are encrypted with. */
  readonly key: kms.IKey;
}

/**
 * EventBridge rule → SQS target whose queue policies admit only this rule (`aws:SourceArn`). CDK's
 * `targets.SqsQueue` drops that condition for KMS-encrypted queues and grants nothing on the key.
 */
export class ScopedSqsRuleTarget implements events.IRuleTarget {
  constructor(private readonly props: ScopedSqsRuleTargetProps) {}

  public bind(rule: events.IRule): events.RuleTargetConfig {
    const { queue, deadLetterQueue, key } = this.props;
    for (const [sid, target] of [
      ['AllowEventBridgeRule', queue],
      ['AllowEventBridgeRuleDeadLetters', deadLetterQueue],
    ] as const) {
      target.addToResourcePolicy(
        new iam.PolicyStatement({
          sid,
          principals: [new iam.ServicePrincipal('events.amazonaws.com')],
          actions: ['sqs:SendMessage'],
          resources: [target.queueArn],
          conditions: { ArnEquals: { 'aws:SourceArn': rule.ruleArn } },
        }),
      );
    }
    // EventBridge does not pass aws:SourceArn to KMS for encrypted targets (the SNS guide says so
    // for topics; SQS behaves alike), so the key statement is scoped by SQS's encryption context to
    // these two queues instead.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowEventBridgeToEncrypt',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        conditions: {
          StringEquals: {
            'kms:EncryptionContext:aws:sqs:arn': [this.props.queueArn, this.props.deadLetterQueueArn],
          },
        },
      }),
    );
    return {
      arn: queue.queueArn,
      targetResource: queue,
      deadLetterConfig: { arn: deadLetterQueue.queueArn },
      retryPolicy: { maximumEventAgeInSeconds: 86400, maximumRetryAttempts: 185 },
    };
  }
}
