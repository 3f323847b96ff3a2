import { UnrecognizedMessageError } from '../core/errors';
import type { ObjectRef } from '../pipeline/rows';

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
 * (DESIGN.md: continuation message). The forwarder parses it; sending it is the next step.
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

/** How much of an unrecognized body to quote in the error: enough to recognize it, never a whole object. */
const QUOTE_CHARS = 200;

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

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function num(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

function unrecognized(body: string, why: string): UnrecognizedMessageError {
  const quoted = body.length > QUOTE_CHARS ? `${body.slice(0, QUOTE_CHARS)}…` : body;
  return new UnrecognizedMessageError(
    `The SQS message is not an S3 notification the forwarder understands (${why}); it goes to the DLQ. ` +
      `Only S3 event notifications (direct or through SNS) and EventBridge "Object Created" events belong ` +
      `on this queue. The body starts: ${JSON.stringify(quoted)}`,
  );
}

/** One record of an S3 notification (`{"Records":[...]}`). */
function fromNotificationRecord(record: unknown): NotifiedObject | SkippedEvent | undefined {
  if (!isObject(record) || !isObject(record.s3)) return undefined;
  const s3 = record.s3;
  const bucket = isObject(s3.bucket) ? str(s3.bucket.name) : undefined;
  const object = isObject(s3.object) ? s3.object : undefined;
  const rawKey = object !== undefined ? str(object.key) : undefined;
  const eventName = str(record.eventName);
  if (bucket === undefined || rawKey === undefined || eventName === undefined) return undefined;
  const key = decodeS3Key(rawKey);
  // eventName is 'ObjectCreated:Put' from S3 and 's3:ObjectCreated:Put' from some emitters.
  if (!/^(s3:)?ObjectCreated:/.test(eventName)) return { bucket, key, eventName };
  return {
    bucket,
    key,
    ...optional('versionId', str(object?.versionId)),
    ...optional('eTag', str(object?.eTag)),
    eventTime: str(record.eventTime) ?? new Date().toISOString(),
    ...optional('size', num(object?.size)),
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function isSkipped(entry: NotifiedObject | SkippedEvent): entry is SkippedEvent {
  return 'eventName' in entry;
}

function fromS3Notification(doc: Json, body: string): ParsedMessage {
  const records = doc.Records;
  if (!Array.isArray(records)) throw unrecognized(body, 'Records is not an array');
  const objects: NotifiedObject[] = [];
  const skipped: SkippedEvent[] = [];
  records.forEach((record, i) => {
    const entry = fromNotificationRecord(record);
    if (entry === undefined)
      throw unrecognized(body, `Records[${i}] has no eventName, s3.bucket.name or s3.object.key`);
    if (isSkipped(entry)) skipped.push(entry);
    else objects.push(entry);
  });
  return { kind: 'objects', objects, skipped };
}

/**
 * EventBridge delivers S3 events as `{"source":"aws.s3","detail-type":"Object Created","detail":{...}}`.
 * Its keys are decoded the same way as notification keys; since that encoding is not documented for
 * EventBridge, the key as written is kept in `rawKey` for the opener's second try.
 */
function fromEventBridge(doc: Json, body: string): ParsedMessage {
  const detailType = str(doc['detail-type']) ?? '';
  const detail = isObject(doc.detail) ? doc.detail : undefined;
  const bucket = detail !== undefined && isObject(detail.bucket) ? str(detail.bucket.name) : undefined;
  const object = detail !== undefined && isObject(detail.object) ? detail.object : undefined;
  const rawKey = object !== undefined ? str(object.key) : undefined;
  if (detailType !== 'Object Created') {
    return {
      kind: 'objects',
      objects: [],
      skipped: [
        {
          ...optional('bucket', bucket),
          ...optional('key', rawKey !== undefined ? decodeS3Key(rawKey) : undefined),
          eventName: detailType || 'unknown',
        },
      ],
    };
  }
  if (bucket === undefined || rawKey === undefined) {
    throw unrecognized(
      body,
      'an EventBridge Object Created event without detail.bucket.name or detail.object.key',
    );
  }
  const key = decodeS3Key(rawKey);
  return {
    kind: 'objects',
    objects: [
      {
        bucket,
        key,
        ...optional('rawKey', rawKey !== key ? rawKey : undefined),
        ...optional('versionId', str(object?.['version-id'])),
        ...optional('eTag', str(object?.etag)),
        eventTime: str(doc.time) ?? new Date().toISOString(),
        ...optional('size', num(object?.size)),
      },
    ],
    skipped: [],
  };
}

function fromContinuation(doc: Json, body: string): ParsedMessage {
  const c = doc[CONTINUATION_MARKER];
  const object = isObject(c) && isObject(c.object) ? c.object : undefined;
  const next = isObject(c) ? num(c.nextRecordIndex) : undefined;
  const bucket = object !== undefined ? str(object.bucket) : undefined;
  const key = object !== undefined && typeof object.key === 'string' ? object.key : undefined;
  const eventTime = object !== undefined ? str(object.eventTime) : undefined;
  if (
    bucket === undefined ||
    key === undefined ||
    eventTime === undefined ||
    next === undefined ||
    next < 0
  ) {
    throw unrecognized(
      body,
      'a continuation message without object.bucket, object.key, object.eventTime or nextRecordIndex',
    );
  }
  return {
    kind: 'continuation',
    continuation: {
      object: {
        bucket,
        key, // Written by the forwarder itself: already decoded.
        ...optional('versionId', str(object?.versionId)),
        ...optional('eTag', str(object?.eTag)),
        eventTime,
        ...optional('size', num(object?.size)),
      },
      nextRecordIndex: Math.floor(next),
    },
  };
}

/** Builds the body of a continuation message (the inverse of its branch of `parseMessageBody`). */
export function continuationBody(continuation: ContinuationMessage): string {
  return JSON.stringify({ [CONTINUATION_MARKER]: continuation });
}

function parseDocument(doc: unknown, body: string, depth: number): ParsedMessage {
  if (!isObject(doc)) throw unrecognized(body, 'not a JSON object');
  if (doc.Event === 's3:TestEvent') return { kind: 'test-event', ...optional('bucket', str(doc.Bucket)) };
  if (Array.isArray(doc.Records)) return fromS3Notification(doc, body);
  if (doc.source === 'aws.s3' && isObject(doc.detail)) return fromEventBridge(doc, body);
  if (doc[CONTINUATION_MARKER] !== undefined) return fromContinuation(doc, body);
  // SNS without raw message delivery wraps the S3 notification as a JSON string in Message.
  if (doc.Type === 'Notification' && typeof doc.Message === 'string' && depth === 0) {
    let inner: unknown;
    try {
      inner = JSON.parse(doc.Message);
    } catch {
      throw unrecognized(body, 'an SNS notification whose Message is not JSON');
    }
    return parseDocument(inner, body, depth + 1);
  }
  throw unrecognized(body, 'no Records, Event, EventBridge detail or SNS Message');
}

/**
 * Parses one SQS message body into what the forwarder should do with it.
 *
 * @throws UnrecognizedMessageError (permanent) for any body that is not one of the shapes above,
 *   quoting the start of the body.
 */
export function parseMessageBody(body: string): ParsedMessage {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    throw unrecognized(body, 'not JSON');
  }
  return parseDocument(doc, body, 0);
}
