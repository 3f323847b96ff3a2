import type { FormatDefinition, ParsedRecord, RecordError, SourceItem } from './format';
import { emptyObject } from './json-values';
import { DEFAULT_MAX_LINE_LENGTH, splitLines } from './lines';
import { pushLineItem } from './parse-helpers';
import type { Column, ColumnType } from './schema';
import { epochSecondsToIso, normalizeTime } from './time';

/**
 * The column of the fields no other column takes: a custom table needs no `_CF` suffix, and the
 * value is JSON text rather than `dynamic` so the table also fits the Basic and Auxiliary plans.
 */
export const CLOUDFRONT_ADDITIONAL_FIELDS_COLUMN = 'AdditionalFields';

/** How a field's text becomes its column's value. */
type Kind = Exclude<ColumnType, 'boolean' | 'datetime' | 'dynamic'>;

interface FieldColumn {
  readonly column: string;
  readonly type: Kind;
  readonly description: string;
}

const column = (name: string, type: Kind, description: string): FieldColumn => ({
  column: name,
  type,
  description,
});

/**
 * Each documented CloudFront standard-log field and its column. Names follow Microsoft's own table
 * for these logs (`AWSCloudFront_AccessLog_CL`: Azure/Azure-Sentinel, Solutions/AWS CloudFront/Data
 * Connectors/AWSCloudFrontLog_CCF/AWSCloudFrontLog_Table.json at commit
 * 1b4ccf67c11f615b5400fbe44a4f4e5f8893becb), so queries written for it read these rows; the types
 * are the values' own (that table has strings only). Descriptions are from AWS's "Standard logging
 * reference". The fields of standard logging (v2) that Microsoft's table has come last.
 */
export const CLOUDFRONT_FIELD_COLUMNS: ReadonlyMap<string, FieldColumn> = new Map([
  [
    'x-edge-location',
    column('XEdgeLocation', 'string', 'The edge location that served the request (e.g. DFW3).'),
  ],
  ['sc-bytes', column('ScBytes', 'long', 'Bytes the server sent to the viewer, headers included.')],
  ['c-ip', column('CIp', 'string', 'IP address of the viewer that made the request (IPv4 or IPv6).')],
  ['cs-method', column('CsMethod', 'string', 'The HTTP request method.')],
  ['cs(Host)', column('CsHost', 'string', 'The domain name of the CloudFront distribution.')],
  [
    'cs-uri-stem',
    column('CsUriStem', 'string', 'The path and object of the request, as the viewer sent it.'),
  ],
  [
    'sc-status',
    column(
      'ScStatus',
      'int',
      'HTTP status code of the response; 0 when the viewer closed the connection first (000).',
    ),
  ],
  ['cs(Referer)', column('CsReferer', 'string', 'The Referer header of the request.')],
  ['cs(User-Agent)', column('CsUserAgent', 'string', 'The User-Agent header of the request.')],
  ['cs-uri-query', column('CsUriQuery', 'string', 'The query string of the request, as the viewer sent it.')],
  ['cs(Cookie)', column('CsCookie', 'string', 'The Cookie header of the request (when cookies are logged).')],
  [
    'x-edge-result-type',
    column(
      'XEdgeResultType',
      'string',
      'How the response was classified (Hit, RefreshHit, Miss, Error, ...).',
    ),
  ],
  ['x-edge-request-id', column('XEdgeRequestId', 'string', 'The unique ID of the request.')],
  ['x-host-header', column('XHostHeader', 'string', 'The Host header the viewer sent.')],
  [
    'cs-protocol',
    column('CsProtocol', 'string', 'The protocol of the viewer request (http, https, ws, wss).'),
  ],
  ['cs-bytes', column('CsBytes', 'long', 'Bytes of the viewer request, headers included.')],
  [
    'time-taken',
    column(
      'TimeTaken',
      'real',
      'Seconds from receiving the request to writing the last byte of the response.',
    ),
  ],
  [
    'x-forwarded-for',
    column('XForwardedFor', 'string', 'The X-Forwarded-For header, when the viewer used a proxy.'),
  ],
  ['ssl-protocol', column('SslProtocol', 'string', 'The TLS protocol of an HTTPS request.')],
  ['ssl-cipher', column('SslCipher', 'string', 'The TLS cipher of an HTTPS request.')],
  [
    'x-edge-response-result-type',
    column(
      'XEdgeResponseResultType',
      'string',
      'How the response was classified just before it was returned.',
    ),
  ],
  [
    'cs-protocol-version',
    column(
      'CsProtocolVersion',
      'string',
      'The HTTP version of the viewer request (HTTP/1.1, HTTP/2.0, ...).',
    ),
  ],
  ['fle-status', column('FleStatus', 'string', 'Field-level encryption result, when configured.')],
  [
    'fle-encrypted-fields',
    column('FleEncryptedFields', 'int', 'Number of fields field-level encryption encrypted.'),
  ],
  ['c-port', column('CPort', 'int', 'Port number of the viewer request.')],
  [
    'time-to-first-byte',
    column(
      'TimeToFirstByte',
      'real',
      'Seconds from receiving the request to writing the first byte of the response.',
    ),
  ],
  [
    'x-edge-detailed-result-type',
    column('XEdgeDetailedResultType', 'string', 'The specific result type (e.g. the kind of error).'),
  ],
  ['sc-content-type', column('ScContentType', 'string', 'The Content-Type header of the response.')],
  ['sc-content-len', column('ScContentLen', 'long', 'The Content-Length header of the response.')],
  ['sc-range-start', column('ScRangeStart', 'long', 'Start of the Content-Range of the response.')],
  ['sc-range-end', column('ScRangeEnd', 'long', 'End of the Content-Range of the response.')],
  ['DistributionId', column('DistributionId', 'string', 'The ID of the distribution (standard logging v2).')],
  [
    'origin-fbl',
    column('OriginFbl', 'real', 'Seconds of first-byte latency between CloudFront and the origin (v2).'),
  ],
  [
    'origin-lbl',
    column('OriginLbl', 'real', 'Seconds of last-byte latency between CloudFront and the origin (v2).'),
  ],
  ['asn', column('Asn', 'long', 'Autonomous system number of the viewer (v2).')],
  ['c-country', column('CCountry', 'string', "Country code of the viewer's location (v2).")],
  [
    'cache-behavior-path-pattern',
    column('CacheBehaviorPathPattern', 'string', 'Path pattern of the cache behavior that matched (v2).'),
  ],
]);

