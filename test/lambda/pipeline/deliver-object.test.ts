/**
 * Unit tests of per-object delivery (open, read-and-batch, classify) with a fake parser and the
 * in-memory uploader of test/support/fake-pipeline.ts. The contract under test: an object is
 * reported delivered only when every one of its rows was accepted; otherwise it fails with the
 * index to resume at, and every row before that index was accepted.
 */
import {
  IngestionUnavailableError,
  ObjectNotFoundError,
  TimeBudgetExhaustedError,
} from '../../../lambda/core/errors';
import type { NotifiedObject } from '../../../lambda/io/events';
import {
  classifyRead,
  deliverObject,
  type ObjectOutcome,
  type ParseObject,
  type ReadResult,
} from '../../../lambda/pipeline/deliver-object';
import {
  deps,
  fakeParse,
  FakeUploader,
  outcomesOf,
  rowIndexes,
  type FakeUploaderOptions,
  type Shape,
} from '../../support/fake-pipeline';
import { Random } from '../../support/random';
import { gunzipSync } from 'node:zlib';
import { Logger } from '@aws-lambda-powertools/logger';
import { SentinelUploader } from '../../../lambda/io/sentinel-uploader';
import { MAX_FIELD_BYTES, rowJson } from '../../../lambda/io/batcher';
import { RowFactory, type Row } from '../../../lambda/core/rows';
import { captureOutput, metricSum } from '../../support/capture';

const OBJECT: NotifiedObject = {
  bucket: 'logs',
  key: 'AWSLogs/app.ndjson.gz',
  eventTime: '2026-12-01T00:00:00.000Z',
  eTag: 'abc',
};

interface Run {
  readonly outcome: ObjectOutcome;
  readonly accepted: number[];
}

/** Delivers `shape` once, aborting where `at` says. */
async function deliver(
  shape: Shape,
  at: { readonly chunk?: number; readonly add?: number } = {},
  options: FakeUploaderOptions & { readonly skipRecords?: number } = {},
): Promise<Run> {
  const deadline = new AbortController();
  const uploader = new FakeUploader({
    ...options,
    beforeAdd: (added) => {
      if (added === at.add) deadline.abort();
    },
  });
  const parse = fakeParse(shape, (c) => {
    if (c === at.chunk) deadline.abort();
  });
  const outcome = await deliverObject(
    OBJECT,
    options.skipRecords ?? 0,
    deps(parse, uploader),
    deadline.signal,
    'msg-1',
  );
  return { outcome, accepted: [...uploader.accepted].sort((a, b) => a - b) };
}

/** The delivery contract, checked on any run: never an acknowledgement short of the last record. */
function expectNoSilentLoss(shape: Shape, run: Run, skipRecords = 0): void {
  const rows = rowIndexes(shape).filter((i) => i >= skipRecords);
  if (run.outcome.status !== 'failed') {
    expect(run.accepted).toStrictEqual(rows);
    return;
  }
  expect(run.outcome.error?.retryable).toBe(true);
  const resumeAt = run.outcome.resumeAt!.nextRecordIndex;
  expect(resumeAt).toBeGreaterThanOrEqual(skipRecords);
  // Everything before the resume point is in: resuming there loses nothing.
  expect(run.accepted.filter((i) => i < resumeAt)).toStrictEqual(rows.filter((i) => i < resumeAt));
}

