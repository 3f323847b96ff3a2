/** Event factories for forwarder tests: SQS records carrying the notification shapes S3 sends. */
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';

let nextId = 0;

/**
 * An SQS record with `body`; `messageId` defaults to a fresh `msg-N`; `receiveCount` is its receive
 * number; `firstReceived` (epoch ms) its first receive, now unless given.
 */
export function sqsRecord(
  body: string | object,
  messageId = `msg-${++nextId}`,
  receiveCount = 1,
  firstReceived = Date.now(),
): SQSRecord {
  return {
    messageId,
    receiptHandle: `rh-${messageId}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: String(firstReceived - 1),
      SenderId: 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: String(firstReceived),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:s3-to-sentinel-app-logs',
    awsRegion: 'eu-west-1',
  };
}

/** An SQS event of `records`. */
export function sqsEvent(...records: SQSRecord[]): SQSEvent {
  return { Records: records };
}

/** Encodes a key the way S3 notifications do: form encoding, '+' for a space, '/' kept. */
export function encodeS3Key(key: string): string {
  return encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+');
}

/** One object of an S3 notification. */
export interface NotificationObject {
  readonly bucket: string;
  /** The real (decoded) key; the factory encodes it. */
  readonly key: string;
  readonly eventName?: string;
  readonly eventTime?: string;
  readonly size?: number;
  readonly eTag?: string;
  readonly versionId?: string;
}

/** An S3 event notification body (`{"Records":[...]}`), one record per object. */
export function s3Notification(...objects: NotificationObject[]): object {
  return {
    Records: objects.map((o) => ({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'eu-west-1',
      eventTime: o.eventTime ?? '2026-11-28T10:00:00.000Z',
      eventName: o.eventName ?? 'ObjectCreated:Put',
      userIdentity: { principalId: 'AWS:AIDAEXAMPLE' },
      requestParameters: { sourceIPAddress: '10.0.0.1' },
      responseElements: { 'x-amz-request-id': 'EXAMPLE', 'x-amz-id-2': 'EXAMPLE' },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'forwarder',
        bucket: {
          name: o.bucket,
          ownerIdentity: { principalId: 'EXAMPLE' },
          arn: `arn:aws:s3:::${o.bucket}`,
        },
        object: {
          key: encodeS3Key(o.key),
          ...(o.size !== undefined ? { size: o.size } : {}),
          ...(o.eTag !== undefined ? { eTag: o.eTag } : {}),
          ...(o.versionId !== undefined ? { versionId: o.versionId } : {}),
          sequencer: '0055AED6DCD90281E5',
        },
      },
    })),
  };
}

/** `inner` as SNS delivers it to SQS without raw message delivery. */
export function snsWrapped(inner: object): object {
  return {
    Type: 'Notification',
    MessageId: 'sns-1',
    TopicArn: 'arn:aws:sns:eu-west-1:123456789012:s3-events',
    Subject: 'Amazon S3 Notification',
    Message: JSON.stringify(inner),
    Timestamp: '2026-11-28T10:00:00.100Z',
    SignatureVersion: '1',
    Signature: 'EXAMPLE',
    SigningCertURL: 'https://sns.eu-west-1.amazonaws.com/cert.pem',
    UnsubscribeURL: 'https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe',
  };
}

/** An EventBridge S3 event (`Object Created` unless `detailType` says otherwise). */
export function eventBridgeEvent(
  o: NotificationObject & { readonly detailType?: string; readonly time?: string },
): object {
  return {
    version: '0',
    id: '17793124-05d4-b198-2fde-7ededc63b103',
    'detail-type': o.detailType ?? 'Object Created',
    source: 'aws.s3',
    account: '123456789012',
    time: o.time ?? '2026-11-28T10:00:00Z',
    region: 'eu-west-1',
    resources: [`arn:aws:s3:::${o.bucket}`],
    detail: {
      version: '0',
      bucket: { name: o.bucket },
      object: {
        key: encodeS3Key(o.key),
        ...(o.size !== undefined ? { size: o.size } : {}),
        ...(o.eTag !== undefined ? { etag: o.eTag } : {}),
        ...(o.versionId !== undefined ? { 'version-id': o.versionId } : {}),
        sequencer: '00617F08299329D189',
      },
      'request-id': 'N4N7GDK58NMKJ12R',
      requester: '123456789012',
      'source-ip-address': '1.2.3.4',
      reason: 'PutObject',
    },
  };
}

/** The message S3 sends when a notification configuration is saved. */
export function s3TestEvent(bucket = 'logs'): object {
  return {
    Service: 'Amazon S3',
    Event: 's3:TestEvent',
    Time: '2026-11-28T10:00:00.000Z',
    Bucket: bucket,
    RequestId: '5582815E1AEA5ADF',
    HostId: 'EXAMPLE',
  };
}

/** A Lambda context whose remaining time counts down from `remainingMs`. */
export function lambdaContext(remainingMs = 300_000, functionName = 's3-to-sentinel-app-logs'): Context {
  const deadline = Date.now() + remainingMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/11/28/[$LATEST]abcdef',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
