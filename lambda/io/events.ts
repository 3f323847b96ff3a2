import { EventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/eventbridge';
import { S3EventNotificationEventBridgeSchema, S3Schema } from '@aws-lambda-powertools/parser/schemas/s3';
import { SnsSqsNotificationSchema } from '@aws-lambda-powertools/parser/schemas/sns';
import { z } from 'zod';
import { UnrecognizedMessageError } from '../core/errors';
import type { ObjectRef } from '../core/object-ref';
import { normalizeTime } from '../formats/time';

/**
 * The object a notification names: the parsers' `ObjectRef` (key URL-decoded, usable as-is in
 * GetObject; `eventTime` is where the lag metric starts).
 */
export type NotifiedObject = ObjectRef & {
  /**
   * Set only for EventBridge events, and only when it differs from `key`: the key exactly as the
   * event carried it. AWS documents notification keys as URL-encoded but does not say whether
   * EventBridge's `detail.object.key` is, so `key` is the decoded form and this is the second
   * guess the opener tries when GetObject finds nothing under the first.
   */
  readonly rawKey?: string;
};

/** An event in the message that is acknowledged without reading anything (ObjectRemoved, ...). */
export interface SkippedEvent {
  readonly bucket?: string;
  readonly key?: string;
  readonly eventName: string;
}

/**
 * The rest of an object, handed from one invocation to the next before time runs out
 * (ARCHITECTURE.md: continuation messages); `sqs-routing.ts` sends it, `parseMessageBody` reads it.
 */
export interface ContinuationMessage {
  readonly object: NotifiedObject;
  /** First record index not yet accepted by the API. */
  readonly nextRecordIndex: number;
}

/** What one SQS message asks of the forwarder. */
export type ParsedMessage =
  /** The S3 test event sent when a notification configuration is saved: acknowledge, count. */
  | { readonly kind: 'test-event'; readonly bucket?: string }
  /** Zero or more objects to forward, plus the events in the same message that need nothing. */
  | { readonly kind: 'objects'; readonly objects: NotifiedObject[]; readonly skipped: SkippedEvent[] }
  | { readonly kind: 'continuation'; readonly continuation: ContinuationMessage };

/** Marks a continuation message's body; unlikely to collide with any AWS event shape. */
export const CONTINUATION_MARKER = 's3ToSentinelContinuation';

/**
 * Decodes an S3 notification key: S3 form-encodes keys ('+' for a space, '%XX' for the rest).
 * '+' must become a space before percent-decoding, so that a literal '+' (sent as '%2B') survives.
 */
export function decodeS3Key(encoded: string): string {
  const spaced = encoded.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    // A malformed escape cannot come from S3; keep the key readable rather than fail the message.
    return spaced;
  }
}

// The shapes, from Powertools' schemas where AWS defines them. A field the forwarder does not read
// is made optional (still checked when present), or loosened where a real sender differs: no
// message should reach the DLQ over a field nothing uses.

const PowertoolsS3Record = S3Schema.shape.Records.element;
const PowertoolsS3Entity = PowertoolsS3Record.shape.s3;

/**
 * One S3 notification record. The forwarder reads eventName, eventTime, s3.bucket.name and
 * s3.object; the rest is provenance that the project's own senders leave out (the local run,
 * bin/local-run.ts) or fill in differently (the backfill's events, cli/s3-event.ts, carry no request
 * ids). Powertools also takes `sourceIPAddress` as IPv4 or `s3.amazonaws.com` only, where S3
 * reports IPv6 clients of its dual-stack endpoints too.
 */
const S3NotificationRecord = PowertoolsS3Record.partial({
  eventVersion: true,
  awsRegion: true,
  userIdentity: true,
}).extend({
  requestParameters: z.object({ sourceIPAddress: z.string() }).optional(),
  responseElements: z.record(z.string(), z.string()).optional(),
  s3: PowertoolsS3Entity.partial({ s3SchemaVersion: true, configurationId: true }).extend({
    bucket: PowertoolsS3Entity.shape.bucket.partial({ ownerIdentity: true, arn: true }),
  }),
});
const S3Notification = z.object({ Records: z.array(S3NotificationRecord).min(1) });

