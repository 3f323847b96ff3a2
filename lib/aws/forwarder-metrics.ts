import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { METRIC, METRICS_NAMESPACE } from '../../lambda/contract/metric-names';

/** One of the metrics the forwarder emits (`METRIC` in lambda/contract/metric-names.ts). */
export type ForwarderMetricName = (typeof METRIC)[keyof typeof METRIC];

/** Powertools' `service` dimension on every metric the forwarder emits. */
export const FORWARDER_SERVICE_NAME = 's3-to-sentinel';

export interface ForwarderMetricsProps {
  /** The producer whose forwarder emits the metrics (their `Producer` dimension). */
  readonly producerName: string;
  /** The notification queue. */
  readonly queue: sqs.IQueue;
  /** The notification queue's dead-letter queue. */
  readonly deadLetterQueue: sqs.IQueue;
}

/**
 * The metrics of one producer's forwarder, in the style of aws-cdk's `metricXxx()` helpers (and
 * cdk-monitoring-constructs' metric factories): defaults first, then the caller's options.
 */
export class ForwarderMetrics {
  constructor(private readonly props: ForwarderMetricsProps) {}

  /**
   * One of the forwarder's own metrics, with the dimensions Powertools gives it.
   * @default - sum over 5 minutes
   */
  public metric(metricName: ForwarderMetricName, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName,
      dimensionsMap: { service: FORWARDER_SERVICE_NAME, Producer: this.props.producerName },
      statistic: cloudwatch.Stats.SUM,
      ...props,
    });
  }

  /** Objects whose rows all reached Sentinel. @default - sum over 5 minutes */
  public metricObjectsDelivered(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRIC.objectsDelivered, props);
  }

  /** Rows the Logs Ingestion API accepted. @default - sum over 5 minutes */
  public metricRecordsDelivered(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRIC.recordsDelivered, props);
  }

  /** Serialized JSON bytes accepted by the Logs Ingestion API. @default - sum over 5 minutes */
  public metricBytesDelivered(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRIC.bytesDelivered, props);
  }

  /** Lines the format could not parse. @default - sum over 5 minutes */
  public metricMalformedLines(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRIC.malformedLines, props);
  }

  /** Rows over the Logs Ingestion API's size limit. @default - sum over 5 minutes */
  public metricOversizedRecords(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRIC.oversizedRecords, props);
  }

  /** Objects that held no data for the format (such as a CloudTrail digest). @default - sum over 5 minutes */
  public metricSkippedObjects(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRIC.skippedObjects, props);
  }

  /**
   * Objects of a `format: 'auto'` producer that no route matched, sent line by line to its
   * catch-all table (`<Name>Unrouted_CL`): add a route for them. @default - sum over 5 minutes
   */
  public metricUnroutedObjects(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRIC.unroutedObjects, props);
  }

  /** 429 answers of the Logs Ingestion API (every attempt): a DCR at its limit. @default - sum over 5 minutes */
  public metricThrottled(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRIC.throttled, props);
  }

  /** Records that were not data for the format (CloudWatch Logs CONTROL_MESSAGE records). @default - sum over 5 minutes */
  public metricSkippedRecords(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRIC.skippedRecords, props);
  }

  /** S3 test events received. @default - sum over 5 minutes */
  public metricTestEvents(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRIC.testEvents, props);
  }

  /** S3 events other than object creations, acknowledged unread. @default - sum over 5 minutes */
  public metricSkippedEvents(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRIC.skippedEvents, props);
  }

  /** Rows the Logs Ingestion API rejected. @default - sum over 5 minutes */
  public metricRecordsFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRIC.recordsFailed, props);
  }

  /**
   * Failed messages of one failure class (the error class's `failureClass`), which the forwarder
   * emits with a `FailureClass` dimension of its own.
   * @default - sum over 5 minutes
   */
  public metricFailures(failureClass: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRIC.failures, {
      dimensionsMap: {
        service: FORWARDER_SERVICE_NAME,
        Producer: this.props.producerName,
        FailureClass: failureClass,
      },
      ...props,
    });
  }

  /**
   * Milliseconds from the S3 event to the API's acceptance of the object's last batch.
   * @default - p99 over 5 minutes: the lag the slowest objects see
   */
  public metricIngestionLag(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRIC.ingestionLag, { statistic: cloudwatch.Stats.p(99), ...props });
  }

  /**
   * Age of the oldest notification waiting in the queue: how far behind Sentinel is.
   * @default - maximum over 5 minutes
   */
  public metricOldestMessageAge(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.props.queue.metricApproximateAgeOfOldestMessage({
      statistic: cloudwatch.Stats.MAXIMUM,
      ...props,
    });
  }

  /**
   * Messages the forwarder deferred past an outage (sent again with a delay, no receive spent).
   * @default - sum over 5 minutes
   */
  public metricMessagesDeferred(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRIC.messagesDeferred, props);
  }

  /**
   * Seconds since the first receive of the oldest message deferred past an outage: a deferral is a
   * new message, so the queue's own age metric restarts at each one and cannot show this.
   * @default - maximum over 5 minutes
   */
  public metricDeferredMessageAge(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRIC.deferredMessageAge, { statistic: cloudwatch.Stats.MAXIMUM, ...props });
  }

  /**
   * Notifications waiting in the dead-letter queue: objects that failed permanently.
   * @default - maximum over 5 minutes
   */
  public metricDeadLetterQueueMessages(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
      statistic: cloudwatch.Stats.MAXIMUM,
      ...props,
    });
  }
}
