/**
 * An S3 body that stops sending part-way (a local HTTP server standing in for S3, through the real
 * SDK client): the read fails transient, naming the object, after the idle timeout, or as soon as
 * the invocation's time budget ends, whichever comes first; either way the handler returns in time.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { s3ObjectOpener } from '../../../lambda/io/s3-objects';
import { lambdaContext, s3Notification, sqsEvent, sqsRecord } from '../../support/events';
import { BUCKET, makeHandler, output, useForwarderHarness } from '../../support/forwarder-harness';
import { localS3Client } from '../../support/s3-server';

useForwarderHarness();

/** Answers every GetObject with headers promising 1 MB and two lines of it, then goes quiet. */
let stalling: Server;
const sockets = new Set<Socket>();
beforeAll(async () => {
  stalling = createServer((_req, res) => {
    res.writeHead(200, {
      'content-type': 'application/x-ndjson',
      'content-length': String(1024 * 1024),
      etag: '"0123456789abcdef0123456789abcdef"',
      'last-modified': new Date().toUTCString(),
    });
    res.write('{"seq":0}\n{"seq":1}\n');
  });
  stalling.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => stalling.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => stalling.close(() => resolve()));
});

function stallingS3() {
  return localS3Client(`http://127.0.0.1:${(stalling.address() as AddressInfo).port}`);
}

const KEY = 'stalled/object.json';

describe('forwarder handler', () => {
  test('fails the message transient, naming the object, when its body stops sending', async () => {
    // GIVEN an idle timeout of 300 ms and a function with minutes left
    const handler = makeHandler({
      openObject: s3ObjectOpener(stallingS3(), { producer: 'app-logs', idleTimeoutMs: 300 }),
    });
    // WHEN
    const startedAt = Date.now();
    const response = await handler(
      sqsEvent(sqsRecord(s3Notification({ bucket: BUCKET, key: KEY }), 'stalled')),
      lambdaContext(300_000),
    );
    // THEN the message is retried later, with a reason an operator can act on
    expect(response).toStrictEqual({ batchItemFailures: [{ itemIdentifier: 'stalled' }] });
    const error = output.logs().find((l) => l.level === 'ERROR');
    expect(error).toMatchObject({ messageId: 'stalled', failureClass: 'ObjectRead', retryable: true });
    expect(String(error?.message)).toMatch(
      /^producer app-logs s3:\/\/logs\/stalled\/object\.json: the object's body sent no bytes for 0\.3 s; retrying later\./,
    );
    expect(Date.now() - startedAt).toBeLessThan(10_000);
  });

  test('ends a stalled read when the time budget ends, long before the idle timeout', async () => {
    // GIVEN an idle timeout of a minute, and a function with 1.5 s of budget left
    const handler = makeHandler({
      openObject: s3ObjectOpener(stallingS3(), { producer: 'app-logs', idleTimeoutMs: 60_000 }),
      safetyMarginMs: 500,
    });
    // WHEN
    const startedAt = Date.now();
    const response = await handler(
      sqsEvent(sqsRecord(s3Notification({ bucket: BUCKET, key: KEY }), 'out-of-time')),
      lambdaContext(2_000),
    );
    // THEN
    expect(Date.now() - startedAt).toBeLessThan(10_000);
    expect(response).toStrictEqual({ batchItemFailures: [{ itemIdentifier: 'out-of-time' }] });
    expect(output.logs().find((l) => l.level === 'ERROR')).toMatchObject({
      messageId: 'out-of-time',
      failureClass: 'TimeBudgetExhausted',
      retryable: true,
    });
  });
});
