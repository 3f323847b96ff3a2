import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListMessageMoveTasksCommand,
  type ListMessageMoveTasksResultEntry,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { redrive } from '../../cli/redrive';
import type { ProducerDefinition } from '../../lib/producer';
import { recordingOutput } from './support';

const ACCOUNT = 'https://sqs.eu-west-1.amazonaws.com/111122223333';
const QUEUE_URL = `${ACCOUNT}/s3-to-sentinel-app`;
const DLQ_URL = `${ACCOUNT}/s3-to-sentinel-app-dlq`;
const QUEUE_ARN = 'arn:aws:sqs:eu-west-1:111122223333:s3-to-sentinel-app';
const DLQ_ARN = 'arn:aws:sqs:eu-west-1:111122223333:s3-to-sentinel-app-dlq';

const producer: ProducerDefinition = { name: 'app', bucket: { kind: 'new' }, format: 'ndjson' };

function task(entry: Partial<ListMessageMoveTasksResultEntry>): ListMessageMoveTasksResultEntry {
  return { SourceArn: DLQ_ARN, DestinationArn: QUEUE_ARN, StartedTimestamp: 1_800_000_000_000, ...entry };
}

describe('redrive', () => {
  let sqs: SQSClient;
  let sqsMock: ReturnType<typeof mockClient>;
  const noWait = async () => undefined;

  beforeEach(() => {
    sqs = new SQSClient({ region: 'eu-west-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
    sqsMock = mockClient(sqs);
    sqsMock.on(GetQueueUrlCommand, { QueueName: 's3-to-sentinel-app' }).resolves({ QueueUrl: QUEUE_URL });
    sqsMock.on(GetQueueUrlCommand, { QueueName: 's3-to-sentinel-app-dlq' }).resolves({ QueueUrl: DLQ_URL });
    sqsMock
      .on(GetQueueAttributesCommand, { QueueUrl: QUEUE_URL })
      .resolves({ Attributes: { QueueArn: QUEUE_ARN } });
    sqsMock
      .on(GetQueueAttributesCommand, { QueueUrl: DLQ_URL })
      .resolves({ Attributes: { QueueArn: DLQ_ARN, ApproximateNumberOfMessages: '42' } });
    sqsMock.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'handle-1' });
  });
  afterEach(() => sqsMock.restore());

  test('starts a move from the DLQ ARN to the queue ARN and polls until COMPLETED', async () => {
    // GIVEN an earlier finished task, then ours running and completing
    const earlier = task({
      Status: 'COMPLETED',
      StartedTimestamp: 1_700_000_000_000,
      ApproximateNumberOfMessagesMoved: 3,
    });
    sqsMock
      .on(ListMessageMoveTasksCommand)
      .resolvesOnce({ Results: [earlier] })
      .resolvesOnce({ Results: [earlier] }) // SQS has not listed ours yet
      .resolvesOnce({
        Results: [
          task({
            Status: 'RUNNING',
            TaskHandle: 'handle-1',
            ApproximateNumberOfMessagesMoved: 10,
            ApproximateNumberOfMessagesToMove: 42,
          }),
        ],
      })
      .resolves({
        Results: [
          task({
            Status: 'COMPLETED',
            ApproximateNumberOfMessagesMoved: 42,
            ApproximateNumberOfMessagesToMove: 42,
          }),
        ],
      });
    const output = recordingOutput();
    const sleeps: number[] = [];

    // WHEN
    const result = await redrive(
      { producer, pollIntervalSeconds: 2 },
      { sqs, output, sleep: async (ms) => void sleeps.push(ms) },
    );

    // THEN
    expect(sqsMock).toHaveReceivedCommandTimes(StartMessageMoveTaskCommand, 1);
    expect(sqsMock.commandCalls(StartMessageMoveTaskCommand)[0].args[0].input).toStrictEqual({
      SourceArn: DLQ_ARN,
      DestinationArn: QUEUE_ARN,
      MaxNumberOfMessagesPerSecond: undefined,
    });
    expect(sqsMock).toHaveReceivedCommandWith(ListMessageMoveTasksCommand, {
      SourceArn: DLQ_ARN,
      MaxResults: 1,
    });
    expect(sqsMock).toHaveReceivedCommandTimes(ListMessageMoveTasksCommand, 4);
    expect(sleeps).toStrictEqual([2000, 2000]);
    expect(result).toStrictEqual({
      status: 'COMPLETED',
      moved: 42,
      toMove: 42,
      sourceArn: DLQ_ARN,
      destinationArn: QUEUE_ARN,
    });
    expect(output.outLines).toStrictEqual([
      'moved 42 of 42 messages from s3-to-sentinel-app-dlq to s3-to-sentinel-app',
    ]);
    expect(output.errLines).toContain(
      'moving about 42 messages from s3-to-sentinel-app-dlq to s3-to-sentinel-app',
    );
    expect(output.bars[0]).toMatchObject({ total: 42, value: 42, stopped: true });
  });

  test('--rate sets MaxNumberOfMessagesPerSecond', async () => {
    sqsMock
      .on(ListMessageMoveTasksCommand)
      .resolvesOnce({ Results: [] })
      .resolves({
        Results: [
          task({
            Status: 'COMPLETED',
            ApproximateNumberOfMessagesMoved: 1,
            ApproximateNumberOfMessagesToMove: 1,
          }),
        ],
      });
    await redrive({ producer, ratePerSecond: 25 }, { sqs, output: recordingOutput(), sleep: noWait });
    expect(sqsMock).toHaveReceivedCommandWith(StartMessageMoveTaskCommand, {
      MaxNumberOfMessagesPerSecond: 25,
    });
  });

  test('follows a move that is already running instead of starting another', async () => {
    sqsMock
      .on(ListMessageMoveTasksCommand)
      .resolvesOnce({
        Results: [
          task({
            Status: 'RUNNING',
            ApproximateNumberOfMessagesMoved: 5,
            ApproximateNumberOfMessagesToMove: 9,
          }),
        ],
      })
      .resolves({
        Results: [
          task({
            Status: 'COMPLETED',
            ApproximateNumberOfMessagesMoved: 9,
            ApproximateNumberOfMessagesToMove: 9,
          }),
        ],
      });
    const output = recordingOutput();

    const result = await redrive({ producer }, { sqs, output, sleep: noWait });

    expect(sqsMock).not.toHaveReceivedCommand(StartMessageMoveTaskCommand);
    expect(result.moved).toBe(9);
    expect(output.errLines[0]).toMatch(
      /^a redrive of s3-to-sentinel-app-dlq is already running \(started 2027-01-15T08:00:00.000Z, to arn:aws:sqs:eu-west-1:111122223333:s3-to-sentinel-app\); following it$/,
    );
  });

  test('an empty DLQ starts nothing', async () => {
    sqsMock
      .on(GetQueueAttributesCommand, { QueueUrl: DLQ_URL })
      .resolves({ Attributes: { QueueArn: DLQ_ARN, ApproximateNumberOfMessages: '0' } });
    sqsMock.on(ListMessageMoveTasksCommand).resolves({ Results: [] });
    const output = recordingOutput();

    const result = await redrive({ producer }, { sqs, output, sleep: noWait });

    expect(result.status).toBe('EMPTY');
    expect(sqsMock).not.toHaveReceivedCommand(StartMessageMoveTaskCommand);
    expect(output.outLines).toStrictEqual(['s3-to-sentinel-app-dlq is empty: nothing to redrive']);
  });

  test('a DLQ whose messages are all in flight starts nothing and says why', async () => {
    sqsMock.on(GetQueueAttributesCommand, { QueueUrl: DLQ_URL }).resolves({
      Attributes: {
        QueueArn: DLQ_ARN,
        ApproximateNumberOfMessages: '0',
        ApproximateNumberOfMessagesNotVisible: '4',
      },
    });
    sqsMock.on(ListMessageMoveTasksCommand).resolves({ Results: [] });
    const output = recordingOutput();

    await redrive({ producer }, { sqs, output, sleep: noWait });

    expect(sqsMock).not.toHaveReceivedCommand(StartMessageMoveTaskCommand);
    expect(output.outLines).toStrictEqual([
      's3-to-sentinel-app-dlq has no visible messages but 4 in flight (someone is receiving from the DLQ): ' +
        'run redrive again once their visibility timeout has passed',
    ]);
  });

  test('fails if the move task fails, with the reason and the counts', async () => {
    sqsMock
      .on(ListMessageMoveTasksCommand)
      .resolvesOnce({ Results: [] })
      .resolves({
        Results: [
          task({
            Status: 'FAILED',
            FailureReason: 'AWS.SimpleQueueService.KmsAccessDenied',
            ApproximateNumberOfMessagesMoved: 7,
            ApproximateNumberOfMessagesToMove: 42,
          }),
        ],
      });
    await expect(redrive({ producer }, { sqs, output: recordingOutput(), sleep: noWait })).rejects.toThrow(
      'redrive from s3-to-sentinel-app-dlq to s3-to-sentinel-app failed after moving 7 of 42 messages: ' +
        'AWS.SimpleQueueService.KmsAccessDenied. Fix the cause and run redrive again to move the rest',
    );
  });

  test('fails if the move task is cancelled', async () => {
    sqsMock
      .on(ListMessageMoveTasksCommand)
      .resolvesOnce({ Results: [] })
      .resolvesOnce({
        Results: [
          task({
            Status: 'CANCELLING',
            ApproximateNumberOfMessagesMoved: 2,
            ApproximateNumberOfMessagesToMove: 42,
          }),
        ],
      })
      .resolves({
        Results: [
          task({
            Status: 'CANCELLED',
            ApproximateNumberOfMessagesMoved: 2,
            ApproximateNumberOfMessagesToMove: 42,
          }),
        ],
      });
    await expect(redrive({ producer }, { sqs, output: recordingOutput(), sleep: noWait })).rejects.toThrow(
      'redrive from s3-to-sentinel-app-dlq to s3-to-sentinel-app was cancelled after moving 2 of 42 messages',
    );
  });

  test('fails if not allowed to start the move, naming the permissions', async () => {
    sqsMock.on(ListMessageMoveTasksCommand).resolves({ Results: [] });
    sqsMock
      .on(StartMessageMoveTaskCommand)
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));
    await expect(redrive({ producer }, { sqs, output: recordingOutput(), sleep: noWait })).rejects.toThrow(
      /^not allowed to redrive s3-to-sentinel-app-dlq \(AccessDenied: denied\): your identity needs sqs:StartMessageMoveTask/,
    );
  });

  test('fails if the DLQ does not exist, naming it and the --dlq-url override', async () => {
    sqsMock
      .on(GetQueueUrlCommand, { QueueName: 's3-to-sentinel-app-dlq' })
      .rejects(Object.assign(new Error('no queue'), { name: 'QueueDoesNotExist' }));
    await expect(redrive({ producer }, { sqs, output: recordingOutput(), sleep: noWait })).rejects.toThrow(
      'queue s3-to-sentinel-app-dlq of producer "app" does not exist in eu-west-1: deploy stack s3-to-sentinel-app first, ' +
        'check --region/--profile, or pass --dlq-url <url>',
    );
  });

  test('uses --queue-url and --dlq-url without looking the names up', async () => {
    sqsMock
      .on(ListMessageMoveTasksCommand)
      .resolvesOnce({ Results: [] })
      .resolves({
        Results: [
          task({
            Status: 'COMPLETED',
            ApproximateNumberOfMessagesMoved: 1,
            ApproximateNumberOfMessagesToMove: 1,
          }),
        ],
      });
    await redrive(
      { producer, queueUrl: QUEUE_URL, dlqUrl: DLQ_URL },
      { sqs, output: recordingOutput(), sleep: noWait },
    );
    expect(sqsMock).not.toHaveReceivedCommand(GetQueueUrlCommand);
  });
});
