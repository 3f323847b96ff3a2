import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import {
  ENV,
  NUMERIC_LIMITS,
  ProducerStack,
  S3ToSentinelForwarder,
  forwarderPropsFromProducer,
  type DefinitionField,
  type ProducerDefinition,
} from '../../lib';
import { TEST_DESTINATION, TEST_ENV, synthForwarder } from '../support/aws';

function synthProducer(producer: ProducerDefinition, extra: { serverAccessLogsBucket?: boolean } = {}) {
  const app = new App();
  let logs: s3.IBucket | undefined;
  if (extra.serverAccessLogsBucket) {
    // A central access-log bucket made by another stack of the same app (a stack holding only an
    // import would have no resources, which synthesis warns about).
    logs = new s3.Bucket(new Stack(app, 'Shared', { env: TEST_ENV }), 'Logs', {
      bucketName: 'central-access-logs',
    });
  }
  const stack = new ProducerStack(app, `s3-to-sentinel-${producer.name}`, {
    producer,
    destination: TEST_DESTINATION,
    env: TEST_ENV,
    serverAccessLogsBucket: logs,
  });
  return { stack, template: Template.fromStack(stack) };
}

const minimal: ProducerDefinition = { name: 'minimal', bucket: { kind: 'new' }, format: 'text' };

describe('ProducerStack maps an all-defaults producer to the documented defaults', () => {
  const { stack, template } = synthProducer(minimal);

  test('lambda tuning: 1024 MB, 300 s, batches of 10, no window, concurrency 10', () => {
    template.hasResourceProperties('AWS::Lambda::Function', { MemorySize: 1024, Timeout: 300 });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: Match.absent(),
      ScalingConfig: { MaximumConcurrency: 10 },
    });
  });

  test('queue: visibility 6 × timeout, DLQ after 5 receives', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 's3-to-sentinel-minimal',
      VisibilityTimeout: 1800,
      RedrivePolicy: Match.objectLike({ maxReceiveCount: 5 }),
    });
  });

  test('notification defaults to direct with no prefix or suffix filter', () => {
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: {
        QueueConfigurations: [{ Events: ['s3:ObjectCreated:*'], QueueArn: Match.anyValue() }],
      },
    });
  });

  test('alarms: oldest message age 300 s and no email topic', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 's3-to-sentinel-minimal-queue-oldest-message-age',
      Threshold: 300,
    });
    template.resourceCountIs('AWS::SNS::Topic', 0);
  });

  test('a new bucket is versioned, SSE-S3 encrypted, private and TLS-only, and kept on delete', () => {
    template.hasResource('AWS::S3::Bucket', {
      Properties: {
        VersioningConfiguration: { Status: 'Enabled' },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        LoggingConfiguration: Match.absent(),
      },
      DeletionPolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  test('placeholderDestination defaults to false: the description does not say placeholder', () => {
    expect(stack.templateOptions.description).toBe(
      's3-to-sentinel: forwards minimal logs (text) from S3 to Microsoft Sentinel',
    );
  });
});

describe('ProducerStack options', () => {
  test('serverAccessLogsBucket turns on server access logging of a created bucket', () => {
    const { template } = synthProducer(minimal, { serverAccessLogsBucket: true });
    // (a reference to the Shared stack's bucket, exported there)
    template.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: {
        DestinationBucketName: { 'Fn::ImportValue': Match.stringLikeRegexp('^Shared:.*Logs') },
      },
    });
  });

  test('an existing bucket with a KMS key is imported, not created, and its key is decryptable via S3', () => {
    const keyArn = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const { template } = synthProducer({
      ...minimal,
      bucket: { kind: 'existing', bucketName: 'org-logs', kmsKeyArn: keyArn },
    });
    template.resourceCountIs('AWS::S3::Bucket', 0);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'DecryptProducerObjects',
            Resource: keyArn,
            Condition: { StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } },
          }),
        ]),
      },
    });
  });

  test('fails if the producer definition is invalid, naming it', () => {
    expect(() => synthProducer({ ...minimal, lambda: { timeoutSeconds: 5 } })).toThrow(
      'producer "minimal": `lambda.timeoutSeconds` (5) must be a whole number from 30 to 900 seconds',
    );
  });
});

