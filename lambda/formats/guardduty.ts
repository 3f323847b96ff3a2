import { ADDITIONAL_FIELDS_COLUMN } from './additional-fields';
import { AWS_GUARDDUTY } from './builtin-tables';
import { topLevelMemberTexts } from './cloudtrail';
import { compactJson } from './compact-json';
import type { FormatDefinition, ParsedRecord, RecordError } from './format';
import { describeJson, jsonErrorReason, lineSources } from './parse-helpers';
import { RawJson } from './raw-json';
import type { Column } from './schema';
import { normalizeTime } from './time';

/**
 * Where each field of a GuardDuty finding goes in Sentinel's AWSGuardDuty table. The table reference
 * names the source of each column in its description (TimeGenerated "the last time this finding was
 * updated", TimeCreated "when this finding was first created", ActivityType "the type of activity
 * that triggered the finding"), and the solution's "AWS Guard Duty Alert" rule reads ActivityType as
 * the finding type (`ThreatPurpose:ResourceTypeAffected/ThreatFamilyName.DetectionMechanism!Artifact`)
 * and ResourceDetails/ServiceDetails as the finding's `resource` and `service` objects
 * (`ResourceDetails.accessKeyDetails`, `ServiceDetails.action.awsApiCallAction`). Microsoft's S3
 * connector maps findings inside its service, so there is no DCR transform to copy. Types are the
 * vendored table's (`builtin-tables/aws-guardduty.ts`), looked up by name. Every other field goes to
 * {@link ADDITIONAL_FIELDS_COLUMN}.
 */
export const GUARDDUTY_FIELD_COLUMNS: ReadonlyMap<string, string> = new Map([
  ['schemaVersion', 'SchemaVersion'],
  ['accountId', 'AccountId'],
  ['region', 'Region'],
  ['partition', 'Partition'],
  ['id', 'Id'],
  ['arn', 'Arn'],
  ['type', 'ActivityType'],
  ['resource', 'ResourceDetails'],
  ['service', 'ServiceDetails'],
  ['severity', 'Severity'],
  ['createdAt', 'TimeCreated'],
  // The table has no column for the finding's update time: TimeGenerated is updatedAt.
  ['updatedAt', 'TimeGenerated'],
  ['title', 'Title'],
  ['description', 'Description'],
]);

/** The column updatedAt fills: the row's own TimeGenerated, which the provenance columns declare. */
const TIME_COLUMN = 'TimeGenerated';

const TABLE_COLUMNS = new Map(AWS_GUARDDUTY.columns.map((c) => [c.name, c]));

/** The vendored column named `name`; a name the table lacks is a bug, caught when the module loads. */
function tableColumn(name: string): Column {
  const column = TABLE_COLUMNS.get(name);
  if (column === undefined) throw new Error(`${AWS_GUARDDUTY.name} has no column ${name}`);
  return column;
}

/** How a field's value becomes its column's: `time` is updatedAt, which becomes the row's TimeGenerated. */
type Kind = 'string' | 'dynamic' | 'int' | 'datetime' | 'time';

function kindOf(column: Column): Kind {
  if (column.name === TIME_COLUMN) return 'time';
  switch (column.type) {
    case 'string':
    case 'dynamic':
    case 'int':
    case 'datetime':
      return column.type;
    default:
      throw new Error(
        `${AWS_GUARDDUTY.name}.${column.name} is ${column.type}, which no GuardDuty field fills`,
      );
  }
}

const PLAN: ReadonlyMap<string, { readonly column: string; readonly kind: Kind }> = new Map(
  [...GUARDDUTY_FIELD_COLUMNS].map(([field, column]) => [
    field,
    { column, kind: kindOf(tableColumn(column)) },
  ]),
);

/**
 * The format's columns: the vendored table's own, in its order, for every column a field fills
 * (all of them: TimeGenerated is a provenance column), then the one `_CF` column.
 */
const COLUMNS: readonly Column[] = (() => {
  const filled = new Set(GUARDDUTY_FIELD_COLUMNS.values());
  filled.delete(TIME_COLUMN);
  return [
    ...AWS_GUARDDUTY.columns.filter((c) => filled.has(c.name)),
    {
      name: ADDITIONAL_FIELDS_COLUMN,
      type: 'string',
      description:
        'Compact JSON object of the finding fields AWSGuardDuty has no column for (fields AWS adds later, values of an unexpected type), and the exact severity when it is not a whole number.',
    },
  ];
})();

/**
 * GuardDuty's severity as the table's int column holds it: rounded down, so each finding stays in its
 * documented band (Low 1.0–3.9 → 1–3, Medium 4.0–6.9 → 4–6, High 7.0–8.9 → 7–8, Critical 9.0–10.0 →
 * 9–10; https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings-severity.html). Rounding
 * to nearest would move 6.5 into High and 3.5 into Medium for the rules that bucket it with
 * `Severity >= 7.0` and `between (4.0 .. 6.9)`. `undefined` for anything not a number (or numeric text).
 */
