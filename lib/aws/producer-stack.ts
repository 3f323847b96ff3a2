import { Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { SHARDS_LIMIT, checkLimit } from '../producer/rules';
import { validateProducer } from '../producer/validate-producers';
import type { AuthMode } from '../../lambda/contract/environment';
import type { ProducerDefinition } from '../producer/producer';
import {
  S3ToSentinelForwarder,
  type S3ToSentinelForwarderProps,
  type SentinelDestination,
} from './s3-to-sentinel-forwarder';

export interface ProducerStackProps extends StackProps {
  /** The producer this stack deploys. */
  readonly producer: ProducerDefinition;
  /** The producer's Azure coordinates (from the cdktf outputs file or cdk context). */
  readonly destination: SentinelDestination;
  /**
   * How the forwarder signs in to Entra ID, as the Azure side was deployed.
   * @default 'secret'
   */
  readonly authMode?: AuthMode;
  /**
   * True when `destination` is a placeholder (offline synthesis): the stack's description says so.
   * @default false
   */
  readonly placeholderDestination?: boolean;
  /**
   * Where a bucket this stack creates writes its server access logs.
   * @default - no server access logging for a created bucket
   */
  readonly serverAccessLogsBucket?: s3.IBucket;
}

/** One producer's stack: its bucket (created or imported) and its `S3ToSentinelForwarder`. */
export class ProducerStack extends Stack {
  public readonly bucket: s3.IBucket;
  public readonly forwarder: S3ToSentinelForwarder;

  constructor(scope: Construct, id: string, props: ProducerStackProps) {
    const producer = props.producer;
    const placeholder = props.placeholderDestination ?? false;
    super(scope, id, {
      ...props,
      description:
        props.description ??
        `s3-to-sentinel: forwards ${producer.name} logs (${producer.format}) from S3 to Microsoft Sentinel` +
          (placeholder ? ' - PLACEHOLDER Azure coordinates, synthesized offline; do not deploy' : ''),
    });
    const problems = validateProducer(producer);
    const shards = producer.shards ?? 1;
    const dcrs = props.destination.dcrImmutableIds?.length ?? 1;
    // Only for a valid `shards`: validateProducer has reported any other.
    if (checkLimit('shards', SHARDS_LIMIT, producer.shards) === undefined && dcrs !== shards) {
      // Each shard is a DCR the Azure stack made: a list of another length is another deployment's.
      problems.push(
        `\`shards\` (${shards}) does not match the ${dcrs} DCR immutable id(s) of its destination: ` +
          'deploy the Azure stack with this definition and pass its outputs (`destinationsFromContext` keeps the first ' +
          '`shards` of them)',
      );
    }
    if (problems.length > 0) {
      throw new Error(`producer "${producer.name}": ${problems.join('; ')}`);
    }

    let bucketKey: kms.IKey | undefined;
    if (producer.bucket.kind === 'existing') {
      bucketKey = producer.bucket.kmsKeyArn
        ? kms.Key.fromKeyArn(this, 'BucketKey', producer.bucket.kmsKeyArn)
        : undefined;
      this.bucket = s3.Bucket.fromBucketAttributes(this, 'Bucket', {
        bucketName: producer.bucket.bucketName,
        encryptionKey: bucketKey,
      });
    } else {
      const bucket = new s3.Bucket(this, 'Bucket', {
        bucketName: producer.bucket.bucketName,
        encryption: s3.BucketEncryption.S3_MANAGED,
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        enforceSSL: true,
        versioned: true,
        objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        serverAccessLogsBucket: props.serverAccessLogsBucket,
        // Logs are evidence: keep them when the stack goes.
        removalPolicy: RemovalPolicy.RETAIN,
        lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(30) }],
      });
      if (!props.serverAccessLogsBucket) {
        Validations.of(bucket).acknowledge({
          id: 'AwsSolutions-S1',
          reason:
            'Server access logging needs a central log bucket this stack does not own; pass serverAccessLogsBucket to turn it on.',
        });
      }
      this.bucket = bucket;
    }

    this.forwarder = new S3ToSentinelForwarder(
      this,
      'Forwarder',
      forwarderPropsFromProducer(producer, {
        bucket: this.bucket,
        bucketEncryptionKey: bucketKey,
        destination: props.destination,
        authMode: props.authMode,
        placeholderDestination: placeholder,
      }),
    );
  }
}

/** What `ProducerStack` resolves around a producer definition before it builds the forwarder. */
export interface ForwarderPropsContext {
  /** The producer's bucket, created or imported. */
  readonly bucket: s3.IBucket;
  /**
   * The bucket's SSE-KMS key, from `bucket.kmsKeyArn`.
   * @default - none
   */
  readonly bucketEncryptionKey?: kms.IKey;
  /** The producer's Azure coordinates. */
  readonly destination: SentinelDestination;
  /**
   * How the forwarder signs in to Entra ID.
   * @default - the construct's default (`secret`)
   */
  readonly authMode?: AuthMode;
  /**
   * True when `destination` is a placeholder: the function's description says so.
   * @default false
   */
  readonly placeholderDestination?: boolean;
}

/**
 * The one mapping from a `ProducerDefinition` to `S3ToSentinelForwarderProps`, and the one place
 * its plain seconds become `Duration`s. A field the definition omits is omitted here too, so the
 * construct's default applies and no default is written twice.
 */
export function forwarderPropsFromProducer(
  producer: ProducerDefinition,
  context: ForwarderPropsContext,
): S3ToSentinelForwarderProps {
  const tuning = producer.lambda ?? {};
  const alarms = producer.alarms ?? {};
  return withoutAbsent({
    producerName: producer.name,
    format: producer.format,
    routes: producer.routes,
    formatOptions: producer.formatOptions,
    bucket: context.bucket,
    bucketEncryptionKey: context.bucketEncryptionKey,
    prefix: producer.prefix,
    suffix: producer.suffix,
    notification: producer.notification,
    destination: context.destination,
    authMode: context.authMode,
    memorySize: tuning.memorySizeMb,
    timeout: seconds(tuning.timeoutSeconds),
    batchSize: tuning.batchSize,
    maxBatchingWindow: seconds(tuning.maxBatchingWindowSeconds),
    maxConcurrency: tuning.maxConcurrency,
    visibilityTimeout: seconds(tuning.visibilityTimeoutSeconds),
    maxReceiveCount: tuning.maxReceiveCount,
    oldestMessageAgeThreshold: seconds(alarms.oldestMessageAgeSeconds),
    alarmEmail: alarms.email,
    descriptionSuffix: context.placeholderDestination ? '[PLACEHOLDER Azure coordinates]' : undefined,
  });
}

function seconds(value: number | undefined): Duration | undefined {
  return value === undefined ? undefined : Duration.seconds(value);
}

/** Drops `undefined` entries, so "absent" means the key is not there at all. */
function withoutAbsent<T extends object>(props: T): T {
  return Object.fromEntries(Object.entries(props).filter(([, value]) => value !== undefined)) as T;
}
