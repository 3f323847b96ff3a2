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

/** The full column list of a format's rows: provenance first, then the format's own columns. */
export function rowColumns(formatColumns: readonly Column[]): Column[] {
  return [...PROVENANCE_COLUMNS, ...formatColumns];
}
