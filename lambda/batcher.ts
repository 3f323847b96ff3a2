/**
 * Most bytes of JSON (the whole array: brackets, commas and rows) the forwarder puts in one request.
 * The Logs Ingestion API refuses calls over 1 MB with 413; `@azure/monitor-ingestion` splits what it
 * is given into chunks whose rows' JSON sums to under 1,000,000 bytes. Staying under that same number
 * means the SDK never re-splits a batch, so every request maps back to exactly one batch of one
 * object, and a failed request to exact row indexes.
 */
export const MAX_BATCH_BYTES = 1_000_000;

/** Rows of one object, in record order, ready for one upload request. */
export interface RowBatch {
  readonly rows: Record<string, unknown>[];
  /** Record index of the first and last row (inclusive). */
  readonly firstIndex: number;
  readonly lastIndex: number;
  /** Serialized size of the batch as a JSON array, in bytes (UTF-8). */
  readonly bytes: number;
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
 * Packs rows into batches of at most {@link MAX_BATCH_BYTES} of JSON, measuring each row's
 * serialized UTF-8 size exactly (one `JSON.stringify` per row), in record order.
 */
export class RowBatcher {
  #rows: Record<string, unknown>[] = [];
  #firstIndex = -1;
  #lastIndex = -1;
  /** Bytes of the pending batch as a JSON array: 2 for `[]`, plus rows, plus commas. */
  #bytes = 2;

  public constructor(private readonly maxBytes: number = MAX_BATCH_BYTES) {}

  /** Rows buffered and not yet returned in a batch. */
  public get pendingRows(): number {
    return this.#rows.length;
  }

  public add(row: Record<string, unknown>, index: number): AddResult {
    const size = Buffer.byteLength(JSON.stringify(row), 'utf8');
    if (size + 2 > this.maxBytes) return { kind: 'oversized', record: { index, bytes: size } };
    const added = size + (this.#rows.length > 0 ? 1 : 0);
    let full: RowBatch | undefined;
    if (this.#bytes + added > this.maxBytes) {
      full = this.take();
    }
    this.#rows.push(row);
    if (this.#firstIndex < 0) this.#firstIndex = index;
    this.#lastIndex = index;
    this.#bytes += size + (this.#rows.length > 1 ? 1 : 0);
    return full !== undefined ? { kind: 'batch', batch: full } : { kind: 'buffered' };
  }

  /** The pending rows as a batch (or undefined if none), leaving the batcher empty. */
  public flush(): RowBatch | undefined {
    return this.#rows.length > 0 ? this.take() : undefined;
  }

  private take(): RowBatch {
    const batch: RowBatch = {
      rows: this.#rows,
      firstIndex: this.#firstIndex,
      lastIndex: this.#lastIndex,
      bytes: this.#bytes,
    };
    this.#rows = [];
    this.#firstIndex = -1;
    this.#lastIndex = -1;
    this.#bytes = 2;
    return batch;
  }
}
