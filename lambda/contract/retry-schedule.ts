/**
 * How long the forwarder waits between attempts, as plain data: the forwarder routes failed messages
 * by it (`io/sqs-routing.ts`, `pipeline/route-plan.ts`) and the construct checks at synth that the
 * queue keeps a message long enough for it (`lib/producer/rules.ts`).
 */

/**
 * Visibility timeout after the first failed receive of a message that failed on its own object,
 * doubling with each receive. With the default maxReceiveCount of 5 a message waits 5 + 10 + 20 +
 * 40 + 80 minutes (about 2.5 hours) before reaching the DLQ.
 */
export const BACKOFF_BASE_SECONDS = 300;
/** SQS's largest visibility timeout: 12 hours. */
export const MAX_VISIBILITY_SECONDS = 43_200;

/** Visibility timeout, in seconds, for a message that failed transiently on its `receiveCount`-th receive. */
export function backoffSeconds(receiveCount: number): number {
  const n = Number.isFinite(receiveCount) && receiveCount >= 1 ? Math.floor(receiveCount) : 1;
  return Math.min(BACKOFF_BASE_SECONDS * 2 ** Math.min(n - 1, 16), MAX_VISIBILITY_SECONDS);
}

/**
 * Seconds from a message's first receive until SQS would move it to the DLQ if every receive fails
 * on its object: the back-off after each of its `maxReceiveCount` receives.
 */
export function secondsToDeadLetter(maxReceiveCount: number): number {
  let total = 0;
  for (let n = 1; n <= maxReceiveCount; n++) total += backoffSeconds(n);
  return total;
}

/** How long the notification queue keeps a message: 7 days. */
export const QUEUE_RETENTION_SECONDS = 7 * 24 * 3600;

/**
 * A message that failed because of an outage (the Logs Ingestion API, Entra ID or SSM down, the
 * time budget, the batch stopped) is sent again as a new message with this delay, doubling with
 * each deferral up to SQS's largest delay: an outage never spends the message's receives.
 */
export const DEFER_BASE_SECONDS = 60;
/** SQS's largest DelaySeconds: 15 minutes. */
export const MAX_DELAY_SECONDS = 900;

/** Delay, in seconds, of a message's `deferrals`-th deferral (1 for the first). */
export function deferSeconds(deferrals: number): number {
  const n = Number.isFinite(deferrals) && deferrals >= 1 ? Math.floor(deferrals) : 1;
  return Math.min(DEFER_BASE_SECONDS * 2 ** Math.min(n - 1, 16), MAX_DELAY_SECONDS);
}

/**
 * A message still failing on outages this long after its first receive goes to the DLQ with its
 * reason: as long as the queue would have kept it; the DLQ keeps a message the forwarder sends there 14 days.
 */
export const MAX_DEFERRAL_AGE_SECONDS = QUEUE_RETENTION_SECONDS;

/**
 * Azure can take up to 30 minutes to make a new role assignment effective: a 401/403 from the Logs
 * Ingestion API this soon after a message's first receive is waited out, not dead-lettered.
 */
export const ROLE_PROPAGATION_SECONDS = 30 * 60;

/**
 * SQS message attributes that carry a deferred message's history (alphanumeric names: SQS reserves
 * the `AWS.` and `Amazon.` prefixes).
 */
export const HISTORY_ATTRIBUTE = {
  /** Epoch milliseconds of the original message's first receive. */
  firstReceived: 'S2SFirstReceived',
  /** How many times the message has been deferred. */
  deferrals: 'S2SDeferrals',
  /** The failure class of the last deferral. */
  lastFailure: 'S2SLastFailure',
} as const;
