/**
 * Delivery and provenance: the real handler reads objects from s3rver and the Logs Ingestion
 * emulator accepts their rows (every record, with bucket, key and index), whatever the event shape,
 * the compression, the size of a record or of the object, and the format (CloudTrail).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ENV } from '../../../lambda/contract/environment';
import { metricSum } from '../../support/capture';
import {
  eventBridgeEvent,
  lambdaContext,
  s3Notification,
  s3TestEvent,
  snsWrapped,
  sqsEvent,
  sqsRecord,
} from '../../support/events';
import {
  BUCKET,
  CLOUDTRAIL_STREAM,
  emulator,
  FIXTURES,
  makeHandler,
  ndjson,
  output,
  putObject,
  rowsOf,
  useForwarderHarness,
} from '../../support/forwarder-harness';

useForwarderHarness();

describe('forwarder handler', () => {
  test('delivers every line of a gzip object named by an S3 notification, with provenance', async () => {
    // GIVEN a gzip NDJSON object whose key needs URL-decoding
    const object = await putObject('app/2026/11/28/part one+two.json.gz', gzipSync(ndjson(250)));
    const handler = makeHandler();
    // WHEN
    const response = await handler(sqsEvent(sqsRecord(s3Notification(object), 'm1')), lambdaContext());
    // THEN
    expect(response).toStrictEqual({ batchItemFailures: [] });
    const rows = rowsOf(object.key);
    expect(rows).toHaveLength(250);
    expect(rows.map((r) => r.RecordIndex).sort((a, b) => Number(a) - Number(b))).toStrictEqual(
      Array.from({ length: 250 }, (_, i) => i),
    );
    expect(rows.find((r) => r.RecordIndex === 7)).toMatchObject({
      S3Bucket: BUCKET,
      S3Key: 'app/2026/11/28/part one+two.json.gz',
      S3EventTime: '2026-11-28T10:00:00.000Z',
      Record: { seq: 7, msg: 'event 7' },
    });
    expect(new Set(rows.map((r) => r.RecordId)).size).toBe(250);
    expect(metricSum(output.metrics(), 'RecordsDelivered')).toBe(250);
    expect(metricSum(output.metrics(), 'ObjectsDelivered')).toBe(1);
    expect(metricSum(output.metrics(), 'IngestionLag')).toBeGreaterThan(0);
  });

  test('reads several records per message, SNS-wrapped notifications and EventBridge events', async () => {
    const a = await putObject('multi/a.json', ndjson(3));
    const b = await putObject('multi/b c.json', ndjson(4));
    const c = await putObject('multi/c.json', ndjson(5));
    const d = await putObject('multi/d.json', ndjson(6));
    const response = await makeHandler()(
      sqsEvent(
        sqsRecord(s3Notification(a, b), 'two-records'),
        sqsRecord(snsWrapped(s3Notification(c)), 'sns'),
        sqsRecord(eventBridgeEvent(d), 'eventbridge'),
      ),
      lambdaContext(),
    );
    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect([a, b, c, d].map((o) => rowsOf(o.key).length)).toStrictEqual([3, 4, 5, 6]);
  });

  test('acknowledges and counts test events and non-create events without retrying them', async () => {
    const response = await makeHandler()(
      sqsEvent(
        sqsRecord(s3TestEvent(BUCKET), 'test-event'),
        sqsRecord(
          s3Notification({ bucket: BUCKET, key: 'deleted.json', eventName: 'ObjectRemoved:Delete' }),
          'removed',
        ),
      ),
      lambdaContext(),
    );
    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect(metricSum(output.metrics(), 'TestEvents')).toBe(1);
    expect(metricSum(output.metrics(), 'SkippedEvents')).toBe(1);
    expect(emulator.requests).toHaveLength(0);
  });

  test('isolates a malformed line among 10,000 and delivers the rest, logging key and line number', async () => {
    const lines = ndjson(10_000).split('\n');
    lines[4321] = '{"truncated": ';
    const object = await putObject('bulk/ten-thousand.json.gz', gzipSync(lines.join('\n')));
    const response = await makeHandler()(sqsEvent(sqsRecord(s3Notification(object))), lambdaContext());
    expect(response).toStrictEqual({ batchItemFailures: [] });
    const rows = rowsOf(object.key);
    expect(rows).toHaveLength(9_999);
    expect(rows.some((r) => r.RecordIndex === 4321)).toBe(false);
    const warning = output.logs().find((l) => l.level === 'WARN' && l.lineNumber !== undefined);
    expect(warning).toMatchObject({ bucket: BUCKET, key: object.key, lineNumber: 4322, recordIndex: 4321 });
    expect(metricSum(output.metrics(), 'MalformedLines')).toBe(1);
    expect(metricSum(output.metrics(), 'RecordsDelivered')).toBe(9_999);
  });

  test('sends a single record over 1 MB truncated, reports it with key and index, and never provokes a 413', async () => {
    const big = JSON.stringify({ seq: 1, blob: 'x'.repeat(1_100_000) });
    const object = await putObject('big/one-huge-record.json', [ndjson(1), big, ndjson(1, 2)].join('\n'));
    const response = await makeHandler()(sqsEvent(sqsRecord(s3Notification(object))), lambdaContext());
    expect(response).toStrictEqual({ batchItemFailures: [] });
    const rows = rowsOf(object.key);
    expect(rows.map((r) => r.RecordIndex)).toStrictEqual([0, 1, 2]);
    expect(rows[1]).toMatchObject({
      S3Bucket: BUCKET,
      S3Key: object.key,
      OriginalRecordBytes: expect.any(Number),
    });
    expect(String(rows[1].TruncatedRecord)).toContain('"Record":{"seq":1,"blob":"xxx');
    expect(emulator.requests.every((r) => r.status === 204)).toBe(true);
    const warning = output.logs().find((l) => l.level === 'WARN' && l.recordBytes !== undefined);
    expect(warning).toMatchObject({ bucket: BUCKET, key: object.key, recordIndex: 1 });
    expect(String(warning?.message)).toContain('sent truncated');
    expect(metricSum(output.metrics(), 'OversizedRecords')).toBe(1);
  });

  test('keeps every request at or under 1 MB for a large object, so the API never answers 413', async () => {
    const object = await putObject('big/many.json.gz', gzipSync(ndjson(40_000)));
    const response = await makeHandler()(sqsEvent(sqsRecord(s3Notification(object))), lambdaContext());
    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect(rowsOf(object.key)).toHaveLength(40_000);
    expect(emulator.requests.length).toBeGreaterThan(3);
    expect(emulator.requests.every((r) => r.status === 204 && r.bytes <= 1_000_000)).toBe(true);
  });

  test('delivers a real CloudTrail log file with every row matching the DCR stream declaration', async () => {
    // GIVEN the AWS sample CloudTrail file, gzip as CloudTrail writes it
    const text = readFileSync(join(FIXTURES, 'cloudtrail', 'cloudtrail_log.json'), 'utf8');
    const expected = (JSON.parse(text) as { Records: unknown[] }).Records.length;
    const object = await putObject(
      'AWSLogs/123456789012/CloudTrail/eu-west-1/2026/11/28/123456789012_CloudTrail_eu-west-1_20261128T1000Z_abc.json.gz',
      gzipSync(text),
    );
    const handler = makeHandler({
      envOverrides: { [ENV.format]: 'cloudtrail', [ENV.streamName]: CLOUDTRAIL_STREAM },
    });
    // WHEN
    const response = await handler(sqsEvent(sqsRecord(s3Notification(object))), lambdaContext());
    // THEN the emulator, which checks names and types against columnsOf('cloudtrail'), accepted all
    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect(emulator.rows(CLOUDTRAIL_STREAM)).toHaveLength(expected);
    expect(emulator.requests.every((r) => r.status === 204)).toBe(true);
  });

  test('acknowledges and counts a CloudTrail digest file without sending anything', async () => {
    const object = await putObject(
      'AWSLogs/123456789012/CloudTrail-Digest/eu-west-1/2026/11/28/123456789012_CloudTrail-Digest_eu-west-1_x_20261128T100000Z.json.gz',
      gzipSync(readFileSync(join(FIXTURES, 'cloudtrail-digest', 'cloudtrail_digest.json'))),
    );
    const handler = makeHandler({
      envOverrides: { [ENV.format]: 'cloudtrail', [ENV.streamName]: CLOUDTRAIL_STREAM },
    });
    const response = await handler(sqsEvent(sqsRecord(s3Notification(object))), lambdaContext());
    expect(response).toStrictEqual({ batchItemFailures: [] });
    expect(emulator.requests).toHaveLength(0);
    expect(metricSum(output.metrics(), 'SkippedObjects')).toBe(1);
  });
});