describe('deliverObject', () => {
  test('delivers every row of an object read to its end, across chunks and batches', async () => {
    // GIVEN
    const shape = ['rrrr', 'rmr', 'rr'];
    // WHEN
    const run = await deliver(shape);
    // THEN
    expect(run.outcome).toStrictEqual({ status: 'delivered', recordsDelivered: 8 });
    expect(run.accepted).toStrictEqual(rowIndexes(shape));
  });

  test('fails with the time budget, resuming at the object start, when time runs out before the first row', async () => {
    const run = await deliver(['rrr', 'rrr'], { chunk: 0 });
    expect(run.outcome.status).toBe('failed');
    expect(run.outcome.error).toBeInstanceOf(TimeBudgetExhaustedError);
    expect(run.outcome.resumeAt).toStrictEqual({ object: OBJECT, nextRecordIndex: 0 });
    expect(run.accepted).toStrictEqual([]);
  });

  test('fails, never acknowledges, when time runs out after a chunk of only malformed lines', async () => {
    // GIVEN an object whose first chunk holds only malformed lines: no row reached the batcher
    // WHEN time runs out while that chunk is read
    const run = await deliver(['mmm', 'rrr'], { chunk: 0 });
    // THEN the rest of the object is not lost: it fails, resuming after the malformed lines
    expect(run.outcome.status).toBe('failed');
    expect(run.outcome.error).toBeInstanceOf(TimeBudgetExhaustedError);
    expect(run.outcome.error?.message).toContain('s3://logs/AWSLogs/app.ndjson.gz');
    expect(run.outcome.resumeAt?.nextRecordIndex).toBe(3);
    expect(run.accepted).toStrictEqual([]);
  });

  test('fails between chunks, resuming at the first row not accepted', async () => {
    const run = await deliver(['rrrr', 'rr'], { chunk: 1 }, { batchRows: 3 });
    expect(run.outcome.status).toBe('failed');
    // Rows 0-2 went as a full batch; row 3 was still buffered when time ran out.
    expect(run.accepted).toStrictEqual([0, 1, 2]);
    expect(run.outcome.resumeAt?.nextRecordIndex).toBe(3);
  });

  test('fails mid-batch, counting the buffered rows as not accepted', async () => {
    const run = await deliver(['rrrrrrr'], { add: 4 }, { batchRows: 3 });
    expect(run.outcome.status).toBe('failed');
    expect(run.accepted).toStrictEqual([0, 1, 2]);
    expect(run.outcome.resumeAt?.nextRecordIndex).toBe(3);
    expect(run.outcome.recordsDelivered).toBe(3);
  });

  test('fails when time runs out as the last record is added', async () => {
    const run = await deliver(['rrr', 'rr'], { add: 4 }, { batchRows: 3 });
    expect(run.outcome.status).toBe('failed');
    expect(run.outcome.resumeAt?.nextRecordIndex).toBe(3);
  });

  test('fails with the batch error and its first index when a batch is refused', async () => {
    const run = await deliver(
      ['rrrrrrrrr'],
      {},
      { batchRows: 3, refuseBatchAt: { index: 3, error: statusError(503) } },
    );
    expect(run.outcome.status).toBe('failed');
    expect(run.outcome.error).toBeInstanceOf(IngestionUnavailableError);
    expect(run.outcome.resumeAt?.nextRecordIndex).toBe(3);
    expect(run.accepted).toStrictEqual([0, 1, 2]);
  });

  test('fails permanent, naming bucket and key, when the object is gone', async () => {
    const parse = fakeParse(['r']);
    const uploader = new FakeUploader();
    const outcome = await deliverObject(
      OBJECT,
      0,
      deps(parse, uploader, { openObject: async () => Promise.reject(s3Error('NoSuchKey', 404)) }),
      new AbortController().signal,
      'msg-1',
    );
    expect(outcome.error).toBeInstanceOf(ObjectNotFoundError);
    expect(outcome.error?.message).toContain('logs');
    expect(outcome.error?.message).toContain('AWSLogs/app.ndjson.gz');
    expect(outcome.resumeAt).toStrictEqual({ object: OBJECT, nextRecordIndex: 0 });
  });

  test('skips an object the parser says is not data, sending nothing', async () => {
    const uploader = new FakeUploader();
    const parse: ParseObject = async function* () {
      yield [{ kind: 'skipped-object', reason: 'CloudTrail digest file' }];
    };
    const outcome = await deliverObject(OBJECT, 0, deps(parse, uploader), new AbortController().signal, 'm');
    expect(outcome).toStrictEqual({ status: 'skipped', recordsDelivered: 0 });
    expect(uploader.accepted).toStrictEqual([]);
  });

  test('fails with the read error, resuming at the first record not read, when the body breaks', async () => {
    const uploader = new FakeUploader({ batchRows: 2 });
    const parse: ParseObject = async function* () {
      yield outcomesOf(['rrr'], 0)[0];
      throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    };
    const outcome = await deliverObject(OBJECT, 0, deps(parse, uploader), new AbortController().signal, 'm');
    expect(outcome.status).toBe('failed');
    expect(outcome.error?.retryable).toBe(true);
    // The rows read before the break were still sent: the retry resumes after them.
    expect(uploader.accepted).toStrictEqual([0, 1, 2]);
    expect(outcome.resumeAt?.nextRecordIndex).toBe(3);
  });

  describe('an abort at any point of any object', () => {
    // Objects of up to 4 chunks of up to 6 slots, rows and malformed lines mixed, some all malformed.
    const random = new Random(20261207);
    const shapes: Shape[] = [['m'], ['mmm', 'rrr'], ['rrr', 'mmm'], ['rmrmr', 'mm', 'r']];
    for (let s = 0; s < 40; s++) {
      const chunks = 1 + random.int(4);
      shapes.push(
        Array.from({ length: chunks }, () =>
          Array.from({ length: 1 + random.int(6) }, () => (random.chance(0.3) ? 'm' : 'r')).join(''),
        ),
      );
    }

    test.each(shapes.map((shape) => [shape.join('|'), shape]))(
      'yields every row accepted or a failure resuming without loss: %s',
      async (_name, shape) => {
        const slots = shape.join('').length;
        const rows = rowIndexes(shape).length;
        const points = [
          ...Array.from({ length: shape.length + 1 }, (_, chunk) => ({ chunk })),
          ...Array.from({ length: rows + 1 }, (_, add) => ({ add })),
        ];
        for (const at of points) {
          for (const batchRows of [1, 3]) {
            const run = await deliver(shape, at, { batchRows });
            expectNoSilentLoss(shape, run);
            if (run.outcome.status !== 'failed') continue;
            // The continuation: resuming where it said, with time to spare, delivers the rest.
            const skipRecords = run.outcome.resumeAt!.nextRecordIndex;
            expect(skipRecords).toBeLessThanOrEqual(slots);
            const resumed = await deliver(shape, {}, { batchRows, skipRecords });
            expect(resumed.outcome.status).not.toBe('failed');
            const all = new Set([...run.accepted, ...resumed.accepted]);
            expect([...all].sort((a, b) => a - b)).toStrictEqual(rowIndexes(shape));
          }
        }
      },
    );
  });
});

