/**
 * Shared set-up of the forwarder's integration tests (test/integration/forwarder/): the real
 * handler against s3rver and the Logs Ingestion emulator on loopback, with SSM, SQS and STS mocked
 * by the SDK's own mock library.
 *
 * A test file calls {@link useForwarderHarness} once, at its top level, to start the servers for
 * the file and reset everything between tests. `s3`, `emulator`, `output` and `secretsSeen` are
 * live bindings set by those hooks: read them inside tests, never at import time.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  SendMessageBatchCommand,
  SQSClient,
  type MessageAttributeValue,
} from '@aws-sdk/client-sqs';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import type { LogsIngestionClientOptions } from '@azure/monitor-ingestion';
import { mockClient } from 'aws-sdk-client-mock';
import { join } from 'node:path';
import { AWS_CLOUDTRAIL, columnsOf } from '../../lambda/formats';
import { createDependencies, createHandler, type DependencyOptions } from '../../lambda/pipeline/handler';
import { captureOutput, type CapturedOutput } from './capture';
import { forwarderEnv, IngestionEmulator } from './ingestion-emulator';
import { startS3, type LocalS3 } from './s3-server';

export const BUCKET = 'logs';
export const STREAM = 'Custom-AppLogs';
export const CLOUDTRAIL_STREAM = 'Custom-CloudTrail';
export const FIXTURES = join(__dirname, '..', 'fixtures', 'aws');
export const SECRET = 'client-secret-value-7f3a9c';
export const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/s3-to-sentinel-app-logs';
export const DLQ_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/s3-to-sentinel-app-logs-dlq';

export const ssmMock = mockClient(SSMClient);
export const sqsMock = mockClient(SQSClient);
export const stsMock = mockClient(STSClient);

export let s3: LocalS3;
export let emulator: IngestionEmulator;
export let output: CapturedOutput;
/** Secrets handed to the Entra credential factory, in order. */
export let secretsSeen: string[];

/**
 * Registers the file's hooks: s3rver and the emulator for the whole file; before each test, a
 * clean emulator, fresh mocks (SSM holding {@link SECRET}) and captured stdout/stderr; after each,
 * real timers again (a test may fake `Date`).
 */
export function useForwarderHarness(): void {
  beforeAll(async () => {
    const [startedS3, startedEmulator] = await Promise.all([
      startS3([BUCKET]),
      IngestionEmulator.start({
        streams: { [STREAM]: columnsOf('ndjson'), [CLOUDTRAIL_STREAM]: columnsOf('cloudtrail') },
        // CloudTrail rows are checked against AWSCloudTrail's vendored schema as they arrive.
        outputTables: { [CLOUDTRAIL_STREAM]: AWS_CLOUDTRAIL },
      }),
    ]);
    s3 = startedS3;
    emulator = startedEmulator;
  });
  afterAll(async () => {
    await Promise.all([s3.close(), emulator.close()]);
  });
  beforeEach(() => {
    emulator.reset();
    emulator.clientSecret = undefined;
    ssmMock.reset();
    sqsMock.reset();
    stsMock.reset();
    emulator.clientAssertion = undefined;
    ssmMock.on(GetParameterCommand).resolves({ Parameter: { Value: SECRET, Type: 'SecureString' } });
    acceptSqsBatches();
    secretsSeen = [];
    output = captureOutput();
  });
  afterEach(() => {
    output.restore();
    jest.useRealTimers();
  });
}

/** SQS accepts every entry of every batch call (the default; a test may override either). */
export function acceptSqsBatches(): void {
  const accept = (input: { Entries?: { Id?: string }[] }) => ({
    Successful: (input.Entries ?? []).map((e) => ({
      Id: e.Id!,
      MessageId: `sent-${e.Id}`,
      MD5OfMessageBody: '',
    })),
    Failed: [],
  });
  sqsMock.on(SendMessageBatchCommand).callsFake(accept);
  sqsMock.on(ChangeMessageVisibilityBatchCommand).callsFake(accept);
}

/** A message the forwarder sent to SQS: one entry of a SendMessageBatch call, with its queue. */
export interface SentMessage {
  readonly QueueUrl: string;
  readonly MessageBody: string;
  readonly DelaySeconds?: number;
  readonly MessageAttributes: Record<string, MessageAttributeValue>;
}

