import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';
import { isAggregateLogsUploadError, LogsIngestionClient } from '@azure/monitor-ingestion';
import {
  classifyIngestionError,
  IngestionAuthorizationError,
  IngestionNotFoundError,
  IngestionRejectedError,
  IngestionUnavailableError,
  TimeBudgetExhaustedError,
  type ForwarderError,
} from '../../lambda/core/errors';
import {
  LOGS_INGESTION_API_VERSION,
  LOGS_INGESTION_SCOPE,
  LogsIngestionSender,
  type LogsIngestionSenderOptions,
} from '../../lambda/io/logs-ingestion-sender';
import { IngestionEmulator } from '../support/ingestion-emulator';
import { TEST_COLUMNS, TEST_STREAM, testRows } from '../support/rows';

let emulator: IngestionEmulator;

beforeAll(async () => {
  emulator = await IngestionEmulator.start({ streams: { [TEST_STREAM]: TEST_COLUMNS } });
});
afterAll(async () => {
  await emulator.close();
});
beforeEach(() => emulator.reset());

/** A request as the emulator's HTTPS server received it, body decompressed. */
interface WireRequest {
  readonly method: string | undefined;
  readonly url: string | undefined;
  readonly headers: IncomingMessage['headers'];
  readonly body: () => Buffer;
}

/**
 * Records the upload requests reaching any HTTP server of this process, through Node's own
 * `http.server.request.start` diagnostics channel: what went over the wire, not what a client
 * policy believes it sent.
 */
function recordWire(): { readonly requests: WireRequest[]; stop(): void } {
  const requests: WireRequest[] = [];
  const listener = (message: unknown): void => {
    const { request } = message as { request: IncomingMessage };
    if (!request.url?.startsWith('/dataCollectionRules/')) return;
    const chunks: Buffer[] = [];
    // Read beside the emulator: each chunk it reads is also emitted as 'data'.
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    requests.push({
      method: request.method,
      url: request.url,
      headers: request.headers,
      body: () => gunzipSync(Buffer.concat(chunks)),
    });
  };
  subscribe('http.server.request.start', listener);
  return { requests, stop: () => unsubscribe('http.server.request.start', listener) };
}

/** A credential for the emulator's token that records the scopes it is asked for. */
function recordingCredential(): TokenCredential & { readonly scopes: string[][] } {
  const scopes: string[][] = [];
  return {
    scopes,
    getToken: async (asked: string | string[], _options?: GetTokenOptions): Promise<AccessToken> => {
      scopes.push(Array.isArray(asked) ? [...asked] : [asked]);
      return { token: emulator.token, expiresOnTimestamp: Date.now() + 3_600_000 };
    },
  };
}

function sender(
  options: LogsIngestionSenderOptions = {},
  credential = emulator.credential,
): LogsIngestionSender {
  const { retryOptions, ...rest } = options;
  return new LogsIngestionSender(emulator.endpoint, credential, {
    ...emulator.clientOptions(retryOptions),
    ...rest,
  });
}

function gzipJson(rows: unknown[]): Buffer {
  return gzipSync(JSON.stringify(rows));
}

/** What `send` rejected with (fails the test if it resolved). */
async function rejection(sending: Promise<void>): Promise<Error> {
  return sending.then(
    () => {
      throw new Error('expected the send to fail');
    },
    (err: unknown) => err as Error,
  );
}

function classify(err: unknown, deadlineReached = false): ForwarderError {
  const target = {
    producer: 'app-logs',
    bucket: 'logs',
    key: 'a/b.json',
    dcrImmutableId: emulator.dcrImmutableId,
    streamName: TEST_STREAM,
  };
  return classifyIngestionError(err, target, deadlineReached);
}

