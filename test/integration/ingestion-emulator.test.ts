/**
 * The emulator against the unmodified `@azure/monitor-ingestion` client: proves the faults the
 * forwarder's tests rely on (413, 400, 401) really come back from it, so "never 413" means something.
 */
import { isAggregateLogsUploadError, LogsIngestionClient } from '@azure/monitor-ingestion';
import {
  DCR_BYTES_PER_MINUTE,
  DCR_REQUESTS_PER_MINUTE,
  INGESTION_MAX_BYTES,
  IngestionEmulator,
  type EmulatorOptions,
} from '../support/ingestion-emulator';
import { TEST_COLUMNS, TEST_STREAM, testRow, testRows } from '../support/rows';
import { AWS_CLOUDTRAIL, columnsOf } from '../../lambda/formats';

let emulator: IngestionEmulator;
beforeAll(async () => {
  emulator = await IngestionEmulator.start({ streams: { [TEST_STREAM]: TEST_COLUMNS } });
});
afterAll(() => emulator.close());
beforeEach(() => emulator.reset());

function sdk(credential = emulator.credential): LogsIngestionClient {
  return new LogsIngestionClient(emulator.endpoint, credential, emulator.clientOptions({ maxRetries: 0 }));
}

async function statusOf(upload: Promise<void>): Promise<number | undefined> {
  try {
    await upload;
    return 204;
  } catch (err) {
    if (!isAggregateLogsUploadError(err)) throw err;
    return (err.errors[0].cause as { statusCode?: number }).statusCode;
  }
}

describe('IngestionEmulator', () => {
  test('accepts gzip rows matching the stream declaration with 204 and stores them', async () => {
    expect(await statusOf(sdk().upload(emulator.dcrImmutableId, TEST_STREAM, [testRow(0), testRow(1)]))).toBe(
      204,
    );
    expect(emulator.rows(TEST_STREAM)).toStrictEqual([testRow(0), testRow(1)]);
    expect(emulator.requests[0]).toMatchObject({ contentEncoding: 'gzip', apiVersion: '2023-01-01' });
  });

  test('answers 413 to a request over 1 MB', async () => {
    const big = testRow(0, { bytes: INGESTION_MAX_BYTES + 100 });
    expect(await statusOf(sdk().upload(emulator.dcrImmutableId, TEST_STREAM, [big]))).toBe(413);
  });

  test('answers 400 to a row whose column has the wrong type', async () => {
    const row = { ...testRow(0), RecordIndex: 'seven' };
    expect(await statusOf(sdk().upload(emulator.dcrImmutableId, TEST_STREAM, [row]))).toBe(400);
  });

  test('answers 401 to a token it did not issue', async () => {
    const stranger = {
      getToken: async () => ({ token: 'not-the-emulators', expiresOnTimestamp: Date.now() + 60_000 }),
    };
    expect(await statusOf(sdk(stranger).upload(emulator.dcrImmutableId, TEST_STREAM, [testRow(0)]))).toBe(
      401,
    );
  });

  test('answers 404 to an unknown stream', async () => {
    expect(await statusOf(sdk().upload(emulator.dcrImmutableId, 'Custom-Nope', [testRow(0)]))).toBe(404);
  });

  test('serves HTTPS because the SDK will not send a bearer token over plain HTTP', async () => {
    const plain = new LogsIngestionClient(emulator.endpoint.replace('https:', 'http:'), emulator.credential, {
      retryOptions: { maxRetries: 0 },
    });
    const error = await plain
      .upload(emulator.dcrImmutableId, TEST_STREAM, [testRow(0)])
      .catch((e: unknown) => e);
    expect(isAggregateLogsUploadError(error)).toBe(true);
    expect(String((error as { errors: { cause: Error }[] }).errors[0].cause.message)).toMatch(/https/i);
  });
});

describe("IngestionEmulator counting only (the benchmark's mode)", () => {
  let counting: IngestionEmulator;
  beforeAll(async () => {
    counting = await IngestionEmulator.start({
      streams: { [TEST_STREAM]: TEST_COLUMNS },
      storeRows: false,
      validate: false,
      deferCounting: true,
    });
  });
  afterAll(() => counting.close());

  function countingSdk(): LogsIngestionClient {
    return new LogsIngestionClient(
      counting.endpoint,
      counting.credential,
      counting.clientOptions({ maxRetries: 0 }),
    );
  }

  test('answers 204 at once and counts every row when settled', async () => {
    // GIVEN 3 uploads of 2, 3 and 5 rows
    for (const rows of [2, 3, 5]) {
      const batch = Array.from({ length: rows }, (_, i) => testRow(i));
      expect(await statusOf(countingSdk().upload(counting.dcrImmutableId, TEST_STREAM, batch))).toBe(204);
    }
    // THEN nothing is counted until the bodies are settled, and then all 10 rows are
    expect(counting.acceptedRows).toBe(0);
    counting.settle();
    expect(counting.acceptedRows).toBe(10);
    counting.settle();
    expect(counting.acceptedRows).toBe(10);
  });

  test('still refuses a token it did not issue', async () => {
    const forged = { getToken: async () => ({ token: 'forged', expiresOnTimestamp: Date.now() + 60_000 }) };
    const client = new LogsIngestionClient(
      counting.endpoint,
      forged,
      counting.clientOptions({ maxRetries: 0 }),
    );
    expect(await statusOf(client.upload(counting.dcrImmutableId, TEST_STREAM, [testRow(0)]))).toBe(401);
  });
});

