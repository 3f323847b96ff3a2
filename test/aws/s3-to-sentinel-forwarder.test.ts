import { App, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { ENV, S3ToSentinelForwarder } from '../../lib';
import { METRIC, METRICS_NAMESPACE } from '../../lambda/contract/metric-names';
import { TEST_DESTINATION, TEST_ENV, synthForwarder } from '../support/aws';

const BUCKET_KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const PARAMETER_ARN = {
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':ssm:eu-west-1:123456789012:parameter/s3-to-sentinel/app-logs/client-secret',
    ],
  ],
};
const existingBucket = (stack: Stack) =>
  s3.Bucket.fromBucketAttributes(stack, 'Existing', {
    bucketName: 'org-logs',
    encryptionKey: kms.Key.fromKeyArn(stack, 'ExistingKey', BUCKET_KEY_ARN),
  });

describe('S3ToSentinelForwarder defaults (one test per documented @default)', () => {
  const { template } = synthForwarder();

  test('timeout defaults to 5 minutes and memorySize to 1024 MB', () => {
    template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 300, MemorySize: 1024 });
  });

  test('visibilityTimeout defaults to six times the function timeout', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 's3-to-sentinel-app-logs',
      VisibilityTimeout: 1800,
    });
  });

  test('maxReceiveCount defaults to 5', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 's3-to-sentinel-app-logs',
      RedrivePolicy: { maxReceiveCount: 5, deadLetterTargetArn: Match.anyValue() },
    });
  });

  test('the source queue keeps messages 7 days, under the DLQ’s 14, so a moved message keeps a week', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 's3-to-sentinel-app-logs',
      MessageRetentionPeriod: 604800,
    });
  });

  test('deadLetterRetentionPeriod defaults to 14 days', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 's3-to-sentinel-app-logs-dlq',
      MessageRetentionPeriod: 1209600,
    });
  });

  test('batchSize defaults to 10, maxConcurrency to 10 and there is no batching window', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 10,
      ScalingConfig: { MaximumConcurrency: 10 },
      MaximumBatchingWindowInSeconds: Match.absent(),
    });
  });

  test('notification defaults to direct: the bucket notifies the queue for ObjectCreated:*', () => {
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: {
        QueueConfigurations: [{ Events: ['s3:ObjectCreated:*'], QueueArn: Match.anyValue() }],
      },
    });
    template.resourceCountIs('AWS::Events::Rule', 0);
  });

  test('logRetention defaults to three months', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: '/aws/lambda/s3-to-sentinel-app-logs',
      RetentionInDays: 90,
    });
  });

  test('oldestMessageAgeThreshold defaults to 5 minutes', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 's3-to-sentinel-app-logs-queue-oldest-message-age',
      Threshold: 300,
    });
  });

  test('authMode defaults to secret and secretParameterName to /s3-to-sentinel/<producer>/client-secret', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          [ENV.authMode]: 'secret',
          [ENV.clientSecretParameter]: '/s3-to-sentinel/app-logs/client-secret',
        }),
      },
    });
  });

  test('no alarm topic by default: alarms have no actions', () => {
    template.resourceCountIs('AWS::SNS::Topic', 0);
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.AlarmActions).toBeUndefined();
    }
  });

  test('code defaults to the prebundled forwarder asset', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Code: { S3Bucket: Match.anyValue(), S3Key: Match.stringLikeRegexp('^[0-9a-f]{64}\\.zip$') },
    });
  });
});