/** The message S3 sends when a notification configuration is saved (Powertools has no schema for it). */
const S3TestEvent = z.object({ Event: z.literal('s3:TestEvent'), Bucket: z.string().optional() });

/** EventBridge's envelope, of which the forwarder reads `source`, `detail-type` and `time`. */
const EventBridgeEnvelope = EventBridgeSchema.partial({
  version: true,
  id: true,
  account: true,
  region: true,
  resources: true,
});

/** Any EventBridge event from S3: only "Object Created" is read, the others are counted and skipped. */
const S3EventBridgeEvent = EventBridgeEnvelope.extend({
  source: z.literal('aws.s3'),
  detail: z.object({
    bucket: z.object({ name: z.string() }).partial().optional(),
    object: z.object({ key: z.string() }).partial().optional(),
  }),
});

const PowertoolsS3Detail = S3EventNotificationEventBridgeSchema.shape.detail;

/** An EventBridge "Object Created" event; `source-ip-address` may be IPv6 here too. */
const S3ObjectCreatedEvent = EventBridgeEnvelope.extend({
  detail: PowertoolsS3Detail.partial({ version: true, 'request-id': true, requester: true }).extend({
    'source-ip-address': z.string().optional(),
  }),
});

/** SNS's notification as delivered to SQS, of which the forwarder reads `Type` and `Message`. */
const SnsNotification = SnsSqsNotificationSchema.partial({
  TopicArn: true,
  MessageId: true,
  Timestamp: true,
});

/** The forwarder's own continuation message (see {@link continuationBody}). */
const Continuation = z.object({
  [CONTINUATION_MARKER]: z.object({
    object: z.object({
      bucket: z.string().min(1),
      key: z.string(), // Written by the forwarder itself: already decoded.
      versionId: z.string().min(1).optional(),
      eTag: z.string().min(1).optional(),
      eventTime: z.string().min(1),
      size: z.number().nonnegative().optional(),
    }),
    nextRecordIndex: z.number().int().nonnegative(),
  }),
});

/** What belongs on the queue, named in every error. */
const EXPECTED =
  'Expected an S3 event notification ({"Records":[...]}, direct or through SNS), an EventBridge ' +
  '"Object Created" event from aws.s3, the S3 test event or a continuation message of the forwarder; ' +
  'the message goes to the DLQ.';
/** The fix for a body of no known shape: something else writes to the queue. */
const STRANGER_FIX =
  "Find what else sends to this queue (only the bucket's notification, its SNS topic or its EventBridge " +
  'rule should) and stop it; nothing needs redriving.';
/** The fix for a known shape with a field the forwarder cannot read: a variant it does not know. */
const VARIANT_FIX =
  'If AWS sent it, the forwarder does not know this variant of the shape: report it with the path above, ' +
  'and after deploying a forwarder that reads it, move the message back with `s3-to-sentinel redrive`.';

/** Keys of an unrecognized object named in the error: enough to recognize the sender. */
const NAMED_KEYS = 5;
const KEY_CHARS = 40;

/**
 * The error for a body that is none of the shapes above. It describes the body by its shape and
 * first keys, never its values: a message sent here by mistake may hold anything, and this text is
 * logged and stored with the message in the DLQ.
 */
function unrecognized(what: string, fix = STRANGER_FIX): UnrecognizedMessageError {
  return new UnrecognizedMessageError(
    `The SQS message is not an S3 notification the forwarder understands: ${what}. ${EXPECTED} ${fix}`,
  );
}

/** The error for a body of a known shape that its schema refused. */
function invalid(shape: string, error: z.ZodError, fix = VARIANT_FIX): UnrecognizedMessageError {
  return unrecognized(`${shape} whose ${firstIssue(error)}`, fix);
}

function shapeOf(doc: unknown): string {
  if (Array.isArray(doc)) return `a JSON array of ${doc.length} items`;
  if (doc === null || typeof doc !== 'object') return `a JSON ${doc === null ? 'null' : typeof doc}`;
  const keys = Object.keys(doc);
  if (keys.length === 0) return 'an empty JSON object';
  const named = keys.slice(0, NAMED_KEYS).map((k) => JSON.stringify(cut(k)));
  return `a JSON object with keys ${named.join(', ')}${keys.length > NAMED_KEYS ? ', …' : ''}`;
}

