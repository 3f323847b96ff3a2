import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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

  test('prefix and suffix default to none: every object is announced and readable', () => {
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: {
        QueueConfigurations: [Match.not(Match.objectLike({ Filter: Match.anyValue() }))],
      },
    });
    expect(policyStatements(template).find((st) => st.Sid === 'ReadProducerObjects')?.Resource).toEqual({
      'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^Bucket/), 'Arn'] }, '/*']],
    });
  });

  test('bucketEncryptionKey defaults to the bucket’s key: none for an SSE-S3 bucket', () => {
    expect(policyStatements(template).map((st) => st.Sid)).not.toContain('DecryptProducerObjects');
  });

  test('secretWriters defaults to the account, through IAM: it may encrypt the secret through SSM, not decrypt', () => {
    const writers = secretKeyStatements(template).find(
      (st) => st.Sid === 'WritersEncryptTheSecretThroughSsm',
    );
    expect(writers).toMatchObject({
      Principal: {
        AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::123456789012:root']] },
      },
      Action: ['kms:Encrypt', 'kms:GenerateDataKey'],
    });
  });

  test('routes and formatOptions default to none: FORMAT_ROUTES and FORMAT_OPTIONS are not set', () => {
    const [fn] = Object.values(template.findResources('AWS::Lambda::Function'));
    const variables = fn.Properties.Environment.Variables as Record<string, unknown>;
    expect(variables).not.toHaveProperty(ENV.formatRoutes);
    expect(variables).not.toHaveProperty(ENV.formatOptions);
  });

  test('descriptionSuffix defaults to none', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: { 'Fn::Join': ['', Match.arrayWith(['/* (ndjson) to Custom-AppLogs'])] },
    });
  });
});

/** Every prop documented with a default above; the guard below keeps this list complete. */
const DEFAULTS_TESTED = [
  'bucketEncryptionKey',
  'prefix',
  'suffix',
  'notification',
  'authMode',
  'timeout',
  'memorySize',
  'batchSize',
  'maxBatchingWindow',
  'maxConcurrency',
  'visibilityTimeout',
  'maxReceiveCount',
  'deadLetterRetentionPeriod',
  'logRetention',
  'oldestMessageAgeThreshold',
  'alarmEmail',
  'alarmTopic',
  'secretParameterName',
  'secretWriters',
  'code',
  'descriptionSuffix',
  'routes',
  'formatOptions',
];

test('every prop documented with a @default has a test above (docs and code cannot drift)', () => {
  const source = readFileSync(join(__dirname, '../../lib/aws/s3-to-sentinel-forwarder.ts'), 'utf8');
  const props = source.slice(source.indexOf('export interface S3ToSentinelForwarderProps'));
  const documented = [...props.matchAll(/@default[^]*?\*\/\s*readonly (\w+)\?/g)].map((m) => m[1]);
  expect(documented.sort()).toEqual([...DEFAULTS_TESTED].sort());
});

describe('S3ToSentinelForwarder composition', () => {
  const { template, forwarder } = synthForwarder({
    notification: 'eventbridge',
    alarmEmail: 'soc@example.com',
  });

  test('keeps every logical id it had before it was composed of parts (a new id replaces the resource)', () => {
    expect(
      Object.keys(template.toJSON().Resources)
        .filter((id) => id.startsWith('Forwarder'))
        .sort(),
    ).toEqual(
      [
        'ForwarderQueueKey4FB10C05',
        'ForwarderQueueKeyAlias476B2704',
        'ForwarderDeadLetterQueue10393842',
        'ForwarderDeadLetterQueuePolicy0E4D4AB9',
        // New with deferral past outages: an added alarm, no id changed.
        'ForwarderDeferredMessageAgeAlarm693D5F1D',
        'ForwarderQueue44418DB5',
        'ForwarderQueuePolicy1C9C8803',
        'ForwarderObjectCreatedRule4EFC5211',
        'ForwarderSecretKey4FE23B5D',
        'ForwarderSecretKeyAliasFDD6300B',
        'ForwarderLogGroup91AB72B6',
        'ForwarderRoleDD76EF76',
        'ForwarderRoleDefaultPolicy29B080A0',
        'ForwarderFunctionB3355642',
        'ForwarderFunctionSqsEventSourceTestStackForwarderQueueBADA4878064EB661',
        'ForwarderAlarmTopicKey8D613A68',
        'ForwarderAlarmTopic74C76DAE',
        'ForwarderAlarmTopicPolicyBED1617A',
        'ForwarderAlarmTopicsocexamplecom29D802DC',
        'ForwarderDeadLetterQueueAlarm157100F7',
        'ForwarderOldestMessageAgeAlarm74BB5FA2',
        'ForwarderErrorsAlarmEF83E696',
        'ForwarderThrottlesAlarm5FA6B41B',
        'ForwarderOversizedRecordsAlarmEB6C6D3D',
        'ForwarderMalformedLinesAlarmF9F838E3',
        'ForwarderRecordsFailedAlarm76AAB624',
        'ForwarderDashboard98F0E1B3',
      ].sort(),
    );
  });

  test('the parts share one queue key, and the function consumes the parts’ queues', () => {
    template.resourceCountIs('AWS::SQS::Queue', 2);
    for (const queue of Object.values(template.findResources('AWS::SQS::Queue'))) {
      expect(queue.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': ['ForwarderQueueKey4FB10C05', 'Arn'] });
    }
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': ['ForwarderQueue44418DB5', 'Arn'] },
      FunctionName: { Ref: 'ForwarderFunctionB3355642' },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 's3-to-sentinel-app-logs-function-errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: 'ForwarderFunctionB3355642' } }],
    });
  });

  test('exposes the parts’ resources as public fields', () => {
    expect(forwarder.queue.node.path).toBe('TestStack/Forwarder/Queue');
    expect(forwarder.queueKey.node.path).toBe('TestStack/Forwarder/QueueKey');
    expect(forwarder.function.runtime).toBe(lambda.Runtime.NODEJS_22_X);
    expect(forwarder.secretParameterName).toBe('/s3-to-sentinel/app-logs/client-secret');
    expect(forwarder.rule?.node.path).toBe('TestStack/Forwarder/ObjectCreatedRule');
    expect(forwarder.alarmTopic).toBeDefined();
    expect(forwarder.dashboard.node.path).toBe('TestStack/Forwarder/Dashboard');
  });

  test('no service principal gets any key or queue without a condition, across the parts', () => {
    const statements = [...keyPolicyStatements(template), ...queuePolicyStatements(template)].filter(
      (st) => st.Effect === 'Allow' && typeof st.Principal === 'object' && 'Service' in st.Principal,
    );
    expect(statements.length).toBeGreaterThanOrEqual(3);
    for (const st of statements) expect(st.Condition).toBeDefined();
  });

  test('metric helpers name the forwarder’s metrics with its dimensions, defaults first', () => {
    expect(forwarder.metricRecordsDelivered()).toMatchObject({
      namespace: METRICS_NAMESPACE,
      metricName: METRIC.recordsDelivered,
      dimensions: { service: 's3-to-sentinel', Producer: 'app-logs' },
      statistic: 'Sum',
    });
    expect(forwarder.metric(METRIC.bytesDelivered, { statistic: 'Average' })).toMatchObject({
      metricName: METRIC.bytesDelivered,
      statistic: 'Average',
    });
    expect(forwarder.metricIngestionLag().statistic).toBe('p99');
    expect(forwarder.metricFailures('permanent').dimensions).toMatchObject({ FailureClass: 'permanent' });
    expect(forwarder.metricOldestMessageAge().metricName).toBe('ApproximateAgeOfOldestMessage');
    expect(forwarder.metricDeadLetterQueueMessages().metricName).toBe('ApproximateNumberOfMessagesVisible');
  });
});

describe('S3ToSentinelForwarder on an existing SSE-KMS bucket', () => {
  const { template } = synthForwarder({ prefix: 'AWSLogs/' }, existingBucket);

  test('decrypts objects with the bucket key through S3 only and reads s3://org-logs/AWSLogs/* only', () => {
    expect(policyStatements(template)).toContainEqual(
      expect.objectContaining({
        Sid: 'DecryptProducerObjects',
        Action: 'kms:Decrypt',
        Resource: BUCKET_KEY_ARN,
        Condition: { StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } },
      }),
    );
    expect(policyStatements(template).find((s) => s.Sid === 'ReadProducerObjects')?.Resource).toEqual({
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

describe('S3ToSentinelForwarder alarm topic', () => {
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
    expect(alarms).toHaveLength(8);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^SocTopic/) }]);
    }
  });

  test('alarmEmail creates an encrypted topic every alarm notifies', () => {
    const { template } = synthForwarder({ alarmEmail: 'soc@example.com' });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'soc@example.com',
    });
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: 'ForwarderAlarmTopic74C76DAE' }]);
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

  test('passes notification filters, DLQ settings, the alarm threshold and the description suffix through', () => {
    const { template } = synthForwarder({
      prefix: 'app/',
      suffix: '.gz',
      maxReceiveCount: 3,
      deadLetterRetentionPeriod: Duration.days(10),
      oldestMessageAgeThreshold: Duration.minutes(15),
      secretParameterName: '/custom/secret',
      descriptionSuffix: '[PLACEHOLDER]',
    });
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: {
        QueueConfigurations: [
          Match.objectLike({
            Filter: {
              Key: {
                FilterRules: Match.arrayWith([
                  { Name: 'suffix', Value: '.gz' },
                  { Name: 'prefix', Value: 'app/' },
                ]),
              },
            },
          }),
        ],
      },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 's3-to-sentinel-app-logs',
      RedrivePolicy: Match.objectLike({ maxReceiveCount: 3 }),
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 's3-to-sentinel-app-logs-dlq',
      MessageRetentionPeriod: 864000,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 's3-to-sentinel-app-logs-queue-oldest-message-age',
      Threshold: 900,
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: { 'Fn::Join': ['', Match.arrayWith(['/app/* (ndjson) to Custom-AppLogs [PLACEHOLDER]'])] },
      Environment: { Variables: Match.objectLike({ [ENV.clientSecretParameter]: '/custom/secret' }) },
    });
  });

  test('code replaces the bundled forwarder', () => {
    const { template } = synthForwarder({
      code: lambda.Code.fromInline('exports.handler = async () => ({});'),
    });
    template.hasResourceProperties('AWS::Lambda::Function', { Code: { ZipFile: Match.anyValue() } });
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
      '`maxReceiveCount` (0) must be a whole number from 1 to 18',
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

function secretKeyStatements(template: ReturnType<typeof synthForwarder>['template']): Statement[] {
  return Object.entries(template.findResources('AWS::KMS::Key'))
    .filter(([id]) => id.startsWith('ForwarderSecretKey'))
    .flatMap(([, k]) => k.Properties.KeyPolicy.Statement as Statement[]);
}
