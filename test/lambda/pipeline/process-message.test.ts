/**
 * Unit tests of one message's processing with a fake parser, an in-memory uploader and a deadline
 * the test fires itself: which outcome, which resume point and when a continuation replaces a retry.
 */
import {
  BlockedByEarlierFailureError,
  CredentialRejectedError,
  IngestionRejectedError,
  IngestionUnavailableError,
  ObjectReadError,
  TimeBudgetExhaustedError,
  UnrecognizedMessageError,
} from '../../../lambda/core/errors';
import { continuationBody } from '../../../lambda/io/events';
import type { ParseObject } from '../../../lambda/pipeline/deliver-object';
import { continuationOf, processMessage } from '../../../lambda/pipeline/process-message';
import { s3Notification, s3TestEvent } from '../../support/events';
import { deps, fakeParse, FakeUploader, rowIndexes, type Shape } from '../../support/fake-pipeline';

/** One parser for several objects, by key, aborting `deadline` before chunk `abortAt.chunk` of `abortAt.key`. */
function parserOf(
  shapes: Readonly<Record<string, Shape>>,
  deadline?: AbortController,
  abortAt?: { readonly key: string; readonly chunk: number },
): ParseObject {
  return (format, body, object, options) =>
    fakeParse(shapes[object.key], (c) => {
      if (object.key === abortAt?.key && c === abortAt.chunk) deadline?.abort();
    })(format, body, object, options);
}

