import { gzipSync } from 'node:zlib';
import {
  CLOUDFRONT_ADDITIONAL_FIELDS_COLUMN,
  CLOUDFRONT_FIELD_COLUMNS,
  cloudfrontFormat,
  decodeCloudFrontValue,
} from '../../../lambda/formats/cloudfront';
import { PROVENANCE_COLUMNS, TRUNCATION_COLUMNS } from '../../../lambda/formats/schema';
import { countKinds, fixture, malformedOf, objectRef, parseAll, rowsOf, hasIndex } from './helpers';

const ADDITIONAL = CLOUDFRONT_ADDITIONAL_FIELDS_COLUMN;

/** The 33 fields of a 2019+ legacy standard log, as its `#Fields:` line names them. */
const FIELDS_33 =
  'date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end';

/** A log file with `fields` (space-separated names) and one TAB-separated line per record. */
function logFile(fields: string, ...records: Record<string, string>[]): string {
  const names = fields.split(' ');
  return [
    '#Version: 1.0',
    `#Fields: ${fields}`,
    ...records.map((r) => names.map((n) => r[n] ?? '-').join('\t')),
  ].join('\n');
}

async function rowOf(text: string): Promise<Record<string, unknown>> {
  const outcomes = await parseAll('cloudfront', text);
  expect(countKinds(outcomes)).toStrictEqual({ row: 1 });
  return rowsOf(outcomes)[0];
}