describe('IngestionEmulator for a stream whose DCR writes to a built-in table', () => {
  test('starts when the stream, renamed as the DCR renames it, fits the vendored table', async () => {
    const emulator = await IngestionEmulator.start({
      streams: { 'Custom-Trail': columnsOf('cloudtrail') },
      outputTables: { 'Custom-Trail': AWS_CLOUDTRAIL },
    });
    await emulator.close();
  });

  test('refuses to start, naming each disagreement, when the forwarder and the table disagree', async () => {
    // A column the table spells otherwise (KQL is case-sensitive), and one it types otherwise.
    const columns = columnsOf('cloudtrail').map((c) =>
      c.name === 'UserIdentityPrincipalid'
        ? { ...c, name: 'UserIdentityPrincipalId' }
        : c.name === 'ReadOnly'
          ? { ...c, type: 'string' as const }
          : c,
    );
    await expect(
      IngestionEmulator.start({
        streams: { 'Custom-Trail': columns },
        outputTables: { 'Custom-Trail': AWS_CLOUDTRAIL },
      }),
    ).rejects.toThrow(
      /stream Custom-Trail writes to AWSCloudTrail.*ReadOnly is boolean in AWSCloudTrail, not string; AWSCloudTrail has no column UserIdentityPrincipalId, and only columns ending in _CF can be added to it/,
    );
  });
});

/**
 * A clock the test moves instead of waiting: `at(ms)` sets the time, ms after the start; each read
 * then moves it on by `stepMs`, so a retry can find the window freed without real time passing.
 */
function testClock() {
  const start = 1_800_000_000_000;
  let time = start;
  let step = 0;
  return {
    now: (): number => {
      const read = time;
      time += step;
      return read;
    },
    at(ms: number, stepMs = 0): void {
      time = start + ms;
      step = stepMs;
    },
  };
}

