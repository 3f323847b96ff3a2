import type { Column, ColumnType } from '../../lambda/formats';

/**
 * How each column type is spelled in the DCR stream declaration
 * (`azurerm_monitor_data_collection_rule.stream_declaration.column.type`). The Monitor API's
 * KnownColumnDefinitionType accepts every type of the shared vocabulary as written.
 */
export const STREAM_COLUMN_TYPES: Readonly<Record<ColumnType, string>> = {
  string: 'string',
  int: 'int',
  long: 'long',
  real: 'real',
  boolean: 'boolean',
  datetime: 'datetime',
  dynamic: 'dynamic',
};

/**
 * How each column type is spelled in the custom table
 * (`azurerm_log_analytics_workspace_table_custom_log.column.type`). The provider validates the
 * Log Analytics API's ColumnTypeEnum case-sensitively, and that enum spells `dateTime` in camel
 * case, so `datetime` (what the DCR wants) would be rejected at plan time. Every other type is
 * spelled the same in both places; the two spellings name the same Kusto type.
 */
export const TABLE_COLUMN_TYPES: Readonly<Record<ColumnType, string>> = {
  ...STREAM_COLUMN_TYPES,
  datetime: 'dateTime',
};

/**
 * Column names a DCR-based custom table cannot declare: Log Analytics adds columns with these
 * names to every table itself (compared case-insensitively, as Kusto resolves them).
 */
export const RESERVED_COLUMN_NAMES: readonly string[] = [
  'id',
  'TenantId',
  'Type',
  'UniqueId',
  'Title',
  '_ResourceId',
  '_SubscriptionId',
  '_ItemId',
  '_BilledSize',
  '_IsBillable',
  '_TimeReceived',
];

/** Longest column name a custom table accepts. */
export const MAX_COLUMN_NAME_LENGTH = 45;
/** Most columns a custom table may have. */
export const MAX_TABLE_COLUMNS = 500;

// Letters, digits and underscores, starting with a letter: names starting with `_` are reserved
// for the standard columns Log Analytics adds.
const COLUMN_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/**
 * The problems with one table's column list, each naming the column and what to change. `where`
 * prefixes every message (e.g. `producer "cloudtrail" (format cloudtrail)`).
 */
export function columnProblems(columns: readonly Column[], where: string): string[] {
  const problems: string[] = [];
  const reserved = new Map(RESERVED_COLUMN_NAMES.map((name) => [name.toLowerCase(), name]));
  const seen = new Set<string>();
  if (columns.length > MAX_TABLE_COLUMNS) {
    problems.push(
      `${where}: has ${columns.length} columns; a custom table holds at most ${MAX_TABLE_COLUMNS}`,
    );
  }
  for (const column of columns) {
    const name = column.name;
    const clash = reserved.get(name.toLowerCase());
    if (clash !== undefined) {
      problems.push(
        `${where}: column \`${name}\` is reserved by Azure (${clash} is added to every table); rename it in the format's columns`,
      );
    } else if (!COLUMN_NAME.test(name)) {
      problems.push(
        `${where}: column \`${name}\` must be letters, digits or underscores starting with a letter; rename it in the format's columns`,
      );
    }
    if (name.length > MAX_COLUMN_NAME_LENGTH) {
      problems.push(
        `${where}: column \`${name}\` is ${name.length} characters; Azure allows at most ${MAX_COLUMN_NAME_LENGTH}`,
      );
    }
    if (seen.has(name.toLowerCase())) {
      problems.push(`${where}: column \`${name}\` is declared twice (column names are case-insensitive)`);
    }
    seen.add(name.toLowerCase());
    if (!Object.prototype.hasOwnProperty.call(STREAM_COLUMN_TYPES, column.type)) {
      problems.push(
        `${where}: column \`${name}\` has type ${JSON.stringify(column.type)}; use one of ${Object.keys(STREAM_COLUMN_TYPES).join(', ')}`,
      );
    }
  }
  const time = columns.find((column) => column.name === 'TimeGenerated');
  if (time === undefined || time.type !== 'datetime') {
    problems.push(`${where}: every table needs a \`TimeGenerated\` column of type datetime`);
  }
  return problems;
}

/**
 * Column types a table on the Auxiliary plan cannot hold. Microsoft's "Set up a table with the
 * Auxiliary plan" (azure-monitor-docs, logs/create-custom-table-auxiliary.md): "Tables with the
 * Auxiliary plan don't support columns with dynamic data."
 */
export const AUXILIARY_UNSUPPORTED_TYPES: readonly ColumnType[] = ['dynamic'];

/**
 * The problems with putting `columns` in a table on the Auxiliary plan: one per column whose type
 * that plan cannot hold. The schema is not rewritten (the forwarder would still send objects for a
 * column the table declared as string), so the fix is another plan or another format.
 */
export function auxiliaryColumnProblems(columns: readonly Column[], where: string): string[] {
  return columns
    .filter((column) => AUXILIARY_UNSUPPORTED_TYPES.includes(column.type))
    .map(
      (column) =>
        `${where}: column \`${column.name}\` has type ${column.type}, which a table on the Auxiliary plan cannot hold; ` +
        "set `table.plan` to 'Basic' (or 'Analytics') for this producer, or use a format without dynamic columns (text)",
    );
}
