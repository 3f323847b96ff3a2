import { createHttpHeaders, type HttpClient, type PipelineRequest } from '@azure/core-rest-pipeline';
import type { GetTokenOptions, TokenCredential } from '@azure/identity';
import { LogsIngestionSender } from '../../../lambda/io/logs-ingestion-sender';

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
