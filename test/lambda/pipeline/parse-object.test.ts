import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import {
  columnsOf,
  FORMAT_NAMES,
  FORMATS,
  PROVENANCE_COLUMNS,
  type FormatName,
} from '../../../lambda/formats';
import { parseObject, parseObjectBatches } from '../../../lambda/pipeline/parse-object';
import { RESERVED_COLUMN_NAMES } from '../../../lib/azure/table-columns';
import { byteCounter } from '../../../lambda/io/object-reader';
import { recordId, RECORD_ID_LENGTH, RowFactory } from '../../../lambda/core/rows';
import { chunked, fixture, FIXTURES, malformedOf, objectRef, parseAll, rowsOf } from '../formats/helpers';

/** One sample per format, for the checks that must hold for all of them. */
const SAMPLE_OF: Record<FormatName, string> = {
  cloudtrail: 'cloudtrail/cloudtrail_log.json',
  vpcflow: 'vpcflow/valid_tgw_flow_log.log',
  ndjson: 'waf/valid_log_multi.json',
  json: 'network-firewall/alert_with_metadata_log.json',
  text: 's3access/valid_log_multi.log',
  guardduty: 'guardduty/guardduty_findings_export.jsonl',
  securityhub: 'securityhub/securityhub_eventbridge_firehose.json',
  waf: 'waf/valid_log_multi.json',
  alb: 'alb/alb_al_valid_logs.log',
  nlb: 'nlb/nlb_al_valid_logs.log',
  clb: 'clb/clb_al_valid_logs.log',
  s3access: 's3access/valid_log_multi.log',
  route53resolver: 'route53resolver/dns-sample.json',
  cloudwatch: 'cloudwatch-subscription/valid_cloudwatch_log.json',
  cloudfront: 'cloudfront/web-1-0-2019-12.txt',
  // Alert records: the format's own columns are its first output's, AWSNetworkFirewallAlert's.
  networkfirewall: 'network-firewall/alert_with_metadata_log.json',
  // Written for this project, outside test/fixtures/aws (see test/fixtures/csv/README.md).
  csv: '../csv/sample.csv',
};

