import { JsonRow, rowOriginOf, type RawJson, type Row } from '../pipeline/rows';

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
  /** The request body: the rows as one JSON array, UTF-8, serialized once while measuring them. */
  readonly body: Buffer;
  /** Number of rows. */
  readonly count: number;
  /** Record index of the first and last row (inclusive). */
  readonly firstIndex: number;
  readonly lastIndex: number;
  /** Serialized size of the batch as a JSON array, in bytes (UTF-8). */
  readonly bytes: number;
  /**
   * Whether some row carries a column as its record's own source text ({@link RawJson}), which may
   * hold what `JSON.parse` would normalize: duplicate keys, numbers out of range. See
   * {@link canonicalBody}.
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
 * A free list of equal-sized buffers. Batch buffers live outside the V8 heap, where the garbage
 * collector frees them late; reusing them keeps the forwarder's memory flat however large the object.
 */
export class BufferPool {
  readonly #free: Buffer[] = [];

  /** @param keep most free buffers kept for reuse (the rest are left to the garbage collector) */
  public constructor(
    public readonly size: number,
    private readonly keep: number,
  ) {}

  /**
   * A buffer of `size` bytes, in a SharedArrayBuffer: the compressing worker thread reads a batch
   * in place (see GzipWorker).
   */
  public acquire(): Buffer {
    return this.#free.pop() ?? Buffer.from(new SharedArrayBuffer(this.size));
  }

  /** Gives back a buffer (or a view of one) from `acquire`; its content must no longer be in use. */
  public release(buffer: Buffer): void {
    const whole =
      buffer.byteOffset === 0 && buffer.buffer.byteLength >= this.size
        ? Buffer.from(buffer.buffer, 0, this.size)
        : undefined;
    if (whole !== undefined && this.#free.length < this.keep) this.#free.push(whole);
  }
}

const CLOSING_BRACE = Buffer.from('}');

/** Most bytes one UTF-16 code unit pair takes in UTF-8: a write with this much room left was whole. */
const MAX_UTF8_BYTES_PER_CHARACTER = 4;

/**
 * Packs rows into batches of at most {@link MAX_BATCH_BYTES} of JSON, measuring each row's
 * serialized UTF-8 size exactly. Each row is serialized once, straight into the batch's buffer: the
 * buffer is the request body, so nothing is serialized or joined again, and the garbage collector
 * has no row strings left to trace once a row is added.
 *
 * A row made by {@link RowFactory} is written in pieces: its provenance columns from the object's
 * template, then each format column, a {@link RawJson} one as its source text. Writing the pieces
 * one after another, rather than concatenating them first, spares copying every record's text into
 * a joined string and a second pass to measure it; whether a row fitted is read off the bytes
 * written, and it is measured exactly only when it may not have.
 */
export class RowBatcher {
  #buffer: Buffer;
  #count = 0;
  #firstIndex = -1;
  #lastIndex = -1;
  /** Bytes written to the buffer: `[`, the rows and their commas (`]` is added when taken). */
  #bytes = 1;
  /** False once a piece of the row being written may have been cut short by the buffer's end. */
  #whole = true;
  /** Whether a row of the batch being filled carries source text (see {@link RowBatch.verbatim}). */
  #verbatim = false;

  /**
   * @param pool where batch buffers come from; give the same pool buffers back (`release`) once a
   *   batch is sent, so memory stays at a few buffers however many batches an object makes
   */
  public constructor(
    private readonly maxBytes: number = MAX_BATCH_BYTES,
    private readonly pool: BufferPool = new BufferPool(maxBytes, 0),
  ) {
    if (pool.size < maxBytes) {
      throw new RangeError(`BufferPool buffers of ${pool.size} bytes cannot hold batches of ${maxBytes}`);
    }
    this.#buffer = this.newBuffer();
  }

  /** Rows buffered and not yet returned in a batch. */
  public get pendingRows(): number {
    return this.#count;
  }