/**
 * Fields that make the row's TimeGenerated, in order of preference: `date` and `time` (UTC, when the
 * server finished the response), else v2's epoch `timestamp(ms)` or `timestamp`. One that is not
 * used for TimeGenerated goes to the additional fields.
 */
const TIME_FIELDS = new Set(['date', 'time', 'timestamp(ms)', 'timestamp']);

/** The 33 fields of a legacy standard log, in order: used when an object has no `#Fields:` line. */
const LEGACY_FIELDS = ['date', 'time', ...[...CLOUDFRONT_FIELD_COLUMNS.keys()].slice(0, 31)];
/** Fields of the oldest documented layout (2014, up to cs-protocol-version). */
const OLDEST_FIELD_COUNT = 24;

const COLUMNS: readonly Column[] = [
  ...[...CLOUDFRONT_FIELD_COLUMNS.values()].map(({ column: name, type, description }) => ({
    name,
    type,
    description,
  })),
  {
    name: CLOUDFRONT_ADDITIONAL_FIELDS_COLUMN,
    type: 'string',
    description:
      'JSON object of the fields no column takes (fields CloudFront adds later, a time field not used for TimeGenerated, a number too large or not a number for its column), keyed by the #Fields: name, values as written.',
  },
];

/** How one position of a line is read: its `#Fields:` name, and its column if it has one. */
interface Slot {
  readonly field: string;
  readonly target?: FieldColumn;
}

/** The field order of one log file, from its `#Fields:` line (or the legacy order). */
interface Plan {
  readonly slots: readonly Slot[];
  /** Whether the order came from a `#Fields:` line: without one, a shorter (older) line is accepted. */
  readonly declared: boolean;
}

function planFor(fields: readonly string[], declared: boolean): Plan {
  return { slots: fields.map((field) => ({ field, target: CLOUDFRONT_FIELD_COLUMNS.get(field) })), declared };
}

const FIELDS_DIRECTIVE = '#Fields:';

/**
 * The field names of a `#Fields:` line. CloudFront separates them with spaces; some copies use TABs
 * (`#Fields:\tdate\ttime…`), so any white space separates.
 */
function fieldsOf(line: string): string[] {
  return line
    .slice(FIELDS_DIRECTIVE.length)
    .split(/\s+/)
    .filter((f) => f.length > 0);
}

/** Decimal digits only: `Number` alone would also take `1e3`, `0x1f` or `Infinity`. */
const INTEGER = /^-?\d+$/;
const DECIMAL = /^-?\d+(?:\.\d+)?$/;
const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;

