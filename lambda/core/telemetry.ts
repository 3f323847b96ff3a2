import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

import { METRIC, METRICS_NAMESPACE } from '../contract/metric-names';

export { METRIC, METRICS_NAMESPACE };

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

  /** Records that were not data for the format (no row, no record index), in one object. */
  public skippedRecords(count: number): void {
    if (count > 0) this.metrics.addMetric(METRIC.skippedRecords, MetricUnit.Count, count);
  }

  /** An object no route matched (`format: 'auto'`), delivered as text to the `unrouted` stream. */
  public unroutedObject(): void {
    this.metrics.addMetric(METRIC.unroutedObjects, MetricUnit.Count, 1);
  }

  public testEvent(): void {
    this.metrics.addMetric(METRIC.testEvents, MetricUnit.Count, 1);
  }

  public skippedEvents(count: number): void {
    if (count > 0) this.metrics.addMetric(METRIC.skippedEvents, MetricUnit.Count, count);
  }

  /** Messages deferred past an outage in this invocation, and the oldest one's age since its first receive. */
  public deferred(count: number, oldestAgeSeconds: number): void {
    this.metrics.addMetric(METRIC.messagesDeferred, MetricUnit.Count, count);
    this.metrics.addMetric(METRIC.deferredMessageAge, MetricUnit.Seconds, Math.max(0, oldestAgeSeconds));
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

  /** One 429 from the Logs Ingestion API (an attempt; the SDK retries it after Retry-After). */
  public throttled(): void {
    this.metrics.addMetric(METRIC.throttled, MetricUnit.Count, 1);
  }
}
