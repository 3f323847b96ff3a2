import { compactJson } from './compact-json';
import { hasInexactNumber, holdsInexactNumber, sourceAt } from './exact-json';
import { emptyObject, isEmptyObject, isObject, scalarText, valueAt } from './json-values';

/**
 * Mapping a nested JSON record onto a table's columns by a plan (CloudTrail, Network Firewall): each
 * field fills its column, and what no column takes is returned, nested as in the record, as compact
 * JSON for the additional-fields column. A number `JSON.parse` rounded reaches Azure as written.
 */

/** Where a record's field goes: a column name, or for an object, where each of its members goes. */
export interface FieldMap {
  readonly [field: string]: string | FieldMap;
}

/**
 * How a field's value becomes its column's: `json` is a string column holding a sub-object as
 * compact JSON text; `time` is the row's own time (TimeGenerated), not a column.
 */
export type Kind = 'string' | 'json' | 'boolean' | 'datetime' | 'time';

interface Leaf {
  readonly column: string;
  readonly kind: Kind;
}

/** A {@link FieldMap} with each column's kind, looked up once when the format's module loads. */
export interface ColumnPlan {
  readonly members: ReadonlyMap<string, Leaf | ColumnPlan>;
}

/** The plan of `map`, each column's kind given by `kindOf` (which throws for a column it cannot fill). */
export function columnPlan(map: FieldMap, kindOf: (column: string) => Kind): ColumnPlan {
  const members = new Map<string, Leaf | ColumnPlan>();
  for (const [field, target] of Object.entries(map)) {
    members.set(
      field,
      typeof target === 'string' ? { column: target, kind: kindOf(target) } : columnPlan(target, kindOf),
    );
  }
  return { members };
}

/** Every column `plan` fills, the row's time included. */
export function planColumns(plan: ColumnPlan): string[] {
  return [...plan.members.values()].flatMap((m) => ('members' in m ? planColumns(m) : [m.column]));
}

/** A datetime field's value as ISO 8601 UTC, or `undefined` when it is not a time. */
export type TimeReader = (value: unknown) => string | undefined;

/** One record mapped: the columns it filled, its time, and what no column took as compact JSON. */
export interface MappedRecord {
  readonly fields: Record<string, unknown>;
  /** The first usable value of a `time` field. */
  time?: string;
  additional?: string;
}

/** One record being mapped: what its fields fill so far, and what exact numbers need. */
interface Mapping extends MappedRecord {
  /** The record's source text and parsed value. */
  readonly text: string;
  readonly record: Record<string, unknown>;
  /** Whether the record holds a number `JSON.parse` rounded: only then is its source text read. */
  readonly inexact: boolean;
  readonly readTime: TimeReader;
}

/**
 * Fills `fields` from `record` (parsed from `text`) by `plan`, reading times with `readTime`.
 * Nulls are dropped (Log Analytics reads a null and an absent value alike), and so are empty
 * objects left over (CloudTrail's `"webIdFederationData":{}` would cost bytes on every row and say
 * nothing). The caller writes {@link MappedRecord.additional} to its column, after any column of its own.
 */
export function mapRecord(
  plan: ColumnPlan,
  text: string,
  record: Record<string, unknown>,
  fields: Record<string, unknown>,
  readTime: TimeReader,
): MappedRecord {
  const mapping: Mapping = { text, record, inexact: holdsInexactNumber(text, record), fields, readTime };
  const rest = mapObject(record, plan, [], mapping);
  if (rest !== undefined) mapping.additional = jsonText(rest, [], mapping);
  return mapping;
}

/**
 * `value` (found at `path` in the record, or built from the record's members there) as compact
 * JSON text. `JSON.stringify` unless the value holds a number it would not write as the producer
 * did, and then the source text itself, compacted, so every digit reaches Azure: rare, since only
 * records with such a number come here.
 */
function jsonText(value: unknown, path: readonly string[], mapping: Mapping): string {
  // Re-serialize when exact: JSON.stringify is native and compact; scanning every record's text in JS is not free.
  if (!mapping.inexact || !hasInexactNumber(value)) return JSON.stringify(value);
  if (valueAt(mapping.record, path) === value) {
    const source = sourceAt(mapping.text, path);
    if (source !== undefined) return compactJson(source);
  }
  if (!isObject(value)) return JSON.stringify(value);
  // What the mapping left of an object: its members one by one, each from its own source text.
  const members = Object.entries(value).map(
    ([key, item]) => `${JSON.stringify(key)}:${jsonText(item, [...path, key], mapping)}`,
  );
  return `{${members.join(',')}}`;
}

/**
 * Fills `leaf`'s column from `raw`, the member `key` of the object at `path` (the path is built
 * only when needed: this runs for every field of every record). False when the value does not fit
 * the column, or the column is already filled: the value is then kept in the additional fields
 * rather than dropped.
 */
function fill(leaf: Leaf, raw: unknown, path: readonly string[], key: string, mapping: Mapping): boolean {
  const { fields } = mapping;
  if (leaf.kind === 'time') {
    if (mapping.time !== undefined) return false;
    mapping.time = mapping.readTime(raw);
    return mapping.time !== undefined;
  }
  if (fields[leaf.column] !== undefined) return false;
  let value: unknown;
  switch (leaf.kind) {
    case 'json':
      value = jsonText(raw, [...path, key], mapping);
      break;
    case 'string':
      // An empty string reads in Log Analytics as an absent one (`isempty`): not sent. AWS writes
      // one for the accessKeyId of a console sign-in.
      if (raw === '') return true;
      value =
        typeof raw === 'number' && mapping.inexact && hasInexactNumber(raw)
          ? sourceAt(mapping.text, [...path, key])
          : scalarText(raw);
      break;
    case 'boolean':
      // AWS writes CloudTrail's sessionContext.attributes.mfaAuthenticated as "true" or "false".
      value = typeof raw === 'boolean' ? raw : raw === 'true' ? true : raw === 'false' ? false : undefined;
      break;
    default:
      value = mapping.readTime(raw);
  }
  if (value === undefined) return false;
  fields[leaf.column] = value;
  return true;
}

/**
 * Fills the columns of `plan` from `object`, found at `path` in the record, and returns what no
 * column took, nested as in the record (`undefined` when nothing is left).
 */
function mapObject(
  object: Record<string, unknown>,
  plan: ColumnPlan,
  path: readonly string[],
  mapping: Mapping,
): Record<string, unknown> | undefined {
  let rest: Record<string, unknown> | undefined;
  for (const key in object) {
    const raw = object[key];
    if (raw === null || raw === undefined) continue;
    const target = plan.members.get(key);
    if (target !== undefined) {
      if ('members' in target) {
        if (isObject(raw)) {
          const inner = mapObject(raw, target, [...path, key], mapping);
          if (inner !== undefined) (rest ??= emptyObject())[key] = inner;
          continue;
        }
      } else if (fill(target, raw, path, key, mapping)) {
        continue;
      }
    }
    if (isObject(raw) && isEmptyObject(raw)) continue;
    (rest ??= emptyObject())[key] = raw;
  }
  return rest;
}
