import { ADDITIONAL_FIELDS_COLUMN } from './additional-fields';
import { AWS_CLOUDTRAIL } from './builtin-tables';
import { compactJson, jsonStringEnd } from './compact-json';
import type { FormatDefinition, ParsedRecord, RecordError } from './format';
import { JsonRecordSplitter, jsonSources } from './json-splitter';
import { describeJson, jsonErrorReason } from './parse-helpers';
import type { Column } from './schema';
import { normalizeTime } from './time';

export { ADDITIONAL_FIELDS_COLUMN } from './additional-fields';

/** Where a CloudTrail field goes: a column name, or for an object, where each of its members goes. */
interface FieldMap {
  readonly [field: string]: string | FieldMap;
}

/**
 * Where each CloudTrail field goes in Sentinel's AWSCloudTrail table, by the table's own column
 * names (case-sensitive: `UserIdentityPrincipalid`, `AWSRegion`). The mapping and its sources are in
 * `test/fixtures/sentinel-content/RESEARCH.md`, section (c). Types are not repeated here: they are
 * the vendored table's (`builtin-tables/aws-cloudtrail.ts`), looked up by name, so the two cannot
 * drift. Every field not listed, and every part of `userIdentity` and `tlsDetails` no column takes,
 * goes to {@link ADDITIONAL_FIELDS_COLUMN}.
 */
export const CLOUDTRAIL_FIELD_COLUMNS: FieldMap = {
  eventVersion: 'EventVersion',
  userIdentity: {
    type: 'UserIdentityType',
    principalId: 'UserIdentityPrincipalid',
    arn: 'UserIdentityArn',
    accountId: 'UserIdentityAccountId',
    accessKeyId: 'UserIdentityAccessKeyId',
    userName: 'UserIdentityUserName',
    invokedBy: 'UserIdentityInvokedBy',
    sessionContext: {
      attributes: { mfaAuthenticated: 'SessionMfaAuthenticated', creationDate: 'SessionCreationDate' },
      sessionIssuer: {
        type: 'SessionIssuerType',
        principalId: 'SessionIssuerPrincipalId',
        arn: 'SessionIssuerArn',
        accountId: 'SessionIssuerAccountId',
        userName: 'SessionIssuerUserName',
      },
      ec2RoleDelivery: 'EC2RoleDelivery',
    },
    // IAM Identity Center users, as ASIM Authentication reads them (`IdentityCenterUser`). AWS
    // documents them under onBehalfOf; some records (the repo's sample) carry them directly. When
    // both occur, the first in the record fills the column and the other is kept.
    onBehalfOf: { userId: 'UserIdentityUserId', identityStoreArn: 'UserIdentityStoreArn' },
    userId: 'UserIdentityUserId',
    identityStoreArn: 'UserIdentityStoreArn',
  },
  // The table has no column for the record's own time: TimeGenerated is eventTime.
  eventTime: 'TimeGenerated',
  eventSource: 'EventSource',
  eventName: 'EventName',
  awsRegion: 'AWSRegion',
  sourceIPAddress: 'SourceIpAddress',
  userAgent: 'UserAgent',
  errorCode: 'ErrorCode',
  errorMessage: 'ErrorMessage',
  requestParameters: 'RequestParameters',
  responseElements: 'ResponseElements',
  additionalEventData: 'AdditionalEventData',
  // AwsRequestId is deprecated (and probably guid-typed; S3's request ids are not UUIDs): never sent.
  requestID: 'AwsRequestId_',
  eventID: 'AwsEventId',
  readOnly: 'ReadOnly',
  resources: 'Resources',
  eventType: 'EventTypeName',
  apiVersion: 'APIVersion',
  managementEvent: 'ManagementEvent',
  recipientAccountId: 'RecipientAccountId',
  serviceEventDetails: 'ServiceEventDetails',
  sharedEventID: 'SharedEventId',
  vpcEndpointId: 'VpcEndpointId',
  eventCategory: 'Category',
  tlsDetails: {
    tlsVersion: 'TlsVersion',
    cipherSuite: 'CipherSuite',
    clientProvidedHostHeader: 'ClientProvidedHostHeader',
  },
};

/**
 * String columns that hold a CloudTrail sub-object as compact JSON text, which Sentinel's content
 * reads with `parse_json` (and ASIM Authentication with `parse … '"LoginTo":"'`, so no spaces).
 */
const JSON_TEXT_COLUMNS: ReadonlySet<string> = new Set([
  'RequestParameters',
  'ResponseElements',
  'AdditionalEventData',
  'Resources',
  'ServiceEventDetails',
]);

