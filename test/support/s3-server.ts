/**
 * s3rver (a local S3 implementation) on 127.0.0.1, a random port and a temp directory, with an
 * S3Client configured for it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client, type PutObjectCommandInput } from '@aws-sdk/client-s3';

// s3rver ships no type declarations; this is the part of its API used here.
interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  httpServer?: Server;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver') as new (options: Record<string, unknown>) => S3rverInstance;

/** A running s3rver and a client for it. */
export interface LocalS3 {
  readonly client: S3Client;
  readonly endpoint: string;
  /** PutObject shorthand for fixtures. */
  put(
    bucket: string,
    key: string,
    body: PutObjectCommandInput['Body'],
    extra?: Partial<PutObjectCommandInput>,
  ): Promise<{ eTag?: string }>;
  close(): Promise<void>;
}

/** s3rver's fixed credentials (it verifies SigV4 signatures). */
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/**
 * An S3Client for an S3-compatible endpoint: path-style addressing (no bucket DNS names on
 * loopback), and flexible checksums only when an operation requires them, since newer SDKs send
 * CRC32 trailers by default that s3rver does not understand.
 */
export function localS3Client(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: CREDENTIALS,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** Starts s3rver with `buckets` created. */
export async function startS3(buckets: readonly string[]): Promise<LocalS3> {
  const directory = mkdtempSync(join(tmpdir(), 's3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = localS3Client(endpoint);
  return {
    client,
    endpoint,
    async put(bucket, key, body, extra = {}) {
      const out = await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ...extra }));
      return out.ETag !== undefined ? { eTag: out.ETag } : {};
    },
    async close() {
      client.destroy();
      server.httpServer?.closeAllConnections();
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
