/**
 * `format: 'auto'` through the real handler (issue 13, point 4): one log-archive bucket holding a
 * CloudTrail object (organization trail), a VPC flow log, an ALB access log, a Network Firewall
 * log mixing alert, flow and TLS records, and an object no route matches. Each goes from s3rver
 * through the forwarder to the Logs Ingestion emulator, which declares one stream per output key
 * (`autoOutputKeys()`), each writing to its built-in table when it has one (the emulator refuses to
 * start if a stream's columns do not fit the vendored table). Every row must reach its key's
 * stream; the unmatched object's lines reach `unrouted`, and UnroutedObjects counts it.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ENV } from '../../lambda/contract/environment';
import { autoOutputKeys, columnsOf, type BuiltinTable } from '../../lambda/formats';
import { continuationBody } from '../../lambda/io/events';
import { createDependencies, createHandler } from '../../lambda/pipeline/handler';
import { captureOutput, metricSum, type CapturedOutput } from '../support/capture';
import { lambdaContext, s3Notification, sqsEvent, sqsRecord } from '../support/events';
import { forwarderEnv, IngestionEmulator } from '../support/ingestion-emulator';
import { startS3, type LocalS3 } from '../support/s3-server';

const BUCKET = 'aws-controltower-logs-123456789012-eu-west-1';
const FIXTURES = join(__dirname, '..', 'fixtures', 'aws');
const sample = (path: string) => readFileSync(join(FIXTURES, path), 'utf8');

/** Two DCRs: each key's stream is declared on the first, the flow keys on both (shards). */
const DCR_A = 'dcr-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const DCR_B = 'dcr-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';

const KEYS = autoOutputKeys();
/** A stream name per output key, as the Azure side might name them. */
const streamOf = (key: string) => `Custom-Archive-${key.replace('.', '-')}`;
const OUTPUTS = Object.fromEntries(
  KEYS.map((k) => [
    k.key,
    { streamName: streamOf(k.key), dcrImmutableIds: k.format === 'vpcflow' ? [DCR_A, DCR_B] : [DCR_A] },
  ]),
);

const OBJECTS = {
  cloudtrail: {
    key: 'o-a1b2c3d4e5/AWSLogs/o-a1b2c3d4e5/123456789012/CloudTrail/eu-west-1/2026/01/02/123456789012_CloudTrail_eu-west-1_20260102T0305Z_AbCdEfGhIjKlMnOp.json.gz',
    body: gzipSync(sample('cloudtrail/cloudtrail_log.json')),
  },
  vpcflow: {
    key: 'o-a1b2c3d4e5/AWSLogs/123456789012/vpcflowlogs/eu-west-1/2026/01/02/123456789012_vpcflowlogs_eu-west-1_fl-1234abcd_20260102T0305Z_fe123456.log.gz',
    body: gzipSync(sample('vpcflow/valid_vpc_flow_log_multi.log')),
  },
  alb: {
    key: 'o-a1b2c3d4e5/AWSLogs/123456789012/elasticloadbalancing/eu-west-1/2026/01/02/123456789012_elasticloadbalancing_eu-west-1_app.my-loadbalancer.50dc6c495c0c9188_20260102T0305Z_10.0.0.1_2a3b4c5d.log.gz',
    body: gzipSync(sample('alb/alb_al_valid_logs.log')),
  },
  firewall: {
    key: 'o-a1b2c3d4e5/AWSLogs/123456789012/network-firewall/alert/eu-west-1/fw/2026/01/02/03/123456789012_network-firewall_alert_eu-west-1_fw_202601020305_a1b2c3d4.log.gz',
    body: gzipSync(
      ['network-firewall/alert_log.json', 'network-firewall/flow_log.json', 'network-firewall/tls_log.json']
        .map((file) => {
          const text = sample(file).trim();
          return text.startsWith('{\n') ? JSON.stringify(JSON.parse(text)) : text;
        })
        .join('\n'),
    ),
  },
  unmatched: {
    key: 'exports/legacy-app/2026-01-02.log',
    body: Buffer.from(
      '2026-01-02T03:04:05Z started\n\n2026-01-02T03:04:06Z user=alice login ok\nno newline at end',
    ),
  },
} as const;

let s3: LocalS3;
let emulator: IngestionEmulator;
let output: CapturedOutput;

