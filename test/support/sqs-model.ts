/**
 * A model of Amazon SQS standard queues on a simulated clock, for running the real handler through
 * hours or days of queue behaviour in a test: delays, visibility timeouts, receive counts, the
 * redrive policy (a message received more than maxReceiveCount times moves to the DLQ on its next
 * receive, keeping its enqueue time), and retention (a message older than the retention period is
 * deleted, never moved). It follows the documented semantics (SQS Developer Guide: visibility
 * timeout, delay queues, dead-letter queues, message retention); it has no ordering or duplicate
 * delivery beyond what those produce.
 *
 * `attach` routes the SDK calls the forwarder makes (through aws-sdk-client-mock) to the model;
 * `EventSourceModel` plays Lambda's SQS event source mapping: receive a batch, invoke, delete
 * what the batch response did not report failed.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type ChangeMessageVisibilityBatchCommandInput,
  type MessageAttributeValue,
  type SendMessageBatchCommandInput,
  type ServiceInputTypes,
  type ServiceOutputTypes,
  type SQSClientResolvedConfig,
} from '@aws-sdk/client-sqs';
import type { AwsStub } from 'aws-sdk-client-mock';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

/** A clock tests move by hand. */
export class SimClock {
  public constructor(private t: number = Date.parse('2026-12-01T00:00:00Z')) {}
  public readonly now = (): number => this.t;
  public advance(ms: number): void {
    this.t += ms;
  }
  public advanceTo(t: number): void {
    this.t = Math.max(this.t, t);
  }
}

export interface QueueConfig {
  readonly url: string;
  readonly visibilityTimeoutSeconds: number;
  /** @default 345_600 (4 days, SQS's default) */
  readonly retentionSeconds?: number;
  readonly redrive?: { readonly deadLetterUrl: string; readonly maxReceiveCount: number };
}

export interface StoredMessage {
  readonly id: string;
  readonly body: string;
  readonly attributes: Record<string, MessageAttributeValue>;
  /** Enqueue time; kept when the redrive policy moves the message to the DLQ. */
  readonly sentAt: number;
  visibleAt: number;
  receiveCount: number;
  firstReceiveAt?: number;
  /** The receipt handle of the latest receive while the message is in flight. */
  receiptHandle?: string;
}

/** An error shaped like the SDK's service exceptions. */
function sqsError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name, $fault: 'client' });
}

const MAX_DELAY_SECONDS = 900;
const MAX_VISIBILITY_SECONDS = 43_200;
const MAX_BATCH_ENTRIES = 10;

export class SqsModel {
  readonly #queues = new Map<string, { config: QueueConfig; messages: StoredMessage[] }>();
  #nextId = 0;
  /** Messages deleted by retention, per queue URL: each is a loss. */
  public readonly expired = new Map<string, StoredMessage[]>();
  /** Every call the forwarder made, by command name: to assert on batching. */
  public readonly calls: { command: string; entries: number; at: number }[] = [];

  public constructor(public readonly clock: SimClock) {}

  public createQueue(config: QueueConfig): void {
    this.#queues.set(config.url, { config, messages: [] });
    this.expired.set(config.url, []);
  }

  private queue(url: string) {
    const queue = this.#queues.get(url);
    if (queue === undefined)
      throw sqsError('QueueDoesNotExist', `The specified queue does not exist: ${url}`);
    return queue;
  }

  public send(
    url: string,
    body: string,
    options: { delaySeconds?: number; attributes?: Record<string, MessageAttributeValue> } = {},
  ): string {
    const delay = options.delaySeconds ?? 0;
    if (!Number.isInteger(delay) || delay < 0 || delay > MAX_DELAY_SECONDS) {
      throw sqsError('InvalidParameterValue', `DelaySeconds ${delay} is outside 0–${MAX_DELAY_SECONDS}`);
    }
    const now = this.clock.now();
    const id = `m-${++this.#nextId}`;
    this.queue(url).messages.push({
      id,
      body,
      attributes: options.attributes ?? {},
      sentAt: now,
      visibleAt: now + delay * 1000,
      receiveCount: 0,
    });
    return id;
  }

