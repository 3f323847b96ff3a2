/**
 * Permanent failures with the queue URLs the construct sets: moved straight to the DLQ with their
 * reason and acknowledged; after a failure no object changes (no secret, a 403 or 404 from the
 * API) the rest of the batch is not read but routed the same way; a 400 or 413 does not stop it.
 */
import { ChangeMessageVisibilityBatchCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import 'aws-sdk-client-mock-jest';
import { ENV } from '../../../lambda/contract/environment';
import { s3ObjectOpener } from '../../../lambda/io/s3-objects';
import type { DependencyOptions } from '../../../lambda/pipeline/handler';
import { metricSum } from '../../support/capture';
import { lambdaContext, s3Notification, s3TestEvent, sqsEvent, sqsRecord } from '../../support/events';
import {
  BUCKET,
  DLQ_URL,
  emulator,
  makeHandler,
  ndjson,
  output,
  putObject,
  QUEUE_URL,
  rowsOf,
  s3,
  sentToSqs,
  sqsMock,
  ssmMock,
  useForwarderHarness,
} from '../../support/forwarder-harness';

useForwarderHarness();

describe('forwarder handler', () => {
  describe('with the queue URLs the construct sets', () => {
    const queues = { [ENV.queueUrl]: QUEUE_URL, [ENV.deadLetterQueueUrl]: DLQ_URL };

    test('moves a permanent failure straight to the DLQ with its reason, and acknowledges it', async () => {
      // GIVEN a batch with one good message and one poison message
      const object = await putObject('dlq/good.json', ndjson(3));
      const poison = '{"not":"an S3 event"}';
      // WHEN
      const response = await makeHandler({ envOverrides: queues })(
        sqsEvent(sqsRecord(s3Notification(object), 'good'), sqsRecord(poison, 'poison')),
        lambdaContext(),
      );
      // THEN neither is left failed: the poison message is in the DLQ, unchanged, with why
      expect(response).toStrictEqual({ batchItemFailures: [] });
      expect(sqsMock).toHaveReceivedCommandTimes(SendMessageBatchCommand, 1);
      expect(sentToSqs()).toStrictEqual([
        {
          QueueUrl: DLQ_URL,
          MessageBody: poison,
          MessageAttributes: {
            Producer: { DataType: 'String', StringValue: 'app-logs' },
            FailureClass: { DataType: 'String', StringValue: 'UnrecognizedMessage' },
            FailureReason: {
              DataType: 'String',
              StringValue: expect.stringContaining('not an S3 notification'),
            },
            SourceMessageId: { DataType: 'String', StringValue: 'poison' },
          },
        },
      ]);
      expect(sqsMock).toHaveReceivedCommandTimes(ChangeMessageVisibilityBatchCommand, 0);
      expect(output.logs().find((l) => l.message === 'Batch processed')).toMatchObject({
        movedToDeadLetterQueue: 1,
      });
    });

    test('stops reading objects once the client secret is missing, and sends each message to the DLQ with that reason', async () => {
      // GIVEN no secret in SSM, and a batch of three objects and a test event
      ssmMock.reset();
      ssmMock
        .on(GetParameterCommand)
        .rejects(Object.assign(new Error('Parameter not found.'), { name: 'ParameterNotFound' }));
      const objects = await Promise.all([0, 1, 2].map((i) => putObject(`no-secret/${i}.json`, ndjson(5))));
      const opened: string[] = [];
      const recording: DependencyOptions['openObject'] = async (ref, signal) => {
        opened.push(ref.key);
        return s3ObjectOpener(s3.client)(ref, signal);
      };
      // WHEN
      const response = await makeHandler({ envOverrides: queues, openObject: recording })(
        sqsEvent(
          sqsRecord(s3Notification(objects[0]), 'first'),
          sqsRecord(s3TestEvent(BUCKET), 'test-event'),
          sqsRecord(s3Notification(objects[1]), 'second'),
          sqsRecord(s3Notification(objects[2]), 'third'),
        ),
        lambdaContext(),
      );
      // THEN only the first object was read; every object's message is in the DLQ with the same
      // permanent reason naming the command that fixes it; the test event is still acknowledged
      expect(opened).toStrictEqual([objects[0].key]);
      expect(response).toStrictEqual({ batchItemFailures: [] });
      const sent = sentToSqs();
      expect(sent.map((m) => m.MessageAttributes?.SourceMessageId?.StringValue)).toStrictEqual([
        'first',
        'second',
        'third',
      ]);
      for (const message of sent) {
        expect(message.QueueUrl).toBe(DLQ_URL);
        expect(message.MessageAttributes?.FailureClass?.StringValue).toBe('Configuration');
        expect(message.MessageAttributes?.FailureReason?.StringValue).toContain(
          '`s3-to-sentinel put-secret --producer app-logs --from-outputs <cdktf outputs file>`',
        );
      }
      expect(emulator.requests).toHaveLength(0);
      expect(metricSum(output.metrics(), 'TestEvents')).toBe(1);
      expect(
        metricSum(output.metrics(), 'Failures', { FailureClass: 'Configuration', Producer: 'app-logs' }),
      ).toBe(3);
      expect(output.logs().find((l) => l.message === 'Batch processed')).toMatchObject({
        movedToDeadLetterQueue: 3,
        notAttempted: 2,
      });
    });

    /** API refusals that no object changes: the identity may not write to the DCR, or no such DCR. */
    const refusals: {
      status: number;
      setUp: () => void;
      envOverrides: Record<string, string>;
      failureClass: string;
      fix: RegExp;
    }[] = [
      {
        status: 403,
        setUp: () => emulator.failAlways({ status: 403 }),
        envOverrides: {},
        failureClass: 'IngestionAuthorization',
        fix: /Monitoring Metrics Publisher.*data collection rule/,
      },
      {
        status: 404,
        setUp: () => undefined,
        envOverrides: { [ENV.dcrImmutableId]: 'dcr-does-not-exist' },
        failureClass: 'IngestionNotFound',
        fix: /dcr-does-not-exist with stream Custom-AppLogs.*Check DCR_IMMUTABLE_ID/,
      },
    ];
    test.each(refusals)(
      'stops reading objects after a $status from the API, and sends each message to the DLQ with the fix',
      async ({ status, setUp, envOverrides, failureClass, fix }) => {
        // GIVEN an API that refuses every upload for a reason no object changes, and three objects
        setUp();
        const objects = await Promise.all(
          [0, 1, 2].map((i) => putObject(`refused-${status}/${i}.json`, ndjson(5))),
        );
        const opened: string[] = [];
        const recording: DependencyOptions['openObject'] = async (ref, signal) => {
          opened.push(ref.key);
          return s3ObjectOpener(s3.client)(ref, signal);
        };
        // WHEN
        const response = await makeHandler({
          envOverrides: { ...queues, ...envOverrides },
          openObject: recording,
        })(
          // First received an hour ago: a 403 is no longer taken for Azure's role propagation.
          sqsEvent(
            ...objects.map((o, i) => sqsRecord(s3Notification(o), `refused-${i}`, 2, Date.now() - 3_600_000)),
          ),
          lambdaContext(),
        );
        // THEN only the first object was read and sent; all three are in the DLQ, so none is left failed
        expect(response).toStrictEqual({ batchItemFailures: [] });
        expect(opened).toStrictEqual([objects[0].key]);
        expect(emulator.requests.map((r) => r.status)).toStrictEqual([status]);
        const sent = sentToSqs();
        expect(sent.map((m) => m.MessageAttributes?.SourceMessageId?.StringValue)).toStrictEqual([
          'refused-0',
          'refused-1',
          'refused-2',
        ]);
        for (const message of sent) {
          expect(message.QueueUrl).toBe(DLQ_URL);
          expect(message.MessageAttributes?.FailureClass?.StringValue).toBe(failureClass);
          expect(message.MessageAttributes?.FailureReason?.StringValue).toMatch(fix);
        }
        // Each later message's reason names its own object, says it was not read and why.
        for (const i of [1, 2]) {
          expect(sent[i].MessageAttributes?.FailureReason?.StringValue).toContain(
            `producer app-logs s3://logs/refused-${status}/${i}.json: not read, because an earlier message ` +
              `of this batch failed with ${failureClass}`,
          );
        }
        expect(sent[0].MessageAttributes?.FailureReason?.StringValue).not.toContain('not read');
        const errors = output.logs().filter((l) => l.level === 'ERROR');
        expect(errors.map((l) => [l.messageId, l.failureClass, l.retryable])).toStrictEqual([
          ['refused-0', failureClass, false],
          ['refused-1', failureClass, false],
          ['refused-2', failureClass, false],
        ]);
        expect(String(errors[2].message)).toMatch(/refused-\d+\/2\.json: not read, because/);
        expect(String(errors[2].message)).toMatch(fix);
        expect(
          metricSum(output.metrics(), 'Failures', { FailureClass: failureClass, Producer: 'app-logs' }),
        ).toBe(3);
        const summary = output.logs().find((l) => l.message === 'Batch processed');
        expect(summary).toMatchObject({
          messages: 3,
          failed: 0,
          movedToDeadLetterQueue: 3,
          notAttempted: 2,
          recordsDelivered: 0,
        });
        expect(String(summary?.reason)).toMatch(fix);
      },
    );

    test("waits out a 403 within 30 minutes of a message's first receive, as Azure's role propagation, instead of dead-lettering", async () => {
      // GIVEN an API that refuses every upload with 403, a message first received 10 minutes ago
      // and one first received 40 minutes ago, behind it
      emulator.failAlways({ status: 403 });
      const [recent, older] = await Promise.all([
        putObject('propagating/recent.json', ndjson(2)),
        putObject('propagating/older.json', ndjson(2)),
      ]);
      const now = Date.now();
      const handler = makeHandler({ envOverrides: queues, now: () => now });
      // WHEN
      const response = await handler(
        sqsEvent(
          sqsRecord(s3Notification(recent), 'recent', 1, now - 600_000),
          sqsRecord(s3Notification(older), 'older', 3, now - 2_400_000),
        ),
        lambdaContext(),
      );
      // THEN both wait (the older one was not tried: the batch stopped at the first 403), sent
      // back to the source queue with a delay; nothing is in the DLQ
      expect(response).toStrictEqual({ batchItemFailures: [] });
      const sent = sentToSqs();
      expect(
        sent.map((m) => [m.QueueUrl, m.DelaySeconds, m.MessageAttributes.S2SLastFailure?.StringValue]),
      ).toStrictEqual([
        [QUEUE_URL, 60, 'IngestionAuthorizationPending'],
        [QUEUE_URL, 60, 'NotAttempted'],
      ]);
      const error = output.logs().find((l) => l.level === 'ERROR' && l.messageId === 'recent');
      expect(error).toMatchObject({
        failureClass: 'IngestionAuthorizationPending',
        route: 'requeue',
        retryable: true,
      });
      expect(String(error?.message)).toMatch(
        /Monitoring Metrics Publisher.*Within 30 minutes of the first attempt/s,
      );
      // WHEN the older one comes back on its own, still refused
      sqsMock.resetHistory();
      const later = await handler(
        sqsEvent(sqsRecord(s3Notification(older), 'older-again', 1, now - 2_400_000)),
        lambdaContext(),
      );
      // THEN it goes to the DLQ with the fix: 40 minutes is past the propagation window
      expect(later).toStrictEqual({ batchItemFailures: [] });
      expect(
        sentToSqs().map((m) => [m.QueueUrl, m.MessageAttributes.FailureClass?.StringValue]),
      ).toStrictEqual([[DLQ_URL, 'IngestionAuthorization']]);
    });

    test('dead-letters an old message refused with 403 but defers the ones behind it still inside their own window', async () => {
      // GIVEN a 403 on every upload, a message first received an hour ago, and one five minutes ago
      emulator.failAlways({ status: 403 });
      const [old, fresh] = await Promise.all([
        putObject('window/old.json', ndjson(2)),
        putObject('window/fresh.json', ndjson(2)),
      ]);
      const now = Date.now();
      // WHEN
      const response = await makeHandler({ envOverrides: queues, now: () => now })(
        sqsEvent(
          sqsRecord(s3Notification(old), 'old', 3, now - 3_600_000),
          sqsRecord(s3Notification(fresh), 'fresh', 1, now - 300_000),
        ),
        lambdaContext(),
      );
      // THEN the old one is in the DLQ, the fresh one was not read but deferred, not dead-lettered
      expect(response).toStrictEqual({ batchItemFailures: [] });
      expect(
        sentToSqs().map((m) => [
          m.QueueUrl,
          m.MessageAttributes.FailureClass?.StringValue ?? m.MessageAttributes.S2SLastFailure?.StringValue,
        ]),
      ).toStrictEqual([
        [DLQ_URL, 'IngestionAuthorization'],
        [QUEUE_URL, 'NotAttempted'],
      ]);
      expect(emulator.requests).toHaveLength(1);
    });

    test.each([400, 413])(
      'does not stop the batch on a %s: it is about the rows sent, so the next object is still delivered',
      async (status) => {
        // GIVEN the API refuses the first upload only, and two objects
        // (twice for a 400: the forwarder sends a refused batch of records' own text once more,
        // re-serialized, before giving up on it)
        emulator.failNext(status === 400 ? 2 : 1, { status });
        const [first, second] = await Promise.all([
          putObject(`rejected-${status}/first.json`, ndjson(5)),
          putObject(`rejected-${status}/second.json`, ndjson(5)),
        ]);
        // WHEN
        const response = await makeHandler({ envOverrides: queues })(
          sqsEvent(sqsRecord(s3Notification(first), 'first'), sqsRecord(s3Notification(second), 'second')),
          lambdaContext(),
        );
        // THEN the first is in the DLQ, and the second was read and delivered
        expect(response).toStrictEqual({ batchItemFailures: [] });
        expect(emulator.requests.map((r) => r.status)).toStrictEqual(
          status === 400 ? [400, 400, 204] : [status, 204],
        );
        expect(rowsOf(first.key)).toHaveLength(0);
        expect(rowsOf(second.key)).toHaveLength(5);
        const sent = sentToSqs();
        expect(sent.map((m) => m.MessageAttributes?.SourceMessageId?.StringValue)).toStrictEqual(['first']);
        expect(sent[0].MessageAttributes?.FailureClass?.StringValue).toBe('IngestionRejected');
        const summary = output.logs().find((l) => l.message === 'Batch processed');
        expect(summary).toMatchObject({
          messages: 2,
          failed: 0,
          movedToDeadLetterQueue: 1,
          recordsDelivered: 5,
        });
        expect(summary).not.toHaveProperty('notAttempted');
        // A 400 for records sent as their own text was retried re-serialized first, and said so.
        expect(
          output
            .logs()
            .filter((l) =>
              String(l.message).startsWith('The Logs Ingestion API refused records sent as their own text'),
            ),
        ).toHaveLength(status === 400 ? 1 : 0);
      },
    );
  });
});
