import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { METRIC, METRICS_NAMESPACE } from '../../lambda/contract/metric-names';
import { ForwarderMonitoring, type ForwarderMonitoringProps } from '../../lib/aws/forwarder-monitoring';
import { TEST_ENV } from '../support/aws';

type Overrides = Partial<Omit<ForwarderMonitoringProps, 'queue' | 'deadLetterQueue' | 'function'>>;

/** GIVEN a stack with a queue, its DLQ and an (imported) function, WHEN monitoring is added. */
function buildMonitoring(overrides: Overrides = {}, topic?: (stack: Stack) => sns.ITopic) {
  const app = new App();
  const stack = new Stack(app, 'MonitoringStack', { env: TEST_ENV });
  const deadLetterQueue = new sqs.Queue(stack, 'DeadLetterQueue', { enforceSSL: true });
  const queue = new sqs.Queue(stack, 'Queue', {
    enforceSSL: true,
    deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: 5 },
  });
  const fn = lambda.Function.fromFunctionName(stack, 'Function', 's3-to-sentinel-app-logs');
  const monitoring = new ForwarderMonitoring(stack, {
    producerName: 'app-logs',
    queue,
    deadLetterQueue,
    function: fn,
    alarmTopic: topic?.(stack),
    ...overrides,
  });
  return { app, stack, monitoring, queue, deadLetterQueue };
}

function synthMonitoring(overrides: Overrides = {}, topic?: (stack: Stack) => sns.ITopic) {
  const built = buildMonitoring(overrides, topic);
  return { ...built, template: Template.fromStack(built.stack) };
}

/** Alarms that treat missing data as not breaching: no datapoint means nothing is wrong. */
const ALARMS = [
  [
    's3-to-sentinel-app-logs-queue-oldest-message-age',
    'AWS/SQS',
    'ApproximateAgeOfOldestMessage',
    'Maximum',
    60,
  ],
  ['s3-to-sentinel-app-logs-function-errors', 'AWS/Lambda', 'Errors', 'Sum', 300],
  ['s3-to-sentinel-app-logs-function-throttles', 'AWS/Lambda', 'Throttles', 'Sum', 300],
] as const;

/** The record-loss alarms: any lost record in 5 minutes, on the metric the forwarder emits. */
const RECORD_LOSS_ALARMS = [
  ['s3-to-sentinel-app-logs-oversized-records', METRIC.oversizedRecords],
  ['s3-to-sentinel-app-logs-malformed-lines', METRIC.malformedLines],
  ['s3-to-sentinel-app-logs-records-failed', METRIC.recordsFailed],
] as const;

describe('ForwarderMonitoring defaults (one test per documented @default)', () => {
  const { template, monitoring } = synthMonitoring();

  test('oldestMessageAgeThreshold defaults to 5 minutes', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 's3-to-sentinel-app-logs-queue-oldest-message-age',
      Threshold: 300,
    });
  });

  test('alarmEmail and alarmTopic default to none: no topic, and alarms have no actions', () => {
    template.resourceCountIs('AWS::SNS::Topic', 0);
    template.resourceCountIs('AWS::KMS::Key', 0);
    expect(monitoring.alarmTopic).toBeUndefined();
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.AlarmActions).toBeUndefined();
      expect(alarm.Properties.OKActions).toBeUndefined();
    }
  });
});