  /** Deletes what retention removes, then returns up to `max` visible messages, now in flight. */
  public receive(url: string, max: number): StoredMessage[] {
    const queue = this.queue(url);
    const now = this.clock.now();
    this.expire(url);
    const received: StoredMessage[] = [];
    for (const message of [...queue.messages]) {
      if (received.length >= max) break;
      if (message.visibleAt > now) continue;
      const redrive = queue.config.redrive;
      if (redrive !== undefined && message.receiveCount >= redrive.maxReceiveCount) {
        queue.messages.splice(queue.messages.indexOf(message), 1);
        message.receiptHandle = undefined;
        this.queue(redrive.deadLetterUrl).messages.push(message);
        continue;
      }
      message.receiveCount += 1;
      message.firstReceiveAt ??= now;
      message.receiptHandle = `${message.id}/${message.receiveCount}`;
      message.visibleAt = now + queue.config.visibilityTimeoutSeconds * 1000;
      received.push(message);
    }
    return received;
  }

  private expire(url: string): void {
    const queue = this.queue(url);
    const retention = (queue.config.retentionSeconds ?? 345_600) * 1000;
    const now = this.clock.now();
    const kept = queue.messages.filter((m) => now - m.sentAt < retention);
    this.expired.get(url)!.push(...queue.messages.filter((m) => now - m.sentAt >= retention));
    queue.messages.splice(0, queue.messages.length, ...kept);
  }

  private inFlight(url: string, receiptHandle: string | undefined): StoredMessage {
    const message = this.queue(url).messages.find(
      (m) => m.receiptHandle !== undefined && m.receiptHandle === receiptHandle,
    );
    if (message === undefined || message.visibleAt <= this.clock.now()) {
      throw sqsError('MessageNotInflight', `The message of receipt handle ${receiptHandle} is not in flight`);
    }
    return message;
  }

  public changeVisibility(url: string, receiptHandle: string | undefined, seconds: number): void {
    if (!Number.isInteger(seconds) || seconds < 0 || seconds > MAX_VISIBILITY_SECONDS) {
      throw sqsError(
        'InvalidParameterValue',
        `VisibilityTimeout ${seconds} is outside 0–${MAX_VISIBILITY_SECONDS}`,
      );
    }
    this.inFlight(url, receiptHandle).visibleAt = this.clock.now() + seconds * 1000;
  }

  public delete(url: string, receiptHandle: string | undefined): void {
    const queue = this.queue(url);
    const index = queue.messages.findIndex(
      (m) => m.receiptHandle !== undefined && m.receiptHandle === receiptHandle,
    );
    // SQS deletes by the latest receipt handle only; an older one is silently ignored.
    if (index >= 0) queue.messages.splice(index, 1);
  }

  /** Messages stored in the queue (visible, delayed or in flight). */
  public messages(url: string): readonly StoredMessage[] {
    this.expire(url);
    return this.queue(url).messages;
  }

  /** When the next message of `url` becomes visible, or `undefined` if the queue is empty. */
  public nextVisibleAt(url: string): number | undefined {
    const times = this.messages(url).map((m) => m.visibleAt);
    return times.length > 0 ? Math.min(...times) : undefined;
  }

  /** A received message as Lambda's event source mapping hands it to the function. */
  public toLambdaRecord(url: string, message: StoredMessage): SQSRecord {
    return {
      messageId: message.id,
      receiptHandle: message.receiptHandle!,
      body: message.body,
      attributes: {
        ApproximateReceiveCount: String(message.receiveCount),
        SentTimestamp: String(message.sentAt),
        SenderId: 'AIDAEXAMPLE',
        ApproximateFirstReceiveTimestamp: String(message.firstReceiveAt),
      },
      messageAttributes: Object.fromEntries(
        Object.entries(message.attributes).map(([name, value]) => [
          name,
          {
            dataType: value.DataType!,
            ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
          },
        ]),
      ),
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: `arn:aws:sqs:eu-west-1:123456789012:${url.split('/').pop()}`,
      awsRegion: 'eu-west-1',
    };
  }

