import { gzipSync } from 'node:zlib';
import { ADDITIONAL_FIELDS_COLUMN } from '../../../lambda/formats/additional-fields';
import { AWS_S3_SERVER_ACCESS } from '../../../lambda/formats/builtin-tables';
import {
  S3ACCESS_FIELD_COLUMNS,
  S3ACCESS_MIN_FIELDS,
  accessLogTime,
  s3accessFormat,
  splitAccessLogFields,
} from '../../../lambda/formats/s3access';
import { PROVENANCE_COLUMNS } from '../../../lambda/formats/schema';
import { countKinds, fixture, malformedOf, objectRef, parseAll, rowsOf } from './helpers';

/** The provenance columns other than TimeGenerated, which the record's time fills. */
const PROVENANCE = new Set(PROVENANCE_COLUMNS.map((c) => c.name).filter((n) => n !== 'TimeGenerated'));

/** A row's columns without the provenance columns (TimeGenerated kept). */
function recordColumns(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).filter(([name]) => !PROVENANCE.has(name)));
}

/** AWS's documented example record (the first of "Amazon S3 server access log format"), every field set. */
const DOC_RECORD =
  '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be amzn-s3-demo-bucket1 [06/Feb/2019:00:00:38 +0000] 192.0.2.3 79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be 3E57427F3EXAMPLE REST.GET.VERSIONING - "GET /amzn-s3-demo-bucket1?versioning HTTP/1.1" 200 - 113 - 7 - "-" "S3Console/0.4" - s9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234= SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader amzn-s3-demo-bucket1.s3.us-west-1.amazonaws.com TLSV1.2 arn:aws:s3:us-west-1:123456789012:accesspoint/example-AP Yes us-east-1';

/** The record's columns, written out by hand from the mapping. */
const DOC_ROW: Readonly<Record<string, unknown>> = {
  BucketOwner: '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be',
  Bucket: 'amzn-s3-demo-bucket1',
  TimeGenerated: '2019-02-06T00:00:38Z',
  RemoteIp: '192.0.2.3',
  Requester: '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be',
  RequestId: '3E57427F3EXAMPLE',
  Operation: 'REST.GET.VERSIONING',
  RequestUri: 'GET /amzn-s3-demo-bucket1?versioning HTTP/1.1',
  HttpStatus: 200,
  BytesSent: 113,
  TotalTime: 7,
  UserAgent: 'S3Console/0.4',
  HostId: 's9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234=',
  SignatureVersion: 'SigV4',
  CipherSuite: 'ECDHE-RSA-AES128-GCM-SHA256',
  AuthenticationType: 'AuthHeader',
  HostHeader: 'amzn-s3-demo-bucket1.s3.us-west-1.amazonaws.com',
  TLSVersion: 'TLSV1.2',
  AccessPointARN: 'arn:aws:s3:us-west-1:123456789012:accesspoint/example-AP',
  ACLRequired: 'Yes',
  [ADDITIONAL_FIELDS_COLUMN]: '{"sourceRegion":"us-east-1"}',
};

async function rowOf(text: string): Promise<Record<string, unknown>> {
  const outcomes = await parseAll('s3access', text);
  expect(malformedOf(outcomes)).toStrictEqual([]);
  const rows = rowsOf(outcomes);
  expect(rows).toHaveLength(1);
  return rows[0];
}

/** A record line from its fields, the time bracketed and Request-URI, Referer and User-Agent quoted. */
function line(fields: readonly string[]): string {
  return fields.map((f, i) => (i === 2 ? `[${f}]` : [9, 16, 17].includes(i + 1) ? `"${f}"` : f)).join(' ');
}

const DOC_FIELDS = splitAccessLogFields(DOC_RECORD) as string[];

/** {@link DOC_RECORD} with field `n` (1-based) replaced by `value`. */
function withField(n: number, value: string): string {
  return line(DOC_FIELDS.map((f, i) => (i + 1 === n ? value : f)));
}

