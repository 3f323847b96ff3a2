import type { FormatDefinition, ParsedRecord, RecordError } from './format';
import { JsonRecordSplitter, jsonSources } from './json-splitter';
import { describeJson, jsonErrorReason } from './parse-helpers';
import { RawJson } from './raw-json';
import type { Column, ColumnType } from './schema';
import { normalizeTime } from './time';

/**
 * The format's columns, each with the CloudTrail record field it comes from (`from`). Fields
 * derived from `userIdentity` have no `from`: they are filled in by `parseRecord`.
 */
const COLUMNS: readonly (Column & { readonly from?: string })[] = [
  { name: 'EventVersion', type: 'string', from: 'eventVersion' },
  { name: 'EventTime', type: 'datetime', from: 'eventTime' },
  { name: 'EventSource', type: 'string', from: 'eventSource' },
  { name: 'EventName', type: 'string', from: 'eventName' },
  {
    name: 'EventTypeName',
    type: 'string',
    description: 'CloudTrail eventType (AwsApiCall, AwsServiceEvent, ...).',
    from: 'eventType',
  },
  { name: 'EventCategory', type: 'string', from: 'eventCategory' },
  { name: 'AwsRegion', type: 'string', from: 'awsRegion' },
  { name: 'SourceIpAddress', type: 'string', from: 'sourceIPAddress' },
  { name: 'UserAgent', type: 'string', from: 'userAgent' },
  { name: 'UserIdentity', type: 'dynamic', from: 'userIdentity' },
  { name: 'UserIdentityType', type: 'string' },
  { name: 'UserIdentityArn', type: 'string' },
  { name: 'UserIdentityAccountId', type: 'string' },
  { name: 'UserIdentityPrincipalId', type: 'string' },
  { name: 'UserIdentityUserName', type: 'string' },
  { name: 'UserIdentityAccessKeyId', type: 'string' },
  { name: 'UserIdentityInvokedBy', type: 'string' },
  { name: 'SessionMfaAuthenticated', type: 'boolean' },
  { name: 'SessionIssuerArn', type: 'string' },
  { name: 'ErrorCode', type: 'string', from: 'errorCode' },
  { name: 'ErrorMessage', type: 'string', from: 'errorMessage' },
  { name: 'RequestParameters', type: 'dynamic', from: 'requestParameters' },
  { name: 'ResponseElements', type: 'dynamic', from: 'responseElements' },
  { name: 'AdditionalEventData', type: 'dynamic', from: 'additionalEventData' },
  { name: 'Resources', type: 'dynamic', from: 'resources' },
  { name: 'AwsRequestId', type: 'string', from: 'requestID' },
  { name: 'AwsEventId', type: 'string', from: 'eventID' },
  { name: 'ReadOnly', type: 'boolean', from: 'readOnly' },
  { name: 'ManagementEvent', type: 'boolean', from: 'managementEvent' },
  { name: 'RecipientAccountId', type: 'string', from: 'recipientAccountId' },
  { name: 'SharedEventId', type: 'string', from: 'sharedEventID' },
  { name: 'VpcEndpointId', type: 'string', from: 'vpcEndpointId' },
  { name: 'TlsDetails', type: 'dynamic', from: 'tlsDetails' },
  { name: 'ServiceEventDetails', type: 'dynamic', from: 'serviceEventDetails' },
  { name: 'InsightDetails', type: 'dynamic', from: 'insightDetails' },
  {
    name: 'AdditionalFields',
    type: 'dynamic',
    description: 'Any top-level field not mapped to a column above.',
  },
];

/** Where digest files live; they hold hashes of log files, not events. */
const DIGEST_PATH = 'CloudTrail-Digest/';

type Coerce = (value: unknown) => unknown;

/** Converts a value to a column's type, or `undefined` when it does not fit (it then goes to AdditionalFields). */
const COERCE: Record<ColumnType, Coerce> = {
  string: (v) =>
    typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined,
  boolean: (v) => (typeof v === 'boolean' ? v : v === 'true' ? true : v === 'false' ? false : undefined),
  datetime: (v) => normalizeTime(v),
  int: (v) => (typeof v === 'number' && Number.isInteger(v) ? v : undefined),
  long: (v) => (typeof v === 'number' && Number.isInteger(v) ? v : undefined),
  real: (v) => (typeof v === 'number' ? v : undefined),
  dynamic: (v) => v,
};

const FIELD_MAP = new Map<string, { readonly column: string; readonly coerce: Coerce }>(
  COLUMNS.filter((c) => c.from !== undefined).map((c) => [
    c.from as string,
    { column: c.name, coerce: COERCE[c.type] },
  ]),
);

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
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

/** Index just past the JSON string that starts at `i` (its opening quote). */
function stringEnd(text: string, i: number): number {
  let j = i + 1;
  while (text.charCodeAt(j) !== 0x22) j += text.charCodeAt(j) === 0x5c ? 2 : 1;
  return j + 1;
}

