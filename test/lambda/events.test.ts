import { UnrecognizedMessageError } from '../../lambda/core/errors';
import { continuationBody, decodeS3Key, parseMessageBody } from '../../lambda/io/events';
import { eventBridgeEvent, s3Notification, s3TestEvent, snsWrapped } from '../support/events';

const body = (doc: object): string => JSON.stringify(doc);

describe('parseMessageBody', () => {
  test('reads every record of an S3 notification, keys URL-decoded', () => {
    // GIVEN a notification with two objects, one key with spaces, '+' and ':'
    const doc = s3Notification(
      {
        bucket: 'logs',
        key: 'AWSLogs/a b+c:d.json.gz',
        size: 10,
        eTag: '"e1"',
        eventTime: '2026-11-28T10:00:00.000Z',
      },
      { bucket: 'logs', key: 'two.json', versionId: 'v2', eventTime: '2026-11-28T10:00:05.000Z' },
    );
    // WHEN / THEN
    expect(parseMessageBody(body(doc))).toStrictEqual({
      kind: 'objects',
      objects: [
        {
          bucket: 'logs',
          key: 'AWSLogs/a b+c:d.json.gz',
          eTag: '"e1"',
          eventTime: '2026-11-28T10:00:00.000Z',
          size: 10,
        },
        { bucket: 'logs', key: 'two.json', versionId: 'v2', eventTime: '2026-11-28T10:00:05.000Z' },
      ],
      skipped: [],
    });
  });

  test("decodes '+' as a space before percent-decoding, so an encoded '+' survives", () => {
    expect(decodeS3Key('a+b%2Bc%3Ad')).toBe('a b+c:d');
  });

  test('skips non-create events in the same message and keeps the create ones', () => {
    const doc = s3Notification(
      { bucket: 'logs', key: 'gone.json', eventName: 'ObjectRemoved:Delete' },
      { bucket: 'logs', key: 'new.json' },
    );
    expect(parseMessageBody(body(doc))).toMatchObject({
      kind: 'objects',
      objects: [{ bucket: 'logs', key: 'new.json' }],
      skipped: [{ bucket: 'logs', key: 'gone.json', eventName: 'ObjectRemoved:Delete' }],
    });
  });

  test('unwraps an SNS notification', () => {
    const doc = snsWrapped(s3Notification({ bucket: 'logs', key: 'x y.json' }));
    expect(parseMessageBody(body(doc))).toMatchObject({
      kind: 'objects',
      objects: [{ bucket: 'logs', key: 'x y.json' }],
    });
  });

  test('reads an EventBridge Object Created event', () => {
    const doc = eventBridgeEvent({
      bucket: 'logs',
      key: 'p/q r.json',
      size: 5,
      eTag: 'abc',
      versionId: 'v1',
      time: '2026-11-28T11:00:00Z',
    });
    expect(parseMessageBody(body(doc))).toStrictEqual({
      kind: 'objects',
      objects: [
        {
          bucket: 'logs',
          key: 'p/q r.json',
          // Kept for the opener's second try: EventBridge may not URL-encode keys.
          rawKey: 'p/q+r.json',
          versionId: 'v1',
          eTag: 'abc',
          eventTime: '2026-11-28T11:00:00Z',
          size: 5,
        },
      ],
      skipped: [],
    });
  });

  test('keeps no raw EventBridge key when decoding changes nothing, and never one for notifications', () => {
    const [plain] = (
      parseMessageBody(body(eventBridgeEvent({ bucket: 'logs', key: 'p/plain.json' }))) as {
        objects: object[];
      }
    ).objects;
    expect(plain).not.toHaveProperty('rawKey');
    const [notified] = (
      parseMessageBody(body(s3Notification({ bucket: 'logs', key: 'p/q r+s%.json' }))) as {
        objects: object[];
      }
    ).objects;
    expect(notified).toMatchObject({ key: 'p/q r+s%.json' });
    expect(notified).not.toHaveProperty('rawKey');
  });

  test('skips other EventBridge S3 events', () => {
    const doc = eventBridgeEvent({ bucket: 'logs', key: 'k', detailType: 'Object Deleted' });
    expect(parseMessageBody(body(doc))).toStrictEqual({
      kind: 'objects',
      objects: [],
      skipped: [{ bucket: 'logs', key: 'k', eventName: 'Object Deleted' }],
    });
  });

  test('recognizes the S3 test event, direct or through SNS', () => {
    expect(parseMessageBody(body(s3TestEvent('logs')))).toStrictEqual({ kind: 'test-event', bucket: 'logs' });
    expect(parseMessageBody(body(snsWrapped(s3TestEvent('logs'))))).toStrictEqual({
      kind: 'test-event',
      bucket: 'logs',
    });
  });

  test('round-trips a continuation message', () => {
    const continuation = {
      object: { bucket: 'logs', key: 'a+b c.json', eventTime: '2026-11-28T10:00:00.000Z', eTag: 'e' },
      nextRecordIndex: 1234,
    };
    expect(parseMessageBody(continuationBody(continuation))).toStrictEqual({
      kind: 'continuation',
      continuation,
    });
  });

  test.each([
    ['not JSON', 'hello world'],
    ['a JSON array', '[1,2,3]'],
    ['an unrelated object', '{"foo":"bar"}'],
    ['a record without s3', '{"Records":[{"eventName":"ObjectCreated:Put"}]}'],
    ['SNS with a non-JSON message', '{"Type":"Notification","Message":"hi"}'],
  ])('fails permanent on %s, quoting the body', (_what, text) => {
    let error: unknown;
    try {
      parseMessageBody(text);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(UnrecognizedMessageError);
    expect((error as UnrecognizedMessageError).retryable).toBe(false);
    expect((error as Error).message).toContain(JSON.stringify(text));
  });

  test('quotes only the first 200 characters of a long body', () => {
    const text = `{"unexpected":"${'x'.repeat(5000)}"}`;
    expect(() => parseMessageBody(text)).toThrow(UnrecognizedMessageError);
    try {
      parseMessageBody(text);
    } catch (err) {
      const message = (err as Error).message;
      // Quoted as a JSON string (the log stays one line); drop the closing quote to compare prefixes.
      const quoted = (n: number): string => JSON.stringify(text.slice(0, n)).slice(0, -1);
      expect(message).toContain(quoted(200));
      expect(message).not.toContain(quoted(201));
      expect(message.length).toBeLessThan(800);
    }
  });
});
