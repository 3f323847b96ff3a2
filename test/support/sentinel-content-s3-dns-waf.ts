/**
 * Checks for the AWS tables with dynamic columns (AWSWAF, AWSRoute53Resolver) and for content that
 * is a DCR rather than a rule: `expectColumnsAsTableSpells` in `sentinel-content-checks.ts` checks
 * string, int, boolean and datetime columns only, and these tables carry JSON values.
 */
import { isDeepStrictEqual } from 'node:util';
import type { BuiltinTable } from '../../lambda/formats';
import { tostring, type Row } from './sentinel-content';
import { DATETIME_CHECK, INTEGER_CHECK, TEXT_CHECK, expectColumnsChecked } from './sentinel-content-checks';

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
  expectColumnsChecked(names, table, row, expected, {
    dynamic: (column, actual, source, got) => {
      if (typeof source === 'object' && typeof actual === 'string')
        return `${column} should be a JSON value, not JSON text: ${got}`;
      return isDeepStrictEqual(actual, source)
        ? undefined
        : `${column} does not hold the record's value: ${got}`;
    },
    int: INTEGER_CHECK,
    long: INTEGER_CHECK,
    datetime: DATETIME_CHECK,
    string: TEXT_CHECK,
  });
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
