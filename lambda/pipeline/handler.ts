import type { Logger } from '@aws-lambda-powertools/logger';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { STSClient } from '@aws-sdk/client-sts';
import type { ClientSecretCredentialOptions, TokenCredential } from '@azure/identity';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { loadConfig, type ForwarderConfig } from '../core/config';
import {
  clientSecretCredentialFactory,
  createTokenCredential,
  stsWebIdentityToken,
  type SecretCredentialFactory,
  type WebIdentityTokenProvider,
} from '../io/credentials';
import { TimeBudgetExhaustedError, type ForwarderError } from '../core/errors';
import { MessageRouter, type Route, type RoutedMessage, type Settled } from '../io/sqs-routing';
import type { ParseObject } from './deliver-object';
import { parseObjectBatches } from './parse-object';
import { processMessage, type MessageOutcome, type ProcessorDeps } from './process-message';
import { NotAttemptedError, planRoute, withinPropagation } from './route-plan';
import { createS3Client, createSqsClient, createSsmClient, createStsClient } from '../io/aws-clients';
import { s3ObjectOpener, type OpenObject } from '../io/s3-objects';
import { SecretCache } from '../io/secrets';
import { createLogsIngestionClient, SentinelUploader } from '../io/sentinel-uploader';
import type { LogsIngestionSenderOptions } from '../io/logs-ingestion-sender';
import { createLogger, createMetrics, Telemetry } from '../core/telemetry';

/**
 * Time kept back from the Lambda's remaining time: uploads are aborted this long before the
 * timeout so the handler can still route the failed messages (SQS batch calls), log, flush metrics
 * and return. Ten seconds covers an aborted HTTPS request unwinding plus a few rounds of SQS batch
 * calls, even on a cold start; see {@link phases}.
 */
export const DEFAULT_SAFETY_MARGIN_MS = 10_000;

/** Everything the handler uses, built once per cold start (or injected by tests). */
export interface HandlerDeps extends ProcessorDeps {
  readonly config: ForwarderConfig;
  /** Carries out each message's route: DLQ, requeue (continuation or deferral), back-off. */
  readonly router: MessageRouter;
  /** @default DEFAULT_SAFETY_MARGIN_MS */
  readonly safetyMarginMs?: number;
}

/** What {@link createDependencies} may be given instead of its production defaults. */
export interface DependencyOptions {
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  readonly s3?: S3Client;
  readonly ssm?: SSMClient;
  readonly sqs?: SQSClient;
  /** Replaces the whole credential chain (SSM secret and Entra token). */
  readonly credential?: TokenCredential;
  /** Keeps the SSM secret cache but replaces how the Entra credential is built from the secret. */
  readonly secretCredentialFactory?: SecretCredentialFactory;
  /** Options of the default ClientSecretCredential (tests: a local `authorityHost` and its CA). */
  readonly entraOptions?: ClientSecretCredentialOptions;
  /** Federated mode: replaces STS GetWebIdentityToken as the source of the assertion. */
  readonly webIdentityToken?: WebIdentityTokenProvider;
  /** Federated mode: the STS client the default token source uses. */
  readonly sts?: STSClient;
  /** Merged into the Logs Ingestion client's options (tests: `tlsOptions`, short retry delays). */
  readonly clientOptions?: LogsIngestionSenderOptions;
  readonly logger?: Logger;
  readonly parse?: ParseObject;
  readonly openObject?: OpenObject;
  readonly safetyMarginMs?: number;
  /**
   * Clock for the lag metric and for routing (deferral age, role propagation window); the secret's
   * TTL runs on Powertools' cache, on `Date`. @default Date.now
   */
  readonly now?: () => number;
}

