import { gunzipSync } from 'node:zlib';
import {
  IngestionNotFoundError,
  IngestionUnavailableError,
  TimeBudgetExhaustedError,
} from '../../../lambda/core/errors';
import type { ThrottleEvent } from '../../../lambda/io/adaptive-concurrency';
import type { SendOptions } from '../../../lambda/io/logs-ingestion-sender';
import {
  LANE_SUSPENSION_MS,
  SentinelUploader,
  type DeliveryResult,
  type LaneSuspension,
} from '../../../lambda/io/sentinel-uploader';

/** A failed answer as the sender reports it: a RestError-like error with `statusCode`. */
function statusError(statusCode: number): Error {
  return Object.assign(new Error(`Injected HTTP ${statusCode}`), { name: 'RestError', statusCode });
}

/** One request as the fake client saw it. */
interface Sent {
  readonly dcr: string;
  readonly indexes: readonly number[];
}

/**
 * A stand-in for LogsIngestionSender: `answer(dcr, call)` says what each attempt gets (a status;
 * 204 accepts), reported to the observer as the real sender's policy reports it. A 429 is retried
 * like the SDK retries it (with no wait) up to `maxRetries`; `hang` leaves the attempt unanswered
 * until the signal fires.
 */
function fakeClient(answer: (dcr: string, call: number) => number | 'hang', maxRetries = 2) {
  const sent: Sent[] = [];
  let calls = 0;
  return {
    sent,
    send: async (dcr: string, _stream: string, body: Uint8Array, options: SendOptions = {}) => {
      for (let attempt = 0; ; attempt++) {
        options.observer?.sending?.();
        await new Promise((resolve) => setImmediate(resolve));
        const status = answer(dcr, calls++);
        if (status === 'hang') {
          if (options.abortSignal?.aborted !== true) {
            await new Promise((resolve) => options.abortSignal?.addEventListener('abort', resolve));
          }
          throw Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' });
        }
        options.observer?.answered?.(status, status === 429 ? 0 : undefined);
        if (status === 204) {
          const rows = JSON.parse(gunzipSync(body).toString('utf8')) as { RecordIndex: number }[];
          sent.push({ dcr, indexes: rows.map((r) => r.RecordIndex) });
          return;
        }
        if (status !== 429 || attempt >= maxRetries) throw statusError(status);
      }
    },
  };
}

/** Rows of `{"RecordIndex":n}`: 22 bytes of JSON each, so a 44-byte batch holds two. */
const rows = (count: number, from = 0) =>
  Array.from({ length: count }, (_, i) => ({ RecordIndex: from + i }));

function uploader(
  client: ReturnType<typeof fakeClient>,
  options: {
    dcrs?: string[];
    concurrency?: number;
    onThrottle?: (e: ThrottleEvent) => void;
    onLaneSuspended?: (e: LaneSuspension) => void;
  } = {},
) {
  const dcrs = options.dcrs ?? ['dcr-a', 'dcr-b'];
  return new SentinelUploader({
    client,
    producer: 'app-logs',
    dcrImmutableId: dcrs[0],
    dcrImmutableIds: dcrs,
    streamName: 'Custom-Test',
    concurrency: options.concurrency ?? 2,
    maxBatchBytes: 44,
    ...(options.onThrottle !== undefined ? { onThrottle: options.onThrottle } : {}),
    ...(options.onLaneSuspended !== undefined ? { onLaneSuspended: options.onLaneSuspended } : {}),
  });
}

async function deliver(
  up: SentinelUploader,
  input: { RecordIndex: number }[],
  signal = new AbortController().signal,
): Promise<DeliveryResult> {
  const delivery = up.open({ bucket: 'logs', key: 'a/b.json' }, signal);
  for (const row of input) {
    await delivery.add(row, row.RecordIndex);
    if (delivery.stopped) break;
  }
  return delivery.finish();
}

