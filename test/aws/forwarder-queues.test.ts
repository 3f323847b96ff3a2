import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { ForwarderQueues, type ForwarderQueuesProps } from '../../lib/aws/forwarder-queues';
import { TEST_ENV } from '../support/aws';

/** GIVEN a stack with a TLS-only bucket, WHEN the queues part is added with `overrides`. */
function buildQueues(overrides: Partial<ForwarderQueuesProps> = {}) {
  const app = new App();
  const stack = new Stack(app, 'QueuesStack', { env: TEST_ENV });
  const bucket = new s3.Bucket(stack, 'Bucket', { enforceSSL: true });
  const queues = new ForwarderQueues(stack, {
    producerName: 'app-logs',
    bucket,
    visibilityTimeout: Duration.minutes(30),
    ...overrides,
  });
  return { app, stack, bucket, queues };
}

function synthQueues(overrides: Partial<ForwarderQueuesProps> = {}) {
  const built = buildQueues(overrides);
  return { ...built, template: Template.fromStack(built.stack) };
}

interface Statement {
  Sid?: string;
  Effect: string;
  Principal?: Record<string, unknown>;
  Condition?: Record<string, unknown>;
}

const queuePolicyStatements = (template: Template): Statement[] =>
  Object.values(template.findResources('AWS::SQS::QueuePolicy')).flatMap(
    (p) => p.Properties.PolicyDocument.Statement as Statement[],
  );

const keyPolicyStatements = (template: Template): Statement[] =>
  Object.values(template.findResources('AWS::KMS::Key')).flatMap(
    (k) => k.Properties.KeyPolicy.Statement as Statement[],
  );

describe('ForwarderQueues defaults (one test per documented @default)', () => {
  const { template } = synthQueues();

  test('maxReceiveCount defaults to 5', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 's3-to-sentinel-app-logs',
      RedrivePolicy: { maxReceiveCount: 5, deadLetterTargetArn: Match.anyValue() },
    });
  });

  test('deadLetterRetentionPeriod defaults to 14 days', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 's3-to-sentinel-app-logs-dlq',
      MessageRetentionPeriod: 1209600,
    });
  });

  test('notification defaults to direct: the bucket notifies the queue and there is no rule', () => {
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: {
        QueueConfigurations: [Match.objectLike({ Events: ['s3:ObjectCreated:*'] })],
      },
    });
    template.resourceCountIs('AWS::Events::Rule', 0);
  });

  test('prefix and suffix default to none: every object is announced, without a key filter', () => {
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: {
        QueueConfigurations: [{ Events: ['s3:ObjectCreated:*'], QueueArn: Match.anyValue() }],
      },
    });
  });
});

