import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetQueueUrlCommand,
  SendMessageBatchCommand,
  type SendMessageBatchCommandInput,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { backfill } from '../../cli/backfill';
import { parseRate } from '../../cli/rate-limiter';
import type { ProducerDefinition } from '../../lib/producer';
import { decodeS3EventKey, recordingOutput, startLocalS3, type LocalS3 } from './support';

const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/111122223333/s3-to-sentinel-app';
const BUCKET = 'app-logs-bucket';

function producer(overrides: Partial<ProducerDefinition> = {}): ProducerDefinition {
  return {
    name: 'app',
    bucket: { kind: 'existing', bucketName: BUCKET },
    prefix: 'app/',
    suffix: '.ndjson.gz',
    format: 'ndjson',
    ...overrides,
  };
}

interface SentEvent {
  readonly Records: {
    eventSource: string;
    eventName: string;
    awsRegion: string;
    s3: { bucket: { name: string; arn: string }; object: { key: string; size: number; eTag?: string } };
  }[];
}

/** Every message body sent to the mocked queue, parsed back. */
function sentEvents(sqsMock: ReturnType<typeof mockClient>): SentEvent[] {
  return sqsMock
    .commandCalls(SendMessageBatchCommand)
    .flatMap((call) => (call.args[0].input as SendMessageBatchCommandInput).Entries ?? [])
    .map((entry) => JSON.parse(entry.MessageBody!) as SentEvent);
}

function sentKeys(sqsMock: ReturnType<typeof mockClient>): string[] {
  return sentEvents(sqsMock).map((e) => decodeS3EventKey(e.Records[0].s3.object.key));
}

/** Succeeds every entry of every batch, like SQS on a good day. */
function acceptAll(sqsMock: ReturnType<typeof mockClient>): void {
  sqsMock.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => ({
    Successful: (input.Entries ?? []).map((e) => ({
      Id: e.Id,
      MessageId: `m-${e.Id}`,
      MD5OfMessageBody: 'x',
    })),
    Failed: [],
  }));
}

