import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  type QueueAttributeName,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { OperationalError, awsErrorName, describeError } from './errors';

/** The AWS clients the commands use. Injected, so tests pass mocked or locally pointed clients. */
export interface AwsClients {
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  readonly ssm: SSMClient;
  readonly kms: KMSClient;
  readonly cloudwatch: CloudWatchClient;
}

/** Global options that select the account and region. */
export interface AwsClientOptions {
  /** @default - the SDK's chain: AWS_REGION, then the profile's region */
  readonly region?: string;
  /** @default - the SDK's chain: AWS_PROFILE, then `default` */
  readonly profile?: string;
}

/** Real clients on the SDK's default credential chain. */
export function createAwsClients(options: AwsClientOptions): AwsClients {
  const config = { region: options.region, profile: options.profile };
  return {
    s3: new S3Client(config),
    sqs: new SQSClient(config),
    ssm: new SSMClient(config),
    kms: new KMSClient(config),
    cloudwatch: new CloudWatchClient(config),
  };
}

/** The region a client resolved, for messages ("... does not exist in eu-west-1"). */
export async function regionOf(client: { config: { region: unknown } }): Promise<string> {
  const region = client.config.region;
  return typeof region === 'function' ? String(await region()) : String(region);
}

/** The last path segment of a queue URL: the queue's name (CloudWatch's `QueueName` dimension). */
export function queueNameFromUrl(queueUrl: string): string {
  return queueUrl.replace(/\/+$/, '').split('/').pop() ?? queueUrl;
}

/**
 * The URL of queue `queueName`, or `override` when the operator gave one. `flag` names the option
 * that overrides it, so the error says how to point the CLI elsewhere.
 */
export async function resolveQueueUrl(
  sqs: SQSClient,
  queueName: string,
  override: string | undefined,
  context: { readonly producer: string; readonly stackName: string; readonly flag: string },
): Promise<string> {
  if (override !== undefined) return override;
  try {
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: queueName }));
    if (QueueUrl === undefined) throw new Error('GetQueueUrl returned no QueueUrl');
    return QueueUrl;
  } catch (error) {
    const region = await regionOf(sqs);
    if (
      awsErrorName(error) === 'QueueDoesNotExist' ||
      awsErrorName(error) === 'AWS.SimpleQueueService.NonExistentQueue'
    ) {
      throw new OperationalError(
        `queue ${queueName} of producer "${context.producer}" does not exist in ${region}: deploy stack ` +
          `${context.stackName} first, check --region/--profile, or pass ${context.flag} <url>`,
        { cause: error },
      );
    }
    throw new OperationalError(`could not look up queue ${queueName} in ${region}: ${describeError(error)}`, {
      cause: error,
    });
  }
}

/** Reads queue attributes, wrapping failures in a message that names the queue. */
export async function queueAttributes(
  sqs: SQSClient,
  queueUrl: string,
  names: QueueAttributeName[],
): Promise<Record<string, string>> {
  try {
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: names }),
    );
    return Attributes ?? {};
  } catch (error) {
    throw new OperationalError(
      `could not read the attributes of queue ${queueUrl}: ${describeError(error)}`,
      {
        cause: error,
      },
    );
  }
}

/** An attribute that SQS returns as a decimal string, as a number (0 when absent). */
export function numberAttribute(attributes: Record<string, string>, name: string): number {
  const value = Number(attributes[name] ?? '0');
  return Number.isFinite(value) ? value : 0;
}
