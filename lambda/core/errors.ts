/**
 * The forwarder's failure vocabulary. Every failure the handler reports is one of these classes,
 * each classified once, here, as permanent (fail fast to the DLQ) or transient (back to the queue,
 * retried later) per the delivery contract in ARCHITECTURE.md. Messages name the producer, bucket, key and
 * the likely fix, so the DLQ's log line is actionable without reading code.
 */

/** Where a failure happened: enough to act on it. */
export interface FailureContext {
  readonly producer: string;
  readonly bucket?: string;
  readonly key?: string;
}

/** Base class: `retryable` decides between the DLQ and another attempt. */
export abstract class ForwarderError extends Error {
  /** `true`: return the message to the queue; `false`: let it reach the DLQ. */
  public abstract readonly retryable: boolean;
  /** Dimension value of the `Failures` metric, stable across releases. */
  public abstract readonly failureClass: string;

  public constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A failure that will not go away by retrying the same message. */
export abstract class PermanentError extends ForwarderError {
  public readonly retryable = false;
}

/** A failure worth another attempt: throttling, 5xx, network, time running out. */
export abstract class TransientError extends ForwarderError {
  public readonly retryable = true;
}

/** The Lambda's environment is incomplete or invalid: a deployment bug, not a data problem. */
export class ConfigurationError extends PermanentError {
  public readonly failureClass = 'Configuration';
}

/** The SQS body is none of the notification shapes the forwarder understands. */
export class UnrecognizedMessageError extends PermanentError {
  public readonly failureClass = 'UnrecognizedMessage';
}

/** The object named in the notification no longer exists (deleted or expired before we read it). */
export class ObjectNotFoundError extends PermanentError {
  public readonly failureClass = 'ObjectNotFound';
}

/** GetObject was denied: an IAM, bucket policy or KMS key policy gap. */
export class ObjectAccessDeniedError extends PermanentError {
  public readonly failureClass = 'ObjectAccessDenied';
}

/** The object's bytes cannot be decoded (corrupt gzip, not text): reading it again gives the same bytes. */
export class ObjectUnreadableError extends PermanentError {
  public readonly failureClass = 'ObjectUnreadable';
}

/** The object could not be read for a reason retrying may fix (S3 throttling, 5xx, network). */
export class ObjectReadError extends TransientError {
  public readonly failureClass = 'ObjectRead';
}

/** The Logs Ingestion API rejected the rows themselves (400): they do not match the DCR stream. */
export class IngestionRejectedError extends PermanentError {
  public readonly failureClass = 'IngestionRejected';
}

/** 401/403 from the Logs Ingestion API: the identity may not write to the DCR. */
export class IngestionAuthorizationError extends PermanentError {
  public readonly failureClass = 'IngestionAuthorization';
}

/** 404 from the Logs Ingestion API: the DCR immutable id or the stream name is wrong. */
export class IngestionNotFoundError extends PermanentError {
  public readonly failureClass = 'IngestionNotFound';
}

/** 429 or 5xx or a network failure talking to the Logs Ingestion API after the SDK's retries. */
export class IngestionUnavailableError extends TransientError {
  public readonly failureClass = 'IngestionUnavailable';
}

/** The invocation's time budget ran out before every row was accepted; unsent rows count as failed. */
export class TimeBudgetExhaustedError extends TransientError {
  public readonly failureClass = 'TimeBudgetExhausted';
}

/** The Entra token or the client secret could not be obtained for a reason retrying may fix. */
export class CredentialError extends TransientError {
  public readonly failureClass = 'Credential';
}

/** Entra ID refused the app's credentials (wrong secret, client id or tenant): retrying cannot help. */
export class CredentialRejectedError extends PermanentError {
  public readonly failureClass = 'CredentialRejected';
}

/** Anything not classified above. Retryable: the DLQ still catches it after `maxReceiveCount`. */
export class UnexpectedError extends TransientError {
  public readonly failureClass = 'Unexpected';
}

/**
 * A message whose objects were not read because an earlier message of the same batch hit `cause`,
 * a failure that does not depend on the object (no client secret, rejected credentials, the API
 * refusing the identity or knowing no such DCR). It takes the cause's classification, so it goes
 * the same route and counts under the same `Failures` class, and its message names this message's
 * own objects before the cause's fix: the earlier message's text names the earlier object.
 */
export class BlockedByEarlierFailureError extends ForwarderError {
  public readonly retryable: boolean;
  public readonly failureClass: string;