/** Index just past the JSON value that starts at `i`. */
function valueEnd(text: string, i: number): number {
  const c = text[i];
  if (c === '"') return stringEnd(text, i);
  if (c === '{' || c === '[') {
    let depth = 0;
    let j = i;
    while (j < text.length) {
      const d = text[j];
      if (d === '"') {
        j = stringEnd(text, j);
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
    const keyEnd = stringEnd(text, i);
    const key = JSON.parse(text.slice(i, keyEnd)) as string;
    i = text.indexOf(':', keyEnd) + 1;
    while (' \t\r\n'.includes(text[i])) i++;
    const end = valueEnd(text, i);
    members.set(key, text.slice(i, end));
    i = end;
  }
  return members;
}

/**
 * The fields of a record that holds a number `JSON.parse` could not keep exactly, rewritten so the
 * number reaches Azure as the producer wrote it: a dynamic column (or AdditionalFields) becomes a
 * {@link RawJson} of its source text, which the batcher sends verbatim; a string column takes the
 * number's source digits. Rare: only records with such a number come here.
 */
function keepExactNumbers(
  text: string,
  value: Record<string, unknown>,
  fields: Record<string, unknown>,
  additional: Record<string, unknown> | undefined,
): void {
  const sources = topLevelMemberTexts(text);
  for (const name in value) {
    const mapping = FIELD_MAP.get(name);
    const raw = value[name];
    const source = sources.get(name);
    if (mapping === undefined || source === undefined || !hasInexactNumber(raw)) continue;
    const converted = fields[mapping.column];
    if (converted === raw && typeof raw === 'object') fields[mapping.column] = new RawJson(raw, source);
    else if (typeof converted === 'string' && typeof raw === 'number') fields[mapping.column] = source;
  }
  if (additional === undefined || !hasInexactNumber(additional)) return;
  const members = Object.entries(additional).map(
    ([name, raw]) => `${JSON.stringify(name)}:${sources.get(name) ?? JSON.stringify(raw)}`,
  );
  fields.AdditionalFields = new RawJson(additional, `{${members.join(',')}}`);
}

/**
 * A run of 16 digits (an integer past 2^53 has at least that many) or a three-digit exponent: the
 * cheap cue to look for numbers {@link hasInexactNumber} would find.
 */
const LONG_NUMBER = /\d{16}|\d[eE]\+?\d{3}/;

function parseRecord(text: string): ParsedRecord | RecordError {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { error: jsonErrorReason(error) };
  }
  if (!isObject(value))
    return { error: `CloudTrail record is not a JSON object (found ${describeJson(value)})` };

  const fields: Record<string, unknown> = {};
  let additional: Record<string, unknown> | undefined;
  for (const name in value) {
    const raw = value[name];
    if (raw === null || raw === undefined) continue;
    const mapping = FIELD_MAP.get(name);
    if (mapping !== undefined) {
      const converted = mapping.coerce(raw);
      if (converted !== undefined) {
        fields[mapping.column] = converted;
        continue;
      }
    }
    // Unmapped, or of an unexpected type: kept as is rather than dropped.
    (additional ??= {})[name] = raw;
  }
  if (additional !== undefined) fields.AdditionalFields = additional;
  if (LONG_NUMBER.test(text) && hasInexactNumber(value)) keepExactNumbers(text, value, fields, additional);

  const identity = value.userIdentity;
  if (isObject(identity)) {
    fields.UserIdentityType = COERCE.string(identity.type);
    fields.UserIdentityArn = COERCE.string(identity.arn);
    fields.UserIdentityAccountId = COERCE.string(identity.accountId);
    fields.UserIdentityPrincipalId = COERCE.string(identity.principalId);
    fields.UserIdentityUserName = COERCE.string(identity.userName);
    // An empty accessKeyId (console sign-in) carries no information.
    fields.UserIdentityAccessKeyId = COERCE.string(identity.accessKeyId) || undefined;
    fields.UserIdentityInvokedBy = COERCE.string(identity.invokedBy);
    const session = identity.sessionContext;
    if (isObject(session)) {
      if (isObject(session.attributes))
        fields.SessionMfaAuthenticated = COERCE.boolean(session.attributes.mfaAuthenticated);
      if (isObject(session.sessionIssuer)) fields.SessionIssuerArn = COERCE.string(session.sessionIssuer.arn);
    }
  }
  return { fields, time: fields.EventTime as string | undefined };
}

/**
 * AWS CloudTrail log files: one gzip JSON document `{"Records":[...]}` per object. Column names
 * follow Sentinel's built-in AWSCloudTrail table where one exists, so analysts' KQL carries over.
 *
 * The document is never held whole: the `Records` array is streamed element by element. Digest
 * files (under `CloudTrail-Digest/`, or a document with `digestStartTime` and no `Records`) yield
 * one `skipped-object`; `{"Records": []}` yields nothing; any other document without `Records` is
 * reported malformed so a mis-pointed producer does not go unnoticed.
 */
export const cloudtrailFormat: FormatDefinition = {
  name: 'cloudtrail',
  description: 'AWS CloudTrail log files ({"Records":[...]}); digest files are skipped.',
  columns: COLUMNS.map(({ name, type, description }) =>
    description ? { name, type, description } : { name, type },
  ),
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
