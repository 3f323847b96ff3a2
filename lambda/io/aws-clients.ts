/**
 * How long the forwarder waits on its dependencies: the AWS SDK clients' per-attempt timeouts, and
 * the per-call bound every dependency call (GetObject, GetParameter, GetWebIdentityToken, the Entra
 * token) runs under, so a hung endpoint fails as a classified transient error long before the
 * Lambda's timeout, and the invocation's abort signal ends the wait at once.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';

/** Limits of one HTTP attempt of an AWS SDK client; the SDK retries an attempt that breaches them. */
export interface AwsClientTimeouts {
  /** TCP and TLS set-up. */
  readonly connectionTimeoutMs: number;
  /**
   * From starting the request (connecting included) to the response's headers; a GetObject body
   * may stream for longer.
   */
  readonly requestTimeoutMs: number;
}

/**
 * In-region AWS endpoints connect in milliseconds and answer these calls in well under a second, so
 * three SDK attempts (its default) at these limits, with back-off, end inside {@link DEFAULT_CALL_TIMEOUT_MS}.
 */
export const DEFAULT_AWS_CLIENT_TIMEOUTS: AwsClientTimeouts = {
  connectionTimeoutMs: 3_000,
  requestTimeoutMs: 5_000,
};

/**
 * Longest wait for one dependency call, retries included: far below the function's timeout (5 min
 * by default), and far above what a healthy S3, SSM, STS or Entra ID takes.
 */
export const DEFAULT_CALL_TIMEOUT_MS = 20_000;

/**
 * Client configuration with these timeouts, for any AWS SDK v3 client. Without
 * `throwOnRequestTimeout`, the SDK's Node handler only logs a breached `requestTimeout`.
 */
export function awsClientConfig(timeouts: AwsClientTimeouts = DEFAULT_AWS_CLIENT_TIMEOUTS) {
  return {
    requestHandler: {
      connectionTimeout: timeouts.connectionTimeoutMs,
      requestTimeout: timeouts.requestTimeoutMs,
      throwOnRequestTimeout: true,
    },
  };
}

/** The S3 client GetObject uses (no socket idle timeout: a body paused by backpressure is idle). */
export const createS3Client = (timeouts?: AwsClientTimeouts): S3Client =>
  new S3Client(awsClientConfig(timeouts));
export const createSsmClient = (timeouts?: AwsClientTimeouts): SSMClient =>
  new SSMClient(awsClientConfig(timeouts));
export const createSqsClient = (timeouts?: AwsClientTimeouts): SQSClient =>
  new SQSClient(awsClientConfig(timeouts));
export const createStsClient = (timeouts?: AwsClientTimeouts): STSClient =>
  new STSClient(awsClientConfig(timeouts));

/**
 * The part of an abort signal a bound needs: a DOM `AbortSignal`, or `@azure/abort-controller`'s
 * `AbortSignalLike` as `GetTokenOptions` types it.
 */
export interface AbortSignalish {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** What ends a {@link boundedCall} early, and the error each reports. */
export interface CallBounds {
  /** The invocation's signal: the wait ends as soon as it aborts. */
  readonly signal?: AbortSignalish | undefined;
  /** The error when `signal` aborts first (for the forwarder: its time budget ran out). */
  readonly aborted?: () => Error;
  /** Longest wait; no limit when omitted. */
  readonly timeoutMs?: number;
  /** The error when `timeoutMs` passes first. */
  readonly timedOut?: () => Error;
}

/**
 * Runs `call` with a signal that aborts when `bounds.signal` does or `timeoutMs` passes, and rejects
 * at that moment with the bound's error, whether or not `call` honours its signal (Powertools' SSM
 * provider and MSAL do not: their request is left to finish on its own).
 */
export function boundedCall<T>(call: (signal: AbortSignal) => Promise<T>, bounds: CallBounds): Promise<T> {
  const { signal, timeoutMs } = bounds;
  const aborted = bounds.aborted ?? (() => new Error('The operation was aborted'));
  if (signal?.aborted === true) return Promise.reject(aborted());
  const controller = new AbortController();
  return new Promise<T>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const stop = (error: Error): void => {
      settle();
      controller.abort(error);
      reject(error);
    };
    const onAbort = (): void => stop(aborted());
    const settle = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    if (timeoutMs !== undefined) {
      const timedOut = bounds.timedOut ?? (() => new Error(`No answer within ${timeoutMs} ms`));
      timer = setTimeout(() => stop(timedOut()), timeoutMs);
    }
    let running: Promise<T>;
    try {
      running = call(controller.signal);
    } catch (err) {
      running = Promise.reject(err);
    }
    // After a bound fired, `reject`/`resolve` are no-ops: a late outcome is dropped, not left unhandled.
    running.then(
      (value) => {
        settle();
        resolve(value);
      },
      (err: unknown) => {
        settle();
        reject(err);
      },
    );
  });
}
