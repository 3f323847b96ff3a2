import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { NotifiedObject } from './events';

/** Opens an object's body as a byte stream (GetObject), honouring `signal`. */
export type OpenObject = (object: NotifiedObject, signal: AbortSignal) => Promise<AsyncIterable<Uint8Array>>;

/** Opens an object with GetObject, pinned to the notified version when there is one. */
export function s3ObjectOpener(s3: S3Client): OpenObject {
  return async (object, signal) => {
    const out = await s3.send(
      new GetObjectCommand({
        Bucket: object.bucket,
        Key: object.key,
        ...(object.versionId !== undefined ? { VersionId: object.versionId } : {}),
      }),
      { abortSignal: signal },
    );
    // In Node the body is an IncomingMessage (an async iterable of Buffers); it is streamed, never buffered.
    return out.Body as AsyncIterable<Uint8Array>;
  };
}
