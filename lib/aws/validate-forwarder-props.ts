import { Annotations, Duration, Token } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import {
  NUMERIC_LIMITS,
  VISIBILITY_TIMEOUT_FACTOR,
  checkBatchingWindow,
  checkEmail,
  checkLimit,
  checkProducerName,
  checkReceiveBudget,
  checkVisibilityTimeout,
} from '../producer/rules';
import { DEFAULT_FUNCTION_TIMEOUT } from './forwarder-function';
import { checkAlarmDestination } from './forwarder-monitoring';
import type { S3ToSentinelForwarderProps } from './s3-to-sentinel-forwarder';

// Re-exported: the factor belongs to the shared rules, but callers found it here first.
export { VISIBILITY_TIMEOUT_FACTOR };

/** The construct's names for the props the shared cross-field rules join. */
const PROP_NAMES = {
  batchSize: 'batchSize',
  maxBatchingWindow: 'maxBatchingWindow',
  visibilityTimeout: 'visibilityTimeout',
  timeout: 'timeout',
} as const satisfies Record<string, keyof S3ToSentinelForwarderProps>;

/**
 * The queue's visibility timeout: derived when omitted, checked when given (the rule is
 * `checkVisibilityTimeout`, shared with producer definitions).
 */
export function resolveVisibilityTimeout(
  scope: Construct,
  timeout: Duration,
  visibilityTimeout: Duration | undefined,
): Duration {
  if (visibilityTimeout === undefined) {
    return Duration.seconds(timeout.toSeconds() * VISIBILITY_TIMEOUT_FACTOR);
  }
  if (Token.isUnresolved(visibilityTimeout.toSeconds()) || Token.isUnresolved(timeout.toSeconds())) {
    return visibilityTimeout;
  }
  const given = visibilityTimeout.toSeconds();
  const fn = timeout.toSeconds();
  const problem = checkVisibilityTimeout(PROP_NAMES, given, fn);
  if (problem) throw new Error(problem);
  if (given < fn * VISIBILITY_TIMEOUT_FACTOR) {
    Annotations.of(scope).addWarningV2(
      's3-to-sentinel:visibilityTimeoutBelowSixTimes',
      `\`visibilityTimeout\` (${given} seconds) is less than ${VISIBILITY_TIMEOUT_FACTOR} × the function \`timeout\` ` +
        `(${fn * VISIBILITY_TIMEOUT_FACTOR} seconds): throttled retries may move messages to the DLQ early`,
    );
  }
  return visibilityTimeout;
}

/**
 * Checks the props against the rules producer definitions share (`lib/producer/rules.ts`), so
 * what CloudFormation would reject at deploy time fails at synthesis. Tokens are skipped.
 */
export function validateForwarderProps(props: S3ToSentinelForwarderProps): void {
  const problems: string[] = [];
  const add = (problem: string | undefined) => {
    if (problem) problems.push(problem);
  };
  for (const limit of Object.values(NUMERIC_LIMITS)) {
    if (!('prop' in limit)) continue;
    const value = numberOf(props[limit.prop]);
    if (!Token.isUnresolved(value)) add(checkLimit(limit.prop, limit, value));
  }
  add(checkBatchingWindow(PROP_NAMES, props.batchSize, numberOf(props.maxBatchingWindow)));
  const timeoutSeconds = (props.timeout ?? DEFAULT_FUNCTION_TIMEOUT).toSeconds();
  const receives = props.maxReceiveCount ?? 5;
  // Within their own limits only: an out-of-range value has its own message above.
  if (
    !Token.isUnresolved(receives) &&
    !Token.isUnresolved(timeoutSeconds) &&
    checkLimit('maxReceiveCount', NUMERIC_LIMITS['lambda.maxReceiveCount'], receives) === undefined &&
    checkLimit('timeout', NUMERIC_LIMITS['lambda.timeoutSeconds'], timeoutSeconds) === undefined
  ) {
    add(
      checkReceiveBudget(
        { maxReceiveCount: 'maxReceiveCount', timeout: 'timeout' },
        receives,
        timeoutSeconds,
      ),
    );
  }
  if (props.alarmEmail !== undefined && !Token.isUnresolved(props.alarmEmail)) {
    add(checkEmail('alarmEmail', props.alarmEmail));
  }
  add(checkAlarmDestination(props));
  add(checkProducerName('producerName', props.producerName));
  if (problems.length > 0) {
    throw new Error(`S3ToSentinelForwarder "${props.producerName}": ${problems.join('; ')}`);
  }
}

/** A limited prop as the number its limit is written in: a `Duration` in seconds. */
function numberOf(value: number | Duration | undefined): number | undefined {
  return value instanceof Duration ? value.toSeconds() : value;
}
