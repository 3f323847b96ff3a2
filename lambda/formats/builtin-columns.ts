import { ADDITIONAL_FIELDS_COLUMN } from './additional-fields';
import type { BuiltinTable } from './builtin-tables';
import type { Column, ColumnType } from './schema';

/** The column a record's own time fills: the row's TimeGenerated, which the provenance columns declare. */
export const TIME_COLUMN = 'TimeGenerated';

/**
 * A lookup of `table`'s vendored columns by name. A name the table lacks is a bug in a format's
 * mapping, thrown when the format's module loads.
 */
export function columnLookup(table: BuiltinTable): (name: string) => Column {
  const columns = new Map(table.columns.map((c) => [c.name, c]));
  return (name) => {
    const column = columns.get(name);
    if (column === undefined) throw new Error(`${table.name} has no column ${name}`);
    return column;
  };
}

/**
 * How a format reads the value for each of `table`'s columns, by column name: `time` for
 * {@link TIME_COLUMN} (the row's time, not a field), else the column's type, which must be one of
 * `kinds` (what the format knows how to fill; `filler` names its fields in the error).
 */
export function columnKinds<K extends ColumnType>(
  table: BuiltinTable,
  kinds: readonly K[],
  filler: string,
): (name: string) => K | 'time' {
  const lookup = columnLookup(table);
  return (name) => {
    const column = lookup(name);
    if (column.name === TIME_COLUMN) return 'time';
    const kind = kinds.find((k) => k === column.type);
    if (kind === undefined)
      throw new Error(`${table.name}.${column.name} is ${column.type}, which no ${filler} field fills`);
    return kind;
  };
}

/**
 * A format's columns on a built-in table: the table's own (names, types and descriptions as
 * vendored, in the table's order) for each name in `filled` but TimeGenerated, a provenance column;
 * then the one `_CF` column, described by `additionalDescription`.
 */
export function builtinColumns(
  table: BuiltinTable,
  filled: Iterable<string>,
  additionalDescription: string,
): Column[] {
  const lookup = columnLookup(table);
  const names = new Set(filled);
  names.delete(TIME_COLUMN);
  for (const name of names) lookup(name);
  return [
    ...table.columns.filter((c) => names.has(c.name)),
    { name: ADDITIONAL_FIELDS_COLUMN, type: 'string', description: additionalDescription },
  ];
}
