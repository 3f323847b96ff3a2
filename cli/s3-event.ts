/**
 * S3 event notifications as S3 itself writes them, so backfilled history goes through exactly the
 * code path of live objects in the forwarder.
 */
import { unquotedETag } from '../lambda/core/rows';

/** The object a backfill message announces. */
export interface BackfillObject {
  readonly key: string;
  readonly size: number;
  /** As ListObjectsV2 returns it, quotes included or not. */
  readonly eTag?: string;
}

/** The `configurationId` of backfill messages, so the forwarder's logs can tell them from live events. */
export const BACKFILL_CONFIGURATION_ID = 's3-to-sentinel-backfill';

// Characters S3 leaves as they are in event keys: the form-urlencoding unreserved set, plus the
// `/` delimiter (CloudTrail's `AWSLogs/<account>/...` keys arrive with their slashes).
const UNRESERVED = /[A-Za-z0-9\-_.*/]/;

/**
 * Encodes an object key the way S3 does in event notifications: `application/x-www-form-urlencoded`
 * style, so a space becomes `+`, a literal `+` becomes `%2B`, and non-ASCII characters become
 * percent-encoded UTF-8 (`été.log` → `%C3%A9t%C3%A9.log`). Consumers decode with
 * `decodeURIComponent(key.replace(/\+/g, ' '))`.
 */
export function encodeS3EventKey(key: string): string {
  let encoded = '';
  for (const char of key) {
    if (char === ' ') encoded += '+';
    else if (UNRESERVED.test(char)) encoded += char;
    else
      for (const byte of Buffer.from(char, 'utf8'))
        encoded += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return encoded;
}

/**
 * The body of an `ObjectCreated:Put` notification for `object`. `eventTime` is when the backfill
 * announced the object, not when it was written: the forwarder measures delivery lag from it, and
 * a month-old LastModified would read as a month of lag.
 */
export function s3CreatedEvent(
  bucket: string,
  object: BackfillObject,
  region: string,
  eventTime: Date,
): string {
  return JSON.stringify({
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: region,
        eventTime: eventTime.toISOString(),
        eventName: 'ObjectCreated:Put',
        userIdentity: { principalId: BACKFILL_CONFIGURATION_ID },
        requestParameters: { sourceIPAddress: '127.0.0.1' },
        responseElements: {},
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: BACKFILL_CONFIGURATION_ID,
          bucket: {
            name: bucket,
            ownerIdentity: { principalId: BACKFILL_CONFIGURATION_ID },
            arn: `arn:aws:s3:::${bucket}`,
          },
          object: {
            key: encodeS3EventKey(object.key),
            size: object.size,
            ...(object.eTag === undefined ? {} : { eTag: unquotedETag(object.eTag) }),
          },
        },
      },
    ],
  });
}