describe('backfill', () => {
  let local: LocalS3;
  let sqs: SQSClient;
  let sqsMock: ReturnType<typeof mockClient>;
  let work: string;

  beforeAll(async () => {
    local = await startLocalS3();
    await local.createBucket(BUCKET);
  });
  afterAll(async () => {
    await local.stop();
  });
  beforeEach(() => {
    sqs = new SQSClient({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
    sqsMock = mockClient(sqs);
    sqsMock.on(GetQueueUrlCommand, { QueueName: 's3-to-sentinel-app' }).resolves({ QueueUrl: QUEUE_URL });
    work = mkdtempSync(join(tmpdir(), 'backfill-'));
  });
  afterEach(() => {
    sqsMock.restore();
    rmSync(work, { recursive: true, force: true });
  });

  test('enqueues one S3 ObjectCreated:Put event per matching object, with keys encoded as S3 does', async () => {
    // GIVEN objects with a space, a plus, unicode and parentheses in their keys, and one without the suffix
    const prefix = 'app/encoding/';
    const keys = [
      `${prefix}hello world.ndjson.gz`,
      `${prefix}a+b.ndjson.gz`,
      `${prefix}été-日本.ndjson.gz`,
      `${prefix}file(3).ndjson.gz`,
    ];
    for (const key of keys) await local.putObject(BUCKET, key, `{"key":"${key}"}\n`);
    await local.putObject(BUCKET, `${prefix}notes.txt`, 'not a log');
    acceptAll(sqsMock);
    const output = recordingOutput();

    // WHEN
    const result = await backfill({ producer: producer(), prefix }, { s3: local.s3, sqs, output });

    // THEN every key arrives once, decodes back to the object's key, and has S3's event shape
    expect(sentKeys(sqsMock).sort()).toStrictEqual([...keys].sort());
    const byKey = new Map(sentEvents(sqsMock).map((e) => [decodeS3EventKey(e.Records[0].s3.object.key), e]));
    const spaced = byKey.get(`${prefix}hello world.ndjson.gz`)!.Records[0];
    expect(spaced).toMatchObject({
      eventSource: 'aws:s3',
      eventName: 'ObjectCreated:Put',
      awsRegion: 'us-east-1',
      s3: {
        bucket: { name: BUCKET, arn: `arn:aws:s3:::${BUCKET}` },
        object: {
          key: 'app/encoding/hello+world.ndjson.gz',
          size: `{"key":"${prefix}hello world.ndjson.gz"}\n`.length,
        },
      },
    });
    expect(spaced.s3.object.eTag).toMatch(/^[0-9a-f]{32}$/);
    expect(byKey.get(`${prefix}a+b.ndjson.gz`)!.Records[0].s3.object.key).toBe(
      'app/encoding/a%2Bb.ndjson.gz',
    );
    expect(byKey.get(`${prefix}été-日本.ndjson.gz`)!.Records[0].s3.object.key).toBe(
      'app/encoding/%C3%A9t%C3%A9-%E6%97%A5%E6%9C%AC.ndjson.gz',
    );
    expect(byKey.get(`${prefix}file(3).ndjson.gz`)!.Records[0].s3.object.key).toBe(
      'app/encoding/file%283%29.ndjson.gz',
    );
    expect(sqsMock).toHaveReceivedCommandWith(SendMessageBatchCommand, { QueueUrl: QUEUE_URL });
    expect(result).toMatchObject({
      listed: 5,
      matched: 4,
      enqueued: 4,
      skippedBySuffix: 1,
      skippedByTime: 0,
    });
  });

  test('sends at most ten entries per SendMessageBatch and paginates the listing', async () => {
    // GIVEN 1,005 objects: more than one ListObjectsV2 page (1,000) and many batches
    const prefix = 'app/many/';
    const keys = Array.from({ length: 1005 }, (_, i) => `${prefix}${String(i).padStart(5, '0')}.ndjson.gz`);
    // 50 at a time: the S3 client's socket pool, so it never warns of queued requests.
    for (let i = 0; i < keys.length; i += 50) {
      await Promise.all(keys.slice(i, i + 50).map((key) => local.putObject(BUCKET, key, 'x')));
    }
    acceptAll(sqsMock);
    const output = recordingOutput();

    // WHEN
    const result = await backfill({ producer: producer(), prefix }, { s3: local.s3, sqs, output });

    // THEN
    const batches = sqsMock.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input.Entries!.length);
    expect(Math.max(...batches)).toBe(10);
    expect(batches).toHaveLength(101);
    expect(new Set(sentKeys(sqsMock))).toStrictEqual(new Set(keys));
    expect(result.enqueued).toBe(1005);
    expect(output.bars[0]).toMatchObject({ total: 1005, value: 1005, stopped: true });
  }, 60_000);

  test('retries only the entries SendMessageBatch reports as failed', async () => {
    // GIVEN three objects and a queue that fails entry 1 once with a server-side error
    const prefix = 'app/retry/';
    const keys = ['a', 'b', 'c'].map((k) => `${prefix}${k}.ndjson.gz`);
    for (const key of keys) await local.putObject(BUCKET, key, 'x');
    sqsMock
      .on(SendMessageBatchCommand)
      .resolvesOnce({
        Successful: [
          { Id: '0', MessageId: 'm0', MD5OfMessageBody: 'x' },
          { Id: '2', MessageId: 'm2', MD5OfMessageBody: 'x' },
        ],
        Failed: [{ Id: '1', SenderFault: false, Code: 'InternalError' }],
      })
      .resolves({ Successful: [{ Id: '1', MessageId: 'm1', MD5OfMessageBody: 'x' }], Failed: [] });
    const sleeps: number[] = [];

    // WHEN
    await backfill(
      { producer: producer(), prefix },
      { s3: local.s3, sqs, output: recordingOutput(), sleep: async (ms) => void sleeps.push(ms) },
    );

    // THEN the second call carries only the failed entry, after a backoff
    const calls = sqsMock.commandCalls(SendMessageBatchCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1].args[0].input.Entries!.map((e) => e.Id)).toStrictEqual(['1']);
    expect(sentKeys(sqsMock)).toStrictEqual([...keys, keys[1]]);
    expect(sleeps).toHaveLength(1);
  });

  test('fails if SQS rejects a message as a sender fault, naming the object', async () => {
    // GIVEN
    const prefix = 'app/reject/';
    await local.putObject(BUCKET, `${prefix}bad.ndjson.gz`, 'x');
    sqsMock.on(SendMessageBatchCommand).resolves({
      Successful: [],
      Failed: [{ Id: '0', SenderFault: true, Code: 'InvalidMessageContents', Message: 'bad characters' }],
    });

    // WHEN / THEN
    await expect(
      backfill({ producer: producer(), prefix }, { s3: local.s3, sqs, output: recordingOutput() }),
    ).rejects.toThrow(
      // Anchored: a failure while handling a page is not reported as a failure of the listing.
      new RegExp(
        `^queue ${QUEUE_URL} rejected the message for s3://${BUCKET}/${prefix}bad\\.ndjson\\.gz: InvalidMessageContents bad characters`,
      ),
    );
  });

  test('fails if listing a later page is denied, naming the permission and what was enqueued', async () => {
    // GIVEN a listing whose first page (one object) succeeds and whose second is denied
    const s3 = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
    const s3Mock = mockClient(s3);
    s3Mock
      .on(ListObjectsV2Command)
      .resolvesOnce({
        Contents: [{ Key: 'app/denied/a.ndjson.gz', Size: 1, LastModified: new Date() }],
        NextContinuationToken: 'page-2',
      })
      .rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
    acceptAll(sqsMock);

    // WHEN / THEN
    await expect(
      backfill({ producer: producer(), prefix: 'app/denied/' }, { s3, sqs, output: recordingOutput() }),
    ).rejects.toThrow(
      `not allowed to list s3://${BUCKET}/app/denied/: your identity needs s3:ListBucket on arn:aws:s3:::${BUCKET} ` +
        '(0 messages enqueued before the failure; pass --state-file <file> to make the run resumable)',
    );
    const calls = s3Mock.commandCalls(ListObjectsV2Command);
    expect(calls).toHaveLength(2);
    expect(calls[1].args[0].input).toMatchObject({
      Bucket: BUCKET,
      Prefix: 'app/denied/',
      ContinuationToken: 'page-2',
    });
    s3Mock.restore();
  });

  test('--dry-run prints what would be sent and sends nothing', async () => {
    // GIVEN
    const prefix = 'app/dry/';
    await local.putObject(BUCKET, `${prefix}one.ndjson.gz`, 'abc');
    await local.putObject(BUCKET, `${prefix}two.ndjson.gz`, 'abcdef');
    const output = recordingOutput();

    // WHEN
    const result = await backfill(
      { producer: producer(), prefix, dryRun: true },
      { s3: local.s3, sqs, output },
    );

    // THEN no SQS call at all (not even the queue lookup), and each object is listed with its size
    expect(sqsMock.calls()).toHaveLength(0);
    expect(output.bars).toHaveLength(0);
    expect(output.outLines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          new RegExp(`^would enqueue s3://${BUCKET}/app/dry/one\\.ndjson\\.gz \\(3 bytes, modified `),
        ),
        expect.stringMatching(
          new RegExp(`^would enqueue s3://${BUCKET}/app/dry/two\\.ndjson\\.gz \\(6 bytes, modified `),
        ),
      ]),
    );
    expect(output.outLines[output.outLines.length - 1]).toMatch(
      /^dry run: would enqueue 2 messages .* nothing was sent$/,
    );
    expect(result.enqueued).toBe(2);
  });

  test('--since and --until keep only objects modified in [since, until)', async () => {
    // GIVEN objects modified on three different days
    const prefix = 'app/window/';
    await local.putObject(BUCKET, `${prefix}before.ndjson.gz`, 'x', new Date('2026-10-01T00:00:00Z'));
    await local.putObject(BUCKET, `${prefix}inside.ndjson.gz`, 'x', new Date('2026-10-15T00:00:00Z'));
    await local.putObject(BUCKET, `${prefix}at-until.ndjson.gz`, 'x', new Date('2026-11-01T00:00:00Z'));
    acceptAll(sqsMock);

    // WHEN
    const result = await backfill(
      {
        producer: producer(),
        prefix,
        since: new Date('2026-10-10T00:00:00Z'),
        until: new Date('2026-11-01T00:00:00Z'),
      },
      { s3: local.s3, sqs, output: recordingOutput() },
    );

    // THEN
    expect(sentKeys(sqsMock)).toStrictEqual([`${prefix}inside.ndjson.gz`]);
    expect(result).toMatchObject({ listed: 3, enqueued: 1, skippedByTime: 2 });
  });

  test('resumes after the last key recorded in the state file, sending every object exactly once', async () => {
    // GIVEN 25 objects and a queue that fails hard on the third batch
    const prefix = 'app/resume/';
    const keys = Array.from({ length: 25 }, (_, i) => `${prefix}${String(i).padStart(3, '0')}.ndjson.gz`);
    for (const key of keys) await local.putObject(BUCKET, key, 'x');
    const stateFile = join(work, 'state.json');
    let attempts = 0;
    sqsMock.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => {
      attempts += 1;
      if (attempts === 3)
        throw Object.assign(new Error('service unavailable'), { name: 'ServiceUnavailable' });
      return {
        Successful: (input.Entries ?? []).map((e) => ({ Id: e.Id, MessageId: 'm', MD5OfMessageBody: 'x' })),
        Failed: [],
      };
    });

    // WHEN the first run fails
    await expect(
      backfill({ producer: producer(), prefix, stateFile }, { s3: local.s3, sqs, output: recordingOutput() }),
    ).rejects.toThrow(
      /20 messages enqueued so far; run the same command again to resume after app\/resume\/019\.ndjson\.gz/,
    );
    const state = JSON.parse(readFileSync(stateFile, 'utf8'));
    const firstRunCalls = sqsMock.commandCalls(SendMessageBatchCommand).length;

    // AND the same command runs again
    const output = recordingOutput();
    const second = await backfill({ producer: producer(), prefix, stateFile }, { s3: local.s3, sqs, output });

    // THEN the second run starts after the recorded key and, with the two accepted batches of the
    // first run, every key is sent exactly once
    expect(firstRunCalls).toBe(3);
    expect(state).toMatchObject({ lastKey: `${prefix}019.ndjson.gz`, enqueued: 20, completed: false });
    const calls = sqsMock.commandCalls(SendMessageBatchCommand);
    const keysOf = (from: number, to?: number) =>
      calls
        .slice(from, to)
        .flatMap((c) => c.args[0].input.Entries!)
        .map((e) => decodeS3EventKey(JSON.parse(e.MessageBody!).Records[0].s3.object.key));
    expect([...keysOf(0, 2), ...keysOf(firstRunCalls)]).toStrictEqual(keys);
    expect(second).toMatchObject({ resumedAfter: `${prefix}019.ndjson.gz`, enqueued: 5 });
    expect(output.errLines).toContain(`resuming after ${prefix}019.ndjson.gz (state ${stateFile})`);
    expect(JSON.parse(readFileSync(stateFile, 'utf8'))).toMatchObject({ enqueued: 25, completed: true });
  });

  test('a completed state file makes a rerun a no-op', async () => {
    // GIVEN a finished backfill
    const prefix = 'app/done/';
    await local.putObject(BUCKET, `${prefix}x.ndjson.gz`, 'x');
    acceptAll(sqsMock);
    const stateFile = join(work, 'done.json');
    await backfill(
      { producer: producer(), prefix, stateFile },
      { s3: local.s3, sqs, output: recordingOutput() },
    );
    sqsMock.resetHistory();
    const output = recordingOutput();

    // WHEN
    await backfill({ producer: producer(), prefix, stateFile }, { s3: local.s3, sqs, output });

    // THEN
    expect(sqsMock.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
    expect(output.outLines[0]).toMatch(
      /already completed \(1 messages, state .*\); delete the state file to run it again$/,
    );
  });

  test('--rate paces batches to the given messages per second', async () => {
    // GIVEN 45 objects and a rate of 20/s: batches of 10 every 500 ms
    const prefix = 'app/rate/';
    for (let i = 0; i < 45; i++)
      await local.putObject(BUCKET, `${prefix}${String(i).padStart(2, '0')}.ndjson.gz`, 'x');
    acceptAll(sqsMock);
    let now = 1_000_000;
    const sleeps: number[] = [];
    const sleep = async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    };

    // WHEN
    await backfill(
      { producer: producer(), prefix, ratePerSecond: 20 },
      { s3: local.s3, sqs, output: recordingOutput(), clock: () => now, sleep },
    );

    // THEN five batches, four waits of half a second: 45 messages in 2 s of pacing
    expect(
      sqsMock.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input.Entries!.length),
    ).toStrictEqual([10, 10, 10, 10, 5]);
    expect(sleeps).toStrictEqual([500, 500, 500, 500]);
  });

  test('a byte rate paces batches by the listed sizes, closing a batch at a second of bytes', async () => {
    // GIVEN objects of 512, 512, 512, 2,048 and 100 bytes and a rate of 60 KB/min (1,024 bytes a second)
    const prefix = 'app/bytes/';
    const sizes = [512, 512, 512, 2048, 100];
    for (const [i, size] of sizes.entries())
      await local.putObject(BUCKET, `${prefix}${i}.ndjson.gz`, 'x'.repeat(size));
    acceptAll(sqsMock);
    let now = 1_000_000;
    const sleeps: number[] = [];
    const sleep = async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    };

    // WHEN
    const result = await backfill(
      { producer: producer(), prefix, bytesPerMinute: 60 * 1024 },
      { s3: local.s3, sqs, output: recordingOutput(), clock: () => now, sleep },
    );

    // THEN batches hold at most a second's worth (or one larger object), and each waits for the
    // bytes of the one before: 1,024, 512 and 2,048 bytes at 1,024 a second
    expect(
      sqsMock.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input.Entries!.length),
    ).toStrictEqual([2, 1, 1, 1]);
    expect(sleeps).toStrictEqual([1000, 500, 2000]);
    expect(result).toMatchObject({ enqueued: 5, enqueuedBytes: 3684 });
  });

  test('with a message rate and a byte rate, each batch waits for the slower of the two', async () => {
    // GIVEN three 1,024-byte objects, 1 message a second and 2,048 bytes a second
    const prefix = 'app/both/';
    for (let i = 0; i < 3; i++) await local.putObject(BUCKET, `${prefix}${i}.ndjson.gz`, 'x'.repeat(1024));
    acceptAll(sqsMock);
    let now = 1_000_000;
    const sleeps: number[] = [];
    const sleep = async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    };

    // WHEN
    await backfill(
      { producer: producer(), prefix, ratePerSecond: 1, bytesPerMinute: 60 * 2048 },
      { s3: local.s3, sqs, output: recordingOutput(), clock: () => now, sleep },
    );

    // THEN one message per batch, a second apart: the message rate is the slower
    expect(
      sqsMock.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input.Entries!.length),
    ).toStrictEqual([1, 1, 1]);
    expect(sleeps).toStrictEqual([1000, 1000]);
  });

  test('fails if the byte rate is not greater than 0', async () => {
    await expect(
      backfill({ producer: producer(), bytesPerMinute: 0 }, { s3: local.s3, sqs, output: recordingOutput() }),
    ).rejects.toThrow('--rate (0 bytes per minute) must be greater than 0');
  });

  test('fails if the producer bucket is created by its stack and no --bucket is given', async () => {
    await expect(
      backfill(
        { producer: producer({ bucket: { kind: 'new' } }) },
        { s3: local.s3, sqs, output: recordingOutput() },
      ),
    ).rejects.toThrow(
      'producer "app" has a bucket its stack creates with a generated name: pass --bucket <name> (see the outputs of stack s3-to-sentinel-app)',
    );
  });

  test('fails if the bucket does not exist, naming it', async () => {
    acceptAll(sqsMock);
    await expect(
      backfill(
        { producer: producer(), bucket: 'no-such-bucket' },
        { s3: local.s3, sqs, output: recordingOutput() },
      ),
    ).rejects.toThrow('bucket no-such-bucket does not exist (region us-east-1): check --bucket and --region');
  });

  test("fails if the producer's queue does not exist, naming the queue and the stack", async () => {
    sqsMock
      .on(GetQueueUrlCommand)
      .rejects(
        Object.assign(new Error('The specified queue does not exist.'), { name: 'QueueDoesNotExist' }),
      );
    await expect(
      backfill({ producer: producer() }, { s3: local.s3, sqs, output: recordingOutput() }),
    ).rejects.toThrow(
      'queue s3-to-sentinel-app of producer "app" does not exist in us-east-1: deploy stack s3-to-sentinel-app first, ' +
        'check --region/--profile, or pass --queue-url <url>',
    );
  });

  test('fails if the state file belongs to another bucket or prefix', async () => {
    // GIVEN a state file from another prefix
    const stateFile = join(work, 'other.json');
    acceptAll(sqsMock);
    await local.putObject(BUCKET, 'app/other/x.ndjson.gz', 'x');
    await backfill(
      { producer: producer(), prefix: 'app/other/', stateFile },
      { s3: local.s3, sqs, output: recordingOutput() },
    );
    expect(existsSync(stateFile)).toBe(true);

    // WHEN / THEN
    await expect(
      backfill(
        { producer: producer(), prefix: 'app/else/', stateFile },
        { s3: local.s3, sqs, output: recordingOutput() },
      ),
    ).rejects.toThrow(
      /belongs to a backfill of producer "app" s3:\/\/app-logs-bucket\/app\/other\/, not "app" s3:\/\/app-logs-bucket\/app\/else\//,
    );
  });
});

describe('parseRate', () => {
  test.each([
    ['50', { messagesPerSecond: 50 }],
    ['0.5', { messagesPerSecond: 0.5 }],
    ['500MB/min', { bytesPerMinute: 500 * 1024 ** 2 }],
    ['1.5GB/min', { bytesPerMinute: 1.5 * 1024 ** 3 }],
    ['64 KiB/min', { bytesPerMinute: 64 * 1024 }],
    ['2gb/min', { bytesPerMinute: 2 * 1024 ** 3 }],
    ['1000B/min', { bytesPerMinute: 1000 }],
  ])('reads %p', (text, rate) => {
    expect(parseRate(text)).toStrictEqual(rate);
  });

  test.each([
    '0',
    '-5',
    '',
    'fast',
    '500MB',
    '500MB/s',
    '500 MB /min',
    '500TB/min',
    '0MB/min',
    'MB/min',
    '5e2MB/min',
  ])('fails if the rate is %p, naming the accepted forms', (text) => {
    expect(() => parseRate(text)).toThrow(
      'must be a number greater than 0 (messages per second, e.g. 50) or a size per minute ' +
        '(e.g. 500MB/min; units B, KB, MB, GB, each 1024 times the one before)',
    );
  });
});