describe('deliverObject with the real ObjectDelivery', () => {
  // The uploader as the handler builds it, over a stand-in for the HTTP sender: batches of two
  // rows, `concurrency` in flight, the deadline firing before a chunk or during the n-th request.
  async function deliverReal(
    shape: Shape,
    at: { readonly chunk?: number; readonly send?: number },
    concurrency: number,
    skipRecords = 0,
  ): Promise<Run> {
    const deadline = new AbortController();
    const accepted: number[] = [];
    let sends = 0;
    const client = {
      send: async (
        _rule: string,
        _stream: string,
        body: Uint8Array,
        options: { abortSignal?: AbortSignal } = {},
      ) => {
        if (sends++ === at.send) deadline.abort();
        await new Promise((resolve) => setImmediate(resolve));
        if (options.abortSignal?.aborted) throw Object.assign(new Error('aborted'), { name: 'AbortError' });
        const rows = JSON.parse(gunzipSync(body).toString('utf8')) as { RecordIndex: number }[];
        accepted.push(...rows.map((r) => r.RecordIndex));
      },
    };
    const uploader = new SentinelUploader({
      client,
      producer: 'app-logs',
      dcrImmutableId: 'dcr-test',
      streamName: 'Custom-Test',
      concurrency,
      // Two rows of {"RecordIndex":n} per batch.
      maxBatchBytes: 44,
    });
    const parse = fakeParse(shape, (c) => {
      if (c === at.chunk) deadline.abort();
    });
    const outcome = await deliverObject(OBJECT, skipRecords, deps(parse, uploader), deadline.signal, 'msg-1');
    return { outcome, accepted: accepted.sort((a, b) => a - b) };
  }

  const shapes: Shape[] = [
    ['m'],
    ['mmm', 'rrr'],
    ['rrr', 'mmm'],
    ['rmrmr', 'mm', 'r'],
    ['rrrrrrr', 'rr', 'mrrr'],
  ];

  test.each(shapes.map((shape) => [shape.join('|'), shape]))(
    'an abort at any chunk or request yields every row accepted or a failure resuming without loss: %s',
    async (_name, shape) => {
      const rows = rowIndexes(shape).length;
      const points = [
        ...Array.from({ length: shape.length + 1 }, (_, chunk) => ({ chunk })),
        ...Array.from({ length: rows + 1 }, (_, send) => ({ send })),
      ];
      for (const at of points) {
        for (const concurrency of [1, 3]) {
          const run = await deliverReal(shape, at, concurrency);
          expectNoSilentLoss(shape, run);
          if (run.outcome.status !== 'failed') continue;
          const skipRecords = run.outcome.resumeAt!.nextRecordIndex;
          const resumed = await deliverReal(shape, {}, concurrency, skipRecords);
          expect(resumed.outcome.status).not.toBe('failed');
          expect([...new Set([...run.accepted, ...resumed.accepted])].sort((a, b) => a - b)).toStrictEqual(
            rowIndexes(shape),
          );
        }
      }
    },
  );
});

