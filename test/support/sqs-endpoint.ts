/**
 * An HTTPS endpoint speaking Amazon SQS's JSON protocol (awsJson1_0: `POST /` with
 * `X-Amz-Target: AmazonSQS.<Operation>`, `Content-Type: application/x-amz-json-1.0`) in front of an
 * {@link SqsModel}, so that a forwarder in another process, with its production SQS client, reaches
 * the model. The queue URLs are this endpoint's own (`https://127.0.0.1:<port>/<account>/<name>`):
 * the SDK sends each call to its QueueUrl's host, so no endpoint override is needed, only trust
 * in the endpoint's throwaway certificate (`NODE_EXTRA_CA_CERTS` in the child's environment).
 *
 * It answers the calls the forwarder makes (SendMessage(Batch), ChangeMessageVisibility(Batch),
 * DeleteMessage(Batch)); receiving is the event source's work and happens in-process on the model.
 * Request signatures are not checked.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import { selfSignedCertificate } from './self-signed-certificate';
import type { SqsModel } from './sqs-model';

/** A running endpoint; stop with `close`. */
export interface SqsEndpoint {
  /** `https://127.0.0.1:<port>` */
  readonly endpoint: string;
  /** PEM of the endpoint's self-signed certificate, for `NODE_EXTRA_CA_CERTS`. */
  readonly ca: string;
  /** The URL of queue `name` on this endpoint (create it on the model under this URL). */
  queueUrl(name: string): string;
  /** Every call answered, by operation, with its entry count and outcome. */
  readonly calls: { operation: string; entries: number; failed: number; at: number }[];
  close(): Promise<void>;
}

const ACCOUNT = '123456789012';
const MAX_BATCH_ENTRIES = 10;

/** An SQS error as the JSON protocol carries it (with the query-compatible code header). */
class SqsFault extends Error {
  public constructor(
    public readonly code: string,
    message: string,
    public readonly queryCode: string = code,
    public readonly status = 400,
  ) {
    super(message);
  }
}

const md5 = (text: string): string => createHash('md5').update(text, 'utf8').digest('hex');

interface Entry {
  readonly Id?: string;
}

/** Checks a batch's entries as SQS does. */
function checkEntries(entries: readonly Entry[] | undefined): readonly Entry[] {
  const ids = (entries ?? []).map((e) => e.Id);
  if (ids.length === 0) {
    throw new SqsFault(
      'EmptyBatchRequest',
      'There should be at least one SendMessageBatchRequestEntry in the request.',
      'AWS.SimpleQueueService.EmptyBatchRequest',
    );
  }
  if (ids.length > MAX_BATCH_ENTRIES) {
    throw new SqsFault(
      'TooManyEntriesInBatchRequest',
      `Maximum number of entries per request are ${MAX_BATCH_ENTRIES}. You have sent ${ids.length}.`,
      'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
    );
  }
  if (new Set(ids).size !== ids.length) {
    throw new SqsFault(
      'BatchEntryIdsNotDistinct',
      'Two or more batch entries in the request have the same Id.',
      'AWS.SimpleQueueService.BatchEntryIdsNotDistinct',
    );
  }
  return entries!;
}

/** Runs `work` per entry, collecting SQS's Successful/Failed lists. */
function each<E extends Entry>(
  entries: readonly E[],
  work: (entry: E) => Record<string, unknown>,
): { Successful: Record<string, unknown>[]; Failed: Record<string, unknown>[] } {
  const Successful: Record<string, unknown>[] = [];
  const Failed: Record<string, unknown>[] = [];
  for (const entry of entries) {
    try {
      Successful.push({ Id: entry.Id, ...work(entry) });
    } catch (err) {
      Failed.push({
        Id: entry.Id,
        Code: (err as Error).name,
        Message: (err as Error).message,
        SenderFault: true,
      });
    }
  }
  return { Successful, Failed };
}

interface SendEntry extends Entry {
  readonly MessageBody?: string;
  readonly DelaySeconds?: number;
  readonly MessageAttributes?: Record<string, MessageAttributeValue>;
}

interface VisibilityEntry extends Entry {
  readonly ReceiptHandle?: string;
  readonly VisibilityTimeout?: number;
}

