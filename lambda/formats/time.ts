/** Time normalization shared by the parsers: every datetime column is sent as ISO 8601 UTC. */

/** A date (and optionally time) written the ISO way; other strings are not trusted to `Date.parse`. */
const ISO_LIKE = /^\d{4}-\d{2}-\d{2}(?:[T ]|$)/;
const NUMERIC = /^\d+(?:\.\d+)?$/;
/**
 * Already ISO 8601 UTC with plausible fields (what CloudTrail, WAF and most AWS JSON logs write):
 * passed through unchanged, which spares a Date round trip on every record of the hot path.
 */
const ISO_UTC =
  /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,9})?Z$/;

/**
 * Normalizes a timestamp to ISO 8601 UTC, or returns `undefined` when the value is not a usable
 * time. A string already in ISO 8601 UTC (`...Z`) is returned as is; anything else is rewritten
 * with millisecond precision (`2024-01-02T03:04:05.678Z`).
 *
 * Accepts ISO-like strings with any offset (`Z`, `+00:00`, `+0000`) and epoch numbers (or numeric
 * strings) in seconds, milliseconds, microseconds or nanoseconds, told apart by magnitude: any
 * epoch-seconds value before the year 5138 is below 1e11, any epoch-millisecond value after 1973
 * is above it. Other strings are refused rather than handed to `Date.parse`, whose fallback
 * parser turns inputs like `"1"` into the year 2001.
 */
export function normalizeTime(value: unknown): string | undefined {
  let ms: number;
  if (typeof value === 'number') {
    ms = epochToMillis(value);
  } else if (typeof value === 'string') {
    if (ISO_UTC.test(value)) return value;
    if (ISO_LIKE.test(value)) ms = Date.parse(value);
    else if (NUMERIC.test(value)) ms = epochToMillis(Number(value));
    else return undefined;
  } else {
    return undefined;
  }
  // The range of a JavaScript Date; toISOString throws outside it.
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return undefined;
  return new Date(ms).toISOString();
}

/** Epoch seconds as ISO 8601 UTC (VPC flow log `start`/`end`). */
export function epochSecondsToIso(seconds: number): string | undefined {
  const ms = seconds * 1000;
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return undefined;
  return new Date(ms).toISOString();
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