/** Builds the handler's dependencies from the environment: the production wiring, with seams for tests. */
export function createDependencies(options: DependencyOptions = {}): HandlerDeps {
  const config = loadConfig(options.env);
  const logger = options.logger ?? createLogger(config.producerName);
  const s3 = options.s3 ?? createS3Client();
  const credential =
    options.credential ??
    createTokenCredential(config, {
      ...(config.authMode === 'secret'
        ? {
            secrets: new SecretCache({
              ssm: options.ssm ?? createSsmClient(),
              parameterName: config.clientSecretParameter!,
              ttlSeconds: config.secretTtlSeconds,
              producer: config.producerName,
            }),
          }
        : {}),
      secretCredentialFactory:
        options.secretCredentialFactory ?? clientSecretCredentialFactory(options.entraOptions),
      ...(config.authMode === 'federated'
        ? {
            webIdentityToken:
              options.webIdentityToken ??
              stsWebIdentityToken(options.sts ?? createStsClient(), config.producerName),
          }
        : {}),
      ...(options.entraOptions !== undefined ? { assertionOptions: options.entraOptions } : {}),
    });
  const client = createLogsIngestionClient({
    endpoint: config.logsIngestionEndpoint,
    credential,
    ...(options.clientOptions !== undefined ? { clientOptions: options.clientOptions } : {}),
  });
  const telemetry = new Telemetry(createMetrics(config.producerName));
  return {
    config,
    producer: config.producerName,
    format: config.format,
    // `auto`: the producer's own routes, before the defaults.
    ...(config.routes !== undefined ? { routes: config.routes } : {}),
    ...(config.formatOptions !== undefined ? { formatOptions: config.formatOptions } : {}),
    openObject: options.openObject ?? s3ObjectOpener(s3, { producer: config.producerName }),
    parse: options.parse ?? parseObjectBatches,
    uploader: new SentinelUploader({
      client,
      producer: config.producerName,
      dcrImmutableId: config.dcrImmutableId,
      dcrImmutableIds: config.dcrImmutableIds,
      streamName: config.streamName,
      // A multi-output format's rows, and every row under `auto`, go to their output's stream (DCR_OUTPUTS).
      ...(config.dcrOutputs !== undefined ? { outputs: config.dcrOutputs } : {}),
      concurrency: config.uploadConcurrency,
      onThrottle: ({ key, limit, decreased, retryAfterMs }) => {
        telemetry.throttled();
        // One line per halving, not per 429: a burst of throttled requests is one event.
        if (decreased) {
          logger.warn('Logs Ingestion API throttled (HTTP 429): fewer uploads in flight to this DCR', {
            dcrImmutableId: key,
            uploadLimit: limit,
            ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
          });
        }
      },
      onLaneSuspended: ({ dcrImmutableId, streamName, status, ms }) => {
        logger.warn(
          `DCR ${dcrImmutableId} refused the forwarder's identity (HTTP ${status}) while another DCR of stream ` +
            `${streamName} accepts it: its batches go to the other DCRs for ${ms / 60_000} minutes. A new shard's ` +
            'role assignment takes up to 30 minutes to propagate; if this persists, check the assignment on that DCR.',
          { dcrImmutableId, streamName, status },
        );
      },
    }),
    logger,
    router: new MessageRouter({
      sqs: options.sqs ?? createSqsClient(),
      producer: config.producerName,
      logger,
      ...(config.queueUrl !== undefined ? { queueUrl: config.queueUrl } : {}),
      ...(config.deadLetterQueueUrl !== undefined ? { deadLetterQueueUrl: config.deadLetterQueueUrl } : {}),
    }),
    telemetry,
    ...(options.safetyMarginMs !== undefined ? { safetyMarginMs: options.safetyMarginMs } : {}),
    ...(options.now !== undefined ? { now: options.now } : {}),
  };
}

/** The SQS batch handler's signature. */
export type ForwarderHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/**
 * When each phase of an invocation must end, in ms from its start: processing stops starting work
 * at `deadline`; a message still running at `abandon` (its calls ignored the abort) is left to a
 * later invocation; SQS calls are cut off at `settleBy`, which leaves time to log and return.
 */
