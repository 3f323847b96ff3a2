/**
 * The drain benchmark's backlog: objects of mixed sizes in three formats, gzip-compressed as AWS
 * delivers them, each with an independent count of the rows it must become. Generated objects are
 * counted as they are written (one record, one row); the real samples of test/fixtures/aws are
 * counted by deliberately naive whole-buffer parsing that shares no code with the forwarder.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { prng } from '../test/support/random';
import { cloudTrailRecord } from './generate';

export const DRAIN_FORMATS = ['ndjson', 'cloudtrail', 'vpcflow'] as const;
export type DrainFormat = (typeof DRAIN_FORMATS)[number];

const KB = 1024;

/** One object of the backlog. */
export interface BacklogObject {
  readonly format: DrainFormat;
  readonly key: string;
  /** The object as stored (gzip). */
  readonly body: Buffer;
  /** Its uncompressed size. */
  readonly bytes: number;
  /** Rows it must become (records the format parses; malformed ones are isolated, not sent). */
  readonly rows: number;
}

/** Where an object of `format` lands, under the prefixes AWS writes those logs to. */
export function objectKey(format: DrainFormat, name: string): string {
  switch (format) {
    case 'cloudtrail':
      return `AWSLogs/123456789012/CloudTrail/eu-west-1/2026/12/01/${name}.json.gz`;
    case 'vpcflow':
      return `AWSLogs/123456789012/vpcflowlogs/eu-west-1/2026/12/01/${name}.log.gz`;
    case 'ndjson':
      return `app-logs/2026/12/01/${name}.ndjson.gz`;
  }
}

/**
 * `count` object sizes in bytes from 1 KB to `maxBytes`, summing to about `totalBytes`: the largest
 * is `maxBytes` (or half the total, if smaller), the rest are drawn log-uniformly (as many small
 * objects as large ones per decade, as log producers write them) and scaled to fill the total.
 */
export function objectSizes(count: number, totalBytes: number, maxBytes: number, seed = 7): number[] {
  if (count < 1) return [];
  const largest = Math.max(KB, Math.min(maxBytes, count === 1 ? totalBytes : totalBytes / 2));
  if (count === 1) return [Math.round(largest)];
  const rand = prng(seed);
  const draws = Array.from({ length: count - 1 }, () =>
    Math.exp(Math.log(KB) + rand() * Math.log(largest / KB)),
  );
  const rest = Math.max(0, totalBytes - largest);
  const sum = draws.reduce((a, b) => a + b, 0);
  const sizes = draws.map((d) => Math.round(Math.min(largest, Math.max(KB, (d * rest) / sum))));
  return [Math.round(largest), ...sizes];
}

/** Application-log lines (about 230 bytes each): many small rows per MB. */
function appLogLine(i: number, rand: () => number): string {
  const start = Date.parse('2026-12-01T00:00:00Z');
  return JSON.stringify({
    timestamp: new Date(start + i * 10).toISOString(),
    level: rand() < 0.02 ? 'warn' : 'info',
    service: 'checkout',
    message: `request ${i} served in ${Math.floor(rand() * 900)} ms`,
    user: { id: `u-${Math.floor(rand() * 977)}`, ip: `10.0.${i % 256}.${Math.floor(rand() * 256)}` },
    path: `/api/v1/orders/${Math.floor(rand() * 1e6)}`,
    status: rand() < 0.01 ? 500 : 200,
  });
}

const VPC_HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status ' +
  'vpc-id subnet-id instance-id tcp-flags type pkt-srcaddr pkt-dstaddr';