describe('cloudfront format', () => {
  describe('declared columns', () => {
    test('name every documented field, typed, and the additional-fields column last', () => {
      expect(cloudfrontFormat.builtinTable).toBeUndefined();
      expect(cloudfrontFormat.columns.map((c) => [c.name, c.type])).toStrictEqual([
        ...[...CLOUDFRONT_FIELD_COLUMNS.values()].map((f) => [f.column, f.type]),
        [ADDITIONAL, 'string'],
      ]);
      expect(CLOUDFRONT_FIELD_COLUMNS.get('sc-bytes')).toMatchObject({ column: 'ScBytes', type: 'long' });
      expect(CLOUDFRONT_FIELD_COLUMNS.get('sc-status')).toMatchObject({ column: 'ScStatus', type: 'int' });
      expect(CLOUDFRONT_FIELD_COLUMNS.get('time-taken')).toMatchObject({ column: 'TimeTaken', type: 'real' });
    });

    test('clash with no provenance or truncation column, and every one has a description', () => {
      const reserved = new Set([...PROVENANCE_COLUMNS, ...TRUNCATION_COLUMNS].map((c) => c.name));
      expect(cloudfrontFormat.columns.filter((c) => reserved.has(c.name))).toStrictEqual([]);
      expect(cloudfrontFormat.columns.filter((c) => !c.description)).toStrictEqual([]);
      expect(new Set(cloudfrontFormat.columns.map((c) => c.name)).size).toBe(cloudfrontFormat.columns.length);
    });

    test('cover every field of the 33-field layout except date and time, which make TimeGenerated', () => {
      const unmapped = FIELDS_33.split(' ').filter((f) => !CLOUDFRONT_FIELD_COLUMNS.has(f));
      expect(unmapped).toStrictEqual(['date', 'time']);
    });
  });

  describe('the samples', () => {
    test('the 2014 layout (24 fields): typed values, decoded user agent, "-" omitted', async () => {
      // GIVEN AWS's example records as the 2014 layout writes them
      const rows = rowsOf(await parseAll('cloudfront', fixture('cloudfront/web-1-0.txt')));
      // THEN every field fills its column in its type
      expect(rows).toHaveLength(2);
      expect(rows[0]).toStrictEqual({
        ...rows[0],
        TimeGenerated: '2014-05-23T01:13:11Z',
        XEdgeLocation: 'FRA2',
        ScBytes: 182,
        CIp: '192.0.2.10',
        CsMethod: 'GET',
        CsHost: 'd111111abcdef8.cloudfront.net',
        CsUriStem: '/view/my/file.html',
        ScStatus: 200,
        CsReferer: 'www.displaymyfiles.com',
        CsUserAgent:
          'Mozilla/5.0 (iPhone; CPU iPhone OS 10_2_1 like Mac OS X) AppleWebKit/602.4.6 (KHTML, like Gecko) Version/10.0 Mobile/14D27 Safari/602.1',
        CsCookie: 'zip=98101',
        XEdgeResultType: 'RefreshHit',
        XEdgeRequestId: 'MRVMF7KydIvxMWfJIglgwHQwZsbG2IhRJ07sn9AkKUFSHS9EXAMPLE==',
        XHostHeader: 'd111111abcdef8.cloudfront.net',
        CsProtocol: 'http',
        TimeTaken: 0.001,
        XEdgeResponseResultType: 'RefreshHit',
        CsProtocolVersion: 'HTTP/1.1',
      });
      // ... and what was "-" is absent, not "-"
      for (const column of ['CsUriQuery', 'CsBytes', 'XForwardedFor', 'SslProtocol', 'SslCipher', ADDITIONAL])
        expect(rows[0]).not.toHaveProperty(column);
      expect(rows[1]).toMatchObject({ CsUriQuery: 'a=b&c=d', ScStatus: 304, ScBytes: 2390282 });
    });

    test('the 33-field layout, its header split by TABs, its trailing TAB not a field', async () => {
      const rows = rowsOf(await parseAll('cloudfront', fixture('cloudfront/web-1-0-2019-12.txt')));
      expect(rows).toHaveLength(3);
      for (const row of rows) {
        expect(row).toMatchObject({
          TimeGenerated: '2019-12-04T21:02:31Z',
          CsBytes: 23,
          SslProtocol: 'TLSv1.2',
          SslCipher: 'ECDHE-RSA-AES128-GCM-SHA256',
          CsProtocolVersion: 'HTTP/2.0',
          CPort: 11040,
          XEdgeDetailedResultType: 'Hit',
          ScContentType: 'text/html',
          ScContentLen: 78,
        });
        for (const column of ['FleStatus', 'FleEncryptedFields', 'ScRangeStart', 'ScRangeEnd', ADDITIONAL])
          expect(row).not.toHaveProperty(column);
      }
      expect(rows.map((r) => r.TimeToFirstByte)).toStrictEqual([0.001, 0, 0.001]);
    });

    test.each([
      ['cloudfront/web-1-0.txt', { row: 2 }],
      ['cloudfront/web-1-0-2019-12.txt', { row: 3 }],
    ])('%s: exact counts, plain and gzipped', async (path, expected) => {
      const object = objectRef({ key: `AWSLogs/123456789012/${path}.gz` });
      const plain = await parseAll('cloudfront', fixture(path), object);
      expect(countKinds(plain)).toStrictEqual(expected);
      expect(await parseAll('cloudfront', gzipSync(fixture(path)), object)).toStrictEqual(plain);
    });
  });

  describe('the #Fields: line sets the column order', () => {
    test('fields in another order, and a subset (standard logging v2 lets each distribution choose)', async () => {
      const row = await rowOf(
        logFile('sc-status c-ip time date cs-uri-stem', {
          'sc-status': '403',
          'c-ip': '2001:db8::1',
          time: '10:00:01',
          date: '2025-03-04',
          'cs-uri-stem': '/admin',
        }),
      );
      expect(row).toMatchObject({
        ScStatus: 403,
        CIp: '2001:db8::1',
        TimeGenerated: '2025-03-04T10:00:01Z',
        CsUriStem: '/admin',
      });
    });

    test('v2 fields fill their columns; unknown ones go to AdditionalFields as written', async () => {
      const row = await rowOf(
        logFile(
          'date time DistributionId asn c-country origin-fbl origin-lbl cache-behavior-path-pattern future-field __proto__',
          {
            date: '2025-03-04',
            time: '10:00:01',
            DistributionId: 'E1ABCDEF',
            asn: '64496',
            'c-country': 'DE',
            'origin-fbl': '0.012',
            'origin-lbl': '0.034',
            'cache-behavior-path-pattern': '/api/*',
            'future-field': 'a%20b',
            ['__proto__']: 'p',
          },
        ),
      );
      expect(row).toMatchObject({
        DistributionId: 'E1ABCDEF',
        Asn: 64496,
        CCountry: 'DE',
        OriginFbl: 0.012,
        OriginLbl: 0.034,
        CacheBehaviorPathPattern: '/api/*',
      });
      expect(JSON.parse(row[ADDITIONAL] as string)).toStrictEqual(
        JSON.parse('{"future-field":"a%20b","__proto__":"p"}'),
      );
    });

    test('a second file concatenated with another layout parses each line by its own header', async () => {
      const first = logFile('date time sc-status', {
        date: '2025-01-01',
        time: '00:00:00',
        'sc-status': '200',
      });
      const second = logFile('date time c-ip sc-status', {
        date: '2025-01-02',
        time: '00:00:00',
        'c-ip': '192.0.2.1',
        'sc-status': '404',
      });
      for (const chunkSize of [undefined, 3]) {
        const rows = rowsOf(
          await parseAll(
            'cloudfront',
            `${first}\n${second}\n${first}`,
            undefined,
            chunkSize ? { chunkSize } : {},
          ),
        );
        expect(rows.map((r) => [r.ScStatus, r.CIp])).toStrictEqual([
          [200, undefined],
          [404, '192.0.2.1'],
          [200, undefined],
        ]);
      }
    });

    test('without a #Fields: line, the legacy order, for any layout from 24 to 33 fields', async () => {
      const text = fixture('cloudfront/web-1-0.txt').toString().split('\n').slice(2).join('\n');
      const rows = rowsOf(await parseAll('cloudfront', text));
      expect(rows.map((r) => r.CsProtocolVersion)).toStrictEqual(['HTTP/1.1', 'HTTP/1.1']);
    });
  });

  describe('time', () => {
    test('v2 timestamp(ms) makes TimeGenerated when date and time are not logged', async () => {
      const row = await rowOf(
        logFile('timestamp(ms) c-ip', { 'timestamp(ms)': '1741082401123', 'c-ip': '192.0.2.1' }),
      );
      expect(row.TimeGenerated).toBe('2025-03-04T10:00:01.123Z');
      expect(row).not.toHaveProperty(ADDITIONAL);
    });

    test('a time field not used for TimeGenerated is kept, not dropped', async () => {
      const row = await rowOf(
        logFile('date time timestamp', { date: '2025-03-04', time: '10:00:01', timestamp: '1741082401' }),
      );
      expect(row.TimeGenerated).toBe('2025-03-04T10:00:01Z');
      expect(JSON.parse(row[ADDITIONAL] as string)).toStrictEqual({ timestamp: '1741082401' });
    });

    test('no time field leaves TimeGenerated to the S3 event time', async () => {
      const row = await rowOf(logFile('c-ip', { 'c-ip': '192.0.2.1' }));
      expect(row.TimeGenerated).toBe(objectRef().eventTime);
    });
  });

  describe('values', () => {
    test.each([
      ['Mozilla/5.0%2520(X11;%2520Linux)', 'Mozilla/5.0 (X11; Linux)'],
      ['say%2522hi%2522%255Cn', 'say"hi"\\n'],
      ['/a%2520b/%25C3%25A9', '/a b/%C3%A9'],
      ['caf%C3%A9', 'café'],
      ['bad%FFutf8%20ok', 'bad%FFutf8 ok'],
      ['100%', '100%'],
      ['plain', 'plain'],
    ])('decodes %j as %j', (text, value) => {
      expect(decodeCloudFrontValue(text)).toBe(value);
    });

    test('a number too large or not a number for its column is kept as written, the column left empty', async () => {
      const row = await rowOf(
        logFile('date time sc-status c-port sc-bytes time-taken', {
          date: '2025-03-04',
          time: '10:00:01',
          'sc-status': '000',
          'c-port': '99999999999',
          'sc-bytes': '1e3',
          'time-taken': 'fast',
        }),
      );
      expect(row.ScStatus).toBe(0);
      for (const column of ['CPort', 'ScBytes', 'TimeTaken']) expect(row).not.toHaveProperty(column);
      expect(JSON.parse(row[ADDITIONAL] as string)).toStrictEqual({
        'c-port': '99999999999',
        'sc-bytes': '1e3',
        'time-taken': 'fast',
      });
    });
  });

  describe('malformed lines', () => {
    test.each([
      [
        'a field missing',
        (fields: string[]) => fields.slice(1),
        '32 fields where the #Fields: line names 33',
      ],
      [
        'a field too many',
        (fields: string[]) => [...fields, 'x'],
        '34 fields where the #Fields: line names 33',
      ],
      [
        'a date that is not one',
        (fields: string[]) => ['2019-13-04', ...fields.slice(1)],
        'date and time are not a UTC date (YYYY-MM-DD) and time (HH:MM:SS)',
      ],
      [
        'no time',
        (fields: string[]) => [fields[0], '-', ...fields.slice(2)],
        'the line has date but no time',
      ],
    ])('fails on %s, naming the line; the lines around it arrive', async (_, mutate, reason) => {
      // GIVEN the 33-field sample with its second record broken (line 4)
      const lines = fixture('cloudfront/web-1-0-2019-12.txt').toString().split('\n');
      lines[3] = mutate(lines[3].split('\t')).join('\t');
      // WHEN
      const outcomes = await parseAll('cloudfront', lines.join('\n'));
      // THEN
      expect(malformedOf(outcomes)).toStrictEqual([{ kind: 'malformed', lineNumber: 4, index: 1, reason }]);
      expect(rowsOf(outcomes).map((r) => r.RecordIndex)).toStrictEqual([0, 2]);
    });

    test('fails on a line of too few fields when there is no #Fields: line', async () => {
      const outcomes = await parseAll('cloudfront', 'not\ta\tcloudfront\tline');
      expect(outcomes).toStrictEqual([
        {
          kind: 'malformed',
          lineNumber: 1,
          index: 0,
          reason: '4 fields, and no #Fields: line: a CloudFront standard log line has 24 to 33',
        },
      ]);
    });
  });

  test('continuation: skipRecords skips the same lines on every read, malformed ones included', async () => {
    const lines = fixture('cloudfront/web-1-0-2019-12.txt').toString().split('\n');
    lines[3] = 'broken';
    const text = `${lines.join('\n')}\n${fixture('cloudfront/web-1-0.txt').toString()}`;
    const all = await parseAll('cloudfront', text);
    expect(countKinds(all)).toStrictEqual({ row: 4, malformed: 1 });
    for (let skip = 0; skip <= 5; skip++) {
      const resumed = await parseAll('cloudfront', text, undefined, { skipRecords: skip, chunkSize: 11 });
      expect(resumed.filter(hasIndex)).toStrictEqual(all.filter((o) => hasIndex(o) && o.index >= skip));
    }
  });
});
