import type { TokenCredential } from '@azure/identity';
import { promisify } from 'node:util';
import { gzip, type ZlibOptions } from 'node:zlib';
import { canonicalBodies, MAX_BATCH_BYTES, RowBatcher, type OversizedRecord, type RowBatch } from './batcher';
import {
  AdaptiveConcurrency,
  type Clock,
  type ThrottleEvent,
  type UploadPermit,
} from './adaptive-concurrency';
import { LogsIngestionSender, type LogsIngestionSenderOptions } from './logs-ingestion-sender';
import type { Row } from '../core/object-ref';
import {
  classifyIngestionError,
  IngestionUnavailableError,
  type ForwarderError,
  type IngestionTarget,
} from '../core/errors';

/**
 * Retries per request before the forwarder gives the message back to the queue.
 * Generous on purpose: the invocation's AbortSignal, not this count, normally ends a retry loop,
 * so an outage is ridden out for as long as the Lambda has time.
 */
const DEFAULT_RETRY = { maxRetries: 8, retryDelayInMs: 1_000, maxRetryDelayInMs: 30_000 };

/** Options of {@link createLogsIngestionClient}. */
export interface IngestionClientProps {
  readonly endpoint: string;
  readonly credential: TokenCredential;
  /** Merged over the forwarder's defaults (retry options); tests add `tlsOptions` to trust the emulator. */
  readonly clientOptions?: LogsIngestionSenderOptions;
}

/** The Logs Ingestion API client with the forwarder's retry defaults. One per cold start: it keeps connections alive. */
export function createLogsIngestionClient(props: IngestionClientProps): LogsIngestionSender {
  const { clientOptions } = props;
  return new LogsIngestionSender(props.endpoint, props.credential, {
    ...clientOptions,
    retryOptions: { ...DEFAULT_RETRY, ...clientOptions?.retryOptions },
  });
}

/**
 * gzip level of request bodies. zlib's fastest level: the forwarder is CPU-bound on a small
 * Lambda, and level 1 compresses JSON logs several-fold at a fraction of the default level's
 * (6) CPU, for somewhat larger bodies. The API's 1 MB limit is met before compression anyway.
 */
export const GZIP_LEVEL = 1;
/**
 * zlib's largest hash table (128 KiB more per stream than the default 8): on CloudTrail-like JSON
 * it compresses faster at level 1 with the same ratio.
 */
export const GZIP_MEM_LEVEL = 9;

/** The zlib options of request bodies: {@link GZIP_LEVEL}, {@link GZIP_MEM_LEVEL}, one output chunk. */
export function gzipOptions(): ZlibOptions {
  return { level: GZIP_LEVEL, memLevel: GZIP_MEM_LEVEL, chunkSize: 256 * 1024 };
}

/** zlib's async gzip: the compressing runs on libuv's thread pool, beside the parsing. */
const gzipAsync = promisify(gzip) as (buffer: Buffer, options: ZlibOptions) => Promise<Buffer>;

/** Options of {@link SentinelUploader}. */
export interface SentinelUploaderProps {
  /** Sends one compressed batch (a `LogsIngestionSender`; a unit test's stand-in). */
  readonly client: Pick<LogsIngestionSender, 'send'>;
  readonly producer: string;
  readonly dcrImmutableId: string;
  /**
   * Every DCR writing to the stream's table (a producer's shards, env DCR_IMMUTABLE_IDS): batches
   * are spread across them, each DCR with its own adaptive limit.
   * @default - [dcrImmutableId]
   */
  readonly dcrImmutableIds?: readonly string[];
  readonly streamName: string;
  /**
   * Batches in flight at most, over every DCR (env UPLOAD_CONCURRENCY): what bounds memory. Each
   * DCR's own limit starts here, halves on 429 and grows back on success (`AdaptiveConcurrency`).
   */
  readonly concurrency: number;
  /** @default MAX_BATCH_BYTES (1,000,000) */
  readonly maxBatchBytes?: number;
  /** Hears every 429: logs and the `Throttled` metric. */
  readonly onThrottle?: (event: ThrottleEvent) => void;
  /** Time for Retry-After pauses (tests). @default - real time */
  readonly clock?: Clock;
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
  /**
   * Records whose row alone exceeds the request limit: each sent as a truncated stand-in in its
   * place (counted in `recordsDelivered` once accepted), or, when `truncated` is false, not sent.
   */
  readonly oversized: readonly OversizedRecord[];
  /**
   * Batches the API refused (400) as the records' own text and that were sent once more
   * re-serialized (see `canonicalBodies`), whatever the second answer.
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
 * Sends rows to one DCR stream, or to the same stream of several DCRs (shards). The forwarder
 * batches itself (see `MAX_BATCH_BYTES`): each batch is serialized once, gzip-compressed once and
 * posted as one request (auth, retries with Retry-After: {@link LogsIngestionSender}) to the DCR
 * with the most room, so a failure names exactly one batch and one DCR. How many are in flight
 * adapts to throttling (`AdaptiveConcurrency`, one per uploader, so per cold start: what one object
 * learns, the next starts from). Rows of batches not started when time runs out are counted as failed.
 */
export class SentinelUploader {
  readonly #props: SentinelUploaderProps;
  readonly #limits: AdaptiveConcurrency;