describe('provenance', () => {
  test('every row carries the provenance columns', async () => {
    // GIVEN a versioned object
    const object = objectRef({ versionId: 'v-3', eventTime: '2026-01-02T03:04:05.678+00:00' });
    // WHEN
    const rows = rowsOf(await parseAll('text', 'a\nb', object));
    // THEN
    expect(rows[1]).toStrictEqual({
      TimeGenerated: '2026-01-02T03:04:05.678Z',
      S3Bucket: object.bucket,
      S3Key: object.key,
      S3ObjectVersion: 'v-3',
      RecordIndex: 1,
      RecordId: recordId(object, 1),
      S3EventTime: '2026-01-02T03:04:05.678Z',
      Message: 'b',
    });
  });

  test('uses the ETag without quotes when the object has no version id', async () => {
    const [row] = rowsOf(await parseAll('text', 'a', objectRef({ eTag: '"abc123-2"' })));
    expect(row.S3ObjectVersion).toBe('abc123-2');
  });

  test("RecordId is the object's truncated SHA-256 of bucket, key and ETag, then the index in hex", () => {
    const object = objectRef({ versionId: 'v1' });
    const objectHash = createHash('sha256')
      .update(JSON.stringify([object.bucket, object.key, 'd41d8cd98f00b204e9800998ecf8427e']))
      .digest('hex')
      .slice(0, 24);
    expect(recordId(object, 7)).toBe(`${objectHash}00000007`);
    expect(recordId(object, 0xabcdef)).toBe(`${objectHash}00abcdef`);
    expect(recordId(object, 7)).toHaveLength(RECORD_ID_LENGTH);
    // Past 2^32 records the index takes more digits rather than wrapping onto an earlier id.
    expect(recordId(object, 2 ** 32)).toBe(`${objectHash}100000000`);
  });

  test('RecordId is identical on every read of the same object version', async () => {
    // GIVEN the same object read twice, once gzipped and in other chunks
    const object = objectRef();
    const first = rowsOf(await parseAll('cloudtrail', fixture(SAMPLE_OF.cloudtrail), object));
    const second = rowsOf(
      await parseAll('cloudtrail', gzipSync(fixture(SAMPLE_OF.cloudtrail)), object, { chunkSize: 7 }),
    );
    // THEN
    expect(second.map((r) => r.RecordId)).toStrictEqual(first.map((r) => r.RecordId));
  });

  test('RecordId is the same for a notified (versioned) and a backfilled (listed) delivery of one object', () => {
    const notified = objectRef({ versionId: '3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY', eTag: 'abc' });
    const listed = objectRef({ eTag: '"abc"' });
    expect(recordId(notified, 5)).toBe(recordId(listed, 5));
  });

  test('RecordId uses the version id when there is no ETag', () => {
    const a = objectRef({ eTag: undefined, versionId: 'v1' });
    const b = objectRef({ eTag: undefined, versionId: 'v2' });
    expect(recordId(a, 0)).not.toBe(recordId(b, 0));
  });

  test('RecordId differs across records, contents, keys and buckets', () => {
    const base = objectRef();
    const ids = new Set<string>();
    for (const object of [
      base,
      { ...base, eTag: '"0cc175b9c0f1b6a831c399e269772661"' },
      { ...base, key: 'other' },
      { ...base, bucket: 'b2' },
    ]) {
      for (let i = 0; i < 2500; i++) ids.add(recordId(object, i));
    }
    expect(ids.size).toBe(10_000);
  });

  test('RecordId cannot be forged by moving characters between key and bucket', () => {
    expect(recordId(objectRef({ bucket: 'ab', key: 'c' }), 0)).not.toBe(
      recordId(objectRef({ bucket: 'a', key: 'bc' }), 0),
    );
  });

  test('fails if the S3 event time is not a time', () => {
    expect(() => new RowFactory(objectRef({ eventTime: 'yesterday' }))).toThrow(
      /S3 event time "yesterday" of s3:\/\/amzn-s3-demo-bucket\/.* is not an ISO 8601 time/,
    );
  });
});

