/**
 * Where a format's rows land: a DCR-based custom table `<Name>_CL`, or one of Sentinel's built-in
 * tables, whose columns the format then sends under the table's own names. Plain data and pure
 * functions: the Azure stack declares the DCR and the table's `_CF` columns from it, and the
 * forwarder's rows match it.
 */
import type { BuiltinTable } from './builtin-tables';
import { PROVENANCE_COLUMNS, TRUNCATION_COLUMNS, type Column } from './schema';

export type Destination =
  { readonly kind: 'custom' } | { readonly kind: 'builtin'; readonly table: BuiltinTable };

/** The suffix Azure requires of a custom column added to a built-in table. */
export const CUSTOM_COLUMN_SUFFIX = '_CF';

/**
 * Set by a built-in destination's DCR on every row it writes: a built-in table may hold rows of
 * other producers and of Microsoft's own connector, so the producer's alerts select by it.
 */
export const PRODUCER_COLUMN: Column = {
  name: 'S2SProducer_CF',
  type: 'string',
  description: 'The s3-to-sentinel producer whose DCR wrote the row.',
};

/**
 * Also set by a built-in destination's DCR: TimeGenerated as the forwarder sent it, which Azure
 * replaces with the time received when it lies more than two days back (every backfill). Copied
 * by the transform, so it costs nothing on the wire.
 */
export const RECORD_TIME_COLUMN: Column = {
  name: 'RecordTime_CF',
  type: 'datetime',
  description: "The record's own time as sent, kept when Azure replaces a TimeGenerated over two days old.",
};

/** The columns a built-in destination's DCR adds to every row ({@link PRODUCER_COLUMN}, {@link RECORD_TIME_COLUMN}). */
export const DCR_ADDED_COLUMNS: readonly Column[] = [PRODUCER_COLUMN, RECORD_TIME_COLUMN];

/**
 * The forwarder's own columns renamed for a built-in table, where every added column must end in
 * `_CF`: the provenance columns (RecordId, S3Bucket, …) and the truncated record's, all but
 * TimeGenerated, which is the table's own. The DCR's transform applies these renames; record
 * fields are mapped in the format, not there.
 */
export function builtinRenames(): ReadonlyMap<string, string> {
  return new Map(
    [...PROVENANCE_COLUMNS, ...TRUNCATION_COLUMNS]
      .filter((column) => column.name !== 'TimeGenerated')
      .map((column) => [column.name, `${column.name}${CUSTOM_COLUMN_SUFFIX}`]),
  );
}

/** `columns` (what the forwarder sends) as they land in the destination table, renamed. */
export function landedColumns(columns: readonly Column[], destination: Destination): Column[] {
  if (destination.kind === 'custom') return [...columns];
  const renames = builtinRenames();
  return columns.map((column) => ({ ...column, name: renames.get(column.name) ?? column.name }));
}

/**
 * The `_CF` columns a built-in destination needs added to its table: every landed column the
 * table does not already have.
 */
export function addedColumns(columns: readonly Column[], table: BuiltinTable): Column[] {
  const own = new Set(table.columns.map((column) => column.name));
  return [...landedColumns(columns, { kind: 'builtin', table }), ...DCR_ADDED_COLUMNS].filter(
    (column) => !own.has(column.name),
  );
}

/**
 * The problems with sending `columns` to a built-in table: a column it has under another type, or
 * one it lacks whose name does not end in `_CF`. Empty when they agree.
 */
export function builtinMismatches(columns: readonly Column[], table: BuiltinTable): string[] {
  const own = new Map(table.columns.map((column) => [column.name, column]));
  const system = new Set(table.systemColumns.map((column) => column.name));
  const problems: string[] = [];
  for (const column of landedColumns(columns, { kind: 'builtin', table })) {
    const existing = own.get(column.name);
    if (system.has(column.name)) {
      problems.push(`${column.name} is a column Azure fills in ${table.name}; it must not be sent`);
    } else if (existing !== undefined && existing.type !== column.type) {
      problems.push(`${column.name} is ${existing.type} in ${table.name}, not ${column.type}`);
    } else if (existing === undefined && !column.name.endsWith(CUSTOM_COLUMN_SUFFIX)) {
      problems.push(
        `${table.name} has no column ${column.name}, and only columns ending in ${CUSTOM_COLUMN_SUFFIX} can be added to it`,
      );
    }
  }
  return problems;
}
