import { Duration, Lazy } from 'aws-cdk-lib';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import {
  NUMERIC_LIMITS,
  validateProducers,
  type ProducerDefinition,
  type S3ToSentinelForwarderProps,
} from '../../lib';
import { validateForwarderProps } from '../../lib/aws/validate-forwarder-props';
import { TEST_DESTINATION, synthForwarder } from '../support/aws';

const base: ProducerDefinition = { name: 'app-logs', bucket: { kind: 'new' }, format: 'ndjson' };

interface SharedRule {
  /** The rule, by the construct prop it checks. */
  readonly rule: string;
  readonly definition: Record<string, unknown>;
  readonly construct: Partial<S3ToSentinelForwarderProps>;
  /** The message from a producer definition, naming the field as its author wrote it. */
  readonly definitionMessage: string;
  /** The message from the construct, naming its prop. */
  readonly constructMessage: string;
}

// One row per rule; each message is the same rule's wording with the caller's names.
const RULES: SharedRule[] = [
  {
    rule: 'memorySize',
    definition: { lambda: { memorySizeMb: 64 } },
    construct: { memorySize: 64 },
    definitionMessage: '`lambda.memorySizeMb` (64) must be a whole number from 128 to 10240 MB',
    constructMessage: '`memorySize` (64) must be a whole number from 128 to 10240 MB',
  },
  {
    rule: 'timeout',
    definition: { lambda: { timeoutSeconds: 29 } },
    construct: { timeout: Duration.seconds(29) },
    definitionMessage: '`lambda.timeoutSeconds` (29) must be a whole number from 30 to 900 seconds',
    constructMessage: '`timeout` (29) must be a whole number from 30 to 900 seconds',
  },
  {
    rule: 'batchSize',
    definition: { lambda: { batchSize: 0 } },
    construct: { batchSize: 0 },
    definitionMessage: '`lambda.batchSize` (0) must be a whole number from 1 to 10000 messages',
    constructMessage: '`batchSize` (0) must be a whole number from 1 to 10000 messages',
  },
  {
    rule: 'maxBatchingWindow',
    definition: { lambda: { maxBatchingWindowSeconds: 301 } },
    construct: { maxBatchingWindow: Duration.seconds(301) },
    definitionMessage: '`lambda.maxBatchingWindowSeconds` (301) must be a whole number from 0 to 300 seconds',
    constructMessage: '`maxBatchingWindow` (301) must be a whole number from 0 to 300 seconds',
  },
  {
    rule: 'maxConcurrency',
    definition: { lambda: { maxConcurrency: 1001 } },
    construct: { maxConcurrency: 1001 },
    definitionMessage:
      '`lambda.maxConcurrency` (1001) must be a whole number from 2 to 1000 concurrent invocations',
    constructMessage: '`maxConcurrency` (1001) must be a whole number from 2 to 1000 concurrent invocations',
  },
  {
    rule: 'visibilityTimeout',
    definition: { lambda: { visibilityTimeoutSeconds: 43201 } },
    construct: { visibilityTimeout: Duration.seconds(43201) },
    definitionMessage:
      '`lambda.visibilityTimeoutSeconds` (43201) must be a whole number from 0 to 43200 seconds',
    constructMessage: '`visibilityTimeout` (43201) must be a whole number from 0 to 43200 seconds',
  },
  {
    rule: 'maxReceiveCount',
    definition: { lambda: { maxReceiveCount: 0 } },
    construct: { maxReceiveCount: 0 },
    definitionMessage: '`lambda.maxReceiveCount` (0) must be a whole number from 1 to 18 receives',
    constructMessage: '`maxReceiveCount` (0) must be a whole number from 1 to 18 receives',
  },
  {
    // SQS allows 1000, but 19 receives (with a day's wait and their processing) outlive the 7-day retention.
    rule: 'maxReceiveCount within the retention',
    definition: { lambda: { maxReceiveCount: 19 } },
    construct: { maxReceiveCount: 19 },
    definitionMessage:
      "`lambda.maxReceiveCount` (19) must be a whole number from 1 to 18 receives: with a day's wait on the queue, each receive's processing and the forwarder's back-off after it",
    constructMessage:
      "`maxReceiveCount` (19) must be a whole number from 1 to 18 receives: with a day's wait on the queue",
  },
  {
    rule: 'oldestMessageAgeThreshold',
    definition: { alarms: { oldestMessageAgeSeconds: 59 } },
    construct: { oldestMessageAgeThreshold: Duration.seconds(59) },
    definitionMessage:
      '`alarms.oldestMessageAgeSeconds` (59) must be a whole number from 60 to 1209600 seconds',
    constructMessage: '`oldestMessageAgeThreshold` (59) must be a whole number from 60 to 1209600 seconds',
  },
  {
    rule: 'batchSize above 10 without a batching window',
    definition: { lambda: { batchSize: 11 } },
    construct: { batchSize: 11 },
    definitionMessage:
      '`lambda.batchSize` (11) above 10 needs a `lambda.maxBatchingWindowSeconds` of at least 1 second',
    constructMessage: '`batchSize` (11) above 10 needs a `maxBatchingWindow` of at least 1 second',
  },
  {
    rule: 'visibilityTimeout not above timeout',
    definition: { lambda: { timeoutSeconds: 60, visibilityTimeoutSeconds: 60 } },
    construct: { timeout: Duration.seconds(60), visibilityTimeout: Duration.seconds(60) },
    definitionMessage:
      '`lambda.visibilityTimeoutSeconds` (60 seconds) must be greater than the function `lambda.timeoutSeconds` (60 seconds)',
    constructMessage:
      '`visibilityTimeout` (60 seconds) must be greater than the function `timeout` (60 seconds)',
  },
  {
    rule: 'producerName',
    definition: { name: 'App-Logs' },
    construct: { producerName: 'App-Logs' },
    definitionMessage:
      '`name` ("App-Logs") must be 1–32 lower-case letters, digits or hyphens, starting with a letter',
    constructMessage:
      '`producerName` ("App-Logs") must be 1–32 lower-case letters, digits or hyphens, starting with a letter',
  },
  {
    rule: 'alarmEmail',
    definition: { alarms: { email: 'ops' } },
    construct: { alarmEmail: 'ops' },
    definitionMessage: '`alarms.email` ("ops") is not an email address',
    constructMessage: '`alarmEmail` ("ops") is not an email address',
  },
];

