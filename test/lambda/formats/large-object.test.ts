// A 200 MB (uncompressed) gzip NDJSON object through the reader and the ndjson parser under a memory
// bound: the object is generated lazily and never exists whole, so RSS growth measures the reader.
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { parseObjectBatches } from '../../../lambda/formats';
import { byteCounter } from '../../../lambda/object-reader';
import { objectRef } from './helpers';

const TARGET_BYTES = 200 * 1024 * 1024;
const RSS_GROWTH_LIMIT = 150 * 1024 * 1024;

/** CloudTrail-like NDJSON lines, generated in ~256 KiB chunks until `targetBytes`. */
function* ndjsonChunks(targetBytes: number, stats: { lines: number; bytes: number }): Generator<Buffer> {
  let pending: string[] = [];
  let pendingBytes = 0;
  while (stats.bytes < targetBytes) {
    const i = stats.lines++;
    const line = `${JSON.stringify({
      eventVersion: '1.08',
      eventTime: new Date(1_700_000_000_000 + i * 1000).toISOString(),
      eventSource: 's3.amazonaws.com',
      eventName: 'GetObject',
      awsRegion: 'us-east-1',
      sourceIPAddress: `192.0.2.${i % 256}`,
      userIdentity: {
        type: 'IAMUser',
        arn: 'arn:aws:iam::123456789012:user/alice',
        accountId: '123456789012',
      },
      requestParameters: { bucketName: 'amzn-s3-demo-bucket', key: `logs/${i}/object-${i * 7919}.json` },
      eventID: `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`,
      readOnly: true,
    })}\n`;
    pending.push(line);
    pendingBytes += line.length;
    stats.bytes += line.length;
    if (pendingBytes >= 256 * 1024) {
      yield Buffer.from(pending.join(''));
      pending = [];
      pendingBytes = 0;
    }
  }
  if (pending.length > 0) yield Buffer.from(pending.join(''));
}

describe('a large object', () => {
  test('streams 200 MB of gzip NDJSON with bounded memory', async () => {
    // GIVEN a lazily generated gzip NDJSON object of 200 MB uncompressed
    const stats = { lines: 0, bytes: 0 };
    const body = Readable.from(ndjsonChunks(TARGET_BYTES, stats), { objectMode: false }).pipe(
      createGzip({ level: 1 }),
    );
    const counter = byteCounter();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    let rows = 0;
    let other = 0;
    const started = process.hrtime.bigint();
    // WHEN it is read and parsed, sampling RSS once per chunk
    for await (const batch of parseObjectBatches('ndjson', body, objectRef(), { counter })) {
      for (const outcome of batch) {
        if (outcome.kind === 'row') rows++;
        else other++;
      }
      const rss = process.memoryUsage().rss;
      if (rss > peak) peak = rss;
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    // THEN every line became a row, all 200 MB went through, and memory stayed bounded
    expect(other).toBe(0);
    expect(rows).toBe(stats.lines);
    expect(counter.uncompressedBytes).toBe(stats.bytes);
    expect(counter.uncompressedBytes).toBeGreaterThanOrEqual(TARGET_BYTES);
    expect(peak - baseline).toBeLessThan(RSS_GROWTH_LIMIT);
    console.info(
      `large object: ${(stats.bytes / 2 ** 20).toFixed(0)} MiB, ${rows} rows in ${seconds.toFixed(1)} s ` +
        `(${(rows / seconds / 1000).toFixed(0)}k rows/s incl. generation and gzip), ` +
        `RSS growth ${((peak - baseline) / 2 ** 20).toFixed(0)} MiB`,
    );
  }, 120_000);
});
