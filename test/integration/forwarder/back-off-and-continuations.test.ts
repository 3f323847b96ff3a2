/**
 * What returns to the source queue: a continuation message resumed at its record offset, the rest
 * of an object handed to a continuation when time runs out, and transient failures hidden for a
 * visibility timeout that doubles per receive.
 */
import { ChangeMessageVisibilityBatchCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import 'aws-sdk-client-mock-jest';
import { ENV } from '../../../lambda/contract/environment';
import { continuationBody } from '../../../lambda/io/events';
import { s3ObjectOpener } from '../../../lambda/io/s3-objects';
import type { DependencyOptions } from '../../../lambda/pipeline/handler';
import { metricSum } from '../../support/capture';
import { lambdaContext, s3Notification, sqsEvent, sqsRecord } from '../../support/events';
import {
  DLQ_URL,
  emulator,
  makeHandler,
  ndjson,
  putObject,
  QUEUE_URL,
  output,
  rowsOf,
  s3,
  sentToSqs,
  sqsMock,
  useForwarderHarness,
  visibilityChanges,
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
      const original = sqsRecord(s3Notification(object), 'large');
      const first = await handler(sqsEvent(original), lambdaContext(5_000));
      // THEN the original is acknowledged and a continuation is queued on the source queue
      expect(first).toStrictEqual({ batchItemFailures: [] });
      const sent = sentToSqs();
      expect(sent).toHaveLength(1);
      expect(sent[0].QueueUrl).toBe(QUEUE_URL);
      // At once (it made progress) and keeping the original's first receive
      expect(sent[0].DelaySeconds).toBeUndefined();
      expect(sent[0].MessageAttributes.S2SFirstReceived?.StringValue).toBe(
        original.attributes.ApproximateFirstReceiveTimestamp,
      );
      expect(sent[0].MessageAttributes.S2SDeferrals?.StringValue).toBe('0');
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

    test("backs off a failure of the message's own object with a visibility timeout that doubles per receive", async () => {
      // GIVEN S3 fails every read with a 500, and two messages on their 1st and 3rd receive
      const [a, b] = await Promise.all([
        putObject('backoff/a.json', ndjson(2)),
        putObject('backoff/b.json', ndjson(2)),
      ]);
      const failing: DependencyOptions['openObject'] = () =>
        Promise.reject(
          Object.assign(new Error('We encountered an internal error.'), {
            name: 'InternalError',
            $metadata: { httpStatusCode: 500 },
          }),
        );
      // WHEN
      const response = await makeHandler({ envOverrides: queues, openObject: failing })(
        sqsEvent(sqsRecord(s3Notification(a), 'first', 1), sqsRecord(s3Notification(b), 'third', 3)),
        lambdaContext(),
      );
      // THEN both return to the queue, hidden for 5 and 20 minutes in one batch call, spending a
      // receive each (the redrive policy counts them), and nothing is sent anywhere
      expect(response).toStrictEqual({
        batchItemFailures: [{ itemIdentifier: 'first' }, { itemIdentifier: 'third' }],
      });
      expect(sqsMock).toHaveReceivedCommandTimes(ChangeMessageVisibilityBatchCommand, 1);
      expect(visibilityChanges()).toStrictEqual([
        { ReceiptHandle: 'rh-first', VisibilityTimeout: 300 },
        { ReceiptHandle: 'rh-third', VisibilityTimeout: 1200 },
      ]);
      expect(sqsMock).toHaveReceivedCommandTimes(SendMessageBatchCommand, 0);
    });

    test('defers messages past an outage of the API as new delayed messages with their history, spending no receive', async () => {
      // GIVEN the API is down, and two messages: a fresh one on its 3rd receive, and one deferred twice already
      emulator.failAlways({ status: 503 });
      const [a, b] = await Promise.all([
        putObject('outage/a.json', ndjson(2)),
        putObject('outage/b.json', ndjson(2)),
      ]);
      const deferred = sqsRecord(s3Notification(b), 'deferred', 1);
      const firstReceived = String(Date.now() - 3_600_000);
      deferred.messageAttributes = {
        S2SFirstReceived: { dataType: 'Number', stringValue: firstReceived },
        S2SDeferrals: { dataType: 'Number', stringValue: '2' },
      };
      const fresh = sqsRecord(s3Notification(a), 'fresh', 3);
      // WHEN
      const response = await makeHandler({
        envOverrides: queues,
        clientOptions: emulator.clientOptions({ maxRetries: 1 }),
      })(sqsEvent(fresh, deferred), lambdaContext());
      // THEN both are acknowledged and sent again to the source queue, unchanged, in one batch
      // call: delayed 1 and 4 minutes, keeping their first receive and counting their deferrals
      expect(response).toStrictEqual({ batchItemFailures: [] });
      expect(sqsMock).toHaveReceivedCommandTimes(SendMessageBatchCommand, 1);
      expect(sqsMock).toHaveReceivedCommandTimes(ChangeMessageVisibilityBatchCommand, 0);
      expect(sentToSqs()).toStrictEqual([
        {
          QueueUrl: QUEUE_URL,
          MessageBody: fresh.body,
          DelaySeconds: 60,
          MessageAttributes: {
            S2SFirstReceived: {
              DataType: 'Number',
              StringValue: fresh.attributes.ApproximateFirstReceiveTimestamp,
            },
            S2SDeferrals: { DataType: 'Number', StringValue: '1' },
            S2SLastFailure: { DataType: 'String', StringValue: 'IngestionUnavailable' },
          },
        },
        {
          QueueUrl: QUEUE_URL,
          MessageBody: deferred.body,
          DelaySeconds: 240,
          MessageAttributes: {
            S2SFirstReceived: { DataType: 'Number', StringValue: firstReceived },
            S2SDeferrals: { DataType: 'Number', StringValue: '3' },
            S2SLastFailure: { DataType: 'String', StringValue: 'NotAttempted' },
          },
        },
      ]);
      expect(metricSum(output.metrics(), 'MessagesDeferred')).toBe(2);
      expect(output.logs().find((l) => l.message === 'Batch processed')).toMatchObject({
        requeued: 2,
        failed: 0,
        notAttempted: 1,
      });
    });
  });
});
