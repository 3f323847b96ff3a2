/**
 * AWSCloudWatch rows as they reach the Logs Ingestion API (issue 13, point 2), through the real
 * handler, s3rver and the emulator, which checks every row against the vendored table's schema.
 *
 * Sentinel ships no analytics rule, hunting query or ASIM parser that reads AWSCloudWatch (see
 * `test/fixtures/sentinel-content/AWSCloudWatch/README.md` for what was searched), so there is no
 * rule's KQL to find fragments of. What is proved instead is the contract of the table and of
 * Microsoft's own exporter for it, column by column: Message is the log event's message as written,
 * ExtractedTime and TimeGenerated are its timestamp, and the subscription's envelope (log group,
 * stream, owner, filter) is in AdditionalFields_CF as compact JSON text that `parse_json` reads. The
 * same checks must refuse rows broken the ways a format could break them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { metricSum } from '../support/capture';
import { ENV } from '../../lambda/contract/environment';
import { columnsOf } from '../../lambda/formats';
import { AWS_CLOUDWATCH } from '../../lambda/formats/builtin-tables';
import { lambdaContext, s3Notification, sqsEvent, sqsRecord } from '../support/events';
import { FIXTURES, makeHandler, output, putObject, useForwarderHarness } from '../support/forwarder-harness';
import { forwarderEnv, IngestionEmulator } from '../support/ingestion-emulator';

useForwarderHarness();

const STREAM = 'Custom-AWSCloudWatch';
const SENTINEL_CONTENT_README = join(
  __dirname,
  '..',
  'fixtures',
  'sentinel-content',
  'AWSCloudWatch',
  'README.md',
);

type Row = Record<string, unknown>;

interface LogEvent {
  readonly id: string;
  readonly timestamp: number;
  readonly message: string;
}

interface Subscription {
  readonly owner: string;
  readonly logGroup: string;
  readonly logStream: string;
  readonly subscriptionFilters: string[];
  readonly logEvents: LogEvent[];
}

/**
 * What the row of `event` (from `record`) must hold for KQL over AWSCloudWatch to read it: each
 * check names the KQL it stands for, and throws saying what differs.
 */
function checkRow(row: Row, record: Subscription, event: LogEvent): void {
  const time = new Date(event.timestamp).toISOString();
  const problems: string[] = [];
  // `AWSCloudWatch | where Message has "…"`: the message as written, a string.
  if (row.Message !== event.message) problems.push(`Message is ${JSON.stringify(row.Message)}`);
  // `where ExtractedTime == TimeGenerated`: the table's description ("equals ExtractedTime").
  if (typeof row.ExtractedTime !== 'string' || Date.parse(row.ExtractedTime) !== Date.parse(time))
    problems.push(`ExtractedTime is ${JSON.stringify(row.ExtractedTime)}, not ${time}`);
  if (typeof row.TimeGenerated !== 'string' || Date.parse(row.TimeGenerated) !== Date.parse(time))
    problems.push(`TimeGenerated is ${JSON.stringify(row.TimeGenerated)}, not ${time}`);
  // `extend LogGroup = tostring(parse_json(AdditionalFields_CF).logGroup)`: compact JSON text.
  const additional = row.AdditionalFields_CF;
  if (typeof additional !== 'string') {
    problems.push(`AdditionalFields_CF is not JSON text: ${JSON.stringify(additional)}`);
  } else {
    const parsed = JSON.parse(additional) as Record<string, unknown>;
    if (additional !== JSON.stringify(parsed)) problems.push('AdditionalFields_CF is not compact JSON text');
    for (const key of ['owner', 'logGroup', 'logStream'] as const)
      if (parsed[key] !== record[key])
        problems.push(`AdditionalFields_CF.${key} is ${JSON.stringify(parsed[key])}`);
    if (JSON.stringify(parsed.subscriptionFilters) !== JSON.stringify(record.subscriptionFilters))
      problems.push('AdditionalFields_CF.subscriptionFilters differs');
    if (parsed.id !== event.id) problems.push(`AdditionalFields_CF.id is ${JSON.stringify(parsed.id)}`);
  }
  // Column names are case-sensitive in KQL; the system columns are Azure's to fill.
  for (const column of AWS_CLOUDWATCH.columns) {
    const variants = Object.keys(row).filter(
      (k) => k !== column.name && k.toLowerCase() === column.name.toLowerCase(),
    );
    if (variants.length > 0) problems.push(`${column.name} arrived spelt ${variants.join(', ')}`);
  }
  for (const column of AWS_CLOUDWATCH.systemColumns)
    if (column.name in row) problems.push(`${column.name} is a system column and was sent`);
  if (problems.length > 0) throw new Error(problems.join('\n'));
}

