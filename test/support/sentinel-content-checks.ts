/**
 * Checks of a delivered row against what a Sentinel query asks of it, shared by the content tests
 * (`test/integration/sentinel-content.test.ts`): conditions tied to the query text they stand for,
 * the columns a query names as the vendored table spells and types them, and the rows a broken
 * format could send instead, which those checks must refuse.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { BuiltinTable } from '../../lambda/formats';
import {
  SENTINEL_CONTENT,
  describeValue,
  isempty,
  kqlIdentifiers,
  squashSpace,
  tostring,
  type Row,
} from './sentinel-content';

/** Names of `table`'s columns that `query` names. */
export function tableColumnsIn(query: string, table: BuiltinTable): string[] {
  const names = kqlIdentifiers(query);
  return table.columns.map((c) => c.name).filter((name) => names.has(name));
}

/** A condition of a rule's query on the row of the record it should match. */
export interface Condition {
  /** The query text it stands for, verbatim but for white space; each fragment must be in the query. */
  readonly kql: string | readonly string[];
  /**
   * Whether the row satisfies it. `rows` are all the rows of the log file (for joins), `query` the
   * rule's KQL. Throws, saying why, when a column has the wrong shape for the operator.
   */
  readonly holds: (row: Row, rows: readonly Row[], query: string) => boolean;
}

export function fragments(kql: string | readonly string[]): readonly string[] {
  return typeof kql === 'string' ? [kql] : kql;
}

/** Throws unless every fragment of every condition is in `query`. */
export function expectFragmentsIn(query: string, kqls: readonly (string | readonly string[])[]): void {
  const text = squashSpace(query);
  const missing = kqls.flatMap(fragments).filter((kql) => !text.includes(squashSpace(kql)));
  if (missing.length > 0) throw new Error(`not in the query: ${missing.map((k) => `\`${k}\``).join(', ')}`);
}

/** Throws, naming the query text and the columns it reads, unless `condition` holds for the row. */
export function expectCondition(
  condition: Condition,
  row: Row,
  rows: readonly Row[],
  query: string,
  table: BuiltinTable,
) {
  const kql = fragments(condition.kql).join(' … ');
  let holds: boolean;
  try {
    holds = condition.holds(row, rows, query);
  } catch (error) {
    throw new Error(`\`${kql}\`: ${(error as Error).message}`);
  }
  if (!holds) {
    const columns = tableColumnsIn(fragments(condition.kql).join(' '), table);
    const values = columns.map((c) => `${c} is ${describeValue(row[c])}`).join('; ');
    throw new Error(`the row does not satisfy \`${kql}\`${values ? ` (${values})` : ''}`);
  }
}

/**
 * How a value of one column type is checked: why `actual` (described as `got`) is not what the
 * record's `source` value becomes in `column`, or `undefined`.
 */
export type TypeCheck = (column: string, actual: unknown, source: unknown, got: string) => string | undefined;

/** A string column: the value as text (`tostring`). */
export const TEXT_CHECK: TypeCheck = (column, actual, source, got) =>
  actual === tostring(source)
    ? undefined
    : `${column} should be ${describeValue(tostring(source))}, but is ${got}`;

/** A datetime column: the same instant. */
export const DATETIME_CHECK: TypeCheck = (column, actual, source, got) =>
  typeof actual === 'string' && Date.parse(actual) === Date.parse(tostring(source))
    ? undefined
    : `${column} should be the datetime ${tostring(source)}, but is ${got}`;

/** An int or long column: the integer the source is or spells. */
export const INTEGER_CHECK: TypeCheck = (column, actual, source, got) =>
  actual === Number(source) && Number.isInteger(actual)
    ? undefined
    : `${column} should be the integer ${tostring(source)}, but is ${got}`;

/**
 * Throws unless every column of `table` in `names` is spelled as the table spells it in `row` (no
 * key differing from it in case only), is not a system column that was sent, and holds
 * `expected(column)` as `checks` says for its type; empty when the record has no value (absent,
 * null or `""`: AWS left it out, and `isempty` must say so). A type `checks` lacks is a problem.
 */
export function expectColumnsChecked(
  names: ReadonlySet<string>,
  table: BuiltinTable,
  row: Row,
  expected: (column: string) => { readonly value: unknown } | undefined,
  checks: Readonly<Partial<Record<string, TypeCheck>>>,
): void {
  const problems: string[] = [];
  for (const column of [...table.columns, ...table.systemColumns]) {
    if (!names.has(column.name)) continue;
    const variants = Object.keys(row).filter(
      (k) => k !== column.name && k.toLowerCase() === column.name.toLowerCase(),
    );
    if (variants.length > 0) problems.push(`${column.name} arrived spelt ${variants.join(', ')}`);
    if (table.systemColumns.includes(column)) {
      if (column.name in row) problems.push(`${column.name} is a system column and was sent`);
      continue;
    }
    const source = expected(column.name);
    if (source === undefined) {
      problems.push(`${column.name}: the test knows no record field for it`);
      continue;
    }
    const problem = shapeProblem(column.name, column.type, row[column.name], source.value, checks);
    if (problem !== undefined) problems.push(problem);
  }
  if (problems.length > 0) throw new Error(problems.join('\n'));
}

