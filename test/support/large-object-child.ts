// Child process of test/lambda/formats/large-object.test.ts: reads a lazily generated 200 MB gzip
// NDJSON object through the reader and the ndjson parser, then prints what it saw as JSON. Run with a
// small V8 heap, it proves memory does not grow with the object: holding it would crash the child.
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { parseObjectBatches } from '../../lambda/pipeline/parse-object';
import { byteCounter } from '../../lambda/io/object-reader';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ndjsonChunks } = require('./write-large-ndjson-gz.js') as {
  ndjsonChunks: (targetBytes: number, stats: { lines: number; bytes: number }) => Generator<Buffer>;
};

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
