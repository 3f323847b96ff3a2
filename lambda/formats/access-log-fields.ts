/**
 * What the three Elastic Load Balancing access logs (ALB, NLB, Classic) share: space-separated
 * fields, some enclosed in double quotes, `-` for "no value", no header line, fields appended by AWS
 * over the years, and the one-line test object AWS writes when logging is turned on. The format
 * modules (`alb.ts`, `nlb.ts`, `clb.ts`) say which field is which.
 */
import type { SourceItem } from './format';
import { emptyObject } from './json-values';
import { lineSources } from './parse-helpers';
import { normalizeTime } from './time';

/** How ELB writes "unknown, unavailable or not applicable", quoted or not. */
export const NO_VALUE = '-';

/** One field of a line. */
export interface AccessLogField {
  /** The field as written, quotes included: what a field that is not a quoted string keeps. */
  readonly raw: string;
  /** The field without its enclosing quotes (escapes inside kept as written). */
  readonly value: string;
}

/**
 * The fields of one access-log line, or why it has none. Fields are separated by spaces (a run of
 * them counts as one). A field that starts with `"` ends at a `"` followed by a space or the end of
 * the line, so a quoted request line may hold spaces (`"GET /a b HTTP/1.1"`, which ALB writes for
 * a URI with a space) and a `\"` inside does not end it. An NLB `alpn_client_preference_list`
 * (`"h2","http/1.1"`) is one field by the same rule: its `raw` keeps the list as written.
 */
export function accessLogFields(line: string): AccessLogField[] | { readonly error: string } {
  const fields: AccessLogField[] = [];
  const end = line.length;
  let i = 0;
  while (i < end) {
    if (line.charCodeAt(i) === 32) {
      i++;
      continue;
    }
    const start = i;
    if (line.charCodeAt(i) === 34 /* " */) {
      i++;
      for (;;) {
        if (i >= end) return { error: `field ${fields.length + 1} opens a quote that is never closed` };
        const c = line.charCodeAt(i);
        if (c === 92 /* \ */) i += 2;
        else if (c === 34 && (i + 1 === end || line.charCodeAt(i + 1) === 32)) break;
        else i++;
      }
      i++;
      const raw = line.slice(start, i);
      fields.push({ raw, value: raw.slice(1, -1) });
    } else {
      while (i < end && line.charCodeAt(i) !== 32) i++;
      const raw = line.slice(start, i);
      fields.push({ raw, value: raw });
    }
  }
  return fields;
}

/** The line AWS puts in the test object (`ELBAccessLogTestFile`) it writes when logging is enabled. */
const CONTROL_MESSAGE = /^Enable AccessLog for ELB: /;

/**
 * Record slots of an access-log object: one per line that is not blank, or one `skipped-object`
 * when the object is AWS's logging test file (its only line is `Enable AccessLog for ELB: …`), which
 * is not a request and has nothing to send.
 */
export async function* accessLogSources(text: AsyncIterable<string>): AsyncGenerator<SourceItem[]> {
  let first = true;
  for await (const items of lineSources(text)) {
    if (first) {
      first = false;
      const head = items[0];
      if (head.kind === 'record' && CONTROL_MESSAGE.test(head.text)) {
        yield [
          { kind: 'skipped-object', reason: 'ELB access-logging test message (Enable AccessLog for ELB)' },
        ];
        return;
      }
    }
    yield items;
  }
}

/**
 * The reason for a line with fewer fields than every entry of its log has: how many it has, how
 * many it needs and which fields are missing, and the likely fix.
 */
export function tooFewFieldsReason(
  got: number,
  names: readonly string[],
  required: number,
  log: string,
  format: string,
): string {
  const missing = required - got === 1 ? names[got] : `${names[got]} to ${names[required - 1]}`;
  return `${got} fields where ${log} access log entries have at least ${required}: ${missing} missing (check that the object holds ${log} access logs, which the producer's format '${format}' reads)`;
}

/** The range of a Kusto `int` (32-bit). */
const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;
/** Decimal digits only: `Number` alone would also take `1e3`, `0x1f` or `Infinity`. */
const INTEGER = /^-?\d+$/;
/** A decimal number as ELB writes durations (`0.000086`, `-1`). */
const DECIMAL = /^-?\d+(?:\.\d+)?$/;

