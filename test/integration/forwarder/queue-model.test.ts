/**
 * The real handler over the SQS model (test/support/sqs-model.ts) on a simulated clock: days of
 * queue behaviour — delays, visibility, receive counts, the redrive policy, retention — in seconds.
 * Outages must not spend a message's receives; failures of a message's own object still reach the
 * DLQ through the redrive policy, and only within the queue's retention.
 */
import { secondsToDeadLetter } from '../../../lambda/contract/retry-schedule';
import { ENV } from '../../../lambda/contract/environment';
import type { DependencyOptions } from '../../../lambda/pipeline/handler';
import { s3ObjectOpener } from '../../../lambda/io/s3-objects';
import { s3Notification } from '../../support/events';
import {
  DLQ_URL,
  emulator,
  makeHandler,
  ndjson,
  putObject,
  QUEUE_URL,
  rowsOf,
  s3,
  SECRET,
  sqsMock,
  ssmMock,
  useForwarderHarness,
} from '../../support/forwarder-harness';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { EventSourceModel, SimClock, SqsModel } from '../../support/sqs-model';

useForwarderHarness();

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const queues = { [ENV.queueUrl]: QUEUE_URL, [ENV.deadLetterQueueUrl]: DLQ_URL };

/** The construct's queues: 7-day retention, visibility 6 × a 60 s timeout, a 14-day DLQ. */
function queuesModel(maxReceiveCount: number): SqsModel {
  const model = new SqsModel(new SimClock());
  model.createQueue({ url: DLQ_URL, visibilityTimeoutSeconds: 30, retentionSeconds: 14 * 86_400 });
  model.createQueue({
    url: QUEUE_URL,
    visibilityTimeoutSeconds: 360,
    retentionSeconds: 7 * 86_400,
    redrive: { deadLetterUrl: DLQ_URL, maxReceiveCount },
  });
  model.attach(sqsMock);
  return model;
}

