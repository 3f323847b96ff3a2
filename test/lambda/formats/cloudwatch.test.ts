import { gzipSync } from 'node:zlib';
import { ADDITIONAL_FIELDS_COLUMN } from '../../../lambda/formats/additional-fields';
import { AWS_CLOUDWATCH } from '../../../lambda/formats/builtin-tables';
import { CLOUDWATCH_FIELD_COLUMNS, cloudwatchFormat } from '../../../lambda/formats/cloudwatch';
import { PROVENANCE_COLUMNS } from '../../../lambda/formats/schema';
import { countKinds, fixture, malformedOf, objectRef, parseAll, rowsOf, hasIndex } from './helpers';

const OWNER = '123456789012';

/** A subscription record as CloudWatch Logs sends it to Firehose, with `events` as its logEvents. */
function dataMessage(events: readonly unknown[], envelope: Record<string, unknown> = {}): string {
  return JSON.stringify({
    messageType: 'DATA_MESSAGE',
    owner: OWNER,
    logGroup: '/aws/lambda/orders',
    logStream: '2026/01/02/[$LATEST]abc',
    subscriptionFilters: ['to-sentinel'],
    logEvents: events,
    ...envelope,
  });
}

function logEvent(n: number, message = `event ${n}`): Record<string, unknown> {
  return { id: `3795${n}`, timestamp: 1767322800000 + n, message };
}