describe('SentinelUploader across DCRs', () => {
  test('spreads batches across the DCRs in turn', async () => {
    // GIVEN 2 DCRs that accept everything, and 8 batches of 2 rows
    const client = fakeClient(() => 204);
    // WHEN
    const result = await deliver(uploader(client), rows(16));
    // THEN every row arrived once, half of the batches on each DCR
    expect(result).toMatchObject({ recordsDelivered: 16, recordsFailed: 0, batchesDelivered: 8 });
    expect(result.error).toBeUndefined();
    expect(client.sent.flatMap((s) => s.indexes).sort((a, b) => a - b)).toStrictEqual(
      rows(16).map((r) => r.RecordIndex),
    );
    // Which lane takes a batch depends on when gzip (on the thread pool) finishes: both take some.
    const onA = client.sent.filter((s) => s.dcr === 'dcr-a').length;
    expect(onA).toBeGreaterThanOrEqual(2);
    expect(client.sent.length - onA).toBeGreaterThanOrEqual(2);
  });

  test('sends to the one DCR of dcrImmutableId when no list is given', async () => {
    const client = fakeClient(() => 204);
    const up = new SentinelUploader({
      client,
      producer: 'app-logs',
      dcrImmutableId: 'dcr-only',
      streamName: 'Custom-Test',
      concurrency: 2,
      maxBatchBytes: 44,
    });
    await deliver(up, rows(6));
    expect(new Set(client.sent.map((s) => s.dcr))).toStrictEqual(new Set(['dcr-only']));
  });

  test('moves work off a throttled DCR and halves its limit alone, telling each 429', async () => {
    // GIVEN dcr-a answers 429 to its first attempt only (then accepts the SDK's retry)
    let throttledOnce = false;
    const client = fakeClient((dcr) => {
      if (dcr === 'dcr-a' && !throttledOnce) {
        throttledOnce = true;
        return 429;
      }
      return 204;
    });
    const events: ThrottleEvent[] = [];
    const up = uploader(client, { concurrency: 4, onThrottle: (e) => events.push(e) });
    // WHEN
    const result = await deliver(up, rows(8));
    // THEN nothing failed, dcr-a was halved once and dcr-b kept its limit
    expect(result.error).toBeUndefined();
    expect(result.recordsDelivered).toBe(8);
    expect(events).toStrictEqual([{ key: 'dcr-a', limit: 2, decreased: true, retryAfterMs: 0 }]);
    expect(up.limits.lanes.find((l) => l.key === 'dcr-b')?.limit).toBe(4);
  });

  test('keeps what one object learnt for the next object', async () => {
    // GIVEN a single DCR that throttled the first object
    let calls = 0;
    const client = fakeClient(() => (calls++ < 2 ? 429 : 204), 5);
    const up = uploader(client, { dcrs: ['dcr-a'], concurrency: 8 });
    await deliver(up, rows(2));
    const afterFirst = up.limits.lanes[0].limit;
    // WHEN the next object starts
    const second = up.open({ bucket: 'logs', key: 'c.json' }, new AbortController().signal);
    // THEN it starts from the lowered limit, not from UPLOAD_CONCURRENCY
    expect(afterFirst).toBeLessThan(8);
    expect(up.limits.lanes[0].limit).toBe(afterFirst);
    await second.finish();
  });

  test('fails transient with IngestionUnavailable, naming the DCR, on a 429 that outlasts the retries', async () => {
    const client = fakeClient((dcr) => (dcr === 'dcr-b' ? 429 : 204));
    const result = await deliver(uploader(client), rows(8));
    expect(result.error).toBeInstanceOf(IngestionUnavailableError);
    expect(result.error?.retryable).toBe(true);
    expect(result.error?.message).toMatch(/HTTP 429\) for DCR dcr-b, stream Custom-Test/);
    expect(result.recordsDelivered + result.recordsFailed).toBe(8);
  });

  test.each([401, 403, 404])(
    'takes a DCR that refuses (%i) while its sibling accepts out of service, and sends its batches to the sibling',
    async (status) => {
      // GIVEN dcr-b refuses the identity (a new shard whose role assignment has not propagated)
      const client = fakeClient((dcr) => (dcr === 'dcr-b' ? status : 204));
      const suspended: LaneSuspension[] = [];
      const up = uploader(client, { onLaneSuspended: (event) => suspended.push(event) });
      // WHEN
      const result = await deliver(up, rows(8));
      // THEN every row arrived through dcr-a, nothing failed, and dcr-b was suspended once
      expect(result).toMatchObject({ recordsDelivered: 8, recordsFailed: 0 });
      expect(result.error).toBeUndefined();
      expect(new Set(client.sent.map((s) => s.dcr))).toStrictEqual(new Set(['dcr-a']));
      expect(suspended).toStrictEqual([
        { dcrImmutableId: 'dcr-b', streamName: 'Custom-Test', status, ms: LANE_SUSPENSION_MS },
      ]);
    },
  );

  test('names the DCR that refused when every DCR refuses: the producer’s problem, not one shard’s', async () => {
    // GIVEN neither DCR exists
    const client = fakeClient(() => 404);
    // WHEN
    const result = await deliver(uploader(client), rows(8));
    // THEN
    expect(result.error).toBeInstanceOf(IngestionNotFoundError);
    expect(result.error?.message).toMatch(/no DCR dcr-[ab] with stream Custom-Test/);
    expect(result.recordsDelivered).toBe(0);
  });

  test('reports throttling, not a slow invocation, when time runs out while a DCR throttles', async () => {
    // GIVEN a DCR that throttles, then leaves the retry waiting (as a long Retry-After would)
    let calls = 0;
    const client = fakeClient(() => (calls++ === 0 ? 429 : 'hang'));
    const deadline = new AbortController();
    const up = uploader(client, { dcrs: ['dcr-a'], concurrency: 1 });
    const delivery = up.open({ bucket: 'logs', key: 'a/b.json' }, deadline.signal);
    for (const row of rows(4)) void delivery.add(row, row.RecordIndex);
    // WHEN the invocation's deadline fires during the wait
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    deadline.abort();
    const result = await delivery.finish();
    // THEN an outage of the API (deferred with a delay), not a time budget (continued at once)
    expect(result.error).toBeInstanceOf(IngestionUnavailableError);
    expect(result.error?.message).toMatch(/kept throttling \(HTTP 429\) DCR dcr-a, stream Custom-Test/);
    expect(result).toMatchObject({ recordsDelivered: 0, recordsFailed: 4, firstUndeliveredIndex: 0 });
  });

  test('reports the time budget when time runs out without throttling', async () => {
    const client = fakeClient(() => 'hang');
    const deadline = new AbortController();
    const up = uploader(client, { dcrs: ['dcr-a'], concurrency: 1 });
    const delivery = up.open({ bucket: 'logs', key: 'a/b.json' }, deadline.signal);
    for (const row of rows(4)) void delivery.add(row, row.RecordIndex);
    await new Promise((resolve) => setImmediate(resolve));
    deadline.abort();
    const result = await delivery.finish();
    expect(result.error).toBeInstanceOf(TimeBudgetExhaustedError);
  });
});