/** Every message the forwarder sent to SQS, in call order. */
export function sentToSqs(queueUrl?: string): SentMessage[] {
  return sqsMock
    .commandCalls(SendMessageBatchCommand)
    .flatMap((call) =>
      (call.args[0].input.Entries ?? []).map((e) => ({
        QueueUrl: call.args[0].input.QueueUrl!,
        MessageBody: e.MessageBody!,
        ...(e.DelaySeconds !== undefined ? { DelaySeconds: e.DelaySeconds } : {}),
        MessageAttributes: e.MessageAttributes ?? {},
      })),
    )
    .filter((m) => queueUrl === undefined || m.QueueUrl === queueUrl);
}

/** Every visibility change the forwarder asked of SQS: receipt handle and seconds. */
export function visibilityChanges(): { ReceiptHandle: string; VisibilityTimeout: number }[] {
  return sqsMock.commandCalls(ChangeMessageVisibilityBatchCommand).flatMap((call) =>
    (call.args[0].input.Entries ?? []).map((e) => ({
      ReceiptHandle: e.ReceiptHandle!,
      VisibilityTimeout: e.VisibilityTimeout!,
    })),
  );
}

export function env(overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  return forwarderEnv(emulator, STREAM, overrides);
}

/**
 * The handler with production wiring except what cannot run here: S3 is s3rver, SSM is mocked
 * with the SDK's own mock library, and Entra ID is replaced by a credential the emulator accepts
 * (the factory still receives the secret read from SSM).
 */
export function makeHandler(
  options: Partial<DependencyOptions> & { envOverrides?: Record<string, string> } = {},
) {
  const { envOverrides, ...rest } = options;
  // Lazily, as in production: dependencies are built on the first invocation.
  return createHandler(() =>
    createDependencies({
      env: env(envOverrides),
      s3: s3.client,
      ssm: new SSMClient({ region: 'eu-west-1' }),
      sqs: new SQSClient({ region: 'eu-west-1' }),
      sts: new STSClient({ region: 'eu-west-1' }),
      secretCredentialFactory: (_tenant, _client, secret) => {
        secretsSeen.push(secret);
        return emulator.credential;
      },
      clientOptions: emulator.clientOptions(),
      safetyMarginMs: 2_000,
      ...rest,
    }),
  );
}

type AdditionalPolicy = NonNullable<LogsIngestionClientOptions['additionalPolicies']>[number];

/**
 * An ordered record of what happened around the handler's deadline: `deadline` when its abort
 * signal fires (seen through the object opener, which receives it), `send` for each request the
 * Logs Ingestion client puts on the wire (a per-retry pipeline policy), `chunk` for each piece of
 * an object body read. Tests assert on this order — nothing sent, at most the awaited chunk read
 * after the deadline — instead of on elapsed wall-clock time, which a loaded machine stretches.
 */
export function timeline() {
  const events: ('deadline' | 'send' | 'chunk')[] = [];
  const watched = new WeakSet<AbortSignal>();
  const recordSends: AdditionalPolicy = {
    position: 'perRetry',
    policy: {
      name: 'timelineRecordSends',
      sendRequest: async (request, next) => {
        events.push('send');
        return next(request);
      },
    },
  };
  return {
    events,
    /** `events` after the deadline (empty if it never fired). */
    afterDeadline: () => (events.includes('deadline') ? events.slice(events.indexOf('deadline') + 1) : []),
    beforeDeadline: () =>
      events.includes('deadline') ? events.slice(0, events.indexOf('deadline')) : events,
    recordSends,
    watch(signal: AbortSignal): void {
      if (watched.has(signal)) return;
      watched.add(signal);
      signal.addEventListener('abort', () => events.push('deadline'), { once: true });
    },
  };
}

export function ndjson(count: number, start = 0): string {
  return Array.from({ length: count }, (_, i) =>
    JSON.stringify({ ts: '2026-11-28T09:59:00Z', seq: start + i, msg: `event ${start + i}` }),
  ).join('\n');
}

export async function putObject(
  key: string,
  body: string | Buffer,
): Promise<{ bucket: string; key: string; eTag?: string }> {
  const { eTag } = await s3.put(BUCKET, key, body);
  return { bucket: BUCKET, key, ...(eTag !== undefined ? { eTag } : {}) };
}

export function rowsOf(key: string): Record<string, unknown>[] {
  return emulator.rows(STREAM).filter((r) => r.S3Key === key);
}