/** The control message CloudWatch Logs sends when a subscription filter is created. */
const CONTROL = JSON.stringify({
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

const envelopeOf = (row: Record<string, unknown>): Record<string, unknown> =>
  JSON.parse(row[ADDITIONAL_FIELDS_COLUMN] as string) as Record<string, unknown>;

describe('cloudwatch format', () => {
  describe('declared columns', () => {
    test('are AWSCloudWatch columns, with the vendored names, types and descriptions', () => {
      const own = cloudwatchFormat.columns.filter((c) => c.name !== ADDITIONAL_FIELDS_COLUMN);
      expect(own).toStrictEqual(AWS_CLOUDWATCH.columns.filter((c) => c.name !== 'TimeGenerated'));
      expect(cloudwatchFormat.builtinTable).toBe(AWS_CLOUDWATCH);
    });

    test('end with AdditionalFields_CF, a string column, and repeat no provenance column', () => {
      expect(cloudwatchFormat.columns.at(-1)).toMatchObject({ name: 'AdditionalFields_CF', type: 'string' });
      const provenance = new Set(PROVENANCE_COLUMNS.map((c) => c.name));
      expect(cloudwatchFormat.columns.filter((c) => provenance.has(c.name))).toStrictEqual([]);
    });

    test('map message and timestamp to the two columns the table has', () => {
      expect([...CLOUDWATCH_FIELD_COLUMNS]).toStrictEqual([
        ['timestamp', 'ExtractedTime'],
        ['message', 'Message'],
      ]);
    });
  });

  describe('the samples', () => {
    test('one row per log event; the CloudTrail event stays text in Message', async () => {
      // GIVEN a Firehose object holding one DATA_MESSAGE whose one event is a CloudTrail record
      const text = fixture('cloudwatch-subscription/cloudtrail_log_cw.json').toString();
      const record = JSON.parse(text) as { logEvents: { message: string }[] };
      // WHEN
      const rows = rowsOf(await parseAll('cloudwatch', text));
      // THEN the row holds the message as written, the event time in both time columns
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        TimeGenerated: '2014-12-14T04:06:50.000Z',
        ExtractedTime: '2014-12-14T04:06:50.000Z',
        Message: record.logEvents[0].message,
        RecordIndex: 0,
      });
      expect(envelopeOf(rows[0])).toStrictEqual({
        owner: '123456789010',
        logGroup: '/aws/cloudtrail/logs',
        logStream: '123456789010_CloudTrail_us-east-1',
        subscriptionFilters: ['CloudTrailLogSubscription'],
        id: 'eventId1',
      });
    });

    test('a pretty-printed record: three rows, each with its own 56-digit id as text', async () => {
      const rows = rowsOf(
        await parseAll('cloudwatch', fixture('cloudwatch-subscription/valid_cloudwatch_log.json')),
      );
      expect(rows.map((r) => envelopeOf(r).id)).toStrictEqual([
        '31953106606966983378809025079804211143289615424298221568',
        '31953106606966983378809025079804211143289615424298221569',
        '31953106606966983378809025079804211143289615424298221570',
      ]);
      expect(rows.map((r) => r.RecordIndex)).toStrictEqual([0, 1, 2]);
      expect(rows[2]).toMatchObject({
        TimeGenerated: '2015-05-28T15:27:35.000Z',
        Message: '{"eventVersion":"1.03","userIdentity":{"type":"Root"}',
      });
      expect(envelopeOf(rows[2])).toMatchObject({ owner: '123456789012', logGroup: 'CloudTrail' });
    });

    test.each([
      ['cloudwatch-subscription/cloudtrail_log_cw.json', { row: 1 }],
      ['cloudwatch-subscription/valid_cloudwatch_log.json', { row: 3 }],
    ])('%s: exact counts, plain and gzipped', async (path, expected) => {
      const object = objectRef({ key: `AWSLogs/123456789012/${path}.gz` });
      const plain = await parseAll('cloudwatch', fixture(path), object);
      expect(countKinds(plain)).toStrictEqual(expected);
      expect(await parseAll('cloudwatch', gzipSync(fixture(path)), object)).toStrictEqual(plain);
    });
  });

  describe('Firehose objects', () => {
    test('records concatenated without a separator, as Firehose writes them, in chunks of any size', async () => {
      // GIVEN three records, back to back
      const text = [
        dataMessage([logEvent(1), logEvent(2)]),
        dataMessage([logEvent(3)]),
        dataMessage([logEvent(4)]),
      ].join('');
      for (const chunkSize of [undefined, 1, 7]) {
        // WHEN read whole and in small chunks
        const rows = rowsOf(await parseAll('cloudwatch', text, undefined, chunkSize ? { chunkSize } : {}));
        // THEN each event is one row, in order
        expect(rows.map((r) => r.Message)).toStrictEqual(['event 1', 'event 2', 'event 3', 'event 4']);
        expect(rows.map((r) => r.RecordIndex)).toStrictEqual([0, 1, 2, 3]);
      }
    });

    test('gzip members concatenated (one per CloudWatch payload) read as one text', async () => {
      const body = Buffer.concat([
        gzipSync(dataMessage([logEvent(1)])),
        gzipSync(dataMessage([logEvent(2)])),
      ]);
      expect(rowsOf(await parseAll('cloudwatch', body)).map((r) => r.Message)).toStrictEqual([
        'event 1',
        'event 2',
      ]);
    });

    test('records separated by newlines (a delivery stream that adds a delimiter)', async () => {
      const text = `${dataMessage([logEvent(1)])}\n${dataMessage([logEvent(2)])}\n`;
      const outcomes = await parseAll('cloudwatch', text);
      expect(rowsOf(outcomes)).toHaveLength(2);
    });

    test('reads gzip inside gzip (the reader undoes one inner layer), every event a row', async () => {
      // GIVEN a delivery stream with GZIP compression over CloudWatch Logs' already gzipped data
      const body = gzipSync(
        Buffer.concat([gzipSync(dataMessage([logEvent(1)])), gzipSync(dataMessage([logEvent(2)]))]),
      );
      // WHEN
      const outcomes = await parseAll('cloudwatch', body);
      // THEN both events arrive, with their messages
      expect(countKinds(outcomes)).toStrictEqual({ row: 2 });
      expect(rowsOf(outcomes).map((row) => row.Message)).toStrictEqual(['event 1', 'event 2']);
    });

    test('a third gzip layer is not undone: one malformed slot naming the fix', async () => {
      const body = gzipSync(gzipSync(gzipSync(dataMessage([logEvent(1)]))));
      const outcomes = await parseAll('cloudwatch', body);
      expect(outcomes).toStrictEqual([
        {
          kind: 'malformed',
          lineNumber: 1,
          index: 0,
          reason: expect.stringMatching(/^the object is gzip inside gzip .*compression to none/),
        },
      ]);
    });
  });

  describe('mapping', () => {
    test('the envelope and the event id go to AdditionalFields_CF; messageType and logEvents do not', async () => {
      const [row] = rowsOf(
        await parseAll('cloudwatch', dataMessage([logEvent(1)], { policyLevel: 'ACCOUNT_LEVEL_POLICY' })),
      );
      expect(row).toStrictEqual({
        ...row,
        Message: 'event 1',
        ExtractedTime: '2026-01-02T03:00:00.001Z',
        TimeGenerated: '2026-01-02T03:00:00.001Z',
      });
      expect(row[ADDITIONAL_FIELDS_COLUMN]).toBe(
        '{"owner":"123456789012","logGroup":"/aws/lambda/orders","logStream":"2026/01/02/[$LATEST]abc","subscriptionFilters":["to-sentinel"],"policyLevel":"ACCOUNT_LEVEL_POLICY","id":"37951"}',
      );
    });

    test('sends only the table columns, AdditionalFields_CF and provenance', async () => {
      const [row] = rowsOf(await parseAll('cloudwatch', dataMessage([logEvent(1)])));
      const allowed = new Set([
        ...PROVENANCE_COLUMNS.map((c) => c.name),
        ...cloudwatchFormat.columns.map((c) => c.name),
      ]);
      expect(Object.keys(row).filter((k) => !allowed.has(k))).toStrictEqual([]);
    });

    test('a message is kept exactly as written: newlines, spaces and JSON text alike', async () => {
      const message = '  {"level":"error"}\n\tat handler (index.js:1)\n';
      const [row] = rowsOf(await parseAll('cloudwatch', dataMessage([logEvent(1, message)])));
      expect(row.Message).toBe(message);
    });

    test('an empty message is not sent (isempty reads it as absent either way)', async () => {
      const [row] = rowsOf(await parseAll('cloudwatch', dataMessage([logEvent(1, '')])));
      expect(row).not.toHaveProperty('Message');
    });

    test('a timestamp that is not epoch milliseconds leaves TimeGenerated to the S3 event time, and is kept', async () => {
      const [row] = rowsOf(
        await parseAll('cloudwatch', dataMessage([{ id: '1', timestamp: 'yesterday', message: 'm' }])),
      );
      expect(row.TimeGenerated).toBe(objectRef().eventTime);
      expect(row).not.toHaveProperty('ExtractedTime');
      expect(envelopeOf(row).timestamp).toBe('yesterday');
    });

    test('small timestamps are still milliseconds, never read as seconds', async () => {
      const [row] = rowsOf(
        await parseAll('cloudwatch', dataMessage([{ id: '1', timestamp: 1000, message: 'm' }])),
      );
      expect(row.ExtractedTime).toBe('1970-01-01T00:00:01.000Z');
    });

    test('fields AWS may add to a log event are kept, a __proto__ key too', async () => {
      const event = JSON.parse(
        '{"id":"1","timestamp":1000,"message":"m","__proto__":"p","extra":{"a":1}}',
      ) as unknown;
      const [row] = rowsOf(await parseAll('cloudwatch', dataMessage([event])));
      expect(row[ADDITIONAL_FIELDS_COLUMN]).toContain('"__proto__":"p","extra":{"a":1}');
    });
  });

  describe('CONTROL_MESSAGE', () => {
    test('an object of control messages only is one skipped object, which says how many', async () => {
      const outcomes = await parseAll('cloudwatch', `${CONTROL}${CONTROL}`);
      expect(outcomes).toStrictEqual([
        {
          kind: 'skipped-object',
          reason: expect.stringMatching(/^CloudWatch Logs CONTROL_MESSAGE records only \(2\)/),
        },
      ]);
    });

    test('among data messages, is a counted skipped record that takes no record index and yields no row', async () => {
      const text = `${CONTROL}${dataMessage([logEvent(1)])}${CONTROL}${dataMessage([logEvent(2)])}`;
      const outcomes = await parseAll('cloudwatch', text);
      expect(countKinds(outcomes)).toStrictEqual({ row: 2, 'skipped-record': 2 });
      expect(outcomes.filter((o) => o.kind === 'skipped-record')[0]).toMatchObject({
        lineNumber: 1,
        reason: expect.stringMatching(/CONTROL_MESSAGE .*not a log event/),
      });
      expect(rowsOf(outcomes).map((r) => [r.RecordIndex, r.Message])).toStrictEqual([
        [0, 'event 1'],
        [1, 'event 2'],
      ]);
    });

    test('a continuation counts only the control messages after its resume point', async () => {
      const text = `${dataMessage([logEvent(1)])}${CONTROL}${dataMessage([logEvent(2)])}${CONTROL}`;
      // Resuming at record 1: the control message between records 0 and 1 comes before record 1, so
      // the first read counted it; the one after record 1 is this read's.
      const resumed = await parseAll('cloudwatch', text, undefined, { skipRecords: 1 });
      expect(countKinds(resumed)).toStrictEqual({ row: 1, 'skipped-record': 1 });
      const fromStart = await parseAll('cloudwatch', text, undefined, { skipRecords: 0 });
      expect(countKinds(fromStart)).toStrictEqual({ row: 2, 'skipped-record': 2 });
    });

    test('an object with no record at all yields nothing', async () => {
      expect(await parseAll('cloudwatch', '')).toStrictEqual([]);
      expect(await parseAll('cloudwatch', dataMessage([]))).toStrictEqual([]);
    });
  });

  describe('malformed records', () => {
    test('a record that is not JSON is one malformed slot with its line; the records around it arrive', async () => {
      // GIVEN a good record, a broken one on line 2, a good one on line 3
      const text = [
        dataMessage([logEvent(1)]),
        '{"messageType":"DATA_MESSAGE","logEvents":[{"id":1,}]}',
        dataMessage([logEvent(2), logEvent(3)]),
      ].join('\n');
      // WHEN
      const outcomes = await parseAll('cloudwatch', text);
      // THEN
      expect(malformedOf(outcomes)).toStrictEqual([
        {
          kind: 'malformed',
          lineNumber: 2,
          index: 1,
          reason: expect.stringMatching(/^not valid JSON \(SyntaxError/),
        },
      ]);
      expect(rowsOf(outcomes).map((r) => [r.RecordIndex, r.Message])).toStrictEqual([
        [0, 'event 1'],
        [2, 'event 2'],
        [3, 'event 3'],
      ]);
    });

    test.each([
      ['[1]', 'not a CloudWatch Logs subscription record: found a number, expected a JSON object'],
      [
        '{"logEvents":[]}',
        'not a CloudWatch Logs subscription record: messageType is missing DATA_MESSAGE or CONTROL_MESSAGE',
      ],
      [
        '{"messageType":"SECRET","logEvents":[]}',
        'not a CloudWatch Logs subscription record: messageType is a string other than DATA_MESSAGE or CONTROL_MESSAGE',
      ],
      [
        '{"messageType":"DATA_MESSAGE","logEvents":{}}',
        'not a CloudWatch Logs subscription record: logEvents is a object, expected an array',
      ],
    ])('fails if a document is not a subscription record: %s', async (text, reason) => {
      expect(await parseAll('cloudwatch', text)).toStrictEqual([
        { kind: 'malformed', lineNumber: 1, index: 0, reason },
      ]);
    });

    test.each([
      [
        '"SECRET"',
        'log event 2 of the DATA_MESSAGE starting on this line is a string, expected a JSON object',
      ],
      [
        '{"id":"2","timestamp":1,"message":7}',
        'log event 2 of the DATA_MESSAGE starting on this line has a message that is a number, expected a string',
      ],
    ])('fails if one log event is bad (%s): only that event is isolated', async (bad, reason) => {
      const text = `[${dataMessage([logEvent(1), JSON.parse(bad) as unknown, logEvent(3)])}]`;
      const outcomes = await parseAll('cloudwatch', text);
      expect(malformedOf(outcomes)).toStrictEqual([{ kind: 'malformed', lineNumber: 1, index: 1, reason }]);
      expect(rowsOf(outcomes).map((r) => r.Message)).toStrictEqual(['event 1', 'event 3']);
    });

    test('the line of a record is where it starts, in a pretty-printed object', async () => {
      const text = `${JSON.stringify(JSON.parse(dataMessage([logEvent(1)])), null, 2)}\n{"messageType":"DATA_MESSAGE","logEvents":[}`;
      const outcomes = await parseAll('cloudwatch', text);
      expect(malformedOf(outcomes).map((m) => m.lineNumber)).toStrictEqual([text.split('\n').length]);
    });
  });

  describe('continuation', () => {
    test('skipRecords skips the same log events on every read, malformed slots included', async () => {
      // GIVEN records of 2, 1 (broken) and 3 events
      const text = [
        dataMessage([logEvent(1), logEvent(2)]),
        '{"messageType":"DATA_MESSAGE","logEvents":[1,]}',
        CONTROL,
        dataMessage([logEvent(3), logEvent(4), logEvent(5)]),
      ].join('\n');
      const all = await parseAll('cloudwatch', text);
      expect(countKinds(all)).toStrictEqual({ row: 5, malformed: 1, 'skipped-record': 1 });
      for (let skip = 0; skip <= 6; skip++) {
        // WHEN resumed after `skip` records, in chunks that split records anywhere
        const resumed = await parseAll('cloudwatch', text, undefined, { skipRecords: skip, chunkSize: 5 });
        // THEN exactly the outcomes from index `skip` on
        expect(resumed.filter(hasIndex)).toStrictEqual(all.filter((o) => hasIndex(o) && o.index >= skip));
      }
    });
  });
});
