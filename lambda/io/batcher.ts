import type { Row } from '../core/object-ref';
import { rawColumnsOf } from '../formats/raw-json';

/**
 * Most bytes of JSON (the whole array: brackets, commas and rows) the forwarder puts in one request.
 * The Logs Ingestion API refuses calls over 1 MB with 413; 1,000,000 bytes is under that limit
 * whether Azure means 10^6 or 2^20 (and is where `@azure/monitor-ingestion`'s own chunker splits).
 * Every batch is one request and holds rows of one object only, so a failed request maps back to
 * exact row indexes of one object.
 */
export const MAX_BATCH_BYTES = 1_000_000;

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

/** A record too large to send on its own: isolated and reported, never sent. */
export interface OversizedRecord {
  readonly index: number;
  readonly bytes: number;
}

/** What adding one row produced. */
export type AddResult =
  | { readonly kind: 'buffered' }
  /** The row did not fit: here is the full batch before it (the row starts the next one). */
  | { readonly kind: 'batch'; readonly batch: RowBatch }
  | { readonly kind: 'oversized'; readonly record: OversizedRecord };

/**
 * Packs rows into batches of at most {@link MAX_BATCH_BYTES} of JSON. Each row is serialized once
 * ({@link rowJson}), measured in UTF-8 bytes and written straight into the batch's buffer, which
 * becomes the request body.
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
    if (size + 2 > this.maxBytes) return { kind: 'oversized', record: { index, bytes: size } };
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

  /** The pending rows as a batch (or undefined if none), leaving the batcher empty. */
  public flush(): RowBatch | undefined {
    return this.#count > 0 ? this.take() : undefined;
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
    if (added.kind === 'oversized') return undefined;
    if (added.kind === 'batch') bodies.push(added.batch.body);
  }
  const last = batcher.flush();
  if (last !== undefined) bodies.push(last.body);
  return bodies;
}