beforeAll(async () => {
  // Plus a stream for the producer route of the last test (ndjson).
  const streams = {
    ...Object.fromEntries(KEYS.map((k) => [streamOf(k.key), k.columns])),
    [streamOf('ndjson')]: columnsOf('ndjson'),
  };
  const outputTables: Record<string, BuiltinTable> = Object.fromEntries(
    KEYS.flatMap((k) => (k.builtinTable !== undefined ? [[streamOf(k.key), k.builtinTable]] : [])),
  );
  [s3, emulator] = await Promise.all([
    startS3([BUCKET]),
    IngestionEmulator.start({ dcrImmutableIds: [DCR_A, DCR_B], streams, outputTables }),
  ]);
});
afterAll(async () => {
  await Promise.all([s3?.close(), emulator?.close()]);
});
beforeEach(() => {
  emulator.reset();
  output = captureOutput();
});
afterEach(() => output.restore());

function handler(routes?: unknown) {
  const outputs =
    routes === undefined
      ? OUTPUTS
      : { ...OUTPUTS, ndjson: { streamName: streamOf('ndjson'), dcrImmutableIds: [DCR_A] } };
  return createHandler(() =>
    createDependencies({
      env: forwarderEnv(emulator, streamOf('cloudtrail'), {
        [ENV.producerName]: 'log-archive',
        [ENV.format]: 'auto',
        [ENV.dcrImmutableId]: DCR_A,
        [ENV.dcrOutputs]: JSON.stringify(outputs),
        ...(routes !== undefined ? { [ENV.formatRoutes]: JSON.stringify(routes) } : {}),
      }),
      s3: s3.client,
      sqs: new SQSClient({ region: 'eu-west-1' }),
      credential: emulator.credential,
      clientOptions: emulator.clientOptions(),
      safetyMarginMs: 2_000,
    }),
  );
}

/** Rows of output key `key` read from S3 key `s3Key`, by RecordIndex. */
function rowsOf(key: string, s3Key: string): Record<string, unknown>[] {
  return emulator
    .rows(streamOf(key))
    .filter((r) => r.S3Key === s3Key)
    .sort((a, b) => (a.RecordIndex as number) - (b.RecordIndex as number));
}

async function putAll(): Promise<void> {
  for (const { key, body } of Object.values(OBJECTS)) await s3.put(BUCKET, key, body);
}

