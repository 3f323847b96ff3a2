// Child process of test/lambda/gzip-worker.test.ts: compresses one body in a SharedArrayBuffer with a
// GzipWorker, without awaiting it and without closing the worker, then has nothing more to do. Only
// the worker's thread can keep this process alive: the answer is printed only if a pending job
// keeps it alive, and the process exits before the idle time only if the idle worker does not.
//
// Usage: node child.js <bytes> [after-idle-stop]
//   default: the worker keeps its default idle time (30 s)
//   after-idle-stop: the body is sent just after a first body's worker thread was stopped for
//     idleness (idleMs 20), while that thread may still be exiting
import { gunzipSync } from 'node:zlib';
import { GzipWorker } from '../../lambda/io/gzip-worker';

const size = Number(process.argv[2]);
const afterIdleStop = process.argv[3] === 'after-idle-stop';

function sharedBody(): Buffer {
  const body = Buffer.from(new SharedArrayBuffer(size));
  for (let i = 0; i < size; i++) body[i] = (i * 31 + (i >> 7)) & 0xff;
  return body;
}

async function main(): Promise<void> {
  const worker = new GzipWorker(afterIdleStop ? { zlib: { level: 6 }, idleMs: 20 } : { zlib: { level: 6 } });
  if (afterIdleStop) {
    await worker.compress(sharedBody());
    while (worker.running) await new Promise((resolve) => setTimeout(resolve, 1));
  }
  const body = sharedBody();
  void worker.compress(body).then((output) => {
    process.stdout.write(
      JSON.stringify({
        input: size,
        output: output.length,
        roundTrip: gunzipSync(output).equals(body),
        running: worker.running,
      }),
    );
  });
}

void main();
