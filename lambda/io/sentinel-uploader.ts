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
import type { DcrOutputTarget } from '../contract/environment';
import {
  classifyIngestionError,
  ConfigurationError,
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
/**
 * How long a DCR that refuses the identity (401/403/404) while another DCR of the same stream
 * accepts it gets no batches: a new shard's role assignment takes up to 30 minutes to propagate.
 */
export const LANE_SUSPENSION_MS = 5 * 60_000;

/** A DCR taken out of service for {@link LANE_SUSPENSION_MS}; its batch went to another DCR. */
export interface LaneSuspension {
  readonly dcrImmutableId: string;
  readonly streamName: string;
  readonly status: number;
  readonly ms: number;
}

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
  /** Hears a DCR taken out of service for refusing the identity while its siblings accept it. */
  readonly onLaneSuspended?: (event: LaneSuspension) => void;
  /** Time for Retry-After pauses (tests). @default - real time */
  readonly clock?: Clock;
  /**
   * For a multi-output format (`FormatDefinition.outputs`, env DCR_OUTPUTS): per output name, the
   * stream its rows go to and the DCRs (shards) that declare that stream. A row added with an
   * output goes there; a row added without one goes to `streamName` on `dcrImmutableIds`.
   *
   * Each output is batched on its own (a request holds rows of one output only), and each DCR id,
   * over all outputs and `dcrImmutableIds`, is one lane of the adaptive limits, so outputs sharing
   * a DCR (one DCR with a data flow per stream) share its budget, and a batch only ever goes to a
   * DCR of its own output. Memory: up to one batch being filled per output, plus `concurrency`
   * batches in flight and the one waiting for room, each at most `maxBatchBytes`:
   * (outputs + concurrency + 1) × 1 MB at most.
   * @default - none: every row goes to `streamName`
   */
  readonly outputs?: Readonly<Record<string, DcrOutputTarget>>;
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
   * Everything before it is in Sentinel: a continuation can resume here. With outputs, the lowest
   * over all of them: rows of other outputs after it that were accepted are sent again on resume,
   * as duplicates with the same RecordId (removable with `summarize arg_max(…) by RecordId`).
   */
  readonly firstUndeliveredIndex?: number;
  /** The first failure, classified (it names the DCR and stream); undefined when everything was accepted. */
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
    const own = props.dcrImmutableIds ?? [props.dcrImmutableId];
    const outputIds = Object.values(props.outputs ?? {}).flatMap((o) => o.dcrImmutableIds);
    this.#limits = new AdaptiveConcurrency({
      // One lane per DCR, however many outputs write through it.
      keys: [...new Set([...own, ...outputIds])],
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

/** Where one output's rows go: its stream on its DCRs, batched on their own. */
interface Route {
  /** The output's name; undefined for the default route (`streamName`). */
  readonly output: string | undefined;
  readonly streamName: string;
  /** The lanes its batches may take; undefined for any (the default route without outputs). */
  readonly dcrImmutableIds: readonly string[] | undefined;
  readonly batcher: RowBatcher;
}

/**
 * The delivery of one object's rows: `add` them in record order, then `finish`. `add` applies
 * backpressure (waits while `concurrency` batches are in flight, or fewer while a DCR throttles),
 * so a reader feeding it holds at most `concurrency + 1` batches in memory whatever the object's
 * size, plus one batch being filled per output of a multi-output format.
 */
export class ObjectDelivery {
  readonly #props: SentinelUploaderProps;
  readonly #limits: AdaptiveConcurrency;
  readonly #context: DeliveryContext;
  readonly #signal: AbortSignal;
  /** One route per output, made at the output's first row; the default route under `undefined`. */
  readonly #routes = new Map<string | undefined, Route>();
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
  /** The stream of that 429's request, for the error message. */
  #throttledStream: string | undefined;

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
   * Adds one row, to `output`'s stream when given (a multi-output format's row; see
   * {@link SentinelUploaderProps.outputs}). Returns a promise only when the row completed a batch,
   * which is then submitted: await it, it resolves once there is room in flight (backpressure).
   * Synchronous otherwise, so the per-row cost is one serialization and no `await`.
   *
   * An output the uploader has no stream for is a wiring bug (DCR_OUTPUTS is checked against the
   * format when the config loads): the row is not sent, and the delivery stops with a
   * configuration error naming the output.
   */
  public add(row: Row, index: number, output?: string): Promise<void> | undefined {
    if (this.stopped) {
      this.#unsent(index, 1);
      return undefined;
    }
    const route = this.#route(output);
    if (route === undefined) {
      this.#unsent(index, 1);
      this.#error ??= this.#unknownOutput(output!);
      return undefined;
    }
    const result = route.batcher.add(row, index);
    if (result.kind === 'oversized') {
      this.#oversized.push(result.record);
      return undefined;
    }
    if (result.oversized !== undefined) this.#oversized.push(result.oversized);
    return result.kind === 'batch' ? this.#submit(result.batch, route) : undefined;
  }

  /** Sends what is buffered, waits for every batch in flight, and reports the outcome. */
  public async finish(): Promise<DeliveryResult> {
    // Each output's last batch, lowest first record first.
    const last = [...this.#routes.values()]
      .flatMap((route) => {
        const batch = route.batcher.flush();
        return batch !== undefined ? [{ batch, route }] : [];
      })
      .sort((a, b) => a.batch.firstIndex - b.batch.firstIndex);
    for (const { batch, route } of last) await this.#submit(batch, route);
    await Promise.all(this.#inFlight);
    if (this.#error === undefined && this.#signal.aborted && this.#failed > 0) {
      this.#error =
        this.#throttledBy !== undefined
          ? this.#throttledUntilDeadline(this.#throttledBy, this.#throttledStream, undefined)
          : classifyIngestionError(
              new Error('time budget exhausted'),
              this.#target(this.#props.dcrImmutableId, this.#props.streamName),
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

  /** The route of `output` (made at its first row); undefined when the uploader has no stream for it. */
  #route(output: string | undefined): Route | undefined {
    const known = this.#routes.get(output);
    if (known !== undefined) return known;
    const { outputs, maxBatchBytes } = this.#props;
    let route: Route;
    if (output === undefined) {
      route = {
        output,
        streamName: this.#props.streamName,
        // Without outputs every lane is this stream's: no restriction, as before outputs existed.
        dcrImmutableIds:
          outputs === undefined ? undefined : (this.#props.dcrImmutableIds ?? [this.#props.dcrImmutableId]),
        batcher: new RowBatcher(maxBatchBytes ?? MAX_BATCH_BYTES),
      };
    } else {
      const target = outputs !== undefined && Object.hasOwn(outputs, output) ? outputs[output] : undefined;
      if (target === undefined) return undefined;
      route = {
        output,
        streamName: target.streamName,
        dcrImmutableIds: target.dcrImmutableIds,
        batcher: new RowBatcher(maxBatchBytes ?? MAX_BATCH_BYTES),
      };
    }
    this.#routes.set(output, route);
    return route;
  }

  #unknownOutput(output: string): ConfigurationError {
    const { producer, outputs } = this.#props;
    const { bucket, key } = this.#context;
    const known = Object.keys(outputs ?? {});
    return new ConfigurationError(
      `producer ${producer} s3://${bucket}/${key}: a row is for output ${JSON.stringify(output)}, but the ` +
        `forwarder has no stream for it (DCR_OUTPUTS names ${known.length > 0 ? known.join(', ') : 'no outputs'}). ` +
        'Set DCR_OUTPUTS to a stream and DCRs for every output of the format, from the Azure stack outputs, ' +
        'and redeploy the AWS stack.',
    );
  }

  async #submit(batch: RowBatch, route: Route): Promise<void> {
    const permit = await this.#limits.acquire(this.#signal, route.dcrImmutableIds);
    if (permit === undefined || this.stopped) {
      permit?.release(false);
      this.#unsent(batch.firstIndex, batch.count);
      return;
    }
    const upload = this.#upload(batch, route, permit).finally(() => this.#inFlight.delete(upload));
    this.#inFlight.add(upload);
  }

  async #upload(batch: RowBatch, route: Route, permit: UploadPermit): Promise<void> {
    const { streamName } = route;
    let failure: Error | undefined;
    try {
      failure = await this.#send(batch.body, streamName, permit);
      if (failure !== undefined && batch.verbatim && statusOf(failure) === 400) {
        // Refused as written: once more as JSON.stringify would write it (see canonicalBodies).
        const canonical = canonicalBodies(batch.body, this.#props.maxBatchBytes);
        if (canonical !== undefined) {
          this.#resentCanonical += 1;
          failure = undefined;
          for (const body of canonical) failure ??= await this.#send(body, streamName, permit);
        }
      }
    } finally {
      permit.release(failure === undefined);
    }
    const status = failure !== undefined ? statusOf(failure) : undefined;
    // Another batch in flight on the same DCR may have had it suspended already.
    const already = this.#limits.isSuspended(permit.key);
    if (
      (status === 401 || status === 403 || status === 404) &&
      (already || this.#limits.suspend(permit.key, LANE_SUSPENSION_MS, route.dcrImmutableIds))
    ) {
      // One DCR refuses what its siblings accept (a shard not yet usable): the batch goes to another.
      if (!already) {
        this.#props.onLaneSuspended?.({
          dcrImmutableId: permit.key,
          streamName,
          status,
          ms: LANE_SUSPENSION_MS,
        });
      }
      const next = this.stopped ? undefined : await this.#limits.acquire(this.#signal, route.dcrImmutableIds);
      if (next !== undefined) return this.#upload(batch, route, next);
      // Time ran out (or another batch failed) first: unsent, not refused.
      this.#unsent(batch.firstIndex, batch.count);
      return;
    }
    if (failure === undefined) {
      this.#delivered += batch.count;
      this.#bytes += batch.bytes;
      this.#batches += 1;
      return;
    }
    // One request per batch: a failure covers the whole batch (of one output: its rows' indexes
    // need not be contiguous, and the lowest is what a resume needs).
    this.#unsent(batch.firstIndex, batch.count);
    this.#error ??=
      this.#signal.aborted && this.#throttledBy === permit.key
        ? this.#throttledUntilDeadline(permit.key, streamName, failure)
        : classifyIngestionError(failure, this.#target(permit.key, streamName), this.#signal.aborted);
  }

  /**
   * One request with `json` to the permit's DCR, compressed once (retries re-send the same bytes);
   * the error, if any. Each attempt's answer goes to the permit, which adapts the DCR's limit.
   */
  async #send(json: Buffer, streamName: string, permit: UploadPermit): Promise<Error | undefined> {
    const { client } = this.#props;
    try {
      const body = await gzipAsync(json, gzipOptions());
      await client.send(permit.key, streamName, body, {
        abortSignal: this.#signal,
        observer: {
          sending: () => permit.sending(),
          answered: (status, retryAfterMs) => {
            if (status === 429) {
              this.#throttledBy = permit.key;
              this.#throttledStream = streamName;
            } else if (status === 204 && this.#throttledBy === permit.key) this.#throttledBy = undefined;
            permit.answered(status, retryAfterMs);
          },
        },
      });
      return undefined;
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err));
    }
  }

  #target(dcrImmutableId: string, streamName: string): IngestionTarget {
    return {
      producer: this.#props.producer,
      bucket: this.#context.bucket,
      key: this.#context.key,
      dcrImmutableId,
      streamName,
    };
  }

  /**
   * Time ran out while `dcr` was throttling (its latest answer a 429, its Retry-After waited out in
   * the retry policy or the lane's pause): an outage of the API, not a slow invocation, so the
   * message is deferred with a delay (route-plan) rather than continued at once into more 429s.
   */
  #throttledUntilDeadline(
    dcr: string,
    stream: string | undefined,
    cause: Error | undefined,
  ): IngestionUnavailableError {
    const { producer } = this.#props;
    const streamName = stream ?? this.#props.streamName;
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
