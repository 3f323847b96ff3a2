/**
 * Delivering one object, in three steps: open it, read its records into the uploader's batches,
 * and classify how that ended. Only a read that reached the object's end can be acknowledged: a
 * read that stopped early (time ran out, a batch failed, the body broke) is a failure with the
 * index to resume at, whatever it did or did not send before stopping.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import {
  classifyS3Error,
  ObjectAccessDeniedError,
  ObjectNotFoundError,
  TimeBudgetExhaustedError,
  type ForwarderError,
} from '../core/errors';
import type { Telemetry } from '../core/telemetry';
import type { FormatName } from '../formats';
import {
  AUTO_FORMAT,
  objectRoute,
  UNROUTED_OUTPUT,
  type FormatRoute,
  type LogFormat,
} from '../formats/routes';
import type { OversizedRecord } from '../io/batcher';
import type { NotifiedObject } from '../io/events';
import type { OpenObject } from '../io/s3-objects';
import type { DeliveryContext, DeliveryResult } from '../io/sentinel-uploader';
import type { ParseOutcome } from './parse-object';
import type { Row } from '../core/object-ref';

/**
 * Parses an object's body into rows (provenance + format columns), one array of outcomes per
 * decoded chunk: `parseObjectBatches` of `parse-object.ts`.
 */
export type ParseObject = (
  format: FormatName,
  body: AsyncIterable<Uint8Array>,
  object: NotifiedObject,
  options?: { readonly skipRecords?: number; readonly formatOptions?: unknown },
) => AsyncIterable<readonly ParseOutcome[]>;

/** The rows of one object on their way to the API (`ObjectDelivery` of the uploader). */
export interface Delivery {
  /**
   * Adds a row, to `output`'s stream for a multi-output format; a returned promise means a batch
   * was submitted: await it (backpressure).
   */
  add(row: Row, index: number, output?: string): Promise<void> | undefined;
  /** True once a batch failed or time ran out: stop reading. */
  readonly stopped: boolean;
  /**
   * Records so far whose row alone exceeds the request limit, each added as a truncated stand-in
   * in its place (unless `truncated` is false: then not sent).
   */
  readonly oversized: readonly OversizedRecord[];
  /** Sends what is buffered and waits for every batch in flight. */
  finish(): Promise<DeliveryResult>;
}

/** Starts deliveries (`SentinelUploader`). */
export interface Uploader {
  open(context: DeliveryContext, signal: AbortSignal): Delivery;
}

/** What delivering an object needs. */
export interface ObjectDeps {
  readonly producer: string;
  /** The producer's format, or `auto`: each object's format chosen by its key ({@link objectFormat}). */
  readonly format: LogFormat;
  /**
   * With `auto`: the producer's own routes (FORMAT_ROUTES, validated), tried before the default
   * routes. @default - none: the default routes only
   */
  readonly routes?: readonly FormatRoute[];
  /**
   * Options per format (FORMAT_OPTIONS, checked by each format's `options.parse`), given to the
   * parser of an object of that format. @default - every format's defaults
   */
  readonly formatOptions?: Readonly<Partial<Record<FormatName, unknown>>>;
  readonly openObject: OpenObject;
  readonly parse: ParseObject;
  readonly uploader: Uploader;
  readonly logger: Logger;
  readonly telemetry: Telemetry;
  /** Clock for the lag metric. @default Date.now */
  readonly now?: () => number;
}

/** How one object is parsed, and where its rows go. */
export interface ObjectFormat {
  /** The format that parses it. */
  readonly format: FormatName;
  /**
   * The output a row goes to (`Delivery.add`'s `output`), from the output the format named for it
   * (`ParseOutcome.output`): that one for a fixed format; under `auto`, the row's output key
   * (`<format>`, `<format>.<output>` or `unrouted`, see `lambda/formats/routes.ts`).
   */
  outputOf(output: string | undefined): string | undefined;
  /** Under `auto`: the format's name; undefined for a fixed format. */
  readonly routedFormat?: FormatName;
  /** Under `auto`: true when no route matched the key (the catch-all: `text` into `unrouted`). */
  readonly unrouted?: true;
}

/**
 * How the object at `key` is parsed: with the producer's format, or under `auto`, with the format
 * of the first route matching the key (the producer's routes, then the defaults), or else as
 * `text` into `unrouted`. A pure function of the key, so a continuation of an object resumes
 * with the same format and the same record indexes.
 */