describe('the contract with @azure/monitor-ingestion', () => {
  // Headers whose values differ per client or per request by design: the gzip level (so the
  // length), the client's name and a random request id. Their presence is still compared.
  const VARYING = new Set(['content-length', 'user-agent', 'x-ms-client-request-id']);

  test("sends the SDK's upload request: method, path, api-version, headers, token scope and body", async () => {
    // GIVEN the SDK and the sender, each with a credential recording the scopes it is asked for
    const rows = testRows(3);
    const sdkCredential = recordingCredential();
    const ownCredential = recordingCredential();
    const sdk = new LogsIngestionClient(
      emulator.endpoint,
      sdkCredential,
      emulator.clientOptions({ maxRetries: 0 }),
    );
    const wire = recordWire();
    const outcome = async (sending: Promise<void>) =>
      sending.then(
        () => 'sent',
        (err: unknown) => err,
      );
    // WHEN each uploads the same rows (outcomes kept, so a refusal still shows how the requests differ)
    const outcomes = [
      await outcome(sdk.upload(emulator.dcrImmutableId, TEST_STREAM, rows)),
      await outcome(sender({}, ownCredential).send(emulator.dcrImmutableId, TEST_STREAM, gzipJson(rows))),
    ];
    wire.stop();
    // THEN they are the same request
    const [theirs, ours] = wire.requests;
    expect(ours.method).toBe(theirs.method);
    // Compared decoded: the SDK's URL template writes the query name as `api%2Dversion`, which
    // servers read as `api-version` (RFC 3986 §2.3); the sender writes it as Azure documents it.
    const url = (request: WireRequest) => new URL(request.url!, emulator.endpoint);
    expect(url(ours).pathname).toBe(url(theirs).pathname);
    expect([...url(ours).searchParams]).toStrictEqual([...url(theirs).searchParams]);
    expect(url(ours).searchParams.get('api-version')).toBe(LOGS_INGESTION_API_VERSION);
    expect(Object.keys(ours.headers).sort()).toStrictEqual(Object.keys(theirs.headers).sort());
    for (const name of Object.keys(theirs.headers).filter((h) => !VARYING.has(h))) {
      expect([name, ours.headers[name]]).toStrictEqual([name, theirs.headers[name]]);
    }
    expect(ours.headers).toMatchObject({
      'content-type': 'application/json',
      'content-encoding': 'gzip',
      authorization: `Bearer ${emulator.token}`,
    });
    expect(ownCredential.scopes).toStrictEqual(sdkCredential.scopes);
    expect(ownCredential.scopes).toStrictEqual([[LOGS_INGESTION_SCOPE]]);
    expect(ours.body().toString('utf8')).toBe(theirs.body().toString('utf8'));
    expect(JSON.parse(ours.body().toString('utf8'))).toStrictEqual(rows);
    // and the emulator, which speaks the documented protocol, accepted both
    expect(outcomes).toStrictEqual(['sent', 'sent']);
    expect(emulator.requests.map((r) => r.status)).toStrictEqual([204, 204]);
  });

  test.each([400, 401, 403, 404, 413, 500])(
    "fails with the SDK's error for HTTP %i: RestError, status, Azure's code and message",
    async (status) => {
      // GIVEN the API answers `status` to one request of each client
      emulator.failNext(2, { status });
      const retry = { maxRetries: 0 };
      // WHEN
      const sdkError = await new LogsIngestionClient(
        emulator.endpoint,
        emulator.credential,
        emulator.clientOptions(retry),
      )
        .upload(emulator.dcrImmutableId, TEST_STREAM, testRows(1))
        .then(
          () => undefined,
          (err: unknown) => (isAggregateLogsUploadError(err) ? err.errors[0].cause : err),
        );
      const ours = await rejection(
        sender({ retryOptions: retry }).send(emulator.dcrImmutableId, TEST_STREAM, gzipJson(testRows(1))),
      );
      // THEN
      const shape = (err: unknown) => {
        const { name, message, statusCode, code } = err as Error & { statusCode?: number; code?: string };
        return { name, message, statusCode, code };
      };
      expect(shape(ours)).toStrictEqual(shape(sdkError));
      expect(shape(ours)).toMatchObject({ name: 'RestError', statusCode: status });
    },
  );
});

