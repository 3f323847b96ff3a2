// Child process of test/lambda/formats/large-object.test.ts: reads a lazily generated 200 MB gzip
// NDJSON object through the reader and the ndjson parser, then prints what it saw as JSON. Run with a
// small V8 heap, it proves memory does not grow with the object: holding it would crash the child.
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { parseObjectBatches } from '../../lambda/formats';
import { byteCounter } from '../../lambda/object-reader';

/** CloudTrail-like NDJSON lines, generated in ~256 KiB chunks until `targetBytes`. */
export function* ndjsonChunks(
  targetBytes: number,
  stats: { lines: number; bytes: number },
): Generator<Buffer> {
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

async function main(): Promise<void> {
  const target = Number(process.argv[2]);
  const stats = { lines: 0, bytes: 0 };
  const body = Readable.from(ndjsonChunks(target, stats), { objectMode: false }).pipe(
    createGzip({ level: 1 }),
  );
  const counter = byteCounter();
  let rows = 0;
  let other = 0;
  const object = {
    bucket: 'amzn-s3-demo-bucket',
    key: 'large.ndjson.gz',
    eventTime: '2026-01-02T03:04:05.678Z',
  };
  for await (const batch of parseObjectBatches('ndjson', body, object, { counter })) {
    for (const outcome of batch) {
      if (outcome.kind === 'row') rows++;
      else other++;
    }
  }
  process.stdout.write(
    JSON.stringify({
      lines: stats.lines,
      bytes: stats.bytes,
      uncompressed: counter.uncompressedBytes,
      rows,
      other,
    }),
  );
}

void main();
