import * as crypto from 'node:crypto';
import type { ObjectRef, Row } from '../core/object-ref';
import { normalizeTime } from '../formats/time';

export type { ObjectRef, Row } from '../core/object-ref';

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
 * What a row made by {@link RowFactory} keeps beside its columns for the batcher: its factory, whose
 * provenance columns the batcher writes from a per-object template, and the columns whose JSON text
 * is already known (see {@link RawJson}). Kept under a symbol and not enumerable, so
 * `JSON.stringify(row)`, `Object.keys(row)` and test equality see the plain row, unchanged.
 */
export interface RowOrigin {
  readonly factory: RowFactory;
  readonly raw: Readonly<Record<string, RawJson>> | undefined;
}

const ROW_ORIGIN: unique symbol = Symbol('s3ToSentinel.rowOrigin');

/** Where `row` came from, if a {@link RowFactory} made it. */
export function rowOriginOf(row: Row): RowOrigin | undefined {
  return (row as { [ROW_ORIGIN]?: RowOrigin })[ROW_ORIGIN];
}

/** The provenance columns every row starts with, in this order (`S3ObjectVersion` when known). */
const PROVENANCE_KEY_ORDER = [
  'TimeGenerated',
  'RecordIndex',
  'RecordId',
  'S3Bucket',
  'S3Key',
  'S3EventTime',
  'S3ObjectVersion',
] as const;

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
  /** Provenance columns at the start of every row: 7 with `S3ObjectVersion`, else 6. */
  readonly provenanceColumns: number;
  /**
   * Bucket and key as the shared JSON was made from them: `object` is readonly to TypeScript only,
   * and a row is checked against what was serialized, not against what the object says now.
   */
  private readonly bucket: string;
  private readonly key: string;
  /**
   * The JSON members of the provenance columns all rows of the object share, from `,"S3Bucket":`
   * on: serialized once per object instead of once per row.
   */
  private readonly sharedJson: string;

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
    const identity = JSON.stringify([object.bucket, object.key, contentIdentity(object) ?? null]);
    this.idPrefix = crypto.createHash('sha256').update(identity).digest('hex').slice(0, OBJECT_ID_LENGTH);
    const shared: Row = { S3Bucket: object.bucket, S3Key: object.key, S3EventTime: eventTime };
    if (this.version !== undefined) shared.S3ObjectVersion = this.version;
    this.sharedJson = `,${JSON.stringify(shared).slice(1, -1)}`;
    this.provenanceColumns = this.version !== undefined ? 7 : 6;
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
    // Keys in PROVENANCE_KEY_ORDER: provenanceJson relies on it.
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
    const origin: RowOrigin = { factory: this, raw };
    Object.defineProperty(row, ROW_ORIGIN, { value: origin });
    return row;
  }

  /**
   * `JSON.stringify(row)` of the provenance columns this factory gave `row` — `{"TimeGenerated":…`
   * through its last provenance member, without the closing brace — from the per-object template.
   * Undefined if `row` no longer starts with them as made (a caller changed one): the batcher then
   * serializes the row the ordinary way.
   *
   * @param keys `Object.keys(row)`, which the caller needs anyway for the format's columns
   */
  provenanceJson(row: Row, keys: readonly string[]): string | undefined {
    const count = this.provenanceColumns;
    for (let i = 0; i < count; i++) if (keys[i] !== PROVENANCE_KEY_ORDER[i]) return undefined;
    if (
      typeof row.TimeGenerated !== 'string' ||
      typeof row.RecordIndex !== 'number' ||
      typeof row.RecordId !== 'string' ||
      row.S3Bucket !== this.bucket ||
      row.S3Key !== this.key ||
      row.S3EventTime !== this.eventTime ||
      (count === 7 && row.S3ObjectVersion !== this.version)
    ) {
      return undefined;
    }
    // Three short JSON.stringify calls rather than trusting the values: a changed one stays valid JSON.
    return (
      `{"TimeGenerated":${JSON.stringify(row.TimeGenerated)},"RecordIndex":${JSON.stringify(row.RecordIndex)}` +
      `,"RecordId":${JSON.stringify(row.RecordId)}${this.sharedJson}`
    );
  }

  /**
   * The provenance JSON (as {@link provenanceJson} writes it) of the row this factory would make
   * for record `index` with event time `time`: {@link ownJson} followed by the shared members.
   */
  headJson(index: number, time: string | undefined): string {
    return this.ownJson(index, time) + this.sharedJson;
  }

  /**
   * The start of {@link headJson}: `{"TimeGenerated":…,"RecordIndex":…,"RecordId":"…"`, the
   * members that differ from row to row.
   */
  ownJson(index: number, time: string | undefined): string {
    return `{"TimeGenerated":${JSON.stringify(time ?? this.eventTime)},"RecordIndex":${index},"RecordId":"${this.recordId(index)}"`;
  }

  /**
   * The rest of {@link headJson} (the members every row of the object shares) and `,"column":`,
   * as UTF-8: what the batcher writes between {@link ownJson} and a {@link JsonRow}'s JSON.
   */
  sharedJsonBytes(column: string): Buffer {
    let bytes = this.#sharedBytes.get(column);
    if (bytes === undefined) {
      bytes = Buffer.from(`${this.sharedJson},${JSON.stringify(column)}:`, 'utf8');
      this.#sharedBytes.set(column, bytes);
    }
    return bytes;
  }

  readonly #sharedBytes = new Map<string, Buffer>();

  /** A row of record `index` whose one format column is `json`, proven to be one JSON object. */
  jsonRow(index: number, time: string | undefined, column: string, json: Buffer): JsonRow {
    return new JsonRow(this, index, time, column, json);
  }
}

/**
 * A row whose only format column holds a JSON object known by its UTF-8 bytes (see
 * `formats/json-scan.ts`): the batcher writes the provenance from the factory's template and then
 * the bytes, without the object ever being parsed. It is a parse outcome of kind `row`; reading
 * `row` parses the bytes into the same row {@link RowFactory.row} makes, for callers other than the
 * forwarder's hot path (tools, tests).
 */
export class JsonRow {
  readonly kind = 'row' as const;

  public constructor(
    readonly factory: RowFactory,
    readonly index: number,
    /** The record's own event time, ISO 8601 UTC, if it has one. */
    readonly time: string | undefined,
    readonly column: string,
    /** The object's JSON: valid UTF-8 with no surrounding whitespace. Must not change while in use. */
    readonly json: Buffer,
  ) {}

  /** Bytes of the record's JSON. */
  get bytes(): number {
    return this.json.length;
  }

  get row(): Row {
    const text = this.json.toString('utf8');
    return this.factory.row(this.index, this.time, { [this.column]: new RawJson(JSON.parse(text), text) });
  }
}

/** The deterministic `RecordId` of record `index` of `object` (see {@link RowFactory}). */
export function recordId(object: ObjectRef, index: number): string {
  return new RowFactory(object).recordId(index);
}
