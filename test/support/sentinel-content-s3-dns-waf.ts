/**
 * Checks for the AWS tables with dynamic columns (AWSWAF, AWSRoute53Resolver) and for content that
 * is a DCR rather than a rule: `expectColumnsAsTableSpells` in `sentinel-content-checks.ts` checks
 * string, int, boolean and datetime columns only, and these tables carry JSON values.
 */
import { isDeepStrictEqual } from 'node:util';
import type { BuiltinTable } from '../../lambda/formats';
import { describeValue, isempty, tostring, type Row } from './sentinel-content';

/**
 * Throws unless every column of `table` in `names` is spelled as the table spells it in `row`, is
 * not a system column that was sent, and holds `expected(column)` in the shape of its type: a
 * dynamic column the JSON value itself (an object or array, never JSON text), an int an integer, a
 * datetime the same instant, a string the value as text; empty when the record has no value.
 */
export function expectColumnsHold(
  names: ReadonlySet<string>,
  table: BuiltinTable,
  row: Row,
  expected: (column: string) => { readonly value: unknown } | undefined,
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
    const problem = shapeProblem(column.name, column.type, row[column.name], source.value);
    if (problem !== undefined) problems.push(problem);
  }
  if (problems.length > 0) throw new Error(problems.join('\n'));
}

function shapeProblem(column: string, type: string, actual: unknown, source: unknown): string | undefined {
  const got = describeValue(actual);
  if (source === undefined || source === null || source === '') {
    return isempty(actual) ? undefined : `${column} should be empty (the record has no value), but is ${got}`;
  }
  switch (type) {
    case 'dynamic':
      if (typeof source === 'object' && typeof actual === 'string')
        return `${column} should be a JSON value, not JSON text: ${got}`;
      return isDeepStrictEqual(actual, source)
        ? undefined
        : `${column} does not hold the record's value: ${got}`;
    case 'int':
    case 'long':
      return Number.isInteger(actual) && actual === Number(source)
        ? undefined
        : `${column} should be the integer ${tostring(source)}, but is ${got}`;
    case 'datetime':
      return typeof actual === 'string' && Date.parse(actual) === Date.parse(tostring(source))
        ? undefined
        : `${column} should be the datetime ${tostring(source)}, but is ${got}`;
    case 'string':
      return actual === tostring(source)
        ? undefined
        : `${column} should be ${describeValue(tostring(source))}, but is ${got}`;
    default:
      return `${column}: type ${type} is not checked`;
  }
}

/** One `Column = fn(field)` of a DCR's `transformKql` projection, or `Column = "constant"`. */
export interface Projection {
  readonly column: string;
  readonly fn?: string;
  readonly field?: string;
  readonly constant?: string;
}

/** The `project` list of a DCR's `transformKql` (`source | project A = tostring(a), B = "x"`). */
export function dcrProjection(transformKql: string): Projection[] {
  const match = /\|\s*project\s+([\s\S]*)$/.exec(transformKql);
  if (match === null) throw new Error(`no '| project' in ${transformKql}`);
  return match[1].split(',').map((item) => {
    const call = /^\s*(\w+)\s*=\s*(\w+)\((\w+)\)\s*$/.exec(item);
    if (call !== null) return { column: call[1], fn: call[2], field: call[3] };
    const constant = /^\s*(\w+)\s*=\s*"([^"]*)"\s*$/.exec(item);
    if (constant !== null) return { column: constant[1], constant: constant[2] };
    throw new Error(`not a 'Column = fn(field)' or 'Column = "constant"' item: ${item}`);
  });
}

/** `take_anyif(tostring(header.value), tostring(header.name) =~ name)` over a WAF headers array. */
export function headerValue(headers: unknown, name: string): string {
  if (!Array.isArray(headers)) return '';
  const header = headers.find(
    (h: unknown) => tostring((h as { name?: unknown })?.name).toLowerCase() === name.toLowerCase(),
  ) as { value?: unknown } | undefined;
  return tostring(header?.value);
}
