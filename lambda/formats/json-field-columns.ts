import { emptyObject, scalarText } from './json-values';
import { normalizeTime } from './time';

/**
 * Filling a table's columns from the fields of a flat JSON record (Route 53 Resolver, WAF) by a
 * field → column plan, keeping what no column takes for the additional-fields column.
 */

/** The column a field fills and how its value is read. */
export interface FieldPlan<K extends string> {
  readonly column: string;
  readonly kind: K;
}

/** `map` (field → column) with each column's kind, looked up once when the format's module loads. */
export function fieldPlans<K extends string>(
  map: ReadonlyMap<string, string>,
  kindOf: (column: string) => K,
): ReadonlyMap<string, FieldPlan<K>> {
  return new Map([...map].map(([field, column]) => [field, { column, kind: kindOf(column) }]));
}

/** The kinds {@link fillColumns} reads: `time` is the row's TimeGenerated, not a column. */
export type FieldKind = 'string' | 'int' | 'dynamic' | 'time';

/** The range of a Kusto `int` (32-bit). */
const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;

/**
 * `value` as `plan`'s column holds it, or `undefined` when it cannot (the caller keeps it in the
 * additional fields). Scalars become text in string columns (WAF's formatVersion and Route 53's
 * srcport are numbers); an int column takes an integer, also written as text; a dynamic column
 * takes the value as AWS wrote it.
 */
function columnValue(plan: FieldPlan<FieldKind>, value: unknown): unknown {
  switch (plan.kind) {
    case 'string':
      return scalarText(value);
    case 'int': {
      const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
      return typeof n === 'number' && Number.isInteger(n) && n >= INT_MIN && n <= INT_MAX ? n : undefined;
    }
    case 'dynamic':
      return value;
    default:
      return normalizeTime(value);
  }
}

/** A row being filled: its columns, its time, and the fields no column took. */
export interface FilledRow {
  readonly fields: Record<string, unknown>;
  time?: string;
  additional?: Record<string, unknown>;
}

/**
 * Fills `row` from the fields of `object` by `plans`. A field with no column, or a value its column
 * cannot hold, is kept in `row.additional` rather than dropped, unless `keep` is false (for an
 * object a column already holds whole).
 */
export function fillColumns(
  plans: ReadonlyMap<string, FieldPlan<FieldKind>>,
  object: Record<string, unknown>,
  row: FilledRow,
  keep = true,
): void {
  for (const key in object) {
    const value = object[key];
    // Null and "" read in Log Analytics as absent (`isempty`): not sent.
    if (value === null || value === undefined || value === '') continue;
    const plan = plans.get(key);
    const converted = plan === undefined ? undefined : columnValue(plan, value);
    if (plan !== undefined && converted !== undefined) {
      if (plan.kind === 'time') row.time = converted as string;
      else row.fields[plan.column] = converted;
    } else if (keep) {
      (row.additional ??= emptyObject())[key] = value;
    }
  }
}