describe('S3ToSentinelForwarder function', () => {
  const { template, forwarder } = synthForwarder({ prefix: 'app/', suffix: '.ndjson.gz' });

  test('runs Node.js 22 on arm64 with JSON logs and tracing', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 's3-to-sentinel-app-logs',
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      LoggingConfig: { LogFormat: 'JSON', LogGroup: Match.anyValue() },
      TracingConfig: { Mode: 'Active' },
    });
  });

  test('gets the Azure coordinates as environment variables', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          [ENV.producerName]: 'app-logs',
          [ENV.format]: 'ndjson',
          [ENV.tenantId]: TEST_DESTINATION.tenantId,
          [ENV.clientId]: TEST_DESTINATION.clientId,
          [ENV.logsIngestionEndpoint]: TEST_DESTINATION.logsIngestionEndpoint,
          [ENV.dcrImmutableId]: TEST_DESTINATION.dcrImmutableId,
          [ENV.streamName]: TEST_DESTINATION.streamName,
        }),
      },
    });
  });

  test('knows both queues, and may send failures to the DLQ and continuations to the queue', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          [ENV.queueUrl]: { Ref: Match.stringLikeRegexp('^ForwarderQueue[0-9A-F]') },
          [ENV.deadLetterQueueUrl]: { Ref: Match.stringLikeRegexp('^ForwarderDeadLetterQueue') },
        }),
      },
    });
    const statements = policyStatements(template);
    expect(statements).toContainEqual(
      expect.objectContaining({
        Sid: 'SendFailuresAndContinuations',
        Action: 'sqs:SendMessage',
        Resource: [
          { 'Fn::GetAtt': [expect.stringMatching(/^ForwarderDeadLetterQueue/), 'Arn'] },
          { 'Fn::GetAtt': [expect.stringMatching(/^ForwarderQueue[0-9A-F]/), 'Arn'] },
        ],
      }),
    );
    expect(statements).toContainEqual(
      expect.objectContaining({
        Sid: 'EncryptQueueMessages',
        Action: 'kms:GenerateDataKey',
        Condition: { StringEquals: { 'kms:ViaService': 'sqs.eu-west-1.amazonaws.com' } },
      }),
    );
    const sends = statements.filter((s) => [s.Action].flat().includes('sqs:SendMessage'));
    expect(sends).toHaveLength(1);
  });

  test('reports batch item failures (the handler returns failed message ids only)', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  test('filters notifications by prefix and suffix', () => {
    template.hasResourceProperties('Custom::S3BucketNotifications', {
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

  test('role has no AWS managed policies and writes only to its own log group', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 's3-to-sentinel-app-logs-forwarder',
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })],
      }),
      ManagedPolicyArns: Match.absent(),
    });
    expect(policyStatements(template)).toContainEqual(
      expect.objectContaining({
        Sid: 'WriteOwnLogs',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^ForwarderLogGroup/), 'Arn'] },
      }),
    );
  });

  test('reads only objects under the prefix', () => {
    const read = policyStatements(template).find((s) => s.Sid === 'ReadProducerObjects');
    expect(read).toMatchObject({ Action: ['s3:GetObject', 's3:GetObjectVersion'], Effect: 'Allow' });
    expect(JSON.stringify(read?.Resource)).toMatch(/"\/app\/\*"/);
    const actions = policyStatements(template).flatMap((s) => [s.Action].flat());
    expect(actions).not.toContain('s3:ListBucket');
    expect(actions.filter((a) => a.startsWith('s3:'))).toEqual(['s3:GetObject', 's3:GetObjectVersion']);
  });

  test('reads only its own SSM parameter', () => {
    expect(policyStatements(template)).toContainEqual(
      expect.objectContaining({
        Sid: 'ReadClientSecret',
        Action: 'ssm:GetParameter',
        Resource: PARAMETER_ARN,
      }),
    );
  });

  test('decrypts the secret only through SSM and only for that parameter', () => {
    const decrypt = policyStatements(template).find((s) => s.Sid === 'DecryptClientSecret');
    expect(decrypt).toMatchObject({
      Action: 'kms:Decrypt',
      Resource: { 'Fn::GetAtt': [expect.stringMatching(/^ForwarderSecretKey/), 'Arn'] },
      Condition: {
        StringEquals: {
          'kms:EncryptionContext:PARAMETER_ARN': PARAMETER_ARN,
          'kms:ViaService': 'ssm.eu-west-1.amazonaws.com',
        },
      },
    });
  });

  test('exposes its resources as public fields', () => {
    expect(forwarder.function.runtime).toBe(lambda.Runtime.NODEJS_22_X);
    expect(forwarder.secretParameterName).toBe('/s3-to-sentinel/app-logs/client-secret');
    expect(forwarder.rule).toBeUndefined();
  });
});

