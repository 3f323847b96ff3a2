import type { Logger } from '@aws-lambda-powertools/logger';
import {
  BlockedByEarlierFailureError,
  classifyS3Error,
  ConfigurationError,
  CredentialError,
  CredentialRejectedError,
  ForwarderError,
  IngestionAuthorizationError,
  IngestionNotFoundError,
  IngestionUnavailableError,
  ObjectAccessDeniedError,
  ObjectNotFoundError,
  TimeBudgetExhaustedError,
  UnexpectedError,
} from '../core/errors';
import { parseMessageBody, type NotifiedObject } from '../io/events';
import { rowToSend, type FormatName, type ParseOutcome } from '../formats';
import type { SentinelUploader } from '../io/sentinel-uploader';
import type { Telemetry } from '../core/telemetry';

/**
 * Parses an object's body into rows (provenance + format columns), one array of outcomes per
 * decoded chunk: `parseObjectBatches` of `lambda/formats`.
 */
export type ParseObject = (
  format: FormatName,
  body: AsyncIterable<Uint8Array>,
  object: NotifiedObject,
  options?: { readonly skipRecords?: number },
) => AsyncIterable<readonly ParseOutcome[]>;

/** Opens an object's body as a byte stream (GetObject), honouring `signal`. */
export type OpenObject = (object: NotifiedObject, signal: AbortSignal) => Promise<AsyncIterable<Uint8Array>>;

/** What processing one message needs; built once per cold start by the handler. */
export interface ProcessorDeps {
  readonly producer: string;
  readonly format: FormatName;
  readonly openObject: OpenObject;
  readonly parse: ParseObject;
  readonly uploader: SentinelUploader;
  readonly logger: Logger;
  readonly telemetry: Telemetry;
  /** Clock for the lag metric. @default Date.now */
  readonly now?: () => number;
}

/** Where a retry of a failed object could resume (DESIGN.md: continuation message). */
export interface ResumePoint {
  readonly object: NotifiedObject;
  /** Records before this index were accepted by the API. */
  readonly nextRecordIndex: number;
}

/**
 * The result of one SQS message. `retryable` and `resumeAt` are the seams for the next steps:
 * returning a transient failure with a growing visibility timeout, and handing the rest of an
 * object to a continuation message instead of re-sending it from the start.
 */
export interface MessageOutcome {
  readonly messageId: string;
  /** `delivered`: every object's records accepted; `acknowledged`: nothing to send (test or non-create event, skipped object). */
  readonly status: 'delivered' | 'acknowledged' | 'failed';
  readonly retryable: boolean;
  readonly recordsDelivered: number;
  readonly error?: ForwarderError;
  readonly resumeAt?: ResumePoint;
  /**
   * Set when the rest of the message's work is exactly "the rest of this object from this record"
   * and the invocation made progress on it before time ran out: a continuation message for it can
   * replace retrying the whole message from the start.
   */
  readonly continuation?: ResumePoint;
  /**
   * The failure would recur for every message of the batch (the Logs Ingestion API or Entra is
   * down, or the configuration or credentials are wrong): don't start the rest of the batch.
   */
  readonly downstreamUnavailable: boolean;
}

/** Malformed lines logged one by one per object; the rest are counted, so a bad file can't flood the log. */
const MAX_LOGGED_MALFORMED = 10;

/**
 * A failure that says more messages now would fail the same way: an outage (transient) or a
 * missing/unreadable client secret, credentials Entra ID rejects, a token the Logs Ingestion API
 * refuses (401/403) or a DCR or stream it does not know (404) (permanent). None depends on the
 * object, so attempting the rest of the batch would only read objects to fail them identically.
 * A 400 or 413 is about the rows sent, so it may not recur for another object: not one of these.
 */
export function isDownstreamUnavailable(error: ForwarderError | undefined): boolean {
  return (
    error instanceof IngestionUnavailableError ||
    error instanceof TimeBudgetExhaustedError ||
    error instanceof CredentialError ||
    error instanceof ConfigurationError ||
    error instanceof CredentialRejectedError ||
    error instanceof IngestionAuthorizationError ||
    error instanceof IngestionNotFoundError ||
    error instanceof BlockedByEarlierFailureError
  );
}

/** Options of {@link processMessage}. */
export interface ProcessOptions {
  /**
   * A permanent failure of an earlier message that does not depend on the object (a missing client
   * secret, rejected credentials, a 401/403/404 from the Logs Ingestion API). The message is still
   * parsed — a test event or a non-create event is acknowledged, a poison body reported as such —
   * but any object it names is not read: it fails with a {@link BlockedByEarlierFailureError} of
   * this error, so it follows the same permanent route (the DLQ) with the same fix.
   */
  readonly blockedBy?: ForwarderError;
}

