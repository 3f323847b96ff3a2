import {
  bearerTokenAuthenticationPolicy,
  createDefaultHttpClient,
  createHttpHeaders,
  createPipelineFromOptions,
  createPipelineRequest,
  RestError,
  type HttpClient,
  type Pipeline,
  type PipelineOptions,
  type PipelinePolicy,
  type PipelineRequest,
  type PipelineResponse,
} from '@azure/core-rest-pipeline';
import type { TokenCredential } from '@azure/identity';

// The request below is the one `@azure/monitor-ingestion` 1.2.0 makes for `upload`; each constant
// names where the SDK defines it. test/integration/logs-ingestion-sender.test.ts fails if they part.

/** `apiVersion` default of `createLogsIngestion` (dist/commonjs/api/logsIngestionContext.js). */
export const LOGS_INGESTION_API_VERSION = '2023-01-01';
/**
 * The token scope: `KnownMonitorAudience.AzurePublicCloud` (dist/commonjs/models/models.js) +
 * `/.default`, as `createLogsIngestion` builds it when no `audience` is given.
 */
export const LOGS_INGESTION_SCOPE = 'https://monitor.azure.com/.default';

/**
 * The URL of one upload: the template `/dataCollectionRules/{ruleId}/streams/{stream}{?api%2Dversion}`
 * of `_uploadSend` (dist/commonjs/api/operations.js), encoded as its `expandUrlTemplate` does.
 */
export function uploadUrl(endpoint: string, ruleId: string, streamName: string): string {
  return (
    `${endpoint.replace(/\/+$/, '')}/dataCollectionRules/${encodeRfc3986(ruleId)}` +
    `/streams/${encodeRfc3986(streamName)}?api-version=${LOGS_INGESTION_API_VERSION}`
  );
}

function encodeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** A policy added to the pipeline, as in Azure clients' `additionalPolicies`. */
export interface AdditionalPolicy {
  readonly policy: PipelinePolicy;
  /** `perRetry` runs on every attempt (after signing); `perCall` once per send. */
  readonly position: 'perCall' | 'perRetry';
}

/**
 * Options of {@link LogsIngestionSender}: core-rest-pipeline's (`retryOptions`, `tlsOptions`,
 * `proxyOptions`, ...) plus the HTTP client and extra policies, named as in the SDK's client options.
 */
export interface LogsIngestionSenderOptions extends PipelineOptions {
  /** @default - core-rest-pipeline's default HTTP client, one per sender (keeps connections alive) */
  readonly httpClient?: HttpClient;
  readonly additionalPolicies?: readonly AdditionalPolicy[];
}

/** What {@link LogsIngestionSender.send} reports of each attempt: the first and every retry. */
export interface AttemptObserver {
  /** An attempt is about to go out. */
  readonly sending?: () => void;
  /**
   * An attempt's answer (not called when it got none, e.g. a reset connection): its HTTP status
   * and, on 429 or 503, its Retry-After in ms (`retry-after-ms`, `x-ms-retry-after-ms`, else
   * `Retry-After` in seconds or as a date), read as core-rest-pipeline's throttling retry reads it.
   */
  readonly answered?: (status: number, retryAfterMs: number | undefined) => void;
}

/** Options of one {@link LogsIngestionSender.send}. */
export interface SendOptions {
  /** Ends the request and any wait between retries, Retry-After's included. */
  readonly abortSignal?: AbortSignal;
  readonly observer?: AttemptObserver;
}

/**
 * The Retry-After of a 429 or 503 answer, in ms: the headers core-rest-pipeline's
 * `throttlingRetryStrategy` reads, in its order. Undefined for other statuses or without a valid one.
 */
export function retryAfterMs(response: Pick<PipelineResponse, 'status' | 'headers'>): number | undefined {
  if (response.status !== 429 && response.status !== 503) return undefined;
  for (const [header, factor] of [
    ['retry-after-ms', 1],
    ['x-ms-retry-after-ms', 1],
    ['retry-after', 1000],
  ] as const) {
    const value = response.headers.get(header);
    if (value === undefined || value.trim() === '') continue;
    const number = Number(value);
    if (Number.isFinite(number)) return Math.max(0, number * factor);
    if (header === 'retry-after') {
      const date = Date.parse(value);
      if (Number.isFinite(date)) return Math.max(0, date - Date.now());
    }
  }
  return undefined;
}