/**
 * Columns copied from the first rule of `requestParameters.ipPermissions` (security group calls):
 * the table has one value per column, and which rule it means is not documented, so the first.
 * `fromPort`/`toPort` are the port range's ends (or an ICMP type/code), whatever the column names say.
 */
const IP_PERMISSION_COLUMNS = ['IpProtocol', 'SourcePort', 'DestinationPort', 'CidrIp'] as const;

/** "Constant value: CloudTrail." (the table reference). */
const OPERATION_NAME = 'OperationName';

/** The column eventTime fills: the row's own TimeGenerated, which the provenance columns declare. */
const TIME_COLUMN = 'TimeGenerated';

const TABLE_COLUMNS = new Map(AWS_CLOUDTRAIL.columns.map((c) => [c.name, c]));

/** The vendored column named `name`; a name the table lacks is a bug, caught when the module loads. */
function tableColumn(name: string): Column {
  const column = TABLE_COLUMNS.get(name);
  if (column === undefined) throw new Error(`${AWS_CLOUDTRAIL.name} has no column ${name}`);
  return column;
}

/** How a field's value becomes its column's: `time` is eventTime, which becomes the row's TimeGenerated. */
type Kind = 'string' | 'json' | 'boolean' | 'datetime' | 'time';

interface Leaf {
  readonly column: string;
  readonly kind: Kind;
}

/** {@link CLOUDTRAIL_FIELD_COLUMNS} with each column's kind, looked up once. */
interface Plan {
  readonly members: ReadonlyMap<string, Leaf | Plan>;
}

function kindOf(column: Column): Kind {
  if (column.name === TIME_COLUMN) return 'time';
  if (column.type === 'string') return JSON_TEXT_COLUMNS.has(column.name) ? 'json' : 'string';
  if (column.type === 'boolean' || column.type === 'datetime') return column.type;
  throw new Error(`${AWS_CLOUDTRAIL.name}.${column.name} is ${column.type}, which no CloudTrail field fills`);
}

function planOf(map: FieldMap): Plan {
  const members = new Map<string, Leaf | Plan>();
  for (const [field, target] of Object.entries(map)) {
    members.set(
      field,
      typeof target === 'string' ? { column: target, kind: kindOf(tableColumn(target)) } : planOf(target),
    );
  }
  return { members };
}

const PLAN = planOf(CLOUDTRAIL_FIELD_COLUMNS);

function leafColumns(plan: Plan): string[] {
  return [...plan.members.values()].flatMap((m) => ('members' in m ? leafColumns(m) : [m.column]));
}

/**
 * The format's columns: the vendored table's own (names, types and descriptions), in its order,
 * for every column the format fills, then the one `_CF` column. TimeGenerated is a provenance column.
 */
const COLUMNS: readonly Column[] = (() => {
  const filled = new Set([...leafColumns(PLAN), ...IP_PERMISSION_COLUMNS, OPERATION_NAME]);
  filled.delete(TIME_COLUMN);
  for (const name of filled) tableColumn(name);
  return [
    ...AWS_CLOUDTRAIL.columns.filter((c) => filled.has(c.name)),
    {
      name: ADDITIONAL_FIELDS_COLUMN,
      type: 'string',
      description:
        'Compact JSON object of the CloudTrail fields AWSCloudTrail has no column for (insightDetails, addendum, fields AWS adds later, values of an unexpected type), with the parts of userIdentity and tlsDetails no column holds, nested as in the record.',
    },
  ];
})();

/** Where digest files live; they hold hashes of log files, not events. */
const DIGEST_PATH = 'CloudTrail-Digest/';

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** An object with no prototype, so a field named `__proto__` is kept like any other. */
function emptyObject(): Record<string, unknown> {
  return Object.create(null) as Record<string, unknown>;
}

/**
 * Whether a parsed JSON value holds a number `JSON.parse` could not keep exactly: an integer past
 * 2^53 (rounded: `12345678901234567891` → `12345678901234567000`) or one too large for a double
 * (`1e400` → `Infinity`, which `JSON.stringify` writes as `null`).
 */
function hasInexactNumber(value: unknown): boolean {
  if (typeof value === 'number')
    return !Number.isFinite(value) || (Number.isInteger(value) && !Number.isSafeInteger(value));
  if (value === null || typeof value !== 'object') return false;
  for (const item of Object.values(value)) if (hasInexactNumber(item)) return true;
  return false;
}

/**
 * A run of 16 digits (an integer past 2^53 has at least that many) or a three-digit exponent: the
 * cheap cue to look for numbers {@link hasInexactNumber} would find.
 */