/**
 * An integer field for an `int` or `long` column: the number, `'too-large'` when the column cannot
 * hold it exactly (then the text is kept in the additional fields, neither clamped nor rounded), or
 * `undefined` when the text is not an integer.
 */
export function integerValue(text: string, type: 'int' | 'long'): number | 'too-large' | undefined {
  if (!INTEGER.test(text)) return undefined;
  const n = Number(text);
  const fits = type === 'int' ? n >= INT_MIN && n <= INT_MAX : Number.isSafeInteger(n);
  return fits ? n : 'too-large';
}

/** Whether `text` is a decimal number (a duration in seconds, a count). */
export function isDecimal(text: string): boolean {
  return DECIMAL.test(text);
}

/** `YYYY-MM-DDTHH:MM:SS[.fff]` with no offset: NLB writes its times so, in UTC. */
const NO_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?$/;

/**
 * An access log's ISO 8601 time as ISO 8601 UTC, or `undefined` when it is not one. A time with no
 * offset is UTC (NLB writes `2020-04-01T08:51:42`): `Date.parse` would read it as local time.
 */
export function accessLogTime(text: string): string | undefined {
  return normalizeTime(NO_OFFSET.test(text) ? `${text}Z` : text);
}

/**
 * `ip:port` as ALB and CLB write it (`10.0.0.1:80`, `[2001:db8::1]:80`, or IPv6 unbracketed, whose
 * port follows the last colon): the address without brackets and the port, or `undefined` when the
 * text is not an address and a port.
 */
export function splitIpPort(text: string): { readonly ip: string; readonly port: number } | undefined {
  let ip: string;
  let port: string;
  if (text.startsWith('[')) {
    const close = text.indexOf(']:');
    if (close === -1) return undefined;
    ip = text.slice(1, close);
    port = text.slice(close + 2);
  } else {
    const colon = text.lastIndexOf(':');
    if (colon === -1) return undefined;
    ip = text.slice(0, colon);
    port = text.slice(colon + 1);
  }
  const n = integerValue(port, 'int');
  if (ip.length === 0 || typeof n !== 'number' || n < 0 || n > 65535) return undefined;
  return { ip, port: n };
}

/**
 * The key, in a format's additional fields, of the fields after the last one the format knows:
 * AWS appends fields to these logs, and a line with more is parsed by position, not refused.
 */
export const TRAILING_FIELDS_KEY = 'trailing_fields';

/**
 * How one field of a line becomes its columns' values. `-` is "no value" for every reader but
 * `trailing`: the field is then omitted, never sent as `-`.
 *
 * - `string`: the field without its quotes; `raw`: as written, quotes included.
 * - `int`, `long`: an integer (an integer the column cannot hold goes to the additional fields).
 * - `real`: a decimal number.
 * - `decimal-text`, `integer-text`, `time-text`: checked to be a number or an ISO 8601 time, sent
 *   as written (the table's column is a string). The check also catches a line whose fields have
 *   shifted (a quote closed late), which would otherwise fill every later column with its
 *   neighbour's value.
 * - `time`: the row's TimeGenerated.
 * - `ip-port`: `ip:port` into two columns, the address and the port (an int).
 * - `additional`: a documented field with no column, kept in the additional fields by its name.
 * - `{ match, expected }`: the field as written when it matches, else the line is malformed.
 */
export type FieldReader =
  | 'string'
  | 'raw'
  | 'int'
  | 'long'
  | 'real'
  | 'decimal-text'
  | 'integer-text'
  | 'time-text'
  | 'time'
  | 'ip-port'
  | 'additional'
  | { readonly match: RegExp; readonly expected: string };

/** One documented field: its name as AWS's documentation spells it, how it is read, its columns. */
export interface FieldPlan {
  readonly field: string;
  readonly read: FieldReader;
  /** The columns it fills: one, two for `ip-port`, none for `time` and `additional`. */
  readonly columns: readonly string[];
}

