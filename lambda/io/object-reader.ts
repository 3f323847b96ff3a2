import { Readable, pipeline } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip, type ZlibOptions } from 'node:zlib';
import { DEFAULT_MAX_LINE_LENGTH, splitLines, type Line } from '../formats/lines';

export { DEFAULT_MAX_LINE_LENGTH, type Line } from '../formats/lines';

/**
 * Byte counts of one object read, filled in while it streams so the caller can report them (also
 * after a failure part-way through).
 */
export interface ByteCounter {
  /** Bytes as stored in S3 (compressed when `gzip`). */
  compressedBytes: number;
  /** Bytes after decompression; equal to `compressedBytes` for a plain object. */
  uncompressedBytes: number;
  /** Whether the object started with the gzip magic bytes. */
  gzip: boolean;
}

/** A fresh counter at zero. */
export function byteCounter(): ByteCounter {
  return { compressedBytes: 0, uncompressedBytes: 0, gzip: false };
}

/**
 * The object is not valid gzip although it starts with the gzip magic bytes (corrupt or cut
 * short). Re-reading the same object cannot help, so it is not retryable.
 */
export class DecompressionError extends Error {
  readonly retryable = false;
  constructor(message: string, options?: { readonly cause?: unknown }) {
    super(message, options);
    this.name = 'DecompressionError';
  }
}

/** What {@link guardedBody} watches for. */
export interface BodyGuard {
  /** Longest wait for the next chunk while the reader asks for one. */
  readonly idleTimeoutMs: number;
  /** The error a stalled body fails with. */
  readonly stalled: () => Error;
  /** Ends the read at once when it aborts (the invocation's time budget). */
  readonly signal?: AbortSignal;
}

/**
 * `body`, failing with `guard.stalled()` when no bytes arrive for `idleTimeoutMs`, or with the
 * signal's reason when it aborts; either way the body is destroyed, releasing its socket. The idle
 * clock runs only while the reader waits for a chunk: a body paused by backpressure (uploads in
 * flight) is not stalled.
 */
export async function* guardedBody(
  body: AsyncIterable<Uint8Array>,
  guard: BodyGuard,
): AsyncGenerator<Uint8Array> {
  const { idleTimeoutMs, stalled, signal } = guard;
  const iterator = body[Symbol.asyncIterator]();
  let waiting = false;
  let failure: { readonly error: unknown } | undefined;
  let fail: ((error: unknown) => void) | undefined;
  const halt = (error: unknown): void => {
    if (failure !== undefined) return;
    failure = { error };
    release(body, iterator);
    fail?.(error);
  };
  const onAbort = (): void => halt(signal?.reason ?? new Error('The read was aborted'));
  // One timer, re-armed per chunk: cheaper than a timer per chunk on a multi-GB object.
  const timer = setTimeout(() => {
    if (waiting) halt(stalled());
  }, idleTimeoutMs);
  signal?.addEventListener('abort', onAbort, { once: true });
  let finished = false;
  try {
    if (signal?.aborted === true) onAbort();
    for (;;) {
      const next = await new Promise<IteratorResult<Uint8Array>>((resolve, reject) => {
        if (failure !== undefined) return reject(failure.error);
        fail = reject;
        waiting = true;
        timer.refresh();
        iterator.next().then(resolve, reject);
      });
      waiting = false;
      fail = undefined;
      if (next.done === true) {
        finished = true;
        return;
      }
      yield next.value;
    }
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    // The reader broke off early: release the body's socket.
    if (!finished && failure === undefined) await iterator.return?.();
  }
}

/** Ends a body that will not be read to its end: destroys a stream, else returns its iterator. */
function release(body: AsyncIterable<Uint8Array>, iterator: AsyncIterator<Uint8Array>): void {
  const destroy = (body as { destroy?: () => void }).destroy;
  if (typeof destroy === 'function') {
    // Without an error: one with no 'error' listener yet (no chunk asked for) would be thrown.
    destroy.call(body);
  } else {
    // Not awaited: a generator's return waits for its pending next, which may never settle.
    void iterator.return?.().catch(() => undefined);
  }
}

