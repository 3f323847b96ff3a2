import type { SQSRecord } from 'aws-lambda';
import {
  CredentialError,
  IngestionAuthorizationError,
  IngestionRejectedError,
  IngestionUnavailableError,
  ObjectReadError,
  TimeBudgetExhaustedError,
  type ForwarderError,
} from '../../../lambda/core/errors';
import type { ObjectRef } from '../../../lambda/core/object-ref';
import { continuationBody } from '../../../lambda/io/events';
import type { MessageOutcome } from '../../../lambda/pipeline/process-message';
import {
  NotAttemptedError,
  OutageOutlastedError,
  planRoute,
  RoleNotYetEffectiveError,
  withinPropagation,
} from '../../../lambda/pipeline/route-plan';
import { sqsRecord } from '../../support/events';

const NOW = Date.parse('2026-12-07T12:00:00Z');
const MINUTE = 60_000;
const both = { canRequeue: true, canDeadLetter: true };
const object: ObjectRef = { bucket: 'logs', key: 'a.json', eventTime: '2026-12-07T11:00:00.000Z' };

function failed(error: ForwarderError, extra: Partial<MessageOutcome> = {}): MessageOutcome {
  return {
    messageId: 'm',
    status: 'failed',
    retryable: error.retryable,
    recordsDelivered: 0,
    error,
    downstreamUnavailable: false,
    ...extra,
  };
}

function record(
  receiveCount = 1,
  firstReceived = NOW - MINUTE,
  history?: { first: number; deferrals: number },
): SQSRecord {
  const r = sqsRecord('{"Records":[]}', 'm', receiveCount, firstReceived);
  if (history !== undefined) {
    r.messageAttributes = {
      S2SFirstReceived: { dataType: 'Number', stringValue: String(history.first) },
      S2SDeferrals: { dataType: 'Number', stringValue: String(history.deferrals) },
    };
  }
  return r;
}

const unavailable = () => new IngestionUnavailableError('producer p: the Logs Ingestion API answered 503');

describe('planRoute', () => {
  test('acknowledges a delivered or acknowledged message', () => {
    for (const status of ['delivered', 'acknowledged'] as const) {
      const outcome: MessageOutcome = {
        messageId: 'm',
        status,
        retryable: false,
        recordsDelivered: 1,
        downstreamUnavailable: false,
      };
      expect(planRoute(record(), outcome, NOW, both)).toStrictEqual({ kind: 'acknowledge' });
    }
  });

  test.each([
    ['the API down', unavailable()],
    ['Entra ID or SSM down', new CredentialError('producer p: Entra ID did not answer')],
    ['the time budget without progress', new TimeBudgetExhaustedError('producer p: out of time')],
    ['the batch stopped by an outage', new NotAttemptedError('p', unavailable())],
  ])(
    'defers a message failed by %s: same body, delayed, its history carried, no receive spent',
    (_, error) => {
      const r = record(4, NOW - 10 * MINUTE);
      expect(planRoute(r, failed(error), NOW, both)).toStrictEqual({
        kind: 'requeue',
        body: r.body,
        delaySeconds: 60,
        history: { firstReceived: NOW - 10 * MINUTE, deferrals: 1, lastFailure: error.failureClass },
        deferral: true,
      });
    },
  );

  test('doubles the delay with each deferral up to 15 minutes, keeping the first receive of the original', () => {
    const first = NOW - 3 * 3_600_000;
    const delays = [1, 2, 3, 4, 5, 9].map((deferrals) => {
      const route = planRoute(
        record(1, NOW - MINUTE, { first, deferrals }),
        failed(unavailable()),
        NOW,
        both,
      );
      if (route.kind !== 'requeue') throw new Error(route.kind);
      expect(route.history.firstReceived).toBe(first);
      expect(route.history.deferrals).toBe(deferrals + 1);
      return route.delaySeconds;
    });
    expect(delays).toStrictEqual([120, 240, 480, 900, 900, 900]);
  });

  test('sends a message still failing on outages 7 days after its first receive to the DLQ, with its last failure', () => {
    const first = NOW - 7 * 86_400_000 - MINUTE;
    const route = planRoute(record(1, NOW, { first, deferrals: 700 }), failed(unavailable()), NOW, both);
    expect(route.kind).toBe('deadLetter');
    if (route.kind !== 'deadLetter') return;
    expect(route.error).toBeInstanceOf(OutageOutlastedError);
    expect(route.error.failureClass).toBe('IngestionUnavailable');
    expect(route.error.message).toMatch(/failed on outages for 168\.0 hours .* last failure: .*503.*redrive/);
  });

  test('requeues a message crowded out by earlier messages of the batch at once, without counting a deferral', () => {
    const r = record(2, NOW - 10 * MINUTE);
    expect(planRoute(r, failed(new NotAttemptedError('p', undefined)), NOW, both)).toStrictEqual({
      kind: 'requeue',
      body: r.body,
      delaySeconds: 0,
      history: { firstReceived: NOW - 10 * MINUTE, deferrals: 0 },
      deferral: false,
    });
  });

  test('hands the rest of an object to a continuation at once after progress, whatever the outage', () => {
    const continuation = { object, nextRecordIndex: 40 };
    for (const error of [new TimeBudgetExhaustedError('out of time'), unavailable()]) {
      const route = planRoute(record(), failed(error, { continuation }), NOW, both);
      expect(route).toMatchObject({ kind: 'requeue', body: continuationBody(continuation), delaySeconds: 0 });
    }
  });

  test('dead-letters a permanent failure, and backs off a failure of its own object by receive count', () => {
    const rejected = new IngestionRejectedError('producer p: 400');
    expect(planRoute(record(), failed(rejected), NOW, both)).toStrictEqual({
      kind: 'deadLetter',
      error: rejected,
    });
    const read = new ObjectReadError('producer p s3://logs/a.json: 500');
    expect(planRoute(record(3), failed(read), NOW, both)).toStrictEqual({
      kind: 'retry',
      visibilityTimeout: 1200,
    });
  });

  test('without the queue URLs, reports every failure failed and nothing else', () => {
    const none = { canRequeue: false, canDeadLetter: false };
    for (const error of [unavailable(), new IngestionRejectedError('400'), new ObjectReadError('500')]) {
      expect(planRoute(record(), failed(error), NOW, none)).toStrictEqual({ kind: 'retry' });
    }
  });
});

describe('withinPropagation', () => {
  const refused = () =>
    new IngestionAuthorizationError('producer p: 403. Grant Monitoring Metrics Publisher.');

  test('takes a 403 within 30 minutes of the first receive for role propagation, and defers it', () => {
    const error = withinPropagation(refused(), record(1, NOW - 29 * MINUTE), NOW);
    expect(error).toBeInstanceOf(RoleNotYetEffectiveError);
    expect(error?.retryable).toBe(true);
    expect(planRoute(record(), failed(error!), NOW, both)).toMatchObject({
      kind: 'requeue',
      delaySeconds: 60,
    });
  });

  test('measures the window from the original first receive a deferred message carries', () => {
    const deferred = record(1, NOW - MINUTE, { first: NOW - 31 * MINUTE, deferrals: 3 });
    expect(withinPropagation(refused(), deferred, NOW)).toBeInstanceOf(IngestionAuthorizationError);
  });

  test('leaves a 403 past the window, and every other error, as it is', () => {
    const late = refused();
    expect(withinPropagation(late, record(1, NOW - 31 * MINUTE), NOW)).toBe(late);
    const other = unavailable();
    expect(withinPropagation(other, record(), NOW)).toBe(other);
  });
});
