import {
  CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
} from '@aws-sdk/client-cloudwatch';
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { formatAge, formatCount, formatTable } from '../../cli/format';
import { status } from '../../cli/status';
import type { ProducerDefinition } from '../../lib/producer';
import { recordingOutput } from './support';

const ACCOUNT = 'https://sqs.eu-west-1.amazonaws.com/111122223333';
const QUEUE_URL = `${ACCOUNT}/s3-to-sentinel-cloudtrail`;
const DLQ_URL = `${ACCOUNT}/s3-to-sentinel-cloudtrail-dlq`;
const NOW = new Date('2026-11-28T12:00:00Z');

const producer: ProducerDefinition = {
  name: 'cloudtrail',
  bucket: { kind: 'existing', bucketName: 'org-trail' },
  format: 'cloudtrail',
  alarms: { oldestMessageAgeSeconds: 300 },
};

describe('status', () => {
  const credentials = { accessKeyId: 'a', secretAccessKey: 'b' };
  let sqs: SQSClient;
  let cloudwatch: CloudWatchClient;
  let sqsMock: ReturnType<typeof mockClient>;
  let cwMock: ReturnType<typeof mockClient>;

  function metrics(values: Record<string, number[]>): void {
    cwMock.on(GetMetricDataCommand).resolves({
      MetricDataResults: Object.entries(values).map(([Id, Values]) => ({
        Id,
        Values,
        StatusCode: 'Complete',
      })),
    });
  }

  beforeEach(() => {
    sqs = new SQSClient({ region: 'eu-west-1', credentials });
    cloudwatch = new CloudWatchClient({ region: 'eu-west-1', credentials });
    sqsMock = mockClient(sqs);
    cwMock = mockClient(cloudwatch);
    sqsMock
      .on(GetQueueUrlCommand, { QueueName: 's3-to-sentinel-cloudtrail' })
      .resolves({ QueueUrl: QUEUE_URL });
    sqsMock
      .on(GetQueueUrlCommand, { QueueName: 's3-to-sentinel-cloudtrail-dlq' })
      .resolves({ QueueUrl: DLQ_URL });
    sqsMock.on(GetQueueAttributesCommand, { QueueUrl: QUEUE_URL }).resolves({
      Attributes: {
        ApproximateNumberOfMessages: '12345',
        ApproximateNumberOfMessagesNotVisible: '20',
        ApproximateNumberOfMessagesDelayed: '0',
      },
    });
    sqsMock.on(GetQueueAttributesCommand, { QueueUrl: DLQ_URL }).resolves({
      Attributes: {
        ApproximateNumberOfMessages: '3',
        ApproximateNumberOfMessagesNotVisible: '0',
        ApproximateNumberOfMessagesDelayed: '0',
      },
    });
  });
  afterEach(() => {
    sqsMock.restore();
    cwMock.restore();
  });

  test('asks CloudWatch for the oldest-message age of both queues and the function sums over the window', async () => {
    // GIVEN
    metrics({
      queueAge: [720, 600],
      dlqAge: [86_400],
      invocations: [1000, 234],
      errors: [2, 1],
      throttles: [0],
    });

    // WHEN
    await status({ producer }, { sqs, cloudwatch, output: recordingOutput(), now: () => NOW });

    // THEN
    const input = cwMock.commandCalls(GetMetricDataCommand)[0].args[0].input as GetMetricDataCommandInput;
    expect(input).toMatchObject({
      StartTime: new Date('2026-11-28T11:00:00Z'),
      EndTime: NOW,
      ScanBy: 'TimestampDescending',
    });
    const byId = Object.fromEntries(input.MetricDataQueries!.map((q) => [q.Id, q.MetricStat]));
    expect(byId.queueAge).toStrictEqual({
      Metric: {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateAgeOfOldestMessage',
        Dimensions: [{ Name: 'QueueName', Value: 's3-to-sentinel-cloudtrail' }],
      },
      Period: 60,
      Stat: 'Maximum',
    });
    expect(byId.dlqAge!.Metric!.Dimensions).toStrictEqual([
      { Name: 'QueueName', Value: 's3-to-sentinel-cloudtrail-dlq' },
    ]);
    for (const [id, name] of [
      ['errors', 'Errors'],
      ['throttles', 'Throttles'],
      ['invocations', 'Invocations'],
    ]) {
      expect(byId[id]).toStrictEqual({
        Metric: {
          Namespace: 'AWS/Lambda',
          MetricName: name,
          Dimensions: [{ Name: 'FunctionName', Value: 's3-to-sentinel-cloudtrail' }],
        },
        Period: 3600,
        Stat: 'Sum',
      });
    }
  });

  test('prints a compact table with formatted numbers and what to do about each problem', async () => {
    // GIVEN a backlog, dead letters, errors and throttles
    metrics({
      queueAge: [720, 600],
      dlqAge: [86_400],
      invocations: [1000, 234],
      errors: [2, 1],
      throttles: [4],
    });
    const output = recordingOutput();

    // WHEN
    const result = await status({ producer }, { sqs, cloudwatch, output, now: () => NOW });

    // THEN
    expect(output.outLines).toStrictEqual([
      'producer cloudtrail (eu-west-1)',
      '',
      'QUEUE                          VISIBLE  IN FLIGHT  DELAYED  OLDEST',
      's3-to-sentinel-cloudtrail       12,345         20        0  12m 0s',
      's3-to-sentinel-cloudtrail-dlq        3          0        0   1d 0h',
      '',
      'FUNCTION (last 60 min)     INVOCATIONS  ERRORS  THROTTLES',
      's3-to-sentinel-cloudtrail        1,234       3          4',
      '',
      '! 3 messages in the dead-letter queue: find the reason in /aws/lambda/s3-to-sentinel-cloudtrail, fix it, then run `s3-to-sentinel redrive --producer cloudtrail`',
      '! the oldest message is 12m 0s old (alarm at 5m 0s): the function is falling behind or Sentinel is not accepting; check errors, throttles and the function logs',
      '! 3 failed invocations in the last 60 min (crash, timeout, out of memory): read /aws/lambda/s3-to-sentinel-cloudtrail',
      "! 4 throttles in the last 60 min: the account's Lambda concurrency is exhausted; raise the account limit or lower the concurrency of other functions",
    ]);
    expect(result.queue).toMatchObject({ visible: 12345, inFlight: 20, oldestAgeSeconds: 720 });
    expect(result.function).toMatchObject({ invocations: 1234, errors: 3, throttles: 4 });
  });

  test('a healthy producer has no attention lines and shows – where CloudWatch has no data', async () => {
    sqsMock
      .on(GetQueueAttributesCommand, { QueueUrl: DLQ_URL })
      .resolves({ Attributes: { ApproximateNumberOfMessages: '0' } });
    metrics({ queueAge: [30], dlqAge: [], invocations: [10], errors: [], throttles: [] });
    const output = recordingOutput();

    await status({ producer }, { sqs, cloudwatch, output, now: () => NOW });

    expect(output.outLines.some((line) => line.startsWith('!'))).toBe(false);
    expect(output.outLines[4]).toMatch(/^s3-to-sentinel-cloudtrail-dlq\s+0\s+0\s+0\s+–$/);
  });

  test('--json prints the status as JSON', async () => {
    metrics({ queueAge: [5], dlqAge: [], invocations: [1], errors: [], throttles: [] });
    const output = recordingOutput();

    await status({ producer, json: true }, { sqs, cloudwatch, output, now: () => NOW });

    expect(JSON.parse(output.outLines.join('\n'))).toMatchObject({
      producer: 'cloudtrail',
      queue: { name: 's3-to-sentinel-cloudtrail', visible: 12345, oldestAgeSeconds: 5 },
      deadLetterQueue: { name: 's3-to-sentinel-cloudtrail-dlq', visible: 3 },
      function: { name: 's3-to-sentinel-cloudtrail', invocations: 1, errors: 0, windowMinutes: 60 },
    });
  });

  test('still shows queue depth when CloudWatch cannot be read, with a warning', async () => {
    cwMock
      .on(GetMetricDataCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }));
    const output = recordingOutput();

    const result = await status({ producer }, { sqs, cloudwatch, output, now: () => NOW });

    expect(result.queue.visible).toBe(12345);
    expect(result.function.errors).toBeUndefined();
    expect(output.errLines).toStrictEqual([
      'warning: CloudWatch metrics unavailable (AccessDenied: not authorized); needs cloudwatch:GetMetricData',
    ]);
  });

  test('fails if the queue does not exist, naming the stack', async () => {
    sqsMock
      .on(GetQueueUrlCommand, { QueueName: 's3-to-sentinel-cloudtrail' })
      .rejects(Object.assign(new Error('no queue'), { name: 'QueueDoesNotExist' }));
    await expect(status({ producer }, { sqs, cloudwatch, output: recordingOutput() })).rejects.toThrow(
      'queue s3-to-sentinel-cloudtrail of producer "cloudtrail" does not exist in eu-west-1: deploy stack s3-to-sentinel-cloudtrail first',
    );
  });
});

describe('formatting', () => {
  test.each([
    [undefined, '–'],
    [0, '0'],
    [999, '999'],
    [1234567, '1,234,567'],
  ])('formatCount(%p) is %p', (value, expected) => {
    expect(formatCount(value)).toBe(expected);
  });

  test.each([
    [undefined, '–'],
    [0, '0s'],
    [45, '45s'],
    [60, '1m 0s'],
    [252, '4m 12s'],
    [3 * 3600 + 5 * 60 + 9, '3h 5m'],
    [2 * 86400 + 4 * 3600, '2d 4h'],
  ])('formatAge(%p) is %p', (value, expected) => {
    expect(formatAge(value)).toBe(expected);
  });

  test('formatTable pads columns and right-aligns the numeric ones', () => {
    expect(
      formatTable(
        [
          ['NAME', 'N'],
          ['a', '1'],
          ['long-name', '1,000'],
        ],
        [false, true],
      ),
    ).toStrictEqual(['NAME           N', 'a              1', 'long-name  1,000']);
  });
});