/** A field's text as its column's number, or `undefined` when it is not one the column can hold. */
function numberOf(text: string, type: Kind): number | undefined {
  if (type === 'real') return DECIMAL.test(text) ? Number(text) : undefined;
  if (!INTEGER.test(text)) return undefined;
  const n = Number(text);
  if (type === 'int') return n >= INT_MIN && n <= INT_MAX ? n : undefined;
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * A field's value as the viewer sent it. CloudFront percent-encodes what a log line cannot hold, and
 * encodes a space, `"` and `\` twice (`%2520`: the user agent of the samples): both layers of those
 * three are undone, one layer of everything else, so a `%20` the viewer itself sent in a URI stays
 * `%20`. A sequence that is not UTF-8 is left as written.
 */
export function decodeCloudFrontValue(text: string): string {
  if (!text.includes('%')) return text;
  const once = text.replace(/%25(2[02]|5[cC])/g, '%$1');
  try {
    return decodeURIComponent(once);
  } catch {
    return once.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return run;
      }
    });
  }
}

/** TimeGenerated from the time fields of a line, and the time fields it did not use. */
type TimeOf =
  | { readonly time?: string; readonly unused: readonly [string, string][]; readonly error?: undefined }
  | { readonly error: string };

function timeOf(times: Map<string, string>): TimeOf {
  const date = times.get('date');
  const clock = times.get('time');
  if (date !== undefined || clock !== undefined) {
    if (date === undefined || clock === undefined) {
      return { error: `the line has ${date === undefined ? 'time but no date' : 'date but no time'}` };
    }
    const time =
      /^\d{4}-\d{2}-\d{2}$/.test(date) && /^\d{2}:\d{2}:\d{2}(?:\.\d+)?$/.test(clock)
        ? normalizeTime(`${date}T${clock}Z`)
        : undefined;
    if (time === undefined)
      return { error: 'date and time are not a UTC date (YYYY-MM-DD) and time (HH:MM:SS)' };
    return { time, unused: [...times].filter(([field]) => field !== 'date' && field !== 'time') };
  }
  for (const [field, scale] of [
    ['timestamp(ms)', 1000],
    ['timestamp', 1],
  ] as const) {
    const text = times.get(field);
    const time =
      text !== undefined && DECIMAL.test(text) ? epochSecondsToIso(Number(text) / scale) : undefined;
    if (time !== undefined) return { time, unused: [...times].filter(([f]) => f !== field) };
  }
  return { unused: [...times] };
}

function parseLine(plan: Plan, text: string): ParsedRecord | RecordError {
  const values = text.split('\t');
  const expected = plan.slots.length;
  // A trailing TAB (an empty last field) is not a field: some copies of these logs end lines with one.
  let count = values.length;
  while (count > expected && values[count - 1] === '') count--;
  const fits = plan.declared ? count === expected : count >= OLDEST_FIELD_COUNT && count <= expected;
  if (!fits) {
    return {
      error: plan.declared
        ? `${count} fields where the #Fields: line names ${expected}`
        : `${count} fields, and no #Fields: line: a CloudFront standard log line has ${OLDEST_FIELD_COUNT} to ${expected}`,
    };
  }
  const fields: Record<string, unknown> = {};
  const times = new Map<string, string>();
  let additional: Record<string, string> | undefined;
  for (let i = 0; i < count; i++) {
    const value = values[i];
    // `-` is how CloudFront writes "no value": omitted, so `isempty` reads it as absent.
    if (value === '-' || value === '') continue;
    const { field, target } = plan.slots[i];
    if (TIME_FIELDS.has(field)) {
      times.set(field, value);
      continue;
    }
    if (target === undefined) {
      (additional ??= emptyObject<string>())[field] = value;
      continue;
    }
    if (target.type === 'string') {
      fields[target.column] = decodeCloudFrontValue(value);
      continue;
    }
    const n = numberOf(value, target.type);
    // Neither dropped nor refused: the column stays empty and the text is kept beside the others.
    if (n === undefined) (additional ??= emptyObject<string>())[field] = value;
    else fields[target.column] = n;
  }
  const timing = timeOf(times);
  if (timing.error !== undefined) return { error: timing.error };
  const { time, unused } = timing;
  for (const [field, value] of unused) (additional ??= emptyObject<string>())[field] = value;
  if (additional !== undefined) fields[CLOUDFRONT_ADDITIONAL_FIELDS_COLUMN] = JSON.stringify(additional);
  return { fields, time };
}

/**
 * CloudFront standard (access) logs: W3C extended log files, `#Version:` and `#Fields:` lines, then
 * one TAB-separated record per line. Columns come from the `#Fields:` line, since fields were added
 * at the end over the years and v2 lets each distribution choose them; each documented field fills
 * its typed column ({@link CLOUDFRONT_FIELD_COLUMNS}), `date` and `time` become TimeGenerated,
 * percent-encoded values are decoded, `-` is no value, and any other field is kept in
 * {@link CLOUDFRONT_ADDITIONAL_FIELDS_COLUMN}. A line whose field count differs from the `#Fields:`
 * line's is reported malformed with its line number. No built-in table exists: rows go to a custom
 * table.
 */
export const cloudfrontFormat: FormatDefinition = {
  name: 'cloudfront',
  description:
    'CloudFront standard logs (W3C, TAB-separated, with a #Fields: line), as typed columns of a custom table.',
  columns: COLUMNS,
  createParser: () => {
    let plan = planFor(LEGACY_FIELDS, false);
    return {
      split: async function* (text) {
        for await (const batch of splitLines(text, DEFAULT_MAX_LINE_LENGTH)) {
          let items: SourceItem[] = [];
          for (const line of batch) {
            if (line.text.startsWith('#')) {
              if (!line.text.startsWith(FIELDS_DIRECTIVE)) continue;
              // A new field order applies from here on: the records before it are handed over (and
              // parsed) first, so a concatenation of files of different layouts parses each by its own.
              if (items.length > 0) yield items;
              items = [];
              plan = planFor(fieldsOf(line.text), true);
              continue;
            }
            pushLineItem(line, items, DEFAULT_MAX_LINE_LENGTH);
          }
          if (items.length > 0) yield items;
        }
      },
      parse: (text) => parseLine(plan, text),
    };
  },
};
