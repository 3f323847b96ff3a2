import { ChangeMessageVisibilityCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetWebIdentityTokenCommand, STSClient } from '@aws-sdk/client-sts';
import { S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { continuationBody } from '../../lambda/io/events';
import { ENV } from '../../lambda/contract/environment';
import { columnsOf } from '../../lambda/formats';
import type { LogsIngestionClientOptions } from '@azure/monitor-ingestion';
import {
  createDependencies,
  createHandler,
  type DependencyOptions,
} from '../../lambda/pipeline/handler';
import { s3ObjectOpener } from '../../lambda/io/s3-objects';
import { captureOutput, metricSum, type CapturedOutput } from '../support/capture';
import {
  eventBridgeEvent,
  lambdaContext,
  s3Notification,
  s3TestEvent,
  snsWrapped,
  sqsEvent,
  sqsRecord,
} from '../support/events';
import { forwarderEnv, IngestionEmulator } from '../support/ingestion-emulator';
import { startS3, type LocalS3 } from '../support/s3-server';

const BUCKET = 'logs';
const STREAM = 'Custom-AppLogs';
const CLOUDTRAIL_STREAM = 'Custom-CloudTrail';
const FIXTURES = join(__dirname, '..', 'fixtures', 'aws');
const SECRET = 'client-secret-value-7f3a9c';
const ssmMock = mockClient(SSMClient);
const sqsMock = mockClient(SQSClient);
const stsMock = mockClient(STSClient);
const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/s3-to-sentinel-app-logs';
const DLQ_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/s3-to-sentinel-app-logs-dlq';

let s3: LocalS3;
let emulator: IngestionEmulator;
let output: CapturedOutput;
/** Secrets handed to the Entra credential factory, in order. */
let secretsSeen: string[];

beforeAll(async () => {
  [s3, emulator] = await Promise.all([
    startS3([BUCKET]),
    IngestionEmulator.start({
      streams: { [STREAM]: columnsOf('ndjson'), [CLOUDTRAIL_STREAM]: columnsOf('cloudtrail') },
    }),
  ]);
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
  secretsSeen = [];
  output = captureOutput();
});
afterEach(() => output.restore());

function env(overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  return forwarderEnv(emulator, STREAM, overrides);
}

/**
 * The handler with production wiring except what cannot run here: S3 is s3rver, SSM is mocked
 * with the SDK's own mock library, and Entra ID is replaced by a credential the emulator accepts
 * (the factory still receives the secret read from SSM).
 */
function makeHandler(options: Partial<DependencyOptions> & { envOverrides?: Record<string, string> } = {}) {
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
      safetyMarginMs: 500,
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
function timeline() {
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

function ndjson(count: number, start = 0): string {
  return Array.from({ length: count }, (_, i) =>
    JSON.stringify({ ts: '2026-11-28T09:59:00Z', seq: start + i, msg: `event ${start + i}` }),
  ).join('\n');
}

async function putObject(
  key: string,
  body: string | Buffer,
): Promise<{ bucket: string; key: string; eTag?: string }> {
  const { eTag } = await s3.put(BUCKET, key, body);
  return { bucket: BUCKET, key, ...(eTag !== undefined ? { eTag } : {}) };
}

function rowsOf(key: string): Record<string, unknown>[] {
  return emulator.rows(STREAM).filter((r) => r.S3Key === key);
}

describe('forwarder handler', () => {
  test('delivers every line of a gzip object named by an S3 notification, with provenance', async () => {
    // GIVEN a gzip NDJSON object whose key needs URL-decoding
    const object = await putObject('app/2026/11/28/part one+two.json.gz', gzipSync(ndjson(250)));
    const handler = makeHandler();
    // WHEN
    const response = await handler(sqsEvent(sqsRecord(s3Notification(object), 'm1')), lambdaContext());
    // THEN
    expect(response).toStrictEqual({ batchItemFailures: [] });
    const rows = rowsOf(object.key);
    expect(rows).toHaveLength(250);
    expect(rows.map((r) => r.RecordIndex).sort((a, b) => Number(a) - Number(b))).toStrictEqual(
      Array.from({ length: 250 }, (_, i) => i),
    );
    expect(rows.find((r) => r.RecordIndex === 7)).toMatchObject({
      S3Bucket: BUCKET,
      S3Key: 'app/2026/11/28/part one+two.json.gz',
      S3EventTime: '2026-11-28T10:00:00.000Z',
      Record: { seq: 7, msg: 'event 7' },
    });
    expect(new Set(rows.map((r) => r.RecordId)).size).toBe(250);
    expect(metricSum(output.metrics(), 'RecordsDelivered')).toBe(250);
    expect(metricSum(output.metrics(), 'ObjectsDelivered')).toBe(1);
    expect(metricSum(output.metrics(), 'IngestionLag')).toBeGreaterThan(0);
  });

  test('fails exactly the poison message of a batch of 10', async () => {
    // GIVEN 9 good messages and one body that is not an S3 notification
    const records = [];
    for (let i = 0; i < 10; i++) {
      if (i === 6) {
        records.push(sqsRecord('{"hello":"this is not an S3 event"}', 'poison'));
      } else {
        const object = await putObject(`batch/object-${i}.json`, ndjson(20, i * 100));
        records.push(sqsRecord(s3Notification(object), `good-${i}`));
      }
    }
    // WHEN
    const response = await makeHandler()(sqsEvent(...records), lambdaContext());
    // THEN
    expect(response).toStrictEqual({ batchItemFailures: [{ itemIdentifier: 'poison' }] });
    expect(emulator.rows(STREAM)).toHaveLength(9 * 20);
    const error = output.logs().find((l) => l.level === 'ERROR' && l.messageId === 'poison');
    expect(error).toMatchObject({ failureClass: 'UnrecognizedMessage', retryable: false });
    expect(String(error?.message)).toContain('this is not an S3 event');
    expect(
      metricSum(output.metrics(), 'Failures', { FailureClass: 'UnrecognizedMessage', Producer: 'app-logs' }),
    ).toBe(1);
    // Every metric carries the producer and lands in the construct's namespace.
    for (const blob of output.metrics()) {
      expect(blob).toMatchObject({
        Producer: 'app-logs',
        _aws: { CloudWatchMetrics: [{ Namespace: 'S3ToSentinel' }] },
      });
    }
  });

  test('reads several records per message, SNS-wrapped notifications and EventBridge events', async () => {
    const a = await putObject('multi/a.json', ndjson(3));
    const b = await putObject('multi/b c.json', ndjson(4));
    const c = await putObject('multi/c.json', ndjson(5));
    const d = await putObject('multi/d.json', ndjson(6));
    const response = await makeHandler()(
      sqsEvent(
        sqsRecord(s3Notification(a, b), 'two-records'),
        sqsRecord(snsWrapped(s3Notification(c)), 'sns'),
        sqsRecord(eventBridgeEvent(d), 'eventbridge'),
      ),
      lambdaContext(),
    );
    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect([a, b, c, d].map((o) => rowsOf(o.key).length)).toStrictEqual([3, 4, 5, 6]);
  });

  test('acknowledges and counts test events and non-create events without retrying them', async () => {
    const response = await makeHandler()(
      sqsEvent(
        sqsRecord(s3TestEvent(BUCKET), 'test-event'),
        sqsRecord(
          s3Notification({ bucket: BUCKET, key: 'deleted.json', eventName: 'ObjectRemoved:Delete' }),
          'removed',
        ),
      ),
      lambdaContext(),
    );
    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect(metricSum(output.metrics(), 'TestEvents')).toBe(1);
    expect(metricSum(output.metrics(), 'SkippedEvents')).toBe(1);
    expect(emulator.requests).toHaveLength(0);
  });

  test('fails permanent on NoSuchKey, naming bucket and key', async () => {
    const response = await makeHandler()(
      sqsEvent(sqsRecord(s3Notification({ bucket: BUCKET, key: 'never/written.json' }), 'missing')),
      lambdaContext(),
    );
    expect(response).toStrictEqual({ batchItemFailures: [{ itemIdentifier: 'missing' }] });
    const error = output.logs().find((l) => l.level === 'ERROR');
    expect(error).toMatchObject({
      failureClass: 'ObjectNotFound',
      retryable: false,
      bucket: BUCKET,
      key: 'never/written.json',
    });
    expect(String(error?.message)).toMatch(/s3:\/\/logs\/never\/written\.json.*NoSuchKey/);
  });

  describe('EventBridge keys, whose URL-encoding AWS does not document', () => {
    /** GetObject keys in the order the forwarder asked for them. */
    let opened: string[];
    const recordingOpener =
      (inner?: DependencyOptions['openObject']): DependencyOptions['openObject'] =>
      async (ref, signal) => {
        opened.push(ref.key);
        return (inner ?? s3ObjectOpener(s3.client))(ref, signal);
      };
    beforeEach(() => {
      opened = [];
    });
    /** An EventBridge event carrying `key` exactly as given, not URL-encoded. */
    function unencodedEventBridgeEvent(object: { bucket: string; key: string; eTag?: string }): object {
      const doc = eventBridgeEvent(object) as { detail: { object: { key: string } } };
      doc.detail.object.key = object.key;
      return doc;
    }

    test("reads a URL-encoded key by its decoded form first ('+', '%' and spaces), never the raw form", async () => {
      // GIVEN an object whose key has '+', '%' and a space, and a decoy stored under the encoded form
      const object = await putObject('eventbridge/a+b c%41.json', ndjson(3));
      const encoded = 'eventbridge/a%2Bb+c%2541.json';
      await putObject(encoded, ndjson(7));
      // WHEN the event carries the key URL-encoded, as notifications do
      const response = await makeHandler({ openObject: recordingOpener() })(
        sqsEvent(sqsRecord(eventBridgeEvent(object))),
        lambdaContext(),
      );
      // THEN the decoded key was read, once, and is the rows' S3Key
      expect(response).toStrictEqual({ batchItemFailures: [] });
      expect(opened).toStrictEqual(['eventbridge/a+b c%41.json']);
      expect(rowsOf('eventbridge/a+b c%41.json')).toHaveLength(3);
      expect(rowsOf(encoded)).toHaveLength(0);
    });

    test("falls back to the key as written when it was not URL-encoded ('+', '%' and spaces)", async () => {
      // GIVEN an object whose literal key decodes to a different, absent key ('+' → ' ', '%41' → 'A')
      const object = await putObject('eventbridge/raw key+plus %41.json', ndjson(4));
      // WHEN the event carries it unencoded
      const response = await makeHandler({ openObject: recordingOpener() })(
        sqsEvent(sqsRecord(unencodedEventBridgeEvent(object))),
        lambdaContext(),
      );
      // THEN NoSuchKey on the decoded key, then the raw key, which is the rows' S3Key
      expect(response).toStrictEqual({ batchItemFailures: [] });
      expect(opened).toStrictEqual(['eventbridge/raw key plus A.json', 'eventbridge/raw key+plus %41.json']);
      const rows = rowsOf('eventbridge/raw key+plus %41.json');
      expect(rows).toHaveLength(4);
      expect(rows.every((r) => r.S3Key === 'eventbridge/raw key+plus %41.json')).toBe(true);
      expect(output.logs().some((l) => l.level === 'ERROR')).toBe(false);
    });

    test('falls back to the key as written on AccessDenied too (a missing key without s3:ListBucket)', async () => {
      const object = await putObject('eventbridge/denied+then 100%.json', ndjson(2));
      const deniedForDecoded: DependencyOptions['openObject'] = async (ref, signal) => {
        if (ref.key !== object.key) {
          throw new S3ServiceException({
            name: 'AccessDenied',
            $fault: 'client',
            $metadata: { httpStatusCode: 403 },
            message: 'Access Denied',
          });
        }
        return s3ObjectOpener(s3.client)(ref, signal);
      };
      const response = await makeHandler({ openObject: recordingOpener(deniedForDecoded) })(
        sqsEvent(sqsRecord(unencodedEventBridgeEvent(object))),
        lambdaContext(),
      );
      expect(response).toStrictEqual({ batchItemFailures: [] });
      expect(opened).toStrictEqual(['eventbridge/denied then 100%.json', object.key]);
      expect(rowsOf(object.key)).toHaveLength(2);
    });

    test('fails permanent on the decoded key when neither form exists', async () => {
      const response = await makeHandler({ openObject: recordingOpener() })(
        sqsEvent(
          sqsRecord(unencodedEventBridgeEvent({ bucket: BUCKET, key: 'eventbridge/gone+away.json' }), 'gone'),
        ),
        lambdaContext(),
      );
      expect(response).toStrictEqual({ batchItemFailures: [{ itemIdentifier: 'gone' }] });
      expect(opened).toStrictEqual(['eventbridge/gone away.json', 'eventbridge/gone+away.json']);
      expect(output.logs().find((l) => l.level === 'ERROR')).toMatchObject({
        failureClass: 'ObjectNotFound',
        retryable: false,
        key: 'eventbridge/gone away.json',
      });
    });

    test('keeps notification keys as documented (URL-encoded): no second try with the key as written', async () => {
      const object = await putObject('notification/raw key+plus.json', ndjson(2));
      const doc = s3Notification(object) as { Records: { s3: { object: { key: string } } }[] };
      doc.Records[0].s3.object.key = object.key;
      const response = await makeHandler({ openObject: recordingOpener() })(
        sqsEvent(sqsRecord(doc, 'raw-notification')),
        lambdaContext(),
      );
      expect(response).toStrictEqual({ batchItemFailures: [{ itemIdentifier: 'raw-notification' }] });
      expect(opened).toStrictEqual(['notification/raw key plus.json']);
      expect(rowsOf(object.key)).toHaveLength(0);
    });
  });

  test('isolates a malformed line among 10,000 and delivers the rest, logging key and line number', async () => {
    const lines = ndjson(10_000).split('\n');
    lines[4321] = '{"truncated": ';
    const object = await putObject('bulk/ten-thousand.json.gz', gzipSync(lines.join('\n')));
    const response = await makeHandler()(sqsEvent(sqsRecord(s3Notification(object))), lambdaContext());
    expect(response).toStrictEqual({ batchItemFailures: [] });
    const rows = rowsOf(object.key);
    expect(rows).toHaveLength(9_999);
    expect(rows.some((r) => r.RecordIndex === 4321)).toBe(false);
    const warning = output.logs().find((l) => l.level === 'WARN' && l.lineNumber !== undefined);
    expect(warning).toMatchObject({ bucket: BUCKET, key: object.key, lineNumber: 4322, recordIndex: 4321 });
    expect(metricSum(output.metrics(), 'MalformedLines')).toBe(1);
    expect(metricSum(output.metrics(), 'RecordsDelivered')).toBe(9_999);
  });

  test('isolates a single record over 1 MB, reports it with key and index, and never provokes a 413', async () => {
    const big = JSON.stringify({ seq: 1, blob: 'x'.repeat(1_100_000) });
    const object = await putObject('big/one-huge-record.json', [ndjson(1), big, ndjson(1, 2)].join('\n'));
    const response = await makeHandler()(sqsEvent(sqsRecord(s3Notification(object))), lambdaContext());
    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect(rowsOf(object.key).map((r) => r.RecordIndex)).toStrictEqual([0, 2]);
    expect(emulator.requests.every((r) => r.status === 204)).toBe(true);
    const warning = output.logs().find((l) => l.level === 'WARN' && l.recordBytes !== undefined);
    expect(warning).toMatchObject({ key: object.key, recordIndex: 1 });
    expect(metricSum(output.metrics(), 'OversizedRecords')).toBe(1);
  });

  test('keeps every request at or under 1 MB for a large object, so the API never answers 413', async () => {
    const object = await putObject('big/many.json.gz', gzipSync(ndjson(40_000)));
    const response = await makeHandler()(sqsEvent(sqsRecord(s3Notification(object))), lambdaContext());
    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect(rowsOf(object.key)).toHaveLength(40_000);
    expect(emulator.requests.length).toBeGreaterThan(3);
    expect(emulator.requests.every((r) => r.status === 204 && r.bytes <= 1_000_000)).toBe(true);
  });

  test('rides out a 429 with Retry-After', async () => {
    const object = await putObject('throttled.json', ndjson(10));
    emulator.failNext(1, { status: 429, retryAfter: 1 });
    const response = await makeHandler()(sqsEvent(sqsRecord(s3Notification(object))), lambdaContext());
    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect(emulator.requests.map((r) => r.status)).toStrictEqual([429, 204]);
    expect(rowsOf(object.key)).toHaveLength(10);
  });

  test('rides out a connection reset', async () => {
    const object = await putObject('reset.json', ndjson(10));
    emulator.failNext(1, { reset: true });
    const response = await makeHandler()(sqsEvent(sqsRecord(s3Notification(object))), lambdaContext());
    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect(rowsOf(object.key)).toHaveLength(10);
  });

  test('fails transient when 500s outlast the time budget, and does not start the rest of the batch', async () => {
    // GIVEN an API down for longer than the invocation has, and three messages
    const objects = await Promise.all([1, 2, 3].map((i) => putObject(`outage/${i}.json`, ndjson(5))));
    emulator.failAlways({ status: 500 });
    const recorded = timeline();
    const handler = makeHandler({
      clientOptions: {
        ...emulator.clientOptions({ maxRetries: 1_000, retryDelayInMs: 50, maxRetryDelayInMs: 100 }),
        additionalPolicies: [recorded.recordSends],
      },
      openObject: async (ref, signal) => {
        recorded.watch(signal);
        return s3ObjectOpener(s3.client)(ref, signal);
      },
    });
    // WHEN the Lambda has 2.5 s left (2 s after the safety margin)
    const response = await handler(
      sqsEvent(...objects.map((o, i) => sqsRecord(s3Notification(o), `outage-${i}`))),
      lambdaContext(2_500),
    );
    // THEN all three return to the queue, and only the first was attempted
    expect(response).toStrictEqual({
      batchItemFailures: [
        { itemIdentifier: 'outage-0' },
        { itemIdentifier: 'outage-1' },
        { itemIdentifier: 'outage-2' },
      ],
    });
    // It stopped at its deadline, not before (the API was retried up to it, well under the 1,000
    // retries allowed) nor after (no request sent once the deadline fired).
    expect(recorded.events).toContain('deadline');
    expect(recorded.beforeDeadline().filter((e) => e === 'send').length).toBeGreaterThan(1);
    expect(recorded.afterDeadline()).not.toContain('send');
    expect(new Set(emulator.requests.map((r) => r.stream))).toStrictEqual(new Set([STREAM]));
    const error = output.logs().find((l) => l.level === 'ERROR' && l.messageId === 'outage-0');
    expect(error).toMatchObject({
      failureClass: 'TimeBudgetExhausted',
      retryable: true,
      recordsDelivered: 0,
      nextRecordIndex: 0,
    });
    expect(output.logs().find((l) => l.message === 'Batch processed')).toMatchObject({
      failed: 3,
      notAttempted: 2,
    });
    expect(emulator.rows(STREAM)).toHaveLength(0);
  });

  test('fails permanent on 403 with the role-naming message', async () => {
    const object = await putObject('forbidden.json', ndjson(3));
    emulator.failAlways({ status: 403 });
    const response = await makeHandler()(
      sqsEvent(sqsRecord(s3Notification(object), 'forbidden')),
      lambdaContext(),
    );
    expect(response).toStrictEqual({ batchItemFailures: [{ itemIdentifier: 'forbidden' }] });
    const error = output.logs().find((l) => l.level === 'ERROR');
    expect(error).toMatchObject({ failureClass: 'IngestionAuthorization', retryable: false });
    expect(String(error?.message)).toMatch(/Monitoring Metrics Publisher.*data collection rule.*30 minutes/);
    expect(String(error?.message)).toContain('s3://logs/forbidden.json');
  });

  test('fails permanent on 401', async () => {
    const object = await putObject('unauthorized.json', ndjson(3));
    emulator.failAlways({ status: 401 });
    const response = await makeHandler()(
      sqsEvent(sqsRecord(s3Notification(object), 'unauth')),
      lambdaContext(),
    );
    expect(response).toStrictEqual({ batchItemFailures: [{ itemIdentifier: 'unauth' }] });
    expect(output.logs().find((l) => l.level === 'ERROR')).toMatchObject({
      failureClass: 'IngestionAuthorization',
      retryable: false,
    });
  });

  test('fails permanent on 404, naming the DCR immutable id and the stream', async () => {
    const object = await putObject('wrong-dcr.json', ndjson(3));
    const response = await makeHandler({ envOverrides: { [ENV.dcrImmutableId]: 'dcr-does-not-exist' } })(
      sqsEvent(sqsRecord(s3Notification(object), 'wrong-dcr')),
      lambdaContext(),
    );
    expect(response).toStrictEqual({ batchItemFailures: [{ itemIdentifier: 'wrong-dcr' }] });
    const error = output.logs().find((l) => l.level === 'ERROR');
    expect(error).toMatchObject({ failureClass: 'IngestionNotFound', retryable: false });
    expect(String(error?.message)).toMatch(/dcr-does-not-exist.*Custom-AppLogs/);
  });

  test('reads the secret once across invocations, again after the TTL, and never logs it', async () => {
    // GIVEN a 60 s TTL, a controllable clock, and a secret rotated after the first read
    ssmMock.reset();
    ssmMock
      .on(GetParameterCommand)
      .resolvesOnce({ Parameter: { Value: SECRET } })
      .resolves({ Parameter: { Value: `${SECRET}-rotated` } });
    let clock = Date.parse('2026-11-28T10:00:00Z');
    const handler = makeHandler({
      envOverrides: { [ENV.secretTtlSeconds]: '60' },
      now: () => clock,
      // Tokens that need refreshing on every request, so each invocation asks for the secret.
      secretCredentialFactory: (_tenant, _client, secret) => {
        secretsSeen.push(secret);
        return emulator.tokenCredential(1_000);
      },
    });
    const object = await putObject('secret/cached.json', ndjson(2));
    const event = sqsEvent(sqsRecord(s3Notification(object)));
    // WHEN three invocations: two within the TTL, one after
    await handler(event, lambdaContext());
    clock += 30_000;
    await handler(event, lambdaContext());
    clock += 31_000;
    const last = await handler(event, lambdaContext());
    // THEN
    expect(last).toStrictEqual({ batchItemFailures: [] });
    expect(ssmMock).toHaveReceivedCommandTimes(GetParameterCommand, 2);
    expect(ssmMock).toHaveReceivedCommandWith(GetParameterCommand, {
      Name: '/s3-to-sentinel/app-logs/client-secret',
      WithDecryption: true,
    });
    expect(secretsSeen).toStrictEqual([SECRET, `${SECRET}-rotated`]);
    expect(emulator.tokenRequests).toBeGreaterThanOrEqual(3);
    expect(output.text()).not.toContain(SECRET);
  });

  test('never writes the secret to any log line, failures included', async () => {
    const object = await putObject('secret/failing.json', ndjson(2));
    emulator.failAlways({ status: 401 });
    await makeHandler()(
      sqsEvent(sqsRecord(s3Notification(object)), sqsRecord('not json at all')),
      lambdaContext(),
    );
    expect(secretsSeen).toStrictEqual([SECRET]);
    expect(output.logs().length).toBeGreaterThan(2);
    expect(output.text()).not.toContain(SECRET);
  });

  test('fails every message, naming the variables, when the environment is incomplete', async () => {
    const handler = makeHandler({ envOverrides: { [ENV.tenantId]: '' } });
    await expect(handler(sqsEvent(sqsRecord(s3TestEvent())), lambdaContext())).rejects.toThrow(
      /AZURE_TENANT_ID is not set/,
    );
  });

  test('delivers a real CloudTrail log file with every row matching the DCR stream declaration', async () => {
    // GIVEN the AWS sample CloudTrail file, gzip as CloudTrail writes it
    const text = readFileSync(join(FIXTURES, 'cloudtrail', 'cloudtrail_log.json'), 'utf8');
    const expected = (JSON.parse(text) as { Records: unknown[] }).Records.length;
    const object = await putObject(
      'AWSLogs/123456789012/CloudTrail/eu-west-1/2026/11/28/123456789012_CloudTrail_eu-west-1_20261128T1000Z_abc.json.gz',
      gzipSync(text),
    );
    const handler = makeHandler({
      envOverrides: { [ENV.format]: 'cloudtrail', [ENV.streamName]: CLOUDTRAIL_STREAM },
    });
    // WHEN
    const response = await handler(sqsEvent(sqsRecord(s3Notification(object))), lambdaContext());
    // THEN the emulator, which checks names and types against columnsOf('cloudtrail'), accepted all
    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect(emulator.rows(CLOUDTRAIL_STREAM)).toHaveLength(expected);
    expect(emulator.requests.every((r) => r.status === 204)).toBe(true);
  });

  test('acknowledges and counts a CloudTrail digest file without sending anything', async () => {
    const object = await putObject(
      'AWSLogs/123456789012/CloudTrail-Digest/eu-west-1/2026/11/28/123456789012_CloudTrail-Digest_eu-west-1_x_20261128T100000Z.json.gz',
      gzipSync(readFileSync(join(FIXTURES, 'cloudtrail-digest', 'cloudtrail_digest.json'))),
    );
    const handler = makeHandler({
      envOverrides: { [ENV.format]: 'cloudtrail', [ENV.streamName]: CLOUDTRAIL_STREAM },
    });
    const response = await handler(sqsEvent(sqsRecord(s3Notification(object))), lambdaContext());
    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect(emulator.requests).toHaveLength(0);
    expect(metricSum(output.metrics(), 'SkippedObjects')).toBe(1);
  });

  test('resumes a continuation message at its record offset', async () => {
    // GIVEN an object of 100 records of which an earlier invocation delivered the first 60
    const object = await putObject('resume/object.json', ndjson(100));
    const body = continuationBody({
      object: { ...object, eventTime: '2026-11-28T10:00:00.000Z' },
      nextRecordIndex: 60,
    });
    // WHEN
    const response = await makeHandler()(sqsEvent(sqsRecord(body)), lambdaContext());
    // THEN only records 60..99 are sent, with their original indexes (and so their RecordIds)
    expect(response).toStrictEqual({ batchItemFailures: [] });
    const indexes = rowsOf(object.key).map((r) => Number(r.RecordIndex));
    expect(indexes.sort((a, b) => a - b)).toStrictEqual(Array.from({ length: 40 }, (_, i) => 60 + i));
  });

  test('stops reading a slow object when the time budget runs out, and returns it to the queue', async () => {
    // GIVEN an object that arrives slowly (each chunk of the body 100 ms apart) and a 1 s budget
    const object = await putObject('slow/object.json', ndjson(20_000));
    const recorded = timeline();
    const slowly: DependencyOptions['openObject'] = async (ref, signal) => {
      recorded.watch(signal);
      const body = await s3ObjectOpener(s3.client)(ref, signal);
      return (async function* () {
        for await (const chunk of body) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          recorded.events.push('chunk');
          yield chunk;
        }
      })();
    };
    // WHEN
    const response = await makeHandler({ openObject: slowly })(
      sqsEvent(sqsRecord(s3Notification(object), 'slow')),
      lambdaContext(1_500),
    );
    // THEN it gave up at its deadline — the body read up to it, and after it at most the one chunk
    // already awaited, no further request sent — retryable, with where to resume
    expect(response).toStrictEqual({ batchItemFailures: [{ itemIdentifier: 'slow' }] });
    expect(recorded.events).toContain('deadline');
    expect(recorded.beforeDeadline()).toContain('chunk');
    expect(recorded.afterDeadline().filter((e) => e === 'chunk').length).toBeLessThanOrEqual(1);
    const error = output.logs().find((l) => l.level === 'ERROR');
    expect(error).toMatchObject({ failureClass: 'TimeBudgetExhausted', retryable: true, key: object.key });
    // Nothing before the resume point is missing. (A batch the API accepted just as the deadline
    // aborted its response counts as failed and is sent again: at-least-once, de-duplicated by RecordId.)
    const accepted = new Set(rowsOf(object.key).map((r) => Number(r.RecordIndex)));
    const resumeAt = Number(error?.nextRecordIndex);
    expect(Array.from({ length: resumeAt }, (_, i) => i).every((i) => accepted.has(i))).toBe(true);
    expect(resumeAt).toBeLessThan(20_000);
  });

  describe('with the real ClientSecretCredential against a local Entra ID token endpoint', () => {
    const entraOptions = () => ({
      authorityHost: emulator.endpoint,
      disableInstanceDiscovery: true,
      tlsOptions: { ca: emulator.ca },
    });

    test('exchanges the SSM secret for a Logs Ingestion token and delivers', async () => {
      // GIVEN Entra ID knows the secret SSM holds
      emulator.clientSecret = SECRET;
      const object = await putObject('entra/ok.json', ndjson(5));
      const handler = makeHandler({ secretCredentialFactory: undefined, entraOptions: entraOptions() });
      // WHEN
      const response = await handler(sqsEvent(sqsRecord(s3Notification(object))), lambdaContext());
      // THEN one client-credentials grant for the Azure Monitor scope, then the upload
      expect(response).toStrictEqual({ batchItemFailures: [] });
      expect(emulator.tokenGrants).toStrictEqual([
        {
          clientId: '00000000-0000-0000-0000-000000000002',
          scope: 'https://monitor.azure.com/.default',
          ok: true,
        },
      ]);
      expect(rowsOf(object.key)).toHaveLength(5);
      expect(output.text()).not.toContain(SECRET);
    });

    test('federated mode: exchanges an AWS web identity token for the Logs Ingestion token, no secret', async () => {
      // GIVEN STS mints a token that Entra ID's federated credential trusts
      stsMock.on(GetWebIdentityTokenCommand).resolves({ WebIdentityToken: 'aws-outbound-jwt' });
      emulator.clientAssertion = 'aws-outbound-jwt';
      const object = await putObject('entra/federated.json', ndjson(4));
      const handler = makeHandler({
        envOverrides: { [ENV.authMode]: 'federated', [ENV.clientSecretParameter]: '' },
        secretCredentialFactory: undefined,
        entraOptions: entraOptions(),
      });
      // WHEN
      const response = await handler(sqsEvent(sqsRecord(s3Notification(object))), lambdaContext());
      // THEN
      expect(response).toStrictEqual({ batchItemFailures: [] });
      expect(rowsOf(object.key)).toHaveLength(4);
      expect(stsMock).toHaveReceivedCommandWith(GetWebIdentityTokenCommand, {
        Audience: ['api://AzureADTokenExchange'],
        DurationSeconds: 300,
      });
      expect(emulator.tokenGrants).toStrictEqual([
        {
          clientId: '00000000-0000-0000-0000-000000000002',
          scope: 'https://monitor.azure.com/.default',
          ok: true,
        },
      ]);
      expect(ssmMock).toHaveReceivedCommandTimes(GetParameterCommand, 0);
    });

    test('federated mode: fails permanent when Entra ID does not trust the AWS token', async () => {
      stsMock.on(GetWebIdentityTokenCommand).resolves({ WebIdentityToken: 'aws-outbound-jwt' });
      emulator.clientAssertion = 'a-different-subject';
      const object = await putObject('entra/federated-rejected.json', ndjson(4));
      const handler = makeHandler({
        envOverrides: { [ENV.authMode]: 'federated', [ENV.clientSecretParameter]: '' },
        secretCredentialFactory: undefined,
        entraOptions: entraOptions(),
      });
      const response = await handler(
        sqsEvent(sqsRecord(s3Notification(object), 'untrusted')),
        lambdaContext(),
      );
      expect(response).toStrictEqual({ batchItemFailures: [{ itemIdentifier: 'untrusted' }] });
      const error = output.logs().find((l) => l.level === 'ERROR');
      expect(error).toMatchObject({ failureClass: 'CredentialRejected', retryable: false });
      expect(String(error?.message)).toMatch(/federated identity credential/);
    });

    test('fails permanent, naming put-secret, when Entra ID rejects the secret', async () => {
      emulator.clientSecret = 'the-secret-entra-expects';
      const object = await putObject('entra/rejected.json', ndjson(5));
      const handler = makeHandler({ secretCredentialFactory: undefined, entraOptions: entraOptions() });
      const response = await handler(
        sqsEvent(sqsRecord(s3Notification(object), 'rejected')),
        lambdaContext(),
      );
      expect(response).toStrictEqual({ batchItemFailures: [{ itemIdentifier: 'rejected' }] });
      const error = output.logs().find((l) => l.level === 'ERROR');
      expect(error).toMatchObject({ failureClass: 'CredentialRejected', retryable: false });
      expect(String(error?.message)).toMatch(
        /invalid_client.*`s3-to-sentinel put-secret --producer app-logs --from-outputs <cdktf outputs file>`/,
      );
      expect(emulator.requests).toHaveLength(0);
      expect(output.text()).not.toContain(SECRET);
    });
  });

  test('stops reading objects once Entra ID rejects the secret: later messages fail the same way, unread', async () => {
    emulator.clientSecret = 'the-secret-entra-expects';
    const objects = await Promise.all([0, 1, 2].map((i) => putObject(`rejected-batch/${i}.json`, ndjson(3))));
    const opened: string[] = [];
    const recording: DependencyOptions['openObject'] = async (ref, signal) => {
      opened.push(ref.key);
      return s3ObjectOpener(s3.client)(ref, signal);
    };
    const handler = makeHandler({
      secretCredentialFactory: undefined,
      entraOptions: {
        authorityHost: emulator.endpoint,
        disableInstanceDiscovery: true,
        tlsOptions: { ca: emulator.ca },
      },
      openObject: recording,
    });
    const response = await handler(
      sqsEvent(...objects.map((o, i) => sqsRecord(s3Notification(o), `rejected-${i}`))),
      lambdaContext(),
    );
    // Permanent for each (no DLQ URL configured here, so reported failed, without a back-off).
    expect(response).toStrictEqual({
      batchItemFailures: [0, 1, 2].map((i) => ({ itemIdentifier: `rejected-${i}` })),
    });
    expect(opened).toStrictEqual([objects[0].key]);
    const errors = output.logs().filter((l) => l.level === 'ERROR');
    expect(errors.map((l) => [l.messageId, l.failureClass, l.retryable])).toStrictEqual([
      ['rejected-0', 'CredentialRejected', false],
      ['rejected-1', 'CredentialRejected', false],
      ['rejected-2', 'CredentialRejected', false],
    ]);
    expect(sqsMock).toHaveReceivedCommandTimes(ChangeMessageVisibilityCommand, 0);
  });

  describe('with the queue URLs the construct sets', () => {
    const queues = { [ENV.queueUrl]: QUEUE_URL, [ENV.deadLetterQueueUrl]: DLQ_URL };

    test('moves a permanent failure straight to the DLQ with its reason, and acknowledges it', async () => {
      // GIVEN a batch with one good message and one poison message
      sqsMock.on(SendMessageCommand).resolves({ MessageId: 'dlq-1' });
      const object = await putObject('dlq/good.json', ndjson(3));
      const poison = '{"not":"an S3 event"}';
      // WHEN
      const response = await makeHandler({ envOverrides: queues })(
        sqsEvent(sqsRecord(s3Notification(object), 'good'), sqsRecord(poison, 'poison')),
        lambdaContext(),
      );
      // THEN neither is left failed: the poison message is in the DLQ, unchanged, with why
      expect(response).toStrictEqual({ batchItemFailures: [] });
      expect(sqsMock).toHaveReceivedCommandTimes(SendMessageCommand, 1);
      expect(sqsMock).toHaveReceivedCommandWith(SendMessageCommand, {
        QueueUrl: DLQ_URL,
        MessageBody: poison,
        MessageAttributes: {
          Producer: { DataType: 'String', StringValue: 'app-logs' },
          FailureClass: { DataType: 'String', StringValue: 'UnrecognizedMessage' },
          FailureReason: {
            DataType: 'String',
            StringValue: expect.stringContaining('not an S3 notification'),
          },
          SourceMessageId: { DataType: 'String', StringValue: 'poison' },
        },
      });
      expect(sqsMock).toHaveReceivedCommandTimes(ChangeMessageVisibilityCommand, 0);
      expect(output.logs().find((l) => l.message === 'Batch processed')).toMatchObject({
        movedToDeadLetterQueue: 1,
      });
    });

    test('stops reading objects once the client secret is missing, and sends each message to the DLQ with that reason', async () => {
      // GIVEN no secret in SSM, and a batch of three objects and a test event
      sqsMock.on(SendMessageCommand).resolves({ MessageId: 'dlq-1' });
      ssmMock.reset();
      ssmMock
        .on(GetParameterCommand)
        .rejects(Object.assign(new Error('Parameter not found.'), { name: 'ParameterNotFound' }));
      const objects = await Promise.all([0, 1, 2].map((i) => putObject(`no-secret/${i}.json`, ndjson(5))));
      const opened: string[] = [];
      const recording: DependencyOptions['openObject'] = async (ref, signal) => {
        opened.push(ref.key);
        return s3ObjectOpener(s3.client)(ref, signal);
      };
      // WHEN
      const response = await makeHandler({ envOverrides: queues, openObject: recording })(
        sqsEvent(
          sqsRecord(s3Notification(objects[0]), 'first'),
          sqsRecord(s3TestEvent(BUCKET), 'test-event'),
          sqsRecord(s3Notification(objects[1]), 'second'),
          sqsRecord(s3Notification(objects[2]), 'third'),
        ),
        lambdaContext(),
      );
      // THEN only the first object was read; every object's message is in the DLQ with the same
      // permanent reason naming the command that fixes it; the test event is still acknowledged
      expect(opened).toStrictEqual([objects[0].key]);
      expect(response).toStrictEqual({ batchItemFailures: [] });
      const sent = sqsMock.commandCalls(SendMessageCommand).map((c) => c.args[0].input);
      expect(sent.map((m) => m.MessageAttributes?.SourceMessageId?.StringValue)).toStrictEqual([
        'first',
        'second',
        'third',
      ]);
      for (const message of sent) {
        expect(message.QueueUrl).toBe(DLQ_URL);
        expect(message.MessageAttributes?.FailureClass?.StringValue).toBe('Configuration');
        expect(message.MessageAttributes?.FailureReason?.StringValue).toContain(
          '`s3-to-sentinel put-secret --producer app-logs --from-outputs <cdktf outputs file>`',
        );
      }
      expect(emulator.requests).toHaveLength(0);
      expect(metricSum(output.metrics(), 'TestEvents')).toBe(1);
      expect(
        metricSum(output.metrics(), 'Failures', { FailureClass: 'Configuration', Producer: 'app-logs' }),
      ).toBe(3);
      expect(output.logs().find((l) => l.message === 'Batch processed')).toMatchObject({
        movedToDeadLetterQueue: 3,
        notAttempted: 2,
      });
    });

    /** API refusals that no object changes: the identity may not write to the DCR, or no such DCR. */
    const refusals: {
      status: number;
      setUp: () => void;
      envOverrides: Record<string, string>;
      failureClass: string;
      fix: RegExp;
    }[] = [
      {
        status: 403,
        setUp: () => emulator.failAlways({ status: 403 }),
        envOverrides: {},
        failureClass: 'IngestionAuthorization',
        fix: /Monitoring Metrics Publisher.*data collection rule/,
      },
      {
        status: 404,
        setUp: () => undefined,
        envOverrides: { [ENV.dcrImmutableId]: 'dcr-does-not-exist' },
        failureClass: 'IngestionNotFound',
        fix: /dcr-does-not-exist with stream Custom-AppLogs.*Check DCR_IMMUTABLE_ID/,
      },
    ];
    test.each(refusals)(
      'stops reading objects after a $status from the API, and sends each message to the DLQ with the fix',
      async ({ status, setUp, envOverrides, failureClass, fix }) => {
        // GIVEN an API that refuses every upload for a reason no object changes, and three objects
        sqsMock.on(SendMessageCommand).resolves({ MessageId: 'dlq-1' });
        setUp();
        const objects = await Promise.all(
          [0, 1, 2].map((i) => putObject(`refused-${status}/${i}.json`, ndjson(5))),
        );
        const opened: string[] = [];
        const recording: DependencyOptions['openObject'] = async (ref, signal) => {
          opened.push(ref.key);
          return s3ObjectOpener(s3.client)(ref, signal);
        };
        // WHEN
        const response = await makeHandler({
          envOverrides: { ...queues, ...envOverrides },
          openObject: recording,
        })(sqsEvent(...objects.map((o, i) => sqsRecord(s3Notification(o), `refused-${i}`))), lambdaContext());
        // THEN only the first object was read and sent; all three are in the DLQ, so none is left failed
        expect(response).toStrictEqual({ batchItemFailures: [] });
        expect(opened).toStrictEqual([objects[0].key]);
        expect(emulator.requests.map((r) => r.status)).toStrictEqual([status]);
        const sent = sqsMock.commandCalls(SendMessageCommand).map((c) => c.args[0].input);
        expect(sent.map((m) => m.MessageAttributes?.SourceMessageId?.StringValue)).toStrictEqual([
          'refused-0',
          'refused-1',
          'refused-2',
        ]);
        for (const message of sent) {
          expect(message.QueueUrl).toBe(DLQ_URL);
          expect(message.MessageAttributes?.FailureClass?.StringValue).toBe(failureClass);
          expect(message.MessageAttributes?.FailureReason?.StringValue).toMatch(fix);
        }
        // Each later message's reason names its own object, says it was not read and why.
        for (const i of [1, 2]) {
          expect(sent[i].MessageAttributes?.FailureReason?.StringValue).toContain(
            `producer app-logs s3://logs/refused-${status}/${i}.json: not read, because an earlier message ` +
              `of this batch failed with ${failureClass}`,
          );
        }
        expect(sent[0].MessageAttributes?.FailureReason?.StringValue).not.toContain('not read');
        const errors = output.logs().filter((l) => l.level === 'ERROR');
        expect(errors.map((l) => [l.messageId, l.failureClass, l.retryable])).toStrictEqual([
          ['refused-0', failureClass, false],
          ['refused-1', failureClass, false],
          ['refused-2', failureClass, false],
        ]);
        expect(String(errors[2].message)).toMatch(/refused-\d+\/2\.json: not read, because/);
        expect(String(errors[2].message)).toMatch(fix);
        expect(
          metricSum(output.metrics(), 'Failures', { FailureClass: failureClass, Producer: 'app-logs' }),
        ).toBe(3);
        const summary = output.logs().find((l) => l.message === 'Batch processed');
        expect(summary).toMatchObject({
          messages: 3,
          failed: 0,
          movedToDeadLetterQueue: 3,
          notAttempted: 2,
          recordsDelivered: 0,
        });
        expect(String(summary?.reason)).toMatch(fix);
      },
    );

    test.each([400, 413])(
      'does not stop the batch on a %s: it is about the rows sent, so the next object is still delivered',
      async (status) => {
        // GIVEN the API refuses the first upload only, and two objects
        sqsMock.on(SendMessageCommand).resolves({ MessageId: 'dlq-1' });
        // (twice for a 400: the forwarder sends a refused batch of records' own text once more,
        // re-serialized, before giving up on it)
        emulator.failNext(status === 400 ? 2 : 1, { status });
        const [first, second] = await Promise.all([
          putObject(`rejected-${status}/first.json`, ndjson(5)),
          putObject(`rejected-${status}/second.json`, ndjson(5)),
        ]);
        // WHEN
        const response = await makeHandler({ envOverrides: queues })(
          sqsEvent(sqsRecord(s3Notification(first), 'first'), sqsRecord(s3Notification(second), 'second')),
          lambdaContext(),
        );
        // THEN the first is in the DLQ, and the second was read and delivered
        expect(response).toStrictEqual({ batchItemFailures: [] });
        expect(emulator.requests.map((r) => r.status)).toStrictEqual(
          status === 400 ? [400, 400, 204] : [status, 204],
        );
        expect(rowsOf(first.key)).toHaveLength(0);
        expect(rowsOf(second.key)).toHaveLength(5);
        const sent = sqsMock.commandCalls(SendMessageCommand).map((c) => c.args[0].input);
        expect(sent.map((m) => m.MessageAttributes?.SourceMessageId?.StringValue)).toStrictEqual(['first']);
        expect(sent[0].MessageAttributes?.FailureClass?.StringValue).toBe('IngestionRejected');
        const summary = output.logs().find((l) => l.message === 'Batch processed');
        expect(summary).toMatchObject({
          messages: 2,
          failed: 0,
          movedToDeadLetterQueue: 1,
          recordsDelivered: 5,
        });
        expect(summary).not.toHaveProperty('notAttempted');
        // A 400 for records sent as their own text was retried re-serialized first, and said so.
        expect(
          output
            .logs()
            .filter((l) =>
              String(l.message).startsWith('The Logs Ingestion API refused records sent as their own text'),
            ),
        ).toHaveLength(status === 400 ? 1 : 0);
      },
    );

    test('reports a permanent failure as failed if the DLQ refuses it, so it is retried rather than lost', async () => {
      sqsMock.on(SendMessageCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));
      const response = await makeHandler({ envOverrides: queues })(
        sqsEvent(sqsRecord('not json', 'poison')),
        lambdaContext(),
      );
      expect(response).toStrictEqual({ batchItemFailures: [{ itemIdentifier: 'poison' }] });
      expect(output.logs().some((l) => l.level === 'WARN' && l.messageId === 'poison')).toBe(true);
    });

    test('hands the rest of an object it cannot finish in time to a continuation message, which completes it', async () => {
      // GIVEN a large object that arrives slowly (about 7 s at 80 ms a chunk), and a 3 s budget: wide
      // enough that a loaded machine still reads part of it, short enough that it cannot read all
      sqsMock.on(SendMessageCommand).resolves({ MessageId: 'continuation-1' });
      const object = await putObject('continue/large.json', ndjson(60_000));
      const slowly: DependencyOptions['openObject'] = async (ref, signal) => {
        const body = await s3ObjectOpener(s3.client)(ref, signal);
        return (async function* () {
          for await (const chunk of body) {
            await new Promise((resolve) => setTimeout(resolve, 80));
            yield chunk;
          }
        })();
      };
      const handler = makeHandler({ envOverrides: queues, openObject: slowly });
      // WHEN the first invocation runs out of time part-way
      const first = await handler(sqsEvent(sqsRecord(s3Notification(object), 'large')), lambdaContext(3_500));
      // THEN the original is acknowledged and a continuation is queued on the source queue
      expect(first).toStrictEqual({ batchItemFailures: [] });
      const sent = sqsMock.commandCalls(SendMessageCommand).map((c) => c.args[0].input);
      expect(sent).toHaveLength(1);
      expect(sent[0].QueueUrl).toBe(QUEUE_URL);
      const continuation = JSON.parse(sent[0].MessageBody!) as {
        s3ToSentinelContinuation: { object: { key: string }; nextRecordIndex: number };
      };
      const resumeAt = continuation.s3ToSentinelContinuation.nextRecordIndex;
      expect(continuation.s3ToSentinelContinuation.object.key).toBe(object.key);
      expect(resumeAt).toBeGreaterThan(0);
      expect(resumeAt).toBeLessThan(60_000);
      // WHEN the continuation is processed (at full speed)
      const second = await makeHandler({ envOverrides: queues })(
        sqsEvent(sqsRecord(sent[0].MessageBody!, 'continuation')),
        lambdaContext(),
      );
      // THEN every record of the object is in Sentinel, the continuation starting where the first stopped
      expect(second).toStrictEqual({ batchItemFailures: [] });
      const indexes = new Set(rowsOf(object.key).map((r) => Number(r.RecordIndex)));
      expect(indexes.size).toBe(60_000);
    });

    test('backs off transient failures with a visibility timeout that doubles per receive', async () => {
      // GIVEN the API is down, and two messages on their 1st and 3rd receive
      sqsMock.on(ChangeMessageVisibilityCommand).resolves({});
      emulator.failAlways({ status: 503 });
      const [a, b] = await Promise.all([
        putObject('backoff/a.json', ndjson(2)),
        putObject('backoff/b.json', ndjson(2)),
      ]);
      const handler = makeHandler({
        envOverrides: queues,
        clientOptions: emulator.clientOptions({ maxRetries: 1 }),
      });
      // WHEN
      const response = await handler(
        sqsEvent(sqsRecord(s3Notification(a), 'first', 1), sqsRecord(s3Notification(b), 'third', 3)),
        lambdaContext(),
      );
      // THEN both return to the queue, hidden for 5 and 20 minutes, and nothing went to the DLQ
      expect(response).toStrictEqual({
        batchItemFailures: [{ itemIdentifier: 'first' }, { itemIdentifier: 'third' }],
      });
      expect(sqsMock.commandCalls(ChangeMessageVisibilityCommand).map((c) => c.args[0].input)).toStrictEqual([
        { QueueUrl: QUEUE_URL, ReceiptHandle: 'rh-first', VisibilityTimeout: 300 },
        { QueueUrl: QUEUE_URL, ReceiptHandle: 'rh-third', VisibilityTimeout: 1200 },
      ]);
      expect(sqsMock).toHaveReceivedCommandTimes(SendMessageCommand, 0);
    });
  });
});
