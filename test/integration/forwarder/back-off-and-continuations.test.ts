/**
 * What returns to the source queue: a continuation message resumed at its record offset, the rest
 * of an object handed to a continuation when time runs out, and transient failures hidden for a
 * visibility timeout that doubles per receive.
 */
import { ChangeMessageVisibilityCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import 'aws-sdk-client-mock-jest';
import { ENV } from '../../../lambda/contract/environment';
import { continuationBody } from '../../../lambda/io/events';
import { s3ObjectOpener } from '../../../lambda/io/s3-objects';
import type { DependencyOptions } from '../../../lambda/pipeline/handler';
import { lambdaContext, s3Notification, sqsEvent, sqsRecord } from '../../support/events';
import {
  DLQ_URL,
  emulator,
  makeHandler,
  ndjson,
  putObject,
  QUEUE_URL,
  rowsOf,
  s3,
  sqsMock,
  useForwarderHarness,
} from '../../support/forwarder-harness';

useForwarderHarness();

describe('forwarder handler', () => {
  test('resumes a continuation message at its record offset', async () => {
    // GIVEN an object of 100 records of which an earlier invocation delivered the first 60
    const object = await putObject('resume/object.json', ndjson(100));
    const body = continuationBody({
      object: { ...object, eventTime: '2026-11-28T10:00:00.000Z' },
      nextRecordIndex: 60,
    });
    // WHEN
    const response = await makeHandler()(sqsEvent(sqsRecord(body)), lambdaContext());
    // THEN only records 60..99 are sent, with their original indexes (and so their RecordIds)
    expect(response).toStrictEqual({ batchItemFailures: [] });
    const indexes = rowsOf(object.key).map((r) => Number(r.RecordIndex));
    expect(indexes.sort((a, b) => a - b)).toStrictEqual(Array.from({ length: 40 }, (_, i) => 60 + i));
  });

  describe('with the queue URLs the construct sets', () => {
    const queues = { [ENV.queueUrl]: QUEUE_URL, [ENV.deadLetterQueueUrl]: DLQ_URL };

    test('hands the rest of an object it cannot finish in time to a continuation message, which completes it', async () => {
      // GIVEN a large object that arrives slowly (about 7 s at 80 ms a chunk), and a 3 s budget: wide
      // enough that a loaded machine still reads part of it, short enough that it cannot read all
      sqsMock.on(SendMessageCommand).resolves({ MessageId: 'continuation-1' });
      const object = await putObject('continue/large.json', ndjson(60_000));
      const slowly: DependencyOptions['openObject'] = async (ref, signal) => {
        const body = await s3ObjectOpener(s3.client)(ref, signal);
        return (async function* () {
          for await (const chunk of body) {
            await new Promise((resolve) => setTimeout(resolve, 80));
            yield chunk;
          }
        })();
      };
      const handler = makeHandler({ envOverrides: queues, openObject: slowly });
      // WHEN the first invocation runs out of time part-way
      const first = await handler(sqsEvent(sqsRecord(s3Notification(object), 'large')), lambdaContext(3_500));
      // THEN the original is acknowledged and a continuation is queued on the source queue
      expect(first).toStrictEqual({ batchItemFailures: [] });
      const sent = sqsMock.commandCalls(SendMessageCommand).map((c) => c.args[0].input);
      expect(sent).toHaveLength(1);
      expect(sent[0].QueueUrl).toBe(QUEUE_URL);
      const continuation = JSON.parse(sent[0].MessageBody!) as {
        s3ToSentinelContinuation: { object: { key: string }; nextRecordIndex: number };
      };
      const resumeAt = continuation.s3ToSentinelContinuation.nextRecordIndex;
      expect(continuation.s3ToSentinelContinuation.object.key).toBe(object.key);
      expect(resumeAt).toBeGreaterThan(0);
      expect(resumeAt).toBeLessThan(60_000);
      // WHEN the continuation is processed (at full speed)
      const second = await makeHandler({ envOverrides: queues })(
        sqsEvent(sqsRecord(sent[0].MessageBody!, 'continuation')),
        lambdaContext(),
      );
      // THEN every record of the object is in Sentinel, the continuation starting where the first stopped
      expect(second).toStrictEqual({ batchItemFailures: [] });
      const indexes = new Set(rowsOf(object.key).map((r) => Number(r.RecordIndex)));
      expect(indexes.size).toBe(60_000);
    });

    test('backs off transient failures with a visibility timeout that doubles per receive', async () => {
      // GIVEN the API is down, and two messages on their 1st and 3rd receive
      sqsMock.on(ChangeMessageVisibilityCommand).resolves({});
      emulator.failAlways({ status: 503 });
      const [a, b] = await Promise.all([
        putObject('backoff/a.json', ndjson(2)),
        putObject('backoff/b.json', ndjson(2)),
      ]);
      const handler = makeHandler({
        envOverrides: queues,
        clientOptions: emulator.clientOptions({ maxRetries: 1 }),
      });
      // WHEN
      const response = await handler(
        sqsEvent(sqsRecord(s3Notification(a), 'first', 1), sqsRecord(s3Notification(b), 'third', 3)),
        lambdaContext(),
      );
      // THEN both return to the queue, hidden for 5 and 20 minutes, and nothing went to the DLQ
      expect(response).toStrictEqual({
        batchItemFailures: [{ itemIdentifier: 'first' }, { itemIdentifier: 'third' }],
      });
      expect(sqsMock.commandCalls(ChangeMessageVisibilityCommand).map((c) => c.args[0].input)).toStrictEqual([
        { QueueUrl: QUEUE_URL, ReceiptHandle: 'rh-first', VisibilityTimeout: 300 },
        { QueueUrl: QUEUE_URL, ReceiptHandle: 'rh-third', VisibilityTimeout: 1200 },
      ]);
      expect(sqsMock).toHaveReceivedCommandTimes(SendMessageCommand, 0);
    });
  });
});
