/**
 * The column vocabulary shared by the forwarder (what it sends) and the Azure stack (what the DCR
 * stream declares and the custom table holds). Plain data and pure functions only: `lib/` imports
 * this module, so it must never import the AWS SDK, Azure SDK or CDK.
 */

/** Column types a DCR stream declaration and a DCR-based custom table both accept. */
export type ColumnType = 'string' | 'int' | 'long' | 'real' | 'boolean' | 'datetime' | 'dynamic';

export interface Column {
  /** Column name exactly as it appears in the DCR stream and the `<Table>_CL` table. */
  readonly name: string;
  readonly type: ColumnType;
  /** One line for the table's column description in the workspace. */
  readonly description?: string;
}

/**
 * Columns every row carries, whatever its format, so duplicates from at-least-once delivery can be
 * removed in KQL (`summarize arg_max(TimeGenerated, *) by RecordId`) and every object reconciled.
 */
export const PROVENANCE_COLUMNS: readonly Column[] = [
  {
    name: 'TimeGenerated',
    type: 'datetime',
    description: "The record's own event time, or the S3 event time.",
  },
  { name: 'S3Bucket', type: 'string', description: 'Bucket the record was read from.' },
  { name: 'S3Key', type: 'string', description: 'Object key the record was read from.' },
  {
    name: 'S3ObjectVersion',
    type: 'string',
    description: 'Object version id, or its ETag when unversioned.',
  },
  { name: 'RecordIndex', type: 'long', description: 'Zero-based index of the record within its object.' },
  {
    name: 'RecordId',
    type: 'string',
    description:
      "24 hex characters hashing the object's bucket, key and ETag (else version id), then the record index in hex: identical on every retry.",
  },
  { name: 'S3EventTime', type: 'datetime', description: 'Time of the S3 ObjectCreated event.' },
];

/**
 * Columns of the stand-in row the forwarder sends in place of a record too large for one request
 * (`standInRow` in `lambda/io/batcher.ts`): its provenance columns, then these two. Every table
 * declares them, whatever its format, so the DCR accepts such a row. Absent from every other row.
 */
export const TRUNCATION_COLUMNS: readonly Column[] = [
  {
    name: 'TruncatedRecord',
    type: 'string',
    description:
      "Set only when the record was too large to send: the start of its row's JSON (at most 64,000 bytes). The whole record is record RecordIndex (from 0) of S3Key in S3Bucket.",
  },
  {
    name: 'OriginalRecordBytes',
    type: 'long',
    description: "Set only when the record was too large to send: the size of its row's JSON, in bytes.",
  },
];

/**
 * The full column list of a format's rows: provenance first, then the format's own columns, then
 * the columns of a truncated record's stand-in.
 */
export function rowColumns(formatColumns: readonly Column[]): Column[] {
  return [...PROVENANCE_COLUMNS, ...formatColumns, ...TRUNCATION_COLUMNS];
}
