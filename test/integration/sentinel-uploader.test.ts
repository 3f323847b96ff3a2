import { MAX_BATCH_BYTES } from '../../lambda/io/batcher';
import {
  IngestionAuthorizationError,
  IngestionNotFoundError,
  IngestionRejectedError,
  IngestionUnavailableError,
  TimeBudgetExhaustedError,
} from '../../lambda/core/errors';
import {
  createLogsIngestionClient,
  SentinelUploader,
  type DeliveryResult,
} from '../../lambda/io/sentinel-uploader';
import { RawJson, RowFactory } from '../../lambda/core/rows';
import { INGESTION_MAX_BYTES, IngestionEmulator } from '../support/ingestion-emulator';
import { TEST_COLUMNS, TEST_STREAM, testRow, testRows } from '../support/rows';

let emulator: IngestionEmulator;

beforeAll(async () => {
  emulator = await IngestionEmulator.start({ streams: { [TEST_STREAM]: TEST_COLUMNS } });
});
afterAll(async () => {
  await emulator.close();
});
beforeEach(() => emulator.reset());

function uploader(
  options: {
    concurrency?: number;
    dcrImmutableId?: string;
    retry?: { maxRetries?: number; retryDelayInMs?: number; maxRetryDelayInMs?: number };
    /** @default the suite's emulator */
    api?: IngestionEmulator;
  } = {},
): SentinelUploader {
  const api = options.api ?? emulator;
  const client = createLogsIngestionClient({
    endpoint: api.endpoint,
    credential: api.credential,
    clientOptions: api.clientOptions(options.retry),
  });
  return new SentinelUploader({
    client,
    producer: 'app-logs',
    dcrImmutableId: options.dcrImmutableId ?? api.dcrImmutableId,
    streamName: TEST_STREAM,
    concurrency: options.concurrency ?? 4,
  });
}

async function deliver(
  up: SentinelUploader,
  rows: Record<string, unknown>[],
  signal: AbortSignal = new AbortController().signal,
  { stopWhenStopped = true } = {},
): Promise<DeliveryResult> {
  const delivery = up.open({ bucket: 'logs', key: 'a/b.json' }, signal);
  for (const row of rows) {
    await delivery.add(row, row.RecordIndex as number);
    if (stopWhenStopped && delivery.stopped) break;
  }
  return delivery.finish();
}