export function phases(
  remainingMs: number,
  safetyMarginMs: number,
): { deadline: number; abandon: number; settleBy: number } {
  const deadline = Math.max(0, remainingMs - safetyMarginMs);
  const settleBy = Math.max(deadline, remainingMs - Math.min(1_000, safetyMarginMs / 5));
  return { deadline, abandon: settleBy - Math.min(3_000, (settleBy - deadline) / 4), settleBy };
}

/**
 * Builds the handler over its dependencies (or a function making them, called on first use).
 *
 * Messages are processed one after another by a hand-written loop rather than Powertools'
 * BatchProcessor: the loop shares one deadline across the batch, stops starting messages once the
 * Logs Ingestion API is clearly down (ARCHITECTURE.md, "the batch stop"), and keeps each message's
 * full outcome (retryable, records delivered, resume point) to route it — back-off, deferral,
 * continuation or DLQ — where BatchProcessor only knows "threw or not". Routes are carried out
 * together at the end with SQS's batch calls, in the time kept back for them. One object at a time
 * also bounds memory: concurrency comes from the parallel uploads within an object and from the
 * event source's MaximumConcurrency.
 */
export function createHandler(deps: HandlerDeps | (() => HandlerDeps)): ForwarderHandler {
  let resolved: HandlerDeps | undefined = typeof deps === 'function' ? undefined : deps;
  return async (event, context) => {
    resolved ??= (deps as () => HandlerDeps)();
    const d = resolved;
    const now = d.now ?? Date.now;
    d.logger.addContext(context);
    const at = phases(context.getRemainingTimeInMillis(), d.safetyMarginMs ?? DEFAULT_SAFETY_MARGIN_MS);
    const deadline = new AbortController();
    const abandon = new AbortController();
    const settleBy = new AbortController();
    const timers = [
      setTimeout(() => deadline.abort(), at.deadline),
      setTimeout(() => abandon.abort(), at.abandon),
      setTimeout(() => settleBy.abort(), at.settleBy),
    ];
    const routed: RoutedMessage[] = [];
    const outcomes: MessageOutcome[] = [];
    const routeOptions = { canRequeue: d.router.canRequeue, canDeadLetter: d.router.canDeadLetter };
    let stopReason: ForwarderError | undefined;
    let notTried = 0;
    let settled: Settled | undefined;
    try {
      for (const record of event.Records) {
        let outcome: MessageOutcome;
        // A refusal the role propagation window still covers for this message is waited out (its
        // own first receive counts, not the one of the message that met it).
        const pending = withinPropagation(stopReason, record, now()) !== stopReason;
        if (stopReason !== undefined && !stopReason.retryable && !pending && !deadline.signal.aborted) {
          // A permanent failure that does not depend on the object (no client secret, rejected
          // credentials, a 401/403/404 from the Logs Ingestion API): each message is still parsed
          // and reported for itself, but no object is read — those messages fail with the same
          // class and fix and take the same route (the DLQ).
          outcome = await processMessage(record, d, deadline.signal, { blockedBy: stopReason });
          if (outcome.status === 'failed') notTried += 1;
        } else if (stopReason !== undefined || deadline.signal.aborted) {
          notTried += 1;
          // Left only because time ran out is not an outage: it goes back at once, no deferral counted.
          const outage = isOutOfTime(stopReason) ? undefined : stopReason;
          outcome = notAttempted(record.messageId, new NotAttemptedError(d.producer, outage));
        } else {
          outcome =
            (await untilAborted(processMessage(record, d, deadline.signal), abandon.signal)) ??
            abandoned(record.messageId, d.producer);
          outcome = propagation(outcome, record, now());
        }
        outcomes.push(outcome);
        const route = planRoute(record, outcome, now(), routeOptions);
        routed.push({ record, route });
        const error = outcome.error;
        // Logged and counted once per message, except those left for a later invocation (counted
        // in the batch summary): every message that goes to the DLQ has its reason logged.
        if (
          outcome.status === 'failed' &&
          error !== undefined &&
          (stopReason === undefined || !outcome.retryable || route.kind === 'deadLetter')
        ) {
          d.telemetry.failure(error.failureClass);
          d.logger.error(route.kind === 'deadLetter' ? route.error.message : error.message, {
            messageId: record.messageId,
            failureClass: error.failureClass,
            retryable: outcome.retryable,
            recordsDelivered: outcome.recordsDelivered,
            route: route.kind,
            ...(route.kind === 'requeue'
              ? { delaySeconds: route.delaySeconds, deferrals: route.history.deferrals }
              : {}),
            ...(outcome.resumeAt !== undefined
              ? {
                  bucket: outcome.resumeAt.object.bucket,
                  key: outcome.resumeAt.object.key,
                  nextRecordIndex: outcome.resumeAt.nextRecordIndex,
                }
              : {}),
          });
        }
        if (outcome.downstreamUnavailable) stopReason ??= outcome.error;
      }
      settled = await d.router.settle(routed, settleBy.signal);
      const deferred = routed.filter((m) => m.route.kind === 'requeue' && m.route.deferral);
      if (deferred.length > 0) {
        const t = now();
        const ages = deferred.map((m) =>
          m.route.kind === 'requeue' ? t - m.route.history.firstReceived : 0,
        );
        d.telemetry.deferred(deferred.length, Math.max(...ages) / 1000);
      }
    } finally {
      for (const timer of timers) clearTimeout(timer);
      d.telemetry.flush();
    }
    const count = (kind: Route['kind']) => routed.filter((m) => m.route.kind === kind).length;
    d.logger.info('Batch processed', {
      messages: event.Records.length,
      failed: settled.failures.length,
      ...(settled.deadLettered > 0 ? { movedToDeadLetterQueue: settled.deadLettered } : {}),
      ...(settled.requeued > 0 ? { requeued: settled.requeued } : {}),
      ...(count('requeue') > settled.requeued || count('deadLetter') > settled.deadLettered
        ? {
            notRoutedInTime: count('requeue') - settled.requeued + count('deadLetter') - settled.deadLettered,
          }
        : {}),
      ...(notTried > 0
        ? { notAttempted: notTried, reason: stopReason?.message ?? 'time budget exhausted' }
        : {}),
      recordsDelivered: outcomes.reduce((sum, o) => sum + o.recordsDelivered, 0),
    });
    return { batchItemFailures: settled.failures.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}

function notAttempted(messageId: string, error: NotAttemptedError): MessageOutcome {
  return {
    messageId,
    status: 'failed',
    retryable: true,
    recordsDelivered: 0,
    error,
    downstreamUnavailable: true,
  };
}

/** A message whose processing did not wind down after the deadline: a later invocation takes it. */
function abandoned(messageId: string, producer: string): MessageOutcome {
  return notAttempted(
    messageId,
    new NotAttemptedError(
      producer,
      new TimeBudgetExhaustedError(
        `producer ${producer}: message still being processed when the time budget ran out; it is retried later.`,
      ),
    ),
  );
}

/** A refusal soon after the first receive is treated as Azure's propagation (transient). */
function propagation(outcome: MessageOutcome, record: SQSRecord, now: number): MessageOutcome {
  const error = withinPropagation(outcome.error, record, now);
  return error === outcome.error ? outcome : { ...outcome, error, retryable: true };
}

/** Whether the batch stopped only because time ran out (a slow or hung message), not an outage. */
function isOutOfTime(error: ForwarderError | undefined): boolean {
  return (
    error instanceof TimeBudgetExhaustedError ||
    (error instanceof NotAttemptedError && error.stoppedBy instanceof TimeBudgetExhaustedError)
  );
}

/** `promise`'s value, or `undefined` if `signal` aborts first (the promise is left to settle alone). */
async function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) return undefined;
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<undefined>((resolve) => {
    onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([promise, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort!);
  }
}

/** The Lambda entry point: production dependencies, built from the environment on first invocation. */
export const handler: ForwarderHandler = createHandler(() => createDependencies());