/** Options of {@link decodeText} and {@link lines}. */
export interface ReadOptions {
  /** Receives the object's byte counts as it streams. */
  readonly counter?: ByteCounter;
}

/**
 * Decompressed bytes per zlib call (zlib's default is 16 KiB): larger calls let the inflater, on
 * libuv's thread pool, keep ahead of the parser on the main thread (bench/README.md).
 */
const GUNZIP_CHUNK_SIZE = 512 * 1024;
/** Decompressed bytes the inflater may hold ahead of the parser: one call's output and more. */
const GUNZIP_READ_AHEAD = 1024 * 1024;
/** Bytes decoded to one string: the parser slices lines more slowly out of longer strings (bench/README.md). */
const DECODE_SLICE = 64 * 1024;

/**
 * Streams an S3 object body as UTF-8 text chunks: {@link decodedBytes}, then decoding (see
 * {@link ObjectTextDecoder}). Memory use is bounded by the chunk sizes, never by the object's size.
 *
 * @param body the GetObject body (a Node `Readable` is an `AsyncIterable<Uint8Array>`)
 * @throws DecompressionError when the body starts like gzip but does not decompress
 */
export async function* decodeText(
  body: AsyncIterable<Uint8Array>,
  options: ReadOptions = {},
): AsyncGenerator<string> {
  const decoder = new ObjectTextDecoder();
  for await (const whole of decodedBytes(body, options)) {
    for (let offset = 0; offset < whole.length; offset += DECODE_SLICE) {
      const chunk = whole.length <= DECODE_SLICE ? whole : whole.subarray(offset, offset + DECODE_SLICE);
      const text = decoder.write(chunk);
      if (text.length > 0) yield text;
    }
  }
  const tail = decoder.end();
  if (tail.length > 0) yield tail;
}

/**
 * Decodes an object's bytes, in order, to text: multi-byte characters split across chunks are
 * reassembled, malformed UTF-8 becomes U+FFFD, and a UTF-8 BOM at the very start is dropped.
 */
export class ObjectTextDecoder {
  readonly #decoder = new StringDecoder('utf8');
  #first = true;

  /** The text of `chunk` (and of any character it completes). */
  public write(chunk: Uint8Array): string {
    return this.#dropBom(this.#decoder.write(chunk as Buffer));
  }

  /** The text of a character left incomplete at the end. */
  public end(): string {
    return this.#dropBom(this.#decoder.end());
  }

  #dropBom(text: string): string {
    if (!this.#first || text.length === 0) return text;
    this.#first = false;
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  }
}

/**
 * Streams an S3 object body as its decompressed bytes.
 *
 * gzip is detected by its magic bytes (`1f 8b`), not by the key's suffix: CloudTrail, VPC flow logs
 * and Firehose all write gzip under names that do not always say so. Concatenated gzip members
 * (Firehose, `cat a.gz b.gz`) are all decompressed, and so is a gzip stream inside the gzip
 * (Firehose's CloudWatch Logs deliveries). Chunks are at most {@link GUNZIP_CHUNK_SIZE}
 * for gzip, as the body delivers them otherwise.
 *
 * @param body the GetObject body (a Node `Readable` is an `AsyncIterable<Uint8Array>`)
 * @throws DecompressionError when the body starts like gzip but does not decompress
 */