describe('SentinelUploader', () => {
  test('sends every row in batches of at most 1 MB of JSON, gzip, api-version 2023-01-01', async () => {
    // GIVEN about 3 MB of 2 KB rows
    const rows = testRows(1500, { bytes: 2000 });
    // WHEN
    const result = await deliver(uploader(), rows);
    // THEN every row arrived once, in requests the API accepts and the SDK did not re-split
    expect(result.error).toBeUndefined();
    expect(result.recordsDelivered).toBe(1500);
    expect(result.recordsFailed).toBe(0);
    expect(
      emulator
        .rows(TEST_STREAM)
        .map((r) => r.RecordIndex)
        .sort((a, b) => Number(a) - Number(b)),
    ).toStrictEqual(rows.map((r) => r.RecordIndex));
    expect(emulator.requests.length).toBe(result.batchesDelivered);
    expect(emulator.requests.length).toBeGreaterThanOrEqual(3);
    for (const request of emulator.requests) {
      expect(request).toMatchObject({ status: 204, contentEncoding: 'gzip', apiVersion: '2023-01-01' });
      expect(request.bytes).toBeLessThanOrEqual(MAX_BATCH_BYTES);
    }
    expect(emulator.requests.some((r) => r.status === 413)).toBe(false);
    expect(result.bytesDelivered).toBe(emulator.requests.reduce((sum, r) => sum + r.bytes, 0));
  });

  test('keeps at most UPLOAD_CONCURRENCY requests in flight', async () => {
    // GIVEN a slow API and 8 batches' worth of rows
    const slow = await IngestionEmulator.start({ streams: { [TEST_STREAM]: TEST_COLUMNS }, latencyMs: 300 });
    try {
      const up = uploader({ api: slow, concurrency: 3 });
      // WHEN
      const result = await deliver(up, testRows(800, { bytes: 10_000 }));
      // THEN
      expect(result.recordsDelivered).toBe(800);
      // Never more than the limit, and more than one at once (the limit, not the code, is what binds).
      expect(slow.maxInFlight).toBeLessThanOrEqual(3);
      expect(slow.maxInFlight).toBeGreaterThan(1);
    } finally {
      await slow.close();
    }
  });

  test('sends a single record over 1 MB truncated, in its place, and still sends the others', async () => {
    // GIVEN record 1 of 3 is larger than a request may be
    const rows = [testRow(0), testRow(1, { bytes: INGESTION_MAX_BYTES + 10 }), testRow(2)];
    // WHEN
    const result = await deliver(uploader(), rows);
    // THEN it is reported by index and sent as its stand-in, so the API never answers 413
    expect(result.oversized).toStrictEqual([{ index: 1, bytes: expect.any(Number), truncated: true }]);
    expect(result.oversized[0].bytes).toBeGreaterThan(MAX_BATCH_BYTES);
    expect(result.recordsDelivered).toBe(3);
    const stored = emulator.rows(TEST_STREAM);
    expect(stored.map((r) => r.RecordIndex)).toStrictEqual([0, 1, 2]);
    expect(stored[1]).toMatchObject({ S3Key: 'a/b.json', OriginalRecordBytes: result.oversized[0].bytes });
    expect(stored[1]).not.toHaveProperty('Record');
    expect(emulator.requests.map((r) => r.status)).toStrictEqual([204]);
  });

  test('honours 429 Retry-After, then succeeds', async () => {
    // GIVEN the API throttles the first request for one second
    emulator.failNext(1, { status: 429, retryAfter: 1 });
    // WHEN
    const result = await deliver(uploader(), testRows(10));
    // THEN the SDK waited as told and the rows arrived once. The wait is read from when the emulator
    // saw the throttled request and its retry, not from how long the test took.
    expect(result.error).toBeUndefined();
    expect(result.recordsDelivered).toBe(10);
    expect(emulator.requests.map((r) => r.status)).toStrictEqual([429, 204]);
    const [throttled, retried] = emulator.requests;
    expect(retried.receivedAt - throttled.receivedAt).toBeGreaterThanOrEqual(950);
    expect(emulator.rows(TEST_STREAM)).toHaveLength(10);
  });

  test('retries a connection reset', async () => {
    emulator.failNext(1, { reset: true });
    const result = await deliver(uploader(), testRows(5));
    expect(result.error).toBeUndefined();
    expect(result.recordsDelivered).toBe(5);
    expect(emulator.requests.map((r) => r.status)).toStrictEqual([0, 204]);
  });

  test('fails transient when connections keep being reset', async () => {
    emulator.failAlways({ reset: true });
    const result = await deliver(uploader({ retry: { maxRetries: 2 } }), testRows(5));
    expect(result.error).toBeInstanceOf(IngestionUnavailableError);
    expect(result.error?.retryable).toBe(true);
    expect(result.error?.message).toMatch(/ECONNRESET/);
    expect(result).toMatchObject({ recordsDelivered: 0, recordsFailed: 5, firstUndeliveredIndex: 0 });
  });

  test('fails transient with IngestionUnavailable once the SDK has used its retries on 500s', async () => {
    emulator.failAlways({ status: 500 });
    const result = await deliver(uploader({ retry: { maxRetries: 2 } }), testRows(5));
    expect(result.error).toBeInstanceOf(IngestionUnavailableError);
    expect(result.error?.retryable).toBe(true);
    expect(result.error?.message).toMatch(/HTTP 500/);
    expect(emulator.requests.map((r) => r.status)).toStrictEqual([500, 500, 500]);
  });

  test('counts every row as failed when the time budget runs out during 500s, sent or not', async () => {
    // GIVEN an API that answers 500 to everything, retries that would outlast the budget, and 3 batches
    emulator.failAlways({ status: 500 });
    const rows = testRows(300, { bytes: 10_000 });
    // WHEN the invocation's deadline fires after 400 ms
    const result = await deliver(
      uploader({ concurrency: 1, retry: { maxRetries: 50, retryDelayInMs: 50, maxRetryDelayInMs: 100 } }),
      rows,
      AbortSignal.timeout(400),
      { stopWhenStopped: false },
    );
    // THEN the failure is transient and no row is unaccounted for
    expect(result.error).toBeInstanceOf(TimeBudgetExhaustedError);
    expect(result.error?.retryable).toBe(true);
    expect(result.recordsDelivered).toBe(0);
    expect(result.recordsDelivered + result.recordsFailed).toBe(300);
    expect(result.firstUndeliveredIndex).toBe(0);
  });

  test('counts rows never sent when the deadline passes between batches', async () => {
    // GIVEN a slow but healthy API and more batches than fit in the time budget
    const slow = await IngestionEmulator.start({ streams: { [TEST_STREAM]: TEST_COLUMNS }, latencyMs: 100 });
    try {
      const up = uploader({ api: slow, concurrency: 1 });
      const rows = testRows(3000, { bytes: 10_000 });
      // WHEN
      const result = await deliver(up, rows, AbortSignal.timeout(1500), { stopWhenStopped: false });
      // THEN everything reported delivered is in the emulator, and nothing handed over is unaccounted
      // for. (The emulator may hold more: a batch it accepted as the deadline cut the response off
      // counts as failed and is sent again, which at-least-once allows.)
      const stored = new Set(slow.rows(TEST_STREAM).map((r) => Number(r.RecordIndex)));
      expect(result.error).toBeInstanceOf(TimeBudgetExhaustedError);
      expect(result.recordsDelivered).toBeGreaterThan(0);
      expect(result.recordsFailed).toBeGreaterThan(0);
      expect(result.recordsDelivered + result.recordsFailed).toBe(rows.length);
      expect(stored.size).toBeGreaterThanOrEqual(result.recordsDelivered);
      const resumeAt = result.firstUndeliveredIndex!;
      expect(Array.from({ length: resumeAt }, (_, i) => stored.has(i)).every(Boolean)).toBe(true);
    } finally {
      await slow.close();
    }
  });

  test('fails permanent on 403, naming the Monitoring Metrics Publisher role and its propagation delay', async () => {
    emulator.failAlways({ status: 403 });
    const result = await deliver(uploader(), testRows(5));
    expect(result.error).toBeInstanceOf(IngestionAuthorizationError);
    expect(result.error?.retryable).toBe(false);
    expect(result.error?.message).toMatch(/Monitoring Metrics Publisher/);
    expect(result.error?.message).toMatch(/30 minutes/);
    expect(result.error?.message).toMatch(/s3:\/\/logs\/a\/b\.json/);
    // Not retried: a 403 does not heal within an invocation.
    expect(emulator.requests.map((r) => r.status)).toStrictEqual([403]);
  });

  test('fails permanent on 401', async () => {
    emulator.failAlways({ status: 401 });
    const result = await deliver(uploader(), testRows(5));
    expect(result.error).toBeInstanceOf(IngestionAuthorizationError);
    expect(result.error?.retryable).toBe(false);
    expect(result.error?.message).toMatch(/HTTP 401/);
  });

  test('fails permanent on 404, naming the DCR immutable id and the stream', async () => {
    const result = await deliver(uploader({ dcrImmutableId: 'dcr-wrong' }), testRows(5));
    expect(result.error).toBeInstanceOf(IngestionNotFoundError);
    expect(result.error?.retryable).toBe(false);
    expect(result.error?.message).toMatch(/dcr-wrong/);
    expect(result.error?.message).toMatch(new RegExp(TEST_STREAM));
  });

  test('fails permanent on 400 when rows do not match the stream declaration, quoting Azure', async () => {
    const rows = [{ ...testRow(0), NotAColumn: 'x' }];
    const result = await deliver(uploader(), rows);
    expect(result.error).toBeInstanceOf(IngestionRejectedError);
    expect(result.error?.retryable).toBe(false);
    expect(result.error?.message).toMatch(/NotAColumn/);
    expect(emulator.rows(TEST_STREAM)).toHaveLength(0);
  });
});

