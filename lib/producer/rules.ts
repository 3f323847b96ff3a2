import type { LambdaTuning } from './producer';
import { QUEUE_RETENTION_SECONDS, secondsToDeadLetter } from '../../lambda/contract/retry-schedule';

/**
 * The rules a producer definition (`validateProducer`) and the `S3ToSentinelForwarder` construct
 * (`validateForwarderProps`) both enforce, written once. Every check takes the field's name as
 * the caller wrote it, so one rule reads `lambda.timeoutSeconds` for a definition and `timeout`
 * for the construct. Plain data and pure functions: the CDKTF app and the CLI read it too.
 */

export type LimitUnit =
  'MB' | 'seconds' | 'days' | 'messages' | 'concurrent invocations' | 'receives' | 'DCRs';

/** The range of one numeric setting, whole numbers only. */
export interface NumericLimit {
  readonly min: number;
  readonly max: number;
  /** The unit of the checked number; a construct `Duration` prop is checked in seconds. */
  readonly unit: LimitUnit;
  /**
   * The same setting's prop on `S3ToSentinelForwarderProps`.
   * @default - the setting is not a forwarder prop (an Azure table setting)
   */
  readonly prop?: string;
  /**
   * Why the maximum is lower than AWS's, appended to the problem of a value above it.
   * @default - no reason given: the range is AWS's own
   */
  readonly why?: string;
}

/**
 * Time a message may wait on the queue before its first receive (a backlog, a paused event
 * source), kept out of its receive budget: retention counts from when the message was sent.
 */
export const QUEUE_WAIT_ALLOWANCE_SECONDS = 86_400;

/**
 * Longest time from enqueue to the DLQ for a message failing on its own object every receive:
 * the wait allowance, `maxReceiveCount` invocations of up to `timeoutSeconds`, and the back-off
 * after each (`lambda/contract/retry-schedule.ts`).
 */
export function secondsToDeadLetterFromEnqueue(maxReceiveCount: number, timeoutSeconds: number): number {
  return (
    QUEUE_WAIT_ALLOWANCE_SECONDS + maxReceiveCount * timeoutSeconds + secondsToDeadLetter(maxReceiveCount)
  );
}

/** The most receives that still reach the DLQ within the queue's retention at `timeoutSeconds`. */
export function maxReceiveCountFor(timeoutSeconds: number): number {
  let n = 1;
  while (secondsToDeadLetterFromEnqueue(n + 1, timeoutSeconds) <= QUEUE_RETENTION_SECONDS) n += 1;
  return n;
}

/** The most receives at the shortest function timeout allowed: the limit whatever the timeout. */
export const MAX_RECEIVE_COUNT = maxReceiveCountFor(30);

/** A numeric field of a `ProducerDefinition`, as its author writes it. */
export type DefinitionField =
  | `lambda.${keyof LambdaTuning}`
  | 'alarms.oldestMessageAgeSeconds'
  | 'table.retentionInDays'
  | 'table.totalRetentionInDays';

/**
 * Every numeric limit, keyed by the definition field; `prop` names the construct's side of it.
 * Where AWS allows more, the comment says why this product does not. Adding a `LambdaTuning`
 * field without a row here fails to compile.
 */
export const NUMERIC_LIMITS = {
  'lambda.memorySizeMb': { prop: 'memorySize', min: 128, max: 10240, unit: 'MB' },
  // Lambda allows 1 s; the forwarder keeps 10 s back to report and hand over before the deadline.
  'lambda.timeoutSeconds': { prop: 'timeout', min: 30, max: 900, unit: 'seconds' },
  'lambda.batchSize': { prop: 'batchSize', min: 1, max: 10000, unit: 'messages' },
  'lambda.maxBatchingWindowSeconds': { prop: 'maxBatchingWindow', min: 0, max: 300, unit: 'seconds' },
  'lambda.maxConcurrency': { prop: 'maxConcurrency', min: 2, max: 1000, unit: 'concurrent invocations' },
  // SQS's own range; anything not above the function timeout fails `checkVisibilityTimeout`.
  'lambda.visibilityTimeoutSeconds': { prop: 'visibilityTimeout', min: 0, max: 43200, unit: 'seconds' },
  // SQS allows 1000, but each receive's back-off adds up: past MAX_RECEIVE_COUNT a message failing
  // on its own object outlives the queue's retention and is deleted, never dead-lettered (the
  // function timeout narrows it further: checkReceiveBudget).
  'lambda.maxReceiveCount': {
    prop: 'maxReceiveCount',
    min: 1,
    max: MAX_RECEIVE_COUNT,
    unit: 'receives',
    why:
      `with a day's wait on the queue, each receive's processing and the forwarder's back-off after it (5 minutes, ` +
      `doubling to 12 hours), more receives take longer than the queue's ${QUEUE_RETENTION_SECONDS / 86_400}-day ` +
      'retention, and SQS would delete such a message instead of moving it to the DLQ',
  },
  // CloudWatch takes any threshold, but SQS reports the age once a minute and keeps a message
  // at most 14 days: outside that range the alarm is noise or never fires.
  'alarms.oldestMessageAgeSeconds': {
    prop: 'oldestMessageAgeThreshold',
    min: 60,
    max: 1209600,
    unit: 'seconds',
  },
  'table.retentionInDays': { min: 4, max: 730, unit: 'days' },
  'table.totalRetentionInDays': { min: 4, max: 4383, unit: 'days' },
} as const satisfies Record<DefinitionField, NumericLimit>;