  public add(row: Row | JsonRow, index: number): AddResult {
    const start = this.#bytes;
    if (this.#count > 0) this.#buffer[this.#bytes++] = 0x2c; // ','
    this.#whole = true;
    // In pieces (see the class comment); #put notes a piece the buffer's end may have cut short.
    if (row instanceof JsonRow) {
      this.#put(row.factory.ownJson(row.index, row.time));
      this.#putBytes(row.factory.sharedJsonBytes(row.column));
      this.#putBytes(row.json);
      this.#putBytes(CLOSING_BRACE);
    } else {
      emitRowJson(row, this.#put);
    }
    // +1 for the closing bracket.
    if (this.#whole && this.#bytes + 1 <= this.maxBytes) {
      this.counted(index, row);
      return { kind: 'buffered' };
    }
    // It did not fit, or may not have: measure it exactly (about once per batch).
    this.#bytes = start;
    const json = rowJson(row);
    const size = Buffer.byteLength(json, 'utf8');
    if (size + 2 > this.maxBytes) return { kind: 'oversized', record: { index, bytes: size } };
    let full: RowBatch | undefined;
    // +1 for the comma before it (or nothing, if first) and +1 for the closing bracket.
    if (this.#count > 0 && this.#bytes + 1 + size + 1 > this.maxBytes) full = this.take();
    if (this.#count > 0) this.#buffer[this.#bytes++] = 0x2c; // ','
    this.#bytes += this.#buffer.write(json, this.#bytes, 'utf8');
    this.counted(index, row);
    return full !== undefined ? { kind: 'batch', batch: full } : { kind: 'buffered' };
  }

  /** The pending rows as a batch (or undefined if none), leaving the batcher empty. */
  public flush(): RowBatch | undefined {
    return this.#count > 0 ? this.take() : undefined;
  }

  private counted(index: number, row: Row | JsonRow): void {
    if (row instanceof JsonRow || rowOriginOf(row)?.raw !== undefined) this.#verbatim = true;
    this.#count += 1;
    if (this.#firstIndex < 0) this.#firstIndex = index;
    this.#lastIndex = index;
  }

  /**
   * Writes `text` as UTF-8 at the end of the buffer. `Buffer.write` stops at the buffer's end
   * without an error, so a write that left fewer bytes than one character takes is checked exactly.
   */
  readonly #put = (text: string): void => {
    if (!this.#whole) return;
    const room = this.#buffer.length - this.#bytes;
    const written = room > 0 ? this.#buffer.write(text, this.#bytes, 'utf8') : 0;
    this.#bytes += written;
    if (room - written < MAX_UTF8_BYTES_PER_CHARACTER && written !== Buffer.byteLength(text, 'utf8')) {
      this.#whole = false;
    }
  };

  /** Copies `bytes` to the end of the buffer if they fit whole, else notes the row did not fit. */
  #putBytes(bytes: Buffer): void {
    if (!this.#whole) return;
    if (this.#buffer.length - this.#bytes < bytes.length) {
      this.#whole = false;
      return;
    }
    // TypedArray#set rather than Buffer#copy: the same copy without Buffer's argument handling.
    this.#buffer.set(bytes, this.#bytes);
    this.#bytes += bytes.length;
  }

  private newBuffer(): Buffer {
    const buffer = this.pool.acquire();
    buffer[0] = 0x5b; // '['
    return buffer;
  }

  private take(): RowBatch {
    this.#buffer[this.#bytes++] = 0x5d; // ']'
    const batch: RowBatch = {
      body: this.#buffer.subarray(0, this.#bytes),
      count: this.#count,
      firstIndex: this.#firstIndex,
      lastIndex: this.#lastIndex,
      bytes: this.#bytes,
      verbatim: this.#verbatim,
    };
    this.#verbatim = false;
    this.#buffer = this.newBuffer();
    this.#count = 0;
    this.#firstIndex = -1;
    this.#lastIndex = -1;
    this.#bytes = 1;
    return batch;
  }
}

/** The row's JSON as {@link RowBatcher} writes it, as one string: for the rare row measured exactly. */
function rowJson(row: Row | JsonRow): string {
  if (row instanceof JsonRow) {
    return `${row.factory.headJson(row.index, row.time)}${memberPrefix(row.column, true)}${row.json.toString('utf8')}}`;
  }
  let json = '';
  emitRowJson(row, (text) => (json += text));
  return json;
}

/**
 * Hands `emit` the row's JSON in pieces, in order: `JSON.stringify(row)`, except that a row made by
 * {@link RowFactory} starts with its provenance columns from the object's template, and a column
 * whose value is still the one its {@link RawJson} was made for is written as that text, not
 * serialized again. Member order and omissions follow `JSON.stringify`.
 */
function emitRowJson(row: Row, emit: (text: string) => void): void {
  const origin = rowOriginOf(row);
  if (origin === undefined) {
    emit(JSON.stringify(row));
    return;
  }
  const keys = Object.keys(row);
  const head = origin.factory.provenanceJson(row, keys);
  // Provenance changed since the row was made: every column is serialized like the format's.
  let comma = head !== undefined;
  emit(head ?? '{');
  for (let i = comma ? origin.factory.provenanceColumns : 0; i < keys.length; i++) {
    const text = columnJson(row, keys[i], origin.raw);
    if (text === undefined) continue;
    emit(memberPrefix(keys[i], comma));
    emit(text);
    comma = true;
  }
  emit('}');
}

/**
 * The JSON of column `name` of `row`: its {@link RawJson} text while the value is still the one the
 * text was made for, else `JSON.stringify` of the value — undefined (the member is omitted) for
 * undefined, functions and symbols, as in `JSON.stringify(row)`.
 */
function columnJson(
  row: Row,
  name: string,
  raw: Readonly<Record<string, RawJson>> | undefined,
): string | undefined {
  const value = row[name];
  const known = raw?.[name];
  return known !== undefined && known.value === value ? known.json : JSON.stringify(value);
}

/**
 * `"name":` (`,"name":` when `comma`) of column names seen so far. Rows repeat the same handful of
 * columns, and skipping a JSON.stringify per column makes serializing about 20% faster. Bounded, in
 * case a caller ever sends rows with ever-new keys.
 */
const memberPrefixes = new Map<string, string>();
const MAX_MEMBER_PREFIXES = 1024;

function memberPrefix(name: string, comma: boolean): string {
  let prefix = memberPrefixes.get(name);
  if (prefix === undefined) {
    prefix = `,${JSON.stringify(name)}:`;
    if (memberPrefixes.size < MAX_MEMBER_PREFIXES) memberPrefixes.set(name, prefix);
  }
  return comma ? prefix : prefix.slice(1);
}

/**
 * A batch body re-serialized the way `JSON.stringify` writes it: duplicate keys collapsed (the
 * last wins, as in `JSON.parse`), numbers out of range written as `null`, spacing removed. The
 * forwarder sends records as their own text (see {@link RawJson}), and how the Logs Ingestion API
 * treats what JSON.parse would normalize is not documented (AWS Network Firewall logs, for one,
 * repeat keys); when it refuses such a batch with a 400, the batch is sent once more in this form
 * rather than lost. Undefined when the result would exceed `maxBytes`.
 */
export function canonicalBody(body: Buffer, maxBytes: number = MAX_BATCH_BYTES): Buffer | undefined {
  let canonical: Buffer;
  try {
    canonical = Buffer.from(JSON.stringify(JSON.parse(body.toString('utf8'))), 'utf8');
  } catch {
    // Not JSON at all: a bug this cannot mend; the original refusal is reported.
    return undefined;
  }
  return canonical.length <= maxBytes ? canonical : undefined;
}
