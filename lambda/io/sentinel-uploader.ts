import {
  isAggregateLogsUploadError,
  LogsIngestionClient,
  type LogsIngestionClientOptions,
  type LogsUploadFailure,
} from '@azure/monitor-ingestion';
import type { TokenCredential } from '@azure/identity';
import type { ZlibOptions } from 'node:zlib';
import {
  BufferPool,
  canonicalBody,
  MAX_BATCH_BYTES,
  RowBatcher,
  type OversizedRecord,
  type RowBatch,
} from './batcher';
import type { JsonRow, Row } from '../pipeline/rows';
import { GzipWorker } from './gzip-worker';
import { classifyIngestionError, type ForwarderError, type IngestionTarget } from '../core/errors';

/**
 * Retries the SDK makes per request before the forwarder gives the message back to the queue.
 * Generous on purpose: the invocation's AbortSignal, not this count, normally ends a retry loop,
 * so an outage is ridden out for as long as the Lambda has time.
 */
const DEFAULT_RETRY = { maxRetries: 8, retryDelayInMs: 1_000, maxRetryDelayInMs: 30_000 };

/** Options of {@link createLogsIngestionClient}. */
export interface IngestionClientProps {
  readonly endpoint: string;
  readonly credential: TokenCredential;
  /** Merged over the forwarder's defaults (retry options); tests add `tlsOptions` to trust the emulator. */
  readonly clientOptions?: LogsIngestionClientOptions;
}

/** The SDK client with the forwarder's retry defaults. One per cold start: it keeps connections alive. */
export function createLogsIngestionClient(props: IngestionClientProps): LogsIngestionClient {
  const { clientOptions } = props;
  const client = new LogsIngestionClient(props.endpoint, props.credential, {
    ...clientOptions,
    retryOptions: { ...DEFAULT_RETRY, ...clientOptions?.retryOptions },
  });
  // The SDK sets `Content-Encoding: gzip` on every upload; this policy takes over the compressing.
  const removed = client.pipeline.removePolicy({ name: SDK_GZIP_POLICY });
  if (removed.length !== 1) {
    // A renamed SDK policy would gzip bodies twice: refuse to start rather than send garbage.
    throw new Error(
      `@azure/monitor-ingestion no longer has a '${SDK_GZIP_POLICY}' pipeline policy to replace`,
    );
  }
  client.pipeline.addPolicy(batchBodyPolicy);
  return client;
}

/** Name of `@azure/monitor-ingestion`'s policy that gzips request bodies (level 6). */
const SDK_GZIP_POLICY = 'GzippingPolicy';
/**
 * gzip level of request bodies. zlib's fastest level: the forwarder is CPU-bound on a small
 * Lambda, and level 1 compresses JSON logs several-fold at a fraction of the default level's
 * (6) CPU, for somewhat larger bodies. The API's 1 MB limit is met before compression anyway.
 */
export const GZIP_LEVEL = 1;
/**
 * zlib's largest hash table (128 KiB more per stream than the default 8): on CloudTrail-like JSON
 * it compresses 15-25% faster at level 1 with the same ratio (measured with zlib.gzipSync on the
 * benchmark's data, 1 MB bodies).
 */
export const GZIP_MEM_LEVEL = 9;
const BATCH_MARKER = '__s3ToSentinelBatch';
/** Batches being uploaded, by id: the JSON each placeholder body stands for. */
const pendingBodies = new Map<number, Buffer>();
let nextBatchId = 0;
/**
 * Compresses request bodies off the main thread (see GzipWorker), one output chunk per body
 * (compressed batches are well under 256 KB). One per process, shared by every client.
 */
const compressor = new GzipWorker({ zlib: gzipOptions() });

/** The zlib options of request bodies: {@link GZIP_LEVEL}, {@link GZIP_MEM_LEVEL}, one output chunk. */
export function gzipOptions(): ZlibOptions {
  return { level: GZIP_LEVEL, memLevel: GZIP_MEM_LEVEL, chunkSize: 256 * 1024 };
}

/**
 * Sends a batch's JSON exactly as the batcher serialized (and measured) it, gzip-compressed.
 * `upload()` is given a one-row placeholder naming the batch; this policy swaps the placeholder
 * body for the batch's JSON. Without it every row would be serialized three times (once to
 * measure, once by the SDK's chunker, once as the request body): after parsing, the largest CPU
 * cost of the forwarder. It runs before the retry policy, so retries re-send the same bytes.
 * Compression runs on libuv's thread pool, beside the parsing on the main thread.
 */
