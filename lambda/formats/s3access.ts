import { ADDITIONAL_FIELDS_COLUMN } from './additional-fields';
import { builtinColumns, columnKinds } from './builtin-columns';
import { AWS_S3_SERVER_ACCESS } from './builtin-tables';
import type { FormatDefinition, ParsedRecord, RecordError } from './format';
import { emptyObject } from './json-values';
import { lineSources } from './parse-helpers';
import type { Column } from './schema';
import { normalizeTime } from './time';

/**
 * The fields of an S3 server access log record in the order AWS writes them ("Amazon S3 server
 * access log format", docs.aws.amazon.com/AmazonS3/latest/userguide/LogFormat.html), each with the
 * AWSS3ServerAccess column it fills. The names are the documented field names in camelCase: they
 * key {@link ADDITIONAL_FIELDS_COLUMN} and name a field in error messages. Microsoft's own connector
 * maps these inside its service (its DCR routes `Microsoft-AWSS3ServerAccess` unchanged), so the
 * column for each field is the one the table reference describes with that field's words. Types
 * are the vendored table's (`builtin-tables/aws-s3-server-access.ts`), looked up by name.
 * `sourceRegion` (the newest documented field) has no column; nor do fields AWS appends later.
 */
export const S3ACCESS_FIELD_COLUMNS: readonly (readonly [field: string, column: string | undefined])[] = [
  ['bucketOwner', 'BucketOwner'],
  ['bucket', 'Bucket'],
  // The table has no column for the request time: TimeGenerated is the request time.
  ['time', 'TimeGenerated'],
  ['remoteIp', 'RemoteIp'],
  ['requester', 'Requester'],
  ['requestId', 'RequestId'],
  ['operation', 'Operation'],
  ['key', 'Key'],
  // The whole quoted request line (`GET /bucket?versioning HTTP/1.1`), which AWS calls the Request-URI.
  ['requestUri', 'RequestUri'],
  ['httpStatus', 'HttpStatus'],
  ['errorCode', 'ErrorCode'],
  ['bytesSent', 'BytesSent'],
  ['objectSize', 'ObjectSize'],
  ['totalTime', 'TotalTime'],
  ['turnAroundTime', 'TurnAroundTime'],
  ['referer', 'Referer'],
  ['userAgent', 'UserAgent'],
  ['versionId', 'VersionId'],
  ['hostId', 'HostId'],
  ['signatureVersion', 'SignatureVersion'],
  ['cipherSuite', 'CipherSuite'],
  ['authenticationType', 'AuthenticationType'],
  ['hostHeader', 'HostHeader'],
  ['tlsVersion', 'TLSVersion'],
  ['accessPointArn', 'AccessPointARN'],
  ['aclRequired', 'ACLRequired'],
  ['sourceRegion', undefined],
];

/**
 * The fewest fields a record has: the layout before 2019 ended at the version ID, and every field
 * after it was appended since. A shorter line is cut off, not an older layout.
 */
export const S3ACCESS_MIN_FIELDS = 18;

/** How a field's text becomes its column's value. */
type Kind = 'string' | 'int' | 'time' | 'additional';

interface Slot {
  readonly field: string;
  readonly column?: string;
  readonly kind: Kind;
}

/** `time` is the request time, the row's TimeGenerated. */
const kindOf = columnKinds(AWS_S3_SERVER_ACCESS, ['string', 'int'], 'access log');

/** How each position of a record is read. */
const SLOTS: readonly Slot[] = S3ACCESS_FIELD_COLUMNS.map(([field, column]) =>
  column === undefined ? { field, kind: 'additional' } : { field, column, kind: kindOf(column) },
);

/**
 * The format's columns: the table's own (names, types and descriptions as vendored, in its order)
 * for every mapped field but the time, then the one `_CF` column.
 */
const COLUMNS: readonly Column[] = builtinColumns(
  AWS_S3_SERVER_ACCESS,
  SLOTS.flatMap((s) => (s.column !== undefined ? [s.column] : [])),
  'JSON object of the access log fields AWSS3ServerAccess has no column for (sourceRegion, and fields AWS appends later as field28, field29, ...), and of integers too large for their column, each as written.',
);

const SPACE = 32;
const QUOTE = 34;
const LBRACKET = 91;

/**
 * The fields of one record: space-separated, a `[...]` field (the time, which holds a space) and a
 * `"..."` field (Request-URI, Referer, User-Agent, which can) each taken whole, without their
 * delimiters. A quoted field ends at a `"` followed by a space or the end of the line, so a quote
 * inside a user agent does not end it. Returns the reason when a quote or bracket is never closed.
 */
