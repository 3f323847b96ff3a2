// Writes CloudTrail-like NDJSON of at least <targetBytes> (uncompressed) to <path> as gzip, generated
// lazily in ~256 KiB chunks, then prints {"lines": n, "bytes": n}. Run as a separate process by the
// large-object test so that making the object does not inflate the test process's memory, whose
// growth during the handler call is what the test bounds.
'use strict';
const { createWriteStream } = require('node:fs');
const { Readable } = require('node:stream');
const { pipeline } = require('node:stream/promises');
const { createGzip } = require('node:zlib');

function* ndjsonChunks(targetBytes, stats) {
  let pending = [];
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

async function main() {
  const [path, target] = process.argv.slice(2);
  const stats = { lines: 0, bytes: 0 };
  await pipeline(
    Readable.from(ndjsonChunks(Number(target), stats), { objectMode: false }),
    createGzip({ level: 1 }),
    createWriteStream(path),
  );
  process.stdout.write(`${JSON.stringify(stats)}\n`);
}

// Also the generator of the parser-only memory test (large-object-child.ts), so both tests read
// the same object.
module.exports = { ndjsonChunks };

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
