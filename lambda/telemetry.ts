import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

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
  testEvents: 'TestEvents',
  skippedEvents: 'SkippedEvents',
  recordsFailed: 'RecordsFailed',
  /** Dimensioned by FailureClass (the error class's `failureClass`). */
  failures: 'Failures',
  /** From the S3 event time to the API's acceptance of the object's last batch. */
  ingestionLag: 'IngestionLag',
} as const;

/** Creates the forwarder's Powertools logger, tagged with the producer. */
export function createLogger(producer: string): Logger {
  return new Logger({ serviceName: 's3-to-sentinel', persistentKeys: { producer } });
}

/** Creates the forwarder's Powertools metrics, one `Producer` dimension on every metric. */
export function createMetrics(producer: string): Metrics {
  return new Metrics({
    namespace: METRICS_NAMESPACE,
    serviceName: 's3-to-sentinel',
    defaultDimensions: { Producer: producer },
  });
}

/**
 * The forwarder's metrics vocabulary over Powertools Metrics (CloudWatch EMF on stdout), so the
 * processing code says what happened and this module alone knows names and units.
 */
export class Telemetry {
  public constructor(public readonly metrics: Metrics) {}

  public objectDelivered(records: number, bytes: number, lagMs: number | undefined): void {
    this.metrics.addMetric(METRIC.objectsDelivered, MetricUnit.Count, 1);
    this.metrics.addMetric(METRIC.recordsDelivered, MetricUnit.Count, records);
    this.metrics.addMetric(METRIC.bytesDelivered, MetricUnit.Bytes, bytes);
    if (lagMs !== undefined && Number.isFinite(lagMs)) {
      this.metrics.addMetric(METRIC.ingestionLag, MetricUnit.Milliseconds, Math.max(0, lagMs));
    }
  }

  public partialDelivery(records: number, bytes: number, failedRecords: number): void {
    this.metrics.addMetric(METRIC.recordsDelivered, MetricUnit.Count, records);
    this.metrics.addMetric(METRIC.bytesDelivered, MetricUnit.Bytes, bytes);
    this.metrics.addMetric(METRIC.recordsFailed, MetricUnit.Count, failedRecords);
  }

  public malformedLines(count: number): void {
    if (count > 0) this.metrics.addMetric(METRIC.malformedLines, MetricUnit.Count, count);
  }

  public oversizedRecords(count: number): void {
    if (count > 0) this.metrics.addMetric(METRIC.oversizedRecords, MetricUnit.Count, count);
  }

  public skippedObject(): void {
    this.metrics.addMetric(METRIC.skippedObjects, MetricUnit.Count, 1);
  }

  public testEvent(): void {
    this.metrics.addMetric(METRIC.testEvents, MetricUnit.Count, 1);
  }

  public skippedEvents(count: number): void {
    if (count > 0) this.metrics.addMetric(METRIC.skippedEvents, MetricUnit.Count, count);
  }

  /** One failed message, by class: a single-metric blob so the FailureClass dimension stays on it alone. */
  public failure(failureClass: string): void {
    const single = this.metrics.singleMetric();
    single.addDimension('FailureClass', failureClass);
    single.addMetric(METRIC.failures, MetricUnit.Count, 1);
  }

  /** Writes the stored metrics (one EMF line); called once per invocation. */
  public flush(): void {
    this.metrics.publishStoredMetrics();
  }
}