describe('s3access format', () => {
  describe('declared columns', () => {
    const byName = new Map(AWS_S3_SERVER_ACCESS.columns.map((c) => [c.name, c]));

    test('are AWSS3ServerAccess columns with the vendored names, types and descriptions, then AdditionalFields_CF', () => {
      const columns = s3accessFormat.columns;
      expect(columns.slice(0, -1).map((c) => byName.get(c.name))).toStrictEqual(columns.slice(0, -1));
      expect(columns.at(-1)).toMatchObject({ name: ADDITIONAL_FIELDS_COLUMN, type: 'string' });
      expect(s3accessFormat.builtinTable).toBe(AWS_S3_SERVER_ACCESS);
    });

    test('are every AWSS3ServerAccess column but TimeGenerated, which the provenance columns declare', () => {
      const names = s3accessFormat.columns.map((c) => c.name);
      expect([...byName.keys()].filter((n) => !names.includes(n))).toStrictEqual(['TimeGenerated']);
    });

    test('map each documented field, in order, to a column the table has (sourceRegion to none)', () => {
      expect(S3ACCESS_FIELD_COLUMNS).toHaveLength(27);
      const unmapped = S3ACCESS_FIELD_COLUMNS.filter(([, c]) => c === undefined).map(([f]) => f);
      expect(unmapped).toStrictEqual(['sourceRegion']);
      for (const [, column] of S3ACCESS_FIELD_COLUMNS) if (column) expect(byName.has(column)).toBe(true);
    });
  });

  test("maps AWS's documented record, every field to its column, with TimeGenerated from the time", async () => {
    expect(recordColumns(await rowOf(DOC_RECORD))).toStrictEqual(DOC_ROW);
  });

  test('sends integers as integers and every other column as text', async () => {
    const row = await rowOf(DOC_RECORD);
    for (const column of s3accessFormat.columns) {
      const value = row[column.name];
      if (value === undefined) continue;
      if (column.type === 'int') expect(Number.isInteger(value)).toBe(true);
      else expect(typeof value).toBe('string');
    }
  });

  describe('"-" (no value)', () => {
    test('is omitted, quoted or not, never sent as "-"', async () => {
      const row = await rowOf(DOC_RECORD);
      expect(Object.values(row)).not.toContain('-');
      // Key, ErrorCode, ObjectSize, TurnAroundTime, Referer and VersionId are `-` in the record
      for (const column of ['Key', 'ErrorCode', 'ObjectSize', 'TurnAroundTime', 'Referer', 'VersionId'])
        expect(row).not.toHaveProperty(column);
    });

    test('in Request-URI leaves RequestUri empty (unknown_request_uri.log)', async () => {
      const row = await rowOf(fixture('s3access/unknown_request_uri.log').toString());
      expect(row).not.toHaveProperty('RequestUri');
      expect(row.HttpStatus).toBe(200);
    });

    test('in the access point ARN and aclRequired leaves both empty (valid_log_multi.log, record 2)', async () => {
      const rows = rowsOf(await parseAll('s3access', fixture('s3access/valid_log_multi.log')));
      expect(rows[1]).not.toHaveProperty('AccessPointARN');
      expect(rows[1]).not.toHaveProperty('ACLRequired');
      expect(rows[2]).toMatchObject({ HttpStatus: 404, ErrorCode: 'NoSuchBucketPolicy', ACLRequired: 'Yes' });
    });
  });

  describe('trailing fields', () => {
    test('the oldest layout (18 fields, to the version ID) fills the columns it has', async () => {
      const old = [...DOC_FIELDS.slice(0, S3ACCESS_MIN_FIELDS - 1), '3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY'];
      const row = await rowOf(line(old));
      expect(row).toMatchObject({
        UserAgent: 'S3Console/0.4',
        VersionId: '3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY',
      });
      expect(row).not.toHaveProperty('HostId');
      expect(row).not.toHaveProperty(ADDITIONAL_FIELDS_COLUMN);
    });

    test('unknown ones AWS appends go to AdditionalFields_CF by position (too_many_values.log)', async () => {
      const row = await rowOf(fixture('s3access/too_many_values.log').toString());
      expect(JSON.parse(row[ADDITIONAL_FIELDS_COLUMN] as string)).toStrictEqual({
        sourceRegion: 'us-east-1',
        field28: 'ExtraUnknownField',
      });
      expect(row.ACLRequired).toBe('Yes');
    });
  });

  describe('quoted and bracketed fields', () => {
    test('keep their spaces, and a quote not followed by a space does not end them', async () => {
      const agent =
        'aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64.amzn.2023 prompt/off command/s3.cp "x"y';
      const row = await rowOf(withField(17, agent));
      expect(row.UserAgent).toBe(agent);
      expect(row.ACLRequired).toBe('Yes');
    });

    test('split as AWS writes them', () => {
      expect(splitAccessLogFields('a [06/Feb/2019:00:00:38 +0000] "GET / HTTP/1.1" "-" b')).toStrictEqual([
        'a',
        '06/Feb/2019:00:00:38 +0000',
        'GET / HTTP/1.1',
        '-',
        'b',
      ]);
    });
  });

  describe('the time', () => {
    test.each([
      ['06/Feb/2019:00:00:38 +0000', '2019-02-06T00:00:38Z'],
      ['31/Dec/2023:23:59:59 +0000', '2023-12-31T23:59:59Z'],
      ['06/Feb/2019:01:30:38 +0130', '2019-02-06T00:00:38.000Z'],
      ['29/Feb/2023:00:00:00 +0000', undefined],
      ['06/Foo/2019:00:00:38 +0000', undefined],
      ['2019-02-06T00:00:38Z', undefined],
    ])('%s is %s', (text, iso) => {
      expect(accessLogTime(text)).toBe(iso);
    });
  });

  describe('integers past their column type', () => {
    test('keep the exact value in AdditionalFields_CF and leave the column empty (a 3 GiB object)', async () => {
      const row = await rowOf(withField(13, '3221225472'));
      expect(row).not.toHaveProperty('ObjectSize');
      expect(JSON.parse(row[ADDITIONAL_FIELDS_COLUMN] as string)).toStrictEqual({
        objectSize: '3221225472',
        sourceRegion: 'us-east-1',
      });
    });
  });

  describe('malformed lines', () => {
    test('too_few_values.log: a line cut off after the HTTP status is malformed, with a reason', async () => {
      const outcomes = await parseAll('s3access', fixture('s3access/too_few_values.log'));
      expect(outcomes).toStrictEqual([
        {
          kind: 'malformed',
          lineNumber: 1,
          index: 0,
          reason:
            "10 fields where an S3 server access log record has at least 18 (bucket owner to version ID): the line is cut off, or the producer's format is not s3access",
        },
      ]);
    });

    test.each([
      ['field 10 (httpStatus) is not an integer', withField(10, 'OK')],
      ['field 12 (bytesSent) is not an integer', withField(12, '1e3')],
      ['field 3 (time) is not a time like [06/Feb/2019:00:00:38 +0000]', withField(3, 'yesterday')],
      [
        'field 17 opens a quote that is never closed',
        DOC_RECORD.replace('"S3Console/0.4"', '"S3Console/0.4'),
      ],
      ['field 3 opens a [ that is never closed', DOC_RECORD.replace('+0000]', '+0000')],
    ])('isolates a bad line between two good ones: %s', async (reason, bad) => {
      const outcomes = await parseAll('s3access', `${DOC_RECORD}\n${bad}\n${DOC_RECORD}\n`);
      expect(malformedOf(outcomes)).toStrictEqual([{ kind: 'malformed', lineNumber: 2, index: 1, reason }]);
      expect(rowsOf(outcomes).map((r) => r.RecordIndex)).toStrictEqual([0, 2]);
    });
  });

  test('counts line numbers over blank lines and CRLF, and skips blank lines', async () => {
    const outcomes = await parseAll('s3access', `\r\n${DOC_RECORD}\r\n\r\nnot a record\r\n${DOC_RECORD}`);
    expect(countKinds(outcomes)).toStrictEqual({ row: 2, malformed: 1 });
    expect(malformedOf(outcomes)[0]).toMatchObject({ lineNumber: 4, index: 1 });
  });

  test('a continuation that skips N records resumes at record N, malformed ones counted', async () => {
    const text = `${DOC_RECORD}\nbad\n${withField(6, 'SECONDREQUEST')}\n`;
    const all = await parseAll('s3access', text);
    const resumed = await parseAll('s3access', text, objectRef(), { skipRecords: 2 });
    expect(resumed).toStrictEqual(all.slice(2));
    expect(rowsOf(resumed)[0]).toMatchObject({ RecordIndex: 2, RequestId: 'SECONDREQUEST' });
  });

  test('reads the same rows whatever the chunking, plain or gzipped', async () => {
    const data = fixture('s3access/valid_log_multi.log');
    const whole = await parseAll('s3access', data);
    expect(await parseAll('s3access', data, objectRef(), { chunkSize: 1 })).toStrictEqual(whole);
    expect(await parseAll('s3access', gzipSync(data), objectRef(), { chunkSize: 7 })).toStrictEqual(whole);
  });

  describe('samples (test/fixtures/aws/s3access), plain and gzipped', () => {
    test.each([
      ['s3access/valid_s3_access_log.log', { row: 1 }],
      ['s3access/valid_log_multi.log', { row: 3 }],
      ['s3access/unknown_request_uri.log', { row: 1 }],
      ['s3access/too_many_values.log', { row: 1 }],
      ['s3access/too_few_values.log', { malformed: 1 }],
    ])('%s', async (path, expected) => {
      const object = objectRef({ key: `AWSLogs/123456789012/${path}.gz` });
      const plain = await parseAll('s3access', fixture(path), object);
      expect(countKinds(plain)).toStrictEqual(expected);
      expect(await parseAll('s3access', gzipSync(fixture(path)), object)).toStrictEqual(plain);
    });
  });
});
