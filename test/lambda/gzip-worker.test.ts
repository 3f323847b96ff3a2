// GzipWorker: request bodies compressed on a worker thread. What must hold is that every body comes
// back as the gzip zlib would have made with the same options, whichever path it took (worker, or
// zlib.gzip for other bodies and after a failure), and that the thread never outlives its use.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type * as WorkerThreads from 'node:worker_threads';
import { gunzipSync, gzip, gzipSync, type ZlibOptions } from 'node:zlib';
import type * as Zlib from 'node:zlib';
import { buildSync } from 'esbuild';
import { GzipWorker, type GzipWorkerOptions } from '../../lambda/io/gzip-worker';

// Observed, not replaced: zlib.gzip (the fallback path) counts its calls, and every worker thread
// the module starts is recorded so a test can tell whether one was started and can break it.
jest.mock('node:zlib', () => {
  const actual = jest.requireActual<typeof Zlib>('node:zlib');
  return { ...actual, gzip: jest.fn(actual.gzip) };
});
jest.mock('node:worker_threads', () => {
  const actual = jest.requireActual<typeof WorkerThreads>('node:worker_threads');
  class RecordingWorker extends actual.Worker {
    static readonly started: RecordingWorker[] = [];
    public constructor(...args: ConstructorParameters<typeof actual.Worker>) {
      super(...args);
      RecordingWorker.started.push(this);
    }
  }
  return { ...actual, Worker: RecordingWorker };
});

const gzipCalls = jest.mocked(gzip);
/** Every worker thread started so far, in order. */
const started = (Worker as unknown as { started: Worker[] }).started;

const ZLIB: ZlibOptions = { level: 6, memLevel: 8, chunkSize: 256 * 1024 };

/** Bytes from a seeded generator over a small alphabet: compressible, but never trivially so. */
function fill(target: Buffer, seed: number): Buffer {
  let state = seed;
  for (let i = 0; i < target.length; i++) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    target[i] = 0x41 + (state % 23);
  }
  return target;
}

/** A body of `size` bytes in a SharedArrayBuffer of its own. */
function sharedBody(size: number, seed: number): Buffer {
  return fill(Buffer.from(new SharedArrayBuffer(size)), seed);
}

const workers: GzipWorker[] = [];
function gzipWorker(options: GzipWorkerOptions = { zlib: ZLIB }): GzipWorker {
  const worker = new GzipWorker(options);
  workers.push(worker);
  return worker;
}

beforeEach(() => gzipCalls.mockClear());
afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.close()));
});

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}