describe('a producer definition and the construct share each rule', () => {
  test('every limit the construct has is among the rules below', () => {
    const props = Object.values(NUMERIC_LIMITS).flatMap((limit) => ('prop' in limit ? [limit.prop] : []));
    expect(RULES.map((r) => r.rule)).toEqual(expect.arrayContaining(props));
  });

  describe.each(RULES)('$rule', ({ definition, construct, definitionMessage, constructMessage }) => {
    test('fails if a producer definition breaks it, naming the definition field', () => {
      expect(() => validateProducers([{ ...base, ...definition } as ProducerDefinition])).toThrow(
        definitionMessage,
      );
    });

    test('fails if the construct props break it, naming the prop', () => {
      expect(() => synthForwarder(construct)).toThrow(constructMessage);
    });
  });
});

describe('validateForwarderProps', () => {
  const props: S3ToSentinelForwarderProps = {
    producerName: 'app-logs',
    format: 'ndjson',
    bucket: {} as s3.IBucket,
    destination: TEST_DESTINATION,
  };

  test('accepts the ends of every range, from the same table as producer definitions', () => {
    expect(() =>
      validateForwarderProps({
        ...props,
        memorySize: 10240,
        timeout: Duration.seconds(30),
        batchSize: 10000,
        maxBatchingWindow: Duration.seconds(300),
        maxConcurrency: 2,
        visibilityTimeout: Duration.seconds(0),
        maxReceiveCount: 18,
        oldestMessageAgeThreshold: Duration.days(14),
      }),
    ).not.toThrow();
  });

  test('refuses receives within their limit that outlive the retention at a long timeout, as definitions do', () => {
    expect(() =>
      validateForwarderProps({ ...props, timeout: Duration.seconds(900), maxReceiveCount: 18 }),
    ).toThrow(/`maxReceiveCount` \(18\) with a `timeout` of 900 seconds can take 7\.1 days.*Use at most 17/);
    expect(() =>
      validateForwarderProps({ ...props, timeout: Duration.seconds(900), maxReceiveCount: 17 }),
    ).not.toThrow();
    expect(() =>
      validateProducers([
        {
          name: 'app-logs',
          bucket: { kind: 'new' },
          format: 'ndjson',
          lambda: { timeoutSeconds: 900, maxReceiveCount: 18 },
        },
      ]),
    ).toThrow(/`lambda.maxReceiveCount` \(18\) with a `lambda.timeoutSeconds` of 900 seconds/);
  });

  test('skips values that are unresolved tokens', () => {
    expect(() =>
      validateForwarderProps({
        ...props,
        memorySize: Lazy.number({ produce: () => 64 }),
        alarmEmail: Lazy.string({ produce: () => 'ops' }),
      }),
    ).not.toThrow();
  });

  test('fails if several props break rules, naming the construct and every prop at once', () => {
    expect(() => validateForwarderProps({ ...props, memorySize: 64, maxReceiveCount: 0 })).toThrow(
      /^S3ToSentinelForwarder "app-logs": `memorySize` \(64\).*; `maxReceiveCount` \(0\)/,
    );
  });
});
