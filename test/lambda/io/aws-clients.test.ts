import { ListBucketsCommand } from '@aws-sdk/client-s3';
import { ListQueuesCommand } from '@aws-sdk/client-sqs';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import {
  boundedCall,
  createS3Client,
  createSqsClient,
  createSsmClient,
  createStsClient,
  DEFAULT_AWS_CLIENT_TIMEOUTS,
  DEFAULT_CALL_TIMEOUT_MS,
} from '../../../lambda/io/aws-clients';

/** A promise that never settles: a hung endpoint. */
const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

describe('boundedCall', () => {
  test("resolves with the call's value", async () => {
    await expect(boundedCall(async () => 'value', { timeoutMs: 1_000 })).resolves.toBe('value');
  });

  test("passes the call's own failure through", async () => {
    const failure = new Error('refused');
    await expect(boundedCall(() => Promise.reject(failure), { timeoutMs: 1_000 })).rejects.toBe(failure);
  });

  test('fails with the timeout error when the call hangs, and aborts the signal the call was given', async () => {
    // GIVEN a call that never answers
    let given: AbortSignal | undefined;
    const timedOut = new Error('timed out');
    // WHEN
    const error = await boundedCall(
      (signal) => {
        given = signal;
        return never();
      },
      { timeoutMs: 20, timedOut: () => timedOut },
    ).catch((e: unknown) => e);
    // THEN the call's signal aborted too, so an SDK request is cut rather than left open
    expect(error).toBe(timedOut);
    expect(given?.aborted).toBe(true);
    expect(given?.reason).toBe(timedOut);
  });

  test("fails with the abort error as soon as the invocation's signal aborts", async () => {
    // GIVEN a call that never answers, under a long timeout
    const invocation = new AbortController();
    let given: AbortSignal | undefined;
    const call = boundedCall(
      (signal) => {
        given = signal;
        return never();
      },
      {
        signal: invocation.signal,
        aborted: () => new Error('out of time'),
        timeoutMs: 60_000,
        timedOut: () => new Error('timed out'),
      },
    );
    // WHEN
    invocation.abort();
    // THEN
    await expect(call).rejects.toThrow('out of time');
    expect(given?.aborted).toBe(true);
  });

  test('does not start the call once the signal has aborted', async () => {
    const invocation = new AbortController();
    invocation.abort();
    const call = jest.fn(async () => 'value');
    await expect(
      boundedCall(call, { signal: invocation.signal, aborted: () => new Error('out of time') }),
    ).rejects.toThrow('out of time');
    expect(call).not.toHaveBeenCalled();
  });

  test('stops listening to the signal once the call answered', async () => {
    // GIVEN a call that answered
    const invocation = new AbortController();
    let given: AbortSignal | undefined;
    await boundedCall(
      async (signal) => {
        given = signal;
        return 'value';
      },
      { signal: invocation.signal, timeoutMs: 1_000 },
    );
    // WHEN the invocation ends later
    invocation.abort();
    // THEN the finished call's signal is left alone (a GetObject body keeps streaming)
    expect(given?.aborted).toBe(false);
  });
});

describe('AWS client factories', () => {
  test('three SDK attempts at the default limits, and their back-off, end within the per-call bound', () => {
    // requestTimeout runs from the request's start, so it includes connecting.
    const { connectionTimeoutMs, requestTimeoutMs } = DEFAULT_AWS_CLIENT_TIMEOUTS;
    expect(connectionTimeoutMs).toBeLessThan(requestTimeoutMs);
    const standardRetryBackOffMs = 2 * 1_000;
    expect(3 * requestTimeoutMs + standardRetryBackOffMs).toBeLessThan(DEFAULT_CALL_TIMEOUT_MS);
  });

  describe('against an endpoint that accepts connections and never answers', () => {
    let server: Server;
    const sockets = new Set<Socket>();
    const saved = { ...process.env };

    beforeAll(async () => {
      server = createServer((socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      // The SDK's configured-endpoint and retry variables, so the factories run unchanged.
      Object.assign(process.env, {
        AWS_ENDPOINT_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        AWS_MAX_ATTEMPTS: '1',
        AWS_REGION: 'eu-west-1',
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
      });
    });
    afterAll(async () => {
      process.env = saved;
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    const timeouts = { connectionTimeoutMs: 1_000, requestTimeoutMs: 200 };
    test.each([
      ['S3', () => createS3Client(timeouts).send(new ListBucketsCommand({}))],
      ['SQS', () => createSqsClient(timeouts).send(new ListQueuesCommand({}))],
      ['SSM', () => createSsmClient(timeouts).send(new GetParameterCommand({ Name: '/p' }))],
      ['STS', () => createStsClient(timeouts).send(new GetCallerIdentityCommand({}))],
    ])('the %s client fails with a TimeoutError after requestTimeout', async (_name, send) => {
      // WHEN
      const startedAt = Date.now();
      const error = await send().catch((e: unknown) => e);
      // THEN an error (the SDK alone would only log a warning and wait for ever)
      expect(error).toMatchObject({ name: 'TimeoutError' });
      expect(String((error as Error).message)).toMatch(/200 ms requestTimeout/);
      expect(Date.now() - startedAt).toBeLessThan(5_000);
    });
  });
});
