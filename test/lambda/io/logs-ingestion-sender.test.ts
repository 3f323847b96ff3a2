import { createHttpHeaders, type HttpClient, type PipelineRequest } from '@azure/core-rest-pipeline';
import type { GetTokenOptions, TokenCredential } from '@azure/identity';
import { LogsIngestionSender, retryAfterMs } from '../../../lambda/io/logs-ingestion-sender';

/** An HTTP client that accepts every request (204) and keeps what it was sent. */
function accepting(): HttpClient & { readonly requests: PipelineRequest[] } {
  const requests: PipelineRequest[] = [];
  return {
    requests,
    sendRequest: async (request) => {
      requests.push(request);
      return { request, status: 204, headers: createHttpHeaders() };
    },
  };
}

/** An HTTP client answering from `answers` in turn (status and headers), then 204. */
function answering(answers: readonly [number, Record<string, string>][]): HttpClient {
  let next = 0;
  return {
    sendRequest: async (request) => {
      const [status, headers] = answers[next++] ?? [204, {}];
      return { request, status, headers: createHttpHeaders(headers), bodyAsText: '' };
    },
  };
}

const credential: TokenCredential = {
  getToken: async () => ({ token: 't', expiresOnTimestamp: Date.now() + 3_600_000 }),
};

describe('LogsIngestionSender', () => {
  test("hands the invocation's signal to the request and to the credential's token request", async () => {
    // GIVEN a credential that records what it is asked with
    const tokenOptions: (GetTokenOptions | undefined)[] = [];
    const credential: TokenCredential = {
      getToken: async (_scopes, options) => {
        tokenOptions.push(options);
        return { token: 't', expiresOnTimestamp: Date.now() + 3_600_000 };
      },
    };
    const httpClient = accepting();
    const sender = new LogsIngestionSender('https://dce.example', credential, { httpClient });
    const invocation = new AbortController();
    // WHEN
    await sender.send('dcr-1', 'Custom-AppLogs', Buffer.from('[]'), { abortSignal: invocation.signal });
    // THEN a deadline ends a hung Entra token request as well as a hung upload
    expect(httpClient.requests[0]?.abortSignal).toBe(invocation.signal);
    expect(tokenOptions).toHaveLength(1);
    expect(tokenOptions[0]?.abortSignal).toBe(invocation.signal);
  });
});

describe('LogsIngestionSender attempt observer', () => {
  test('hears every attempt, retries included, with its status and Retry-After', async () => {
    // GIVEN an API that throttles twice (Retry-After of 0 ms, so the SDK's retry waits no real time)
    const httpClient = answering([
      [429, { 'retry-after-ms': '0' }],
      [429, { 'x-ms-retry-after-ms': '0' }],
    ]);
    const sender = new LogsIngestionSender('https://dce.example', credential, { httpClient });
    const heard: string[] = [];
    // WHEN
    await sender.send('dcr-1', 'Custom-AppLogs', Buffer.from('[]'), {
      observer: {
        sending: () => heard.push('sending'),
        answered: (status, ms) => heard.push(`${status} ${ms}`),
      },
    });
    // THEN the SDK retried the 429s after their Retry-After, and the observer saw each attempt
    expect(heard).toStrictEqual(['sending', '429 0', 'sending', '429 0', 'sending', '204 undefined']);
  });

  test('hears the last 429 when the SDK stops retrying it, and the send fails with it', async () => {
    const httpClient = answering([
      [429, { 'retry-after-ms': '0' }],
      [429, { 'retry-after-ms': '0' }],
    ]);
    const sender = new LogsIngestionSender('https://dce.example', credential, {
      httpClient,
      retryOptions: { maxRetries: 1 },
    });
    const statuses: number[] = [];
    const failure = await sender
      .send('dcr-1', 'Custom-AppLogs', Buffer.from('[]'), { observer: { answered: (s) => statuses.push(s) } })
      .catch((e: unknown) => e);
    expect(statuses).toStrictEqual([429, 429]);
    expect(failure).toMatchObject({ statusCode: 429 });
  });

  test('sends without an observer as before', async () => {
    const sender = new LogsIngestionSender('https://dce.example', credential, { httpClient: answering([]) });
    await expect(sender.send('dcr-1', 'Custom-AppLogs', Buffer.from('[]'))).resolves.toBeUndefined();
  });
});

describe('retryAfterMs', () => {
  const response = (status: number, headers: Record<string, string>) => ({
    status,
    headers: createHttpHeaders(headers),
  });

  test.each([
    [429, { 'retry-after': '7' }, 7_000],
    [429, { 'retry-after-ms': '250', 'retry-after': '7' }, 250],
    [429, { 'x-ms-retry-after-ms': '300', 'retry-after': '7' }, 300],
    [503, { 'retry-after': '2' }, 2_000],
    [429, { 'retry-after': 'soon' }, undefined],
    [429, {}, undefined],
    [500, { 'retry-after': '7' }, undefined],
  ])('reads a %s with %j as %s ms', (status, headers, expected) => {
    expect(retryAfterMs(response(status, headers))).toBe(expected);
  });

  test('reads an HTTP date as the time until it', () => {
    const inTenSeconds = new Date(Date.now() + 10_000).toUTCString();
    const ms = retryAfterMs(response(429, { 'retry-after': inTenSeconds }));
    // toUTCString drops the milliseconds.
    expect(ms).toBeGreaterThan(8_000);
    expect(ms).toBeLessThanOrEqual(10_000);
  });
});
