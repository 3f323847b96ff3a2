import type { Row } from '../core/object-ref';
import { rawColumnsOf } from '../formats/raw-json';
import { PROVENANCE_COLUMNS } from '../formats/schema';

/**
 * Most bytes of JSON (the whole array: brackets, commas and rows) the forwarder puts in one request.
 * The Logs Ingestion API refuses calls over 1 MB with 413; 1,000,000 bytes is under that limit
 * whether Azure means 10^6 or 2^20 (and is where `@azure/monitor-ingestion`'s own chunker splits).
 * Every batch is one request and holds rows of one object only, so a failed request maps back to
 * exact row indexes of one object.
 */
export const MAX_BATCH_BYTES = 1_000_000;

/**
 * Most bytes (UTF-8) of a truncated record's text, `TruncatedRecord`. The Logs Ingestion API
 * documents 64 KB as the maximum size of a field value and truncates longer ones
 * (https://learn.microsoft.com/azure/azure-monitor/service-limits#logs-ingestion-api); 64,000 is
 * under it whether Azure means 1,000 or 1,024 bytes a KB, so Azure cuts nothing more.
 */
export const MAX_FIELD_BYTES = 64_000;

/** Rows of one object, in record order, ready for one upload request. */
export interface RowBatch {
  /** The request body: the rows as one JSON array, UTF-8. */
  readonly body: Buffer;
  /** Number of rows. */
  readonly count: number;
  /** Record index of the first and last row (inclusive). */
  readonly firstIndex: number;
  readonly lastIndex: number;
  /** Serialized size of the batch as a JSON array, in bytes (UTF-8). */
  readonly bytes: number;
  /**
   * Whether some row carries a column as its record's own source text (`RawJson`), which may
   * hold what `JSON.parse` would normalize: duplicate keys, numbers out of range. See
   * {@link canonicalBodies}.
   */
  readonly verbatim: boolean;
}

/** A record whose row alone is too large for one request: reported, and sent truncated. */
export interface OversizedRecord {
  readonly index: number;
  /** Size of the row's JSON, in bytes (UTF-8). */
  readonly bytes: number;
  /**
   * Whether a stand-in row ({@link standInRow}) took its place in the batches. False only under a
   * limit too small to hold even the stand-in (never the API's): then nothing of it is sent.
   */
  readonly truncated: boolean;
}

/**
 * What adding one row produced. `oversized` is set when the row alone exceeded the limit and its
 * stand-in ({@link standInRow}) was added in its place, under the same index.
 */
export type AddResult =
  | { readonly kind: 'buffered'; readonly oversized?: OversizedRecord }
  /** The row did not fit: here is the full batch before it (the row starts the next one). */
  | { readonly kind: 'batch'; readonly batch: RowBatch; readonly oversized?: OversizedRecord }
  /** The row exceeded the limit and not even its stand-in fits: nothing of it is sent. */
  | { readonly kind: 'oversized'; readonly record: OversizedRecord };

/**
 * Packs rows into batches of at most {@link MAX_BATCH_BYTES} of JSON. Each row is serialized once
 * ({@link rowJson}), measured in UTF-8 bytes and written straight into the batch's buffer, which
 * becomes the request body. A row too large for a request on its own is replaced by its stand-in
 * ({@link standInRow}), in its place among the rows.
 */
export class RowBatcher {
  /** Made at a batch's first row, so an object's last batch leaves no empty buffer behind. */
  #buffer: Buffer | undefined;
  #count = 0;
  #firstIndex = -1;
  #lastIndex = -1;
  /** Bytes written: `[`, the rows and their commas (`]` is added when the batch is taken). */
  #bytes = 1;
  /** Whether a row of the batch being filled carries source text (see {@link RowBatch.verbatim}). */
  #verbatim = false;

  public constructor(private readonly maxBytes: number = MAX_BATCH_BYTES) {}

  /** Rows buffered and not yet returned in a batch. */
  public get pendingRows(): number {
    return this.#count;
  }

