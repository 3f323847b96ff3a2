// Shared helpers of the format and object-reader tests.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FormatName } from '../../../lambda/formats';
import { parseObject, type ObjectRef, type ParseOutcome } from '../../../lambda/pipeline/parse-object';

export const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'aws');

/** A fixture's bytes, e.g. `fixture('cloudtrail/cloudtrail_log.json')`. */
export function fixture(path: string): Buffer {
  return readFileSync(join(FIXTURES, path));
}

/** An S3 object reference with defaults; `key` and friends can be overridden. */
export function objectRef(overrides: Partial<ObjectRef> = {}): ObjectRef {
  return {
    bucket: 'amzn-s3-demo-bucket',
    key: 'AWSLogs/123456789012/logs/object.log',
    eTag: '"d41d8cd98f00b204e9800998ecf8427e"',
    eventTime: '2026-01-02T03:04:05.678Z',
    ...overrides,
  };
}

/** A body that yields `data` in chunks of `size` bytes (1 splits every multi-byte character). */
export async function* chunked(data: Uint8Array, size = 64 * 1024): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < data.length; offset += size) {
    yield data.subarray(offset, Math.min(offset + size, data.length));
  }
}

/** Every outcome of parsing `data` as `format`. */
export async function parseAll(
  format: FormatName,
  data: Uint8Array | string,
  object: ObjectRef = objectRef(),
  options: { skipRecords?: number; chunkSize?: number } = {},
): Promise<ParseOutcome[]> {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  const outcomes: ParseOutcome[] = [];
  const parseOptions = options.skipRecords !== undefined ? { skipRecords: options.skipRecords } : {};
  for await (const outcome of parseObject(format, chunked(bytes, options.chunkSize), object, parseOptions)) {
    outcomes.push(outcome);
  }
  return outcomes;
}

/** The rows among `outcomes`. */
export function rowsOf(outcomes: readonly ParseOutcome[]): Record<string, unknown>[] {
  return outcomes.flatMap((o) => (o.kind === 'row' ? [o.row] : []));
}

/** The malformed outcomes among `outcomes`. */
export function malformedOf(
  outcomes: readonly ParseOutcome[],
): Extract<ParseOutcome, { kind: 'malformed' }>[] {
  return outcomes.filter((o): o is Extract<ParseOutcome, { kind: 'malformed' }> => o.kind === 'malformed');
}

/** Counts of outcomes by kind. */
export function countKinds(outcomes: readonly ParseOutcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes) counts[o.kind] = (counts[o.kind] ?? 0) + 1;
  return counts;
}

/** The outcomes that take a record index (rows and malformed records). */
export function hasIndex(outcome: ParseOutcome): outcome is Extract<ParseOutcome, { index: number }> {
  return 'index' in outcome;
}