export function severityLevel(value: unknown): number | undefined {
  const n =
    typeof value === 'number' ? value : typeof value === 'string' && NUMBER.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(n)) return undefined;
  const level = Math.floor(n);
  return level >= INT32_MIN && level <= INT32_MAX ? level : undefined;
}

const NUMBER = /^-?\d+(?:\.\d+)?$/;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

// --- Numbers JSON.parse cannot keep (as in cloudtrail.ts) -----------------------------------------

/**
 * A run of 16 digits (an integer past 2^53 has at least that many) or a three-digit exponent: the
 * cheap cue to look for numbers {@link hasInexactNumber} would find.
 */
export const LONG_NUMBER = /\d{16}|\d[eE]\+?\d{3}/;

/**
 * Whether a parsed JSON value holds a number `JSON.parse` could not keep exactly: an integer past
 * 2^53, which it rounds, or one too large for a double, which becomes `Infinity` (`null` once
 * stringified). Such a value is then sent as its source text ({@link RawJson}), not re-serialized.
 */
export function hasInexactNumber(value: unknown): boolean {
  if (typeof value === 'number')
    return !Number.isFinite(value) || (Number.isInteger(value) && !Number.isSafeInteger(value));
  if (value === null || typeof value !== 'object') return false;
  for (const item of Object.values(value)) if (hasInexactNumber(item)) return true;
  return false;
}

// --- Parsing ---------------------------------------------------------------------------------------

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A scalar as a string column's value; `undefined` for an object, an array or `""`. */
function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/**
 * Parses one line of a GuardDuty export into AWSGuardDuty columns. A value that does not fit its
 * column (an object for a string, a time that is not one) is kept in the additional fields, never
 * dropped; nulls and empty strings are dropped (Log Analytics reads them as absent anyway).
 */
function parseFinding(text: string): ParsedRecord | RecordError {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { error: jsonErrorReason(error) };
  }
  if (!isObject(value))
    return { error: `GuardDuty finding is not a JSON object (found ${describeJson(value)})` };

  // Only a record holding a number JSON.parse rounded has its source text read, member by member.
  const sources = LONG_NUMBER.test(text) && hasInexactNumber(value) ? topLevelMemberTexts(text) : undefined;
  const fields: Record<string, unknown> = {};
  const rest: string[] = [];
  let time: string | undefined;
  for (const key in value) {
    const raw = value[key];
    if (raw === null || raw === undefined || raw === '') continue;
    const target = PLAN.get(key);
    let kept = false;
    switch (target?.kind) {
      case undefined:
        break;
      case 'time':
        time = normalizeTime(raw);
        kept = time !== undefined;
        break;
      case 'datetime':
        fields[target.column] = normalizeTime(raw);
        kept = fields[target.column] !== undefined;
        break;
      case 'string':
        fields[target.column] = scalarText(raw);
        kept = fields[target.column] !== undefined;
        break;
      case 'dynamic':
        // The rules read members directly (`ResourceDetails.accessKeyDetails`): an object only.
        if (isObject(raw)) {
          const source = sources?.get(key);
          fields[target.column] = source !== undefined ? new RawJson(raw, compactJson(source)) : raw;
          kept = true;
        }
        break;
      case 'int':
        fields[target.column] = severityLevel(raw);
        // A severity that is not already that whole number (7.5, "8") is also kept as written.
        kept = fields[target.column] === raw;
        break;
    }
    if (!kept) rest.push(key);
  }
  if (rest.length > 0) fields[ADDITIONAL_FIELDS_COLUMN] = restJson(value, rest, sources);
  return { fields, time };
}

/** The members `keys` of `record` as a compact JSON object, from their source text when given. */
function restJson(
  record: Record<string, unknown>,
  keys: readonly string[],
  sources?: Map<string, string>,
): string {
  if (sources === undefined) {
    const rest: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (const key of keys) rest[key] = record[key];
    return JSON.stringify(rest);
  }
  return `{${keys.map((key) => `${JSON.stringify(key)}:${compactJson(sources.get(key) ?? JSON.stringify(record[key]))}`).join(',')}}`;
}

/**
 * Amazon GuardDuty findings exported to S3 (gzipped JSON Lines, one finding per line, under
 * `AWSLogs/<account>/GuardDuty/<region>/…`), each shaped as a row of Sentinel's built-in AWSGuardDuty
 * table ({@link GUARDDUTY_FIELD_COLUMNS}): updatedAt as TimeGenerated (the S3 event time when it is
 * missing or not a time), `resource` and `service` as the dynamic ResourceDetails and ServiceDetails,
 * severity rounded down to the int column ({@link severityLevel}). Fields with no column, and a
 * decimal severity as written, are kept in {@link ADDITIONAL_FIELDS_COLUMN}. A line that is not a
 * JSON object is reported malformed with its line number; the other lines still arrive.
 */
export const guarddutyFormat: FormatDefinition = {
  name: 'guardduty',
  description: 'Amazon GuardDuty findings exported to S3 (JSON Lines), as AWSGuardDuty columns.',
  columns: COLUMNS,
  builtinTable: AWS_GUARDDUTY,
  createParser: () => ({
    split: (text) => lineSources(text),
    parse: parseFinding,
  }),
};
