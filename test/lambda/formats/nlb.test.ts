import { gzipSync } from 'node:zlib';
import { TRAILING_FIELDS_KEY } from '../../../lambda/formats/access-log-fields';
import { ADDITIONAL_FIELDS_COLUMN } from '../../../lambda/formats/additional-fields';
import { AWS_NLB_ACCESS_LOGS } from '../../../lambda/formats/builtin-tables';
import { NLB_FIELDS, nlbFormat } from '../../../lambda/formats/nlb';
import { PROVENANCE_COLUMNS } from '../../../lambda/formats/schema';
import { countKinds, fixture, malformedOf, objectRef, parseAll, rowsOf } from './helpers';

/** The NLB sample's entry, field by field, and the columns it becomes. */
const SAMPLE_ROW: Readonly<Record<string, unknown>> = {
  NLBType: 'tls',
  Version: '2.0',
  // NLB writes UTC times with no offset.
  TimeGenerated: '2020-04-01T08:51:42Z',
  Nlb: 'net/my-network-loadbalancer/c6e77e28c25b2234',
  Listener: 'g3d4b5e8bb8464cd',
  ClientIPPort: '72.21.218.154:51341',
  TargetIPPort: '172.100.100.185:443',
  ConnectionTime: '5',
  TlsHandshakeTime: '2',
  ReceivedBytes: '98',
  SentBytes: '246',
  ChosenCertArn: 'arn:aws:acm:us-east-2:671290407336:certificate/2a108f19-aded-46b0-8493-c63eb1ef4a99',
  TLSCipher: 'ECDHE-RSA-AES128-SHA',
  TLSProtocolVersion: 'tlsv12',
  DomainName: 'my-network-loadbalancer-c6e77e28c25b2234.elb.us-east-2.amazonaws.com',
  ALPNFEProtocol: 'h2',
  ALPNBEProtocol: 'h2',
  ALPNClientPrefList: '"h2","http/1.1"',
  TLSConnectionCreationTime: '2020-04-01T08:51:20',
};

const PROVENANCE = new Set(PROVENANCE_COLUMNS.map((c) => c.name).filter((n) => n !== 'TimeGenerated'));

function recordColumns(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).filter(([name]) => !PROVENANCE.has(name)));
}

const SAMPLE = (): string => fixture('nlb/nlb_al_valid_logs.log').toString();

/** The sample's line with field `n` (1-based) replaced by `value`. */
function withField(n: number, value: string): string {
  const fields = SAMPLE().split(' ');
  fields[n - 1] = value;
  return fields.join(' ');
}

