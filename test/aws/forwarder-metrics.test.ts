import { App, Duration, Stack } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { METRIC, METRICS_NAMESPACE } from '../../lambda/contract/metric-names';
import { ForwarderMetrics } from '../../lib/aws/forwarder-metrics';
import { TEST_ENV } from '../support/aws';

describe('ForwarderMetrics', () => {
  const stack = new Stack(new App(), 'MetricsStack', { env: TEST_ENV });
  const queue = new sqs.Queue(stack, 'Queue');
  const deadLetterQueue = new sqs.Queue(stack, 'DeadLetterQueue');
  const metrics = new ForwarderMetrics({ producerName: 'app-logs', queue, deadLetterQueue });
  const dimensions = { service: 's3-to-sentinel', Producer: 'app-logs' };

  test.each<[string, string, (options?: cloudwatch.MetricOptions) => cloudwatch.Metric]>([
    ['metricObjectsDelivered', METRIC.objectsDelivered, (o) => metrics.metricObjectsDelivered(o)],
    ['metricRecordsDelivered', METRIC.recordsDelivered, (o) => metrics.metricRecordsDelivered(o)],
    ['metricBytesDelivered', METRIC.bytesDelivered, (o) => metrics.metricBytesDelivered(o)],
    ['metricMalformedLines', METRIC.malformedLines, (o) => metrics.metricMalformedLines(o)],
    ['metricOversizedRecords', METRIC.oversizedRecords, (o) => metrics.metricOversizedRecords(o)],
    ['metricSkippedObjects', METRIC.skippedObjects, (o) => metrics.metricSkippedObjects(o)],
    ['metricUnroutedObjects', METRIC.unroutedObjects, (o) => metrics.metricUnroutedObjects(o)],
    ['metricThrottled', METRIC.throttled, (o) => metrics.metricThrottled(o)],
    ['metricSkippedRecords', METRIC.skippedRecords, (o) => metrics.metricSkippedRecords(o)],
    ['metricTestEvents', METRIC.testEvents, (o) => metrics.metricTestEvents(o)],
    ['metricSkippedEvents', METRIC.skippedEvents, (o) => metrics.metricSkippedEvents(o)],
    ['metricRecordsFailed', METRIC.recordsFailed, (o) => metrics.metricRecordsFailed(o)],
  ])('%s defaults to the sum of %s over 5 minutes, and options override', (_name, metricName, metric) => {
    expect(metric()).toMatchObject({
      namespace: METRICS_NAMESPACE,
      metricName,
      dimensions,
      statistic: 'Sum',
      period: Duration.minutes(5),
    });
    expect(metric({ statistic: 'Maximum', period: Duration.minutes(1) })).toMatchObject({
      statistic: 'Maximum',
      period: Duration.minutes(1),
    });
  });

  test('metricFailures adds the FailureClass dimension the forwarder emits it with', () => {
    expect(metrics.metricFailures('permanent')).toMatchObject({
      metricName: METRIC.failures,
      dimensions: { ...dimensions, FailureClass: 'permanent' },
      statistic: 'Sum',
    });
  });

  test('metricIngestionLag defaults to p99 over 5 minutes', () => {
    expect(metrics.metricIngestionLag()).toMatchObject({
      metricName: METRIC.ingestionLag,
      statistic: 'p99',
      period: Duration.minutes(5),
    });
    expect(metrics.metricIngestionLag({ statistic: 'p50' }).statistic).toBe('p50');
  });

  test('metricOldestMessageAge and metricDeadLetterQueueMessages default to the maximum over 5 minutes', () => {
    const age = metrics.metricOldestMessageAge();
    expect(age).toMatchObject({
      namespace: 'AWS/SQS',
      metricName: 'ApproximateAgeOfOldestMessage',
      statistic: 'Maximum',
      period: Duration.minutes(5),
    });
    expect(stack.resolve(age.dimensions)).toEqual({
      QueueName: { 'Fn::GetAtt': [expect.stringMatching(/^Queue/), 'QueueName'] },
    });
    const dlq = metrics.metricDeadLetterQueueMessages({ period: Duration.minutes(1) });
    expect(dlq).toMatchObject({
      metricName: 'ApproximateNumberOfMessagesVisible',
      statistic: 'Maximum',
      period: Duration.minutes(1),
    });
    expect(stack.resolve(dlq.dimensions)).toEqual({
      QueueName: { 'Fn::GetAtt': [expect.stringMatching(/^DeadLetterQueue/), 'QueueName'] },
    });
  });
});