describe('ForwarderMonitoring alarms', () => {
  const { template, monitoring } = synthMonitoring({ alarmEmail: 'soc@example.com' });

  test('eight alarms, created with the ids the forwarder always gave them (and one new)', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', 8);
    expect(
      [
        monitoring.deadLetterQueueAlarm,
        monitoring.oldestMessageAgeAlarm,
        monitoring.deferredMessageAgeAlarm,
        monitoring.errorsAlarm,
        monitoring.throttlesAlarm,
        monitoring.oversizedRecordsAlarm,
        monitoring.malformedLinesAlarm,
        monitoring.recordsFailedAlarm,
        monitoring.dashboard,
      ].map((c) => c.node.id),
    ).toEqual([
      'DeadLetterQueueAlarm',
      'OldestMessageAgeAlarm',
      'DeferredMessageAgeAlarm',
      'ErrorsAlarm',
      'ThrottlesAlarm',
      'OversizedRecordsAlarm',
      'MalformedLinesAlarm',
      'RecordsFailedAlarm',
      'Dashboard',
    ]);
  });

  test('the deferred-age alarm sees messages waiting past an outage, which the queue age cannot: the age since their first receive, over 15 minutes', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 's3-to-sentinel-app-logs-deferred-message-age',
      Namespace: 'S3ToSentinel',
      MetricName: 'DeferredMessageAge',
      Dimensions: Match.arrayWith([{ Name: 'Producer', Value: 'app-logs' }]),
      Statistic: 'Maximum',
      Period: 900,
      EvaluationPeriods: 1,
      Threshold: 300,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('AlarmTopic') }],
      OKActions: [{ Ref: Match.stringLikeRegexp('AlarmTopic') }],
    });
  });

  test('the DLQ alarm watches the DLQ depth each minute, notifies on alarm and OK, and treats missing data as missing', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 's3-to-sentinel-app-logs-dlq-messages',
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DeadLetterQueue'), 'QueueName'] },
        },
      ],
      Statistic: 'Maximum',
      Period: 60,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'missing',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^AlarmTopic') }],
      OKActions: [{ Ref: Match.stringLikeRegexp('^AlarmTopic') }],
    });
  });

  test.each(RECORD_LOSS_ALARMS)(
    '%s fires on any %s in 5 minutes, notifies on alarm and OK, treats missing data as not breaching',
    (name, metric) => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: name,
        Namespace: METRICS_NAMESPACE,
        MetricName: metric,
        Dimensions: [
          { Name: 'Producer', Value: 'app-logs' },
          { Name: 'service', Value: 's3-to-sentinel' },
        ],
        Statistic: 'Sum',
        Period: 300,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: Match.stringLikeRegexp('^AlarmTopic') }],
        OKActions: [{ Ref: Match.stringLikeRegexp('^AlarmTopic') }],
      });
    },
  );

  test.each(ALARMS)(
    '%s watches %s %s (%s over %d s), notifies on alarm and OK, treats missing data as not breaching',
    (name, namespace, metric, statistic, period) => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: name,
        Namespace: namespace,
        MetricName: metric,
        Statistic: statistic,
        Period: period,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: Match.stringLikeRegexp('^AlarmTopic') }],
        OKActions: [{ Ref: Match.stringLikeRegexp('^AlarmTopic') }],
      });
    },
  );

  test('the lag alarm needs three breaching minutes in a row', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 's3-to-sentinel-app-logs-queue-oldest-message-age',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
    });
  });

  test('passes oldestMessageAgeThreshold through', () => {
    const { template: t } = synthMonitoring({ oldestMessageAgeThreshold: Duration.minutes(15) });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 's3-to-sentinel-app-logs-queue-oldest-message-age',
      Threshold: 900,
      AlarmDescription: Match.stringLikeRegexp('later than 900 seconds'),
    });
  });

  test('the email topic is encrypted with its own key, TLS-only and subscribed', () => {
    template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AlarmTopicKey'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'soc@example.com',
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  test('CloudWatch may use the topic key only from this account', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'AllowCloudWatchAlarmsToEncrypt',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': TEST_ENV.account } },
          }),
        ]),
      },
    });
  });

  test('an existing alarm topic receives every alarm and no topic is created', () => {
    const { template: t } = synthMonitoring({}, (stack) => new sns.Topic(stack, 'SocTopic'));
    t.resourceCountIs('AWS::SNS::Topic', 1);
    t.resourceCountIs('AWS::KMS::Key', 0);
    const alarms = Object.values(t.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(8);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^SocTopic/) }]);
      expect(alarm.Properties.OKActions).toEqual([{ Ref: expect.stringMatching(/^SocTopic/) }]);
    }
  });

  test('fails if both alarmEmail and alarmTopic are given', () => {
    expect(() =>
      buildMonitoring({ alarmEmail: 'a@example.com' }, (stack) => new sns.Topic(stack, 'SocTopic')),
    ).toThrow('give `alarmEmail` or `alarmTopic`, not both');
  });
});

describe('ForwarderMonitoring dashboard', () => {
  const { template } = synthMonitoring();
  const body = () =>
    JSON.stringify(
      Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0].Properties.DashboardBody,
    );

  test('one dashboard per producer', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', {
      DashboardName: 's3-to-sentinel-app-logs',
    });
  });

  test.each([METRIC.recordsDelivered, METRIC.malformedLines, METRIC.oversizedRecords, METRIC.recordsFailed])(
    'plots %s, a metric the forwarder emits',
    (name) => {
      expect(body()).toContain(
        `\\"${METRICS_NAMESPACE}\\",\\"${name}\\",\\"Producer\\",\\"app-logs\\",\\"service\\",\\"s3-to-sentinel\\"`,
      );
    },
  );

  test('plots the ingestion lag at p50 and p99, by the name the forwarder emits', () => {
    expect(body()).toContain(`\\"${METRICS_NAMESPACE}\\",\\"${METRIC.ingestionLag}\\"`);
    expect(body()).toContain('\\"stat\\":\\"p50\\"');
    expect(body()).toContain('\\"stat\\":\\"p99\\"');
  });
});

describe('ForwarderMonitoring under cdk-nag', () => {
  test.each<[string, Overrides]>([
    ['without a topic', {}],
    ['with an email topic', { alarmEmail: 'soc@example.com' }],
  ])('has no unacknowledged AwsSolutions or Serverless finding %s', (_name, overrides) => {
    const { app, deadLetterQueue } = buildMonitoring(overrides);
    Validations.of(deadLetterQueue).acknowledge({ id: 'Serverless-SQSRedrivePolicy', reason: 'Test DLQ.' });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
    expect(() => app.synth()).not.toThrow();
  });
});