describe('a 400 for records sent as their own text', () => {
  // Records as producers write them: a repeated key and a number JSON cannot hold, both valid for
  // JSON.parse but of undocumented meaning to the API.
  const source = '{"a": 1, "a": 2, "big": 1e400}';
  const factory = new RowFactory({
    bucket: 'logs',
    key: 'a/b.json',
    eTag: '"etag"',
    eventTime: '2026-11-28T10:00:00Z',
  });
  const verbatimRows = (count: number): Record<string, unknown>[] =>
    Array.from({ length: count }, (_, i) =>
      factory.row(i, undefined, { Record: new RawJson(JSON.parse(source), source) }),
    );

  test('is answered by sending the batch once more re-serialized, which the API accepts', async () => {
    // GIVEN the API refuses the first request only
    emulator.failNext(1, { status: 400 });
    // WHEN 3 such records are delivered
    const result = await deliver(uploader(), verbatimRows(3));
    // THEN the batch went twice, the second time as JSON.stringify writes it, and every row arrived
    expect(emulator.requests.map((r) => r.status)).toStrictEqual([400, 204]);
    expect(result).toMatchObject({ recordsDelivered: 3, recordsFailed: 0, resentCanonical: 1 });
    expect(result.error).toBeUndefined();
    expect(emulator.rows(TEST_STREAM).map((r) => r.Record)).toStrictEqual([
      { a: 2, big: null },
      { a: 2, big: null },
      { a: 2, big: null },
    ]);
  });

  test('still fails permanent when the re-serialized batch is refused too', async () => {
    emulator.failAlways({ status: 400 });
    const result = await deliver(uploader(), verbatimRows(3));
    expect(emulator.requests.map((r) => r.status)).toStrictEqual([400, 400]);
    expect(result.error).toBeInstanceOf(IngestionRejectedError);
    expect(result).toMatchObject({ recordsDelivered: 0, recordsFailed: 3, resentCanonical: 1 });
  });

  test('is not retried for rows the forwarder serialized itself', async () => {
    emulator.failNext(1, { status: 400 });
    const result = await deliver(uploader(), testRows(3));
    expect(emulator.requests.map((r) => r.status)).toStrictEqual([400]);
    expect(result.error).toBeInstanceOf(IngestionRejectedError);
    expect(result.resentCanonical).toBe(0);
  });
});
