/**
 * The benchmark's input: CloudTrail-like gzip NDJSON, generated deterministically and streamed to
 * a file, so every run and every phase reads the same bytes.
 */
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { prng } from '../test/support/random';

const MB = 1024 * 1024;
export const EVENT_TIME = '2026-11-28T10:00:00.000Z';

const EVENT_NAMES = [
  'GetObject',
  'PutObject',
  'HeadObject',
  'ListObjects',
  'DeleteObject',
  'AssumeRole',
  'Decrypt',
];
const SOURCES = [
  's3.amazonaws.com',
  's3.amazonaws.com',
  's3.amazonaws.com',
  'sts.amazonaws.com',
  'kms.amazonaws.com',
];

/**
 * One CloudTrail-like record (about 1.2 KB of JSON), varied so gzip ratios are realistic.
 */
export function cloudTrailRecord(i: number, rand: () => number): string {
  const hex = (n: number): string =>
    Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join('');
  const session = `session-${Math.floor(rand() * 5000)}`;
  const name = EVENT_NAMES[Math.floor(rand() * EVENT_NAMES.length)];
  const time = new Date(Date.parse(EVENT_TIME) - 300_000 + i * 7).toISOString().replace(/\.\d+Z$/, 'Z');
  return JSON.stringify({
    eventVersion: '1.09',
    userIdentity: {
      type: 'AssumedRole',
      principalId: `AROA${hex(16).toUpperCase()}:${session}`,
      arn: `arn:aws:sts::123456789012:assumed-role/AppRole/${session}`,
      accountId: '123456789012',
      accessKeyId: `ASIA${hex(16).toUpperCase()}`,
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          principalId: 'AROAEXAMPLEROLEID',
          arn: 'arn:aws:iam::123456789012:role/AppRole',
          accountId: '123456789012',
          userName: 'AppRole',
        },
        attributes: { creationDate: time, mfaAuthenticated: 'false' },
      },
    },
    eventTime: time,
    eventSource: SOURCES[Math.floor(rand() * SOURCES.length)],
    eventName: name,
    awsRegion: 'eu-west-1',
    sourceIPAddress: `10.${Math.floor(rand() * 255)}.${Math.floor(rand() * 255)}.${Math.floor(rand() * 255)}`,
    userAgent: '[aws-sdk-java/2.25.0 Linux/5.10 OpenJDK_64-Bit_Server_VM/17.0.10 Java/17.0.10]',
    requestParameters: {
      bucketName: `app-data-${Math.floor(rand() * 20)}`,
      Host: 'app-data.s3.eu-west-1.amazonaws.com',
      key: `tenants/${hex(8)}/objects/${hex(24)}.parquet`,
    },
    responseElements: null,
    additionalEventData: {
      SignatureVersion: 'SigV4',
      CipherSuite: 'TLS_AES_128_GCM_SHA256',
      bytesTransferredIn: 0,
      AuthenticationMethod: 'AuthHeader',
      'x-amz-id-2': hex(60),
      bytesTransferredOut: Math.floor(rand() * 1e7),
    },
    requestID: hex(16).toUpperCase(),
    eventID: `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`,
    readOnly: name.startsWith('Get') || name.startsWith('List') || name.startsWith('Head'),
    resources: [{ type: 'AWS::S3::Object', ARN: `arn:aws:s3:::app-data/tenants/${hex(8)}` }],
    eventType: 'AwsApiCall',
    managementEvent: false,
    recipientAccountId: '123456789012',
    eventCategory: 'Data',
    tlsDetails: {
      tlsVersion: 'TLSv1.3',
      cipherSuite: 'TLS_AES_128_GCM_SHA256',
      clientProvidedHostHeader: 'app-data.s3.eu-west-1.amazonaws.com',
    },
  });
}

/** Writes `mb` MB of gzip NDJSON to `file`, streaming with backpressure. */
export async function generate(file: string, mb: number): Promise<{ lines: number; bytes: number }> {
  const rand = prng(42);
  const gzip = createGzip({ level: 6 });
  const out = createWriteStream(file);
  gzip.pipe(out);
  const target = mb * MB;
  let bytes = 0;
  let lines = 0;
  while (bytes < target) {
    const chunk: string[] = [];
    for (let n = 0; n < 500 && bytes < target; n++) {
      const line = `${cloudTrailRecord(lines++, rand)}\n`;
      bytes += Buffer.byteLength(line);
      chunk.push(line);
    }
    if (!gzip.write(chunk.join(''))) await new Promise((resolve) => gzip.once('drain', resolve));
  }
  gzip.end();
  await finished(out);
  return { lines, bytes };
}
