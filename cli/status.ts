import {
  type CloudWatchClient,
  GetMetricDataCommand,
  type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import type { SQSClient } from '@aws-sdk/client-sqs';
import {
  awsResourceNames,
  DEFAULT_OLDEST_MESSAGE_AGE_SECONDS,
  type ProducerDefinition,
} from '../lib/producer';
import { numberAttribute, queueAttributes, queueNameFromUrl, regionOf, resolveQueueUrl } from './aws';
import { describeError } from './errors';
import { formatAge, formatCount, formatTable } from './format';
import type { Output } from './output';

/** The age alarm's default threshold, as in `AlarmOptions.oldestMessageAgeSeconds`. */

/** What `status` was asked to show. */
export interface StatusOptions {
  readonly producer: ProducerDefinition;
  /** @default - looked up from the producer's queue name */
  readonly queueUrl?: string;
  /** @default - looked up from the producer's dead-letter queue name */
  readonly dlqUrl?: string;
  /** Print JSON instead of a table. @default false */
  readonly json?: boolean;
  /** How far back the function's metrics are summed. @default 60 */
  readonly windowMinutes?: number;
}

/** What `status` needs from the outside world. */
export interface StatusDeps {
  readonly sqs: SQSClient;
  readonly cloudwatch: CloudWatchClient;
  readonly output: Output;
  /** @default - the current time */
  readonly now?: () => Date;
}

/** One queue's depth. Ages come from CloudWatch (a minute or more behind); `undefined` when it has no data. */
export interface QueueStatus {
  readonly name: string;
  readonly url: string;
  readonly visible: number;
  readonly inFlight: number;
  readonly delayed: number;
  readonly oldestAgeSeconds?: number;
}

/** A producer's pipeline at a glance. */
export interface ProducerStatus {
  readonly producer: string;
  readonly region: string;
  readonly queue: QueueStatus;
  readonly deadLetterQueue: QueueStatus;
  readonly function: {
    readonly name: string;
    readonly windowMinutes: number;
    /** `undefined` when CloudWatch could not be read. */
    readonly invocations?: number;
    readonly errors?: number;
    readonly throttles?: number;
  };
}

/**
 * Shows queue depth, DLQ depth, the age of the oldest message and the function's recent errors and
 * throttles, with the command to run for anything that needs attention.
 */
export async function status(options: StatusOptions, deps: StatusDeps): Promise<ProducerStatus> {
  const { producer } = options;
  const { sqs, output } = deps;
  const names = awsResourceNames(producer);
  const context = { producer: producer.name, stackName: names.stackName };
  const queueUrl = await resolveQueueUrl(sqs, names.queueName, options.queueUrl, {
    ...context,
    flag: '--queue-url',
  });
  const dlqUrl = await resolveQueueUrl(sqs, names.deadLetterQueueName, options.dlqUrl, {
    ...context,
    flag: '--dlq-url',
  });
  const windowMinutes = options.windowMinutes ?? 60;
  const [queue, dlq] = await Promise.all([depth(sqs, queueUrl), depth(sqs, dlqUrl)]);

  const end = (deps.now ?? (() => new Date()))();
  const metrics = await readMetrics(
    deps.cloudwatch,
    end,
    windowMinutes,
    queue.name,
    dlq.name,
    names.functionName,
  ).catch((error: unknown) => {
    output.err(
      `warning: CloudWatch metrics unavailable (${describeError(error)}); needs cloudwatch:GetMetricData`,
    );
    return undefined;
  });

  const result: ProducerStatus = {
    producer: producer.name,
    region: await regionOf(sqs),
    queue: { ...queue, oldestAgeSeconds: metrics?.queueAge },
    deadLetterQueue: { ...dlq, oldestAgeSeconds: metrics?.dlqAge },
    function: {
      name: names.functionName,
      windowMinutes,
      invocations: metrics?.invocations,
      errors: metrics?.errors,
      throttles: metrics?.throttles,
    },
  };

  if (options.json) {
    output.out(JSON.stringify(result, null, 2));
    return result;
  }
  for (const line of renderStatus(
    result,
    producer.alarms?.oldestMessageAgeSeconds ?? DEFAULT_OLDEST_MESSAGE_AGE_SECONDS,
  )) {
    output.out(line);
  }
  return result;
}

/** The status as table lines, followed by one line per thing that needs attention. */
export function renderStatus(status: ProducerStatus, ageThresholdSeconds: number): string[] {
  const { queue, deadLetterQueue: dlq, function: fn } = status;
  const lines = [`producer ${status.producer} (${status.region})`, ''];
  lines.push(
    ...formatTable(
      [
        ['QUEUE', 'VISIBLE', 'IN FLIGHT', 'DELAYED', 'OLDEST'],
        ...[queue, dlq].map((q) => [
          q.name,
          formatCount(q.visible),
          formatCount(q.inFlight),
          formatCount(q.delayed),
          formatAge(q.oldestAgeSeconds),
        ]),
      ],
      [false, true, true, true, true],
    ),
  );
  lines.push('');
  lines.push(
    ...formatTable(
      [
        [`FUNCTION (last ${fn.windowMinutes} min)`, 'INVOCATIONS', 'ERRORS', 'THROTTLES'],
        [fn.name, formatCount(fn.invocations), formatCount(fn.errors), formatCount(fn.throttles)],
      ],
      [false, true, true, true],
    ),
  );

  const attention: string[] = [];
  if (dlq.visible > 0) {
    attention.push(
      `${formatCount(dlq.visible)} messages in the dead-letter queue: find the reason in /aws/lambda/${fn.name}, ` +
        `fix it, then run \`s3-to-sentinel redrive --producer ${status.producer}\``,
    );
  }
  if (queue.oldestAgeSeconds !== undefined && queue.oldestAgeSeconds > ageThresholdSeconds) {
    attention.push(
      `the oldest message is ${formatAge(queue.oldestAgeSeconds)} old (alarm at ${formatAge(ageThresholdSeconds)}): ` +
        'the function is falling behind or Sentinel is not accepting; check errors, throttles and the function logs',
    );
  }
  if ((fn.errors ?? 0) > 0) {
    attention.push(
      `${formatCount(fn.errors)} failed invocations in the last ${fn.windowMinutes} min (crash, timeout, out of memory): ` +
        `read /aws/lambda/${fn.name}`,
    );
  }
  if ((fn.throttles ?? 0) > 0) {
    attention.push(
      `${formatCount(fn.throttles)} throttles in the last ${fn.windowMinutes} min: the account's Lambda concurrency ` +
        'is exhausted; raise the account limit or lower the concurrency of other functions',
    );
  }
  if (attention.length > 0) lines.push('', ...attention.map((a) => `! ${a}`));
  return lines;
}

async function depth(sqs: SQSClient, url: string): Promise<Omit<QueueStatus, 'oldestAgeSeconds'>> {
  const attributes = await queueAttributes(sqs, url, [
    'ApproximateNumberOfMessages',
    'ApproximateNumberOfMessagesNotVisible',
    'ApproximateNumberOfMessagesDelayed',
  ]);
  return {
    name: queueNameFromUrl(url),
    url,
    visible: numberAttribute(attributes, 'ApproximateNumberOfMessages'),
    inFlight: numberAttribute(attributes, 'ApproximateNumberOfMessagesNotVisible'),
    delayed: numberAttribute(attributes, 'ApproximateNumberOfMessagesDelayed'),
  };
}

interface Metrics {
  queueAge?: number;
  dlqAge?: number;
  invocations: number;
  errors: number;
  throttles: number;
}

async function readMetrics(
  cloudwatch: CloudWatchClient,
  end: Date,
  windowMinutes: number,
  queueName: string,
  dlqName: string,
  functionName: string,
): Promise<Metrics> {
  const windowSeconds = windowMinutes * 60;
  const sqsAge = (id: string, name: string): MetricDataQuery => ({
    Id: id,
    MetricStat: {
      Metric: {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateAgeOfOldestMessage',
        Dimensions: [{ Name: 'QueueName', Value: name }],
      },
      Period: 60,
      Stat: 'Maximum',
    },
  });
  const lambdaSum = (id: string, metricName: string): MetricDataQuery => ({
    Id: id,
    MetricStat: {
      Metric: {
        Namespace: 'AWS/Lambda',
        MetricName: metricName,
        Dimensions: [{ Name: 'FunctionName', Value: functionName }],
      },
      Period: windowSeconds,
      Stat: 'Sum',
    },
  });
  const queries = [
    sqsAge('queueAge', queueName),
    sqsAge('dlqAge', dlqName),
    lambdaSum('invocations', 'Invocations'),
    lambdaSum('errors', 'Errors'),
    lambdaSum('throttles', 'Throttles'),
  ];
  const values = new Map<string, number[]>();
  let nextToken: string | undefined;
  do {
    const page = await cloudwatch.send(
      new GetMetricDataCommand({
        MetricDataQueries: queries,
        StartTime: new Date(end.getTime() - windowSeconds * 1000),
        EndTime: end,
        // Newest first: the first age datapoint is the current one.
        ScanBy: 'TimestampDescending',
        NextToken: nextToken,
      }),
    );
    for (const result of page.MetricDataResults ?? []) {
      values.set(result.Id!, [...(values.get(result.Id!) ?? []), ...(result.Values ?? [])]);
    }
    nextToken = page.NextToken;
  } while (nextToken !== undefined);
  const sum = (id: string) => (values.get(id) ?? []).reduce((a, b) => a + b, 0);
  return {
    queueAge: values.get('queueAge')?.[0],
    dlqAge: values.get('dlqAge')?.[0],
    invocations: sum('invocations'),
    errors: sum('errors'),
    throttles: sum('throttles'),
  };
}
