import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ENV, ProducerStack, S3ToSentinelForwarder, type ProducerDefinition } from '../../lib';
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
      'producer "minimal": `lambda.timeoutSeconds` (5) must be a whole number from 30 to 900',
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
