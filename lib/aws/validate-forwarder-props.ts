import { Annotations, Duration, Token } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { S3ToSentinelForwarderProps } from './s3-to-sentinel-forwarder';

/** How many function timeouts AWS recommends the visibility timeout of an SQS event source spans. */
export const VISIBILITY_TIMEOUT_FACTOR = 6;

/**
 * The queue's visibility timeout: derived when omitted, checked when given. A timeout not above
 * the function's lets a message become visible again while it is still being processed, so a
 * second invocation forwards the same object twice.
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
  if (given <= fn) {
    throw new Error(
      `\`visibilityTimeout\` (${given} seconds) must be greater than the function \`timeout\` (${fn} seconds); ` +
        `omit it to get ${VISIBILITY_TIMEOUT_FACTOR} × the timeout (${fn * VISIBILITY_TIMEOUT_FACTOR} seconds)`,
    );
  }
  if (given < fn * VISIBILITY_TIMEOUT_FACTOR) {
    Annotations.of(scope).addWarningV2(
      's3-to-sentinel:visibilityTimeoutBelowSixTimes',
      `\`visibilityTimeout\` (${given} seconds) is less than ${VISIBILITY_TIMEOUT_FACTOR} × the function \`timeout\` ` +
        `(${fn * VISIBILITY_TIMEOUT_FACTOR} seconds): throttled retries may move messages to the DLQ early`,
    );
  }
  return visibilityTimeout;
}

/** Range checks on the numeric props that CloudFormation would otherwise reject at deploy time. */
export function validateForwarderProps(props: S3ToSentinelForwarderProps): void {
  const problems: string[] = [];
  const check = (name: string, value: number | undefined, min: number, max: number) => {
    if (value === undefined || Token.isUnresolved(value)) return;
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`\`${name}\` (${value}) must be a whole number from ${min} to ${max}`);
    }
  };
  const seconds = (d: Duration | undefined) => (d === undefined ? undefined : d.toSeconds());
  check('memorySize', props.memorySize, 128, 10240);
  // At least 30 s: the forwarder keeps 10 s back to report and hand over before the deadline.
  check('timeout', seconds(props.timeout), 30, 900);
  check('batchSize', props.batchSize, 1, 10000);
  check('maxBatchingWindow', seconds(props.maxBatchingWindow), 0, 300);
  check('maxConcurrency', props.maxConcurrency, 2, 1000);
  check('maxReceiveCount', props.maxReceiveCount, 1, 1000);
  check('visibilityTimeout', seconds(props.visibilityTimeout), 0, 43200);
  if ((props.batchSize ?? 10) > 10 && (seconds(props.maxBatchingWindow) ?? 0) === 0) {
    problems.push(
      `\`batchSize\` (${props.batchSize}) above 10 needs a \`maxBatchingWindow\` of at least 1 second`,
    );
  }
  if (props.alarmEmail !== undefined && props.alarmTopic !== undefined) {
    problems.push('give `alarmEmail` or `alarmTopic`, not both: subscribe the address to your topic instead');
  }
  if (!/^[a-z][a-z0-9-]{0,31}$/.test(props.producerName)) {
    problems.push(
      `\`producerName\` (${JSON.stringify(props.producerName)}) must be 1–32 lower-case letters, digits or hyphens, starting with a letter`,
    );
  }
  if (problems.length > 0) {
    throw new Error(`S3ToSentinelForwarder "${props.producerName}": ${problems.join('; ')}`);
  }
}