  public constructor(props: SentinelUploaderProps) {
    this.#props = props;
    this.#limits = new AdaptiveConcurrency({
      keys: props.dcrImmutableIds ?? [props.dcrImmutableId],
      max: props.concurrency,
      ...(props.clock !== undefined ? { clock: props.clock } : {}),
      ...(props.onThrottle !== undefined ? { onThrottle: props.onThrottle } : {}),
    });
  }

  /** Each DCR's adaptive limit and uploads in flight, for logs and tests. */
  public get limits(): AdaptiveConcurrency {
    return this.#limits;
  }

  /** Starts delivering one object's rows; `signal` fires when the invocation's time budget ends. */
  public open(context: DeliveryContext, signal: AbortSignal): ObjectDelivery {
    return new ObjectDelivery(this.#props, this.#limits, context, signal);
  }
}

/**
 * The delivery of one object's rows: `add` them in record order, then `finish`. `add` applies
 * backpressure (waits while `concurrency` batches are in flight, or fewer while a DCR throttles),
 * so a reader feeding it holds at most `concurrency + 1` batches in memory whatever the object's size.
 */
export class ObjectDelivery {
  readonly #props: SentinelUploaderProps;
  readonly #limits: AdaptiveConcurrency;
  readonly #context: DeliveryContext;
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
  /** The DCR whose latest answer was a 429, until one of its requests is accepted. */
  #throttledBy: string | undefined;

  public constructor(
    props: SentinelUploaderProps,
    limits: AdaptiveConcurrency,
    context: DeliveryContext,
    signal: AbortSignal,
  ) {
    this.#props = props;
    this.#limits = limits;
    this.#context = context;
    this.#signal = signal;
    this.#batcher = new RowBatcher(props.maxBatchBytes ?? MAX_BATCH_BYTES);
  }

  /** True once a batch failed or time ran out: the caller should stop reading the object. */
  public get stopped(): boolean {
    return this.#error !== undefined || this.#signal.aborted;
  }

  /** Records so far whose row alone exceeds the request limit (see {@link DeliveryResult.oversized}). */
  public get oversized(): readonly OversizedRecord[] {
    return this.#oversized;
  }

  /**
   * Adds one row. Returns a promise only when the row completed a batch, which is then submitted:
   * await it, it resolves once there is room in flight (backpressure). Synchronous otherwise, so
   * the per-row cost is one serialization and no `await`.
   */
  public add(row: Row, index: number): Promise<void> | undefined {
    if (this.stopped) {
      this.#unsent(index, 1);
      return undefined;
    }
    const result = this.#batcher.add(row, index);
    if (result.kind === 'oversized') {
      this.#oversized.push(result.record);
      return undefined;
    }
    if (result.oversized !== undefined) this.#oversized.push(result.oversized);
    return result.kind === 'batch' ? this.#submit(result.batch) : undefined;
  }

