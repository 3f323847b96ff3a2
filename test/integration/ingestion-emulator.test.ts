/**
 * The emulator against the unmodified `@azure/monitor-ingestion` client: proves the faults the
 * forwarder's tests rely on (413, 400, 401) really come back from it, so "never 413" means something.
 */
import { isAggregateLogsUploadError, LogsIngestionClient } from '@azure/monitor-ingestion';
import { INGESTION_MAX_BYTES, IngestionEmulator } from '../support/ingestion-emulator';
import { TEST_COLUMNS, TEST_STREAM, testRow } from '../support/rows';
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
