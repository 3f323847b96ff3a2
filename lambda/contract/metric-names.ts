/**
 * The forwarder's metric names, as plain data: the forwarder emits them (telemetry.ts) and the
 * construct's dashboard plots them, and `lib/` must not import Powertools to know them.
 */

/** CloudWatch namespace of the forwarder's embedded metrics (the construct sets the same one). */
export const METRICS_NAMESPACE = 'S3ToSentinel';

/**
 * Metric names, one place: the construct's dashboard and alarms refer to these strings, so
 * renaming one is a breaking change.
 */
export const METRIC = {
  objectsDelivered: 'ObjectsDelivered',
  recordsDelivered: 'RecordsDelivered',
  /** Serialized JSON bytes accepted by the Logs Ingestion API (what Azure bills on, before gzip). */
  bytesDelivered: 'BytesDelivered',
  malformedLines: 'MalformedLines',
  oversizedRecords: 'OversizedRecords',
  skippedObjects: 'SkippedObjects',
  /** Records that are not data for the format, among data (CloudWatch Logs CONTROL_MESSAGE records). */
  skippedRecords: 'SkippedRecords',
  /**
   * Objects of a `format: 'auto'` producer that no route matched, delivered as text to the
   * `unrouted` stream: one per object, counted when it is delivered.
   */
  unroutedObjects: 'UnroutedObjects',
  testEvents: 'TestEvents',
  skippedEvents: 'SkippedEvents',
  recordsFailed: 'RecordsFailed',
  /** Dimensioned by FailureClass (the error class's `failureClass`). */
  failures: 'Failures',
  /** Messages sent again with a delay because of an outage, which so spends none of their receives. */
  messagesDeferred: 'MessagesDeferred',
  /**
   * Seconds from a deferred message's first receive to its latest deferral: the age the queue's
   * own age metric cannot see, since every deferral is a new message.
   */
  deferredMessageAge: 'DeferredMessageAge',
  /** From the S3 event time to the API's acceptance of the object's last batch. */
  ingestionLag: 'IngestionLag',
  /**
   * 429 answers of the Logs Ingestion API, every attempt counted (the SDK retries them after
   * Retry-After): how often the forwarder meets a DCR's ingestion limits and halves its uploads.
   */
  throttled: 'Throttled',
} as const;