/** The problem with a number outside its limit, or `undefined` when it is absent or allowed. */
export function checkLimit(name: string, limit: NumericLimit, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number' && Number.isInteger(value) && value >= limit.min && value <= limit.max) {
    return undefined;
  }
  const shown = typeof value === 'number' ? String(value) : JSON.stringify(value);
  const why =
    limit.why !== undefined && typeof value === 'number' && value > limit.max ? `: ${limit.why}` : '';
  return `\`${name}\` (${shown}) must be a whole number from ${limit.min} to ${limit.max} ${limit.unit}${why}`;
}

// At most 32 so every physical name built from it fits; the longest is the IAM role
// `s3-to-sentinel-<name>-forwarder` (IAM allows 64 characters).
const PRODUCER_NAME = /^[a-z][a-z0-9-]{0,31}$/;

/** The producer-name rule: `name` in a definition, `producerName` on the construct. */
export function checkProducerName(name: string, value: unknown): string | undefined {
  if (typeof value === 'string' && PRODUCER_NAME.test(value)) return undefined;
  return `\`${name}\` (${JSON.stringify(value)}) must be 1–32 lower-case letters, digits or hyphens, starting with a letter`;
}

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/** A shape check only: SNS sends a confirmation mail, which is the real test of the address. */
export function checkEmail(name: string, value: unknown): string | undefined {
  if (value === undefined || (typeof value === 'string' && EMAIL.test(value))) return undefined;
  return `\`${name}\` (${JSON.stringify(value)}) is not an email address`;
}

/**
 * `maxReceiveCount` within its limit can still outlive the queue's retention with a long function
 * timeout: each receive may take the whole timeout before its back-off starts.
 */
export function checkReceiveBudget(
  names: { readonly maxReceiveCount: string; readonly timeout: string },
  maxReceiveCount: number,
  timeoutSeconds: number,
): string | undefined {
  const seconds = secondsToDeadLetterFromEnqueue(maxReceiveCount, timeoutSeconds);
  if (seconds <= QUEUE_RETENTION_SECONDS) return undefined;
  return (
    `\`${names.maxReceiveCount}\` (${maxReceiveCount}) with a \`${names.timeout}\` of ${timeoutSeconds} seconds can take ` +
    `${(seconds / 86_400).toFixed(1)} days to reach the DLQ (a day's wait on the queue, ${maxReceiveCount} receives of up to ` +
    `${timeoutSeconds} seconds and the back-off after each, 5 minutes doubling to 12 hours), longer than the queue's ` +
    `${QUEUE_RETENTION_SECONDS / 86_400}-day retention: SQS would delete such a message instead of moving it to the DLQ. ` +
    `Use at most ${maxReceiveCountFor(timeoutSeconds)}`
  );
}

/**
 * The default threshold of the queue-age alarm, in seconds: the near-real-time latency goal. Plain
 * data, so the construct and the CLI's `status` (which has no CDK) read the same number.
 */
export const DEFAULT_OLDEST_MESSAGE_AGE_SECONDS = 300;

/** Lambda rejects an SQS event source with more messages per batch than this and no batching window. */
export const MAX_BATCH_SIZE_WITHOUT_WINDOW = 10;

/** Batches above 10 messages need a batching window of at least 1 second. */
export function checkBatchingWindow(
  names: { readonly batchSize: string; readonly maxBatchingWindow: string },
  batchSize: unknown,
  windowSeconds: unknown,
): string | undefined {
  if (typeof batchSize !== 'number' || batchSize <= MAX_BATCH_SIZE_WITHOUT_WINDOW) return undefined;
  if (typeof windowSeconds === 'number' && windowSeconds >= 1) return undefined;
  return (
    `\`${names.batchSize}\` (${batchSize}) above ${MAX_BATCH_SIZE_WITHOUT_WINDOW} needs a ` +
    `\`${names.maxBatchingWindow}\` of at least 1 second (an SQS event source rule)`
  );
}

/** How many function timeouts AWS recommends the visibility timeout of an SQS event source spans. */
export const VISIBILITY_TIMEOUT_FACTOR = 6;

/**
 * A visibility timeout not above the function timeout lets a message become visible again while
 * it is still being processed, so a second invocation forwards the same object twice.
 */
