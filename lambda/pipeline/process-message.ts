import {
  BlockedByEarlierFailureError,
  ConfigurationError,
  CredentialError,
  CredentialRejectedError,
  ForwarderError,
  IngestionAuthorizationError,
  IngestionNotFoundError,
  IngestionUnavailableError,
  TimeBudgetExhaustedError,
  UnexpectedError,
} from '../core/errors';
import { parseMessageBody } from '../io/events';
import { deliverObject, type ObjectDeps, type ObjectOutcome, type ResumePoint } from './deliver-object';

export type { ResumePoint } from './deliver-object';

/** What processing one message needs; built once per cold start by the handler. */
export type ProcessorDeps = ObjectDeps;

/**
 * The result of one SQS message: what the handler needs to route it (acknowledge, back off a
 * transient failure, dead-letter a permanent one, or hand the rest of an object to a continuation).
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
  for (const [i, { object, skipRecords }] of work.entries()) {
    const outcome = await deliverObject(object, skipRecords, deps, signal, messageId);
    recordsDelivered += outcome.recordsDelivered;
    if (outcome.status === 'failed') {
      const result = failed(messageId, outcome.error!, recordsDelivered, outcome.resumeAt);
      const continuation = i === work.length - 1 ? continuationOf(outcome, skipRecords) : undefined;
      return continuation !== undefined ? { ...result, continuation } : result;
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
 * Where a continuation message can take over a failed object: only when time ran out, or an outage
 * (the API, Entra ID or SSM unavailable) stopped it, after progress on it. Without progress a
 * continuation would just loop; any other failure is retried whole.
 */
export function continuationOf(outcome: ObjectOutcome, skipRecords: number): ResumePoint | undefined {
  const resume = outcome.resumeAt;
  const error = outcome.error;
  const stoppedFromOutside =
    error instanceof TimeBudgetExhaustedError ||
    (error?.retryable === true && isDownstreamUnavailable(error));
  return stoppedFromOutside && resume !== undefined && resume.nextRecordIndex > skipRecords
    ? resume
    : undefined;
}

function asForwarderError(err: unknown, producer: string): ForwarderError {
  if (err instanceof ForwarderError) return err;
  return new UnexpectedError(`producer ${producer}: ${err instanceof Error ? err.message : String(err)}`, {
    cause: err,
  });
}