const batchBodyPolicy = {
  name: 'S3ToSentinelBatchBody',
  sendRequest: async <R>(request: { body?: unknown }, next: (request: never) => Promise<R>): Promise<R> => {
    let body: unknown = request.body;
    if (typeof body === 'string' && body.startsWith(`[{"${BATCH_MARKER}":`)) {
      const id = (JSON.parse(body) as Record<string, number>[])[0][BATCH_MARKER];
      body = pendingBodies.get(id);
      // Never send the placeholder itself: fail this request loudly instead.
      if (body === undefined) throw new Error(`No pending batch ${id} for the request body`);
    }
    if (typeof body === 'string') {
      request.body = await compressor.compress(Buffer.from(body, 'utf8'));
    } else if (Buffer.isBuffer(body)) {
      request.body = await compressor.compress(body);
    }
    return next(request as never);
  },
};

/** Options of {@link SentinelUploader}. */
export interface SentinelUploaderProps {
  readonly client: LogsIngestionClient;
  readonly producer: string;
  readonly dcrImmutableId: string;
  readonly streamName: string;
  /** Batches of one object in flight at once (env UPLOAD_CONCURRENCY). */
  readonly concurrency: number;
  /** @default MAX_BATCH_BYTES (1,000,000) */
  readonly maxBatchBytes?: number;
}

/** How the rows of one object fared. */
export interface DeliveryResult {
  /** Rows the API accepted (204). */
  readonly recordsDelivered: number;
  /** Serialized JSON bytes of the accepted rows. */
  readonly bytesDelivered: number;
  readonly batchesDelivered: number;
  /** Rows handed to the uploader and not accepted: failed, aborted or never sent. */
  readonly recordsFailed: number;
  /** Records isolated because one alone exceeds the request limit; reported, not sent. */
  readonly oversized: readonly OversizedRecord[];
  /**
   * Batches the API refused (400) as the records' own text and that were sent once more
   * re-serialized (see `canonicalBody`), whatever the second answer.
   */
  readonly resentCanonical: number;
  /**
   * The lowest record index not accepted, or undefined if every row handed over was accepted.
   * Everything before it is in Sentinel: a continuation can resume here.
   */
  readonly firstUndeliveredIndex?: number;
  /** The first failure, classified; undefined when everything was accepted. */
  readonly error?: ForwarderError;
}

/** Where the rows come from, for error messages. */
export interface DeliveryContext {
  readonly bucket: string;
  readonly key: string;
}

/**
 * Sends rows to one DCR stream through `@azure/monitor-ingestion`'s LogsIngestionClient (its
 * pipeline: auth, retries with Retry-After, gzip, errors). The forwarder batches itself (see
 * `MAX_BATCH_BYTES`) and makes one `upload` call per batch, running up to `concurrency` of them at
 * once. Each call gets `maxConcurrency: 1` explicitly and carries a single chunk, so a failure
 * names exactly one batch, and the SDK cannot drop a chunk silently on abort (its pool stops
 * starting chunks once the signal fires, without reporting them): rows of batches not started
 * are counted here as failed.
 */
export class SentinelUploader {
  /** Batch buffers, reused across batches and objects: one per batch in flight plus the one filling. */
  readonly #pool: BufferPool;

  public constructor(private readonly props: SentinelUploaderProps) {
    this.#pool = new BufferPool(props.maxBatchBytes ?? MAX_BATCH_BYTES, props.concurrency + 1);
  }

  /** Starts delivering one object's rows; `signal` fires when the invocation's time budget ends. */
  public open(context: DeliveryContext, signal: AbortSignal): ObjectDelivery {
    return new ObjectDelivery(this.props, context, signal, this.#pool);
  }
}

/**
 * The delivery of one object's rows: `add` them in record order, then `finish`. `add` applies
 * backpressure (waits while `concurrency` batches are in flight), so a reader feeding it holds at
 * most `concurrency + 1` batches in memory whatever the object's size.
 */
export class ObjectDelivery {
  readonly #props: SentinelUploaderProps;
  readonly #target: IngestionTarget;
  readonly #signal: AbortSignal;
  readonly #batcher: RowBatcher;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #oversized: OversizedRecord[] = [];
  #delivered = 0;
  #bytes = 0;
  #batches = 0;
  #failed = 0;
  #firstUndelivered: number | undefined;
  #error: ForwarderError | undefined;
  #resentCanonical = 0;

  readonly #pool: BufferPool;

  public constructor(
    props: SentinelUploaderProps,
    context: DeliveryContext,
    signal: AbortSignal,
    pool: BufferPool,
  ) {
    this.#props = props;
    this.#target = {
      producer: props.producer,
      bucket: context.bucket,
      key: context.key,
      dcrImmutableId: props.dcrImmutableId,
      streamName: props.streamName,
    };
    this.#signal = signal;
    this.#pool = pool;
    this.#batcher = new RowBatcher(pool.size, pool);
  }