export function objectFormat(key: string, deps: Pick<ObjectDeps, 'format' | 'routes'>): ObjectFormat {
  if (deps.format !== AUTO_FORMAT) return { format: deps.format, outputOf: (output) => output };
  const route = objectRoute(key, deps.routes);
  return {
    format: route.format,
    outputOf: (output) => route.outputKey(output),
    routedFormat: route.format,
    ...(route.route === undefined ? { unrouted: true as const } : {}),
  };
}

/** Where a retry of a failed object could resume (ARCHITECTURE.md: continuation message). */
export interface ResumePoint {
  readonly object: NotifiedObject;
  /** Records before this index were accepted by the API (an oversized one as its stand-in) or isolated as malformed. */
  readonly nextRecordIndex: number;
}

/** How delivering one object ended. */
export interface ObjectOutcome {
  /** `skipped`: nothing in the object is data for the format (a CloudTrail digest). */
  readonly status: 'delivered' | 'skipped' | 'failed';
  readonly recordsDelivered: number;
  readonly error?: ForwarderError;
  /** Set on `failed`. */
  readonly resumeAt?: ResumePoint;
}

/** Malformed lines logged one by one per object; the rest are counted, so a bad file can't flood the log. */
export const MAX_LOGGED_MALFORMED = 10;

/** Opens, reads and classifies one object, then logs and counts the outcome. Never throws. */
export async function deliverObject(
  notified: NotifiedObject,
  skipRecords: number,
  deps: ObjectDeps,
  signal: AbortSignal,
  messageId: string,
): Promise<ObjectOutcome> {
  const startedAt = Date.now();
  const opened = await openObject(notified, deps, signal);
  if ('error' in opened) {
    return {
      status: 'failed',
      recordsDelivered: 0,
      error: opened.error,
      resumeAt: { object: notified, nextRecordIndex: skipRecords },
    };
  }
  const { object } = opened;
  // Every line logged while this object is processed carries its bucket and key.
  const log = deps.logger.createChild({
    persistentKeys: { bucket: object.bucket, key: object.key, messageId },
  });
  if (object !== notified) {
    log.info('EventBridge key was not URL-encoded: the object was read by its key as written', {
      decodedKey: notified.key,
    });
  }
  const read = await readObject(opened, skipRecords, deps, signal, log);
  const outcome = classifyRead(read, object, deps.producer);
  report(outcome, read, { object, skipRecords, deps, log, startedAt });
  return outcome;
}

/** An object whose body is open; `object` is the key that opened (see {@link openObject}). */
export interface OpenedObject {
  readonly object: NotifiedObject;
  readonly body: AsyncIterable<Uint8Array>;
}

/**
 * Opens a notified object. For an EventBridge event whose key may not have been URL-encoded
 * (`rawKey`, see events.ts), a NoSuchKey or AccessDenied (what S3 answers for a missing key without
 * s3:ListBucket) on the decoded key gets one more GetObject with the key as written, and whichever
 * opened is the object from then on. Notification keys are documented as URL-encoded: no second try.
 */
export async function openObject(
  object: NotifiedObject,
  deps: Pick<ObjectDeps, 'producer' | 'openObject'>,
  signal: AbortSignal,
): Promise<OpenedObject | { readonly error: ForwarderError }> {
  const ctx = { producer: deps.producer, bucket: object.bucket };
  try {
    return { object, body: await deps.openObject(object, signal) };
  } catch (err) {
    // Cut off by the deadline, whoever the opener is: the time budget, as for a read (not S3's fault).
    if (signal.aborted) {
      return {
        error: new TimeBudgetExhaustedError(
          `producer ${deps.producer} s3://${object.bucket}/${object.key}: the invocation's time budget ran out ` +
            'while opening the object; the message returns to the queue.',
          { cause: err },
        ),
      };
    }
    const error = classifyS3Error(err, { ...ctx, key: object.key });
    const { rawKey, ...decoded } = object;
    const missing = error instanceof ObjectNotFoundError || error instanceof ObjectAccessDeniedError;
    if (!missing || rawKey === undefined || rawKey === object.key) return { error };
    const asWritten: NotifiedObject = { ...decoded, key: rawKey };
    try {
      return { object: asWritten, body: await deps.openObject(asWritten, signal) };
    } catch (second) {
      const retryError = classifyS3Error(second, { ...ctx, key: rawKey });
      // Missing under both keys: report the decoded one, the documented form. A transient failure
      // of the second try says nothing either way: report that, so the message is retried.
      return { error: retryError.retryable ? retryError : error };
    }
  }
}

