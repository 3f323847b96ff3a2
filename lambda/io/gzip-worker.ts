import { Worker } from 'node:worker_threads';
import { promisify } from 'node:util';
import { gzip, type ZlibOptions } from 'node:zlib';

const gzipAsync = promisify(gzip);

/**
 * The worker's code: `gzipSync` of each body it is sent, answered with the compressed bytes
 * (transferred, not copied back). A string rather than a file so the Lambda stays one bundled
 * file; it uses node built-ins only.
 */
const WORKER_SOURCE = `'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { gzipSync } = require('node:zlib');
parentPort.on('message', (job) => {
  try {
    let out = gzipSync(Buffer.from(job.buffer, job.offset, job.length), workerData);
    // Hand over the output's own allocation (no copy, and no garbage left here for a GC that a
    // thread allocating so little would run late). A small output may sit in Buffer's shared pool,
    // which cannot be transferred: it is copied to an allocation of its own.
    if (out.buffer.byteLength <= Buffer.poolSize) {
      const own = Buffer.allocUnsafeSlow(out.length);
      out.copy(own);
      out = own;
    }
    parentPort.postMessage({ id: job.id, output: out.buffer, offset: out.byteOffset, length: out.length }, [out.buffer]);
  } catch (error) {
    parentPort.postMessage({ id: job.id, error: String((error && error.message) || error) });
  }
});
`;

/** What the worker answers for one body. */
interface WorkerAnswer {
  readonly id: number;
  /** The compressed body: `length` bytes from `offset`. */
  readonly output?: ArrayBuffer;
  readonly offset?: number;
  readonly length?: number;
  readonly error?: string;
}

/** One worker thread and the bodies it was sent, by id. */
interface Thread {
  readonly worker: Worker;
  readonly jobs: Map<number, Job>;
  /** Set when close() terminates it: its exit is then not a failure. */
  closing: boolean;
}

interface Job {
  readonly resolve: (output: Buffer) => void;
  readonly reject: (error: Error) => void;
}

/** Options of {@link GzipWorker}. */
export interface GzipWorkerOptions {
  /** zlib options of every body (level, memLevel, chunkSize). */
  readonly zlib: ZlibOptions;
  /**
   * How long the worker thread may sit idle before it is stopped (it is started again on the next
   * body). It never keeps the process alive while idle.
   * @default 30_000
   */
  readonly idleMs?: number;
}

/**
 * gzip-compresses request bodies on a worker thread of its own.
 *
 * Why not `zlib.gzip`: each call builds a zlib stream on the main thread and makes two round trips
 * to libuv's thread pool, and when the cores are busy those hand-offs cost the main thread (which
 * is also parsing) about a millisecond per 1 MB body (`npm run bench`, CPU profile). Here the main
 * thread only posts a message: a body in a SharedArrayBuffer (the batcher's buffers are, see
 * `BufferPool`) is read by the worker in place, and the compressed bytes come back transferred.
 *
 * Bodies not backed by a SharedArrayBuffer, and every body after the worker failed, are compressed
 * with `zlib.gzip` instead: the worker is an optimization, never a new way to fail.
 */
export class GzipWorker {
  readonly #options: GzipWorkerOptions;
  #thread: Thread | undefined;
  #nextId = 0;
  #idleTimer: NodeJS.Timeout | undefined;
  /** Set once a worker failed: from then on every body is compressed with `zlib.gzip`. */
  #broken = false;

  public constructor(options: GzipWorkerOptions) {
    this.#options = options;
  }

  /** Whether a worker thread is running (for tests and diagnostics). */
  public get running(): boolean {
    return this.#thread !== undefined;
  }

  /** The body gzip-compressed with the constructor's options. */
  public async compress(body: Buffer): Promise<Buffer> {
    if (this.#broken || !(body.buffer instanceof SharedArrayBuffer)) {
      return gzipAsync(body, this.#options.zlib);
    }
    try {
      return await this.#post(body);
    } catch {
      // The worker died, was closed or refused: this body still goes out, compressed here.
      return gzipAsync(body, this.#options.zlib);
    }
  }

  /**
   * Stops the worker thread (if running); bodies it was compressing are compressed with
   * `zlib.gzip` instead, and later bodies start a new thread.
   */
  public async close(): Promise<void> {
    clearTimeout(this.#idleTimer);
    const thread = this.#thread;
    this.#thread = undefined;
    if (thread === undefined) return;
    thread.closing = true;
    await thread.worker.terminate();
  }

  #post(body: Buffer): Promise<Buffer> {
    const thread = this.#start();
    const id = this.#nextId++;
    return new Promise<Buffer>((resolve, reject) => {
      if (thread.jobs.size === 0) {
        clearTimeout(this.#idleTimer);
        // A job in flight keeps the process alive until its answer arrives.
        thread.worker.ref();
      }
      thread.jobs.set(id, { resolve, reject });
      try {
        thread.worker.postMessage({ id, buffer: body.buffer, offset: body.byteOffset, length: body.length });
      } catch (error) {
        thread.jobs.delete(id);
        if (thread.jobs.size === 0) this.#idle(thread);
        throw error;
      }
    });
  }

  #start(): Thread {
    if (this.#thread !== undefined) return this.#thread;
    let worker: Worker;
    try {
      worker = new Worker(WORKER_SOURCE, { eval: true, workerData: this.#options.zlib });
    } catch (error) {
      // Workers unavailable here: do not pay for trying again on every body.
      this.#broken = true;
      throw error;
    }
    worker.unref();
    // Jobs are kept per thread: a thread still exiting after close() must not touch the next one's.
    const thread: Thread = { worker, jobs: new Map(), closing: false };
    worker.on('message', (message: WorkerAnswer) => {
      const job = thread.jobs.get(message.id);
      if (job === undefined) return;
      thread.jobs.delete(message.id);
      if (message.output !== undefined) {
        job.resolve(Buffer.from(message.output, message.offset, message.length));
      } else {
        job.reject(new Error(`gzip worker: ${message.error}`));
      }
      if (thread.jobs.size === 0) this.#idle(thread);
    });
    const end = (error: Error): void => {
      if (this.#thread === thread) this.#thread = undefined;
      // A thread that failed by itself is not trusted again; one that was closed did not fail.
      if (!thread.closing) this.#broken = true;
      for (const job of thread.jobs.values()) job.reject(error);
      thread.jobs.clear();
    };
    worker.on('error', end);
    worker.on('exit', (code) => end(new Error(`gzip worker exited with code ${code}`)));
    this.#thread = thread;
    return thread;
  }

  /** No job in flight: let the process exit, and stop the thread if it stays idle. */
  #idle(thread: Thread): void {
    thread.worker.unref();
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => {
      if (this.#thread === thread && thread.jobs.size === 0) void this.close();
    }, this.#options.idleMs ?? 30_000);
    this.#idleTimer.unref();
  }
}