describe('nlb format', () => {
  describe('declared columns', () => {
    const table = new Map(AWS_NLB_ACCESS_LOGS.columns.map((c) => [c.name, c]));
    const declared = nlbFormat.columns.filter((c) => c.name !== ADDITIONAL_FIELDS_COLUMN);

    test('write to AWSNLBAccessLogs, with the vendored names, types and descriptions', () => {
      expect(nlbFormat.builtinTable).toBe(AWS_NLB_ACCESS_LOGS);
      for (const column of declared) expect(column).toStrictEqual(table.get(column.name));
    });

    test('are every AWSNLBAccessLogs column but TimeGenerated, then AdditionalFields_CF', () => {
      const expected = AWS_NLB_ACCESS_LOGS.columns.map((c) => c.name).filter((n) => n !== 'TimeGenerated');
      expect(declared.map((c) => c.name).sort()).toStrictEqual(expected.sort());
      expect(nlbFormat.columns.at(-1)).toMatchObject({ name: ADDITIONAL_FIELDS_COLUMN, type: 'string' });
    });

    test('map the 22 documented fields in order, each to its own column', () => {
      expect(NLB_FIELDS.map(([field]) => field)).toStrictEqual([
        'type',
        'version',
        'time',
        'elb',
        'listener',
        'client:port',
        'destination:port',
        'connection_time',
        'tls_handshake_time',
        'received_bytes',
        'sent_bytes',
        'incoming_tls_alert',
        'chosen_cert_arn',
        'chosen_cert_serial',
        'tls_cipher',
        'tls_protocol_version',
        'tls_named_group',
        'domain_name',
        'alpn_fe_protocol',
        'alpn_be_protocol',
        'alpn_client_preference_list',
        'tls_connection_creation_time',
      ]);
      expect(new Set(NLB_FIELDS.map(([, column]) => column)).size).toBe(22);
    });
  });

  test('maps the sample: text columns as written, the ALPN list with its quotes, "-" omitted', async () => {
    const rows = rowsOf(await parseAll('nlb', SAMPLE())).map(recordColumns);
    expect(rows).toStrictEqual([SAMPLE_ROW]);
    // incoming_tls_alert, chosen_cert_serial and tls_named_group are `-` in the sample
    expect(rows[0]).not.toHaveProperty('IncomingTLSAlert');
    expect(Object.values(rows[0])).not.toContain('-');
  });

  test('every value is a string but TimeGenerated, as AWSNLBAccessLogs types them', async () => {
    const [row] = rowsOf(await parseAll('nlb', SAMPLE())).map(recordColumns);
    for (const [name, value] of Object.entries(row))
      expect([name, typeof value]).toStrictEqual([name, 'string']);
    expect(new Date(row.TimeGenerated as string).toISOString()).toBe('2020-04-01T08:51:42.000Z');
  });

  test('fields appended after tls_connection_creation_time go to AdditionalFields_CF, as written', async () => {
    const [row] = rowsOf(await parseAll('nlb', `${SAMPLE()} new-field "quoted" -`));
    expect(JSON.parse(row[ADDITIONAL_FIELDS_COLUMN] as string)).toStrictEqual({
      [TRAILING_FIELDS_KEY]: ['new-field', '"quoted"', '-'],
    });
  });

  test('a time with an offset is converted to UTC', async () => {
    const [row] = rowsOf(await parseAll('nlb', withField(3, '2020-04-01T10:51:42+02:00')));
    expect(row.TimeGenerated).toBe('2020-04-01T08:51:42.000Z');
  });

  test.each([
    ['nlb/nlb_al_valid_logs.log', { row: 1 }],
    ['nlb/nlb_al_insufficient_fields.log', { malformed: 1 }],
    ['alb/elb_control.log', { 'skipped-object': 1 }],
  ])('%s: exact counts, plain and gzipped', async (path, expected) => {
    const object = objectRef({ key: `AWSLogs/123456789012/elasticloadbalancing/us-east-2/${path}.gz` });
    const plain = await parseAll('nlb', fixture(path), object);
    expect(countKinds(plain)).toStrictEqual(expected);
    expect(await parseAll('nlb', gzipSync(fixture(path)), object)).toStrictEqual(plain);
  });

  describe('malformed lines', () => {
    test('the insufficient sample names the line and the missing fields', async () => {
      expect(await parseAll('nlb', fixture('nlb/nlb_al_insufficient_fields.log'))).toStrictEqual([
        {
          kind: 'malformed',
          lineNumber: 1,
          index: 0,
          reason:
            "3 fields where NLB access log entries have at least 22: elb to tls_connection_creation_time missing (check that the object holds NLB access logs, which the producer's format 'nlb' reads)",
        },
      ]);
    });

    test('an ALB entry is refused at its second field', async () => {
      const [outcome] = malformedOf(await parseAll('nlb', fixture('alb/alb_al_valid_logs.log')));
      expect(outcome.reason).toBe(
        'field 2 (version) is not a log version such as 2.0 (is the object an NLB access log?)',
      );
    });

    test.each([
      [1, 'TLS', 'field 1 (type) is not a listener type such as tls'],
      [3, '01/Apr/2020', 'field 3 (time) is not an ISO 8601 time'],
      [8, '5ms', 'field 8 (connection_time) is not an integer'],
      [10, '9.8', 'field 10 (received_bytes) is not an integer'],
    ])(
      'field %i %j is isolated between good lines, with a reason that never quotes it',
      async (n, value, reason) => {
        const outcomes = await parseAll('nlb', [SAMPLE(), withField(n, value), SAMPLE()].join('\n'));
        expect(malformedOf(outcomes)).toStrictEqual([{ kind: 'malformed', lineNumber: 2, index: 1, reason }]);
        expect(rowsOf(outcomes)).toHaveLength(2);
        expect(reason).not.toContain(value);
      },
    );
  });

  test('a continuation skips the records already delivered, with the same indexes and line numbers', async () => {
    const text = [SAMPLE(), 'tls 2.0', '', SAMPLE(), SAMPLE()].join('\n');
    const all = await parseAll('nlb', text);
    const rest = await parseAll('nlb', text, objectRef(), { skipRecords: 2 });
    expect(rest).toStrictEqual(all.slice(2));
    expect(rest.map((o) => (o.kind === 'row' ? [o.row.RecordIndex, o.index] : o.kind))).toStrictEqual([
      [2, 2],
      [3, 3],
    ]);
    expect(malformedOf(all).map((m) => m.lineNumber)).toStrictEqual([2]);
  });
});
