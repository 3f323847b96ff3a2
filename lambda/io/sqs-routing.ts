import type { Logger } from '@aws-lambda-powertools/logger';
import {
  ChangeMessageVisibilityBatchCommand,
  SendMessageBatchCommand,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { HISTORY_ATTRIBUTE } from '../contract/retry-schedule';
import type { ForwarderError } from '../core/errors';

/** SQS's most entries in one batch call. */
export const SQS_BATCH_ENTRIES = 10;
/**
 * Most bytes of bodies and attributes put in one SendMessageBatch: SQS's original batch limit,
 * which every region accepts (a single larger message still goes alone).
 */
export const SQS_BATCH_BYTES = 256 * 1024;
/** Batch calls in flight at once: 600 failed messages settle in a few round trips. */
const PARALLEL_CALLS = 8;
/** The failure reason is kept short in the DLQ message's attributes; the log line has all of it. */
const MAX_REASON_CHARS = 1_000;

/** What a deferred message carries from its earlier attempts (SQS message attributes). */
export interface MessageHistory {
  /** Epoch milliseconds of the original message's first receive. */
  readonly firstReceived: number;
  /** Times the message has been deferred so far. */
  readonly deferrals: number;
  /** Failure class of the last deferral. */
  readonly lastFailure?: string;
}

/** Reads a message's history: its own attributes, else a first receive now. */
export function historyOf(record: SQSRecord, now: number): MessageHistory {
  const attributes = record.messageAttributes ?? {};
  const first = Number(attributes[HISTORY_ATTRIBUTE.firstReceived]?.stringValue);
  const deferrals = Number(attributes[HISTORY_ATTRIBUTE.deferrals]?.stringValue);
  const lastFailure = attributes[HISTORY_ATTRIBUTE.lastFailure]?.stringValue;
  const received = Number(record.attributes?.ApproximateFirstReceiveTimestamp);
  return {
    firstReceived:
      Number.isFinite(first) && first > 0
        ? first
        : Number.isFinite(received) && received > 0
          ? received
          : now,
    deferrals: Number.isInteger(deferrals) && deferrals > 0 ? deferrals : 0,
    ...(lastFailure !== undefined ? { lastFailure } : {}),
  };
}

/** Where one message of the batch goes. */
export type Route =
  /** Every record accepted, or nothing to send: deleted by the event source. */
  | { readonly kind: 'acknowledge' }
  /** Reported failed; hidden for `visibilityTimeout` seconds first when set. */
  | { readonly kind: 'retry'; readonly visibilityTimeout?: number }
  /** Sent to the DLQ with its reason, then acknowledged. */
  | { readonly kind: 'deadLetter'; readonly error: ForwarderError }
  /**
   * Sent again to the source queue as a new message (a continuation, or the same body deferred
   * past an outage) carrying `history`, then acknowledged: its receive count starts again.
   */
  | {
      readonly kind: 'requeue';
      readonly body: string;
      readonly delaySeconds: number;
      readonly history: MessageHistory;
      /** Sent back because of an outage (counted in the deferral metrics), not a continuation. */
      readonly deferral: boolean;
    };

export interface RoutedMessage {
  readonly record: SQSRecord;
  readonly route: Route;
}

/** What {@link MessageRouter.settle} did; `failures` is the batch response's list. */
export interface Settled {
  /** Message ids to report as failed, so the event source leaves them on the queue. */
  readonly failures: readonly string[];
  readonly deadLettered: number;
  readonly requeued: number;
}

export interface MessageRouterProps {
  readonly sqs: SQSClient;
  readonly logger: Logger;
  readonly producer: string;
  /** The notification queue (env SOURCE_QUEUE_URL); without it, no back-off and no requeue. */
  readonly queueUrl?: string;
  /** The DLQ (env DEAD_LETTER_QUEUE_URL); without it, permanent failures are retried like the rest. */
  readonly deadLetterQueueUrl?: string;
}

interface Entry {
  readonly record: SQSRecord;
  readonly route: Route;
  /** Set once SQS confirmed the entry's call. */
  done: boolean;
}

/**
 * Carries out the batch's routes with SQS's batch calls (SendMessageBatch to the DLQ and to the
 * source queue, ChangeMessageVisibilityBatch for back-off), several in parallel, all under one
 * abort signal so the handler returns in time. An entry SQS did not confirm — its call failed,
 * was refused or was cut off by the signal — is reported failed instead: the message stays on the
 * queue and nothing is lost (ARCHITECTURE.md, delivery contract).
 */
export class MessageRouter {
  public constructor(private readonly props: MessageRouterProps) {}

  /** Whether messages can be sent back to the source queue, or hidden on it for a back-off. */
  public get canRequeue(): boolean {
    return this.props.queueUrl !== undefined;
  }

  /** Whether permanent failures can be sent to the DLQ. */
  public get canDeadLetter(): boolean {
    return this.props.deadLetterQueueUrl !== undefined;
  }

  public async settle(messages: readonly RoutedMessage[], signal: AbortSignal): Promise<Settled> {
    const { queueUrl, deadLetterQueueUrl } = this.props;
    const entries: Entry[] = messages.map((m) => ({ ...m, done: m.route.kind === 'acknowledge' }));
    const calls: (() => Promise<void>)[] = [];
    const of = (kind: Route['kind']) => entries.filter((e) => e.route.kind === kind);
    if (deadLetterQueueUrl !== undefined) {
      for (const chunk of chunks(of('deadLetter')))
        calls.push(() => this.send(deadLetterQueueUrl, chunk, signal));
    }
    if (queueUrl !== undefined) {
      for (const chunk of chunks(of('requeue'))) calls.push(() => this.send(queueUrl, chunk, signal));
      const hidden = of('retry').filter(
        (e) => e.route.kind === 'retry' && e.route.visibilityTimeout !== undefined,
      );
      for (const chunk of chunks(hidden)) calls.push(() => this.hide(queueUrl, chunk, signal));
    }
    await runAll(calls, PARALLEL_CALLS);
    return {
      failures: entries.filter((e) => e.route.kind === 'retry' || !e.done).map((e) => e.record.messageId),
      deadLettered: entries.filter((e) => e.route.kind === 'deadLetter' && e.done).length,
      requeued: entries.filter((e) => e.route.kind === 'requeue' && e.done).length,
    };
  }

  private async send(queueUrl: string, chunk: readonly Entry[], signal: AbortSignal): Promise<void> {
    const out = await this.call(chunk, signal, 'Could not send messages to SQS; they stay on the queue', () =>
      this.props.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: chunk.map((entry, i) => ({ Id: String(i), ...this.message(entry) })),
        }),
        { abortSignal: signal },
      ),
    );
    if (out !== undefined) this.confirm(chunk, out.Successful, out.Failed, 'Could not send a message to SQS');
  }

  private async hide(queueUrl: string, chunk: readonly Entry[], signal: AbortSignal): Promise<void> {
    const out = await this.call(
      chunk,
      signal,
      'Could not extend the visibility timeout of failed messages; they are retried sooner',
      () =>
        this.props.sqs.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: queueUrl,
            Entries: chunk.map((entry, i) => ({
              Id: String(i),
              ReceiptHandle: entry.record.receiptHandle,
              VisibilityTimeout: entry.route.kind === 'retry' ? entry.route.visibilityTimeout : undefined,
            })),
          }),
          { abortSignal: signal },
        ),
    );
    if (out !== undefined) {
      this.confirm(
        chunk,
        out.Successful,
        out.Failed,
        'Could not extend the visibility timeout of a failed message',
      );
    }
  }

  /** The message SQS is sent for `entry`: its body and the attributes its route needs. */
  private message(entry: Entry): {
    MessageBody: string;
    DelaySeconds?: number;
    MessageAttributes: Record<string, MessageAttributeValue>;
  } {
    const { route, record } = entry;
    const text = (value: string): MessageAttributeValue => ({ DataType: 'String', StringValue: value });
    if (route.kind === 'deadLetter') {
      return {
        // The original body, so `redrive` can put it back on the source queue as it was.
        MessageBody: record.body,
        MessageAttributes: {
          Producer: text(this.props.producer),
          FailureClass: text(route.error.failureClass),
          FailureReason: text(route.error.message.slice(0, MAX_REASON_CHARS)),
          SourceMessageId: text(record.messageId),
        },
      };
    }
    if (route.kind !== 'requeue') throw new Error(`no message is sent for a ${route.kind} route`);
    const { history } = route;
    return {
      MessageBody: route.body,
      ...(route.delaySeconds > 0 ? { DelaySeconds: route.delaySeconds } : {}),
      MessageAttributes: {
        [HISTORY_ATTRIBUTE.firstReceived]: { DataType: 'Number', StringValue: String(history.firstReceived) },
        [HISTORY_ATTRIBUTE.deferrals]: { DataType: 'Number', StringValue: String(history.deferrals) },
        ...(history.lastFailure !== undefined
          ? { [HISTORY_ATTRIBUTE.lastFailure]: text(history.lastFailure) }
          : {}),
      },
    };
  }

  private async call<T>(
    chunk: readonly Entry[],
    signal: AbortSignal,
    warning: string,
    send: () => Promise<T>,
  ): Promise<T | undefined> {
    if (signal.aborted) {
      this.props.logger.warn(`${warning}: no time left to ask`, {
        messageIds: chunk.map((e) => e.record.messageId),
      });
      return undefined;
    }
    try {
      // Raced against the signal as well: the SDK honours it on the wire, but not while it is
      // still resolving credentials or waiting for a socket.
      return await Promise.race([send(), aborted(signal)]);
    } catch (err) {
      this.props.logger.warn(warning, {
        messageIds: chunk.map((e) => e.record.messageId),
        error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
      });
      return undefined;
    }
  }

  private confirm(
    chunk: readonly Entry[],
    successful: readonly { Id?: string }[] | undefined,
    failed: readonly { Id?: string; Code?: string; Message?: string }[] | undefined,
    warning: string,
  ): void {
    for (const ok of successful ?? []) {
      const entry = chunk[Number(ok.Id)];
      if (entry !== undefined) entry.done = true;
    }
    for (const refused of failed ?? []) {
      const entry = chunk[Number(refused.Id)];
      this.props.logger.warn(warning, {
        messageId: entry?.record.messageId,
        error: `${refused.Code ?? 'Unknown'}: ${refused.Message ?? ''}`,
      });
    }
  }
}

/** Splits entries into batches SQS accepts: at most 10 entries and {@link SQS_BATCH_BYTES} each. */
export function chunks<T extends { readonly record: SQSRecord; readonly route: Route }>(
  entries: readonly T[],
): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size =
      Buffer.byteLength(entry.route.kind === 'requeue' ? entry.route.body : entry.record.body) + 2_048;
    if (current.length === SQS_BATCH_ENTRIES || (current.length > 0 && bytes + size > SQS_BATCH_BYTES)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** Rejects when `signal` aborts. */
function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    const abort = () =>
      reject(
        Object.assign(new Error('cut off: the invocation is about to time out'), { name: 'AbortError' }),
      );
    if (signal.aborted) abort();
    else signal.addEventListener('abort', abort, { once: true });
  });
}

/** Runs `calls` with at most `parallel` in flight; each call handles its own errors. */
async function runAll(calls: readonly (() => Promise<void>)[], parallel: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < calls.length) await calls[next++]!();
  };
  await Promise.all(Array.from({ length: Math.min(parallel, calls.length) }, worker));
}