describe('ForwarderQueues resources', () => {
  const { template, queues } = synthQueues({
    maxReceiveCount: 3,
    deadLetterRetentionPeriod: Duration.days(10),
  });

  test('keeps the ids the forwarder always gave them, so logical ids do not change', () => {
    expect(queues.key.node.id).toBe('QueueKey');
    expect(queues.queue.node.id).toBe('Queue');
    expect(queues.deadLetterQueue.node.id).toBe('DeadLetterQueue');
    expect(queues.key.node.scope).toBe(queues.queue.node.scope);
  });

  test('passes maxReceiveCount, visibilityTimeout and deadLetterRetentionPeriod through', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 's3-to-sentinel-app-logs',
      VisibilityTimeout: 1800,
      RedrivePolicy: Match.objectLike({ maxReceiveCount: 3 }),
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 's3-to-sentinel-app-logs-dlq',
      MessageRetentionPeriod: 864000,
    });
  });

  test('the queue keeps messages 7 days, under the DLQ’s retention, so a moved message still has time', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 's3-to-sentinel-app-logs',
      MessageRetentionPeriod: 604800,
    });
  });

  test('two queues, both encrypted with the one rotating, retained customer-managed key', () => {
    template.resourceCountIs('AWS::SQS::Queue', 2);
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResource('AWS::KMS::Key', {
      Properties: { EnableKeyRotation: true },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/s3-to-sentinel/app-logs/queue' });
    for (const queue of Object.values(template.findResources('AWS::SQS::Queue'))) {
      expect(queue.Properties.KmsMasterKeyId).toEqual({
        'Fn::GetAtt': [expect.stringMatching(/^QueueKey/), 'Arn'],
      });
    }
  });

  test('the DLQ outlives the stack, and so does the key its messages need; the queue does not', () => {
    template.hasResource('AWS::SQS::Queue', {
      Properties: Match.objectLike({ QueueName: 's3-to-sentinel-app-logs-dlq' }),
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    template.hasResource('AWS::SQS::Queue', {
      Properties: Match.objectLike({ QueueName: 's3-to-sentinel-app-logs' }),
      DeletionPolicy: 'Delete',
    });
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain' });
  });

  test('both queues deny requests without TLS', () => {
    const denies = queuePolicyStatements(template).filter(
      (s) =>
        s.Effect === 'Deny' && JSON.stringify(s.Condition) === '{"Bool":{"aws:SecureTransport":"false"}}',
    );
    expect(denies).toHaveLength(2);
  });

  test('the queue and the key admit S3 only from the bucket and account', () => {
    const scoped = {
      ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [expect.stringMatching(/^Bucket/), 'Arn'] } },
      StringEquals: { 'aws:SourceAccount': TEST_ENV.account },
    };
    expect(queuePolicyStatements(template)).toContainEqual(
      expect.objectContaining({ Sid: 'AllowS3Notifications', Condition: scoped }),
    );
    expect(keyPolicyStatements(template)).toContainEqual(
      expect.objectContaining({ Sid: 'AllowS3NotificationsToEncrypt', Condition: scoped }),
    );
  });

  test('no service principal gets the key or the queue without a condition', () => {
    const statements = [...keyPolicyStatements(template), ...queuePolicyStatements(template)].filter(
      (s) => s.Effect === 'Allow' && typeof s.Principal === 'object' && 'Service' in s.Principal,
    );
    expect(statements.length).toBeGreaterThan(0);
    for (const s of statements) expect(s.Condition).toBeDefined();
  });

  test('filters notifications by prefix and suffix', () => {
    const { template: filtered } = synthQueues({ prefix: 'app/', suffix: '.ndjson.gz' });
    filtered.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: {
        QueueConfigurations: [
          Match.objectLike({
            Filter: {
              Key: {
                FilterRules: Match.arrayWith([
                  { Name: 'suffix', Value: '.ndjson.gz' },
                  { Name: 'prefix', Value: 'app/' },
                ]),
              },
            },
          }),
        ],
      },
    });
  });
});

