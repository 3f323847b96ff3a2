import {
  ListMessageMoveTasksCommand,
  type ListMessageMoveTasksResultEntry,
  type SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { awsResourceNames, type ProducerDefinition } from '../lib/producer';
import { numberAttribute, queueAttributes, queueNameFromUrl, resolveQueueUrl } from './aws';
import { OperationalError, awsErrorName, describeError } from './errors';
import type { Output } from './output';
import { sleep as realSleep, type Sleep } from './rate-limiter';

/** What `redrive` was asked to do. */
export interface RedriveOptions {
  readonly producer: ProducerDefinition;
  /** @default - looked up from the producer's queue name */
  readonly queueUrl?: string;
  /** @default - looked up from the producer's dead-letter queue name */
  readonly dlqUrl?: string;
  /** SQS's MaxNumberOfMessagesPerSecond for the move. @default - SQS's own pace (up to 500/s) */
  readonly ratePerSecond?: number;
  /** Seconds between progress polls. @default 5 */
  readonly pollIntervalSeconds?: number;
}

/** What `redrive` needs from the outside world. */
export interface RedriveDeps {
  readonly sqs: SQSClient;
  readonly output: Output;
  /** @default - a real timer */
  readonly sleep?: Sleep;
}

/** How the move ended. `EMPTY`: the DLQ had nothing to move, so no task was started. */
export interface RedriveResult {
  readonly status: 'COMPLETED' | 'EMPTY';
  readonly moved: number;
  readonly toMove: number;
  readonly sourceArn: string;
  readonly destinationArn: string;
}

/** Polls after the start that still list only an older task before giving up on seeing ours. */
const MAX_STALE_POLLS = 12;

/**
 * Moves the producer's dead-letter queue back to its queue with an SQS message move task, shows
 * its progress, and reports how many messages moved. If a move task is already running on the DLQ,
 * follows that one instead of starting another (SQS allows one per queue). Interrupting the CLI
 * does not stop the task: SQS keeps moving.
 */
export async function redrive(options: RedriveOptions, deps: RedriveDeps): Promise<RedriveResult> {
  const { producer } = options;
  const { sqs, output } = deps;
  const wait = deps.sleep ?? realSleep;
  const names = awsResourceNames(producer);
  const context = { producer: producer.name, stackName: names.stackName };
  const dlqUrl = await resolveQueueUrl(sqs, names.deadLetterQueueName, options.dlqUrl, {
    ...context,
    flag: '--dlq-url',
  });
  const queueUrl = await resolveQueueUrl(sqs, names.queueName, options.queueUrl, {
    ...context,
    flag: '--queue-url',
  });
  const dlqAttributes = await queueAttributes(sqs, dlqUrl, [
    'QueueArn',
    'ApproximateNumberOfMessages',
    'ApproximateNumberOfMessagesNotVisible',
  ]);
  const queueArn = (await queueAttributes(sqs, queueUrl, ['QueueArn'])).QueueArn;
  const dlqArn = dlqAttributes.QueueArn;
  if (dlqArn === undefined || queueArn === undefined) {
    throw new OperationalError(`SQS returned no QueueArn for ${dlqArn === undefined ? dlqUrl : queueUrl}`);
  }
  const dlqName = queueNameFromUrl(dlqUrl);
  const queueName = queueNameFromUrl(queueUrl);

  const latest = await latestTask(sqs, dlqArn);
  let followingExisting = false;
  if (latest?.Status === 'RUNNING') {
    followingExisting = true;
    output.err(
      `a redrive of ${dlqName} is already running (started ${startedAt(latest)}, ` +
        `to ${latest.DestinationArn ?? 'the original source queue'}); following it`,
    );
  } else {
    const waiting = numberAttribute(dlqAttributes, 'ApproximateNumberOfMessages');
    if (waiting === 0) {
      const inFlight = numberAttribute(dlqAttributes, 'ApproximateNumberOfMessagesNotVisible');
      output.out(
        inFlight === 0
          ? `${dlqName} is empty: nothing to redrive`
          : `${dlqName} has no visible messages but ${inFlight} in flight (someone is receiving from the DLQ): ` +
              'run redrive again once their visibility timeout has passed',
      );
      return { status: 'EMPTY', moved: 0, toMove: 0, sourceArn: dlqArn, destinationArn: queueArn };
    }
    output.err(`moving about ${waiting} messages from ${dlqName} to ${queueName}`);
    try {
      await sqs.send(
        new StartMessageMoveTaskCommand({
          SourceArn: dlqArn,
          DestinationArn: queueArn,
          MaxNumberOfMessagesPerSecond: options.ratePerSecond,
        }),
      );
    } catch (error) {
      throw new OperationalError(startFailure(error, dlqName, queueName), { cause: error });
    }
  }

  const progress = output.progress('redrive');
  progress.start(0);
  let stalePolls = 0;
  let task: ListMessageMoveTasksResultEntry | undefined;
  try {
    for (;;) {
      const current = await latestTask(sqs, dlqArn);
      // Until SQS lists our task, the newest entry can still be the previous, finished one.
      const isOurs =
        current !== undefined && (followingExisting || current.StartedTimestamp !== latest?.StartedTimestamp);
      if (isOurs) {
        task = current;
        progress.setTotal(task.ApproximateNumberOfMessagesToMove ?? 0);
        progress.update(task.ApproximateNumberOfMessagesMoved ?? 0);
        if (task.Status === 'COMPLETED' || task.Status === 'FAILED' || task.Status === 'CANCELLED') break;
      } else if (++stalePolls > MAX_STALE_POLLS) {
        throw new OperationalError(
          `the move task on ${dlqName} was started but SQS does not list it; check with ` +
            `\`aws sqs list-message-move-tasks --source-arn ${dlqArn}\``,
        );
      }
      await wait((options.pollIntervalSeconds ?? 5) * 1000);
    }
  } finally {
    progress.stop();
  }

  if (task === undefined) throw new OperationalError(`lost track of the move task on ${dlqName}`);
  const moved = task.ApproximateNumberOfMessagesMoved ?? 0;
  const toMove = task.ApproximateNumberOfMessagesToMove ?? moved;
  const destinationArn = task.DestinationArn ?? queueArn;
  const destinationName = destinationArn.split(':').pop();
  if (task.Status === 'FAILED') {
    throw new OperationalError(
      `redrive from ${dlqName} to ${destinationName} failed after moving ${moved} of ${toMove} messages: ` +
        `${task.FailureReason ?? 'no reason given'}. Fix the cause and run redrive again to move the rest`,
    );
  }
  if (task.Status === 'CANCELLED') {
    throw new OperationalError(
      `redrive from ${dlqName} to ${destinationName} was cancelled after moving ${moved} of ${toMove} messages; ` +
        'run redrive again to move the rest',
    );
  }
  output.out(`moved ${moved} of ${toMove} messages from ${dlqName} to ${destinationName}`);
  return { status: 'COMPLETED', moved, toMove, sourceArn: dlqArn, destinationArn };
}

async function latestTask(
  sqs: SQSClient,
  dlqArn: string,
): Promise<ListMessageMoveTasksResultEntry | undefined> {
  try {
    const { Results } = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: dlqArn, MaxResults: 1 }));
    return Results?.[0];
  } catch (error) {
    throw new OperationalError(
      `could not list the message move tasks of ${dlqArn}: ${describeError(error)}` +
        (awsErrorName(error)?.startsWith('AccessDenied')
          ? ' (your identity needs sqs:ListMessageMoveTasks on the DLQ)'
          : ''),
      { cause: error },
    );
  }
}

function startedAt(task: ListMessageMoveTasksResultEntry): string {
  return task.StartedTimestamp === undefined
    ? 'at an unknown time'
    : new Date(task.StartedTimestamp).toISOString();
}

function startFailure(error: unknown, dlqName: string, queueName: string): string {
  const detail = describeError(error);
  switch (awsErrorName(error)) {
    case 'AccessDenied':
    case 'AccessDeniedException':
      return (
        `not allowed to redrive ${dlqName} (${detail}): your identity needs sqs:StartMessageMoveTask, sqs:ReceiveMessage, ` +
        `sqs:DeleteMessage and sqs:GetQueueAttributes on ${dlqName} and sqs:SendMessage on ${queueName}`
      );
    case 'UnsupportedOperation':
      return `SQS cannot redrive ${dlqName} to ${queueName} (${detail})`;
    default:
      return `could not start moving ${dlqName} to ${queueName}: ${detail}`;
  }
}
