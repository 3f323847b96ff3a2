import * as crypto from 'node:crypto';
import { normalizeTime } from './formats/time';

/** The S3 object a row came from: what the provenance columns record. */
export interface ObjectRef {
  readonly bucket: string;
  /** The object key, already URL-decoded. */
  readonly key: string;
  readonly versionId?: string;
  /** The ETag as S3 reports it (quotes, if any, are removed in `S3ObjectVersion`). */
  readonly eTag?: string;
  /** Time of the S3 ObjectCreated event, ISO 8601. */
  readonly eventTime: string;
  readonly size?: number;
}

/** A row as sent to the Logs Ingestion API: provenance columns plus the format's columns. */
export type Row = Record<string, unknown>;

/**
 * A column value together with JSON text already known to denote it: the record's own source text,
 * which the parser has just `JSON.parse`d into `value`. A parser may put one in `fields`; the row
 * then holds `value` (what tests and callers read) and the batcher writes `json` verbatim instead
 * of serializing the value a second time (as costly as the parse itself, on large records).
 *
 * `json` must be one JSON value with no surrounding whitespace, and `JSON.parse(json)` must be
 * `value`; the value must not be mutated afterwards (the batcher would still write the old text).
 *
 * The text is what the producer wrote, so it can differ from `JSON.stringify(value)` beyond
 * spacing: numbers JSON.parse rounds (integers past 2^53) or overflows (`1e400`, which
 * JSON.stringify would send as `null`) go as written, and so do duplicate keys.
 */
export class RawJson {
  public constructor(
    public readonly value: unknown,
    public readonly json: string,
  ) {}
}

/**
 * Where a row keeps its {@link RawJson} columns, by column name. A symbol, and not enumerable:
 * `JSON.stringify(row)`, `Object.keys(row)` and test equality see the plain row, unchanged.
 */
export const RAW_COLUMNS: unique symbol = Symbol('s3ToSentinel.rawColumns');

/** The row's columns whose JSON text is already known (see {@link RawJson}), if any. */
export function rawColumnsOf(row: Row): Readonly<Record<string, RawJson>> | undefined {
  return (row as { [RAW_COLUMNS]?: Record<string, RawJson> })[RAW_COLUMNS];
}

/** Length of `RecordId`: 128 bits of SHA-256, ample for de-duplication and half the payload. */
export const RECORD_ID_LENGTH = 32;

/** The ETag without the quotes S3 puts around it in some APIs. */
export function unquotedETag(eTag: string | undefined): string | undefined {
  return eTag ? eTag.replace(/^"|"$/g, '') : undefined;
}

/** The object's version for provenance: the version id, else the ETag without its quotes. */
export function objectVersion(object: ObjectRef): string | undefined {
  return object.versionId || unquotedETag(object.eTag);
}

/**
 * What identifies the object's content in `RecordId`: the ETag, else the version id. The ETag
 * comes first because every way an object reaches the forwarder carries it (notifications,
 * EventBridge, and the CLI's backfill, which lists with ListObjectsV2 and has no version id), so
 * a live and a backfilled delivery of one object get the same RecordIds and de-duplicate.
 */
function contentIdentity(object: ObjectRef): string | undefined {
  return unquotedETag(object.eTag) || object.versionId || undefined;
}

// crypto.hash (Node >= 20.12) is a one-shot native call, about 2.5x faster than createHash for
// inputs this small; the fallback keeps older runtimes working.
const sha256Hex: (data: string) => string =
  typeof (crypto as { hash?: unknown }).hash === 'function'
    ? (data) =>
        (crypto as unknown as { hash: (a: string, d: string, e: 'hex') => string }).hash(
          'sha256',
          data,
          'hex',
        )
    : (data) => crypto.createHash('sha256').update(data).digest('hex');

/**
 * Builds rows of one object. `RecordId` is a SHA-256 of the JSON array `[bucket, key, ETag (else
 * version id), index]` — JSON so no separator can make two different inputs collide — truncated to
 * {@link RECORD_ID_LENGTH} hex characters. It is identical on every retry of the same object
 * content, so `summarize arg_max(TimeGenerated, *) by RecordId` removes duplicates.
 */
export class RowFactory {
  private readonly idPrefix: string;
  private readonly version: string | undefined;
  /** The S3 event time normalized to ISO 8601 UTC. */
  readonly eventTime: string;

  /** @throws RangeError when `object.eventTime` is not a time */
  constructor(readonly object: ObjectRef) {
    const eventTime = normalizeTime(object.eventTime);
    if (eventTime === undefined) {
      throw new RangeError(
        `S3 event time ${JSON.stringify(object.eventTime)} of s3://${object.bucket}/${object.key} is not an ISO 8601 time`,
      );
    }
    this.eventTime = eventTime;
    this.version = objectVersion(object);
    const json = JSON.stringify([object.bucket, object.key, contentIdentity(object) ?? null, 0]);
    this.idPrefix = json.slice(0, json.length - 2);
  }

  /** The deterministic `RecordId` of record `index` of this object. */
  recordId(index: number): string {
    return sha256Hex(`${this.idPrefix}${index}]`).slice(0, RECORD_ID_LENGTH);
  }

  /**
   * The row of record `index`: provenance columns, then `fields` without its `undefined`/`null`
   * values (an absent column and a null one read the same in Log Analytics; omitting it keeps
   * batches smaller).
   *
   * A {@link RawJson} field is stored as its `value`, its text kept beside it for the batcher.
   *
   * @param time the record's own event time, already ISO 8601 UTC; the S3 event time when absent
   */
  row(index: number, time: string | undefined, fields: Record<string, unknown>): Row {
    const row: Row = {
      TimeGenerated: time ?? this.eventTime,
      S3Bucket: this.object.bucket,
      S3Key: this.object.key,
      RecordIndex: index,
      RecordId: this.recordId(index),
      S3EventTime: this.eventTime,
    };
    if (this.version !== undefined) row.S3ObjectVersion = this.version;
    let raw: Record<string, RawJson> | undefined;
    for (const name in fields) {
      const value = fields[name];
      if (value instanceof RawJson) {
        if (value.value === undefined || value.value === null) continue;
        row[name] = value.value;
        (raw ??= {})[name] = value;
      } else if (value !== undefined && value !== null) {
        row[name] = value;
      }
    }
    if (raw !== undefined) Object.defineProperty(row, RAW_COLUMNS, { value: raw });
    return row;
  }
}

/** The deterministic `RecordId` of record `index` of `object` (see {@link RowFactory}). */
export function recordId(object: ObjectRef, index: number): string {
  return new RowFactory(object).recordId(index);
}