describe('IngestionEmulator per-DCR limits', () => {
  const started: IngestionEmulator[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((e) => e.close()));
  });

  async function limited(options: Omit<EmulatorOptions, 'streams'>): Promise<IngestionEmulator> {
    const emulator = await IngestionEmulator.start({ streams: { [TEST_STREAM]: TEST_COLUMNS }, ...options });
    started.push(emulator);
    return emulator;
  }

  /** Uploads `rows` to `dcr` once, without retries: the status, and Retry-After when refused. */
  async function answer(
    emulator: IngestionEmulator,
    rows: Record<string, unknown>[],
    dcr = emulator.dcrImmutableId,
  ): Promise<{ status: number | undefined; retryAfter?: string }> {
    const client = new LogsIngestionClient(
      emulator.endpoint,
      emulator.credential,
      emulator.clientOptions({ maxRetries: 0 }),
    );
    try {
      await client.upload(dcr, TEST_STREAM, rows);
      return { status: 204 };
    } catch (err) {
      if (!isAggregateLogsUploadError(err)) throw err;
      const cause = err.errors[0].cause as {
        statusCode?: number;
        response?: { headers: { get(name: string): string | undefined } };
      };
      const retryAfter = cause.response?.headers.get('retry-after');
      return { status: cause.statusCode, ...(retryAfter !== undefined ? { retryAfter } : {}) };
    }
  }

  /** A scale that leaves Azure's 12,000 requests a minute at 5. */
  const FIVE_A_MINUTE = 5 / DCR_REQUESTS_PER_MINUTE;

  test("defaults to Azure's 12,000 requests and 2 GB a minute, each times scale", async () => {
    expect(DCR_REQUESTS_PER_MINUTE).toBe(12_000);
    expect(DCR_BYTES_PER_MINUTE).toBe(2 * 1024 ** 3);
    expect((await limited({ dcrLimits: {} })).dcrBudget).toStrictEqual({
      requestsPerMinute: 12_000,
      bytesPerMinute: 2 * 1024 ** 3,
    });
    expect((await limited({ dcrLimits: { scale: FIVE_A_MINUTE } })).dcrBudget).toStrictEqual({
      requestsPerMinute: 5,
      bytesPerMinute: Number(((2 * 1024 ** 3 * 5) / 12_000).toPrecision(12)),
    });
    expect(
      (await limited({ dcrLimits: { requestsPerMinute: 100, bytesPerMinute: 1000, scale: 0.5 } })).dcrBudget,
    ).toStrictEqual({ requestsPerMinute: 50, bytesPerMinute: 500 });
  });

  test('without dcrLimits, nothing is throttled', async () => {
    const emulator = await limited({});
    for (let i = 0; i < 20; i++) expect((await answer(emulator, [testRow(i)])).status).toBe(204);
    expect(emulator.dcrBudget).toBeUndefined();
    expect(emulator.throttled).toBe(0);
  });

  test('answers the 6th request within a minute with 429 and Retry-After, stores none of it, and frees the window after 60 s', async () => {
    // GIVEN a budget of 5 requests a minute and 5 requests 10 s apart, all accepted
    const clock = testClock();
    const emulator = await limited({ dcrLimits: { scale: FIVE_A_MINUTE }, now: clock.now });
    for (let i = 0; i < 5; i++) {
      clock.at(i * 10_000);
      expect(await answer(emulator, [testRow(i)])).toStrictEqual({ status: 204 });
    }

    // WHEN a 6th comes at 45 s
    clock.at(45_000);
    const sixth = await answer(emulator, [testRow(5)]);

    // THEN it is refused until the first request leaves the window at 60 s, and is not stored
    expect(sixth).toStrictEqual({ status: 429, retryAfter: '15' });
    expect(emulator.rows(TEST_STREAM).map((r) => r.RecordIndex)).toStrictEqual([0, 1, 2, 3, 4]);
    expect(emulator.throttled).toBe(1);
    expect(emulator.dcrCounters(emulator.dcrImmutableId)).toMatchObject({
      acceptedRequests: 5,
      throttled: 1,
    });
    expect(emulator.requests[5]).toMatchObject({ status: 429, dcrImmutableId: emulator.dcrImmutableId });

    // AND at 60 s one fits again, the next waits for the request made at 10 s
    clock.at(60_000);
    expect(await answer(emulator, [testRow(6)])).toStrictEqual({ status: 204 });
    clock.at(60_500);
    expect(await answer(emulator, [testRow(7)])).toStrictEqual({ status: 429, retryAfter: '10' });
  });

  test('the SDK waits out Retry-After and its retry is accepted', async () => {
    // GIVEN a full window whose oldest request leaves in half a second
    const clock = testClock();
    const emulator = await limited({ dcrLimits: { scale: FIVE_A_MINUTE }, now: clock.now });
    for (let i = 0; i < 5; i++) expect((await answer(emulator, [testRow(i)])).status).toBe(204);
    // Each later read of the clock is a second on: the retry finds the oldest request gone.
    clock.at(59_500, 1_000);

    // WHEN the unmodified client uploads with its default retry policy
    const client = new LogsIngestionClient(emulator.endpoint, emulator.credential, emulator.clientOptions());
    await client.upload(emulator.dcrImmutableId, TEST_STREAM, [testRow(5)]);

    // THEN it was told to wait one second, waited (measured between the requests the emulator saw),
    // and the retry was stored
    expect(emulator.requests.map((r) => r.status)).toStrictEqual([204, 204, 204, 204, 204, 429, 204]);
    const [throttled, retried] = emulator.requests.slice(5);
    expect(retried.receivedAt - throttled.receivedAt).toBeGreaterThanOrEqual(950);
    expect(emulator.rows(TEST_STREAM)).toHaveLength(6);
    expect(emulator.throttled).toBe(1);
  });

  test('answers 429 to a request that would take the DCR past its bytes a minute', async () => {
    // GIVEN a budget of 10,000 bytes a minute and uploads of about 3,000 bytes
    const clock = testClock();
    const emulator = await limited({
      dcrLimits: { requestsPerMinute: 1_000, bytesPerMinute: 10_000 },
      now: clock.now,
    });
    for (let i = 0; i < 3; i++) {
      clock.at(i * 1_000);
      expect(await answer(emulator, [testRow(i, { bytes: 3_000 })])).toStrictEqual({ status: 204 });
    }

    // WHEN a 4th comes at 30 s
    clock.at(30_000);
    const fourth = await answer(emulator, [testRow(3, { bytes: 3_000 })]);

    // THEN it waits for the first upload to leave the window at 60 s; a small one still fits
    expect(fourth).toStrictEqual({ status: 429, retryAfter: '30' });
    const accepted = emulator.requests.filter((r) => r.status === 204).reduce((sum, r) => sum + r.bytes, 0);
    expect(accepted).toBeGreaterThan(9_000);
    expect(emulator.dcrCounters(emulator.dcrImmutableId)).toMatchObject({
      acceptedRequests: 3,
      acceptedBytes: accepted,
      throttled: 1,
    });
    expect(await answer(emulator, [testRow(4)])).toStrictEqual({ status: 204 });
    expect(emulator.rows(TEST_STREAM).map((r) => r.RecordIndex)).toStrictEqual([0, 1, 2, 4]);

    // AND a request larger than the whole budget never fits
    clock.at(600_000);
    expect(await answer(emulator, [testRow(5, { bytes: 12_000 })])).toStrictEqual({
      status: 429,
      retryAfter: '60',
    });
  });

  test('two DCRs have independent budgets and counters', async () => {
    // GIVEN two DCRs of 5 requests a minute each
    const clock = testClock();
    const emulator = await limited({
      dcrImmutableIds: ['dcr-a', 'dcr-b'],
      dcrLimits: { scale: FIVE_A_MINUTE },
      now: clock.now,
    });
    expect(emulator.dcrImmutableIds).toStrictEqual(['dcr-a', 'dcr-b']);
    expect(emulator.dcrImmutableId).toBe('dcr-a');

    // WHEN each gets 6 requests at once
    const statuses = async (dcr: string) => {
      const seen: (number | undefined)[] = [];
      for (let i = 0; i < 6; i++) seen.push((await answer(emulator, [testRow(i)], dcr)).status);
      return seen;
    };
    const a = await statuses('dcr-a');
    const b = await statuses('dcr-b');

    // THEN each refuses only its own 6th; their rows land together, as in one table
    expect(a).toStrictEqual([204, 204, 204, 204, 204, 429]);
    expect(b).toStrictEqual([204, 204, 204, 204, 204, 429]);
    expect(emulator.throttledFor('dcr-a')).toBe(1);
    expect(emulator.throttledFor('dcr-b')).toBe(1);
    expect(emulator.throttled).toBe(2);
    expect(emulator.dcrCounters('dcr-b')).toMatchObject({ acceptedRequests: 5, throttled: 1 });
    expect(emulator.rows(TEST_STREAM)).toHaveLength(10);
    expect((await answer(emulator, [testRow(0)], 'dcr-c')).status).toBe(404);
    expect(() => emulator.dcrCounters('dcr-c')).toThrow(
      'The emulator hosts no DCR dcr-c (it hosts dcr-a, dcr-b)',
    );

    // AND reset forgets the windows and the counters
    emulator.reset();
    expect(emulator.throttled).toBe(0);
    expect((await answer(emulator, [testRow(0)], 'dcr-a')).status).toBe(204);
  });

  test('counting only, charges the decompressed size a gzip body declares without decompressing it', async () => {
    // GIVEN the benchmark's mode with limits
    const emulator = await limited({
      storeRows: false,
      validate: false,
      deferCounting: true,
      dcrLimits: { requestsPerMinute: 100, bytesPerMinute: 50_000 },
    });
    const rows = testRows(10, { bytes: 2_000 });

    // WHEN
    expect((await answer(emulator, rows)).status).toBe(204);
    expect((await answer(emulator, testRows(20, { bytes: 2_000 }))).status).toBe(429);

    // THEN the accepted upload is charged its JSON's size, not its (much smaller) gzip size
    const counters = emulator.dcrCounters(emulator.dcrImmutableId);
    expect(counters.acceptedBytes).toBe(Buffer.byteLength(JSON.stringify(rows)));
    expect(counters.acceptedCompressedBytes).toBeLessThan(counters.acceptedBytes / 5);
    emulator.settle();
    expect(emulator.acceptedRows).toBe(10);
  });

  test('fails to start if dcrImmutableId is not the first of dcrImmutableIds', async () => {
    await expect(limited({ dcrImmutableId: 'dcr-b', dcrImmutableIds: ['dcr-a', 'dcr-b'] })).rejects.toThrow(
      'dcrImmutableId (dcr-b) must be the first of dcrImmutableIds (dcr-a, dcr-b)',
    );
  });

  test('fails to start if a limit or the scale is not a number greater than 0', async () => {
    await expect(limited({ dcrLimits: { scale: 0 } })).rejects.toThrow(
      'dcrLimits.scale (0) must be a number greater than 0',
    );
    await expect(limited({ dcrLimits: { bytesPerMinute: -1 } })).rejects.toThrow(
      'dcrLimits.bytesPerMinute (-1) must be a number greater than 0',
    );
  });
});
