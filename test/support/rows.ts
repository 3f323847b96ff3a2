/** Row factories for uploader tests: rows shaped like the forwarder's (provenance + format columns). */
import { columnsOf, type Column } from '../../lambda/formats';

/** The stream the tests' emulator declares: the ndjson format's columns. */
export const TEST_STREAM = 'Custom-TestLogs';
export const TEST_COLUMNS: readonly Column[] = columnsOf('ndjson');

/** A row of record `index` whose `Record` column holds `payload` (padding it to about `bytes` if given). */
export function testRow(
  index: number,
  options: { bytes?: number; key?: string } = {},
): Record<string, unknown> {
  const row: Record<string, unknown> = {
    TimeGenerated: '2026-11-28T10:00:00.000Z',
    S3Bucket: 'logs',
    S3Key: options.key ?? 'a/b.json',
    S3ObjectVersion: 'etag',
    RecordIndex: index,
    RecordId: `id-${index}`,
    S3EventTime: '2026-11-28T10:00:01.000Z',
    Record: { message: `record ${index}` },
  };
  if (options.bytes !== undefined) {
    const base = Buffer.byteLength(JSON.stringify(row));
    (row.Record as Record<string, unknown>).pad = 'x'.repeat(Math.max(0, options.bytes - base - 10));
  }
  return row;
}

/** `count` rows from index 0. */
export function testRows(count: number, options: { bytes?: number } = {}): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, i) => testRow(i, options));
}