describe('GzipWorker round trip', () => {
  test('compresses a SharedArrayBuffer body on the worker, exactly as gzipSync with the same options', async () => {
    // GIVEN a 300 KB body in a SharedArrayBuffer
    const worker = gzipWorker();
    const body = sharedBody(300_000, 1);
    const before = started.length;
    // WHEN
    const output = await worker.compress(body);
    // THEN it went to a worker thread, not through zlib.gzip, and came back as gzipSync makes it
    expect(started.length).toBe(before + 1);
    expect(worker.running).toBe(true);
    expect(gzipCalls).not.toHaveBeenCalled();
    expect(gunzipSync(output).equals(body)).toBe(true);
    expect(output.equals(gzipSync(body, ZLIB))).toBe(true);
  });

  test('reads a view at a nonzero offset of a shared buffer, and only that view', async () => {
    // GIVEN views into one SharedArrayBuffer at several offsets and lengths, including empty
    const worker = gzipWorker();
    const whole = sharedBody(100_000, 2);
    const views = [
      whole.subarray(1, 50_001),
      whole.subarray(33_333, 33_334),
      whole.subarray(99_000),
      whole.subarray(70_000, 70_000),
    ];
    // WHEN
    const outputs = await Promise.all(views.map((view) => worker.compress(view)));
    // THEN each output is the gzip of its view's bytes, not of the whole buffer or another view
    expect(gzipCalls).not.toHaveBeenCalled();
    outputs.forEach((output, i) => {
      expect(gunzipSync(output).equals(views[i])).toBe(true);
      expect(output.equals(gzipSync(views[i], ZLIB))).toBe(true);
    });
  });

  test('compresses an ordinary Buffer with zlib.gzip and does not start the worker', async () => {
    // GIVEN bodies not backed by a SharedArrayBuffer: an own allocation and a pooled one
    const worker = gzipWorker();
    const bodies = [fill(Buffer.alloc(200_000), 3), Buffer.from('{"a":"é😀"}', 'utf8')];
    const before = started.length;
    // WHEN
    const outputs = await Promise.all(bodies.map((body) => worker.compress(body)));
    // THEN both round-trip with the same bytes gzipSync makes, and no thread was started for them
    expect(gzipCalls).toHaveBeenCalledTimes(bodies.length);
    expect(worker.running).toBe(false);
    expect(started.length).toBe(before);
    outputs.forEach((output, i) => {
      expect(gunzipSync(output).equals(bodies[i])).toBe(true);
      expect(output.equals(gzipSync(bodies[i], ZLIB))).toBe(true);
    });
  });

  test.each<[string, ZlibOptions]>([
    ['level 1', { level: 1 }],
    ['level 9, memLevel 9', { level: 9, memLevel: 9 }],
    ['the uploader options', { level: 6, memLevel: 8, chunkSize: 256 * 1024 }],
    // Chunks this small come from Buffer's pool in the worker: the copy-before-transfer case.
    ['small output chunks', { level: 6, chunkSize: 1024 }],
  ])('honours the zlib options (%s) on both paths', async (_name, zlib) => {
    // GIVEN a shared and an ordinary body with the same bytes
    const worker = gzipWorker({ zlib });
    const shared = sharedBody(120_000, 4);
    const ordinary = Buffer.from(shared);
    // WHEN
    const [fromShared, fromOrdinary] = await Promise.all([
      worker.compress(shared),
      worker.compress(ordinary),
    ]);
    // THEN both are byte for byte what gzipSync makes with those options, header flags included
    const expected = gzipSync(ordinary, zlib);
    expect(ordinary.buffer).not.toBeInstanceOf(SharedArrayBuffer);
    expect(gzipCalls.mock.calls.map(([input]) => input)).toContain(ordinary);
    expect(fromShared.equals(expected)).toBe(true);
    expect(fromOrdinary.equals(expected)).toBe(true);
    // XFL (byte 8) says 2 for the slowest level, 4 for the fastest, else 0.
    const level = zlib.level ?? 6;
    expect(fromShared[8]).toBe(level === 9 ? 2 : level === 1 ? 4 : 0);
  });

  test('the options make a difference, so comparing with gzipSync can catch ignored ones', () => {
    const body = sharedBody(120_000, 4);
    expect(gzipSync(body, { level: 1 }).equals(gzipSync(body, { level: 9, memLevel: 9 }))).toBe(false);
  });

  test('answers many concurrent bodies each with its own output', async () => {
    // GIVEN 60 bodies of different lengths and contents, most shared (some views of one buffer),
    // some ordinary, all sent before any answer arrives
    const worker = gzipWorker();
    const pool = sharedBody(500_000, 5);
    const bodies = Array.from({ length: 60 }, (_, i) => {
      if (i % 5 === 0) return fill(Buffer.alloc(1_000 + i * 97), 100 + i);
      if (i % 3 === 0) return pool.subarray(i * 7_001, i * 7_001 + 2_000 + i * 53);
      return sharedBody(1_000 + ((i * 7_919) % 40_000), 200 + i);
    });
    // WHEN
    const outputs = await Promise.all(bodies.map((body) => worker.compress(body)));
    // THEN every answer is the gzip of the body it was asked for
    expect(gzipCalls).toHaveBeenCalledTimes(
      bodies.filter((b) => !(b.buffer instanceof SharedArrayBuffer)).length,
    );
    expect(outputs.map((output) => gunzipSync(output).toString('latin1'))).toStrictEqual(
      bodies.map((body) => body.toString('latin1')),
    );
    outputs.forEach((output, i) => expect(output.equals(gzipSync(bodies[i], ZLIB))).toBe(true));
  });

  test('runs after a shared body, stops on close(), and starts afresh on the next shared body', async () => {
    // GIVEN a worker that compressed a shared body
    const worker = gzipWorker();
    await worker.compress(sharedBody(10_000, 6));
    expect(worker.running).toBe(true);
    const first = started.length;
    // WHEN it is closed while idle
    await worker.close();
    // THEN it no longer runs; a close while idle is no failure, so the next shared body goes to a new thread
    expect(worker.running).toBe(false);
    const body = sharedBody(10_000, 7);
    const output = await worker.compress(body);
    expect(worker.running).toBe(true);
    expect(started.length).toBe(first + 1);
    expect(gzipCalls).not.toHaveBeenCalled();
    expect(gunzipSync(output).equals(body)).toBe(true);
  });

  test('close() before any body is harmless', async () => {
    const worker = gzipWorker();
    await worker.close();
    expect(worker.running).toBe(false);
    const body = sharedBody(5_000, 8);
    expect(gunzipSync(await worker.compress(body)).equals(body)).toBe(true);
  });
});