describe('the forwarder on the SQS model', () => {
  test('a 24-hour outage of the Logs Ingestion API puts nothing in the DLQ, loses no row, and the backlog drains after it', async () => {
    // GIVEN 25 objects of 4 records announced at t0, and an API answering 503 for 24 hours
    const model = queuesModel(5);
    const t0 = model.clock.now();
    const objects = await Promise.all(
      Array.from({ length: 25 }, (_, i) => putObject(`outage-24h/${i}.json`, ndjson(4, i * 4))),
    );
    for (const object of objects) model.send(QUEUE_URL, JSON.stringify(s3Notification(object)));
    const handler = makeHandler({
      envOverrides: queues,
      now: model.clock.now,
      clientOptions: emulator.clientOptions({ maxRetries: 0 }),
    });
    let deliveredBy = 0;
    const events = new EventSourceModel(model, handler, {
      queueUrl: QUEUE_URL,
      batchSize: 10,
      timeoutMs: 60_000,
      beforeInvoke: (now) => {
        if (now < t0 + DAY) emulator.failAlways({ status: 503 });
        else {
          emulator.clearFaults();
          deliveredBy = now;
        }
      },
    });
    // WHEN the event source polls for 26 simulated hours
    await events.run(t0 + 26 * HOUR);
    // THEN the DLQ is empty, nothing expired, the queue is drained, and every record arrived once
    expect(model.messages(DLQ_URL)).toHaveLength(0);
    expect(model.expired.get(QUEUE_URL)).toHaveLength(0);
    expect(model.messages(QUEUE_URL)).toHaveLength(0);
    for (const object of objects) {
      const rows = rowsOf(object.key);
      expect(rows.map((r) => Number(r.RecordIndex)).sort()).toStrictEqual([0, 1, 2, 3]);
    }
    // The API was tried all along (not given up on), and the backlog drained within the longest
    // deferral (15 minutes) of the outage's end.
    const failedTries = emulator.requests.filter((r) => r.status === 503).length;
    expect(failedTries).toBeGreaterThan(90);
    expect(deliveredBy).toBeGreaterThanOrEqual(t0 + DAY);
    expect(deliveredBy).toBeLessThanOrEqual(t0 + DAY + 16 * 60_000);
    // Every deferral was a SendMessageBatch: no single-message calls.
    expect(new Set(model.calls.map((c) => c.command))).toStrictEqual(new Set(['SendMessageBatch']));
  });

  test('a 24-hour SSM outage (the client secret unreadable) puts nothing in the DLQ either, and the backlog drains after it', async () => {
    // GIVEN 12 objects, and SSM throttling every GetParameter for 24 hours
    const model = queuesModel(5);
    const t0 = model.clock.now();
    const objects = await Promise.all(
      Array.from({ length: 12 }, (_, i) => putObject(`ssm-outage/${i}.json`, ndjson(3, i * 3))),
    );
    for (const object of objects) model.send(QUEUE_URL, JSON.stringify(s3Notification(object)));
    const handler = makeHandler({ envOverrides: queues, now: model.clock.now });
    const events = new EventSourceModel(model, handler, {
      queueUrl: QUEUE_URL,
      batchSize: 10,
      timeoutMs: 60_000,
      beforeInvoke: (now) => {
        ssmMock.reset();
        if (now < t0 + DAY) {
          ssmMock
            .on(GetParameterCommand)
            .rejects(
              Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $fault: 'client' }),
            );
        } else {
          ssmMock.on(GetParameterCommand).resolves({ Parameter: { Value: SECRET, Type: 'SecureString' } });
        }
      },
    });
    // WHEN
    await events.run(t0 + 26 * HOUR);
    // THEN
    expect(model.messages(DLQ_URL)).toHaveLength(0);
    expect(model.expired.get(QUEUE_URL)).toHaveLength(0);
    expect(model.messages(QUEUE_URL)).toHaveLength(0);
    for (const object of objects) expect(rowsOf(object.key)).toHaveLength(3);
    expect(events.invocations).toBeGreaterThan(90);
  });

  /** Opens every object except `key`, whose reads fail with S3's transient 500. */
  function failingFor(key: string): DependencyOptions['openObject'] {
    return (ref, signal) =>
      ref.key === key
        ? Promise.reject(
            Object.assign(new Error('We encountered an internal error.'), {
              name: 'InternalError',
              $metadata: { httpStatusCode: 500 },
            }),
          )
        : s3ObjectOpener(s3.client)(ref, signal);
  }

  test("a failure of the message's own object still reaches the DLQ, through the redrive policy, after maxReceiveCount receives", async () => {
    // GIVEN one object S3 cannot serve and one it can
    const model = queuesModel(5);
    const t0 = model.clock.now();
    const [bad, good] = await Promise.all([
      putObject('own-failure/bad.json', ndjson(2)),
      putObject('own-failure/good.json', ndjson(2)),
    ]);
    model.send(QUEUE_URL, JSON.stringify(s3Notification(bad)));
    model.send(QUEUE_URL, JSON.stringify(s3Notification(good)));
    const handler = makeHandler({
      envOverrides: queues,
      now: model.clock.now,
      openObject: failingFor(bad.key),
    });
    // WHEN the event source polls for a day
    await new EventSourceModel(model, handler, { queueUrl: QUEUE_URL, batchSize: 10, timeoutMs: 60_000 }).run(
      t0 + DAY,
    );
    // THEN the good object is delivered and the bad one's message is in the DLQ, moved by SQS after
    // its 5 receives and their back-off (5 + 10 + 20 + 40 + 80 minutes)
    expect(rowsOf(good.key)).toHaveLength(2);
    const dead = model.messages(DLQ_URL);
    expect(dead).toHaveLength(1);
    expect(dead[0].body).toContain('own-failure/bad.json');
    expect(dead[0].receiveCount).toBe(5);
    expect(model.clock.now() - t0).toBeGreaterThanOrEqual(secondsToDeadLetter(5) * 1000);
    expect(model.expired.get(QUEUE_URL)).toHaveLength(0);
  });

  test('with maxReceiveCount 21 the same message outlives the 7-day retention and is deleted, never dead-lettered: why the construct refuses it', async () => {
    // GIVEN the queue's redrive allows 21 receives, and an object S3 never serves
    const model = queuesModel(21);
    const t0 = model.clock.now();
    const bad = await putObject('own-failure/too-many-receives.json', ndjson(2));
    model.send(QUEUE_URL, JSON.stringify(s3Notification(bad)));
    const handler = makeHandler({
      envOverrides: queues,
      now: model.clock.now,
      openObject: failingFor(bad.key),
    });
    // WHEN the event source polls for 8 days
    await new EventSourceModel(model, handler, { queueUrl: QUEUE_URL, batchSize: 10, timeoutMs: 60_000 }).run(
      t0 + 8 * DAY,
    );
    // THEN SQS deleted it at 7 days: lost, with nothing in the DLQ
    expect(model.messages(DLQ_URL)).toHaveLength(0);
    expect(model.expired.get(QUEUE_URL)).toHaveLength(1);
    expect(secondsToDeadLetter(21)).toBeGreaterThan(7 * 86_400);
  });
});
