import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { ENV } from '../../lambda/contract/environment';
import { ForwarderFunction, type ForwarderFunctionProps } from '../../lib/aws/forwarder-function';
import { OptInChecks } from '../../lib/aws/opt-in-checks';
import { TEST_DESTINATION, TEST_ENV } from '../support/aws';

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

type Overrides = Partial<Omit<ForwarderFunctionProps, 'queue' | 'deadLetterQueue' | 'queueKey'>>;

/**
 * GIVEN a stack with a bucket and an encrypted queue with a DLQ (what `ForwarderQueues` gives),
 * WHEN the function part is added with `overrides`.
 */
function buildFunction(overrides: Overrides = {}, bucket?: (stack: Stack) => s3.IBucket) {
  const app = new App();
  const stack = new Stack(app, 'FunctionStack', { env: TEST_ENV });
  const queueKey = new kms.Key(stack, 'QueueKey', { enableKeyRotation: true });
  const deadLetterQueue = new sqs.Queue(stack, 'DeadLetterQueue', {
    encryptionMasterKey: queueKey,
    enforceSSL: true,
  });
  const queue = new sqs.Queue(stack, 'Queue', {
    encryptionMasterKey: queueKey,
    enforceSSL: true,
    visibilityTimeout: Duration.minutes(30),
    deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: 5 },
  });
  const part = new ForwarderFunction(stack, {
    producerName: 'app-logs',
    format: 'ndjson',
    bucket: bucket ? bucket(stack) : new s3.Bucket(stack, 'Bucket', { enforceSSL: true }),
    destination: TEST_DESTINATION,
    queue,
    deadLetterQueue,
    queueKey,
    ...overrides,
  });
  return { app, stack, part, deadLetterQueue };
}

function synthFunction(overrides: Overrides = {}, bucket?: (stack: Stack) => s3.IBucket) {
  const built = buildFunction(overrides, bucket);
  return { ...built, template: Template.fromStack(built.stack) };
}

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  Principal?: Record<string, unknown>;
  Condition?: Record<string, unknown>;
}

/** The statements of the function role's policies. */
const policyStatements = (template: Template): Statement[] =>
  Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (p) => p.Properties.PolicyDocument.Statement as Statement[],
  );

/** The statements of the client-secret key's policy. */
const secretKeyStatements = (template: Template): Statement[] =>
  Object.entries(template.findResources('AWS::KMS::Key'))
    .filter(([id]) => id.startsWith('SecretKey'))
    .flatMap(([, k]) => k.Properties.KeyPolicy.Statement as Statement[]);

const ACCOUNT_ROOT = {
  AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::123456789012:root']] },
};

/** What SSM puts in the encryption context for the secret's parameter, through SSM only. */
const SSM_PARAMETER_CONDITION = {
  StringEquals: {
    'kms:EncryptionContext:PARAMETER_ARN': PARAMETER_ARN,
    'kms:ViaService': 'ssm.eu-west-1.amazonaws.com',
  },
};