describe('GzipWorker after the worker fails', () => {
  test('a body pending when the worker is closed still resolves to its gzip, and later bodies start a new thread', async () => {
    // GIVEN a body handed to a worker thread that has just been started
    const worker = gzipWorker();
    const body = sharedBody(1_000_000, 9);
    const before = started.length;
    const pending = worker.compress(body);
    expect(started.length).toBe(before + 1);
    // WHEN the thread is stopped before it could answer
    await worker.close();
    // THEN the pending body is compressed by zlib.gzip instead, correctly
    const output = await pending;
    expect(gzipCalls).toHaveBeenCalledTimes(1);
    expect(output.equals(gzipSync(body, ZLIB))).toBe(true);
    // and later shared bodies go to a new thread: closing is not a failure
    const later = [sharedBody(50_000, 10), sharedBody(70_000, 11).subarray(3)];
    const outputs = await Promise.all(later.map((b) => worker.compress(b)));
    outputs.forEach((out, i) => expect(out.equals(gzipSync(later[i], ZLIB))).toBe(true));
    expect(gzipCalls).toHaveBeenCalledTimes(1);
    expect(started.length).toBe(before + 2);
    expect(worker.running).toBe(true);
  });

  test('a body pending when the worker thread crashes still resolves to its gzip, and so do later bodies', async () => {
    // GIVEN a running worker thread, made to crash by a message it cannot handle (its error
    // answer itself throws), queued ahead of a body
    const worker = gzipWorker();
    await worker.compress(sharedBody(1_000, 12));
    const thread = started[started.length - 1];
    const errors: Error[] = [];
    thread.on('error', (error) => errors.push(error));
    const exited = new Promise<number>((resolve) => thread.once('exit', resolve));
    thread.postMessage(null);
    const body = sharedBody(200_000, 13);
    // WHEN the body is handed to it
    const output = await worker.compress(body);
    // THEN the thread died of an uncaught error, and the body was compressed by zlib.gzip instead
    expect(await exited).not.toBe(0);
    expect(errors).toHaveLength(1);
    expect(gzipCalls).toHaveBeenCalledTimes(1);
    expect(output.equals(gzipSync(body, ZLIB))).toBe(true);
    expect(worker.running).toBe(false);
    // and later bodies, shared or not, still compress correctly without a new thread
    const count = started.length;
    const later = [sharedBody(30_000, 14), fill(Buffer.alloc(30_000), 15)];
    const outputs = await Promise.all(later.map((b) => worker.compress(b)));
    outputs.forEach((out, i) => expect(gunzipSync(out).equals(later[i])).toBe(true));
    expect(gzipCalls).toHaveBeenCalledTimes(1 + later.length);
    expect(started.length).toBe(count);
  });

  test('a body the worker thread refuses is compressed by zlib.gzip, and the thread goes on', async () => {
    // GIVEN a running worker thread whose next job is altered on its way to reach past its buffer,
    // so the thread's gzip of it throws and it answers with an error
    const worker = gzipWorker();
    await worker.compress(sharedBody(1_000, 16));
    const thread = started[started.length - 1];
    const answers: { id: number; error?: string }[] = [];
    thread.on('message', (answer: { id: number; error?: string }) => answers.push(answer));
    const post = thread.postMessage.bind(thread);
    thread.postMessage = (job: { buffer: SharedArrayBuffer; offset: number }) => {
      post({ ...job, length: job.buffer.byteLength - job.offset + 1 });
    };
    const refused = sharedBody(20_000, 17);
    // WHEN that body is compressed
    const output = await worker.compress(refused);
    // THEN the thread did refuse it, and the body came back compressed by zlib.gzip all the same
    // (toEqual: the answer was made in the worker's realm, its prototype is not this test's Object)
    expect(answers).toEqual([{ id: expect.any(Number), error: expect.any(String) }]);
    expect(gzipCalls).toHaveBeenCalledTimes(1);
    expect(output.equals(gzipSync(refused, ZLIB))).toBe(true);
    // and the same thread compresses the next body itself: one refusal is no failure of the thread
    Reflect.deleteProperty(thread, 'postMessage');
    const count = started.length;
    const body = sharedBody(20_000, 18);
    const next = await worker.compress(body);
    expect(worker.running).toBe(true);
    expect(gzipCalls).toHaveBeenCalledTimes(1);
    expect(started.length).toBe(count);
    expect(next.equals(gzipSync(body, ZLIB))).toBe(true);
  });
});