export function splitAccessLogFields(line: string): string[] | RecordError {
  const fields: string[] = [];
  const n = line.length;
  let i = 0;
  while (i < n) {
    const c = line.charCodeAt(i);
    if (c === SPACE) {
      i++;
      continue;
    }
    if (c === QUOTE) {
      let from = i + 1;
      for (;;) {
        const q = line.indexOf('"', from);
        if (q === -1) return { error: `field ${fields.length + 1} opens a quote that is never closed` };
        if (q + 1 === n || line.charCodeAt(q + 1) === SPACE) {
          fields.push(line.slice(i + 1, q));
          i = q + 1;
          break;
        }
        from = q + 1;
      }
    } else if (c === LBRACKET) {
      const close = line.indexOf(']', i);
      if (close === -1) return { error: `field ${fields.length + 1} opens a [ that is never closed` };
      fields.push(line.slice(i + 1, close));
      i = close + 1;
    } else {
      let end = line.indexOf(' ', i);
      if (end === -1) end = n;
      fields.push(line.slice(i, end));
      i = end;
    }
  }
  return fields;
}

const MONTHS: Readonly<Record<string, string>> = {
  Jan: '01',
  Feb: '02',
  Mar: '03',
  Apr: '04',
  May: '05',
  Jun: '06',
  Jul: '07',
  Aug: '08',
  Sep: '09',
  Oct: '10',
  Nov: '11',
  Dec: '12',
};

/** The access log's time, `06/Feb/2019:00:00:38 +0000` (strftime `%d/%b/%Y:%H:%M:%S %z`). */
const ACCESS_LOG_TIME = /^(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/;

/** The record's time as ISO 8601 UTC, or `undefined` when it is not a time of the calendar. */
export function accessLogTime(text: string): string | undefined {
  const m = ACCESS_LOG_TIME.exec(text);
  const month = m === null ? undefined : MONTHS[m[2]];
  if (m === null || month === undefined) return undefined;
  const [, day, , year, h, mi, s, sign, oh, om] = m;
  // S3 writes +0000; any other offset goes through Date, which normalizeTime does for ISO text.
  const offset = oh === '00' && om === '00' ? 'Z' : `${sign}${oh}:${om}`;
  return normalizeTime(`${year}-${month}-${day}T${h}:${mi}:${s}${offset}`);
}

/** Decimal digits only: `Number` alone would also take `1e3`, `0x1f` or `Infinity`. */
const INTEGER = /^-?\d+$/;
/** The range of a Kusto `int` (32-bit). */
const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;

function parseRecord(line: string): ParsedRecord | RecordError {
  const values = splitAccessLogFields(line);
  if (!Array.isArray(values)) return values;
  if (values.length < S3ACCESS_MIN_FIELDS) {
    return {
      error: `${values.length} fields where an S3 server access log record has at least ${S3ACCESS_MIN_FIELDS} (bucket owner to version ID): the line is cut off, or the producer's format is not s3access`,
    };
  }
  const fields: Record<string, unknown> = {};
  let time: string | undefined;
  let additional: Record<string, string> | undefined;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    // `-` (quoted or not) is how S3 writes "no value": omitted, so `isempty()` reads it as absent.
    if (value === '-' || value === '') continue;
    const slot: Slot = SLOTS[i] ?? { field: `field${i + 1}`, kind: 'additional' };
    switch (slot.kind) {
      case 'string':
        fields[slot.column as string] = value;
        break;
      case 'int': {
        if (!INTEGER.test(value)) return { error: `field ${i + 1} (${slot.field}) is not an integer` };
        const n = Number(value);
        // An object of 2 GiB or more does not fit ObjectSize (an int): its exact size is kept beside
        // the other fields, not clamped.
        if (n >= INT_MIN && n <= INT_MAX) fields[slot.column as string] = n;
        else (additional ??= emptyObject<string>())[slot.field] = value;
        break;
      }
      case 'time':
        time = accessLogTime(value);
        if (time === undefined) {
          return { error: `field ${i + 1} (${slot.field}) is not a time like [06/Feb/2019:00:00:38 +0000]` };
        }
        break;
      default:
        (additional ??= emptyObject<string>())[slot.field] = value;
    }
  }
  if (additional !== undefined) fields[ADDITIONAL_FIELDS_COLUMN] = JSON.stringify(additional);
  return { fields, time };
}

/**
 * Amazon S3 server access logs, shaped as Sentinel's built-in AWSS3ServerAccess table: one record
 * per line, space-separated fields, the time in brackets and Request-URI, Referer and User-Agent
 * in quotes. Fields fill their columns by position ({@link S3ACCESS_FIELD_COLUMNS}); the time
 * becomes TimeGenerated; `-` is no value. Fields AWS appends after the known ones are kept in
 * {@link ADDITIONAL_FIELDS_COLUMN}. A line with fewer than {@link S3ACCESS_MIN_FIELDS} fields, an
 * unclosed quote, or a time or integer field that is not one is reported malformed with its line.
 */
export const s3accessFormat: FormatDefinition = {
  name: 's3access',
  description:
    'Amazon S3 server access logs (space-separated, [time], "quoted" fields), as AWSS3ServerAccess columns.',
  columns: COLUMNS,
  builtinTable: AWS_S3_SERVER_ACCESS,
  createParser: () => ({
    split: (text) => lineSources(text),
    parse: parseRecord,
  }),
};
