/**
 * Runs the esbuild bundle that ships (dist/lambda-bundle/forwarder/index.js, built by jest's
 * globalSetup) rather than the TypeScript sources: what esbuild drops or mangles shows up here.
 */
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ENV } from '../../lambda/contract/environment';
import { columnsOf } from '../../lambda/formats';
import type * as Forwarder from '../../lambda/pipeline/handler';
import { captureOutput, type CapturedOutput } from '../support/capture';
import { lambdaContext, s3Notification, sqsEvent, sqsRecord } from '../support/events';
import { IngestionEmulator } from '../support/ingestion-emulator';
import { startS3, type LocalS3 } from '../support/s3-server';

const BUNDLE = join(__dirname, '..', '..', 'dist', 'lambda-bundle', 'forwarder', 'index.js');
const STREAM = 'Custom-AppLogs';

let s3: LocalS3;
let emulator: IngestionEmulator;
let output: CapturedOutput;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const bundle = require(BUNDLE) as typeof Forwarder;

beforeAll(async () => {
  [s3, emulator] = await Promise.all([
    startS3(['logs']),
    IngestionEmulator.start({ streams: { [STREAM]: columnsOf('ndjson') } }),
  ]);
});
afterAll(async () => {
  await Promise.all([s3.close(), emulator.close()]);
});
beforeEach(() => {
  output = captureOutput();
});
afterEach(() => output.restore());

describe('bundled forwarder', () => {
  test("exports the Lambda entry point 'handler' (the construct's index.handler)", () => {
    expect(typeof bundle.handler).toBe('function');
  });

  test('its entry point fails loudly, naming the variables, without the construct environment', async () => {
    await expect(bundle.handler(sqsEvent(sqsRecord('{}')), lambdaContext())).rejects.toThrow(
      /PRODUCER_NAME is not set/,
    );
  });

  test('delivers a gzip object end to end through its own parsers, uploader and Azure SDK', async () => {
    // GIVEN
    const lines = Array.from({ length: 500 }, (_, i) => JSON.stringify({ seq: i })).join('\n');
    const { eTag } = await s3.put('logs', 'bundle/test.json.gz', gzipSync(lines));
    const handler = bundle.createHandler(
      bundle.createDependencies({
        env: {
          [ENV.producerName]: 'app-logs',
          [ENV.format]: 'ndjson',
          [ENV.tenantId]: 'tenant',
          [ENV.clientId]: 'client',
          [ENV.logsIngestionEndpoint]: emulator.endpoint,
          [ENV.dcrImmutableId]: emulator.dcrImmutableId,
          [ENV.streamName]: STREAM,
          [ENV.clientSecretParameter]: '/unused/with/an/injected/credential',
        },
        s3: s3.client,
        credential: emulator.credential,
        clientOptions: emulator.clientOptions(),
      }),
    );
    // WHEN
    const response = await handler(
      sqsEvent(sqsRecord(s3Notification({ bucket: 'logs', key: 'bundle/test.json.gz', eTag }), 'b1')),
      lambdaContext(),
    );
    // THEN
    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect(emulator.rows(STREAM)).toHaveLength(500);
    expect(
      output.logs().some((l) => l.message === 'Object delivered' && l.key === 'bundle/test.json.gz'),
    ).toBe(true);
  });
});