describe('deliverObject with a record too large for one request', () => {
  const factory = new RowFactory(OBJECT);
  /** Record `i`, its Message padded to `bytes` characters when given. */
  const rowOf = (i: number, bytes?: number): Row =>
    factory.row(i, undefined, { Message: bytes !== undefined ? 'x'.repeat(bytes) : `record ${i}` });

  /** A parser yielding `rows` in two chunks, from record `skipRecords` on. */
  const parseRows = (rows: readonly Row[]): ParseObject =>
    async function* (_format, _body, _object, options) {
      const outcomes = rows
        .map((row, index) => ({ kind: 'row' as const, row, index }))
        .filter((o) => o.index >= (options?.skipRecords ?? 0));
      const half = Math.ceil(outcomes.length / 2);
      for (const chunk of [outcomes.slice(0, half), outcomes.slice(half)]) {
        await Promise.resolve();
        if (chunk.length > 0) yield chunk;
      }
    };

  /** Delivers `rows` through the real ObjectDelivery; the `refuse`-th request (from 0) answers 503. */
  async function deliverRows(
    rows: readonly Row[],
    options: {
      readonly maxBatchBytes?: number;
      readonly refuse?: number;
      readonly skipRecords?: number;
    } = {},
  ) {
    const sent: Record<string, unknown>[] = [];
    let sends = 0;
    const client = {
      send: async (_rule: string, _stream: string, body: Uint8Array) => {
        await new Promise((resolve) => setImmediate(resolve));
        if (sends++ === options.refuse) throw statusError(503);
        sent.push(...(JSON.parse(gunzipSync(body).toString('utf8')) as Record<string, unknown>[]));
      },
    };
    const uploader = new SentinelUploader({
      client,
      producer: 'app-logs',
      dcrImmutableId: 'dcr-test',
      streamName: 'Custom-Test',
      concurrency: 1,
      ...(options.maxBatchBytes !== undefined ? { maxBatchBytes: options.maxBatchBytes } : {}),
    });
    const output = captureOutput();
    try {
      const objectDeps = deps(parseRows(rows), uploader, {
        logger: new Logger({ serviceName: 's3-to-sentinel' }),
      });
      const outcome = await deliverObject(
        OBJECT,
        options.skipRecords ?? 0,
        objectDeps,
        new AbortController().signal,
        'msg-1',
      );
      objectDeps.telemetry.metrics.publishStoredMetrics();
      return { outcome, sent, logs: output.logs(), metrics: output.metrics(), text: output.text() };
    } finally {
      output.restore();
    }
  }

  test('delivers every record, the oversized one as its stand-in in its place, and logs and counts it', async () => {
    // GIVEN an object whose record 2 of 5 is over 1 MB
    const rows = [rowOf(0), rowOf(1), rowOf(2, 1_200_000), rowOf(3), rowOf(4)];
    const { json } = rowJson(rows[2]);
    const bytes = Buffer.byteLength(json);
    // WHEN
    const run = await deliverRows(rows);
    // THEN every record was accepted, in order, and the object is acknowledged
    expect(run.outcome).toStrictEqual({ status: 'delivered', recordsDelivered: 5 });
    expect(run.sent.map((r) => r.RecordIndex)).toStrictEqual([0, 1, 2, 3, 4]);
    expect(run.sent.map((r) => r.RecordId)).toStrictEqual([0, 1, 2, 3, 4].map((i) => factory.recordId(i)));
    for (const i of [0, 1, 3, 4]) expect(run.sent[i]).toStrictEqual(rows[i]);
    // the stand-in holds where the record is, its size and the start of its JSON; not the rest
    const standIn = run.sent[2];
    expect(standIn).toMatchObject({ S3Bucket: 'logs', S3Key: OBJECT.key, S3ObjectVersion: 'abc' });
    expect(standIn.OriginalRecordBytes).toBe(bytes);
    expect(json.startsWith(standIn.TruncatedRecord as string)).toBe(true);
    expect(Buffer.byteLength(standIn.TruncatedRecord as string)).toBe(MAX_FIELD_BYTES);
    expect(standIn).not.toHaveProperty('Message');
    // one warning with bucket, key, index and size, and never the record's content
    const warnings = run.logs.filter((l) => String(l.message).includes('sent truncated'));
    expect(warnings).toStrictEqual([
      expect.objectContaining({
        level: 'WARN',
        bucket: 'logs',
        key: OBJECT.key,
        recordIndex: 2,
        recordBytes: bytes,
      }),
    ]);
    expect(run.text).not.toContain('xxxxxxxxxx');
    expect(metricSum(run.metrics, 'OversizedRecords')).toBe(1);
    expect(metricSum(run.metrics, 'RecordsDelivered')).toBe(5);
  });

  test('fails at the stand-in exactly when its batch is refused, and a resumed read delivers it', async () => {
    // GIVEN a 20,000-byte limit, so the stand-in of record 2 is a batch of its own: [0, 1], [2], [3, 4]
    const rows = [rowOf(0), rowOf(1), rowOf(2, 50_000), rowOf(3), rowOf(4)];
    // WHEN the request with the stand-in is refused
    const failed = await deliverRows(rows, { maxBatchBytes: 20_000, refuse: 1 });
    // THEN the object is not acknowledged: it resumes at record 2, and records 0 and 1 are in
    expect(failed.outcome.status).toBe('failed');
    expect(failed.outcome.error).toBeInstanceOf(IngestionUnavailableError);
    expect(failed.outcome.resumeAt).toStrictEqual({ object: OBJECT, nextRecordIndex: 2 });
    expect(failed.sent.map((r) => r.RecordIndex)).toStrictEqual([0, 1]);
    // and resuming there sends the stand-in again, then the rest
    const resumed = await deliverRows(rows, { maxBatchBytes: 20_000, skipRecords: 2 });
    expect(resumed.outcome).toStrictEqual({ status: 'delivered', recordsDelivered: 3 });
    expect(resumed.sent.map((r) => [r.RecordIndex, r.OriginalRecordBytes])).toStrictEqual([
      [2, Buffer.byteLength(rowJson(rows[2]).json)],
      [3, undefined],
      [4, undefined],
    ]);
    expect(metricSum(failed.metrics, 'OversizedRecords')).toBe(1);
  });
});