describe('GzipWorker when idle', () => {
  test('stops its thread after idleMs without a body, and starts a new one on the next', async () => {
    // GIVEN a worker with a short idle time that just compressed a shared body
    const worker = gzipWorker({ zlib: ZLIB, idleMs: 50 });
    await worker.compress(sharedBody(10_000, 18));
    const first = started.length;
    const exited = new Promise((resolve) => started[first - 1].once('exit', resolve));
    // THEN it still runs right after the answer
    expect(worker.running).toBe(true);
    // WHEN it stays idle
    const stopped = await waitFor(() => !worker.running, 5_000);
    // THEN it stops by itself
    expect(stopped).toBe(true);
    await exited;
    // and, once the thread is gone, the next shared body starts a new thread (an idle stop is no
    // failure) and comes back right
    const body = sharedBody(10_000, 19);
    const output = await worker.compress(body);
    expect(worker.running).toBe(true);
    expect(started.length).toBe(first + 1);
    expect(gzipCalls).not.toHaveBeenCalled();
    expect(output.equals(gzipSync(body, ZLIB))).toBe(true);
  });

  // Regression: the stopping thread's 'exit' once counted the new thread's jobs as its own, marked
  // the GzipWorker broken and left the new thread ref'd (keeping the process alive). In the Lambda,
  // a thawed environment's overdue idle timer fires as the next invocation starts sending.
  test('a body sent while the idle-stopped thread is still exiting goes to the new thread', async () => {
    // GIVEN a worker whose idle stop is intercepted: a body arrives just as the thread is terminated
    const worker = gzipWorker({ zlib: ZLIB, idleMs: 20 });
    await worker.compress(sharedBody(10_000, 25));
    const thread = started[started.length - 1];
    const terminate = thread.terminate.bind(thread);
    const body = sharedBody(10_000, 26);
    let pending: Promise<Buffer> | undefined;
    thread.terminate = () => {
      pending = worker.compress(body);
      return terminate();
    };
    // WHEN the idle stop happens
    expect(await waitFor(() => pending !== undefined, 5_000)).toBe(true);
    const output = await pending!;
    // THEN the body is compressed right, by the new thread, and that thread stays usable
    expect(output.equals(gzipSync(body, ZLIB))).toBe(true);
    expect(gzipCalls).not.toHaveBeenCalled();
    const next = sharedBody(10_000, 27);
    expect((await worker.compress(next)).equals(gzipSync(next, ZLIB))).toBe(true);
    expect(gzipCalls).not.toHaveBeenCalled();
  });

  test('a body within idleMs keeps the same thread', async () => {
    // GIVEN a worker with an idle time far longer than the test
    const worker = gzipWorker({ zlib: ZLIB, idleMs: 60_000 });
    await worker.compress(sharedBody(10_000, 20));
    const count = started.length;
    // WHEN more bodies follow, with short pauses between them
    for (let i = 0; i < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 30));
      const body = sharedBody(5_000, 21 + i);
      expect(gunzipSync(await worker.compress(body)).equals(body)).toBe(true);
    }
    // THEN no other thread was started
    expect(started.length).toBe(count);
    expect(worker.running).toBe(true);
  });
});