  /**
   * Answers the forwarder's SQS calls from the model. `latencyMs` delays every answer in real time
   * (the abort signal the forwarder passes does not reach a mocked client: it must cut off itself).
   */
  public attach(
    mock: AwsStub<ServiceInputTypes, ServiceOutputTypes, SQSClientResolvedConfig>,
    options: { latencyMs?: number } = {},
  ): void {
    const answer = async <T>(command: string, entries: number, work: () => T): Promise<T> => {
      this.calls.push({ command, entries, at: this.clock.now() });
      if (options.latencyMs !== undefined)
        await new Promise((resolve) => setTimeout(resolve, options.latencyMs));
      return work();
    };
    const checkEntries = (entries: readonly { Id?: string }[] | undefined): void => {
      const ids = (entries ?? []).map((e) => e.Id);
      if (ids.length === 0)
        throw sqsError('EmptyBatchRequest', 'There should be at least one entry in the request');
      if (ids.length > MAX_BATCH_ENTRIES)
        throw sqsError('TooManyEntriesInBatchRequest', `${ids.length} entries`);
      if (new Set(ids).size !== ids.length)
        throw sqsError('BatchEntryIdsNotDistinct', 'Two entries share an Id');
    };
    const each = <E extends { Id?: string }>(entries: readonly E[], work: (entry: E) => void) => {
      const Successful: { Id: string }[] = [];
      const Failed: { Id: string; Code: string; Message: string; SenderFault: boolean }[] = [];
      for (const entry of entries) {
        try {
          work(entry);
          Successful.push({ Id: entry.Id! });
        } catch (err) {
          Failed.push({
            Id: entry.Id!,
            Code: (err as Error).name,
            Message: (err as Error).message,
            SenderFault: true,
          });
        }
      }
      return { Successful, Failed };
    };
    mock.on(SendMessageCommand).callsFake((input) =>
      answer('SendMessage', 1, () => ({
        MessageId: this.send(input.QueueUrl!, input.MessageBody!, {
          delaySeconds: input.DelaySeconds,
          attributes: input.MessageAttributes,
        }),
      })),
    );
    mock.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) =>
      answer('SendMessageBatch', input.Entries?.length ?? 0, () => {
        checkEntries(input.Entries);
        return each(input.Entries!, (e) =>
          this.send(input.QueueUrl!, e.MessageBody!, {
            delaySeconds: e.DelaySeconds,
            attributes: e.MessageAttributes,
          }),
        );
      }),
    );
    mock.on(ChangeMessageVisibilityCommand).callsFake((input) =>
      answer('ChangeMessageVisibility', 1, () => {
        this.changeVisibility(input.QueueUrl!, input.ReceiptHandle, input.VisibilityTimeout!);
        return {};
      }),
    );
    mock
      .on(ChangeMessageVisibilityBatchCommand)
      .callsFake((input: ChangeMessageVisibilityBatchCommandInput) =>
        answer('ChangeMessageVisibilityBatch', input.Entries?.length ?? 0, () => {
          checkEntries(input.Entries);
          return each(input.Entries!, (e) =>
            this.changeVisibility(input.QueueUrl!, e.ReceiptHandle, e.VisibilityTimeout!),
          );
        }),
      );
    mock.on(DeleteMessageCommand).callsFake((input) =>
      answer('DeleteMessage', 1, () => {
        this.delete(input.QueueUrl!, input.ReceiptHandle);
        return {};
      }),
    );
  }
}

/** A Lambda context whose remaining time is `timeoutMs` of real time from now. */
function context(timeoutMs: number): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'forwarder',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:forwarder',
    memoryLimitInMB: '1024',
    awsRequestId: 'model',
    logGroupName: '/aws/lambda/forwarder',
    logStreamName: 'model',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export interface EventSourceOptions {
  readonly queueUrl: string;
  readonly batchSize: number;
  /** The function's timeout, in real ms. */
  readonly timeoutMs: number;
  /** Simulated time each invocation takes. @default 1000 */
  readonly invocationMs?: number;
  /** Called before each invocation with the simulated time (to start or end an outage). */
  readonly beforeInvoke?: (now: number) => void;
}

/** Lambda's SQS event source mapping over the model, one poller (MaximumConcurrency 1). */
export class EventSourceModel {
  public invocations = 0;

  public constructor(
    private readonly model: SqsModel,
    private readonly handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>,
    private readonly options: EventSourceOptions,
  ) {}

  /**
   * Polls until the queue is empty or the simulated clock passes `until`, jumping the clock to the
   * next visible message whenever nothing is visible.
   */
  public async run(until: number): Promise<void> {
    const { model, options } = this;
    const clock = model.clock;
    while (clock.now() <= until) {
      const received = model.receive(options.queueUrl, options.batchSize);
      if (received.length === 0) {
        const next = model.nextVisibleAt(options.queueUrl);
        if (next === undefined || next > until) return;
        clock.advanceTo(next);
        continue;
      }
      options.beforeInvoke?.(clock.now());
      const records = received.map((m) => model.toLambdaRecord(options.queueUrl, m));
      this.invocations += 1;
      const response = await this.handler({ Records: records }, context(options.timeoutMs));
      clock.advance(options.invocationMs ?? 1000);
      const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
      for (const record of records) {
        if (!failed.has(record.messageId)) model.delete(options.queueUrl, record.receiptHandle);
      }
    }
  }
}
