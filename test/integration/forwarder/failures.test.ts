/**
 * Failures and their classification: which message fails, permanent or transient, and what the
 * log says (bucket, key, the fix) — a poison message, NoSuchKey, 401/403/404 from the API, 429s and
 * resets ridden out, and the time budget (an API down for longer than it, a slow object).
 */
import { ENV } from '../../../lambda/contract/environment';
import { s3ObjectOpener } from '../../../lambda/io/s3-objects';
import type { DependencyOptions } from '../../../lambda/pipeline/handler';
import { metricSum } from '../../support/capture';
import { lambdaContext, s3Notification, sqsEvent, sqsRecord } from '../../support/events';
import {
  BUCKET,
  emulator,
  makeHandler,
  ndjson,
  output,
  putObject,
  rowsOf,
  s3,
  STREAM,
  timeline,
  useForwarderHarness,
} from '../../support/forwarder-harness';

useForwarderHarness();

describe('forwarder handler', () => {
  test('fails exactly the poison message of a batch of 10', async () => {
    // GIVEN 9 good messages and one body that is not an S3 notification
    const records = [];
    for (let i = 0; i < 10; i++) {
      if (i === 6) {
        records.push(sqsRecord('{"hello":"this is not an S3 event"}', 'poison'));
      } else {
        const object = await putObject(`batch/object-${i}.json`, ndjson(20, i * 100));
        records.push(sqsRecord(s3Notification(object), `good-${i}`));
      }
    }
    // WHEN
    const response = await makeHandler()(sqsEvent(...records), lambdaContext());
    // THEN
    expect(response).toStrictEqual({ batchItemFailures: [{ itemIdentifier: 'poison' }] });
    expect(emulator.rows(STREAM)).toHaveLength(9 * 20);
    const error = output.logs().find((l) => l.level === 'ERROR' && l.messageId === 'poison');
    expect(error).toMatchObject({ failureClass: 'UnrecognizedMessage', retryable: false });
    // The log names the body by its keys, never its values (lambda/io/events.ts, `unrecognized`).
    expect(String(error?.message)).toContain('a JSON object with keys "hello"');
    expect(String(error?.message)).not.toContain('this is not an S3 event');
    expect(
      metricSum(output.metrics(), 'Failures', { FailureClass: 'UnrecognizedMessage', Producer: 'app-logs' }),
    ).toBe(1);
    // Every metric carries the producer and lands in the construct's namespace.
    for (const blob of output.metrics()) {
      expect(blob).toMatchObject({
        Producer: 'app-logs',
        _aws: { CloudWatchMetrics: [{ Namespace: 'S3ToSentinel' }] },
      });
    }
  });

  test('fails permanent on NoSuchKey, naming bucket and key', async () => {
    const response = await makeHandler()(
      sqsEvent(sqsRecord(s3Notification({ bucket: BUCKET, key: 'never/written.json' }), 'missing')),
      lambdaContext(),
    );
    expect(response).toStrictEqual({ batchItemFailures: [{ itemIdentifier: 'missing' }] });
    const error = output.logs().find((l) => l.level === 'ERROR');
    expect(error).toMatchObject({
      failureClass: 'ObjectNotFound',
      retryable: false,
      bucket: BUCKET,
      key: 'never/written.json',
    });
    expect(String(error?.message)).toMatch(/s3:\/\/logs\/never\/written\.json.*NoSuchKey/);
  });

  test('rides out a 429 with Retry-After', async () => {
    const object = await putObject('throttled.json', ndjson(10));
    emulator.failNext(1, { status: 429, retryAfter: 1 });
    const response = await makeHandler()(sqsEvent(sqsRecord(s3Notification(object))), lambdaContext());
    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect(emulator.requests.map((r) => r.status)).toStrictEqual([429, 204]);
    expect(rowsOf(object.key)).toHaveLength(10);
  });

  test('rides out a connection reset', async () => {
    const object = await putObject('reset.json', ndjson(10));
    emulator.failNext(1, { reset: true });
    const response = await makeHandler()(sqsEvent(sqsRecord(s3Notification(object))), lambdaContext());
    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect(rowsOf(object.key)).toHaveLength(10);
  });

  test('fails transient when 500s outlast the time budget, and does not start the rest of the batch', async () => {
    // GIVEN an API down for longer than the invocation has, and three messages
    const objects = await Promise.all([1, 2, 3].map((i) => putObject(`outage/${i}.json`, ndjson(5))));
    emulator.failAlways({ status: 500 });
    const recorded = timeline();
    const handler = makeHandler({
      clientOptions: {
        ...emulator.clientOptions({ maxRetries: 1_000, retryDelayInMs: 50, maxRetryDelayInMs: 100 }),
        additionalPolicies: [recorded.recordSends],
      },
      openObject: async (ref, signal) => {
        recorded.watch(signal);
        return s3ObjectOpener(s3.client)(ref, signal);
      },
    });
    // WHEN the Lambda has 4 s left (2 s after the safety margin)
    const response = await handler(
      sqsEvent(...objects.map((o, i) => sqsRecord(s3Notification(o), `outage-${i}`))),
      lambdaContext(4_000),
    );
    // THEN all three return to the queue, and only the first was attempted
    expect(response).toStrictEqual({
      batchItemFailures: [
        { itemIdentifier: 'outage-0' },
        { itemIdentifier: 'outage-1' },
        { itemIdentifier: 'outage-2' },
      ],
    });
    // It stopped at its deadline, not before (the API was retried up to it, well under the 1,000
    // retries allowed) nor after (no request sent once the deadline fired).
    expect(recorded.events).toContain('deadline');
    expect(recorded.beforeDeadline().filter((e) => e === 'send').length).toBeGreaterThan(1);
    expect(recorded.afterDeadline()).not.toContain('send');
    expect(new Set(emulator.requests.map((r) => r.stream))).toStrictEqual(new Set([STREAM]));
    const error = output.logs().find((l) => l.level === 'ERROR' && l.messageId === 'outage-0');
    expect(error).toMatchObject({
      failureClass: 'TimeBudgetExhausted',
      retryable: true,
      recordsDelivered: 0,
      nextRecordIndex: 0,
    });
    expect(output.logs().find((l) => l.message === 'Batch processed')).toMatchObject({
      failed: 3,
      notAttempted: 2,
    });
    expect(emulator.rows(STREAM)).toHaveLength(0);
  });

  // First received an hour ago: past the window in which a 401/403 is taken for role propagation.
  const anHourAgo = () => Date.now() - 3_600_000;

  test('fails permanent on 403 with the role-naming message', async () => {
    const object = await putObject('forbidden.json', ndjson(3));
    emulator.failAlways({ status: 403 });
    const response = await makeHandler()(
      sqsEvent(sqsRecord(s3Notification(object), 'forbidden', 2, anHourAgo())),
      lambdaContext(),
    );
    expect(response).toStrictEqual({ batchItemFailures: [{ itemIdentifier: 'forbidden' }] });
    const error = output.logs().find((l) => l.level === 'ERROR');
    expect(error).toMatchObject({ failureClass: 'IngestionAuthorization', retryable: false });
    expect(String(error?.message)).toMatch(/Monitoring Metrics Publisher.*data collection rule.*30 minutes/);
    expect(String(error?.message)).toContain('s3://logs/forbidden.json');
  });

  test('fails permanent on 401', async () => {
    const object = await putObject('unauthorized.json', ndjson(3));
    emulator.failAlways({ status: 401 });
    const response = await makeHandler()(
      sqsEvent(sqsRecord(s3Notification(object), 'unauth', 2, anHourAgo())),
      lambdaContext(),
    );
    expect(response).toStrictEqual({ batchItemFailures: [{ itemIdentifier: 'unauth' }] });
    expect(output.logs().find((l) => l.level === 'ERROR')).toMatchObject({
      failureClass: 'IngestionAuthorization',
      retryable: false,
    });
  });

  test('fails permanent on 404, naming the DCR immutable id and the stream', async () => {
    const object = await putObject('wrong-dcr.json', ndjson(3));
    const response = await makeHandler({ envOverrides: { [ENV.dcrImmutableId]: 'dcr-does-not-exist' } })(
      sqsEvent(sqsRecord(s3Notification(object), 'wrong-dcr')),
      lambdaContext(),
    );
    expect(response).toStrictEqual({ batchItemFailures: [{ itemIdentifier: 'wrong-dcr' }] });
    const error = output.logs().find((l) => l.level === 'ERROR');
    expect(error).toMatchObject({ failureClass: 'IngestionNotFound', retryable: false });
    expect(String(error?.message)).toMatch(/dcr-does-not-exist.*Custom-AppLogs/);
  });

  test('stops reading a slow object when the time budget runs out, and returns it to the queue', async () => {
    // GIVEN an object that arrives slowly (each chunk of the body 100 ms apart) and a 1 s budget
    const object = await putObject('slow/object.json', ndjson(20_000));
    const recorded = timeline();
    const slowly: DependencyOptions['openObject'] = async (ref, signal) => {
      recorded.watch(signal);
      const body = await s3ObjectOpener(s3.client)(ref, signal);
      return (async function* () {
        for await (const chunk of body) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          recorded.events.push('chunk');
          yield chunk;
        }
      })();
    };
    // WHEN
    const response = await makeHandler({ openObject: slowly })(
      sqsEvent(sqsRecord(s3Notification(object), 'slow')),
      lambdaContext(3_000),
    );
    // THEN it gave up at its deadline — the body read up to it, and after it at most the one chunk
    // already awaited, no further request sent — retryable, with where to resume
    expect(response).toStrictEqual({ batchItemFailures: [{ itemIdentifier: 'slow' }] });
    expect(recorded.events).toContain('deadline');
    expect(recorded.beforeDeadline()).toContain('chunk');
    expect(recorded.afterDeadline().filter((e) => e === 'chunk').length).toBeLessThanOrEqual(1);
    const error = output.logs().find((l) => l.level === 'ERROR');
    expect(error).toMatchObject({ failureClass: 'TimeBudgetExhausted', retryable: true, key: object.key });
    // Nothing before the resume point is missing. (A batch the API accepted just as the deadline
    // aborted its response counts as failed and is sent again: at-least-once, de-duplicated by RecordId.)
    const accepted = new Set(rowsOf(object.key).map((r) => Number(r.RecordIndex)));
    const resumeAt = Number(error?.nextRecordIndex);
    expect(Array.from({ length: resumeAt }, (_, i) => i).every((i) => accepted.has(i))).toBe(true);
    expect(resumeAt).toBeLessThan(20_000);
  });
});