describe('GzipWorker and the process lifetime', () => {
  const SIZE = 250_000;
  let dir: string;
  let child: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gzip-worker-'));
    child = join(dir, 'child.js');
    // The child is bundled from the real GzipWorker (see test/support/gzip-worker-child.ts).
    buildSync({
      entryPoints: [join(__dirname, '..', 'support', 'gzip-worker-child.ts')],
      outfile: child,
      bundle: true,
      platform: 'node',
      target: 'node20',
      logLevel: 'error',
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** What the child prints when its body came back right from a thread still running. */
  function expectedAnswer(): Record<string, unknown> {
    const body = Buffer.alloc(SIZE);
    for (let i = 0; i < body.length; i++) body[i] = (i * 31 + (i >> 7)) & 0xff;
    return { input: SIZE, output: gzipSync(body, { level: 6 }).length, roundTrip: true, running: true };
  }

  function runChild(...args: string[]): {
    status: number | null;
    signal: string | null;
    stdout: string;
    stderr: string;
    elapsed: number;
  } {
    const startedAt = Date.now();
    const run = spawnSync(process.execPath, [child, String(SIZE), ...args], {
      encoding: 'utf8',
      timeout: 5_000,
    });
    return {
      status: run.status,
      signal: run.signal,
      stdout: run.stdout,
      stderr: run.stderr,
      elapsed: Date.now() - startedAt,
    };
  }

  test('never keeps the process alive: a child exits on its own long before the 30 s idle time', () => {
    // GIVEN a child that compresses one shared body with the default idle time, without awaiting
    // it or closing the worker
    // WHEN it runs
    const run = runChild();
    // THEN the pending job kept it alive long enough to print the right answer (from a worker
    // still running), and the idle worker then let it exit, cleanly, long before 30 s
    expect(run.stderr).toBe('');
    expect(run.signal).toBeNull();
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toStrictEqual(expectedAnswer());
    expect(run.elapsed).toBeLessThan(5_000);
  }, 30_000);

  // Regression (see 'a body sent while the idle-stopped thread is still exiting'): the new thread
  // was left ref'd and the child never exited.
  test('a child whose body follows an idle stop still exits on its own', () => {
    // GIVEN a child whose body is sent just after its first thread was stopped for idleness
    // WHEN it runs
    const run = runChild('after-idle-stop');
    // THEN it printed the right answer and exited by itself
    expect(JSON.parse(run.stdout)).toStrictEqual(expectedAnswer());
    expect(run.signal).toBeNull();
    expect(run.status).toBe(0);
  }, 30_000);
});
