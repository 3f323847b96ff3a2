/**
 * The SQS endpoint against the unmodified `@aws-sdk/client-sqs`: the calls the forwarder makes reach
 * the model over the JSON protocol, and SQS's errors come back as the SDK's typed exceptions, so
 * the drain benchmark's forwarder processes see what they would see from SQS.
 */
import { Agent } from 'node:https';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  QueueDoesNotExist,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  TooManyEntriesInBatchRequest,
} from '@aws-sdk/client-sqs';
import { startSqsEndpoint, type SqsEndpoint } from '../support/sqs-endpoint';
import { SimClock, SqsModel } from '../support/sqs-model';

let clock: SimClock;
let model: SqsModel;
let endpoint: SqsEndpoint;
let sqs: SQSClient;
let queueUrl: string;

beforeAll(async () => {
  clock = new SimClock();
  model = new SqsModel(clock);
  endpoint = await startSqsEndpoint(model);
  queueUrl = endpoint.queueUrl('forwarder');
  model.createQueue({ url: queueUrl, visibilityTimeoutSeconds: 30 });
  sqs = new SQSClient({
    region: 'eu-west-1',
    // The forwarder relies on the QueueUrl's host instead; set here only to keep the SDK quiet.
    endpoint: endpoint.endpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
    requestHandler: { httpsAgent: new Agent({ ca: endpoint.ca }) },
  });
});
afterAll(async () => {
  sqs.destroy();
  await endpoint.close();
});

describe('SQS endpoint', () => {
  test('sends a batch to the model, with delays and attributes', async () => {
    // GIVEN / WHEN
    const out = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: [
          { Id: 'a', MessageBody: 'first' },
          {
            Id: 'b',
            MessageBody: 'second',
            DelaySeconds: 60,
            MessageAttributes: { resumeAt: { DataType: 'Number', StringValue: '42' } },
          },
        ],
      }),
    );

    // THEN
    expect(out.Successful?.map((s) => s.Id)).toStrictEqual(['a', 'b']);
    expect(out.Failed ?? []).toStrictEqual([]);
    const [first, second] = model.messages(queueUrl).slice(-2);
    expect(first).toMatchObject({ body: 'first', visibleAt: clock.now() });
    expect(second).toMatchObject({
      body: 'second',
      visibleAt: clock.now() + 60_000,
      attributes: { resumeAt: { DataType: 'Number', StringValue: '42' } },
    });
  });

  test('changes visibility and deletes by receipt handle', async () => {
    // GIVEN
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'x' }));
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'y' }));
    const [x, y] = model.receive(queueUrl, 10).filter((m) => m.body === 'x' || m.body === 'y');

    // WHEN
    await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: [{ Id: 'x', ReceiptHandle: x.receiptHandle, VisibilityTimeout: 5 }],
      }),
    );
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: [{ Id: 'y', ReceiptHandle: y.receiptHandle }],
      }),
    );

    // THEN
    expect(model.messages(queueUrl).find((m) => m.id === x.id)?.visibleAt).toBe(clock.now() + 5_000);
    expect(model.messages(queueUrl).some((m) => m.id === y.id)).toBe(false);
    expect(endpoint.calls.map((c) => c.operation)).toEqual(
      expect.arrayContaining(['ChangeMessageVisibilityBatch', 'DeleteMessageBatch']),
    );
  });

  test('fails with QueueDoesNotExist for a queue the model does not have', async () => {
    await expect(
      sqs.send(new DeleteMessageCommand({ QueueUrl: endpoint.queueUrl('missing'), ReceiptHandle: 'r' })),
    ).rejects.toBeInstanceOf(QueueDoesNotExist);
  });

  test('fails with TooManyEntriesInBatchRequest past ten entries', async () => {
    const entries = Array.from({ length: 11 }, (_, i) => ({ Id: `e${i}`, MessageBody: String(i) }));
    await expect(
      sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries })),
    ).rejects.toBeInstanceOf(TooManyEntriesInBatchRequest);
  });
});
