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
    this.#httpClient = httpClient ?? createDefaultHttpClient();
  }

  /**
   * Sends one request. Resolves on 204 (the only success status the SDK accepts); any other
   * answer, once retries are spent, rejects with a `RestError` carrying `statusCode` and Azure's
   * error code and message. Network failures and aborts reject as the pipeline raises them.
   */
  public async send(
    ruleId: string,
    streamName: string,
    gzipJson: Uint8Array,
    options: { readonly abortSignal?: AbortSignal } = {},
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
