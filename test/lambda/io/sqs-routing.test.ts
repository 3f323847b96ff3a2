import { Logger } from '@aws-lambda-powertools/logger';
import { ChangeMessageVisibilityBatchCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { IngestionRejectedError } from '../../../lambda/core/errors';
import { chunks, historyOf, MessageRouter, type RoutedMessage } from '../../../lambda/io/sqs-routing';
import { sqsRecord } from '../../support/events';

const QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/q';
const DLQ = 'https://sqs.eu-west-1.amazonaws.com/123456789012/dlq';
const sqsMock = mockClient(SQSClient);

function router(
  urls: { queueUrl?: string; deadLetterQueueUrl?: string } = { queueUrl: QUEUE, deadLetterQueueUrl: DLQ },
) {
  return new MessageRouter({
    sqs: new SQSClient({ region: 'eu-west-1' }),
    logger: new Logger({ logLevel: 'SILENT' }),
    producer: 'p',
    ...urls,
  });
}

function deferred(n: number): RoutedMessage[] {
  return Array.from({ length: n }, (_, i) => ({
    record: sqsRecord(`{"n":${i}}`, `m${i}`),
    route: {
      kind: 'requeue',
      body: `{"n":${i}}`,
      delaySeconds: 60,
      history: { firstReceived: 1, deferrals: 1 },
      deferral: true,
    },
  }));
}

const acceptAll = (input: { Entries?: { Id?: string }[] }) => ({
  Successful: (input.Entries ?? []).map((e) => ({ Id: e.Id!, MessageId: 'x', MD5OfMessageBody: '' })),
  Failed: [],
});

beforeEach(() => sqsMock.reset());

describe('MessageRouter', () => {
  test('sends 25 deferrals in 3 SendMessageBatch calls of at most 10, and reports none failed', async () => {
    sqsMock.on(SendMessageBatchCommand).callsFake(acceptAll);
    const settled = await router().settle(deferred(25), new AbortController().signal);
    expect(settled).toStrictEqual({ failures: [], deadLettered: 0, requeued: 25 });
    const sizes = sqsMock.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input.Entries!.length);
    expect(sizes.sort()).toStrictEqual([10, 10, 5]);
  });

  test('reports failed exactly the entries SQS refused, so they stay on the queue', async () => {
    sqsMock.on(SendMessageBatchCommand).callsFake((input: { Entries?: { Id?: string }[] }) => ({
      Successful: input.Entries!.filter((e) => e.Id !== '2').map((e) => ({ Id: e.Id })),
      Failed: [{ Id: '2', Code: 'Kms.ThrottlingException', Message: 'slow down', SenderFault: false }],
    }));
    const settled = await router().settle(deferred(4), new AbortController().signal);
    expect(settled.failures).toStrictEqual(['m2']);
    expect(settled.requeued).toBe(3);
  });

  test('reports failed every entry whose call was cut off by the signal, and asks nothing once it has fired', async () => {
    sqsMock.on(SendMessageBatchCommand).callsFake(() => new Promise(() => undefined));
    const signal = new AbortController();
    const settling = router().settle(deferred(12), signal.signal);
    signal.abort();
    expect((await settling).failures).toHaveLength(12);
    sqsMock.reset();
    const late = await router().settle(deferred(3), AbortSignal.abort());
    expect(late.failures).toStrictEqual(['m0', 'm1', 'm2']);
    expect(sqsMock).toHaveReceivedCommandTimes(SendMessageBatchCommand, 0);
  });

  test('sends a dead letter with its reason, and backs off with ChangeMessageVisibilityBatch while reporting it failed', async () => {
    sqsMock.on(SendMessageBatchCommand).callsFake(acceptAll);
    sqsMock.on(ChangeMessageVisibilityBatchCommand).callsFake(acceptAll);
    const poison = sqsRecord('not json', 'poison');
    const slow = sqsRecord('{"Records":[]}', 'slow', 2);
    const settled = await router().settle(
      [
        {
          record: poison,
          route: { kind: 'deadLetter', error: new IngestionRejectedError('x'.repeat(2_000)) },
        },
        { record: slow, route: { kind: 'retry', visibilityTimeout: 600 } },
      ],
      new AbortController().signal,
    );
    expect(settled).toStrictEqual({ failures: ['slow'], deadLettered: 1, requeued: 0 });
    const dead = sqsMock.commandCalls(SendMessageBatchCommand)[0].args[0].input;
    expect(dead.QueueUrl).toBe(DLQ);
    expect(dead.Entries![0].MessageBody).toBe('not json');
    expect(dead.Entries![0].MessageAttributes!.FailureReason.StringValue).toHaveLength(1_000);
    expect(sqsMock.commandCalls(ChangeMessageVisibilityBatchCommand)[0].args[0].input).toStrictEqual({
      QueueUrl: QUEUE,
      Entries: [{ Id: '0', ReceiptHandle: 'rh-slow', VisibilityTimeout: 600 }],
    });
  });

  test('without queue URLs, reports dead letters and requeues failed instead of sending them', async () => {
    const r = router({});
    expect(r.canRequeue).toBe(false);
    expect(r.canDeadLetter).toBe(false);
    const settled = await r.settle(deferred(2), new AbortController().signal);
    expect(settled.failures).toStrictEqual(['m0', 'm1']);
    expect(sqsMock.calls()).toHaveLength(0);
  });
});

describe('chunks', () => {
  test('keeps each batch within 10 entries and 256 KiB', () => {
    const big = (i: number): RoutedMessage => ({
      record: sqsRecord('x', `b${i}`),
      route: {
        kind: 'requeue',
        body: 'x'.repeat(100_000),
        delaySeconds: 0,
        history: { firstReceived: 1, deferrals: 0 },
        deferral: false,
      },
    });
    expect(chunks([0, 1, 2, 3, 4].map(big)).map((c) => c.length)).toStrictEqual([2, 2, 1]);
    expect(chunks(deferred(21)).map((c) => c.length)).toStrictEqual([10, 10, 1]);
  });
});

describe('historyOf', () => {
  test("reads a deferred message's attributes, else starts at the SQS first receive", () => {
    const fresh = sqsRecord('{}', 'f', 1, 1_000);
    expect(historyOf(fresh, 5_000)).toStrictEqual({ firstReceived: 1_000, deferrals: 0 });
    fresh.messageAttributes = {
      S2SFirstReceived: { dataType: 'Number', stringValue: '500' },
      S2SDeferrals: { dataType: 'Number', stringValue: '4' },
      S2SLastFailure: { dataType: 'String', stringValue: 'Credential' },
    };
    expect(historyOf(fresh, 5_000)).toStrictEqual({
      firstReceived: 500,
      deferrals: 4,
      lastFailure: 'Credential',
    });
  });
});