describe('LogsIngestionSender', () => {
  test('honours 429 Retry-After, then succeeds', async () => {
    // GIVEN the API throttles the first request for one second
    emulator.failNext(1, { status: 429, retryAfter: 1 });
    // WHEN
    await sender().send(emulator.dcrImmutableId, TEST_STREAM, gzipJson(testRows(2)));
    // THEN the retry waited as told (measured between the requests the emulator saw)
    expect(emulator.requests.map((r) => r.status)).toStrictEqual([429, 204]);
    const [throttled, retried] = emulator.requests;
    expect(retried.receivedAt - throttled.receivedAt).toBeGreaterThanOrEqual(950);
  });

  test('honours 503 Retry-After beyond the exponential back-off it would otherwise use', async () => {
    emulator.failNext(1, { status: 503, retryAfter: 1 });
    await sender({ retryOptions: { retryDelayInMs: 1, maxRetryDelayInMs: 1 } }).send(
      emulator.dcrImmutableId,
      TEST_STREAM,
      gzipJson(testRows(2)),
    );
    expect(emulator.requests.map((r) => r.status)).toStrictEqual([503, 204]);
    const [throttled, retried] = emulator.requests;
    expect(retried.receivedAt - throttled.receivedAt).toBeGreaterThanOrEqual(950);
  });

  test('retries 5xx, then succeeds', async () => {
    emulator.failNext(2, { status: 500 });
    await sender().send(emulator.dcrImmutableId, TEST_STREAM, gzipJson(testRows(2)));
    expect(emulator.requests.map((r) => r.status)).toStrictEqual([500, 500, 204]);
    expect(emulator.rows(TEST_STREAM)).toHaveLength(2);
  });

  test('fails with the last 5xx once its retries are spent, classified IngestionUnavailable', async () => {
    emulator.failAlways({ status: 503 });
    const err = await rejection(
      sender({ retryOptions: { maxRetries: 2 } }).send(
        emulator.dcrImmutableId,
        TEST_STREAM,
        gzipJson(testRows(1)),
      ),
    );
    expect(emulator.requests.map((r) => r.status)).toStrictEqual([503, 503, 503]);
    expect(classify(err)).toBeInstanceOf(IngestionUnavailableError);
  });

  test('stops retrying when aborted, classified TimeBudgetExhausted', async () => {
    // GIVEN an API failing every request and retries 10 s apart
    emulator.failAlways({ status: 500 });
    const controller = new AbortController();
    const sending = sender({
      retryOptions: { maxRetries: 5, retryDelayInMs: 10_000, maxRetryDelayInMs: 10_000 },
    }).send(emulator.dcrImmutableId, TEST_STREAM, gzipJson(testRows(1)), { abortSignal: controller.signal });
    // WHEN the signal fires while the sender waits to retry
    while (emulator.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    controller.abort();
    const err = await rejection(sending);
    // THEN it gives up at once, without another request
    expect(err.name).toBe('AbortError');
    expect(emulator.requests.map((r) => r.status)).toStrictEqual([500]);
    expect(classify(err, controller.signal.aborted)).toBeInstanceOf(TimeBudgetExhaustedError);
  });

  test.each([
    { status: 401, errorClass: IngestionAuthorizationError },
    { status: 403, errorClass: IngestionAuthorizationError },
    { status: 404, errorClass: IngestionNotFoundError },
    { status: 413, errorClass: IngestionRejectedError },
    { status: 400, errorClass: IngestionRejectedError },
  ])(
    'fails on HTTP $status without retrying, classified $errorClass.name',
    async ({ status, errorClass }) => {
      emulator.failAlways({ status });
      const err = await rejection(sender().send(emulator.dcrImmutableId, TEST_STREAM, gzipJson(testRows(1))));
      expect(err).toMatchObject({ name: 'RestError', statusCode: status });
      expect(classify(err)).toBeInstanceOf(errorClass);
      expect(classify(err).message).toMatch(`Injected fault: HTTP ${status}`);
      expect(emulator.requests).toHaveLength(1);
    },
  );

  test("runs additionalPolicies 'perRetry' on every attempt and 'perCall' once", async () => {
    emulator.failNext(1, { status: 500 });
    const seen: string[] = [];
    await sender({
      additionalPolicies: [
        {
          position: 'perCall',
          policy: { name: 'call', sendRequest: (req, next) => (seen.push('call'), next(req)) },
        },
        {
          position: 'perRetry',
          policy: { name: 'try', sendRequest: (req, next) => (seen.push('try'), next(req)) },
        },
      ],
    }).send(emulator.dcrImmutableId, TEST_STREAM, gzipJson(testRows(1)));
    expect(seen).toStrictEqual(['call', 'try', 'try']);
  });

  test('fails before sending a token over plain HTTP', async () => {
    const plain = new LogsIngestionSender(emulator.endpoint.replace('https:', 'http:'), emulator.credential);
    const err = await rejection(plain.send(emulator.dcrImmutableId, TEST_STREAM, gzipJson(testRows(1))));
    expect(err.message).toMatch(/non-TLS|https/i);
    expect(emulator.tokenRequests).toBe(0);
  });
});