describe('ForwarderFunction defaults (one test per documented @default)', () => {
  const { template } = synthFunction();

  test('timeout defaults to 5 minutes', () => {
    template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 300 });
  });

  test('memorySize defaults to 1024 MB', () => {
    template.hasResourceProperties('AWS::Lambda::Function', { MemorySize: 1024 });
  });

  test('batchSize defaults to 10, maxConcurrency to 10 and there is no batching window', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 10,
      ScalingConfig: { MaximumConcurrency: 10 },
      MaximumBatchingWindowInSeconds: Match.absent(),
    });
  });

  test('logRetention defaults to three months', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: '/aws/lambda/s3-to-sentinel-app-logs',
      RetentionInDays: 90,
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
    expect(policyStatements(template)).toContainEqual(
      expect.objectContaining({ Sid: 'ReadClientSecret', Resource: PARAMETER_ARN }),
    );
  });

  test('code defaults to the prebundled forwarder asset', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Code: { S3Bucket: Match.anyValue(), S3Key: Match.stringLikeRegexp('^[0-9a-f]{64}\\.zip$') },
    });
  });

  test('prefix defaults to the whole bucket', () => {
    const read = policyStatements(template).find((s) => s.Sid === 'ReadProducerObjects');
    expect(read?.Resource).toEqual({
      'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^Bucket/), 'Arn'] }, '/*']],
    });
  });

  test('bucketEncryptionKey defaults to none for an SSE-S3 bucket: no kms:Decrypt on objects', () => {
    expect(policyStatements(template).map((s) => s.Sid)).not.toContain('DecryptProducerObjects');
  });

  test('descriptionSuffix defaults to none', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: {
        'Fn::Join': [
          '',
          [
            's3-to-sentinel app-logs: forwards s3://',
            { Ref: Match.anyValue() },
            '/* (ndjson) to Custom-AppLogs',
          ],
        ],
      },
    });
  });
});

describe('ForwarderFunction resources', () => {
  const { template, part } = synthFunction({ prefix: 'app/', descriptionSuffix: '[PLACEHOLDER]' });

  test('keeps the ids the forwarder always gave them, so logical ids do not change', () => {
    expect([part.secretKey, part.logGroup, part.role, part.function].map((c) => c.node.id)).toEqual([
      'SecretKey',
      'LogGroup',
      'Role',
      'Function',
    ]);
  });

  test('runs Node.js 22 on arm64 with JSON logs and tracing, described with its source and suffix', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 's3-to-sentinel-app-logs',
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      LoggingConfig: { LogFormat: 'JSON', LogGroup: Match.anyValue() },
      TracingConfig: { Mode: 'Active' },
      Description: { 'Fn::Join': ['', Match.arrayWith(['/app/* (ndjson) to Custom-AppLogs [PLACEHOLDER]'])] },
    });
  });

  test('gets the Azure coordinates and both queues as environment variables', () => {
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
          [ENV.queueUrl]: { Ref: Match.stringLikeRegexp('^Queue[0-9A-F]') },
          [ENV.deadLetterQueueUrl]: { Ref: Match.stringLikeRegexp('^DeadLetterQueue') },
          POWERTOOLS_SERVICE_NAME: 's3-to-sentinel',
          POWERTOOLS_METRICS_NAMESPACE: 'S3ToSentinel',
        }),
      },
    });
  });

  test('reports batch item failures (the handler returns failed message ids only)', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  test('may send failures to the DLQ and continuations to the queue, and nothing else', () => {
    const statements = policyStatements(template);
    expect(statements).toContainEqual(
      expect.objectContaining({
        Sid: 'SendFailuresAndContinuations',
        Action: 'sqs:SendMessage',
        Resource: [
          { 'Fn::GetAtt': [expect.stringMatching(/^DeadLetterQueue/), 'Arn'] },
          { 'Fn::GetAtt': [expect.stringMatching(/^Queue[0-9A-F]/), 'Arn'] },
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
    expect(statements.filter((s) => [s.Action].flat().includes('sqs:SendMessage'))).toHaveLength(1);
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
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^LogGroup/), 'Arn'] },
      }),
    );
  });

  test('the log group and the secret key are kept when the stack goes', () => {
    template.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Retain' });
    template.hasResource('AWS::KMS::Key', {
      Properties: Match.objectLike({
        EnableKeyRotation: true,
        Description: Match.stringLikeRegexp('client secret'),
      }),
      DeletionPolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/s3-to-sentinel/app-logs' });
  });

  test('reads only objects under the prefix, and nothing else in S3', () => {
    const read = policyStatements(template).find((s) => s.Sid === 'ReadProducerObjects');
    expect(read).toMatchObject({ Action: ['s3:GetObject', 's3:GetObjectVersion'], Effect: 'Allow' });
    expect(JSON.stringify(read?.Resource)).toMatch(/"\/app\/\*"/);
    const actions = policyStatements(template).flatMap((s) => [s.Action].flat());
    expect(actions.filter((a) => a.startsWith('s3:'))).toEqual(['s3:GetObject', 's3:GetObjectVersion']);
  });

  test('decrypts the secret only through SSM and only for its parameter', () => {
    const decrypt = policyStatements(template).find((s) => s.Sid === 'DecryptClientSecret');
    expect(decrypt).toMatchObject({
      Action: 'kms:Decrypt',
      Resource: { 'Fn::GetAtt': [expect.stringMatching(/^SecretKey/), 'Arn'] },
      Condition: {
        StringEquals: {
          'kms:EncryptionContext:PARAMETER_ARN': PARAMETER_ARN,
          'kms:ViaService': 'ssm.eu-west-1.amazonaws.com',
        },
      },
    });
  });

  test('the secret key policy: the account administers it but cannot use it; only the role decrypts, through SSM', () => {
    const statements = secretKeyStatements(template);
    expect(statements.map((st) => st.Sid)).toEqual([
      'AccountAdministersTheKeyThroughIam',
      'WritersEncryptTheSecretThroughSsm',
      'ForwarderDecryptsTheSecretThroughSsm',
    ]);
    const admin = statements[0];
    expect(admin.Principal).toEqual(ACCOUNT_ROOT);
    expect(admin.Action).not.toContain('kms:*');
    expect(admin.Action).toEqual(
      expect.arrayContaining(['kms:Describe*', 'kms:Put*', 'kms:ScheduleKeyDeletion']),
    );
    // No way to use the key, nor to hand out its use by grant, through the account's IAM policies.
    for (const action of [
      'kms:Decrypt',
      'kms:Encrypt',
      'kms:GenerateDataKey',
      'kms:ReEncrypt*',
      'kms:CreateGrant',
    ]) {
      expect(admin.Action).not.toContain(action);
    }
    expect(admin.Action).not.toContain('kms:Create*');
    expect(statements[2]).toEqual({
      Sid: 'ForwarderDecryptsTheSecretThroughSsm',
      Effect: 'Allow',
      Principal: { AWS: { 'Fn::GetAtt': [expect.stringMatching(/^Role/), 'Arn'] } },
      Action: 'kms:Decrypt',
      Resource: '*',
      Condition: SSM_PARAMETER_CONDITION,
    });
    const decrypters = statements.filter((st) => [st.Action].flat().includes('kms:Decrypt'));
    expect(decrypters).toHaveLength(1);
  });

  test('secretWriters defaults to the account through IAM: encrypt only, through SSM, for the parameter', () => {
    expect(
      secretKeyStatements(template).find((st) => st.Sid === 'WritersEncryptTheSecretThroughSsm'),
    ).toEqual({
      Sid: 'WritersEncryptTheSecretThroughSsm',
      Effect: 'Allow',
      Principal: ACCOUNT_ROOT,
      Action: ['kms:Encrypt', 'kms:GenerateDataKey'],
      Resource: '*',
      Condition: SSM_PARAMETER_CONDITION,
    });
  });

  test('secret mode cannot mint web identity tokens', () => {
    expect(policyStatements(template).map((s) => s.Action)).not.toContain('sts:GetWebIdentityToken');
  });
});

describe('ForwarderFunction props', () => {
  test('passes timeout, memory, batching, concurrency, log retention, secret name and code through', () => {
    const { template } = synthFunction({
      timeout: Duration.minutes(2),
      memorySize: 2048,
      batchSize: 50,
      maxBatchingWindow: Duration.seconds(5),
      maxConcurrency: 20,
      logRetention: logs.RetentionDays.ONE_YEAR,
      secretParameterName: '/custom/secret',
      code: lambda.Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] });'),
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: 2048,
      Timeout: 120,
      Code: { ZipFile: Match.stringLikeRegexp('batchItemFailures') },
      Environment: { Variables: Match.objectLike({ [ENV.clientSecretParameter]: '/custom/secret' }) },
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 50,
      MaximumBatchingWindowInSeconds: 5,
      ScalingConfig: { MaximumConcurrency: 20 },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
  });

  test('federated mode mints only Entra-audience tokens of at most 5 minutes and reads no secret', () => {
    const { template } = synthFunction({ authMode: 'federated' });
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

  test('secretWriters are the only principals the secret key lets encrypt', () => {
    const operator = 'arn:aws:iam::123456789012:role/secret-operator';
    const { template } = synthFunction({ secretWriters: [new iam.ArnPrincipal(operator)] });
    expect(
      secretKeyStatements(template).find((st) => st.Sid === 'WritersEncryptTheSecretThroughSsm'),
    ).toMatchObject({
      Principal: { AWS: operator },
      Action: ['kms:Encrypt', 'kms:GenerateDataKey'],
      Condition: SSM_PARAMETER_CONDITION,
    });
  });

  test('fails if secretWriters is empty', () => {
    expect(() => buildFunction({ secretWriters: [] })).toThrow(
      '`secretWriters` ([]) must name at least one principal',
    );
  });

  test('federated mode: no one may decrypt with the secret key', () => {
    const { template } = synthFunction({ authMode: 'federated' });
    const statements = secretKeyStatements(template);
    expect(statements.map((st) => st.Sid)).not.toContain('ForwarderDecryptsTheSecretThroughSsm');
    expect(statements.flatMap((st) => [st.Action].flat())).not.toContain('kms:Decrypt');
  });

  test('decrypts objects of an SSE-KMS bucket with its key, through S3 only', () => {
    const { template } = synthFunction({ prefix: 'AWSLogs/' }, (stack) =>
      s3.Bucket.fromBucketAttributes(stack, 'Existing', {
        bucketName: 'org-logs',
        encryptionKey: kms.Key.fromKeyArn(stack, 'ExistingKey', BUCKET_KEY_ARN),
      }),
    );
    const statements = policyStatements(template);
    expect(statements).toContainEqual(
      expect.objectContaining({
        Sid: 'DecryptProducerObjects',
        Action: 'kms:Decrypt',
        Resource: BUCKET_KEY_ARN,
        Condition: { StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } },
      }),
    );
    expect(statements.find((s) => s.Sid === 'ReadProducerObjects')?.Resource).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::org-logs/AWSLogs/*']],
    });
  });

  test('bucketEncryptionKey names the key when the imported bucket does not', () => {
    const { template } = synthFunction(
      // The key of another account's bucket, known only by ARN.
      { bucketEncryptionKey: kms.Key.fromKeyArn(new Stack(), 'BucketKey', BUCKET_KEY_ARN) },
      (stack) => s3.Bucket.fromBucketName(stack, 'Imported', 'org-logs'),
    );
    expect(policyStatements(template)).toContainEqual(
      expect.objectContaining({ Sid: 'DecryptProducerObjects', Resource: BUCKET_KEY_ARN }),
    );
  });
});

describe('ForwarderFunction under cdk-nag', () => {
  /** The packs run when the app synthesizes; a finding nobody acknowledged throws. */
  function synthWithNag(overrides: Overrides, bucket?: (stack: Stack) => s3.IBucket) {
    const { app, stack, deadLetterQueue } = buildFunction(overrides, bucket);
    // The fixture's own bucket and DLQ; the part's resources get no help.
    const testBucket = stack.node.tryFindChild('Bucket');
    if (testBucket) Validations.of(testBucket).acknowledge({ id: 'AwsSolutions-S1', reason: 'Test bucket.' });
    Validations.of(deadLetterQueue).acknowledge({ id: 'Serverless-SQSRedrivePolicy', reason: 'Test DLQ.' });
    Validations.of(app).addPlugins(
      new AwsSolutionsChecks(app),
      new ServerlessChecks(app),
      new OptInChecks(app),
    );
    return () => app.synth();
  }

  test.each<[string, Overrides]>([
    ['secret mode', {}],
    ['federated mode', { authMode: 'federated' }],
    ['with a prefix', { prefix: 'AWSLogs/' }],
  ])(
    'has no unacknowledged finding in %s (its acknowledgements name the real finding ids)',
    (_n, overrides) => {
      expect(synthWithNag(overrides)).not.toThrow();
    },
  );

  test('has no unacknowledged finding on an imported bucket (a literal object ARN)', () => {
    expect(
      synthWithNag({ prefix: 'AWSLogs/' }, (stack) =>
        s3.Bucket.fromBucketName(stack, 'Imported', 'org-logs'),
      ),
    ).not.toThrow();
  });

  test('the packs really run: a visibility timeout under six function timeouts fails synthesis', () => {
    expect(synthWithNag({ timeout: Duration.minutes(10) })).toThrow(
      /S3ToSentinelOptIn-LambdaEventSourceSQSVisibilityTimeout/,
    );
  });
});