/** What a log's positional reading needs to know besides its fields. */
export interface AccessLogLayout {
  /** Every documented field, in the order AWS writes them. */
  readonly plan: readonly FieldPlan[];
  /** Fields every entry has (the oldest layout still written); fewer is a malformed line. */
  readonly required: number;
  /** The log's name in messages (`ALB`) and the producer format that reads it (`alb`). */
  readonly log: string;
  readonly format: string;
  /** The column of fields with no column of their own, and whether it holds JSON text or an object. */
  readonly additionalColumn: string;
  readonly additionalAsText: boolean;
}

/** A reader's description in a malformed line's reason (which never quotes the value). */
const EXPECTED: Readonly<Record<Exclude<FieldReader, object>, string>> = {
  string: 'text',
  raw: 'text',
  int: 'an integer',
  long: 'an integer',
  real: 'a number',
  'decimal-text': 'a number',
  'integer-text': 'an integer',
  'time-text': 'an ISO 8601 time',
  time: 'an ISO 8601 time',
  'ip-port': 'an IP address and port',
  additional: 'text',
};

/** The reason for field `i` (0-based), which its reader refused; it never quotes the value. */
function refusal(i: number, { field, read }: FieldPlan): { error: string } {
  return {
    error: `field ${i + 1} (${field}) is not ${typeof read === 'object' ? read.expected : EXPECTED[read]}`,
  };
}

/**
 * Reads a line by position: each documented field into its columns, the fields after the last
 * documented one into the additional fields under {@link TRAILING_FIELDS_KEY} (as written), and a
 * line with fewer than `required` fields, or a field its reader refuses, as malformed.
 */
export function readAccessLogLine(
  layout: AccessLogLayout,
  line: string,
): { readonly fields: Record<string, unknown>; readonly time?: string } | { readonly error: string } {
  const parts = accessLogFields(line);
  if (!Array.isArray(parts)) return parts;
  const { plan } = layout;
  if (parts.length < layout.required) {
    return {
      error: tooFewFieldsReason(
        parts.length,
        plan.map((p) => p.field),
        layout.required,
        layout.log,
        layout.format,
      ),
    };
  }
  const fields: Record<string, unknown> = {};
  let time: string | undefined;
  let additional: Record<string, unknown> | undefined;
  const known = Math.min(parts.length, plan.length);
  for (let i = 0; i < known; i++) {
    const { field, read, columns } = plan[i];
    const { raw, value } = parts[i];
    if (value === NO_VALUE) continue;
    switch (read) {
      case 'string':
        fields[columns[0]] = value;
        break;
      case 'raw':
        fields[columns[0]] = raw;
        break;
      case 'int':
      case 'long': {
        const n = integerValue(value, read);
        if (n === undefined) return refusal(i, plan[i]);
        if (n === 'too-large') (additional ??= emptyObject())[field] = value;
        else fields[columns[0]] = n;
        break;
      }
      case 'real':
        if (!isDecimal(value)) return refusal(i, plan[i]);
        fields[columns[0]] = Number(value);
        break;
      case 'decimal-text':
        if (!isDecimal(value)) return refusal(i, plan[i]);
        fields[columns[0]] = value;
        break;
      case 'integer-text':
        if (integerValue(value, 'long') === undefined) return refusal(i, plan[i]);
        fields[columns[0]] = value;
        break;
      case 'time-text':
        if (accessLogTime(value) === undefined) return refusal(i, plan[i]);
        fields[columns[0]] = value;
        break;
      case 'time':
        time = accessLogTime(value);
        if (time === undefined) return refusal(i, plan[i]);
        break;
      case 'ip-port': {
        const address = splitIpPort(value);
        if (address === undefined) return refusal(i, plan[i]);
        fields[columns[0]] = address.ip;
        fields[columns[1]] = address.port;
        break;
      }
      case 'additional':
        (additional ??= emptyObject())[field] = value;
        break;
      default:
        if (!read.match.test(value)) return refusal(i, plan[i]);
        fields[columns[0]] = value;
    }
  }
  if (parts.length > plan.length) {
    (additional ??= emptyObject())[TRAILING_FIELDS_KEY] = parts.slice(plan.length).map((p) => p.raw);
  }
  if (additional !== undefined) {
    fields[layout.additionalColumn] = layout.additionalAsText
      ? JSON.stringify(additional)
      : { ...additional };
  }
  return { fields, time };
}