describe('forwarderPropsFromProducer', () => {
  // Stand-ins: the mapping passes them through and never looks inside.
  const bucket = { bucketName: 'org-logs' } as s3.IBucket;
  const key = { keyArn: 'arn:aws:kms:eu-west-1:123456789012:key/k' } as kms.IKey;

  test('maps every field, turning seconds into Durations and MB into memorySize', () => {
    const producer: ProducerDefinition = {
      name: 'full',
      bucket: { kind: 'new' },
      format: 'cloudtrail',
      prefix: 'AWSLogs/',
      suffix: '.json.gz',
      notification: 'eventbridge',
      table: { name: 'Ignored' },
      lambda: {
        memorySizeMb: 2048,
        timeoutSeconds: 120,
        batchSize: 50,
        maxBatchingWindowSeconds: 5,
        maxConcurrency: 20,
        visibilityTimeoutSeconds: 900,
        maxReceiveCount: 3,
      },
      alarms: { oldestMessageAgeSeconds: 600, email: 'ops@example.com' },
    };
    const props = forwarderPropsFromProducer(producer, {
      bucket,
      bucketEncryptionKey: key,
      destination: TEST_DESTINATION,
      authMode: 'federated',
      placeholderDestination: true,
    });
    expect(props).toStrictEqual({
      producerName: 'full',
      format: 'cloudtrail',
      bucket,
      bucketEncryptionKey: key,
      prefix: 'AWSLogs/',
      suffix: '.json.gz',
      notification: 'eventbridge',
      destination: TEST_DESTINATION,
      authMode: 'federated',
      memorySize: 2048,
      timeout: Duration.seconds(120),
      batchSize: 50,
      maxBatchingWindow: Duration.seconds(5),
      maxConcurrency: 20,
      visibilityTimeout: Duration.seconds(900),
      maxReceiveCount: 3,
      oldestMessageAgeThreshold: Duration.seconds(600),
      alarmEmail: 'ops@example.com',
      descriptionSuffix: '[PLACEHOLDER Azure coordinates]',
    });
    expect(props.timeout?.toMinutes()).toBe(2);
  });

  test('leaves every omitted field out, so the construct’s defaults apply (no placeholder suffix either)', () => {
    const props = forwarderPropsFromProducer(minimal, { bucket, destination: TEST_DESTINATION });
    expect(props).toStrictEqual({
      producerName: 'minimal',
      format: 'text',
      bucket,
      destination: TEST_DESTINATION,
    });
  });

  // The limits table pairs each definition field with a construct prop; the mapping must agree.
  test.each((Object.keys(NUMERIC_LIMITS) as DefinitionField[]).filter((f) => 'prop' in NUMERIC_LIMITS[f]))(
    'maps %s to the prop its limit names, in the limit’s unit',
    (field) => {
      const limit = NUMERIC_LIMITS[field] as { prop: string; min: number };
      const [section, name] = field.split('.');
      const value = limit.min + 1;
      const props = forwarderPropsFromProducer(
        { ...minimal, [section]: { [name]: value } },
        {
          bucket,
          destination: TEST_DESTINATION,
        },
      ) as unknown as Record<string, number | Duration>;
      const mapped = props[limit.prop];
      expect(mapped instanceof Duration ? mapped.toSeconds() : mapped).toBe(value);
    },
  );
});

describe('ProducerStack builds the forwarder from forwarderPropsFromProducer', () => {
  test('given tuning reaches the synthesized resources in their units', () => {
    const { template } = synthProducer({
      ...minimal,
      lambda: {
        memorySizeMb: 2048,
        timeoutSeconds: 120,
        batchSize: 50,
        maxBatchingWindowSeconds: 5,
        maxConcurrency: 20,
        visibilityTimeoutSeconds: 900,
        maxReceiveCount: 3,
      },
      alarms: { oldestMessageAgeSeconds: 600 },
    });
    template.hasResourceProperties('AWS::Lambda::Function', { MemorySize: 2048, Timeout: 120 });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 50,
      MaximumBatchingWindowInSeconds: 5,
      ScalingConfig: { MaximumConcurrency: 20 },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 's3-to-sentinel-minimal',
      VisibilityTimeout: 900,
      RedrivePolicy: Match.objectLike({ maxReceiveCount: 3 }),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 's3-to-sentinel-minimal-queue-oldest-message-age',
      Threshold: 600,
    });
  });

  test('fails if the visibility timeout is not above the default timeout, naming the construct props', () => {
    // Only the construct knows its default timeout, so the rule fires there, in its own names.
    expect(() => synthProducer({ ...minimal, lambda: { visibilityTimeoutSeconds: 300 } })).toThrow(
      '`visibilityTimeout` (300 seconds) must be greater than the function `timeout` (300 seconds)',
    );
  });
});

describe('S3ToSentinelForwarder remaining defaults', () => {
  test('bucketEncryptionKey defaults to none: no kms:Decrypt on any bucket key', () => {
    const { template } = synthForwarder();
    const sids = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) =>
      (p.Properties.PolicyDocument.Statement as { Sid?: string }[]).map((s) => s.Sid),
    );
    expect(sids).toContain('ReadProducerObjects');
    expect(sids).not.toContain('DecryptProducerObjects');
  });

  test('prefix defaults to the whole bucket: reads <bucket>/*', () => {
    const { template } = synthForwarder();
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'ReadProducerObjects',
            Resource: {
              'Fn::Join': ['', [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^Bucket'), 'Arn'] }, '/*']],
            },
          }),
        ]),
      },
    });
  });

  test('descriptionSuffix defaults to none; given, it ends the function description', () => {
    const byName = (stack: Stack) => s3.Bucket.fromBucketName(stack, 'Named', 'org-logs');
    const plain = synthForwarder({}, byName).template;
    plain.hasResourceProperties('AWS::Lambda::Function', {
      Description: 's3-to-sentinel app-logs: forwards s3://org-logs/* (ndjson) to Custom-AppLogs',
    });
    const marked = synthForwarder({ descriptionSuffix: '[PLACEHOLDER]' }, byName).template;
    marked.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('to Custom-AppLogs \\[PLACEHOLDER\\]$'),
    });
  });

  test('an imported bucket in another stack works: the forwarder only needs its name and ARN', () => {
    const app = new App();
    const stack = new Stack(app, 'Consumer', { env: TEST_ENV });
    const forwarder = new S3ToSentinelForwarder(stack, 'Forwarder', {
      producerName: 'imported',
      format: 'json',
      bucket: s3.Bucket.fromBucketName(stack, 'Bucket', 'some-bucket'),
      destination: TEST_DESTINATION,
    });
    expect(forwarder.function.node.defaultChild).toBeDefined();
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ [ENV.format]: 'json', [ENV.producerName]: 'imported' }) },
    });
  });
});
