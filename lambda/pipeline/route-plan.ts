import type { SQSRecord } from 'aws-lambda';
import {
  backoffSeconds,
  deferSeconds,
  MAX_DEFERRAL_AGE_SECONDS,
  ROLE_PROPAGATION_SECONDS,
} from '../contract/retry-schedule';
import {
  CredentialError,
  CredentialRejectedError,
  IngestionAuthorizationError,
  IngestionUnavailableError,
  PermanentError,
  TimeBudgetExhaustedError,
  TransientError,
  type ForwarderError,
} from '../core/errors';
import { continuationBody } from '../io/events';
import { historyOf, type MessageHistory, type Route } from '../io/sqs-routing';
import type { MessageOutcome } from './process-message';

/** A message left for a later invocation because the downstream is down or time ran out. */
export class NotAttemptedError extends TransientError {
  public readonly failureClass = 'NotAttempted';
  public constructor(
    producer: string,
    /** What stopped the batch; none when the time budget ran out. */
    public readonly stoppedBy: ForwarderError | undefined,
  ) {
    super(
      `producer ${producer}: message not attempted in this invocation (${stoppedBy !== undefined ? stoppedBy.failureClass : 'time budget exhausted'}); it returns to the queue.`,
    );
  }
}

/**
 * A 401/403 from the Logs Ingestion API, or Entra ID rejecting the credential, within
 * {@link ROLE_PROPAGATION_SECONDS} of the message's first receive: most likely an identity or role
 * assignment Azure has not made effective yet, so it is waited out like an outage instead of
 * dead-lettered.
 */
export class RoleNotYetEffectiveError extends TransientError {
  public readonly failureClass: string;
  public constructor(public readonly refused: IngestionAuthorizationError | CredentialRejectedError) {
    super(
      `${refused.message} Within ${ROLE_PROPAGATION_SECONDS / 60} minutes of the first attempt this may be Azure ` +
        'still propagating the identity or its role assignment: the message is retried later, and goes to the DLQ if it is still refused then.',
      { cause: refused },
    );
    this.failureClass = `${refused.failureClass}Pending`;
  }
}

/** A message that kept failing on outages for longer than the queue would have kept it. */
export class OutageOutlastedError extends PermanentError {
  public readonly failureClass: string;
  public constructor(last: ForwarderError, ageSeconds: number) {
    super(
      `failed on outages for ${(ageSeconds / 3600).toFixed(1)} hours since its first receive, longer than the ` +
        `${MAX_DEFERRAL_AGE_SECONDS / 86_400} days the queue keeps a message; last failure: ${last.message} ` +
        'Fix the cause, then run `s3-to-sentinel redrive`.',
      { cause: last },
    );
    this.failureClass = last.failureClass;
  }
}

/**
 * A transient failure of something every message needs (the Logs Ingestion API, Entra ID, SSM, the
 * time budget, or the batch stopped for one of these): it says nothing about the message's own
 * object, so it must not spend the message's receives.
 */
export function isOutage(error: ForwarderError | undefined): boolean {
  return (
    error instanceof IngestionUnavailableError ||
    error instanceof CredentialError ||
    error instanceof TimeBudgetExhaustedError ||
    error instanceof NotAttemptedError ||
    error instanceof RoleNotYetEffectiveError
  );
}

/**
 * A 401/403 from the API, or Entra rejecting the credential, within the propagation window of the
 * message's first receive becomes a {@link RoleNotYetEffectiveError}: a new app registration,
 * federated credential or role assignment takes minutes to replicate after a deploy. Any other
 * error is returned as it is.
 */
export function withinPropagation(
  error: ForwarderError | undefined,
  record: SQSRecord,
  now: number,
): ForwarderError | undefined {
  if (!(error instanceof IngestionAuthorizationError || error instanceof CredentialRejectedError))
    return error;
  const { firstReceived } = historyOf(record, now);
  return now - firstReceived < ROLE_PROPAGATION_SECONDS * 1000 ? new RoleNotYetEffectiveError(error) : error;
}

/** What {@link planRoute} may use; both false when the queue URLs are not configured. */
export interface RouteOptions {
  readonly canRequeue: boolean;
  readonly canDeadLetter: boolean;
}

/**
 * Where a processed message goes (ARCHITECTURE.md, delivery contract):
 * - delivered or nothing to send: acknowledged;
 * - out of time after progress on its last object: a continuation from the next record, at once;
 * - an outage ({@link isOutage}): the same body (or its continuation) again as a new message with
 *   a delay that grows per deferral, carrying its history, until {@link MAX_DEFERRAL_AGE_SECONDS}
 *   after its first receive, then the DLQ;
 * - permanent: the DLQ with its reason;
 * - any other transient failure (its own object): retried, hidden for a back-off that doubles per
 *   receive, so SQS's redrive policy dead-letters it after maxReceiveCount receives.
 * Without the queue URLs, every failure is simply reported failed.
 */
export function planRoute(
  record: SQSRecord,
  outcome: MessageOutcome,
  now: number,
  options: RouteOptions,
): Route {
  if (outcome.status !== 'failed') return { kind: 'acknowledge' };
  const error = outcome.error;
  const history = historyOf(record, now);
  const body = outcome.continuation !== undefined ? continuationBody(outcome.continuation) : record.body;
  if (isOutage(error) && options.canRequeue) {
    // Progress made, or left untried only because earlier messages used the time: go on at once.
    const progressed = outcome.continuation !== undefined;
    const crowdedOut = error instanceof NotAttemptedError && error.stoppedBy === undefined;
    if (progressed || crowdedOut) return { kind: 'requeue', body, delaySeconds: 0, history, deferral: false };
    const ageSeconds = (now - history.firstReceived) / 1000;
    if (ageSeconds > MAX_DEFERRAL_AGE_SECONDS && options.canDeadLetter) {
      return { kind: 'deadLetter', error: new OutageOutlastedError(error!, ageSeconds) };
    }
    const deferrals = history.deferrals + 1;
    const next: MessageHistory = { ...history, deferrals, lastFailure: error!.failureClass };
    return { kind: 'requeue', body, delaySeconds: deferSeconds(deferrals), history: next, deferral: true };
  }
  if (outcome.continuation !== undefined && options.canRequeue) {
    return { kind: 'requeue', body, delaySeconds: 0, history, deferral: false };
  }
  if (error !== undefined && !outcome.retryable && options.canDeadLetter)
    return { kind: 'deadLetter', error };
  if (!outcome.retryable || !options.canRequeue) return { kind: 'retry' };
  return {
    kind: 'retry',
    visibilityTimeout: backoffSeconds(Number(record.attributes?.ApproximateReceiveCount)),
  };
}
