/** Time normalization shared by the parsers: every datetime column is sent as ISO 8601 UTC. */

/** A date (and optionally time) written the ISO way; other strings are not trusted to `Date.parse`. */
const ISO_LIKE = /^\d{4}-\d{2}-\d{2}(?:[T ]|$)/;
const NUMERIC = /^\d+(?:\.\d+)?$/;
/**
 * Already ISO 8601 UTC with plausible fields (what CloudTrail, WAF and most AWS JSON logs write):
 * passed through once its date is checked, which spares a Date round trip on every record of the
 * hot path. Group 1 is the part up to the seconds, group 2 the fraction's digits.
 */
const ISO_UTC =
  /^(\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d)(?:\.(\d{1,9}))?Z$/;
/** The fraction of a second of an ISO-like time with an offset. */
const FRACTION = /[T ]\d{2}:\d{2}:\d{2}\.(\d+)/;
/** Digits of a second's fraction kept: microseconds (see {@link normalizeTime}). */
const FRACTION_DIGITS = 6;
/**
 * Milliseconds from the epoch to 0001-01-01 and to 10000-01-01: the datetime range of Log Analytics.
 * (`Date.UTC` would read the year 1 as 1901.)
 */
const FIRST_MS = new Date(0).setUTCFullYear(1, 0, 1);
const MAX_MS = Date.UTC(10000, 0, 1);

/**
 * Normalizes a timestamp to ISO 8601 UTC, or returns `undefined` when the value is not a usable
 * time; the row then takes the S3 event time, as when a record has no time at all.
 *
 * - A string already in ISO 8601 UTC (`...Z`) is returned as is, its fraction cut to microseconds
 *   (`.123456789Z` → `.123456Z`): truncated, never rounded, so a time never moves into the next
 *   second. Other ISO-like strings (an offset, no `Z`) are rewritten to UTC with the same fraction
 *   (`2024-01-02T03:04:05.678901+01:00` → `2024-01-02T02:04:05.678901Z`).
 * - A date that is not on the calendar (`2024-02-30`, `2023-02-29`, month 13, day 0), or a time
 *   outside the years 1 to 9999 (Log Analytics' datetime range; `0000-01-01`, or past 9999 once
 *   converted to UTC) is refused: V8's `Date.parse` would roll `2024-02-30` over to March 1.
 * - Epoch numbers (or numeric strings) in seconds, milliseconds, microseconds or nanoseconds are
 *   told apart by magnitude (any epoch-seconds value before the year 5138 is below 1e11, any
 *   epoch-millisecond value after 1973 is above it) and written with millisecond precision.
 * - Other strings are refused rather than handed to `Date.parse`, whose fallback parser turns
 *   inputs like `"1"` into the year 2001.
 */
export function normalizeTime(value: unknown): string | undefined {
  let ms: number;
  let fraction: string | undefined;
  if (typeof value === 'number') {
    ms = epochToMillis(value);
  } else if (typeof value === 'string') {
    const utc = ISO_UTC.exec(value);
    if (utc !== null) {
      if (!isCalendarDate(value)) return undefined;
      const digits = utc[2];
      return digits === undefined || digits.length <= FRACTION_DIGITS
        ? value
        : `${utc[1]}.${digits.slice(0, FRACTION_DIGITS)}Z`;
    }
    if (ISO_LIKE.test(value)) {
      if (!isCalendarDate(value)) return undefined;
      ms = Date.parse(value);
      fraction = FRACTION.exec(value)?.[1];
    } else if (NUMERIC.test(value)) ms = epochToMillis(Number(value));
    else return undefined;
  } else {
    return undefined;
  }
  return isoInRange(ms, fraction);
}

/** Epoch seconds as ISO 8601 UTC (VPC flow log `start`/`end`); `undefined` outside years 1-9999. */
export function epochSecondsToIso(seconds: number): string | undefined {
  return isoInRange(seconds * 1000);
}

/**
 * `ms` as ISO 8601 UTC, with the sub-millisecond digits of `fraction` (up to microseconds) when
 * the source had them; `undefined` when it is not a time of the years 1 to 9999.
 */
function isoInRange(ms: number, fraction?: string): string | undefined {
  if (!Number.isFinite(ms) || ms < FIRST_MS || ms >= MAX_MS) return undefined;
  const iso = new Date(ms).toISOString();
  if (fraction === undefined || fraction.length <= 3) return iso;
  return `${iso.slice(0, -1)}${fraction.slice(3, FRACTION_DIGITS)}Z`;
}

/**
 * Whether the `YYYY-MM-DD` a string starts with is a day of the calendar, in the years 1 to 9999.
 * Checked on the date as written, before any offset moves it to another day.
 */
function isCalendarDate(value: string): boolean {
  const year = Number(value.slice(0, 4));
  const month = Number(value.slice(5, 7));
  const day = Number(value.slice(8, 10));
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

function epochToMillis(n: number): number {
  const abs = Math.abs(n);
  if (abs < 1e11) return n * 1000;
  if (abs < 1e14) return n;
  if (abs < 1e17) return n / 1e3;
  return n / 1e6;
}

/**
 * Field names that commonly hold a JSON record's own event time, in order of preference:
 * generic (`timestamp`, `@timestamp`, `time`), CloudTrail (`eventTime`), Network Firewall
 * (`event_timestamp`), Route 53 Resolver (`query_timestamp`), GuardDuty (`updatedAt`).
 */
export const JSON_TIME_FIELDS: readonly string[] = [
  'timestamp',
  '@timestamp',
  'time',
  'eventTime',
  'event_timestamp',
  'query_timestamp',
  'Timestamp',
  'EventTime',
  'updatedAt',
];

/** The record's own event time from the first usable {@link JSON_TIME_FIELDS} entry, if any. */
export function jsonRecordTime(record: Record<string, unknown>): string | undefined {
  for (const field of JSON_TIME_FIELDS) {
    const value = record[field];
    if (value === undefined) continue;
    const time = normalizeTime(value);
    if (time !== undefined) return time;
  }
  return undefined;
}
