import * as crypto from 'node:crypto';
import type { ObjectRef, Row } from './object-ref';
import { attachRawColumns, RawJson } from '../formats/raw-json';
import { normalizeTime } from '../formats/time';

export type { ObjectRef, Row } from './object-ref';
export { RawJson } from '../formats/raw-json';

/**
 * Length of `RecordId` for the first 2^32 records of an object (always, in practice): 24 hex
 * characters (96 bits) of SHA-256 naming the object (bucket, key, and ETag, else version id), then the
 * record index as 8 hex digits.
 */
export const RECORD_ID_LENGTH = 32;
/** Hex characters of the object's hash at the start of every `RecordId`. */
const OBJECT_ID_LENGTH = 24;
/** Hex digits the record index is padded to (more are used past 2^32 - 1). */
const INDEX_DIGITS = 8;

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

/**
 * Builds rows of one object. `RecordId` is the first 96 bits (24 hex characters) of a SHA-256 of
 * the JSON array `[bucket, key, ETag (else version id)]` — JSON so no separator can make two
 * different inputs collide — followed by the record's index as (at least) 8 hex digits. It is
 * identical on every retry of the same object content, so `summarize arg_max(TimeGenerated, *) by
 * RecordId` removes duplicates, and all rows of one object share its first 24 characters. Hashing
 * once per object rather than once per record takes a SHA-256 off every row of the hot path.
 */
export class RowFactory {
  private readonly idPrefix: string;
  private readonly version: string | undefined;
  /** The S3 event time normalized to ISO 8601 UTC. */
  readonly eventTime: string;
  /** Bucket and key as RecordId was hashed from them: `object` is readonly to TypeScript only. */
  private readonly bucket: string;
  private readonly key: string;

  /**
   * @throws RangeError when `object.eventTime` is not a time. A message from the queue never gets
   *   here with one: `lambda/io/events.ts` refuses it first, permanently, with a reason.
   */
  constructor(readonly object: ObjectRef) {
    const eventTime = normalizeTime(object.eventTime);
    if (eventTime === undefined) {
      throw new RangeError(
        `S3 event time ${JSON.stringify(object.eventTime)} of s3://${object.bucket}/${object.key} is not an ISO 8601 time`,
      );
    }
    this.eventTime = eventTime;
    this.version = objectVersion(object);
    const identity = JSON.stringify([object.bucket, object.key, contentIdentity(object) ?? null]);
    this.idPrefix = crypto.createHash('sha256').update(identity).digest('hex').slice(0, OBJECT_ID_LENGTH);
    this.bucket = object.bucket;
    this.key = object.key;
  }

  /** The deterministic `RecordId` of record `index` of this object. */
  recordId(index: number): string {
    const hex = index.toString(16);
    return hex.length >= INDEX_DIGITS
      ? this.idPrefix + hex
      : this.idPrefix + '0'.repeat(INDEX_DIGITS - hex.length) + hex;
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
      RecordIndex: index,
      RecordId: this.recordId(index),
      S3Bucket: this.bucket,
      S3Key: this.key,
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
    if (raw !== undefined) attachRawColumns(row, raw);
    return row;
  }
}

/** The deterministic `RecordId` of record `index` of `object` (see {@link RowFactory}). */
export function recordId(object: ObjectRef, index: number): string {
  return new RowFactory(object).recordId(index);
}
