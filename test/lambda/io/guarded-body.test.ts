import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import { decodeText, guardedBody } from '../../../lambda/io/object-reader';

const stalledError = new Error('stalled');
const stalled = () => stalledError;

/** A stream that sends `chunks`, then nothing, ever (a socket whose peer went quiet). */
function stallingStream(...chunks: string[]): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent < chunks.length) this.push(Buffer.from(chunks[sent++]));
    },
  });
}

async function readAll(body: AsyncIterable<Uint8Array>): Promise<string> {
  let text = '';
  for await (const chunk of decodeText(body)) text += chunk;
  return text;
}

describe('guardedBody', () => {
  test('passes the bytes through unchanged, gzip included', async () => {
    const body = Readable.from([gzipSync('line one\n'), gzipSync('line two\n')]);
    await expect(readAll(guardedBody(body, { idleTimeoutMs: 1_000, stalled }))).resolves.toBe(
      'line one\nline two\n',
    );
  });

  test('fails with the stalled error, and destroys the body, when no bytes arrive for the idle timeout', async () => {
    // GIVEN a body that sends one line and then goes quiet
    const body = stallingStream('{"a":1}\n');
    const received: string[] = [];
    // WHEN
    const error = await (async () => {
      for await (const chunk of guardedBody(body, { idleTimeoutMs: 50, stalled })) {
        received.push(Buffer.from(chunk).toString());
      }
    })().catch((e: unknown) => e);
    // THEN what came before the stall was read, then the read failed and the socket was released
    expect(received).toStrictEqual(['{"a":1}\n']);
    expect(error).toBe(stalledError);
    expect(body.destroyed).toBe(true);
  });

  test('does not count time the reader spends elsewhere (backpressure) as idle', async () => {
    // GIVEN a body whose chunks are always ready, read by a consumer slower than the idle timeout
    const body = Readable.from([Buffer.from('a'), Buffer.from('b'), Buffer.from('c')]);
    const received: string[] = [];
    // WHEN
    for await (const chunk of guardedBody(body, { idleTimeoutMs: 20, stalled })) {
      received.push(Buffer.from(chunk).toString());
      await sleep(80);
    }
    // THEN
    expect(received).toStrictEqual(['a', 'b', 'c']);
  });

  test('ends a stalled read as soon as the signal aborts, long before the idle timeout', async () => {
    // GIVEN a stalled body under a long idle timeout
    const body = stallingStream('x');
    const invocation = new AbortController();
    const reason = new Error('time budget');
    const read = (async () => {
      for await (const chunk of guardedBody(body, {
        idleTimeoutMs: 60_000,
        stalled,
        signal: invocation.signal,
      })) {
        void chunk;
      }
    })();
    await sleep(20);
    // WHEN
    const startedAt = Date.now();
    invocation.abort(reason);
    // THEN
    await expect(read).rejects.toBe(reason);
    expect(Date.now() - startedAt).toBeLessThan(1_000);
    expect(body.destroyed).toBe(true);
  });

  test('reads nothing once the signal has aborted', async () => {
    const body = Readable.from([Buffer.from('data')]);
    const invocation = new AbortController();
    invocation.abort(new Error('time budget'));
    const iterator = guardedBody(body, { idleTimeoutMs: 1_000, stalled, signal: invocation.signal });
    await expect(iterator.next()).rejects.toThrow('time budget');
    expect(body.destroyed).toBe(true);
  });

  test('releases the body when the reader breaks off early', async () => {
    const body = Readable.from([Buffer.from('a'), Buffer.from('b')]);
    for await (const chunk of guardedBody(body, { idleTimeoutMs: 1_000, stalled })) {
      void chunk;
      break;
    }
    expect(body.destroyed).toBe(true);
  });

  test('ends a stalled body that is no stream through its iterator', async () => {
    // GIVEN an async iterable without destroy(), that hangs after one chunk
    let returned = false;
    const body: AsyncIterable<Uint8Array> = {
      [Symbol.asyncIterator]: () => {
        let first = true;
        return {
          next: () => {
            if (!first) return new Promise<IteratorResult<Uint8Array>>(() => undefined);
            first = false;
            return Promise.resolve({ done: false, value: Buffer.from('x') });
          },
          return: () => {
            returned = true;
            return Promise.resolve({ done: true, value: undefined });
          },
        };
      },
    };
    // WHEN
    const error = await readAll(guardedBody(body, { idleTimeoutMs: 30, stalled })).catch((e: unknown) => e);
    // THEN
    expect(error).toBe(stalledError);
    expect(returned).toBe(true);
  });
});