/** What reading an object into the uploader came to. */
export interface ReadResult {
  /**
   * `complete`: every record was read; `not-data`: the parser found the object is not data for the
   * format; `stopped`: reading ended before the object's end (time ran out, a batch failed, or
   * the body failed: then `readError`).
   */
  readonly end: 'complete' | 'not-data' | 'stopped';
  /** Why the object is not data, when `end` is `not-data`. */
  readonly notDataReason?: string;
  /** Index of the first record not read. */
  readonly nextIndex: number;
  readonly malformed: number;
  /** Records that were not data for the format (no row, no index), counted. @default 0 */
  readonly skippedRecords?: number;
  /** The body failed (a network reset, a corrupt gzip) or time ran out while reading it. */
  readonly readError?: ForwarderError;
  /** The uploader's account of the rows it was given. */
  readonly delivery: DeliveryResult;
  /** Under `auto`: the format the object was parsed with. */
  readonly routedFormat?: FormatName;
  /** Under `auto`: no route matched the object's key, so it went to `unrouted` as text. */
  readonly unrouted?: true;
}

/**
 * Reads the object's records into a delivery, one parsed chunk at a time, until the object ends or
 * the delivery stops, then waits for the delivery to finish. Malformed records are logged (the
 * first {@link MAX_LOGGED_MALFORMED}) and counted; oversized ones, sent truncated, are logged as
 * they are found.
 */
export async function readObject(
  { object, body }: OpenedObject,
  skipRecords: number,
  deps: Pick<ObjectDeps, 'producer' | 'format' | 'routes' | 'formatOptions' | 'parse' | 'uploader'>,
  signal: AbortSignal,
  log: Logger,
): Promise<ReadResult> {
  const how = objectFormat(object.key, deps);
  if (how.unrouted) {
    // Bucket and key come with `log`. Not an error: the rows are sent, to the catch-all table.
    log.warn(
      `No route matched key ${object.key}; add a route naming its format to the producer's routes ` +
        `(FORMAT_ROUTES). Until then its lines are sent as text to the ${UNROUTED_OUTPUT} stream.`,
    );
  }
  const delivery = deps.uploader.open({ bucket: object.bucket, key: object.key }, signal);
  const progress = { nextIndex: skipRecords, malformed: 0, skippedRecords: 0, oversizedLogged: 0 };
  const logOversized = (): void => {
    // Bucket and key come with `log`; never the record's content.
    for (const record of delivery.oversized.slice(progress.oversizedLogged)) {
      log.warn(
        record.truncated
          ? 'Record larger than one Logs Ingestion API request allows: sent truncated, with its S3 location'
          : 'Record isolated: larger than one Logs Ingestion API request allows; not sent',
        { recordIndex: record.index, recordBytes: record.bytes },
      );
    }
    progress.oversizedLogged = delivery.oversized.length;
  };

  let end: ReadResult['end'] = 'complete';
  let notDataReason: string | undefined;
  let readError: ForwarderError | undefined;
  try {
    const formatOptions = deps.formatOptions?.[how.format];
    const options = formatOptions !== undefined ? { skipRecords, formatOptions } : { skipRecords };
    for await (const items of deps.parse(how.format, body, object, options)) {
      const step = await addItems(items, delivery, progress, log, how);
      logOversized();
      if (typeof step === 'object') {
        end = 'not-data';
        notDataReason = step.notData;
        break;
      }
      // Time ran out or a batch failed: stop reading now rather than at the next full batch.
      if (step === 'stop' || delivery.stopped) {
        end = 'stopped';
        break;
      }
    }
  } catch (err) {
    end = 'stopped';
    readError = signal.aborted
      ? new TimeBudgetExhaustedError(
          `producer ${deps.producer} s3://${object.bucket}/${object.key}: the invocation's time budget ran ` +
            'out while reading the object; the message returns to the queue.',
          { cause: err },
        )
      : classifyS3Error(err, { producer: deps.producer, bucket: object.bucket, key: object.key });
  }
  const result = await delivery.finish();
  logOversized();
  return {
    end,
    ...(notDataReason !== undefined ? { notDataReason } : {}),
    nextIndex: progress.nextIndex,
    malformed: progress.malformed,
    skippedRecords: progress.skippedRecords,
    ...(readError !== undefined ? { readError } : {}),
    delivery: result,
    ...(how.routedFormat !== undefined ? { routedFormat: how.routedFormat } : {}),
    ...(how.unrouted ? { unrouted: true as const } : {}),
  };
}