describe('format auto through the handler', () => {
  test('one bucket: every object to its format, every row to its stream, the rest to unrouted', async () => {
    // GIVEN a log-archive bucket with five objects of five kinds
    await putAll();
    // WHEN one message notifies all of them
    const event = sqsEvent(
      sqsRecord(s3Notification(...Object.values(OBJECTS).map(({ key }) => ({ bucket: BUCKET, key })))),
    );
    const response = await handler()(event, lambdaContext());

    // THEN it is acknowledged, and each row arrived once, on its output key's stream
    expect(response).toStrictEqual({ batchItemFailures: [] });
    const indexes = (key: string, s3Key: string) => rowsOf(key, s3Key).map((r) => r.RecordIndex);
    expect(indexes('cloudtrail', OBJECTS.cloudtrail.key)).toStrictEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(indexes('vpcflow', OBJECTS.vpcflow.key)).toStrictEqual([0, 1]);
    expect(indexes('alb', OBJECTS.alb.key)).toStrictEqual([0, 1]);
    expect(indexes('networkfirewall.alert', OBJECTS.firewall.key)).toStrictEqual([0]);
    expect(indexes('networkfirewall.flow', OBJECTS.firewall.key)).toStrictEqual([1]);
    expect(indexes('networkfirewall.tls', OBJECTS.firewall.key)).toStrictEqual([2]);
    expect(rowsOf('unrouted', OBJECTS.unmatched.key).map((r) => [r.RecordIndex, r.Message])).toStrictEqual([
      [0, '2026-01-02T03:04:05Z started'],
      [1, '2026-01-02T03:04:06Z user=alice login ok'],
      [2, 'no newline at end'],
    ]);
    // Parsed by their formats: the typed columns of each table are filled.
    expect(rowsOf('cloudtrail', OBJECTS.cloudtrail.key)[0]).toHaveProperty('EventName');
    expect(rowsOf('alb', OBJECTS.alb.key)[0]).toHaveProperty('ElbStatusCode');

    // No row anywhere else: every stream holds only the rows above.
    const total = KEYS.reduce((sum, k) => sum + emulator.rows(streamOf(k.key)).length, 0);
    expect(total).toBe(7 + 2 + 2 + 3 + 3);
    // Each request went to a DCR of its key.
    for (const request of emulator.requests.filter((r) => r.status === 204)) {
      const key = KEYS.find((k) => streamOf(k.key) === request.stream)!.key;
      expect(OUTPUTS[key].dcrImmutableIds).toContain(request.dcrImmutableId);
    }

    // The unmatched object is logged once, with the fix, and counted once.
    const warnings = output.logs().filter((l) => String(l.message).startsWith('No route matched key'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 'WARN', key: OBJECTS.unmatched.key, bucket: BUCKET });
    expect(warnings[0].message).toContain('add a route naming its format');
    expect(metricSum(output.metrics(), 'UnroutedObjects')).toBe(1);
    expect(metricSum(output.metrics(), 'ObjectsDelivered')).toBe(5);
    expect(metricSum(output.metrics(), 'MalformedLines')).toBe(0);
    // "Object delivered" names the format each object was parsed with.
    const delivered = output.logs().filter((l) => l.message === 'Object delivered');
    expect(Object.fromEntries(delivered.map((l) => [l.key, l.format]))).toStrictEqual({
      [OBJECTS.cloudtrail.key]: 'cloudtrail',
      [OBJECTS.vpcflow.key]: 'vpcflow',
      [OBJECTS.alb.key]: 'alb',
      [OBJECTS.firewall.key]: 'networkfirewall',
      [OBJECTS.unmatched.key]: 'unrouted',
    });
  });

  test('a continuation re-routes its object to the same format and streams', async () => {
    await putAll();
    // WHEN a continuation of the CloudTrail object and one of the firewall object arrive
    const continuation = (object: { key: string }, nextRecordIndex: number) =>
      sqsRecord(
        continuationBody({
          object: { bucket: BUCKET, key: object.key, eventTime: '2026-01-02T03:10:00.000Z' },
          nextRecordIndex,
        }),
      );
    const response = await handler()(
      sqsEvent(
        continuation(OBJECTS.cloudtrail, 4),
        continuation(OBJECTS.firewall, 1),
        continuation(OBJECTS.unmatched, 2),
      ),
      lambdaContext(),
    );
    // THEN only the rest of each is sent, to the same streams as a whole delivery
    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect(rowsOf('cloudtrail', OBJECTS.cloudtrail.key).map((r) => r.RecordIndex)).toStrictEqual([4, 5, 6]);
    expect(rowsOf('networkfirewall.alert', OBJECTS.firewall.key)).toStrictEqual([]);
    expect(rowsOf('networkfirewall.flow', OBJECTS.firewall.key).map((r) => r.RecordIndex)).toStrictEqual([1]);
    expect(rowsOf('networkfirewall.tls', OBJECTS.firewall.key).map((r) => r.RecordIndex)).toStrictEqual([2]);
    expect(rowsOf('unrouted', OBJECTS.unmatched.key).map((r) => r.Message)).toStrictEqual([
      'no newline at end',
    ]);
  });

  test('a producer route takes an object the defaults leave unrouted', async () => {
    await s3.put(BUCKET, 'apps/orders/1.ndjson', '{"order":1,"time":"2026-01-02T03:04:05Z"}\n{"order":2}\n');
    const response = await handler([{ match: '^apps/', format: 'ndjson', description: 'application logs' }])(
      sqsEvent(sqsRecord(s3Notification({ bucket: BUCKET, key: 'apps/orders/1.ndjson' }))),
      lambdaContext(),
    );
    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect(rowsOf('ndjson', 'apps/orders/1.ndjson').map((r) => r.Record)).toStrictEqual([
      { order: 1, time: '2026-01-02T03:04:05Z' },
      { order: 2 },
    ]);
    expect(rowsOf('unrouted', 'apps/orders/1.ndjson')).toStrictEqual([]);
    expect(metricSum(output.metrics(), 'UnroutedObjects')).toBe(0);
  });
});
