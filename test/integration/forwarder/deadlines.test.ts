/**
 * The handler returns its batch response before the function times out, whatever its dependencies
 * do: SQS answering slowly while 600 messages are routed, or a call that ignores the abort signal.
 * Each test orders two events — the handler's return and a timer set at the Lambda's timeout —
 * rather than measuring elapsed time; the handler keeps a full second back for that order to hold.
 */
import { ENV } from '../../../lambda/contract/environment';
import { lambdaContext, s3Notification, sqsEvent } from '../../support/events';
import {
  DLQ_URL,
  emulator,
  makeHandler,
  ndjson,
  putObject,
  output,
  QUEUE_URL,
  sentToSqs,
  sqsMock,
  useForwarderHarness,
} from '../../support/forwarder-harness';
import { metricSum } from '../../support/capture';
import { sqsRecord } from '../../support/events';
import { SimClock, SqsModel } from '../../support/sqs-model';

useForwarderHarness();

const queues = { [ENV.queueUrl]: QUEUE_URL, [ENV.deadLetterQueueUrl]: DLQ_URL };

/** Resolves `'returned'` or `'timed out'`, whichever comes first. */
async function raceTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<{ first: string; value: T }> {
  const order: string[] = [];
  const timer = setTimeout(() => order.push('timed out'), timeoutMs);
  const value = await work;
  order.push('returned');
  clearTimeout(timer);
  return { first: order[0], value };
}

function model(latencyMs: number): SqsModel {
  const sqs = new SqsModel(new SimClock(Date.now()));
  sqs.createQueue({ url: DLQ_URL, visibilityTimeoutSeconds: 30 });
  sqs.createQueue({
    url: QUEUE_URL,
    visibilityTimeoutSeconds: 60,
    redrive: { deadLetterUrl: DLQ_URL, maxReceiveCount: 5 },
  });
  sqs.attach(sqsMock, { latencyMs });
  return sqs;
}

describe('forwarder handler deadlines', () => {
  test('routes 600 messages with batch calls and returns before its timeout when SQS answers slowly, losing none', async () => {
    // GIVEN the API down, 600 messages, and SQS taking 2 seconds per call
    emulator.failAlways({ status: 503 });
    const sqs = model(2_000);
    const object = await putObject('deadline/one.json', ndjson(2));
    for (let i = 0; i < 600; i++) {
      // One object, 600 notifications told apart by their event time.
      const eventTime = new Date(Date.parse('2026-12-07T10:00:00Z') + i * 1_000).toISOString();
      sqs.send(QUEUE_URL, JSON.stringify(s3Notification({ ...object, eventTime })));
    }
    const received = sqs.receive(QUEUE_URL, 600);
    const records = received.map((m) => sqs.toLambdaRecord(QUEUE_URL, m));
    const handler = makeHandler({
      envOverrides: queues,
      safetyMarginMs: 5_000,
      clientOptions: emulator.clientOptions({ maxRetries: 0 }),
    });
    // WHEN the function has 8 s: 60 batch calls, 8 at a time, need 16 s of SQS answers
    const { first, value: response } = await raceTimeout(
      handler(sqsEvent(...records), lambdaContext(8_000)),
      8_000,
    );
    // THEN it returned first, having made only batch calls, at most one per 10 messages
    expect(first).toBe('returned');
    const commands = new Set(sqs.calls.map((c) => c.command));
    expect(commands).toStrictEqual(new Set(['SendMessageBatch']));
    expect(sqs.calls.length).toBeLessThanOrEqual(60);
    // Some calls were cut off: those messages are reported failed and stay on the queue.
    const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
    expect(failed.size).toBeGreaterThan(0);
    expect(failed.size).toBeLessThan(600);
    // Every message is still somewhere: its original left on the queue, or its deferral sent (a
    // call cut off may still complete: then both, a duplicate, never a loss).
    await new Promise((resolve) => setTimeout(resolve, 2_200));
    for (const m of received) if (!failed.has(m.id)) sqs.delete(QUEUE_URL, m.receiptHandle);
    const keys = new Set(sqs.messages(QUEUE_URL).map((m) => m.body));
    expect(keys.size).toBe(600);
    expect(sqs.messages(DLQ_URL)).toHaveLength(0);
  });

  test('leaves a message whose object read ignores the abort to a later invocation, and still returns in time', async () => {
    // GIVEN an object opener that never answers and never looks at the signal
    const sqs = model(0);
    const object = await putObject('deadline/hung.json', ndjson(2));
    sqs.send(QUEUE_URL, JSON.stringify(s3Notification(object)));
    const records = sqs.receive(QUEUE_URL, 10).map((m) => sqs.toLambdaRecord(QUEUE_URL, m));
    const handler = makeHandler({
      envOverrides: queues,
      safetyMarginMs: 3_000,
      openObject: () => new Promise(() => undefined),
    });
    // WHEN
    const { first, value: response } = await raceTimeout(
      handler(sqsEvent(...records), lambdaContext(4_000)),
      4_000,
    );
    // THEN it returned first; the message was deferred (sent again with a delay), not failed
    expect(first).toBe('returned');
    expect(response).toStrictEqual({ batchItemFailures: [] });
    const deferred = sqs.messages(QUEUE_URL).filter((m) => m.attributes.S2SDeferrals?.StringValue === '1');
    expect(deferred).toHaveLength(1);
    expect(deferred[0].visibleAt - sqs.clock.now()).toBe(60_000);
  });

  test('sends a message crowded out by a slow one back at once, not as an outage deferral', async () => {
    // GIVEN a first object whose read waits until the deadline, and a second message behind it
    const [slow, next] = await Promise.all([
      putObject('deadline/slow.json', ndjson(2)),
      putObject('deadline/next.json', ndjson(2)),
    ]);
    const handler = makeHandler({
      envOverrides: queues,
      openObject: (_ref, signal) =>
        new Promise((_, reject) =>
          signal.addEventListener(
            'abort',
            () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' })),
            {
              once: true,
            },
          ),
        ),
    });
    // WHEN the function has 3 s (1 s of budget after the 2 s margin)
    const response = await handler(
      sqsEvent(sqsRecord(s3Notification(slow), 'slow'), sqsRecord(s3Notification(next), 'next')),
      lambdaContext(3_000),
    );
    // THEN both go back to the source queue: the slow one deferred (it made no progress in a whole
    // budget), the crowded-out one at once with no deferral counted, so no outage is reported for it
    expect(response).toStrictEqual({ batchItemFailures: [] });
    const sent = sentToSqs(QUEUE_URL);
    expect(sent.map((m) => [m.DelaySeconds, m.MessageAttributes.S2SDeferrals?.StringValue])).toStrictEqual([
      [60, '1'],
      [undefined, '0'],
    ]);
    expect(metricSum(output.metrics(), 'MessagesDeferred')).toBe(1);
  });
});
