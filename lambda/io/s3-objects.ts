import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ObjectReadTimeoutError, TimeBudgetExhaustedError, type FailureContext } from '../core/errors';
import { boundedCall, DEFAULT_CALL_TIMEOUT_MS } from './aws-clients';
import type { NotifiedObject } from './events';
import { guardedBody } from './object-reader';

/** Opens an object's body as a byte stream (GetObject), honouring `signal`. */
export type OpenObject = (object: NotifiedObject, signal: AbortSignal) => Promise<AsyncIterable<Uint8Array>>;

/**
 * Longest a body may send nothing while it is read. A healthy S3 body never pauses this long, and
 * the invocation's signal ends the read sooner whenever less time than this is left.
 */
export const DEFAULT_BODY_IDLE_TIMEOUT_MS = 30_000;

/** Options of {@link s3ObjectOpener}. */
export interface ObjectOpenerOptions {
  /** Named in error messages. */
  readonly producer?: string;
  /** Longest wait for GetObject's response headers, SDK retries included. @default DEFAULT_CALL_TIMEOUT_MS */
  readonly timeoutMs?: number;
  /** Longest a body may send no bytes while it is read. @default DEFAULT_BODY_IDLE_TIMEOUT_MS */
  readonly idleTimeoutMs?: number;
}

/** What to check when S3 does not answer. */
const S3_CHECK =
  "check the function's network path to S3 (VPC endpoint or NAT) and S3's health in the region.";

/**
 * Opens an object with GetObject, pinned to the notified version when there is one. A GetObject
 * that gets no answer within `timeoutMs`, or a body that stalls for `idleTimeoutMs`, fails as a
 * transient `ObjectReadTimeoutError` naming the object; `signal` ends either at once.
 */
export function s3ObjectOpener(s3: S3Client, options: ObjectOpenerOptions = {}): OpenObject {
  const timeoutMs = options.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_BODY_IDLE_TIMEOUT_MS;
  return async (object, signal) => {
    const ctx: FailureContext = {
      producer: options.producer ?? 'unnamed',
      bucket: object.bucket,
      key: object.key,
    };
    // The bound covers the response headers only; the body is guarded below, for as long as it streams.
    const out = await boundedCall(
      (callSignal) =>
        s3.send(
          new GetObjectCommand({
            Bucket: object.bucket,
            Key: object.key,
            ...(object.versionId !== undefined ? { VersionId: object.versionId } : {}),
          }),
          { abortSignal: callSignal },
        ),
      {
        signal,
        aborted: () =>
          new TimeBudgetExhaustedError(
            `producer ${ctx.producer} s3://${object.bucket}/${object.key}: the invocation's time budget ran ` +
              'out waiting for GetObject; the message returns to the queue.',
          ),
        timeoutMs,
        timedOut: () => new ObjectReadTimeoutError({ ...ctx, call: 'GetObject', timeoutMs, check: S3_CHECK }),
      },
    );
    // In Node the body is an IncomingMessage (an async iterable of Buffers); it is streamed, never buffered.
    return guardedBody(out.Body as AsyncIterable<Uint8Array>, {
      idleTimeoutMs,
      signal,
      stalled: () =>
        new ObjectReadTimeoutError({
          ...ctx,
          call: "the object's body",
          timeoutMs: idleTimeoutMs,
          stalled: true,
          check: S3_CHECK,
        }),
    });
  };
}
