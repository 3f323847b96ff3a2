import { gzipSync } from 'node:zlib';
import { TRAILING_FIELDS_KEY } from '../../../lambda/formats/access-log-fields';
import { CLB_ADDITIONAL_FIELDS_COLUMN, CLB_FIELDS, clbFormat } from '../../../lambda/formats/clb';
import { BUILTIN_TABLES } from '../../../lambda/formats/builtin-tables';
import { builtinTableOf, columnsOf } from '../../../lambda/formats/registry';
import { PROVENANCE_COLUMNS } from '../../../lambda/formats/schema';
import { countKinds, fixture, malformedOf, objectRef, parseAll, rowsOf } from './helpers';

const PROVENANCE = new Set(PROVENANCE_COLUMNS.map((c) => c.name).filter((n) => n !== 'TimeGenerated'));

function recordColumns(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).filter(([name]) => !PROVENANCE.has(name)));
}

const SAMPLE = (): string => fixture('clb/clb_al_valid_logs.log').toString().split('\n')[0];

/** A CLB entry with field `n` (1-based) replaced by `value` (fields after the request are quoted). */
function withField(n: number, value: string): string {
  const fields = [
    '2015-05-13T23:39:43.945958Z',
    'my-loadbalancer',
    '192.168.131.39:2817',
    '10.0.0.1:80',
    '0.000086',
    '0.001048',
    '0.001337',
    '200',
    '200',
    '0',
    '57',
    '"GET https://www.example.com:443/ HTTP/1.1"',
    '"curl/7.38.0"',
    'DHE-RSA-AES128-SHA',
    'TLSv1.2',
  ];
  fields[n - 1] = value;
  return fields.join(' ');
}

const FIRST_ROW: Readonly<Record<string, unknown>> = {
  TimeGenerated: '2015-05-13T23:39:43.945958Z',
  Elb: 'my-loadbalancer',
  ClientIp: '192.168.131.39',
  ClientPort: 2817,
  BackendIp: '10.0.0.1',
  BackendPort: 80,
  RequestProcessingTime: 0.000086,
  BackendProcessingTime: 0.001048,
  ResponseProcessingTime: 0.001337,
  ElbStatusCode: 200,
  BackendStatusCode: 200,
  ReceivedBytes: 0,
  SentBytes: 57,
  RequestRaw: 'GET https://www.example.com:443/ HTTP/1.1',
  RequestMethod: 'GET',
  RequestUrl: 'https://www.example.com:443/',
  RequestProtocol: 'HTTP/1.1',
  UserAgent: 'curl/7.38.0',
  SslCipher: 'DHE-RSA-AES128-SHA',
  SslProtocol: 'TLSv1.2',
};