/** A VPC flow log record of the header above (version 3 fields, about 190 bytes). */
function vpcFlowLine(i: number, rand: () => number): string {
  const ip = (): string =>
    `10.${Math.floor(rand() * 256)}.${Math.floor(rand() * 256)}.${Math.floor(rand() * 256)}`;
  const hex = (n: number): string =>
    Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join('');
  const start = 1_764_547_200 + Math.floor(i / 50);
  const src = ip();
  const dst = ip();
  return [
    3,
    '123456789012',
    `eni-${hex(17)}`,
    src,
    dst,
    Math.floor(rand() * 65536),
    rand() < 0.5 ? 443 : Math.floor(rand() * 65536),
    rand() < 0.9 ? 6 : 17,
    1 + Math.floor(rand() * 200),
    40 + Math.floor(rand() * 1e6),
    start,
    start + 60,
    rand() < 0.95 ? 'ACCEPT' : 'REJECT',
    'OK',
    'vpc-0a1b2c3d4e5f67890',
    'subnet-0a1b2c3d4e5f67890',
    `i-${hex(17)}`,
    Math.floor(rand() * 32),
    'IPv4',
    src,
    dst,
  ].join(' ');
}

/**
 * One generated object of `format` of about `bytes` uncompressed, gzip level 6 (as CloudTrail and
 * flow logs arrive), with its row count.
 */
export function generateObject(
  format: DrainFormat,
  name: string,
  bytes: number,
  seed: number,
): BacklogObject {
  const rand = prng(seed);
  const parts: string[] = [];
  let size = 0;
  let rows = 0;
  const push = (text: string): void => {
    parts.push(text);
    size += Buffer.byteLength(text);
  };
  switch (format) {
    case 'ndjson':
      do push(`${appLogLine(rows++, rand)}\n`);
      while (size < bytes);
      break;
    case 'vpcflow':
      push(`${VPC_HEADER}\n`);
      do push(`${vpcFlowLine(rows++, rand)}\n`);
      while (size < bytes);
      break;
    case 'cloudtrail':
      push('{"Records":[');
      do push(`${rows > 0 ? ',' : ''}${cloudTrailRecord(rows++, rand)}`);
      while (size < bytes - 2);
      push(']}');
      break;
  }
  const text = Buffer.from(parts.join(''));
  return { format, key: objectKey(format, name), body: gzipSync(text), bytes: text.length, rows };
}

/** The real samples of test/fixtures/aws for each format, gzip-compressed, naively counted. */
export function fixtureObjects(fixtures: string, formats: readonly DrainFormat[]): BacklogObject[] {
  const sources: Record<DrainFormat, { dir: string; files?: string[]; count: (raw: string) => number }[]> = {
    ndjson: [
      { dir: 'waf', files: ['valid_log_multi.json'], count: countNdjson },
      { dir: 'network-firewall', files: ['alert_log_multi.json'], count: countNdjson },
    ],
    cloudtrail: [{ dir: 'cloudtrail', count: (raw) => (JSON.parse(raw).Records ?? []).length }],
    vpcflow: [{ dir: 'vpcflow', count: countVpcFlow }],
  };
  return formats.flatMap((format) =>
    sources[format].flatMap(({ dir, files, count }) =>
      (files ?? readdirSync(join(fixtures, dir)).sort()).map((file) => {
        const raw = readFileSync(join(fixtures, dir, file));
        return {
          format,
          key: objectKey(format, `sample-${dir}-${file.replace(/\.\w+$/, '')}`),
          body: gzipSync(raw),
          bytes: raw.length,
          rows: count(raw.toString('utf8')),
        };
      }),
    ),
  );
}

/** JSON objects, one per line; anything else on a line is malformed (not a row). */
function countNdjson(raw: string): number {
  let rows = 0;
  for (const line of raw.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    try {
      const value = JSON.parse(line);
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) rows += 1;
    } catch {
      // malformed: isolated by the forwarder, not a row
    }
  }
  return rows;
}

/** Records with as many fields as the header line; others are malformed. */
function countVpcFlow(raw: string): number {
  const lines = raw.split(/\r?\n/).filter((l) => l.trim() !== '');
  const fields = lines[0].trim().split(/\s+/).length;
  return lines.slice(1).filter((l) => l.trim().split(/\s+/).length === fields).length;
}