  public add(row: Row, index: number): AddResult {
    const { json, verbatim } = rowJson(row);
    const size = Buffer.byteLength(json, 'utf8');
    // A batch of this row alone: the row and the two brackets.
    if (size + 2 > this.maxBytes) return this.addStandIn(row, index, json, size);
    return this.append(json, size, verbatim, index);
  }

  /** The pending rows as a batch (or undefined if none), leaving the batcher empty. */
  public flush(): RowBatch | undefined {
    return this.#count > 0 ? this.take() : undefined;
  }

  private addStandIn(row: Row, index: number, json: string, size: number): AddResult {
    const standIn = standInRow(row, json, size, this.maxBytes);
    if (standIn === undefined) return { kind: 'oversized', record: { index, bytes: size, truncated: false } };
    const standInJson = JSON.stringify(standIn);
    const added = this.append(standInJson, Buffer.byteLength(standInJson, 'utf8'), false, index);
    return { ...added, oversized: { index, bytes: size, truncated: true } };
  }

  /** Writes one row's JSON of `size` bytes (at most `maxBytes - 2`) into the batch. */
  private append(
    json: string,
    size: number,
    verbatim: boolean,
    index: number,
  ): Exclude<AddResult, { kind: 'oversized' }> {
    // +1 for the comma before it and +1 for the closing bracket.
    const full = this.#count > 0 && this.#bytes + 1 + size + 1 > this.maxBytes ? this.take() : undefined;
    const buffer = (this.#buffer ??= this.newBuffer());
    if (this.#count > 0) buffer[this.#bytes++] = 0x2c; // ','
    this.#bytes += buffer.write(json, this.#bytes, 'utf8');
    this.#verbatim ||= verbatim;
    this.#count += 1;
    if (this.#firstIndex < 0) this.#firstIndex = index;
    this.#lastIndex = index;
    return full !== undefined ? { kind: 'batch', batch: full } : { kind: 'buffered' };
  }

  private newBuffer(): Buffer {
    // A buffer per batch: the one taken is the request body until its upload settles.
    const buffer = Buffer.allocUnsafe(this.maxBytes);
    buffer[0] = 0x5b; // '['
    return buffer;
  }

  private take(): RowBatch {
    const buffer = this.#buffer!;
    buffer[this.#bytes++] = 0x5d; // ']'
    const batch: RowBatch = {
      body: buffer.subarray(0, this.#bytes),
      count: this.#count,
      firstIndex: this.#firstIndex,
      lastIndex: this.#lastIndex,
      bytes: this.#bytes,
      verbatim: this.#verbatim,
    };
    this.#buffer = undefined;
    this.#count = 0;
    this.#firstIndex = -1;
    this.#lastIndex = -1;
    this.#bytes = 1;
    this.#verbatim = false;
    return batch;
  }
}

/**
 * What is sent in place of a row too large for one request: the row's provenance columns (so its
 * S3 location, bucket, key and `RecordIndex`, leads to the whole record, and its `RecordId` is the
 * one the row would have had), `OriginalRecordBytes` (the row's JSON size, `bytes`) and
 * `TruncatedRecord`: the start of the row's JSON, `json`, cut at a character boundary to at most
 * {@link MAX_FIELD_BYTES} bytes, and shorter if need be so that the stand-in fits a batch of
 * `maxBytes` on its own. Undefined when `maxBytes` cannot hold even the stand-in without text
 * (never under the API's limit: S3 keys are at most 1,024 bytes).
 */
export function standInRow(
  row: Row,
  json: string,
  bytes: number,
  maxBytes: number = MAX_BATCH_BYTES,
): Row | undefined {
  const standIn: Row = {};
  for (const { name } of PROVENANCE_COLUMNS) {
    if (row[name] !== undefined) standIn[name] = row[name];
  }
  standIn.OriginalRecordBytes = bytes;
  standIn.TruncatedRecord = '';
  // What the text may take once escaped in the stand-in's JSON, which with its brackets must fit.
  const room = maxBytes - 2 - Buffer.byteLength(JSON.stringify(standIn), 'utf8');
  if (room < 0) return undefined;
  standIn.TruncatedRecord = utf8Prefix(json, MAX_FIELD_BYTES, room);
  return standIn;
}

/**
 * The longest prefix of `text` made of whole characters (a surrogate pair is never split) that is
 * at most `maxBytes` in UTF-8 and at most `maxJsonBytes` as a JSON string's content, escaped as
 * `JSON.stringify` escapes it.
 */
export function utf8Prefix(text: string, maxBytes: number, maxJsonBytes: number): string {
  let bytes = 0;
  let jsonBytes = 0;
  let end = 0;
  while (end < text.length) {
    const code = text.codePointAt(end)!;
    const utf8 = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    const escaped = jsonEscapedBytes(code, utf8);
    if (bytes + utf8 > maxBytes || jsonBytes + escaped > maxJsonBytes) break;
    bytes += utf8;
    jsonBytes += escaped;
    end += code > 0xffff ? 2 : 1;
  }
  return text.slice(0, end);
}

/** Bytes `JSON.stringify` writes for code point `code` inside a string (`utf8`: its UTF-8 size). */
function jsonEscapedBytes(code: number, utf8: number): number {
  // \" \\ and \b \t \n \f \r (0x0b has no short escape).
  if (code === 0x22 || code === 0x5c || (code >= 0x08 && code <= 0x0d && code !== 0x0b)) return 2;
  // Other control characters and lone surrogates: \u0001, \ud800.
  if (code < 0x20 || (code >= 0xd800 && code <= 0xdfff)) return 6;
  return utf8;
}

/**
 * The row's JSON: `JSON.stringify(row)`, except that a column whose value is still the one its
 * `RawJson` was made for is written as that text, after the other columns, rather than serialized
 * again; `verbatim` says whether one was.
 */
export function rowJson(row: Row): { readonly json: string; readonly verbatim: boolean } {
  const raw = rawColumnsOf(row);
  if (raw === undefined) return { json: JSON.stringify(row), verbatim: false };
  // One JSON.stringify of the other columns: far cheaper than one call per column.
  const rest: Row = {};
  let tail = '';
  for (const name of Object.keys(row)) {
    const known = raw[name];
    if (known !== undefined && known.value === row[name]) tail += `,${JSON.stringify(name)}:${known.json}`;
    else rest[name] = row[name];
  }
  const head = JSON.stringify(rest);
  if (tail === '') return { json: head, verbatim: false };
  return { json: head === '{}' ? `{${tail.slice(1)}}` : `${head.slice(0, -1)}${tail}}`, verbatim: true };
}

/**
 * A batch body re-serialized the way `JSON.stringify` writes it: duplicate keys collapsed (the
 * last wins, as in `JSON.parse`), numbers out of range written as `null`, spacing removed. The
 * forwarder sends records as their own text (see `RawJson`), and how the Logs Ingestion API
 * treats what JSON.parse would normalize is not documented (AWS Network Firewall logs, for one,
 * repeat keys); when it refuses such a batch with a 400, the batch is sent once more in this form
 * rather than lost. Re-serializing can lengthen a number (`1e21` is `1e+21`), so a batch near the
 * limit may come back as two or more bodies of at most `maxBytes`. Undefined when the body is not
 * JSON or one row alone would exceed `maxBytes`.
 */
export function canonicalBodies(body: Buffer, maxBytes: number = MAX_BATCH_BYTES): Buffer[] | undefined {
  let rows: unknown[];
  try {
    rows = JSON.parse(body.toString('utf8')) as unknown[];
  } catch {
    // Not JSON at all: a bug this cannot mend; the original refusal is reported.
    return undefined;
  }
  const batcher = new RowBatcher(maxBytes);
  const bodies: Buffer[] = [];
  for (const [i, row] of rows.entries()) {
    const added = batcher.add(row as Row, i);
    // Its row fitted as first sent: cutting it now would lose what was not lost before.
    if (added.kind === 'oversized' || added.oversized !== undefined) return undefined;
    if (added.kind === 'batch') bodies.push(added.batch.body);
  }
  const last = batcher.flush();
  if (last !== undefined) bodies.push(last.body);
  return bodies;
}