/** Starts the endpoint on 127.0.0.1, a random port. */
export async function startSqsEndpoint(model: SqsModel): Promise<SqsEndpoint> {
  // Its own subject: a forwarder process trusts it beside the ingestion emulator's.
  const { key, cert } = selfSignedCertificate('sqs-endpoint.local', 'IP:127.0.0.1', 'SQS endpoint');
  const calls: SqsEndpoint['calls'] = [];

  const send = (url: string, entry: SendEntry): Record<string, unknown> => {
    const body = entry.MessageBody ?? '';
    return {
      MessageId: model.send(url, body, {
        ...(entry.DelaySeconds !== undefined ? { delaySeconds: entry.DelaySeconds } : {}),
        ...(entry.MessageAttributes !== undefined ? { attributes: entry.MessageAttributes } : {}),
      }),
      MD5OfMessageBody: md5(body),
    };
  };
  const operations: Record<string, (input: Record<string, unknown>) => { out: object; entries: number }> = {
    SendMessage: (input) => ({ out: send(queue(input), input as SendEntry), entries: 1 }),
    SendMessageBatch: (input) => {
      const url = queue(input);
      const entries = checkEntries(input.Entries as SendEntry[]) as SendEntry[];
      return { out: each(entries, (e) => send(url, e)), entries: entries.length };
    },
    ChangeMessageVisibility: (input) => {
      model.changeVisibility(
        queue(input),
        input.ReceiptHandle as string | undefined,
        input.VisibilityTimeout as number,
      );
      return { out: {}, entries: 1 };
    },
    ChangeMessageVisibilityBatch: (input) => {
      const url = queue(input);
      const entries = checkEntries(input.Entries as VisibilityEntry[]) as VisibilityEntry[];
      return {
        out: each(entries, (e) => {
          model.changeVisibility(url, e.ReceiptHandle, e.VisibilityTimeout as number);
          return {};
        }),
        entries: entries.length,
      };
    },
    DeleteMessage: (input) => {
      model.delete(queue(input), input.ReceiptHandle as string | undefined);
      return { out: {}, entries: 1 };
    },
    DeleteMessageBatch: (input) => {
      const url = queue(input);
      const entries = checkEntries(input.Entries as VisibilityEntry[]) as VisibilityEntry[];
      return {
        out: each(entries, (e) => {
          model.delete(url, e.ReceiptHandle);
          return {};
        }),
        entries: entries.length,
      };
    },
  };
  // The model throws QueueDoesNotExist for an unknown URL; checked here first to answer SQS's code.
  function queue(input: Record<string, unknown>): string {
    const url = input.QueueUrl;
    if (typeof url !== 'string') throw new SqsFault('MissingParameter', 'QueueUrl is required');
    try {
      model.messages(url);
    } catch {
      throw new SqsFault(
        'QueueDoesNotExist',
        'The specified queue does not exist.',
        'AWS.SimpleQueueService.NonExistentQueue',
      );
    }
    return url;
  }

  const answer = (res: ServerResponse, status: number, body: object, headers = {}): void => {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', ...headers });
    res.end(JSON.stringify(body));
  };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.startsWith('AmazonSQS.') ? target.slice('AmazonSQS.'.length) : '';
    try {
      const run = operations[operation];
      if (req.method !== 'POST' || run === undefined) {
        throw new SqsFault(
          'InvalidAction',
          `The action ${target || req.method} is not valid for this endpoint.`,
        );
      }
      const { out, entries } = run(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'));
      const failed = (out as { Failed?: unknown[] }).Failed?.length ?? 0;
      calls.push({ operation, entries, failed, at: Date.now() });
      answer(res, 200, out);
    } catch (err) {
      const fault =
        err instanceof SqsFault
          ? err
          : new SqsFault((err as Error).name || 'InternalError', (err as Error).message);
      calls.push({ operation, entries: 0, failed: -1, at: Date.now() });
      answer(
        res,
        fault.status,
        { __type: `com.amazonaws.sqs#${fault.code}`, message: fault.message },
        { 'x-amzn-query-error': `${fault.queryCode};Sender` },
      );
    }
  };

  const server: Server = createServer({ key, cert }, (req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const endpoint = `https://127.0.0.1:${port}`;
  return {
    endpoint,
    ca: cert,
    queueUrl: (name) => `${endpoint}/${ACCOUNT}/${name}`,
    calls,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
