import { gzipSync } from 'node:zlib';
import { JsonRecordSplitter } from '../../../lambda/formats/json-splitter';
import type { SourceItem } from '../../../lambda/formats';
import { topLevelMemberTexts } from '../../../lambda/formats/cloudtrail';
import { rowJson } from '../../../lambda/io/batcher';
import { fixture, malformedOf, objectRef, parseAll, rowsOf } from './helpers';

const LOG = 'cloudtrail/cloudtrail_log.json';

/** The sample's records as JSON.parse sees them: the oracle for the streamed parse. */
function sampleRecords(): Record<string, unknown>[] {
  return (JSON.parse(fixture(LOG).toString()) as { Records: Record<string, unknown>[] }).Records;
}

describe('cloudtrail format', () => {
  test('streams every record of a log file with its fields mapped to columns', async () => {
    // GIVEN the sample log file, gzipped as CloudTrail delivers it
    const records = sampleRecords();
    // WHEN read 1 KiB at a time
    const rows = rowsOf(
      await parseAll('cloudtrail', gzipSync(fixture(LOG)), objectRef(), { chunkSize: 1024 }),
    );
    // THEN one row per record, in order, with the documented mapping
    expect(rows).toHaveLength(records.length);
    expect(rows.map((r) => r.AwsEventId)).toStrictEqual(records.map((r) => r.eventID));
    expect(rows.map((r) => r.EventTypeName)).toStrictEqual(records.map((r) => r.eventType));
    expect(rows.map((r) => r.EventTime)).toStrictEqual(records.map((r) => r.eventTime));
    expect(rows.map((r) => r.TimeGenerated)).toStrictEqual(records.map((r) => r.eventTime));
    expect(rows.map((r) => r.AwsRequestId)).toStrictEqual(records.map((r) => r.requestID));
    const first = records[0] as { userIdentity: { type: string; arn: string; accountId: string } };
    expect(rows[0]).toMatchObject({
      EventVersion: records[0].eventVersion,
      EventSource: records[0].eventSource,
      EventName: records[0].eventName,
      AwsRegion: records[0].awsRegion,
      SourceIpAddress: records[0].sourceIPAddress,
      UserAgent: records[0].userAgent,
      UserIdentity: first.userIdentity,
      UserIdentityType: first.userIdentity.type,
      UserIdentityArn: first.userIdentity.arn,
      UserIdentityAccountId: first.userIdentity.accountId,
      RequestParameters: records[0].requestParameters,
    });
  });

  test('keeps unmapped top-level fields in AdditionalFields and drops nulls', async () => {
    // GIVEN a record with an unknown field, a null and a mistyped readOnly
    const doc = JSON.stringify({
      Records: [
        {
          eventTime: '2024-01-01T00:00:00Z',
          eventName: 'X',
          apiVersion: '2012-10-17',
          responseElements: null,
          readOnly: 'true',
          managementEvent: { unexpected: true },
        },
      ],
    });
    // WHEN
    const [row] = rowsOf(await parseAll('cloudtrail', doc));
    // THEN
    expect(row.AdditionalFields).toStrictEqual({
      apiVersion: '2012-10-17',
      managementEvent: { unexpected: true },
    });
    expect(row.ReadOnly).toBe(true);
    expect(row).not.toHaveProperty('ResponseElements');
    expect(row).not.toHaveProperty('ManagementEvent');
  });

  test('gives records without userIdentity (Insights) no identity columns', async () => {
    const rows = rowsOf(await parseAll('cloudtrail', fixture(LOG)));
    const insight = rows.find((r) => r.EventTypeName === 'AwsCloudTrailInsight');
    expect(insight).toBeDefined();
    expect(insight).not.toHaveProperty('UserIdentityType');
    expect(insight).toHaveProperty('InsightDetails');
  });

  test('reads {"Records": []} as zero rows and no error', async () => {
    expect(await parseAll('cloudtrail', fixture('cloudtrail/cloudtrail_log_empty.json'))).toStrictEqual([]);
  });

  test('skips a digest file recognised by its content', async () => {
    const outcomes = await parseAll('cloudtrail', fixture('cloudtrail-digest/cloudtrail_digest.json'));
    expect(outcomes).toStrictEqual([
      { kind: 'skipped-object', reason: 'CloudTrail digest file (digestStartTime and no Records)' },
    ]);
  });

  test('skips a digest file by its key without reading the body', async () => {
    // GIVEN a body that fails if read, under a CloudTrail-Digest/ key
    let read = false;
    const body: AsyncIterable<Uint8Array> = {
      [Symbol.asyncIterator]: () => {
        read = true;
        throw new Error('must not be read');
      },
    };
    const object = objectRef({
      key: 'AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2026/01/01/x.json.gz',
    });
    // WHEN
    const { parseObject } = await import('../../../lambda/pipeline/parse-object');
    const outcomes = [];
    for await (const o of parseObject('cloudtrail', body, object)) outcomes.push(o);
    // THEN
    expect(outcomes).toStrictEqual([
      { kind: 'skipped-object', reason: 'CloudTrail digest file (key contains CloudTrail-Digest/)' },
    ]);
    expect(read).toBe(false);
  });

  test('reports a JSON document that is not a CloudTrail log file', async () => {
    const outcomes = await parseAll('cloudtrail', '{"configurationItems": []}');
    expect(outcomes).toStrictEqual([
      {
        kind: 'malformed',
        lineNumber: 1,
        index: 0,
        reason: 'not a CloudTrail log file: the document has no top-level "Records" array',
      },
    ]);
  });

  test('reports text that is not JSON once, not once per character', async () => {
    const outcomes = await parseAll('cloudtrail', 'hello world\nmore text\n');
    expect(outcomes).toHaveLength(1);
    expect(malformedOf(outcomes)[0].reason).toMatch(/^not a CloudTrail log file/);
  });

  test('isolates a malformed record and names the line it starts on', async () => {
    // GIVEN three records, the second with a bad value
    const doc = '{"Records": [\n{"eventID": "a"},\n{"eventID": b},\n{"eventID": "c"}\n]}';
    // WHEN
    const outcomes = await parseAll('cloudtrail', doc);
    // THEN
    expect(rowsOf(outcomes).map((r) => r.AwsEventId)).toStrictEqual(['a', 'c']);
    expect(malformedOf(outcomes)).toMatchObject([{ lineNumber: 3, index: 1 }]);
  });

  test('reports a log file cut off inside a record after delivering the complete ones', async () => {
    const doc = '{"Records":[{"eventID":"a"},\n{"eventID":"b","x":{';
    const outcomes = await parseAll('cloudtrail', doc);
    expect(rowsOf(outcomes).map((r) => r.AwsEventId)).toStrictEqual(['a']);
    expect(malformedOf(outcomes)).toStrictEqual([
      {
        kind: 'malformed',
        lineNumber: 2,
        index: 1,
        reason: 'the object ends inside the record starting on this line (truncated JSON?)',
      },
    ]);
  });

  test('finds Records after other keys and ignores brackets and quotes inside strings', async () => {
    // GIVEN keys before Records whose values hold structure-like characters and escapes
    const doc = JSON.stringify({
      note: 'a "Records": [ {not} ] \\" }',
      nested: { Records: [{ eventID: 'decoy' }] },
      Records: [{ eventID: 'x', requestParameters: { q: '}]"\\' } }, { eventID: 'y' }],
    });
    // WHEN split one character at a time
    const outcomes = await parseAll('cloudtrail', doc, objectRef(), { chunkSize: 1 });
    // THEN only the top-level Records' elements are rows, intact
    const rows = rowsOf(outcomes);
    expect(rows.map((r) => r.AwsEventId)).toStrictEqual(['x', 'y']);
    expect(rows[0].RequestParameters).toStrictEqual({ q: '}]"\\' });
  });

  test('reports a record longer than the limit without buffering it', () => {
    // GIVEN a splitter with a 40-character record limit
    const splitter = new JsonRecordSplitter('cloudtrail', 40);
    const out: SourceItem[] = [];
    // WHEN fed a small record, a large one (in pieces) and another small one
    splitter.push('{"Records":[{"a":1},{"big":"', out);
    splitter.push('x'.repeat(100), out);
    splitter.push('"},\n{"b":2}]}', out);
    splitter.end(out);
    // THEN
    expect(out).toStrictEqual([
      { kind: 'record', text: '{"a":1}', lineNumber: 1 },
      {
        kind: 'malformed',
        lineNumber: 1,
        reason: 'record longer than 40 characters; skipped without buffering it',
      },
      { kind: 'record', text: '{"b":2}', lineNumber: 2 },
    ]);
  });

  describe('integers past 2^53', () => {
    // 20 digits: JSON.parse reads 12345678901234567891 as 12345678901234567000.
    const BIG = '12345678901234567891';
    const record = (extra: string): string =>
      `{"Records":[{"eventTime":"2024-01-01T00:00:00Z","eventName":"PutItem",` +
      `"requestParameters":{"limit":${BIG},"nested":[1,{"id":-${BIG}}],"s":"a\\"b{"},` +
      `"recipientAccountId":${BIG},${extra}"awsRegion":"eu-west-1"}]}`;

    test('reach the API as written, in dynamic columns, string columns and AdditionalFields', async () => {
      // GIVEN a record with a 20-digit integer in requestParameters, a string column and an unmapped field
      const doc = record(`"unmapped":{"n":${BIG}}, "plain":1e400, `);
      // WHEN it is parsed and serialized as the batcher sends it
      const [row] = rowsOf(await parseAll('cloudtrail', doc));
      const sent = rowJson(row as never).json;
      // THEN every digit is sent: the source text, not JSON.stringify of the rounded number
      expect(sent).toContain(`"RequestParameters":{"limit":${BIG},"nested":[1,{"id":-${BIG}}],"s":"a\\"b{"}`);
      expect(sent).toContain(`"AdditionalFields":{"unmapped":{"n":${BIG}},"plain":1e400}`);
      expect(row.RecipientAccountId).toBe(BIG);
      expect(row.AwsRegion).toBe('eu-west-1');
      // ... and what JSON.parse would have sent differs, which is why the source text is used
      expect(JSON.stringify(JSON.parse(BIG))).not.toBe(BIG);
    });

    test('leave a record of safe numbers to the fast path, serialized as usual', async () => {
      const [row] = rowsOf(
        await parseAll(
          'cloudtrail',
          '{"Records":[{"eventTime":"2024-01-01T00:00:00Z","requestParameters":{"n":9007199254740991}}]}',
        ),
      );
      expect(row.RequestParameters).toStrictEqual({ n: 9007199254740991 });
      expect(rowJson(row as never).verbatim).toBe(false);
    });

    test('are found by the member scanner whatever the spacing, escapes and duplicates', () => {
      const text = ` { "a" : { "x" : [ 1 , "]}" ] } ,\n"b\\"":"\\"}" , "c":  -1.5e3 ,"a":true }`;
      expect(Object.fromEntries(topLevelMemberTexts(text))).toStrictEqual({
        a: 'true',
        'b"': '"\\"}"',
        c: '-1.5e3',
      });
    });
  });

  test.each([['2024-02-30T00:00:00Z'], ['0000-01-01T00:00:00Z'], ['2024-01-01T25:00:00Z']])(
    'gives a record whose eventTime %p is not a calendar time the S3 event time, keeping the value',
    async (eventTime) => {
      // GIVEN a record whose own time Azure would store as another day, or refuse
      const doc = JSON.stringify({ Records: [{ eventTime, eventName: 'X' }] });
      // WHEN
      const [row] = rowsOf(
        await parseAll('cloudtrail', doc, objectRef({ eventTime: '2026-01-02T03:04:05.678Z' })),
      );
      // THEN TimeGenerated falls back to the S3 event time, as for a record without a time, and the
      // value is kept in AdditionalFields
      expect(row).toMatchObject({
        TimeGenerated: '2026-01-02T03:04:05.678Z',
        S3EventTime: '2026-01-02T03:04:05.678Z',
        AdditionalFields: { eventTime },
      });
      expect(row.EventTime).toBeUndefined();
    },
  );

  test('keeps microseconds of a nanosecond eventTime', async () => {
    const doc = JSON.stringify({ Records: [{ eventTime: '2024-01-01T00:00:00.123456789Z' }] });
    const [row] = rowsOf(await parseAll('cloudtrail', doc));
    expect(row).toMatchObject({
      TimeGenerated: '2024-01-01T00:00:00.123456Z',
      EventTime: '2024-01-01T00:00:00.123456Z',
    });
  });
});