/** Rows a broken format could send instead of `row`. */
function brokenRows(row: Row): [string, Row][] {
  const { Message, ExtractedTime, AdditionalFields_CF, ...rest } = row;
  return [
    ['Message spelt message', { ...rest, ExtractedTime, AdditionalFields_CF, message: Message }],
    ['ExtractedTime left out', { ...rest, Message, AdditionalFields_CF }],
    ['ExtractedTime as the S3 event time', { ...row, ExtractedTime: row.S3EventTime }],
    [
      'the envelope as an object',
      { ...row, AdditionalFields_CF: JSON.parse(AdditionalFields_CF as string) as unknown },
    ],
    [
      'the envelope as indented text',
      { ...row, AdditionalFields_CF: JSON.stringify(JSON.parse(AdditionalFields_CF as string), null, 2) },
    ],
    ['the whole record in Message', { ...row, Message: JSON.stringify({ message: Message }) }],
  ];
}

describe('AWSCloudWatch rows the forwarder delivers', () => {
  let emulator: IngestionEmulator;
  beforeAll(async () => {
    emulator = await IngestionEmulator.start({
      streams: { [STREAM]: columnsOf('cloudwatch') },
      // Every row is checked against AWSCloudWatch's vendored schema as it arrives.
      outputTables: { [STREAM]: AWS_CLOUDWATCH },
    });
  });
  afterAll(async () => {
    await emulator.close();
  });
  beforeEach(() => {
    emulator.reset();
  });

  async function forward(key: string, body: Buffer): Promise<{ rows: Row[]; failures: number }> {
    const object = await putObject(key, body);
    const handler = makeHandler({
      env: forwarderEnv(emulator, STREAM, {
        [ENV.format]: 'cloudwatch',
        [ENV.producerName]: 'cloudwatch-logs',
      }),
      clientOptions: emulator.clientOptions(),
      secretCredentialFactory: () => emulator.credential,
    });
    const response = await handler(sqsEvent(sqsRecord(s3Notification(object))), lambdaContext());
    return {
      rows: emulator.rows(STREAM).filter((r) => r.S3Key === key),
      failures: response.batchItemFailures.length,
    };
  }

  test('there is no Sentinel content for AWSCloudWatch, and the fixtures say where it was looked for', () => {
    const readme = readFileSync(SENTINEL_CONTENT_README, 'utf8');
    expect(readme).toMatch(/Azure\/Azure-Sentinel/);
    expect(readme).toMatch(/no analytics rule, hunting query or ASIM parser/i);
  });

  test.each([
    ['cloudtrail_log_cw.json', 1],
    ['valid_cloudwatch_log.json', 3],
  ])('the sample %s: every log event arrives as a row Sentinel reads', async (file, count) => {
    // GIVEN the sample as Firehose delivers it: gzipped, under a Firehose-style key
    const text = readFileSync(join(FIXTURES, 'cloudwatch-subscription', file), 'utf8');
    const record = JSON.parse(text) as Subscription;
    // WHEN the forwarder delivers it
    const { rows, failures } = await forward(`firehose/cloudwatch/2026/01/02/03/${file}.gz`, gzipSync(text));
    // THEN one row per log event, in order, each satisfying every check
    expect(failures).toBe(0);
    expect(rows).toHaveLength(count);
    rows.forEach((row, i) => checkRow(row, record, record.logEvents[i]));
    // ... and each broken variant of the first row is refused
    for (const [what, broken] of brokenRows(rows[0])) {
      expect(() => checkRow(broken, record, record.logEvents[0])).toThrow();
      expect(what).toBeTruthy();
    }
  });

  test('an object of CONTROL_MESSAGE records only is acknowledged and counted as skipped', async () => {
    const control = JSON.stringify({
      messageType: 'CONTROL_MESSAGE',
      owner: 'CloudwatchLogs',
      logGroup: '',
      logStream: '',
      subscriptionFilters: [],
      logEvents: [
        {
          id: '',
          timestamp: 1767322800000,
          message: 'CWL CONTROL MESSAGE: Checking health of destination Firehose.',
        },
      ],
    });
    const { rows, failures } = await forward('firehose/cloudwatch/control.gz', gzipSync(control));
    expect(failures).toBe(0);
    expect(rows).toStrictEqual([]);
    expect(output.logs().some((l) => l.message === 'Object skipped: not data for this format')).toBe(true);
    expect(metricSum(output.metrics(), 'SkippedObjects')).toBe(1);
  });

  test('CONTROL_MESSAGE records among log events are counted as skipped records, and their log events arrive', async () => {
    const data = (n: number) =>
      JSON.stringify({
        messageType: 'DATA_MESSAGE',
        owner: '123456789012',
        logGroup: '/aws/lambda/orders',
        logStream: 'stream',
        subscriptionFilters: ['to-sentinel'],
        logEvents: [{ id: String(n), timestamp: 1767322800000 + n, message: `event ${n}` }],
      });
    const control = JSON.stringify({ messageType: 'CONTROL_MESSAGE', logEvents: [] });
    const { rows, failures } = await forward(
      'firehose/cloudwatch/mixed.gz',
      gzipSync(`${data(1)}${control}${data(2)}`),
    );
    expect(failures).toBe(0);
    expect(rows.map((r) => r.Message)).toStrictEqual(['event 1', 'event 2']);
    expect(metricSum(output.metrics(), 'SkippedRecords')).toBe(1);
    expect(output.logs().find((l) => l.message === 'Object delivered')).toMatchObject({ skippedRecords: 1 });
  });
});