const LONG_NUMBER = /\d{16}|\d[eE]\+?\d{3}/;

/** Index just past the JSON value that starts at `i`. */
function valueEnd(text: string, i: number): number {
  const c = text[i];
  if (c === '"') return jsonStringEnd(text, i);
  if (c === '{' || c === '[') {
    let depth = 0;
    let j = i;
    while (j < text.length) {
      const d = text[j];
      if (d === '"') {
        j = jsonStringEnd(text, j);
        continue;
      }
      if (d === '{' || d === '[') depth++;
      else if ((d === '}' || d === ']') && --depth === 0) return j + 1;
      j++;
    }
    return j;
  }
  let j = i;
  while (j < text.length && !',}] \t\r\n'.includes(text[j])) j++;
  return j;
}

/**
 * The source text of each top-level member of a JSON object's text, by key (the last of duplicate
 * keys, as `JSON.parse` keeps). The text must be one JSON object that `JSON.parse` accepted.
 */
export function topLevelMemberTexts(text: string): Map<string, string> {
  const members = new Map<string, string>();
  let i = text.indexOf('{') + 1;
  while (i < text.length) {
    const c = text[i];
    if (c === '}') break;
    if (c !== '"') {
      i++; // whitespace or a comma
      continue;
    }
    const keyEnd = jsonStringEnd(text, i);
    const key = JSON.parse(text.slice(i, keyEnd)) as string;
    i = text.indexOf(':', keyEnd) + 1;
    while (' \t\r\n'.includes(text[i])) i++;
    const end = valueEnd(text, i);
    members.set(key, text.slice(i, end));
    i = end;
  }
  return members;
}

/** One record being mapped: what its fields fill so far, and what exact numbers need. */
interface Mapping {
  /** The record's source text and parsed value. */
  readonly text: string;
  readonly record: Record<string, unknown>;
  /** Whether the record holds a number `JSON.parse` rounded: only then is its source text read. */
  readonly inexact: boolean;
  readonly fields: Record<string, unknown>;
  time?: string;
}

/** The parsed value at `path` in the record (each step an object member), or `undefined`. */
function valueAt(mapping: Mapping, path: readonly string[]): unknown {
  let value: unknown = mapping.record;
  for (const key of path) value = isObject(value) ? value[key] : undefined;
  return value;
}

/** The source text of the value at `path` in the record (each step an object member), or `undefined`. */
function sourceAt(mapping: Mapping, path: readonly string[]): string | undefined {
  let text: string | undefined = mapping.text;
  for (const key of path) text = text === undefined ? undefined : topLevelMemberTexts(text).get(key);
  return text;
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
  if (valueAt(mapping, path) === value) {
    const source = sourceAt(mapping, path);
    if (source !== undefined) return compactJson(source);
  }
  if (!isObject(value)) return JSON.stringify(value);
  // What the mapping left of an object: its members one by one, each from its own source text.
  const members = Object.entries(value).map(
    ([key, item]) => `${JSON.stringify(key)}:${jsonText(item, [...path, key], mapping)}`,
  );
  return `{${members.join(',')}}`;
}

/** A datetime as ISO 8601 UTC, also from the basic form AWS's older examples show (`20131102T010628Z`). */
function cloudTrailTime(value: unknown): string | undefined {
  if (typeof value === 'string') {
    const basic = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
    if (basic !== null) {
      const [, y, mo, d, h, mi, s] = basic;
      return normalizeTime(`${y}-${mo}-${d}T${h}:${mi}:${s}Z`);
    }
  }
  return normalizeTime(value);
}

/** A scalar as a string column's value; `undefined` for any other value. */
function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/**
 * Fills `leaf`'s column from `raw`, the member `key` of the object at `path`. False when the value
 * does not fit the column, or the column is already filled: the value is then kept in the
 * additional fields rather than dropped.
 */
function fill(leaf: Leaf, raw: unknown, path: readonly string[], key: string, mapping: Mapping): boolean {
  const { fields } = mapping;
  if (leaf.kind === 'time') {
    if (mapping.time !== undefined) return false;
    mapping.time = cloudTrailTime(raw);
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
          ? sourceAt(mapping, [...path, key])
          : scalarText(raw);
      break;
    case 'boolean':
      // AWS writes sessionContext.attributes.mfaAuthenticated as the string "true" or "false".
      value = typeof raw === 'boolean' ? raw : raw === 'true' ? true : raw === 'false' ? false : undefined;
      break;
    default:
      value = cloudTrailTime(raw);
  }
  if (value === undefined) return false;
  fields[leaf.column] = value;
  return true;
}

