import type { Logger } from '@aws-lambda-powertools/logger';
import { ChangeMessageVisibilityCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import type { ForwarderError } from '../core/errors';
import { continuationBody, type ContinuationMessage } from './events';

/**
 * Visibility timeout after the first failed receive, doubling with each receive. With the
 * construct's default maxReceiveCount of 5 a message waits 5 + 10 + 20 + 40 + 80 minutes (about
 * 2.5 hours) before reaching the DLQ, so an outage of the Logs Ingestion API of that length loses
 * nothing and does not fill the DLQ.
 */
export const BACKOFF_BASE_SECONDS = 300;
/** SQS's largest visibility timeout: 12 hours. */
export const MAX_VISIBILITY_SECONDS = 43_200;
/** The failure reason is kept short in the DLQ message's attributes; the log line has all of it. */
const MAX_REASON_CHARS = 1_000;

/** Visibility timeout, in seconds, for a message that failed transiently on its `receiveCount`-th receive. */
export function backoffSeconds(receiveCount: number): number {
  const n = Number.isFinite(receiveCount) && receiveCount >= 1 ? Math.floor(receiveCount) : 1;
  return Math.min(BACKOFF_BASE_SECONDS * 2 ** Math.min(n - 1, 16), MAX_VISIBILITY_SECONDS);
}

/** Options of {@link FailureRouter}. */
export interface FailureRouterProps {
  readonly sqs: SQSClient;
  readonly producer: string;
  readonly logger: Logger;
  /** The notification queue (env SOURCE_QUEUE_URL); without it, no back-off. */
  readonly queueUrl?: string;
  /** The DLQ (env DEAD_LETTER_QUEUE_URL); without it, permanent failures are retried like the rest. */
  readonly deadLetterQueueUrl?: string;
}

/**
 * Where a failed message goes next (ARCHITECTURE.md, delivery contract): a permanent failure straight to
 * the DLQ with its reason, instead of `maxReceiveCount` pointless retries; a transient one back to
 * the queue with a visibility timeout that grows with each receive. Either step failing falls back
 * to the plain SQS behaviour (the message is reported failed and retried), so nothing is lost.
 */
export class FailureRouter {
  public constructor(private readonly props: FailureRouterProps) {}

  /**
   * Sends the message, unchanged, to the DLQ with the failure as message attributes.
   * @returns true if it is there (the caller then acknowledges it), false to retry it instead
   */
  public async toDeadLetterQueue(record: SQSRecord, error: ForwarderError): Promise<boolean> {
    const { sqs, deadLetterQueueUrl, producer, logger } = this.props;
    if (deadLetterQueueUrl === undefined) return false;
    try {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: deadLetterQueueUrl,
          // The original body, so `redrive` can put it back on the source queue as it was.
          MessageBody: record.body,
          MessageAttributes: {
            Producer: { DataType: 'String', StringValue: producer },
            FailureClass: { DataType: 'String', StringValue: error.failureClass },
            FailureReason: { DataType: 'String', StringValue: error.message.slice(0, MAX_REASON_CHARS) },
            SourceMessageId: { DataType: 'String', StringValue: record.messageId },
          },
        }),
      );
      return true;
    } catch (err) {
      logger.warn('Could not move a permanently failed message to the DLQ; it will be retried instead', {
        messageId: record.messageId,
        error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
      });
      return false;
    }
  }

  /**
   * Hands the rest of an object to a new message on the source queue (ARCHITECTURE.md: continuation messages), so
   * the next invocation resumes at `nextRecordIndex` instead of re-sending the object from the start.
   * Needs sqs:SendMessage on the source queue.
   * @returns true if the continuation is queued (the caller then acknowledges the original)
   */
  public async continueLater(record: SQSRecord, continuation: ContinuationMessage): Promise<boolean> {
    const { sqs, queueUrl, logger } = this.props;
    if (queueUrl === undefined) return false;
    try {
      await sqs.send(
        new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: continuationBody(continuation) }),
      );
      logger.info('Rest of the object handed to a continuation message', {
        messageId: record.messageId,
        bucket: continuation.object.bucket,
        key: continuation.object.key,
        nextRecordIndex: continuation.nextRecordIndex,
      });
      return true;
    } catch (err) {
      logger.warn('Could not queue a continuation message; the message will be retried whole instead', {
        messageId: record.messageId,
        error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
      });
      return false;
    }
  }

  /** Hides the message for {@link backoffSeconds} of its receive count before it is retried. */
  public async backOff(record: SQSRecord): Promise<void> {
    const { sqs, queueUrl, logger } = this.props;
    if (queueUrl === undefined) return;
    const visibilityTimeout = backoffSeconds(Number(record.attributes?.ApproximateReceiveCount));
    try {
      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl,
          ReceiptHandle: record.receiptHandle,
          VisibilityTimeout: visibilityTimeout,
        }),
      );
    } catch (err) {
      // The queue's own visibility timeout still applies: the retry just comes sooner.
      logger.warn('Could not extend the visibility timeout of a failed message', {
        messageId: record.messageId,
        visibilityTimeout,
        error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
      });
    }
  }
}