const message = (body: string | object, messageId = 'msg-1') => ({
  messageId,
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

describe('processMessage', () => {
  test('delivers every object of a notification, in order', async () => {
    // GIVEN
    const uploader = new FakeUploader({ batchRows: 2 });
    const parse = parserOf({ a: ['rrr'], b: ['rmr'] });
    // WHEN
    const outcome = await processMessage(
      message(s3Notification({ bucket: 'logs', key: 'a' }, { bucket: 'logs', key: 'b' })),
      deps(parse, uploader),
      new AbortController().signal,
    );
    // THEN
    expect(outcome).toStrictEqual({
      messageId: 'msg-1',
      status: 'delivered',
      retryable: false,
      recordsDelivered: 5,
      downstreamUnavailable: false,
    });
  });

  test('acknowledges an S3 test event without reading anything', async () => {
    const uploader = new FakeUploader();
    const outcome = await processMessage(
      message(s3TestEvent()),
      deps(parserOf({}), uploader),
      new AbortController().signal,
    );
    expect(outcome.status).toBe('acknowledged');
    expect(uploader.accepted).toStrictEqual([]);
  });

  test('fails permanent, never throwing, on a body that is no notification', async () => {
    const outcome = await processMessage(
      message('{"hello":1}'),
      deps(parserOf({}), new FakeUploader()),
      new AbortController().signal,
    );
    expect(outcome.status).toBe('failed');
    expect(outcome.retryable).toBe(false);
    expect(outcome.error).toBeInstanceOf(UnrecognizedMessageError);
  });

  test('hands the rest of its last object to a continuation when time runs out after progress', async () => {
    // GIVEN an object of three chunks, and a deadline that fires before the third
    const deadline = new AbortController();
    const uploader = new FakeUploader({ batchRows: 2 });
    const parse = parserOf({ big: ['rrrr', 'rrrr', 'rrrr'] }, deadline, { key: 'big', chunk: 2 });
    // WHEN
    const outcome = await processMessage(
      message(s3Notification({ bucket: 'logs', key: 'big' })),
      deps(parse, uploader),
      deadline.signal,
    );
    // THEN the first eight rows are in, and the continuation starts at the ninth
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toBeInstanceOf(TimeBudgetExhaustedError);
    expect(outcome.continuation?.nextRecordIndex).toBe(8);
    expect(outcome.continuation?.object.key).toBe('big');
    expect(uploader.accepted).toStrictEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(outcome.downstreamUnavailable).toBe(true);
  });

  test('resumes a continuation message at its record and delivers the rest', async () => {
    const uploader = new FakeUploader({ batchRows: 2 });
    const body = continuationBody({
      object: { bucket: 'logs', key: 'big', eventTime: '2026-12-01T00:00:00.000Z' },
      nextRecordIndex: 8,
    });
    const outcome = await processMessage(
      message(body),
      deps(parserOf({ big: ['rrrr', 'rrrr', 'rrrr'] }), uploader),
      new AbortController().signal,
    );
    expect(outcome.status).toBe('delivered');
    expect(uploader.accepted).toStrictEqual([8, 9, 10, 11]);
  });

  test('makes no continuation when time runs out before any progress: the message is retried', async () => {
    const deadline = new AbortController();
    const parse = parserOf({ big: ['rrrr', 'rrrr'] }, deadline, { key: 'big', chunk: 0 });
    const outcome = await processMessage(
      message(s3Notification({ bucket: 'logs', key: 'big' })),
      deps(parse, new FakeUploader()),
      deadline.signal,
    );
    expect(outcome.status).toBe('failed');
    expect(outcome.retryable).toBe(true);
    expect(outcome.continuation).toBeUndefined();
  });

  test('makes no continuation for an object that is not the message’s last: the message is retried whole', async () => {
    const deadline = new AbortController();
    const parse = parserOf({ a: ['rrrr', 'rrrr'], b: ['rr'] }, deadline, { key: 'a', chunk: 1 });
    const outcome = await processMessage(
      message(s3Notification({ bucket: 'logs', key: 'a' }, { bucket: 'logs', key: 'b' })),
      deps(parse, new FakeUploader({ batchRows: 2 })),
      deadline.signal,
    );
    expect(outcome.status).toBe('failed');
    expect(outcome.resumeAt?.object.key).toBe('a');
    expect(outcome.continuation).toBeUndefined();
  });

  test('reads no object when blocked by an earlier permanent failure, failing with its fix', async () => {
    const uploader = new FakeUploader();
    const earlier = new CredentialRejectedError(
      'producer app-logs: Entra ID rejected the client secret; run put-secret',
    );
    const outcome = await processMessage(
      message(s3Notification({ bucket: 'logs', key: 'a' })),
      deps(parserOf({ a: ['rrr'] }), uploader),
      new AbortController().signal,
      { blockedBy: earlier },
    );
    expect(outcome.error).toBeInstanceOf(BlockedByEarlierFailureError);
    expect(outcome.error?.message).toContain('put-secret');
    expect(uploader.accepted).toStrictEqual([]);
  });

  test('an abort at any chunk of a one-object message ends delivered or with a resume point that loses nothing', async () => {
    const shape: Shape = ['rrmr', 'mmm', 'rrrr', 'r'];
    for (let chunk = 0; chunk <= shape.length; chunk++) {
      const deadline = new AbortController();
      const uploader = new FakeUploader({ batchRows: 3 });
      const outcome = await processMessage(
        message(s3Notification({ bucket: 'logs', key: 'k' })),
        deps(parserOf({ k: shape }, deadline, { key: 'k', chunk }), uploader),
        deadline.signal,
      );
      const rows = rowIndexes(shape);
      if (outcome.status !== 'failed') {
        expect(uploader.accepted).toStrictEqual(rows);
        continue;
      }
      const resume = outcome.resumeAt!.nextRecordIndex;
      expect(uploader.accepted.filter((i) => i < resume)).toStrictEqual(rows.filter((i) => i < resume));
    }
  });
});

describe('continuationOf', () => {
  const object = { bucket: 'logs', key: 'k', eventTime: '2026-12-01T00:00:00.000Z' };

  test('is the resume point when time ran out after progress', () => {
    const resumeAt = { object, nextRecordIndex: 5 };
    const outcome = {
      status: 'failed' as const,
      recordsDelivered: 5,
      error: new TimeBudgetExhaustedError('x'),
      resumeAt,
    };
    expect(continuationOf(outcome, 0)).toBe(resumeAt);
    expect(continuationOf(outcome, 5)).toBeUndefined();
  });

  test('is the resume point when an outage of the API stopped the object after progress', () => {
    const resumeAt = { object, nextRecordIndex: 5 };
    const outcome = {
      status: 'failed' as const,
      recordsDelivered: 5,
      error: new IngestionUnavailableError('503'),
      resumeAt,
    };
    expect(continuationOf(outcome, 0)).toBe(resumeAt);
  });

  test('is never made for a failure of the object or a permanent one', () => {
    for (const error of [
      new CredentialRejectedError('x'),
      new ObjectReadError('500'),
      new IngestionRejectedError('400'),
    ]) {
      const outcome = {
        status: 'failed' as const,
        recordsDelivered: 5,
        error,
        resumeAt: { object, nextRecordIndex: 5 },
      };
      expect(continuationOf(outcome, 0)).toBeUndefined();
    }
  });
});
