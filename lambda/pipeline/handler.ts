import type { Logger } from '@aws-lambda-powertools/logger';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import type { ClientSecretCredentialOptions, TokenCredential } from '@azure/identity';
import type { Context, SQSBatchItemFailure, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { loadConfig, type ForwarderConfig } from '../core/config';
import {
  clientSecretCredentialFactory,
  createTokenCredential,
  stsWebIdentityToken,
  type SecretCredentialFactory,
  type WebIdentityTokenProvider,
} from '../io/credentials';
import { TransientError, type ForwarderError } from '../core/errors';
import { FailureRouter } from '../io/sqs-routing';
import type { ParseObject } from './deliver-object';
import { parseObjectBatches } from './parse-object';
import { processMessage, type MessageOutcome, type ProcessorDeps } from './process-message';
import { s3ObjectOpener, type OpenObject } from '../io/s3-objects';
import { SecretCache } from '../io/secrets';
import { createLogsIngestionClient, SentinelUploader } from '../io/sentinel-uploader';
import type { LogsIngestionSenderOptions } from '../io/logs-ingestion-sender';
import { createLogger, createMetrics, Telemetry } from '../core/telemetry';

/**
 * Time kept back from the Lambda's remaining time: uploads are aborted this long before the
 * timeout so the handler can still log, flush metrics and return which messages failed. Ten
 * seconds covers an aborted HTTPS request unwinding plus the response, even on a cold start.
 */
export const DEFAULT_SAFETY_MARGIN_MS = 10_000;

/** Everything the handler uses, built once per cold start (or injected by tests). */
export interface HandlerDeps extends ProcessorDeps {
  readonly config: ForwarderConfig;
  /** Moves permanent failures to the DLQ and backs off transient ones. */
  readonly failures: FailureRouter;
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
  /** Clock for the lag metric (the secret's TTL runs on Powertools' cache, on `Date`). @default Date.now */
  readonly now?: () => number;
}

/** Builds the handler's dependencies from the environment: the production wiring, with seams for tests. */
export function createDependencies(options: DependencyOptions = {}): HandlerDeps {
  const config = loadConfig(options.env);
  const logger = options.logger ?? createLogger(config.producerName);
  const s3 = options.s3 ?? new S3Client({});
  const credential =
    options.credential ??
    createTokenCredential(config, {
      ...(config.authMode === 'secret'
        ? {
            secrets: new SecretCache({
              ssm: options.ssm ?? new SSMClient({}),
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
              stsWebIdentityToken(options.sts ?? new STSClient({}), config.producerName),
          }
        : {}),
      ...(options.entraOptions !== undefined ? { assertionOptions: options.entraOptions } : {}),
    });
  const client = createLogsIngestionClient({
    endpoint: config.logsIngestionEndpoint,
    credential,
    ...(options.clientOptions !== undefined ? { clientOptions: options.clientOptions } : {}),
  });
  return {
    config,
    producer: config.producerName,
    format: config.format,
    openObject: options.openObject ?? s3ObjectOpener(s3),
    parse: options.parse ?? parseObjectBatches,
    uploader: new SentinelUploader({
      client,
      producer: config.producerName,
      dcrImmutableId: config.dcrImmutableId,
      streamName: config.streamName,
      concurrency: config.uploadConcurrency,
    }),
    logger,
    failures: new FailureRouter({
      sqs: options.sqs ?? new SQSClient({}),
      producer: config.producerName,
      logger,
      ...(config.queueUrl !== undefined ? { queueUrl: config.queueUrl } : {}),
      ...(config.deadLetterQueueUrl !== undefined ? { deadLetterQueueUrl: config.deadLetterQueueUrl } : {}),
    }),
    telemetry: new Telemetry(createMetrics(config.producerName)),
    ...(options.safetyMarginMs !== undefined ? { safetyMarginMs: options.safetyMarginMs } : {}),
    ...(options.now !== undefined ? { now: options.now } : {}),
  };
}

/** The SQS batch handler's signature. */
export type ForwarderHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/**
 * Builds the handler over its dependencies (or a function making them, called on first use).
 *
 * Messages are processed one after another by a hand-written loop rather than Powertools'
 * BatchProcessor: the loop shares one deadline across the batch, stops starting messages once the
 * Logs Ingestion API is clearly down (ARCHITECTURE.md, "the batch stop"), and keeps each message's
 * full outcome (retryable, records delivered, resume point) for the visibility back-off and
 * continuations, where BatchProcessor only knows "threw or not". One object at a time also bounds memory: concurrency
 * comes from the parallel uploads within an object and from the event source's MaximumConcurrency.
 */
export function createHandler(deps: HandlerDeps | (() => HandlerDeps)): ForwarderHandler {
  let resolved: HandlerDeps | undefined = typeof deps === 'function' ? undefined : deps;
  return async (event, context) => {
    resolved ??= (deps as () => HandlerDeps)();
    const d = resolved;
    d.logger.addContext(context);
    const budgetMs = context.getRemainingTimeInMillis() - (d.safetyMarginMs ?? DEFAULT_SAFETY_MARGIN_MS);
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), Math.max(0, budgetMs));
    const failures: SQSBatchItemFailure[] = [];
    const outcomes: MessageOutcome[] = [];
    let movedToDlq = 0;
    let continued = 0;
    let stopReason: ForwarderError | undefined;
    let notTried = 0;
    try {
      for (const record of event.Records) {
        let outcome: MessageOutcome;
        if (stopReason !== undefined && !stopReason.retryable && !deadline.signal.aborted) {
          // A permanent failure that does not depend on the object (no client secret, rejected
          // credentials, a 401/403/404 from the Logs Ingestion API): each message is still parsed
          // and reported for itself, but no object is read — those messages fail with the same
          // class and fix and take the same route (the DLQ).
          outcome = await processMessage(record, d, deadline.signal, { blockedBy: stopReason });
          if (outcome.status === 'failed') notTried += 1;
        } else if (stopReason !== undefined || deadline.signal.aborted) {
          notTried += 1;
          outcome = notAttempted(record.messageId, d.producer, stopReason);
        } else {
          outcome = await processMessage(record, d, deadline.signal);
        }
        outcomes.push(outcome);
        if (outcome.status !== 'failed') continue;
        const error = outcome.error;
        // Logged and counted once per message, except those left for a later invocation (counted
        // in the batch summary): every message that goes to the DLQ has its reason logged.
        if (error !== undefined && (stopReason === undefined || !outcome.retryable)) {
          d.telemetry.failure(error.failureClass);
          d.logger.error(error.message, {
            messageId: record.messageId,
            failureClass: error.failureClass,
            retryable: outcome.retryable,
            recordsDelivered: outcome.recordsDelivered,
            ...(outcome.resumeAt !== undefined
              ? {
                  bucket: outcome.resumeAt.object.bucket,
                  key: outcome.resumeAt.object.key,
                  nextRecordIndex: outcome.resumeAt.nextRecordIndex,
                }
              : {}),
          });
        }
        // Permanent: straight to the DLQ with its reason, then acknowledged. Out of time part-way
        // through an object: the rest goes to a continuation message, then acknowledged. Otherwise
        // (or if SQS refuses either) reported failed, and a transient failure waits longer each time.
        if (
          !outcome.retryable &&
          error !== undefined &&
          (await d.failures.toDeadLetterQueue(record, error))
        ) {
          movedToDlq += 1;
        } else if (
          outcome.continuation !== undefined &&
          (await d.failures.continueLater(record, outcome.continuation))
        ) {
          continued += 1;
        } else {
          failures.push({ itemIdentifier: record.messageId });
          if (outcome.retryable) await d.failures.backOff(record);
        }
        if (outcome.downstreamUnavailable) stopReason ??= outcome.error;
      }
    } finally {
      clearTimeout(timer);
      d.telemetry.flush();
    }
    d.logger.info('Batch processed', {
      messages: event.Records.length,
      failed: failures.length,
      ...(movedToDlq > 0 ? { movedToDeadLetterQueue: movedToDlq } : {}),
      ...(continued > 0 ? { continued } : {}),
      ...(notTried > 0
        ? { notAttempted: notTried, reason: stopReason?.message ?? 'time budget exhausted' }
        : {}),
      recordsDelivered: outcomes.reduce((sum, o) => sum + o.recordsDelivered, 0),
    });
    return { batchItemFailures: failures };
  };
}

const NOT_ATTEMPTED = 'NotAttempted';

/** A message left for a later invocation because the downstream is down or time ran out. */
class NotAttemptedError extends TransientError {
  public readonly failureClass = NOT_ATTEMPTED;
}

function notAttempted(
  messageId: string,
  producer: string,
  cause: ForwarderError | undefined,
): MessageOutcome {
  const error = new NotAttemptedError(
    `producer ${producer}: message not attempted in this invocation (${cause !== undefined ? cause.failureClass : 'time budget exhausted'}); it returns to the queue.`,
  );
  return {
    messageId,
    status: 'failed',
    retryable: true,
    recordsDelivered: 0,
    error,
    downstreamUnavailable: true,
  };
}

/** The Lambda entry point: production dependencies, built from the environment on first invocation. */
export const handler: ForwarderHandler = createHandler(() => createDependencies());