/** Hands one chunk's outcomes to the delivery: `stop` once it stopped, `{ notData }` for a skipped object. */
async function addItems(
  items: readonly ParseOutcome[],
  delivery: Delivery,
  progress: { nextIndex: number; malformed: number; skippedRecords: number },
  log: Logger,
  how: ObjectFormat,
): Promise<'go' | 'stop' | { notData: string }> {
  for (const item of items) {
    if (item.kind === 'skipped-object') return { notData: item.reason };
    if (item.kind === 'skipped-record') {
      progress.skippedRecords += 1;
      continue;
    }
    progress.nextIndex = item.index + 1;
    if (item.kind === 'malformed') {
      progress.malformed += 1;
      if (progress.malformed <= MAX_LOGGED_MALFORMED) {
        log.warn('Malformed record isolated; the rest of the object is still sent', {
          lineNumber: item.lineNumber,
          recordIndex: item.index,
          reason: item.reason,
        });
      }
      continue;
    }
    // Single-output rows of a fixed format keep the two-argument call.
    const output = how.outputOf(item.output);
    const pending =
      output !== undefined ? delivery.add(item.row, item.index, output) : delivery.add(item.row, item.index);
    if (pending !== undefined) {
      await pending;
      if (delivery.stopped) return 'stop';
    }
  }
  return 'go';
}

/**
 * How the object fared, from what reading it came to: failed if the delivery or the read failed
 * or the read stopped short of the end, resuming at the first record not accepted; skipped if it
 * is not data for the format; delivered otherwise.
 */
export function classifyRead(read: ReadResult, object: NotifiedObject, producer: string): ObjectOutcome {
  const { delivery } = read;
  const error =
    delivery.error ??
    read.readError ??
    (read.end === 'stopped'
      ? new TimeBudgetExhaustedError(
          `producer ${producer} s3://${object.bucket}/${object.key}: the invocation's time budget ran out ` +
            `before record ${read.nextIndex} was read; the rest of the object returns to the queue.`,
        )
      : undefined);
  if (error !== undefined) {
    return {
      status: 'failed',
      recordsDelivered: delivery.recordsDelivered,
      error,
      resumeAt: { object, nextRecordIndex: delivery.firstUndeliveredIndex ?? read.nextIndex },
    };
  }
  if (read.end === 'not-data' && delivery.recordsDelivered === 0) {
    return { status: 'skipped', recordsDelivered: 0 };
  }
  return { status: 'delivered', recordsDelivered: delivery.recordsDelivered };
}

/** Logs and counts an object's outcome. */
function report(
  outcome: ObjectOutcome,
  read: ReadResult,
  at: {
    readonly object: NotifiedObject;
    readonly skipRecords: number;
    readonly deps: ObjectDeps;
    readonly log: Logger;
    readonly startedAt: number;
  },
): void {
  const { deps, log } = at;
  const { delivery } = read;
  if (delivery.resentCanonical > 0) {
    log.warn(
      'The Logs Ingestion API refused records sent as their own text (HTTP 400); sent again re-serialized, ' +
        'with duplicate keys collapsed and out-of-range numbers as null',
      { batches: delivery.resentCanonical },
    );
  }
  deps.telemetry.malformedLines(read.malformed);
  deps.telemetry.skippedRecords(read.skippedRecords ?? 0);
  deps.telemetry.oversizedRecords(delivery.oversized.length);
  if (read.malformed > MAX_LOGGED_MALFORMED) {
    log.warn('More malformed lines were isolated than were logged', { malformedLines: read.malformed });
  }
  if (outcome.status === 'failed') {
    deps.telemetry.partialDelivery(
      delivery.recordsDelivered,
      delivery.bytesDelivered,
      delivery.recordsFailed,
    );
    return;
  }
  if (outcome.status === 'skipped') {
    deps.telemetry.skippedObject();
    log.info('Object skipped: not data for this format', { reason: read.notDataReason });
    return;
  }
  const eventTime = Date.parse(at.object.eventTime);
  const lagMs = Number.isFinite(eventTime) ? (deps.now ?? Date.now)() - eventTime : undefined;
  deps.telemetry.objectDelivered(delivery.recordsDelivered, delivery.bytesDelivered, lagMs);
  // Counted once per object, when it is delivered (a continuation's first part is not).
  if (read.unrouted) deps.telemetry.unroutedObject();
  log.info('Object delivered', {
    ...(read.routedFormat !== undefined
      ? { format: read.unrouted ? UNROUTED_OUTPUT : read.routedFormat }
      : {}),
    records: delivery.recordsDelivered,
    bytes: delivery.bytesDelivered,
    batches: delivery.batchesDelivered,
    malformedLines: read.malformed,
    ...((read.skippedRecords ?? 0) > 0 ? { skippedRecords: read.skippedRecords } : {}),
    oversizedRecords: delivery.oversized.length,
    ...(at.skipRecords > 0 ? { resumedAtRecord: at.skipRecords } : {}),
    lagMs,
    durationMs: Date.now() - at.startedAt,
  });
}