describe('S3ToSentinelForwarder queues and keys', () => {
  const { template } = synthForwarder();

  test('both queues are encrypted with the customer-managed queue key', () => {
    const queues = template.findResources('AWS::SQS::Queue');
    expect(Object.keys(queues)).toHaveLength(2);
    for (const queue of Object.values(queues)) {
      expect(queue.Properties.KmsMasterKeyId).toEqual({
        'Fn::GetAtt': [expect.stringMatching(/^ForwarderQueueKey/), 'Arn'],
      });
    }
  });

  test('both queues deny requests without TLS', () => {
    const policies = Object.values(template.findResources('AWS::SQS::QueuePolicy'));
    const denies = policies.flatMap((p) =>
      p.Properties.PolicyDocument.Statement.filter(
        (s: Statement) =>
          s.Effect === 'Deny' && JSON.stringify(s.Condition) === '{"Bool":{"aws:SecureTransport":"false"}}',
      ),
    );
    expect(denies).toHaveLength(2);
  });

  test('both keys rotate', () => {
    const keys = Object.values(template.findResources('AWS::KMS::Key'));
    expect(keys).toHaveLength(2);
    for (const key of keys) expect(key.Properties.EnableKeyRotation).toBe(true);
  });

  test('the secret key has the alias the CLI writes with', () => {
    template.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/s3-to-sentinel/app-logs' });
  });

  test('the queue admits S3 only from the producer bucket and account', () => {
    expect(queuePolicyStatements(template)).toContainEqual(
      expect.objectContaining({
        Sid: 'AllowS3Notifications',
        Principal: { Service: 's3.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Condition: {
          ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [expect.stringMatching(/^Bucket/), 'Arn'] } },
          StringEquals: { 'aws:SourceAccount': TEST_ENV.account },
        },
      }),
    );
  });

  test('the queue key admits S3 only with an aws:SourceArn condition on the bucket', () => {
    expect(keyPolicyStatements(template)).toContainEqual(
      expect.objectContaining({
        Sid: 'AllowS3NotificationsToEncrypt',
        Principal: { Service: 's3.amazonaws.com' },
        Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        Condition: {
          ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [expect.stringMatching(/^Bucket/), 'Arn'] } },
          StringEquals: { 'aws:SourceAccount': TEST_ENV.account },
        },
      }),
    );
  });

  test('no service principal gets the key or the queue without a condition', () => {
    const serviceStatements = [...keyPolicyStatements(template), ...queuePolicyStatements(template)].filter(
      (s) => s.Effect === 'Allow' && typeof s.Principal === 'object' && 'Service' in s.Principal,
    );
    expect(serviceStatements.length).toBeGreaterThan(0);
    for (const s of serviceStatements) expect(s.Condition).toBeDefined();
  });
});