/** A key of the body, as much as the error names of it. */
function cut(key: string): string {
  return key.length > KEY_CHARS ? `${key.slice(0, KEY_CHARS)}…` : key;
}

/**
 * Where a schema refused the body, by path: zod's messages name the expected type, not the value
 * found, so nothing of the body's content is echoed.
 */
function firstIssue(error: z.ZodError): string {
  const [issue, ...rest] = error.issues;
  const path = issue.path.reduce<string>(
    (at, part) =>
      typeof part === 'number' ? `${at}[${part}]` : `${at}${at === '' ? '' : '.'}${cut(String(part))}`,
    '',
  );
  const more = rest.length > 0 ? `, and ${rest.length} more problem${rest.length > 1 ? 's' : ''}` : '';
  return `${path === '' ? 'shape' : path} is wrong (${issue.message}${more})`;
}

/** Longest part of an event time's shape named in an error. */
const SHAPE_CHARS = 40;

/**
 * The shape of a value that should be a time, without its content: digits as `9`, letters other
 * than the `T` and `Z` of ISO 8601 as `x` (`2024-02-30T00:00:00Z` → `9999-99-99T99:99:99Z`).
 */
function timeShape(value: string): string {
  const shape = value
    .slice(0, SHAPE_CHARS)
    .replace(/\d/g, '9')
    .replace(/[^\x20-\x7e]|[A-SU-Ya-z]/g, 'x');
  return `${JSON.stringify(shape)}${value.length > SHAPE_CHARS ? '…' : ''} (${value.length} characters)`;
}

/**
 * Refuses a notification whose event time cannot be the S3 event time of the rows (`TimeGenerated`
 * of records without their own time, `S3EventTime` of all). S3 and EventBridge always write a valid
 * one, so the message was written by something else; reading the object would fail the same way on
 * every receive, so it fails here, once, with a reason naming the object.
 *
 * @param at where the time is in the body, e.g. `Records[0].eventTime`
 */
function checkEventTime(object: NotifiedObject, shape: string, at: string, fix = VARIANT_FIX): void {
  if (normalizeTime(object.eventTime) !== undefined) return;
  throw unrecognized(
    `${shape} for s3://${object.bucket}/${object.key} whose ${at} is not a time of the calendar in ISO 8601 ` +
      `between the years 1 and 9999 (its shape: ${timeShape(object.eventTime)})`,
    fix,
  );
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined || value === '' ? {} : { [key]: value }) as { [P in K]?: V };
}

function fromS3Notification(doc: unknown): ParsedMessage {
  const parsed = S3Notification.safeParse(doc);
  if (!parsed.success) throw invalid('an S3 notification', parsed.error);
  const objects: NotifiedObject[] = [];
  const skipped: SkippedEvent[] = [];
  for (const [i, record] of parsed.data.Records.entries()) {
    const { bucket, object } = record.s3;
    const key = decodeS3Key(object.key);
    // eventName is 'ObjectCreated:Put' from S3 and 's3:ObjectCreated:Put' from some emitters.
    if (!/^(s3:)?ObjectCreated:/.test(record.eventName)) {
      skipped.push({ bucket: bucket.name, key, eventName: record.eventName });
      continue;
    }
    const notified: NotifiedObject = {
      bucket: bucket.name,
      key,
      ...optional('versionId', object.versionId),
      ...optional('eTag', object.eTag),
      eventTime: record.eventTime,
      ...optional('size', object.size),
    };
    checkEventTime(notified, 'an S3 notification', `Records[${i}].eventTime`);
    objects.push(notified);
  }
  return { kind: 'objects', objects, skipped };
}

/**
 * EventBridge delivers S3 events as `{"source":"aws.s3","detail-type":"Object Created","detail":{...}}`.
 * Its keys are decoded the same way as notification keys; since that encoding is not documented for
 * EventBridge, the key as written is kept in `rawKey` for the opener's second try.
 */