export function checkVisibilityTimeout(
  names: { readonly visibilityTimeout: string; readonly timeout: string },
  visibilitySeconds: number,
  timeoutSeconds: number,
): string | undefined {
  if (visibilitySeconds > timeoutSeconds) return undefined;
  return (
    `\`${names.visibilityTimeout}\` (${visibilitySeconds} seconds) must be greater than the function ` +
    `\`${names.timeout}\` (${timeoutSeconds} seconds); omit it to get ${VISIBILITY_TIMEOUT_FACTOR} × ` +
    `the timeout (${timeoutSeconds * VISIBILITY_TIMEOUT_FACTOR} seconds)`
  );
}

/**
 * What Azure accepts per data collection rule (Azure Monitor service limits, Logs Ingestion API):
 * 2 GB of data and 12,000 requests a minute; past either it answers 429 with Retry-After.
 */
export const DCR_BUDGET = { bytesPerMinute: 2_000_000_000, requestsPerMinute: 12_000 } as const;

/** The most DCRs one producer may spread its rows over (`shards`). */
export const MAX_SHARDS = 10;

/**
 * The range of `shards`. Ten DCRs take 20 GB a minute (about 29 TB a day) into one table, more
 * than one log source sends; past that, split the producer by prefix, so each part also gets its
 * own queue and function. The default `maxConcurrency` grows with the shards, and at ten it is 100
 * invocations, a tenth of an account's default concurrency quota (1,000).
 */
export const SHARDS_LIMIT = {
  min: 1,
  max: MAX_SHARDS,
  unit: 'DCRs',
  why:
    `${MAX_SHARDS} DCRs already take ${(MAX_SHARDS * DCR_BUDGET.bytesPerMinute) / 1e9} GB a minute into one table; ` +
    'split the producer by prefix into several producers instead',
} as const satisfies NumericLimit;

/**
 * The largest request body the forwarder sends: the Logs Ingestion API's 1 MB per call. The same
 * number as `MAX_BATCH_BYTES` (lambda/io/batcher.ts), which `lib/` may not import; a test pins them.
 */
export const REQUEST_BYTES = 1_000_000;

/**
 * Parallel uploads per invocation when `UPLOAD_CONCURRENCY` is not set: the runtime's
 * `DEFAULT_UPLOAD_CONCURRENCY` (lambda/core/config.ts), which `lib/` may not import; a test pins them.
 */
export const DEFAULT_UPLOAD_CONCURRENCY = 4;

/**
 * The time one 1 MB post is in flight that the defaults are sized for, in milliseconds: a gzipped
 * megabyte from a Lambda to a data collection endpoint in another cloud, and the API's answer once
 * the DCR has accepted it. Slower posts leave the budget partly unused (raise `maxConcurrency`);
 * faster ones meet 429s, which the forwarder waits out (Retry-After) and backs off from.
 */
export const POST_MILLISECONDS = 1_200;

/**
 * The sizing of a producer's parallelism, in one place. A DCR's byte budget is
 * 2,000,000,000 B/min ÷ 60 ≈ 33.3 MB/s, i.e. 33.3 full 1 MB posts a second; its request budget
 * (12,000/min = 200/s) binds only when posts average under 2 GB ÷ 12,000 ≈ 167 KB, so for full
 * posts the bytes decide. By Little's law the posts in flight that fill the byte budget are that
 * rate × the time one post takes: 33.3/s × 1.2 s = 40 per DCR. Each invocation keeps
 * `DEFAULT_UPLOAD_CONCURRENCY` (4) posts in flight, so 40 ÷ 4 = 10 invocations fill one DCR, and
 * N shards take N times as many. (CPU is not the limit: on one core the forwarder parses 70–75 MB/s,
 * and a 1,024 MB function has 0.58 of a core, about 40 MB/s, more than one DCR takes.)
 */
export function postsInFlightToFill(shards: number = 1): number {
  // Whole numbers throughout: 2e9 × 1,200 / (60,000 × 1e6) is exactly 40, with no rounding up to 41.
  return Math.ceil((shards * DCR_BUDGET.bytesPerMinute * POST_MILLISECONDS) / (60_000 * REQUEST_BYTES));
}

/**
 * The event source's `maxConcurrency` when none is given: the invocations whose parallel uploads
 * fill `shards` DCRs' byte budget (`postsInFlightToFill`), 10 per DCR, within the event source's
 * own range (`NUMERIC_LIMITS['lambda.maxConcurrency']`).
 */
export function defaultMaxConcurrency(shards: number = 1): number {
  const limit = NUMERIC_LIMITS['lambda.maxConcurrency'];
  const wanted = Math.ceil(postsInFlightToFill(shards) / DEFAULT_UPLOAD_CONCURRENCY);
  return Math.min(limit.max, Math.max(limit.min, wanted));
}