describe('clb format', () => {
  describe('declared columns: a typed custom table', () => {
    test('has no built-in table (Sentinel has none for Classic Load Balancer logs)', () => {
      expect(clbFormat.builtinTable).toBeUndefined();
      expect(builtinTableOf('clb')).toBeUndefined();
      expect(Object.keys(BUILTIN_TABLES).filter((name) => /CLB|Classic/i.test(name))).toStrictEqual([]);
    });

    test('declares a typed column for every documented field, in order, and the additional fields', () => {
      expect(CLB_FIELDS.map(([field]) => field)).toStrictEqual([
        'time',
        'elb',
        'client:port',
        'backend:port',
        'request_processing_time',
        'backend_processing_time',
        'response_processing_time',
        'elb_status_code',
        'backend_status_code',
        'received_bytes',
        'sent_bytes',
        'request',
        'user_agent',
        'ssl_cipher',
        'ssl_protocol',
      ]);
      expect(Object.fromEntries(clbFormat.columns.map((c) => [c.name, c.type]))).toStrictEqual({
        Elb: 'string',
        ClientIp: 'string',
        ClientPort: 'int',
        BackendIp: 'string',
        BackendPort: 'int',
        RequestProcessingTime: 'real',
        BackendProcessingTime: 'real',
        ResponseProcessingTime: 'real',
        ElbStatusCode: 'int',
        BackendStatusCode: 'int',
        ReceivedBytes: 'long',
        SentBytes: 'long',
        RequestRaw: 'string',
        UserAgent: 'string',
        SslCipher: 'string',
        SslProtocol: 'string',
        RequestMethod: 'string',
        RequestUrl: 'string',
        RequestProtocol: 'string',
        [CLB_ADDITIONAL_FIELDS_COLUMN]: 'dynamic',
      });
    });

    test('every column has a description and a name no provenance column has', () => {
      const provenance = new Set(PROVENANCE_COLUMNS.map((c) => c.name));
      for (const column of clbFormat.columns) {
        expect(column.description?.trim()).toBeTruthy();
        expect(provenance.has(column.name)).toBe(false);
      }
      const names = columnsOf('clb').map((c) => c.name);
      expect(names.filter((n, i) => names.indexOf(n) !== i)).toStrictEqual([]);
    });
  });

  test('maps the sample; the undispatched request has no backend', async () => {
    const rows = rowsOf(await parseAll('clb', fixture('clb/clb_al_valid_logs.log'))).map(recordColumns);
    expect(rows).toStrictEqual(
      [FIRST_ROW, { ...FIRST_ROW, BackendIp: undefined, BackendPort: undefined }].map((row) =>
        Object.fromEntries(Object.entries(row).filter(([, v]) => v !== undefined)),
      ),
    );
  });

  test('a TCP entry: status codes, request parts and user agent absent, never "-"', async () => {
    const tcp = [
      '2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.001069 0.000028 0.000041',
      '- - 82 305 "- - - " "-" - -',
    ].join(' ');
    const [row] = rowsOf(await parseAll('clb', tcp)).map(recordColumns);
    expect(row).toStrictEqual({
      TimeGenerated: '2015-05-13T23:39:43.945958Z',
      Elb: 'my-loadbalancer',
      ClientIp: '192.168.131.39',
      ClientPort: 2817,
      BackendIp: '10.0.0.1',
      BackendPort: 80,
      RequestProcessingTime: 0.001069,
      BackendProcessingTime: 0.000028,
      ResponseProcessingTime: 0.000041,
      ReceivedBytes: 82,
      SentBytes: 305,
      RequestRaw: '- - - ',
    });
  });

  test('-1 durations (not dispatched) are kept: AWS documents them', async () => {
    const [row] = rowsOf(await parseAll('clb', withField(5, '-1')));
    expect(row.RequestProcessingTime).toBe(-1);
  });

  test('fields appended after ssl_protocol, and integers too large, go to AdditionalFields as an object', async () => {
    const [row] = rowsOf(await parseAll('clb', `${withField(11, '9007199254740993')} extra "more"`));
    expect(row).not.toHaveProperty('SentBytes');
    expect(row[CLB_ADDITIONAL_FIELDS_COLUMN]).toStrictEqual({
      sent_bytes: '9007199254740993',
      [TRAILING_FIELDS_KEY]: ['extra', '"more"'],
    });
  });

  test.each([
    ['clb/clb_al_valid_logs.log', { row: 2 }],
    ['clb/clb_al_insufficient_fields.log', { malformed: 1 }],
    ['alb/elb_control.log', { 'skipped-object': 1 }],
  ])('%s: exact counts, plain and gzipped', async (path, expected) => {
    const object = objectRef({ key: `AWSLogs/123456789012/elasticloadbalancing/us-east-2/${path}.gz` });
    const plain = await parseAll('clb', fixture(path), object);
    expect(countKinds(plain)).toStrictEqual(expected);
    expect(await parseAll('clb', gzipSync(fixture(path)), object)).toStrictEqual(plain);
  });

  describe('malformed lines', () => {
    test('the insufficient sample names the line and the missing fields', async () => {
      expect(await parseAll('clb', fixture('clb/clb_al_insufficient_fields.log'))).toStrictEqual([
        {
          kind: 'malformed',
          lineNumber: 1,
          index: 0,
          reason:
            "3 fields where Classic Load Balancer access log entries have at least 15: backend:port to ssl_protocol missing (check that the object holds Classic Load Balancer access logs, which the producer's format 'clb' reads)",
        },
      ]);
    });

    test('an ALB entry is refused at its first field', async () => {
      const [outcome] = malformedOf(await parseAll('clb', fixture('alb/alb_al_valid_logs.log')));
      expect(outcome.reason).toBe('field 1 (time) is not an ISO 8601 time');
    });

    test.each([
      [3, '192.168.131.39', 'field 3 (client:port) is not an IP address and port'],
      [5, '0,5', 'field 5 (request_processing_time) is not a number'],
      [8, 'OK', 'field 8 (elb_status_code) is not an integer'],
      [10, '1e3', 'field 10 (received_bytes) is not an integer'],
      [13, '"curl/7.38.0', 'field 13 opens a quote that is never closed'],
    ])(
      'field %i %j is isolated between good lines, with a reason that never quotes it',
      async (n, value, reason) => {
        const outcomes = await parseAll('clb', [SAMPLE(), withField(n, value), SAMPLE()].join('\n'));
        expect(malformedOf(outcomes)).toStrictEqual([{ kind: 'malformed', lineNumber: 2, index: 1, reason }]);
        expect(rowsOf(outcomes)).toHaveLength(2);
        expect(reason).not.toContain(value);
      },
    );
  });

  test('a continuation skips the records already delivered, with the same indexes and line numbers', async () => {
    const text = [SAMPLE(), '2015-05-13T23:39:43.945958Z my-loadbalancer', '', SAMPLE(), SAMPLE()].join('\n');
    const all = await parseAll('clb', text);
    const rest = await parseAll('clb', text, objectRef(), { skipRecords: 2 });
    expect(rest).toStrictEqual(all.slice(2));
    expect(rest.map((o) => (o.kind === 'row' ? o.row.RecordIndex : o.kind))).toStrictEqual([2, 3]);
    expect(malformedOf(all).map((m) => m.lineNumber)).toStrictEqual([2]);
  });
});
