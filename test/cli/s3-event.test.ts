import { parseMessageBody } from '../../lambda/io/events';
import { RateLimiter } from '../../cli/rate-limiter';
import { BACKFILL_CONFIGURATION_ID, encodeS3EventKey, s3CreatedEvent } from '../../cli/s3-event';
import { decodeS3EventKey } from './support';

describe('encodeS3EventKey', () => {
  test.each([
    [
      'AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11/28/file.json.gz',
      'AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11/28/file.json.gz',
    ],
    ['my folder/my file.log', 'my+folder/my+file.log'],
    ['a+b=c&d.log', 'a%2Bb%3Dc%26d.log'],
    ['test_file(3).png', 'test_file%283%29.png'],
    ['été/日本.log', '%C3%A9t%C3%A9/%E6%97%A5%E6%9C%AC.log'],
    ['emoji-😀.log', 'emoji-%F0%9F%98%80.log'],
    ['percent%20literal', 'percent%2520literal'],
  ])('%p → %p and back', (key, encoded) => {
    expect(encodeS3EventKey(key)).toBe(encoded);
    expect(decodeS3EventKey(encodeS3EventKey(key))).toBe(key);
  });
});

describe('s3CreatedEvent', () => {
  test('is an S3 ObjectCreated:Put notification with the ETag unquoted', () => {
    const body = JSON.parse(
      s3CreatedEvent(
        'my-bucket',
        { key: 'a b.log', size: 42, eTag: '"0123456789abcdef0123456789abcdef"' },
        'eu-west-1',
        new Date('2026-11-28T00:00:00Z'),
      ),
    );
    expect(body).toStrictEqual({
      Records: [
        {
          eventVersion: '2.1',
          eventSource: 'aws:s3',
          awsRegion: 'eu-west-1',
          eventTime: '2026-11-28T00:00:00.000Z',
          eventName: 'ObjectCreated:Put',
          userIdentity: { principalId: BACKFILL_CONFIGURATION_ID },
          requestParameters: { sourceIPAddress: '127.0.0.1' },
          responseElements: {},
          s3: {
            s3SchemaVersion: '1.0',
            configurationId: BACKFILL_CONFIGURATION_ID,
            bucket: {
              name: 'my-bucket',
              ownerIdentity: { principalId: BACKFILL_CONFIGURATION_ID },
              arn: 'arn:aws:s3:::my-bucket',
            },
            object: { key: 'a+b.log', size: 42, eTag: '0123456789abcdef0123456789abcdef' },
          },
        },
      ],
    });
  });
});

describe('the forwarder reads backfill messages', () => {
  test.each(['plain.json.gz', 'dir with spaces/a+b (1).json.gz', 'ünï/日本/😀.log'])(
    'as the object %p, with its bucket, size and ETag',
    (key) => {
      // GIVEN a backfill message for the key
      const eventTime = new Date('2026-11-28T00:00:00Z');
      const body = s3CreatedEvent('my-bucket', { key, size: 7, eTag: '"abc"' }, 'eu-west-1', eventTime);

      // WHEN the forwarder's own parser reads it
      const parsed = parseMessageBody(body);

      // THEN it names exactly that object
      expect(parsed).toMatchObject({
        kind: 'objects',
        objects: [{ bucket: 'my-bucket', key, size: 7, eventTime: eventTime.toISOString() }],
      });
      expect(parsed.kind === 'objects' && parsed.objects[0].eTag?.replace(/"/g, '')).toBe('abc');
    },
  );
});

describe('RateLimiter', () => {
  test('the first acquisition is immediate and later ones wait their share', async () => {
    let now = 0;
    const waits: number[] = [];
    const limiter = new RateLimiter(
      4,
      () => now,
      async (ms) => {
        waits.push(ms);
        now += ms;
      },
    );
    await limiter.acquire(2); // books 500 ms
    await limiter.acquire(4); // waits 500, books 1000 ms
    now += 300; // work took 300 ms
    await limiter.acquire(1); // waits the remaining 700
    expect(waits).toStrictEqual([500, 700]);
  });

  test('fails if the rate is not positive', () => {
    expect(() => new RateLimiter(0)).toThrow('rate (0) must be greater than 0');
  });
});
