import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';

/** Placeholder entry point until the forwarder lands: fails every message so nothing is lost. */
export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  return { batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) };
}
