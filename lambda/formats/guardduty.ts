import { ADDITIONAL_FIELDS_COLUMN } from './additional-fields';
import { builtinColumns, columnKinds } from './builtin-columns';
import { AWS_GUARDDUTY } from './builtin-tables';
import { compactJson } from './compact-json';
import { holdsInexactNumber, topLevelMemberTexts } from './exact-json';
import type { FormatDefinition, ParsedRecord, RecordError } from './format';
import { fieldPlans } from './json-field-columns';
import { emptyObject, isObject, scalarText } from './json-values';
import { lineSources, parseJsonObject } from './parse-helpers';
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

/** Each field's column and how its value is read (`time` is updatedAt, the row's TimeGenerated). */
const PLAN = fieldPlans(
  GUARDDUTY_FIELD_COLUMNS,
  columnKinds(AWS_GUARDDUTY, ['string', 'dynamic', 'int', 'datetime'], 'GuardDuty'),
);

/**
 * The format's columns: the vendored table's own, in its order, for every column a field fills
 * (all of them: TimeGenerated is a provenance column), then the one `_CF` column.
 */
const COLUMNS: readonly Column[] = builtinColumns(
  AWS_GUARDDUTY,
  GUARDDUTY_FIELD_COLUMNS.values(),
  'Compact JSON object of the finding fields AWSGuardDuty has no column for (fields AWS adds later, values of an unexpected type), and the exact severity when it is not a whole number.',
);

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

/**
 * Parses one line of a GuardDuty export into AWSGuardDuty columns. A value that does not fit its
 * column (an object for a string, a time that is not one) is kept in the additional fields, never
 * dropped; nulls and empty strings are dropped (Log Analytics reads them as absent anyway).
 */
function parseFinding(text: string): ParsedRecord | RecordError {
  const value = parseJsonObject(text, 'GuardDuty finding');
  if (typeof value === 'string') return { error: value };

  // Only a record holding a number JSON.parse rounded has its source text read, member by member.
  const sources = holdsInexactNumber(text, value) ? topLevelMemberTexts(text) : undefined;
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
    const rest = emptyObject();
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