function failed(
  messageId: string,
  error: ForwarderError,
  recordsDelivered: number,
  resumeAt?: ResumePoint,
): MessageOutcome {
  return {
    messageId,
    status: 'failed',
    retryable: error.retryable,
    recordsDelivered,
    error,
    ...(resumeAt !== undefined ? { resumeAt } : {}),
    downstreamUnavailable: isDownstreamUnavailable(error),
  };
}

interface ObjectOutcome {
  readonly status: 'delivered' | 'skipped' | 'failed';
  readonly recordsDelivered: number;
  readonly error?: ForwarderError;
  readonly resumeAt?: ResumePoint;
}

/**
 * Processes one SQS message: parses its body, then streams each object it names through the
 * parser into the uploader. Never throws: every failure comes back classified in the outcome.
 */
export async function processMessage(
  message: { readonly messageId: string; readonly body: string },
  deps: ProcessorDeps,
  signal: AbortSignal,
  options: ProcessOptions = {},
): Promise<MessageOutcome> {
  const { messageId } = message;
  let parsed;
  try {
    parsed = parseMessageBody(message.body);
  } catch (err) {
    return failed(messageId, asForwarderError(err, deps.producer), 0);
  }

  if (parsed.kind === 'test-event') {
    deps.telemetry.testEvent();
    deps.logger.info('S3 test event acknowledged', {
      messageId,
      ...(parsed.bucket ? { bucket: parsed.bucket } : {}),
    });
    return {
      messageId,
      status: 'acknowledged',
      retryable: false,
      recordsDelivered: 0,
      downstreamUnavailable: false,
    };
  }

  const work =
    parsed.kind === 'continuation'
      ? [{ object: parsed.continuation.object, skipRecords: parsed.continuation.nextRecordIndex }]
      : parsed.objects.map((object) => ({ object, skipRecords: 0 }));
  if (parsed.kind === 'objects' && parsed.skipped.length > 0) {
    deps.telemetry.skippedEvents(parsed.skipped.length);
    deps.logger.info('Non-create S3 events acknowledged without reading', {
      messageId,
      skipped: parsed.skipped,
    });
  }

  if (options.blockedBy !== undefined && work.length > 0) {
    const objects = work.map((w) => w.object);
    return failed(messageId, new BlockedByEarlierFailureError(deps.producer, objects, options.blockedBy), 0);
  }

  let recordsDelivered = 0;
  let anyDelivered = false;
  // Objects of one message in order: a failure stops the message (it is retried whole, and the
  // objects already sent are sent again; RecordId makes those duplicates removable).
  for (const { object, skipRecords } of work) {
    const outcome = await deliverObject(object, skipRecords, deps, signal, messageId);
    recordsDelivered += outcome.recordsDelivered;
    if (outcome.status === 'failed') {
      const result = failed(messageId, outcome.error!, recordsDelivered, outcome.resumeAt);
      const isLast = object === work[work.length - 1].object;
      const resume = outcome.resumeAt;
      // Only for running out of time with progress made: otherwise a continuation would just loop.
      return outcome.error instanceof TimeBudgetExhaustedError &&
        isLast &&
        resume &&
        resume.nextRecordIndex > skipRecords
        ? { ...result, continuation: resume }
        : result;
    }
    if (outcome.status === 'delivered') anyDelivered = true;
  }
  return {
    messageId,
    status: anyDelivered ? 'delivered' : 'acknowledged',
    retryable: false,
    recordsDelivered,
    downstreamUnavailable: false,
  };
}

/**
 * Opens a notified object. For an EventBridge event whose key may not have been URL-encoded
 * (`rawKey`, see events.ts), a NoSuchKey or AccessDenied (what S3 answers for a missing key without
 * s3:ListBucket) on the decoded key gets one more GetObject with the key as written, and whichever
 * opened is the object from then on. Notification keys are documented as URL-encoded: no second try.
 */