describe('ForwarderQueues in eventbridge mode', () => {
  const { template, queues } = synthQueues({
    notification: 'eventbridge',
    prefix: 'AWSLogs/',
    suffix: '.gz',
  });

  test('turns on the bucket’s EventBridge notifications instead of a queue notification', () => {
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: { EventBridgeConfiguration: {}, QueueConfigurations: Match.absent() },
    });
  });

  test('routes Object Created events of the bucket, prefix and suffix to the queue, failures to the DLQ', () => {
    template.resourceCountIs('AWS::Events::Rule', 1);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: {
          bucket: { name: [{ Ref: Match.stringLikeRegexp('^Bucket') }] },
          object: { key: [{ wildcard: 'AWSLogs/*.gz' }] },
        },
      },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Queue[0-9A-F]'), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DeadLetterQueue'), 'Arn'] } },
        }),
      ],
    });
    expect(queues.rule?.node.id).toBe('ObjectCreatedRule');
  });

  test.each<[string, Partial<ForwarderQueuesProps>, unknown]>([
    ['prefix only', { prefix: 'AWSLogs/' }, [{ prefix: 'AWSLogs/' }]],
    ['suffix only', { suffix: '.gz' }, [{ suffix: '.gz' }]],
    ['a prefix and suffix with a * escaped', { prefix: 'a*b/', suffix: '.gz' }, [{ wildcard: 'a\\*b/*.gz' }]],
  ])('matches the key by %s', (_name, filter, key) => {
    const { template: t } = synthQueues({ notification: 'eventbridge', ...filter });
    t.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ detail: Match.objectLike({ object: { key } }) }),
    });
  });

  test('matches every object of the bucket without a prefix or suffix', () => {
    const { template: t } = synthQueues({ notification: 'eventbridge' });
    t.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ detail: { bucket: Match.anyValue(), object: Match.absent() } }),
    });
  });

  test('the queues admit EventBridge only from this rule', () => {
    const statements = queuePolicyStatements(template).filter((s) =>
      s.Sid?.startsWith('AllowEventBridgeRule'),
    );
    expect(statements).toHaveLength(2);
    for (const s of statements) {
      expect(s.Condition).toEqual({
        ArnEquals: {
          'aws:SourceArn': { 'Fn::GetAtt': [expect.stringMatching(/^ObjectCreatedRule/), 'Arn'] },
        },
      });
    }
  });

  test('the key admits EventBridge only for these two queues, named without a reference cycle', () => {
    const statement = keyPolicyStatements(template).find((s) => s.Sid === 'AllowEventBridgeToEncrypt');
    expect(statement?.Condition).toEqual({
      StringEquals: {
        'kms:EncryptionContext:aws:sqs:arn': [
          {
            'Fn::Join': ['', expect.arrayContaining([':sqs:eu-west-1:123456789012:s3-to-sentinel-app-logs'])],
          },
          {
            'Fn::Join': [
              '',
              expect.arrayContaining([':sqs:eu-west-1:123456789012:s3-to-sentinel-app-logs-dlq']),
            ],
          },
        ],
      },
    });
  });
});

describe('ForwarderQueues deadLetterRetentionPeriod invariant', () => {
  test.each([
    [
      'below 60 seconds',
      Duration.seconds(59),
      '`deadLetterRetentionPeriod` (59 seconds) must be from 60 seconds to 14 days',
    ],
    [
      'above 14 days',
      Duration.days(15),
      '`deadLetterRetentionPeriod` (1296000 seconds) must be from 60 seconds to 14 days',
    ],
  ])('fails if it is %s', (_name, deadLetterRetentionPeriod, message) => {
    expect(() => synthQueues({ deadLetterRetentionPeriod })).toThrow(message);
  });

  test('warns if it is not longer than the queue’s 7 days', () => {
    const { stack } = synthQueues({ deadLetterRetentionPeriod: Duration.days(7) });
    Annotations.fromStack(stack).hasWarning(
      '/QueuesStack',
      Match.stringLikeRegexp(
        "`deadLetterRetentionPeriod` \\(604800 seconds\\) is not longer than the queue's retention",
      ),
    );
  });

  test('does not warn above 7 days', () => {
    const { stack } = synthQueues({ deadLetterRetentionPeriod: Duration.days(8) });
    Annotations.fromStack(stack).hasNoWarning('/QueuesStack', Match.anyValue());
  });
});

describe('ForwarderQueues under cdk-nag', () => {
  /** The packs run when the app synthesizes; a finding nobody acknowledged throws. */
  function synthWithNag(notification: ForwarderQueuesProps['notification'], acknowledgeBucket = true) {
    const { app, bucket } = buildQueues({ notification });
    if (acknowledgeBucket) {
      Validations.of(bucket).acknowledge({ id: 'AwsSolutions-S1', reason: 'A test bucket, not the part.' });
    }
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
    return () => app.synth();
  }

  test.each([['direct' as const], ['eventbridge' as const]])(
    'has no unacknowledged AwsSolutions or Serverless finding in %s mode',
    (notification) => {
      expect(synthWithNag(notification)).not.toThrow();
    },
  );

  test('the packs really run: the test bucket’s own finding fails synthesis', () => {
    expect(synthWithNag('direct', false)).toThrow(/AwsSolutions-S1/);
  });
});