/**
 * Fills the columns of `plan` from `object`, found at `path` in the record, and returns what no
 * column took, nested as in the record (`undefined` when nothing is left). Nulls are dropped (Log
 * Analytics reads a null and an absent value alike), and so are empty objects left over: most
 * records carry `"webIdFederationData":{}`, which would cost bytes on every row and say nothing.
 */
function mapObject(
  object: Record<string, unknown>,
  plan: Plan,
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
    if (isObject(raw) && isEmpty(raw)) continue;
    (rest ??= emptyObject())[key] = raw;
  }
  return rest;
}

function isEmpty(object: Record<string, unknown>): boolean {
  for (const _ in object) return false;
  return true;
}

/** The first element of a CloudTrail list (`{"items": [...]}`), if any. */
function firstItem(list: unknown): unknown {
  return isObject(list) && Array.isArray(list.items) ? list.items[0] : undefined;
}

/** Fills {@link IP_PERMISSION_COLUMNS} from the first rule of `requestParameters.ipPermissions`. */
function fillIpPermission(requestParameters: unknown, fields: Record<string, unknown>): void {
  if (!isObject(requestParameters)) return;
  const rule = firstItem(requestParameters.ipPermissions);
  if (!isObject(rule)) return;
  const range = firstItem(rule.ipRanges);
  const values = {
    IpProtocol: scalarText(rule.ipProtocol),
    SourcePort: scalarText(rule.fromPort),
    DestinationPort: scalarText(rule.toPort),
    CidrIp: isObject(range) ? scalarText(range.cidrIp) : undefined,
  } satisfies Record<(typeof IP_PERMISSION_COLUMNS)[number], string | undefined>;
  for (const [column, value] of Object.entries(values)) if (value) fields[column] = value;
}

function parseRecord(text: string): ParsedRecord | RecordError {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { error: jsonErrorReason(error) };
  }
  if (!isObject(value))
    return { error: `CloudTrail record is not a JSON object (found ${describeJson(value)})` };

  const mapping: Mapping = {
    text,
    record: value,
    inexact: LONG_NUMBER.test(text) && hasInexactNumber(value),
    fields: { [OPERATION_NAME]: 'CloudTrail' },
  };
  const rest = mapObject(value, PLAN, [], mapping);
  fillIpPermission(value.requestParameters, mapping.fields);
  if (rest !== undefined) mapping.fields[ADDITIONAL_FIELDS_COLUMN] = jsonText(rest, [], mapping);
  return { fields: mapping.fields, time: mapping.time };
}

/**
 * AWS CloudTrail log files: one gzip JSON document `{"Records":[...]}` per object, each record
 * shaped as a row of Sentinel's built-in AWSCloudTrail table ({@link CLOUDTRAIL_FIELD_COLUMNS}),
 * filled the way Sentinel's analytics rules and ASIM parsers read it: eventTime as TimeGenerated
 * (the S3 event time when it is missing or not a time), sub-objects as compact JSON text, booleans
 * as booleans. Fields with no column are kept in {@link ADDITIONAL_FIELDS_COLUMN}.
 *
 * The document is never held whole: the `Records` array is streamed element by element. Digest
 * files (under `CloudTrail-Digest/`, or a document with `digestStartTime` and no `Records`) yield
 * one `skipped-object`; `{"Records": []}` yields nothing; any other document without `Records` is
 * reported malformed so a mis-pointed producer does not go unnoticed.
 */
export const cloudtrailFormat: FormatDefinition = {
  name: 'cloudtrail',
  description:
    'AWS CloudTrail log files ({"Records":[...]}), as AWSCloudTrail columns; digest files are skipped.',
  columns: COLUMNS,
  builtinTable: AWS_CLOUDTRAIL,
  createParser: (object) => ({
    split: async function* (text) {
      if (object.key.includes(DIGEST_PATH)) {
        yield [{ kind: 'skipped-object', reason: `CloudTrail digest file (key contains ${DIGEST_PATH})` }];
        return;
      }
      const splitter = new JsonRecordSplitter('cloudtrail');
      yield* jsonSources(text, splitter);
      if (!splitter.sawRecords && splitter.sawDocument && !splitter.failed) {
        yield [
          splitter.topLevelKeys.has('digestStartTime')
            ? { kind: 'skipped-object', reason: 'CloudTrail digest file (digestStartTime and no Records)' }
            : {
                kind: 'malformed',
                lineNumber: 1,
                reason: 'not a CloudTrail log file: the document has no top-level "Records" array',
              },
        ];
      }
    },
    parse: parseRecord,
  }),
};
