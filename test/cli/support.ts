// Shared helpers for the CLI tests: an output that records every line, and a real S3 (s3rver) on
// loopback in a temporary directory.
import { mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Output, Progress } from '../../cli/output';

/** An `Output` that keeps what was written, and the last state of every progress bar. */
export interface RecordingOutput extends Output {
  readonly outLines: string[];
  readonly errLines: string[];
  /** stdout and stderr together, for "never printed anywhere" assertions. */
  all(): string;
  readonly bars: { label: string; total: number; value: number; stopped: boolean }[];
}

export function recordingOutput(): RecordingOutput {
  const outLines: string[] = [];
  const errLines: string[] = [];
  const bars: RecordingOutput['bars'] = [];
  return {
    outLines,
    errLines,
    bars,
    all: () => [...outLines, ...errLines].join('\n'),
    out: (line) => void outLines.push(line),
    err: (line) => void errLines.push(line),
    progress: (label): Progress => {
      const bar = { label, total: 0, value: 0, stopped: false };
      bars.push(bar);
      return {
        start: (total) => void (bar.total = total),
        setTotal: (total) => void (bar.total = total),
        update: (value) => void (bar.value = value),
        stop: () => void (bar.stopped = true),
      };
    },
  };
}

/** A text sink that keeps what was written (for `runCli`'s stdout and stderr). */
export function textCollector(isTTY = false): {
  write(chunk: string): boolean;
  isTTY: boolean;
  text: string;
} {
  return {
    isTTY,
    text: '',
    write(chunk: string) {
      this.text += chunk;
      return true;
    },
  };
}

/** A running s3rver and an SDK v3 client pointed at it. */
export interface LocalS3 {
  readonly s3: S3Client;
  readonly directory: string;
  createBucket(bucket: string): Promise<void>;
  putObject(bucket: string, key: string, body: string, lastModified?: Date): Promise<void>;
  stop(): Promise<void>;
}

// s3rver encrypts ListObjectsV2 continuation tokens with DES, which Node 20's OpenSSL 3 only offers
// through its legacy provider: run it in a child process with that flag, so listings can paginate.
const S3RVER_MAIN = `
const S3rver = require(process.argv[1]);
new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: process.argv[2] })
  .run()
  .then((address) => process.stdout.write(JSON.stringify({ port: address.port }) + '\\n'));
`;

/** Starts s3rver on 127.0.0.1 on a free port, storing objects in a fresh temporary directory. */
export async function startLocalS3(): Promise<LocalS3> {
  const directory = mkdtempSync(join(tmpdir(), 's3rver-cli-'));
  const child = spawn(
    process.execPath,
    ['--openssl-legacy-provider', '-e', S3RVER_MAIN, require.resolve('s3rver'), directory],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = once(child, 'exit');
  const port = await new Promise<number>((resolve, reject) => {
    let buffered = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      if (buffered.includes('\n')) resolve((JSON.parse(buffered) as { port: number }).port);
    });
    child.on('exit', (code) => reject(new Error(`s3rver exited with code ${code} before listening`)));
  });
  const s3 = new S3Client({
    endpoint: `http://127.0.0.1:${port}`,
    // s3rver's continuation tokens only accept us-east-1.
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    // s3rver predates the SDK's default CRC32 checksums and rejects the headers they add.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return {
    s3,
    directory,
    createBucket: async (bucket) => void (await s3.send(new CreateBucketCommand({ Bucket: bucket }))),
    putObject: async (bucket, key, body, lastModified) => {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
      if (lastModified !== undefined) {
        // s3rver reports the stored file's mtime as LastModified; S3 itself cannot backdate an object.
        const parts = key.split('/');
        const file = join(
          directory,
          bucket,
          ...parts.slice(0, -1),
          `${parts[parts.length - 1]}._S3rver_object`,
        );
        utimesSync(file, lastModified, lastModified);
      }
    },
    stop: async () => {
      s3.destroy();
      child.kill();
      await exited;
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** The S3 event key decoding the forwarder applies (form-urlencoding: `+` is a space). */
export function decodeS3EventKey(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}