function shapeProblem(
  column: string,
  type: string,
  actual: unknown,
  source: unknown,
  checks: Readonly<Partial<Record<string, TypeCheck>>>,
): string | undefined {
  const got = describeValue(actual);
  if (source === undefined || source === null || source === '') {
    return isempty(actual) ? undefined : `${column} should be empty (the record has no value), but is ${got}`;
  }
  const check = checks[type];
  return check === undefined ? `${column}: type ${type} is not checked` : check(column, actual, source, got);
}

/** The names `query` reads; throws when none is a column of `table`. */
export function queryNames(query: string, table: BuiltinTable): ReadonlySet<string> {
  const names = kqlIdentifiers(query);
  if (!table.columns.some((column) => names.has(column.name)))
    throw new Error(`the query names no ${table.name} column`);
  return names;
}

/**
 * A string column: the value as text, or for a column in `jsonText`, compact JSON text that
 * `parse_json` reads as the record's value.
 */
function textOrJsonCheck(jsonText: ReadonlySet<string>): TypeCheck {
  return (column, actual, source, got) => {
    if (!jsonText.has(column)) return TEXT_CHECK(column, actual, source, got);
    if (typeof actual !== 'string') return `${column} should be JSON text, but is ${got}`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(actual);
    } catch {
      return `${column} is not JSON text that parse_json reads: ${got}`;
    }
    if (actual !== JSON.stringify(parsed)) return `${column} should be compact JSON text, but is ${got}`;
    return isDeepStrictEqual(parsed, source)
      ? undefined
      : `${column} does not hold the record's value: ${got}`;
  };
}

/** A boolean column: the boolean, which AWS may write as text. */
const BOOLEAN_CHECK: TypeCheck = (column, actual, source, got) => {
  const want = source === true || source === 'true';
  return actual === want ? undefined : `${column} should be the boolean ${want}, but is ${got}`;
};

/**
 * Throws unless every column of `table` that `query` names is spelled as the table spells it in
 * `row` (no key differing from it in case only) and holds `expected(column)` in the shape of the
 * column's type (string, boolean, datetime, int or long); and unless no system column the query
 * names was sent.
 */
export function expectColumnsAsTableSpells(
  query: string,
  table: BuiltinTable,
  row: Row,
  expected: (column: string) => { readonly value: unknown } | undefined,
  jsonText: ReadonlySet<string> = new Set(),
): void {
  expectColumnsChecked(queryNames(query, table), table, row, expected, {
    string: textOrJsonCheck(jsonText),
    boolean: BOOLEAN_CHECK,
    datetime: DATETIME_CHECK,
    int: INTEGER_CHECK,
    long: INTEGER_CHECK,
  });
}

/** The `columnName`s of a rule's `entityMappings`: the alert's entities. */
export function entityMappingColumns(rule: string): string[] {
  const text = readFileSync(join(SENTINEL_CONTENT, rule), 'utf8');
  return [...text.matchAll(/^\s+columnName:\s*(\S+)\s*$/gm)].map((m) => m[1]);
}

/** A row with one key renamed, keeping the key order. */
function renamed(row: Row, from: string, to: string): Row {
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k === from ? to : k, v]));
}

/** `name` with the case of its last letter flipped: `UserIdentityPrincipalid` → `UserIdentityPrincipaliD`. */
function caseVariant(name: string): string {
  let i = name.length - 1;
  while (name[i].toLowerCase() === name[i].toUpperCase()) i--;
  const ch = name[i];
  return (
    name.slice(0, i) + (ch === ch.toLowerCase() ? ch.toUpperCase() : ch.toLowerCase()) + name.slice(i + 1)
  );
}

/**
 * Rows a broken format could send in place of `row`, each named: every column of `table` the
 * query names spelled in another case; every JSON text column as an object or as indented text;
 * every boolean as text.
 */
export function brokenRows(
  row: Row,
  query: string,
  table: BuiltinTable,
  jsonText: ReadonlySet<string> = new Set(),
): [string, Row][] {
  const broken: [string, Row][] = [];
  for (const column of tableColumnsIn(query, table)) {
    if (!(column in row)) continue;
    const value = row[column];
    broken.push([`${column} spelt ${caseVariant(column)}`, renamed(row, column, caseVariant(column))]);
    if (jsonText.has(column) && typeof value === 'string') {
      broken.push([`${column} as an object`, { ...row, [column]: JSON.parse(value) as unknown }]);
      broken.push([
        `${column} as indented text`,
        { ...row, [column]: JSON.stringify(JSON.parse(value), null, 4) },
      ]);
    }
    if (typeof value === 'boolean') broken.push([`${column} as text`, { ...row, [column]: String(value) }]);
  }
  return broken;
}

/** Groups `items` by `key` (a JSON array of the group's values). */
export function groupBy<T>(items: readonly T[], key: (item: T) => unknown[]): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = JSON.stringify(key(item));
    groups.set(k, [...(groups.get(k) ?? []), item]);
  }
  return [...groups.values()];
}