async function openNotifiedObject(
  object: NotifiedObject,
  deps: ProcessorDeps,
  signal: AbortSignal,
): Promise<{ object: NotifiedObject; body: AsyncIterable<Uint8Array> } | { error: ForwarderError }> {
  const ctx = { producer: deps.producer, bucket: object.bucket };
  try {
    return { object, body: await deps.openObject(object, signal) };
  } catch (err) {
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

async function deliverObject(
  notified: NotifiedObject,
  skipRecords: number,
  deps: ProcessorDeps,
  signal: AbortSignal,
  messageId: string,
): Promise<ObjectOutcome> {
  const startedAt = Date.now();
  const opened = await openNotifiedObject(notified, deps, signal);
  if ('error' in opened) {
    return {
      status: 'failed',
      recordsDelivered: 0,
      error: opened.error,
      resumeAt: { object: notified, nextRecordIndex: skipRecords },
    };
  }
  // From here on, the key that opened: it is the one rows carry in S3Key and a continuation names.
  const { object, body } = opened;
  const { bucket, key } = object;
  const ctx = { producer: deps.producer, bucket, key };
  // Every line logged while this object is processed carries its bucket and key.
  const log = deps.logger.createChild({ persistentKeys: { bucket, key, messageId } });
  if (object !== notified) {
    log.info('EventBridge key was not URL-encoded: the object was read by its key as written', {
      decodedKey: notified.key,
    });
  }

  const delivery = deps.uploader.open({ bucket, key }, signal);
  let malformed = 0;
  let skippedReason: string | undefined;
  let nextIndex = skipRecords;
  let readError: ForwarderError | undefined;
  let oversizedLogged = 0;
  const logOversized = (): void => {
    for (const record of delivery.oversized.slice(oversizedLogged)) {
      log.warn('Record isolated: larger than one Logs Ingestion API request allows; not sent', {
        recordIndex: record.index,
        recordBytes: record.bytes,
      });
    }
    oversizedLogged = delivery.oversized.length;
  };
  try {
    reading: for await (const items of deps.parse(deps.format, body, object, { skipRecords })) {
      for (const item of items) {
        if (item.kind === 'row') {
          nextIndex = item.index + 1;
          const pending = delivery.add(rowToSend(item), item.index);
          if (pending !== undefined) {
            await pending;
            if (delivery.stopped) break reading;
          }
        } else if (item.kind === 'malformed') {
          nextIndex = item.index + 1;
          malformed += 1;
          if (malformed <= MAX_LOGGED_MALFORMED) {
            log.warn('Malformed record isolated; the rest of the object is still sent', {
              lineNumber: item.lineNumber,
              recordIndex: item.index,
              reason: item.reason,
            });
          }
        } else {
          skippedReason = item.reason;
          break reading;
        }
      }
      logOversized();
      // Time ran out or a batch failed: stop reading now rather than at the next full batch.
      if (delivery.stopped) break;
    }
  } catch (err) {
    readError = signal.aborted
      ? new TimeBudgetExhaustedError(
          `producer ${deps.producer} s3://${bucket}/${key}: the invocation's time budget ran out while reading ` +
            'the object; the message returns to the queue.',
          { cause: err },
        )
      : classifyS3Error(err, ctx);
  }
  const result = await delivery.finish();
  logOversized();
  if (result.resentCanonical > 0) {
    log.warn(
      'The Logs Ingestion API refused records sent as their own text (HTTP 400); sent again re-serialized, ' +
        'with duplicate keys collapsed and out-of-range numbers as null',
      { batches: result.resentCanonical },
    );
  }
  deps.telemetry.malformedLines(malformed);
  deps.telemetry.oversizedRecords(result.oversized.length);
  if (malformed > MAX_LOGGED_MALFORMED) {
    log.warn('More malformed lines were isolated than were logged', { malformedLines: malformed });
  }

  const error = result.error ?? readError;
  if (error !== undefined) {
    deps.telemetry.partialDelivery(result.recordsDelivered, result.bytesDelivered, result.recordsFailed);
    return {
      status: 'failed',
      recordsDelivered: result.recordsDelivered,
      error,
      resumeAt: { object, nextRecordIndex: result.firstUndeliveredIndex ?? nextIndex },
    };
  }
  if (skippedReason !== undefined && result.recordsDelivered === 0) {
    deps.telemetry.skippedObject();
    log.info('Object skipped: not data for this format', { reason: skippedReason });
    return { status: 'skipped', recordsDelivered: 0 };
  }

  const now = (deps.now ?? Date.now)();
  const eventTime = Date.parse(object.eventTime);
  const lagMs = Number.isFinite(eventTime) ? now - eventTime : undefined;
  deps.telemetry.objectDelivered(result.recordsDelivered, result.bytesDelivered, lagMs);
  log.info('Object delivered', {
    records: result.recordsDelivered,
    bytes: result.bytesDelivered,
    batches: result.batchesDelivered,
    malformedLines: malformed,
    oversizedRecords: result.oversized.length,
    ...(skipRecords > 0 ? { resumedAtRecord: skipRecords } : {}),
    lagMs,
    durationMs: Date.now() - startedAt,
  });
  return { status: 'delivered', recordsDelivered: result.recordsDelivered };
}

function asForwarderError(err: unknown, producer: string): ForwarderError {
  if (err instanceof ForwarderError) return err;
  return new UnexpectedError(`producer ${producer}: ${err instanceof Error ? err.message : String(err)}`, {
    cause: err,
  });
}