/**
 * Reports each attempt of a request to the observer registered for it. Runs after the Sign phase,
 * so inside core-rest-pipeline's retry loop: it sees every retry, and changes nothing sent.
 */
function attemptObserverPolicy(observers: WeakMap<PipelineRequest, AttemptObserver>): PipelinePolicy {
  return {
    name: 's3ToSentinelAttemptObserver',
    async sendRequest(request, next) {
      const observer = observers.get(request);
      observer?.sending?.();
      const response = await next(request);
      observer?.answered?.(response.status, retryAfterMs(response));
      return response;
    },
  };
}

/**
 * Posts request bodies the caller has already serialized (a JSON array of rows) and gzip-compressed
 * to the Logs Ingestion API, through the pipeline `@azure/monitor-ingestion` builds on: bearer
 * token for {@link LOGS_INGESTION_SCOPE}, core-rest-pipeline's default retry policy (throttling
 * with `Retry-After`, then exponential back-off for 5xx and network errors), TLS and proxy options.
 */
export class LogsIngestionSender {
  readonly #endpoint: string;
  readonly #pipeline: Pipeline;
  readonly #httpClient: HttpClient;
  readonly #observers = new WeakMap<PipelineRequest, AttemptObserver>();

  public constructor(
    endpoint: string,
    credential: TokenCredential,
    options: LogsIngestionSenderOptions = {},
  ) {
    const { httpClient, additionalPolicies, ...pipelineOptions } = options;
    this.#endpoint = endpoint;
    // Built as @azure-rest/core-client's createDefaultPipeline and getClient build the SDK's.
    this.#pipeline = createPipelineFromOptions(pipelineOptions);
    this.#pipeline.addPolicy(bearerTokenAuthenticationPolicy({ credential, scopes: LOGS_INGESTION_SCOPE }));
    for (const { policy, position } of additionalPolicies ?? []) {
      this.#pipeline.addPolicy(policy, position === 'perRetry' ? { afterPhase: 'Sign' } : {});
    }
    this.#pipeline.addPolicy(attemptObserverPolicy(this.#observers), { afterPhase: 'Sign' });
    this.#httpClient = httpClient ?? createDefaultHttpClient();
  }

  /**
   * Sends one request. Resolves on 204 (the only success status the SDK accepts); any other
   * answer, once retries are spent, rejects with a `RestError` carrying `statusCode` and Azure's
   * error code and message. Network failures and aborts reject as the pipeline raises them.
   * `options.observer` hears of every attempt (the adaptive concurrency of `SentinelUploader`).
   */
  public async send(
    ruleId: string,
    streamName: string,
    gzipJson: Uint8Array,
    options: SendOptions = {},
  ): Promise<void> {
    const request = createPipelineRequest({
      url: uploadUrl(this.#endpoint, ruleId, streamName),
      method: 'POST',
      headers: createHttpHeaders({
        'content-type': 'application/json',
        'content-encoding': 'gzip',
        accept: 'application/json',
      }),
      body: gzipJson,
      ...(options.abortSignal !== undefined ? { abortSignal: options.abortSignal } : {}),
    });
    if (options.observer !== undefined) this.#observers.set(request, options.observer);
    const response = await this.#pipeline.sendRequest(this.#httpClient, request);
    if (response.status !== 204) throw restError(response);
  }
}

/** The error the SDK's `createRestError` makes of a failed response: Azure's `error.code` and message. */
function restError(response: PipelineResponse): RestError {
  let body: unknown;
  try {
    body = response.bodyAsText ? JSON.parse(response.bodyAsText) : undefined;
  } catch {
    body = undefined;
  }
  const error = (body as { error?: unknown } | undefined)?.error ?? body;
  const { code, message } = (typeof error === 'object' && error !== null ? error : {}) as {
    code?: unknown;
    message?: unknown;
  };
  return new RestError(typeof message === 'string' ? message : `Unexpected status code: ${response.status}`, {
    statusCode: response.status,
    ...(typeof code === 'string' ? { code } : {}),
    request: response.request,
    response,
  });
}