describe('classifyRead', () => {
  const delivered = (
    records: number,
    extra: Partial<ReadResult['delivery']> = {},
  ): ReadResult['delivery'] => ({
    recordsDelivered: records,
    bytesDelivered: records * 10,
    batchesDelivered: 1,
    recordsFailed: 0,
    oversized: [],
    resentCanonical: 0,
    ...extra,
  });

  test('a complete read with every row accepted is delivered', () => {
    const read: ReadResult = { end: 'complete', nextIndex: 5, malformed: 1, delivery: delivered(4) };
    expect(classifyRead(read, OBJECT, 'p')).toStrictEqual({ status: 'delivered', recordsDelivered: 4 });
  });

  test('a stopped read with nothing failed in the delivery is still a failure', () => {
    const read: ReadResult = { end: 'stopped', nextIndex: 7, malformed: 7, delivery: delivered(0) };
    const outcome = classifyRead(read, OBJECT, 'p');
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toBeInstanceOf(TimeBudgetExhaustedError);
    expect(outcome.error?.message).toMatch(
      /producer p s3:\/\/logs\/AWSLogs\/app.ndjson.gz: .* before record 7/,
    );
    expect(outcome.resumeAt).toStrictEqual({ object: OBJECT, nextRecordIndex: 7 });
  });

  test('resumes at the first undelivered row, not at the read position', () => {
    const read: ReadResult = {
      end: 'complete',
      nextIndex: 10,
      malformed: 0,
      delivery: delivered(3, {
        firstUndeliveredIndex: 3,
        recordsFailed: 7,
        error: new TimeBudgetExhaustedError('x'),
      }),
    };
    expect(classifyRead(read, OBJECT, 'p').resumeAt?.nextRecordIndex).toBe(3);
  });

  test('an object that is not data, with nothing sent, is skipped', () => {
    const read: ReadResult = {
      end: 'not-data',
      notDataReason: 'digest',
      nextIndex: 0,
      malformed: 0,
      delivery: delivered(0),
    };
    expect(classifyRead(read, OBJECT, 'p')).toStrictEqual({ status: 'skipped', recordsDelivered: 0 });
  });
});

function statusError(statusCode: number): Error {
  return Object.assign(new Error(`HTTP ${statusCode}`), { name: 'RestError', statusCode });
}

function s3Error(name: string, httpStatusCode: number): Error {
  return Object.assign(new Error(name), { name, Code: name, $metadata: { httpStatusCode } });
}