describe('S3ToSentinelForwarder in eventbridge mode', () => {
  const { template, forwarder } = synthForwarder({
    notification: 'eventbridge',
    prefix: 'AWSLogs/',
    suffix: '.gz',
  });

  test('turns on the bucket EventBridge notifications instead of a queue notification', () => {
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: { EventBridgeConfiguration: {} },
    });
    const notifications = template.findResources('Custom::S3BucketNotifications');
    for (const n of Object.values(notifications)) {
      expect(n.Properties.NotificationConfiguration.QueueConfigurations).toBeUndefined();
    }
  });

  test('routes Object Created events of the bucket, prefix and suffix to the queue, failures to the DLQ', () => {
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
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ForwarderQueue[0-9A-F]'), 'Arn'] },
          DeadLetterConfig: {
            Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ForwarderDeadLetterQueue'), 'Arn'] },
          },
        }),
      ],
    });
    expect(forwarder.rule).toBeDefined();
  });

  test('the queues admit EventBridge only from this rule', () => {
    const statements = queuePolicyStatements(template).filter((s) =>
      s.Sid?.startsWith('AllowEventBridgeRule'),
    );
    expect(statements).toHaveLength(2);
    for (const s of statements) {
      expect(s.Condition).toEqual({
        ArnEquals: {
          'aws:SourceArn': { 'Fn::GetAtt': [expect.stringMatching(/^ForwarderObjectCreatedRule/), 'Arn'] },
        },
      });
    }
  });

  test('the queue key admits EventBridge only for these two queues', () => {
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

describe('S3ToSentinelForwarder on an existing SSE-KMS bucket', () => {
  const { template } = synthForwarder({ prefix: 'AWSLogs/' }, existingBucket);

  test('decrypts objects with the bucket key through S3 only', () => {
    expect(policyStatements(template)).toContainEqual(
      expect.objectContaining({
        Sid: 'DecryptProducerObjects',
        Action: 'kms:Decrypt',
        Resource: BUCKET_KEY_ARN,
        Condition: { StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } },
      }),
    );
  });

  test('reads s3://org-logs/AWSLogs/* only', () => {
    const read = policyStatements(template).find((s) => s.Sid === 'ReadProducerObjects');
    expect(read?.Resource).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::org-logs/AWSLogs/*']],
    });
  });

  test('writes the notification onto the imported bucket without replacing others (Managed: false)', () => {
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: 'org-logs',
      Managed: false,
    });
  });
});

describe('S3ToSentinelForwarder alarms', () => {
  const { template } = synthForwarder({ alarmEmail: 'soc@example.com' });

  test.each([
    ['s3-to-sentinel-app-logs-dlq-messages', 'ApproximateNumberOfMessagesVisible', 0],
    ['s3-to-sentinel-app-logs-queue-oldest-message-age', 'ApproximateAgeOfOldestMessage', 300],
    ['s3-to-sentinel-app-logs-function-errors', 'Errors', 0],
    ['s3-to-sentinel-app-logs-function-throttles', 'Throttles', 0],
  ])('%s alarms on %s above %d, treating missing data as not breaching', (name, metric, threshold) => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: name,
      MetricName: metric,
      Threshold: threshold,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^ForwarderAlarmTopic') }],
    });
  });

  test('the email topic is encrypted, TLS-only and subscribed', () => {
    template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ForwarderAlarmTopicKey'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'soc@example.com',
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  test('CloudWatch gets its own key for the topic, scoped to the account, never the queue key', () => {
    const statements = keyPolicyStatements(template).filter(
      (st) => JSON.stringify(st.Principal) === '{"Service":"cloudwatch.amazonaws.com"}',
    );
    expect(statements).toEqual([
      expect.objectContaining({
        Sid: 'AllowCloudWatchAlarmsToEncrypt',
        Condition: { StringEquals: { 'aws:SourceAccount': TEST_ENV.account } },
      }),
    ]);
    const keys = template.findResources('AWS::KMS::Key');
    const queueKeyId = Object.keys(keys).find((id) => id.startsWith('ForwarderQueueKey'))!;
    expect(JSON.stringify(keys[queueKeyId].Properties.KeyPolicy)).not.toContain('cloudwatch.amazonaws.com');
  });

  test('no service principal gets any key or queue without a condition, alarm topic included', () => {
    const statements = [...keyPolicyStatements(template), ...queuePolicyStatements(template)].filter(
      (st) => st.Effect === 'Allow' && typeof st.Principal === 'object' && 'Service' in st.Principal,
    );
    expect(statements.length).toBeGreaterThanOrEqual(3);
    for (const st of statements) expect(st.Condition).toBeDefined();
  });

  test('a dashboard per producer that plots the metrics the forwarder emits', () => {
    const dashboard = Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0];
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const name of [
      METRIC.recordsDelivered,
      METRIC.malformedLines,
      METRIC.recordsFailed,
      METRIC.ingestionLag,
    ]) {
      expect(body).toContain(`\\"${METRICS_NAMESPACE}\\",\\"${name}\\"`);
    }
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', {
      DashboardName: 's3-to-sentinel-app-logs',
    });
  });

  test('an existing alarm topic receives every alarm and no topic is created', () => {
    const app = new App();
    const stack = new Stack(app, 'TopicStack', { env: TEST_ENV });
    const topic = new sns.Topic(stack, 'SocTopic');
    new S3ToSentinelForwarder(stack, 'Forwarder', {
      producerName: 'app-logs',
      format: 'ndjson',
      bucket: new s3.Bucket(stack, 'Bucket'),
      destination: TEST_DESTINATION,
      alarmTopic: topic,
    });
    const withTopic = Template.fromStack(stack);
    withTopic.resourceCountIs('AWS::SNS::Topic', 1);
    const alarms = Object.values(withTopic.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(4);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^SocTopic/) }]);
    }
  });
});

describe('S3ToSentinelForwarder tuning', () => {
  test('passes batch size, batching window, concurrency and memory through', () => {
    const { template } = synthForwarder({
      batchSize: 50,
      maxBatchingWindow: Duration.seconds(5),
      maxConcurrency: 20,
      memorySize: 2048,
      timeout: Duration.minutes(2),
      logRetention: logs.RetentionDays.ONE_YEAR,
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 50,
      MaximumBatchingWindowInSeconds: 5,
      ScalingConfig: { MaximumConcurrency: 20 },
    });
    template.hasResourceProperties('AWS::Lambda::Function', { MemorySize: 2048, Timeout: 120 });
    template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 's3-to-sentinel-app-logs',
      VisibilityTimeout: 720,
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
  });

  test('federated mode mints only Entra-audience tokens of at most 5 minutes and reads no secret', () => {
    const { template } = synthForwarder({ authMode: 'federated' });
    const statements = policyStatements(template);
    expect(statements).toContainEqual(
      expect.objectContaining({
        Sid: 'MintEntraAssertion',
        Action: 'sts:GetWebIdentityToken',
        Condition: {
          'ForAllValues:StringEquals': { 'sts:IdentityTokenAudience': 'api://AzureADTokenExchange' },
          NumericLessThanEquals: { 'sts:DurationSeconds': 300 },
        },
      }),
    );
    const sids = statements.map((s) => s.Sid);
    expect(sids).not.toContain('ReadClientSecret');
    expect(sids).not.toContain('DecryptClientSecret');
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ [ENV.authMode]: 'federated' }) },
    });
  });

  test('secret mode cannot mint web identity tokens', () => {
    const { template } = synthForwarder();
    expect(policyStatements(template).map((s) => s.Action)).not.toContain('sts:GetWebIdentityToken');
  });
});

describe('S3ToSentinelForwarder visibility timeout invariant', () => {
  test('fails if visibilityTimeout is not greater than the function timeout', () => {
    expect(() =>
      synthForwarder({ timeout: Duration.minutes(5), visibilityTimeout: Duration.minutes(5) }),
    ).toThrow('`visibilityTimeout` (300 seconds) must be greater than the function `timeout` (300 seconds)');
  });

  test('warns if visibilityTimeout is below six times the function timeout', () => {
    const { stack } = synthForwarder({
      timeout: Duration.minutes(1),
      visibilityTimeout: Duration.minutes(2),
    });
    Annotations.fromStack(stack).hasWarning(
      '/TestStack/Forwarder',
      Match.stringLikeRegexp('`visibilityTimeout` \\(120 seconds\\) is less than 6 × the function `timeout`'),
    );
  });

  test('does not warn at six times the function timeout', () => {
    const { stack } = synthForwarder({
      timeout: Duration.minutes(1),
      visibilityTimeout: Duration.minutes(6),
    });
    Annotations.fromStack(stack).hasNoWarning('/TestStack/Forwarder', Match.anyValue());
  });
});

describe('S3ToSentinelForwarder prop validation', () => {
  test.each<[string, Parameters<typeof synthForwarder>[0], string]>([
    [
      'memorySize is out of range',
      { memorySize: 64 },
      '`memorySize` (64) must be a whole number from 128 to 10240',
    ],
    [
      'timeout is over 15 minutes',
      { timeout: Duration.minutes(16) },
      '`timeout` (960) must be a whole number from 30 to 900',
    ],
    [
      'maxConcurrency is below 2',
      { maxConcurrency: 1 },
      '`maxConcurrency` (1) must be a whole number from 2 to 1000',
    ],
    [
      'maxReceiveCount is 0',
      { maxReceiveCount: 0 },
      '`maxReceiveCount` (0) must be a whole number from 1 to 1000',
    ],
    [
      'batchSize is above 10 without a batching window',
      { batchSize: 100 },
      '`batchSize` (100) above 10 needs a `maxBatchingWindow` of at least 1 second',
    ],
    [
      'both alarmEmail and alarmTopic are given',
      { alarmEmail: 'a@example.com', alarmTopic: {} as sns.ITopic },
      'give `alarmEmail` or `alarmTopic`, not both',
    ],
    [
      'producerName has upper case',
      { producerName: 'AppLogs' },
      '`producerName` ("AppLogs") must be 1–32 lower-case',
    ],
  ])('fails if %s', (_name, overrides, message) => {
    expect(() => synthForwarder(overrides)).toThrow(message);
  });
});

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  Principal?: Record<string, unknown>;
  Condition?: Record<string, unknown>;
}

/** The statements of the forwarder role's policies (not CDK's notification handler's). */
function policyStatements(template: ReturnType<typeof synthForwarder>['template']): Statement[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref.startsWith('ForwarderRole')))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

function queuePolicyStatements(template: ReturnType<typeof synthForwarder>['template']): Statement[] {
  return Object.values(template.findResources('AWS::SQS::QueuePolicy')).flatMap(
    (p) => p.Properties.PolicyDocument.Statement as Statement[],
  );
}

function keyPolicyStatements(template: ReturnType<typeof synthForwarder>['template']): Statement[] {
  return Object.values(template.findResources('AWS::KMS::Key')).flatMap(
    (k) => k.Properties.KeyPolicy.Statement as Statement[],
  );
}
