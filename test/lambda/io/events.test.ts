import { UnrecognizedMessageError } from '../../../lambda/core/errors';
import { continuationBody, decodeS3Key, parseMessageBody } from '../../../lambda/io/events';
import { eventBridgeEvent, s3Notification, s3TestEvent, snsWrapped } from '../../support/events';

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

  test("reads the shapes real senders use where they differ from Powertools' schemas", () => {
    // GIVEN an IPv6 client (S3's dual-stack endpoints), in a notification and in an EventBridge event,
    // and a lifecycle expiry, whose requester S3 names by its service name
    const ipv6 = s3Notification({ bucket: 'logs', key: 'v6.json' }) as {
      Records: { requestParameters: object; responseElements: object }[];
    };
    ipv6.Records[0].requestParameters = { sourceIPAddress: '2001:db8::1' };
    const bridged = eventBridgeEvent({ bucket: 'logs', key: 'v6.json' }) as { detail: object };
    bridged.detail = { ...bridged.detail, 'source-ip-address': '2001:db8::1' };
    const expired = s3Notification({
      bucket: 'logs',
      key: 'old.json',
      eventName: 'LifecycleExpiration:Delete',
    }) as {
      Records: { requestParameters: object }[];
    };
    expired.Records[0].requestParameters = { sourceIPAddress: 's3.amazonaws.com' };
    // WHEN / THEN
    expect(parseMessageBody(body(ipv6))).toMatchObject({ objects: [{ key: 'v6.json' }] });
    expect(parseMessageBody(body(bridged))).toMatchObject({ objects: [{ key: 'v6.json' }] });
    expect(parseMessageBody(body(expired))).toMatchObject({
      objects: [],
      skipped: [{ bucket: 'logs', key: 'old.json', eventName: 'LifecycleExpiration:Delete' }],
    });
  });

  test('reads a notification that carries only the fields the forwarder reads, as the local run sends', () => {
    // GIVEN a record without the provenance fields (userIdentity, requestParameters, responseElements, ...)
    const minimal = {
      Records: [
        {
          eventSource: 'aws:s3',
          eventTime: '2026-11-28T10:00:00.000Z',
          eventName: 'ObjectCreated:Put',
          s3: { bucket: { name: 'logs' }, object: { key: 'a+b.json', size: 3 } },
        },
      ],
    };
    // WHEN / THEN
    expect(parseMessageBody(body(minimal))).toStrictEqual({
      kind: 'objects',
      objects: [{ bucket: 'logs', key: 'a b.json', eventTime: '2026-11-28T10:00:00.000Z', size: 3 }],
      skipped: [],
    });
  });

  test('recognizes a test event that carries no bucket', () => {
    expect(parseMessageBody('{"Event":"s3:TestEvent"}')).toStrictEqual({ kind: 'test-event' });
  });

  const STRANGER_FIX = 'Find what else sends to this queue';
  const VARIANT_FIX = 'If AWS sent it, the forwarder does not know this variant of the shape';
  test.each([
    ['not JSON', 'hello world', 'the body is not JSON (11 characters)', STRANGER_FIX],
    ['a JSON array', '["hello"]', 'a JSON array of 1 items', STRANGER_FIX],
    [
      'an unrelated object',
      '{"foo":"hello","bar":1}',
      'a JSON object with keys "foo", "bar", with no Records, Event, EventBridge source or SNS Message',
      STRANGER_FIX,
    ],
    [
      'a record without s3',
      '{"Records":[{"eventName":"ObjectCreated:Put","eventTime":"hello"}]}',
      'an S3 notification whose Records[0].',
      VARIANT_FIX,
    ],
    [
      'SNS with a non-JSON message',
      body({ ...snsWrapped({}), Message: 'hello' }),
      'an SNS notification whose Message is not JSON',
      STRANGER_FIX,
    ],
    [
      'SNS without a Message',
      '{"Type":"Notification","TopicArn":"hello"}',
      'an SNS notification whose Message is wrong (Invalid input: expected string, received undefined)',
      VARIANT_FIX,
    ],
    [
      'SNS carrying something else',
      body(snsWrapped({ greeting: 'hello' })),
      'an SNS notification whose Message is a JSON object with keys "greeting", with no Records',
      STRANGER_FIX,
    ],
    [
      'an EventBridge Object Created event without a key',
      body({
        ...eventBridgeEvent({ bucket: 'hello', key: 'k' }),
        detail: { version: '0', bucket: { name: 'hello' } },
      }),
      'an EventBridge "Object Created" event whose detail.object is wrong',
      VARIANT_FIX,
    ],
    [
      'a continuation with a negative index',
      continuationBody({ object: { bucket: 'hello', key: 'k', eventTime: 't' }, nextRecordIndex: -1 }),
      'a continuation message whose s3ToSentinelContinuation.nextRecordIndex is wrong',
      'Another version of the forwarder wrote it',
    ],
  ])(
    'fails permanent on %s, naming its shape and the fix but none of its content',
    (_what, text, shape, fix) => {
      // WHEN
      let error: unknown;
      try {
        parseMessageBody(text);
      } catch (err) {
        error = err;
      }
      // THEN
      expect(error).toBeInstanceOf(UnrecognizedMessageError);
      expect((error as UnrecognizedMessageError).retryable).toBe(false);
      const message = (error as Error).message;
      expect(message).toContain(
        `The SQS message is not an S3 notification the forwarder understands: ${shape}`,
      );
      expect(message).toContain(
        'Expected an S3 event notification ({"Records":[...]}, direct or through SNS)',
      );
      expect(message).toContain(fix);
      expect(message).not.toContain('hello');
    },
  );

  test('names at most five keys of a large body, each cut short, and nothing else of it', () => {
    // GIVEN an object with many keys, one very long, and a long value
    const doc = Object.fromEntries([
      [`${'k'.repeat(100)}`, 'x'.repeat(5000)],
      ...Array.from({ length: 9 }, (_, i) => [`key${i}`, 'secret-value']),
    ]);
    // WHEN
    const error = (() => {
      try {
        return parseMessageBody(JSON.stringify(doc));
      } catch (err) {
        return err as Error;
      }
    })() as Error;
    // THEN
    expect(error.message).toContain(
      `a JSON object with keys "${'k'.repeat(40)}…", "key0", "key1", "key2", "key3", …,`,
    );
    expect(error.message).not.toContain('key4');
    expect(error.message).not.toContain('secret-value');
    expect(error.message).not.toContain('xxx');
    expect(error.message.length).toBeLessThan(800);
  });

  describe('event time', () => {
    /** The error `parseMessageBody` throws for `doc`. */
    function failureOf(doc: object | string): Error {
      try {
        parseMessageBody(typeof doc === 'string' ? doc : body(doc));
      } catch (error) {
        return error as Error;
      }
      throw new Error('parseMessageBody did not throw');
    }

    test('fails permanently, naming the object, if an S3 notification carries the year 0', () => {
      // GIVEN a notification whose second record has an event time no row can carry (Powertools'
      // schema accepts the year 0000; Log Analytics' datetime starts at the year 1)
      const eventTime = '0000-01-01T00:00:00.000Z';
      const doc = s3Notification(
        { bucket: 'logs', key: 'ok.json' },
        { bucket: 'logs', key: 'a b.json', eventTime },
      );
      // WHEN / THEN it is refused before any object is read, with a reason naming the object and
      // the value's shape, not the value
      const error = failureOf(doc);
      expect(error).toBeInstanceOf(UnrecognizedMessageError);
      expect(error).toMatchObject({ retryable: false });
      expect(error.message).toContain(
        's3://logs/a b.json whose Records[1].eventTime is not a time of the calendar in ISO 8601 between the years 1 and 9999',
      );
      expect(error.message).toContain('its shape: "9999-99-99T99:99:99.999Z" (24 characters)');
      expect(error.message).not.toContain(eventTime);
    });

    test.each([['2024-02-30T10:00:00Z'], ['2024-13-01T10:00:00Z'], ['yesterday']])(
      "fails permanently if an S3 notification carries %p, which Powertools' schema already refuses",
      (eventTime) => {
        const error = failureOf(s3Notification({ bucket: 'logs', key: 'k.json', eventTime }));
        expect(error).toBeInstanceOf(UnrecognizedMessageError);
        expect(error.message).toContain('Records[0].eventTime is wrong (Invalid ISO datetime)');
      },
    );

    test('fails permanently if an EventBridge event carries a time outside the calendar', () => {
      const error = failureOf(
        eventBridgeEvent({ bucket: 'logs', key: 'k.json', time: '0000-02-29T10:00:00Z' }),
      );
      expect(error).toBeInstanceOf(UnrecognizedMessageError);
      expect(error.message).toMatch(
        /^The SQS message is not an S3 notification the forwarder understands: an EventBridge "Object Created" event for s3:\/\/logs\/k.json whose time is not a time of the calendar/,
      );
    });

    test('fails permanently if a continuation message carries an event time that is not a time', () => {
      const continuation = {
        object: { bucket: 'logs', key: 'k.json', eventTime: 'Tuesday SECRET-123' },
        nextRecordIndex: 5,
      };
      const error = failureOf(continuationBody(continuation));
      expect(error).toBeInstanceOf(UnrecognizedMessageError);
      expect(error.message).toContain(
        'a continuation message for s3://logs/k.json whose s3ToSentinelContinuation.object.eventTime is not a time',
      );
      expect(error.message).toContain('its shape: "Txxxxxx xxxxxT-999" (18 characters)');
      expect(error.message).toMatch(/redrive/);
    });

    test('accepts an event time with an offset or a nanosecond fraction, as S3 and EventBridge may write', () => {
      const doc = s3Notification({
        bucket: 'logs',
        key: 'k.json',
        eventTime: '2026-11-28T10:00:00.123456789Z',
      });
      expect(parseMessageBody(body(doc))).toMatchObject({
        objects: [{ eventTime: '2026-11-28T10:00:00.123456789Z' }],
      });
      const continued = {
        object: { bucket: 'logs', key: 'k.json', eventTime: '2026-11-28T12:00:00+02:00' },
        nextRecordIndex: 1,
      };
      expect(parseMessageBody(continuationBody(continued))).toMatchObject({ kind: 'continuation' });
    });
  });
});