  public constructor(
    producer: string,
    objects: readonly { readonly bucket: string; readonly key: string }[],
    cause: ForwarderError,
  ) {
    const named = objects.map((o) => `s3://${o.bucket}/${o.key}`).join(', ');
    super(
      `producer ${producer} ${named}: not read, because an earlier message of this batch failed with ` +
        `${cause.failureClass}, which does not depend on the object; this message takes the same route. ` +
        `The earlier failure: ${cause.message}`,
      { cause },
    );
    this.retryable = cause.retryable;
    this.failureClass = cause.failureClass;
  }
}

function where(ctx: FailureContext): string {
  const object = ctx.bucket !== undefined ? ` s3://${ctx.bucket}/${ctx.key ?? ''}` : '';
  return `producer ${ctx.producer}${object}`;
}

function errorName(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { name?: unknown; Code?: unknown; code?: unknown };
  for (const candidate of [e.name, e.Code, e.code]) {
    if (typeof candidate === 'string') return candidate;
  }
  return undefined;
}

function httpStatusOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { statusCode?: unknown; $metadata?: { httpStatusCode?: unknown } };
  if (typeof e.statusCode === 'number') return e.statusCode;
  if (typeof e.$metadata?.httpStatusCode === 'number') return e.$metadata.httpStatusCode;
  return undefined;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Classifies a failure of GetObject (or of reading its body). NoSuchKey and AccessDenied are
 * permanent; everything else (SlowDown, 5xx, resets) is transient.
 */
export function classifyS3Error(err: unknown, ctx: FailureContext): ForwarderError {
  if (err instanceof ForwarderError) return err;
  const name = errorName(err);
  const status = httpStatusOf(err);
  if ((err as { retryable?: unknown } | null)?.retryable === false) {
    // The object reader marks what re-reading cannot fix (a corrupt gzip member, for one).
    return new ObjectUnreadableError(
      `${where(ctx)}: the object cannot be decoded (${name ?? 'error'}): ${messageOf(err)}. It goes to the DLQ; ` +
        "check that the producer writes this format and that the object isn't truncated.",
      { cause: err },
    );
  }
  if (name === 'NoSuchKey' || name === 'NotFound' || status === 404) {
    return new ObjectNotFoundError(
      `${where(ctx)}: GetObject found no such object (NoSuchKey). It was deleted or expired before the ` +
        'forwarder read it; if a lifecycle rule expires objects this fast, lengthen it.',
      { cause: err },
    );
  }
  if (name === 'AccessDenied' || status === 403) {
    // Without s3:ListBucket (deliberately not granted: the forwarder only reads what it is told
    // about), S3 answers GetObject for a missing key with 403 AccessDenied instead of 404, so an
    // object deleted or expired before it was read looks exactly like a permission gap.
    return new ObjectAccessDeniedError(
      `${where(ctx)}: GetObject was denied (AccessDenied). Either the object no longer exists (deleted or ` +
        'expired before the forwarder read it: without s3:ListBucket, S3 reports a missing key as ' +
        "AccessDenied rather than NoSuchKey), or the forwarder's role lacks access: grant it s3:GetObject on " +
        `arn:aws:s3:::${ctx.bucket ?? '<bucket>'}/${ctx.key ?? '*'} (and s3:GetObjectVersion for versioned ` +
        'reads); if the bucket uses SSE-KMS, also kms:Decrypt on its key, in both the key policy and the role.' +
        ` S3 said: ${messageOf(err)}`,
      { cause: err },
    );
  }
  return new ObjectReadError(
    `${where(ctx)}: reading the object failed (${name ?? 'error'}${status !== undefined ? `, HTTP ${status}` : ''}): ` +
      `${messageOf(err)}. Retrying later.`,
    { cause: err },
  );
}

/** What the uploader knows about the DCR it writes to, for error messages. */
export interface IngestionTarget extends FailureContext {
  readonly dcrImmutableId: string;
  readonly streamName: string;
}

/** Codes Node's sockets raise for a connection that failed or was cut: all worth a retry. */
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
  'REQUEST_SEND_ERROR',
]);

/**
 * Classifies one failed upload as `LogsIngestionSender` reports it (a `RestError` with
 * `statusCode`, or a network/abort error). `deadlineReached` turns an abort into a time-budget
 * failure rather than a network one.
 */