  /** Sends what is buffered, waits for every batch in flight, and reports the outcome. */
  public async finish(): Promise<DeliveryResult> {
    const last = this.#batcher.flush();
    if (last !== undefined) await this.#submit(last);
    await Promise.all(this.#inFlight);
    if (this.#error === undefined && this.#signal.aborted && this.#failed > 0) {
      this.#error =
        this.#throttledBy !== undefined
          ? this.#throttledUntilDeadline(this.#throttledBy, undefined)
          : classifyIngestionError(
              new Error('time budget exhausted'),
              this.#target(this.#props.dcrImmutableId),
              true,
            );
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
    const permit = await this.#limits.acquire(this.#signal);
    if (permit === undefined || this.stopped) {
      permit?.release(false);
      this.#unsent(batch.firstIndex, batch.count);
      return;
    }
    const upload = this.#upload(batch, permit).finally(() => this.#inFlight.delete(upload));
    this.#inFlight.add(upload);
  }

  async #upload(batch: RowBatch, permit: UploadPermit): Promise<void> {
    let failure: Error | undefined;
    try {
      failure = await this.#send(batch.body, permit);
      if (failure !== undefined && batch.verbatim && statusOf(failure) === 400) {
        // Refused as written: once more as JSON.stringify would write it (see canonicalBodies).
        const canonical = canonicalBodies(batch.body, this.#props.maxBatchBytes);
        if (canonical !== undefined) {
          this.#resentCanonical += 1;
          failure = undefined;
          for (const body of canonical) failure ??= await this.#send(body, permit);
        }
      }
    } finally {
      permit.release(failure === undefined);
    }
    if (failure === undefined) {
      this.#delivered += batch.count;
      this.#bytes += batch.bytes;
      this.#batches += 1;
      return;
    }
    // One request per batch: a failure covers the whole batch.
    this.#unsent(batch.firstIndex, batch.count);
    this.#error ??=
      this.#signal.aborted && this.#throttledBy === permit.key
        ? this.#throttledUntilDeadline(permit.key, failure)
        : classifyIngestionError(failure, this.#target(permit.key), this.#signal.aborted);
  }

  /**
   * One request with `json` to the permit's DCR, compressed once (retries re-send the same bytes);
   * the error, if any. Each attempt's answer goes to the permit, which adapts the DCR's limit.
   */
  async #send(json: Buffer, permit: UploadPermit): Promise<Error | undefined> {
    const { client, streamName } = this.#props;
    try {
      const body = await gzipAsync(json, gzipOptions());
      await client.send(permit.key, streamName, body, {
        abortSignal: this.#signal,
        observer: {
          sending: () => permit.sending(),
          answered: (status, retryAfterMs) => {
            if (status === 429) this.#throttledBy = permit.key;
            else if (status === 204 && this.#throttledBy === permit.key) this.#throttledBy = undefined;
            permit.answered(status, retryAfterMs);
          },
        },
      });
      return undefined;
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err));
    }
  }

  #target(dcrImmutableId: string): IngestionTarget {
    return {
      producer: this.#props.producer,
      bucket: this.#context.bucket,
      key: this.#context.key,
      dcrImmutableId,
      streamName: this.#props.streamName,
    };
  }

  /**
   * Time ran out while `dcr` was throttling (its latest answer a 429, its Retry-After waited out in
   * the retry policy or the lane's pause): an outage of the API, not a slow invocation, so the
   * message is deferred with a delay (route-plan) rather than continued at once into more 429s.
   */
  #throttledUntilDeadline(dcr: string, cause: Error | undefined): IngestionUnavailableError {
    const { producer, streamName } = this.#props;
    const { bucket, key } = this.#context;
    return new IngestionUnavailableError(
      `producer ${producer} s3://${bucket}/${key}: the Logs Ingestion API kept throttling (HTTP 429) DCR ${dcr}, ` +
        `stream ${streamName}, until the invocation's time budget ran out; the message returns to the queue ` +
        "and unsent rows are sent again later. If this persists, the DCR's ingestion limits are below the " +
        "producer's rate: lower the forwarder's MaximumConcurrency or spread it over more DCRs (shards).",
      ...(cause !== undefined ? [{ cause }] : []),
    );
  }

  #unsent(firstIndex: number, rows: number): void {
    this.#failed += rows;
    if (this.#firstUndelivered === undefined || firstIndex < this.#firstUndelivered) {
      this.#firstUndelivered = firstIndex;
    }
  }
}

/** The HTTP status of a failed upload, if it has one. */
function statusOf(cause: unknown): number | undefined {
  const status = (cause as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}