  /** True once a batch failed or time ran out: the caller should stop reading the object. */
  public get stopped(): boolean {
    return this.#error !== undefined || this.#signal.aborted;
  }

  /** Records isolated so far because one alone exceeds the request limit (reported, never sent). */
  public get oversized(): readonly OversizedRecord[] {
    return this.#oversized;
  }

  /**
   * Adds one row. Returns a promise only when the row completed a batch, which is then submitted:
   * await it, it resolves once there is room in flight (backpressure). Synchronous otherwise, so
   * the per-row cost is one `JSON.stringify` and no `await`.
   */
  public add(row: Row | JsonRow, index: number): Promise<void> | undefined {
    if (this.stopped) {
      this.#unsent(index, 1);
      return undefined;
    }
    const result = this.#batcher.add(row, index);
    if (result.kind === 'oversized') {
      this.#oversized.push(result.record);
      return undefined;
    }
    return result.kind === 'batch' ? this.#submit(result.batch) : undefined;
  }

  /** Sends what is buffered, waits for every batch in flight, and reports the outcome. */
  public async finish(): Promise<DeliveryResult> {
    const last = this.#batcher.flush();
    if (last !== undefined) await this.#submit(last);
    await Promise.all(this.#inFlight);
    if (this.#error === undefined && this.#signal.aborted && this.#failed > 0) {
      this.#error = classifyIngestionError(new Error('time budget exhausted'), this.#target, true);
    }
    return {
      recordsDelivered: this.#delivered,
      bytesDelivered: this.#bytes,
      batchesDelivered: this.#batches,
      recordsFailed: this.#failed,
      oversized: this.#oversized,
      resentCanonical: this.#resentCanonical,
      ...(this.#firstUndelivered !== undefined ? { firstUndeliveredIndex: this.#firstUndelivered } : {}),
      ...(this.#error !== undefined ? { error: this.#error } : {}),
    };
  }

  async #submit(batch: RowBatch): Promise<void> {
    while (this.#inFlight.size >= this.#props.concurrency) {
      await Promise.race(this.#inFlight);
    }
    if (this.stopped) {
      // Counted, not sent: the SDK would not report rows it never started on abort.
      this.#unsent(batch.firstIndex, batch.count);
      this.#pool.release(batch.body);
      return;
    }
    const upload = this.#upload(batch).finally(() => this.#inFlight.delete(upload));
    this.#inFlight.add(upload);
  }

  async #upload(batch: RowBatch): Promise<void> {
    let failures: LogsUploadFailure[];
    try {
      failures = await this.#send(batch.body);
      if (batch.verbatim && failures.length > 0 && statusOf(failures[0].cause) === 400) {
        // Refused as written: once more as JSON.stringify would write it (see canonicalBody).
        const canonical = canonicalBody(batch.body, this.#props.maxBatchBytes);
        if (canonical !== undefined) {
          this.#resentCanonical += 1;
          failures = await this.#send(canonical);
        }
      }
    } finally {
      // upload() has settled: no retry can read the body any more, so its buffer can be reused.
      this.#pool.release(batch.body);
    }
    if (failures.length === 0) {
      this.#delivered += batch.count;
      this.#bytes += batch.bytes;
      this.#batches += 1;
      return;
    }
    // One request per batch: a failure covers the whole batch.
    this.#unsent(batch.firstIndex, batch.count);
    this.#error ??= classifyIngestionError(failures[0].cause, this.#target, this.#signal.aborted);
  }

  /** One request with `body`; the failures the SDK reports (none on 204). */
  async #send(body: Buffer): Promise<LogsUploadFailure[]> {
    const { client, dcrImmutableId, streamName } = this.#props;
    const id = nextBatchId++;
    pendingBodies.set(id, body);
    try {
      // One placeholder row: the SDK makes exactly one request, whose body the policy above swaps.
      await client.upload(dcrImmutableId, streamName, [{ [BATCH_MARKER]: id }], {
        maxConcurrency: 1,
        abortSignal: this.#signal,
      });
      return [];
    } catch (err) {
      // The aggregate's message is empty: the causes are in `errors`, one per failed chunk.
      return isAggregateLogsUploadError(err) ? err.errors : [{ cause: err as Error, failedLogs: [] }];
    } finally {
      pendingBodies.delete(id);
    }
  }

  #unsent(firstIndex: number, rows: number): void {
    this.#failed += rows;
    if (this.#firstUndelivered === undefined || firstIndex < this.#firstUndelivered) {
      this.#firstUndelivered = firstIndex;
    }
  }
}

/** The HTTP status of a failed upload's cause, if it has one. */
function statusOf(cause: unknown): number | undefined {
  const status = (cause as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}