export function classifyIngestionError(
  err: unknown,
  target: IngestionTarget,
  deadlineReached: boolean,
): ForwarderError {
  if (err instanceof ForwarderError) return err;
  const status = httpStatusOf(err);
  const name = errorName(err);
  const code =
    typeof (err as { code?: unknown } | null)?.code === 'string' ? (err as { code: string }).code : undefined;
  const detail = messageOf(err);
  const dcr = `DCR ${target.dcrImmutableId}, stream ${target.streamName}`;
  if (deadlineReached || name === 'AbortError') {
    return new TimeBudgetExhaustedError(
      `${where(target)}: the Logs Ingestion API (${dcr}) did not accept every batch before the invocation's ` +
        'time budget ran out; the message returns to the queue and unsent rows are sent again.' +
        (detail !== '' ? ` Last error: ${detail}` : ''),
      { cause: err },
    );
  }
  if (status === 400) {
    return new IngestionRejectedError(
      `${where(target)}: the Logs Ingestion API rejected the rows (HTTP 400) for ${dcr}. The rows do not match ` +
        "the stream declaration: redeploy the Azure stack so the DCR stream matches the format's columns. " +
        `Azure said: ${detail}`,
      { cause: err },
    );
  }
  if (status === 401 || status === 403) {
    return new IngestionAuthorizationError(
      `${where(target)}: the Logs Ingestion API refused the token (HTTP ${status}) for ${dcr}. Assign the ` +
        "forwarder's Entra identity the 'Monitoring Metrics Publisher' role on the data collection rule; a new " +
        'role assignment can take up to 30 minutes to propagate, so redrive the DLQ after that. ' +
        `Azure said: ${detail}`,
      { cause: err },
    );
  }
  if (status === 404) {
    return new IngestionNotFoundError(
      `${where(target)}: the Logs Ingestion API found no DCR ${target.dcrImmutableId} with stream ` +
        `${target.streamName} (HTTP 404). Check DCR_IMMUTABLE_ID (the rule's immutableId, not its resource id), ` +
        'DCR_STREAM_NAME and LOGS_INGESTION_ENDPOINT against the Azure stack outputs. ' +
        `Azure said: ${detail}`,
      { cause: err },
    );
  }
  if (status === 413) {
    // The uploader keeps every batch under 1 MB, so this means the limit moved or a bug: don't loop on it.
    return new IngestionRejectedError(
      `${where(target)}: the Logs Ingestion API refused a batch as too large (HTTP 413) for ${dcr}, although ` +
        `the forwarder keeps batches under 1 MB. Azure said: ${detail}`,
      { cause: err },
    );
  }
  if (status === 429 || (status !== undefined && status >= 500)) {
    return new IngestionUnavailableError(
      `${where(target)}: the Logs Ingestion API stayed unavailable (HTTP ${status}) for ${dcr} after retries; ` +
        `the message returns to the queue. Azure said: ${detail}`,
      { cause: err },
    );
  }
  if (status === undefined && (NETWORK_CODES.has(code ?? '') || name === 'RestError')) {
    return new IngestionUnavailableError(
      `${where(target)}: the connection to the Logs Ingestion API failed (${code ?? 'network error'}) for ${dcr}; ` +
        `the message returns to the queue. ${detail}`,
      { cause: err },
    );
  }
  if (status !== undefined && status >= 400 && status < 500) {
    return new IngestionRejectedError(
      `${where(target)}: the Logs Ingestion API refused the request (HTTP ${status}) for ${dcr}. Azure said: ${detail}`,
      { cause: err },
    );
  }
  return new UnexpectedError(`${where(target)}: uploading to ${dcr} failed: ${detail}`, { cause: err });
}

/** A dependency call that got no answer in time: what was called, for whom, and what to check. */
export interface TimedOutCall extends FailureContext {
  /** The call, as an operator would name it: `SSM GetParameter /s3-to-sentinel/app-logs/client-secret`. */
  readonly call: string;
  readonly timeoutMs: number;
  /** What to check if it keeps happening. */
  readonly check: string;
}

function timedOutMessage(t: TimedOutCall, what: string): string {
  const seconds = t.timeoutMs / 1000;
  return `${where(t)}: ${t.call} ${what} ${seconds} s; retrying later. If this keeps happening, ${t.check}`;
}

/**
 * The Entra token request, the client secret's SSM read or STS GetWebIdentityToken got no answer in
 * time. A `CredentialError` (same class and route): the next message would wait just as long.
 */
export class CredentialTimeoutError extends CredentialError {
  public constructor(call: TimedOutCall, options?: { cause?: unknown }) {
    super(timedOutMessage(call, 'got no answer within'), options);
  }
}

/**
 * GetObject got no answer in time, or the object's body stopped sending bytes (`stalled`). An
 * `ObjectReadError`: transient, and about this object only.
 */
export class ObjectReadTimeoutError extends ObjectReadError {
  public constructor(call: TimedOutCall & { readonly stalled?: boolean }, options?: { cause?: unknown }) {
    super(
      timedOutMessage(call, call.stalled === true ? 'sent no bytes for' : 'got no answer within'),
      options,
    );
  }
}