function fromEventBridge(doc: unknown): ParsedMessage {
  const envelope = S3EventBridgeEvent.safeParse(doc);
  if (!envelope.success) throw invalid('an EventBridge event from aws.s3', envelope.error);
  const detailType = envelope.data['detail-type'];
  if (detailType !== 'Object Created') {
    const { bucket, object } = envelope.data.detail;
    return {
      kind: 'objects',
      objects: [],
      skipped: [
        {
          ...optional('bucket', bucket?.name),
          ...optional('key', object?.key !== undefined ? decodeS3Key(object.key) : undefined),
          eventName: detailType || 'unknown',
        },
      ],
    };
  }
  const parsed = S3ObjectCreatedEvent.safeParse(doc);
  if (!parsed.success) {
    throw invalid('an EventBridge "Object Created" event', parsed.error);
  }
  const { time, detail } = parsed.data;
  const rawKey = detail.object.key;
  const key = decodeS3Key(rawKey);
  const object: NotifiedObject = {
    bucket: detail.bucket.name,
    key,
    ...optional('rawKey', rawKey !== key ? rawKey : undefined),
    ...optional('versionId', detail.object['version-id']),
    ...optional('eTag', detail.object.etag),
    eventTime: time,
    ...optional('size', detail.object.size),
  };
  checkEventTime(object, 'an EventBridge "Object Created" event', 'time');
  return { kind: 'objects', objects: [object], skipped: [] };
}

/** The fix for a continuation message the forwarder cannot read. */
const CONTINUATION_FIX =
  'Another version of the forwarder wrote it: once all run one version, move it back with `s3-to-sentinel redrive`.';

function fromContinuation(doc: unknown): ParsedMessage {
  const parsed = Continuation.safeParse(doc);
  if (!parsed.success) throw invalid('a continuation message', parsed.error, CONTINUATION_FIX);
  const { object, nextRecordIndex } = parsed.data[CONTINUATION_MARKER];
  const notified: NotifiedObject = {
    bucket: object.bucket,
    key: object.key,
    ...optional('versionId', object.versionId),
    ...optional('eTag', object.eTag),
    eventTime: object.eventTime,
    ...optional('size', object.size),
  };
  checkEventTime(
    notified,
    'a continuation message',
    `${CONTINUATION_MARKER}.object.eventTime`,
    CONTINUATION_FIX,
  );
  return { kind: 'continuation', continuation: { object: notified, nextRecordIndex } };
}

/** Builds the body of a continuation message (the inverse of its branch of `parseMessageBody`). */
export function continuationBody(continuation: ContinuationMessage): string {
  return JSON.stringify({ [CONTINUATION_MARKER]: continuation });
}

/** SNS without raw message delivery wraps the S3 notification as a JSON string in `Message`. */
function fromSns(doc: unknown): ParsedMessage {
  const parsed = SnsNotification.safeParse(doc);
  if (!parsed.success) throw invalid('an SNS notification', parsed.error);
  let inner: unknown;
  try {
    inner = JSON.parse(parsed.data.Message);
  } catch {
    throw unrecognized('an SNS notification whose Message is not JSON');
  }
  return parseDocument(inner, false);
}

/**
 * Picks the shape by the key that tells them apart, then parses it whole, so the error names what
 * is wrong with the shape the body was meant to have.
 */
function parseDocument(doc: unknown, outermost: boolean): ParsedMessage {
  const at = outermost ? '' : 'an SNS notification whose Message is ';
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw unrecognized(at + shapeOf(doc));
  const fields = doc as Record<string, unknown>;
  const test = S3TestEvent.safeParse(doc);
  if (test.success) return { kind: 'test-event', ...optional('bucket', test.data.Bucket) };
  if ('Records' in fields) return fromS3Notification(doc);
  if (fields.source === 'aws.s3') return fromEventBridge(doc);
  if (CONTINUATION_MARKER in fields) return fromContinuation(doc);
  if (fields.Type === 'Notification' && outermost) return fromSns(doc);
  throw unrecognized(`${at}${shapeOf(doc)}, with no Records, Event, EventBridge source or SNS Message`);
}

/**
 * Parses one SQS message body into what the forwarder should do with it.
 *
 * @throws UnrecognizedMessageError (permanent) for any body that is not one of the shapes above,
 *   naming the shape it has (never its content) and what was expected.
 */
export function parseMessageBody(body: string): ParsedMessage {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    throw unrecognized(`the body is not JSON (${body.length} characters)`);
  }
  return parseDocument(doc, true);
}