export async function* decodedBytes(
  body: AsyncIterable<Uint8Array>,
  options: ReadOptions = {},
): AsyncGenerator<Buffer> {
  const counter = options.counter ?? byteCounter();
  const iterator = body[Symbol.asyncIterator]();
  // Read just enough to see the two magic bytes (the first chunk may be a single byte).
  const head: Uint8Array[] = [];
  let headBytes = 0;
  let ended = false;
  while (headBytes < 2) {
    const next = await iterator.next();
    if (next.done) {
      ended = true;
      break;
    }
    if (next.value.length === 0) continue;
    head.push(next.value);
    headBytes += next.value.length;
  }
  if (head.length > 1) head.splice(0, head.length, Buffer.concat(head));
  const magic = head[0];
  counter.gzip = magic !== undefined && magic.length >= 2 && magic[0] === 0x1f && magic[1] === 0x8b;

  async function* raw(): AsyncGenerator<Uint8Array> {
    let finished = ended;
    try {
      for (const chunk of head) {
        counter.compressedBytes += chunk.length;
        yield chunk;
      }
      while (!finished) {
        const next = await iterator.next();
        if (next.done) {
          finished = true;
          break;
        }
        counter.compressedBytes += next.value.length;
        yield next.value;
      }
    } finally {
      // Stopped early (the consumer broke off, or an error): release the body's socket.
      if (!finished) await iterator.return?.();
    }
  }

  const decoded = counter.gzip ? nestedGunzip(gunzip(raw())) : raw();
  for await (const chunk of decoded) {
    counter.uncompressedBytes += chunk.length;
    yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
  }
}

/**
 * A gzip stream inside the gzip object, decompressed too: Firehose gzips CloudWatch Logs
 * subscription payloads that are gzip already. One layer more at most, so nesting cannot be used
 * to multiply the work.
 */
async function* nestedGunzip(outer: AsyncGenerator<Buffer>): AsyncGenerator<Buffer> {
  const head: Buffer[] = [];
  let headBytes = 0;
  while (headBytes < 2) {
    const next = await outer.next();
    if (next.done) break;
    head.push(next.value);
    headBytes += next.value.length;
  }
  const first = Buffer.concat(head);
  async function* replay(): AsyncGenerator<Buffer> {
    if (first.length > 0) yield first;
    yield* outer;
  }
  yield* first.length >= 2 && first[0] === 0x1f && first[1] === 0x8b ? gunzip(replay()) : replay();
}

async function* gunzip(source: AsyncGenerator<Uint8Array>): AsyncGenerator<Buffer> {
  // zlib streams hand their options on to stream.Transform, which reads readableHighWaterMark;
  // @types/node's ZlibOptions does not list it.
  const inflater = createGunzip({
    chunkSize: GUNZIP_CHUNK_SIZE,
    readableHighWaterMark: GUNZIP_READ_AHEAD,
  } as ZlibOptions);
  // pipeline() destroys both ends on an error or an early break, and its callback keeps an error
  // from going unhandled; the error itself surfaces through the for-await below.
  pipeline(Readable.from(source, { objectMode: false }), inflater, () => undefined);
  try {
    for await (const chunk of inflater) yield chunk as Buffer;
  } catch (error) {
    if (isZlibError(error)) {
      throw new DecompressionError(
        `The object starts with the gzip magic bytes but does not decompress: ${(error as Error).message}`,
        { cause: error },
      );
    }
    throw error;
  } finally {
    inflater.destroy();
  }
}

function isZlibError(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && code.startsWith('Z_');
}

/**
 * Streams an S3 object body as lines: {@link decodeText} then line splitting on `\n` / `\r\n`.
 * Empty lines are skipped but still counted, so `lineNumber` is the 1-based line number an operator
 * sees in the decompressed file. Yields one array of lines per decoded chunk: the caller's per-line
 * work then runs synchronously, with one `await` per chunk.
 *
 * A line longer than `maxLineLength` UTF-16 code units is yielded with `oversized: true` and empty
 * text, so memory stays bounded even for an object with no newlines.
 */
export function lineBatches(
  body: AsyncIterable<Uint8Array>,
  options: ReadOptions & { readonly maxLineLength?: number } = {},
): AsyncGenerator<Line[]> {
  return splitLines(decodeText(body, options), options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH);
}

/** {@link lineBatches}, one line at a time. */
export async function* lines(
  body: AsyncIterable<Uint8Array>,
  options: ReadOptions & { readonly maxLineLength?: number } = {},
): AsyncGenerator<Line> {
  for await (const batch of lineBatches(body, options)) yield* batch;
}