describe('parseObject', () => {
  test('skipRecords resumes after N records without emitting them', async () => {
    // GIVEN 10 lines, the 3rd malformed
    const text = Array.from({ length: 10 }, (_, i) => (i === 2 ? 'bad' : JSON.stringify({ i }))).join('\n');
    const all = await parseAll('ndjson', text);
    // WHEN resumed after 4 records
    const resumed = await parseAll('ndjson', text, objectRef(), { skipRecords: 4 });
    // THEN exactly the outcomes from index 4 on, identical to a full read (RecordIds included)
    expect(resumed).toStrictEqual(all.slice(4));
    expect(resumed.map((o) => (o.kind === 'row' ? o.index : -1))).toStrictEqual([4, 5, 6, 7, 8, 9]);
    // and a malformed record before the resume point is not reported again
    expect(malformedOf(resumed)).toStrictEqual([]);
  });

  test('skipRecords past the end yields nothing', async () => {
    expect(await parseAll('text', 'a\nb', objectRef(), { skipRecords: 5 })).toStrictEqual([]);
  });

  test('indexes rows and malformed records together, covering 0..n-1', async () => {
    const outcomes = await parseAll(
      'vpcflow',
      `${fixture('vpcflow/valid_vpc_flow_log_multi.log')}\n2 too few\n`,
    );
    const indexes = outcomes.map((o) => ('index' in o ? o.index : -1));
    expect(indexes).toStrictEqual([0, 1, 2]);
  });

  test.each(FORMAT_NAMES)('%s rows hold only declared columns', async (format) => {
    // GIVEN the format's declared columns (what the DCR stream declares)
    const declared = new Set(columnsOf(format).map((c) => c.name));
    // WHEN its sample is parsed
    const rows = rowsOf(await parseAll(format, fixture(SAMPLE_OF[format])));
    // THEN
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(Object.keys(row).filter((k) => !declared.has(k))).toStrictEqual([]);
      expect(Object.values(row)).not.toContain(null);
      expect(Object.values(row)).not.toContain(undefined);
    }
  });

  test.each(FORMAT_NAMES)('%s columns follow the DCR naming rules', (format) => {
    const names = columnsOf(format).map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) {
      // Letters, digits and underscores, starting with a letter (AWSCloudTrail's own `AwsRequestId_`, our `_CF`).
      expect(name).toMatch(/^[A-Za-z][A-Za-z0-9_]*$/);
      expect(name.length).toBeLessThanOrEqual(45);
    }
    // Log Analytics adds these to every table itself; a custom table cannot declare them. A
    // built-in table's own columns are Microsoft's (AWSGuardDuty has `Id` and `Title`).
    const reserved = new Set(RESERVED_COLUMN_NAMES.map((n) => n.toLowerCase()));
    const own = new Set(FORMATS[format].builtinTable?.columns.map((c) => c.name) ?? []);
    expect(names.filter((n) => reserved.has(n.toLowerCase()) && !own.has(n))).toStrictEqual([]);
    expect(names.slice(0, PROVENANCE_COLUMNS.length)).toStrictEqual(PROVENANCE_COLUMNS.map((c) => c.name));
    expect(
      FORMATS[format].columns.every((c) =>
        ['string', 'int', 'long', 'real', 'boolean', 'datetime', 'dynamic'].includes(c.type),
      ),
    ).toBe(true);
  });

  test.each([
    ['gzip under a .log key', 'logs/object.log', (b: Buffer) => gzipSync(b)],
    ['plain text under a .gz key', 'logs/object.json.gz', (b: Buffer) => b],
  ])('decides compression by content, not suffix: %s', async (_name, key, encode) => {
    // GIVEN the WAF sample under a key that says the opposite of its encoding
    const data = encode(fixture(SAMPLE_OF.ndjson));
    // WHEN
    const outcomes = await parseAll('ndjson', data, objectRef({ key }));
    // THEN both rows arrive
    expect(rowsOf(outcomes)).toHaveLength(2);
    expect(malformedOf(outcomes)).toStrictEqual([]);
  });

  test('reads a Node Readable body (what GetObject returns)', async () => {
    // GIVEN a file stream of the CloudTrail sample
    const body = createReadStream(join(FIXTURES, SAMPLE_OF.cloudtrail), { highWaterMark: 1024 });
    // WHEN
    let rows = 0;
    for await (const outcome of parseObject('cloudtrail', body, objectRef()))
      if (outcome.kind === 'row') rows++;
    // THEN
    expect(rows).toBe(7);
  });

  test('reports byte counts through the counter', async () => {
    // GIVEN a gzip object
    const data = gzipSync(fixture(SAMPLE_OF.ndjson));
    const counter = byteCounter();
    // WHEN
    for await (const _ of parseObjectBatches('ndjson', chunked(data), objectRef(), { counter })) void _;
    // THEN
    expect(counter).toStrictEqual({
      gzip: true,
      compressedBytes: data.length,
      uncompressedBytes: fixture(SAMPLE_OF.ndjson).length,
    });
  });

  test('destroys a Node stream body it did not need to read', async () => {
    // GIVEN a digest key with a Readable body
    const body = Readable.from([Buffer.from('{}')]);
    const object = objectRef({ key: 'AWSLogs/1/CloudTrail-Digest/x.json.gz' });
    // WHEN
    for await (const _ of parseObject('cloudtrail', body, object)) void _;
    // THEN
    expect(body.destroyed).toBe(true);
  });

  test('fails if the format is unknown', async () => {
    const run = async () => {
      for await (const _ of parseObject('parquet' as FormatName, chunked(Buffer.from('a')), objectRef()))
        void _;
    };
    await expect(run()).rejects.toThrow('Unknown format "parquet"');
  });
});
