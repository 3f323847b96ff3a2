/**
 * Unit tests of the handler over its production wiring (`createDependencies`) that need no server:
 * the messages fail before any object is read or any row is sent, so S3, Entra ID and the Logs
 * Ingestion API are never reached (the stubs below throw if they were) and SQS is mocked.
 * The forwarder's integration tests, against s3rver and the emulator, are in test/integration/forwarder/.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { ENV } from '../../../lambda/contract/environment';
import { createDependencies, createHandler } from '../../../lambda/pipeline/handler';
import { captureOutput, type CapturedOutput } from '../../support/capture';
import { lambdaContext, s3TestEvent, sqsEvent, sqsRecord } from '../../support/events';

const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/s3-to-sentinel-app-logs';
const DLQ_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/s3-to-sentinel-app-logs-dlq';
const sqsMock = mockClient(SQSClient);
let output: CapturedOutput;

beforeEach(() => {
  sqsMock.reset();
  output = captureOutput();
});
afterEach(() => output.restore());

/** The environment the construct gives the forwarder for one ndjson producer. */
function env(overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    [ENV.producerName]: 'app-logs',
    [ENV.format]: 'ndjson',
    [ENV.tenantId]: '00000000-0000-0000-0000-000000000001',
    [ENV.clientId]: '00000000-0000-0000-0000-000000000002',
    // Never contacted (port 9, discard): no message here gets as far as an upload.
    [ENV.logsIngestionEndpoint]: 'https://127.0.0.1:9',
    [ENV.dcrImmutableId]: 'dcr-00000000000000000000000000000000',
    [ENV.streamName]: 'Custom-AppLogs',
    [ENV.authMode]: 'secret',
    [ENV.clientSecretParameter]: '/s3-to-sentinel/app-logs/client-secret',
    ...overrides,
  };
}

const unreachable = (what: string) => () => {
  throw new Error(`${what} reached in a unit test of the handler`);
};

function makeHandler(options: { envOverrides?: Record<string, string> } = {}) {
  return createHandler(() =>
    createDependencies({
      env: env(options.envOverrides),
      s3: new S3Client({ region: 'eu-west-1' }),
      ssm: new SSMClient({ region: 'eu-west-1' }),
      sqs: new SQSClient({ region: 'eu-west-1' }),
      credential: { getToken: unreachable('Entra ID') },
      openObject: unreachable('S3'),
    }),
  );
}

describe('forwarder handler', () => {
  test('fails every message, naming the variables, when the environment is incomplete', async () => {
    const handler = makeHandler({ envOverrides: { [ENV.tenantId]: '' } });
    await expect(handler(sqsEvent(sqsRecord(s3TestEvent())), lambdaContext())).rejects.toThrow(
      /AZURE_TENANT_ID is not set/,
    );
  });

  describe('with the queue URLs the construct sets', () => {
    const queues = { [ENV.queueUrl]: QUEUE_URL, [ENV.deadLetterQueueUrl]: DLQ_URL };

    test('reports a permanent failure as failed if the DLQ refuses it, so it is retried rather than lost', async () => {
      sqsMock
        .on(SendMessageBatchCommand)
        .rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));
      const response = await makeHandler({ envOverrides: queues })(
        sqsEvent(sqsRecord('not json', 'poison')),
        lambdaContext(),
      );
      expect(response).toStrictEqual({ batchItemFailures: [{ itemIdentifier: 'poison' }] });
      expect(
        output
          .logs()
          .some((l) => l.level === 'WARN' && (l.messageIds as string[] | undefined)?.includes('poison')),
      ).toBe(true);
    });
  });
});
