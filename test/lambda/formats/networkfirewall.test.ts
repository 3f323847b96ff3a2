// The `networkfirewall` format: AWS Network Firewall alert, flow and TLS logs, each event to its own
// output (AWSNetworkFirewallAlert, AWSNetworkFirewallFlow, AWSNetworkFirewallTls). The mapping follows
// Microsoft's connector DCR (see lambda/formats/networkfirewall.ts); test/integration/networkfirewall.test.ts
// checks it against that DCR's own transform.
import { gzipSync } from 'node:zlib';
import {
  AWS_NETWORK_FIREWALL_ALERT,
  AWS_NETWORK_FIREWALL_FLOW,
  AWS_NETWORK_FIREWALL_TLS,
  builtinMismatches,
  builtinTableOf,
  columnsOf,
  FORMATS,
  isMultiOutput,
  outputNamesOf,
  outputOf,
  outputsOf,
} from '../../../lambda/formats';
import { parseObject, type ParseOutcome } from '../../../lambda/pipeline/parse-object';
import { countKinds, fixture, malformedOf, objectRef, parseAll, chunked, hasIndex } from './helpers';

type RowOutcome = Extract<ParseOutcome, { kind: 'row' }>;

function rowOutcomes(outcomes: readonly ParseOutcome[]): RowOutcome[] {
  return outcomes.filter((o): o is RowOutcome => o.kind === 'row');
}

/** Rows per output, and malformed, of `outcomes`. */
function countsPerOutput(outcomes: readonly ParseOutcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes) {
    const key = o.kind === 'row' ? (o.output ?? '(none)') : o.kind;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** The format's own columns of a row, without provenance. */
function formatFields(row: Record<string, unknown>): Record<string, unknown> {
  const provenance = new Set(columnsOf('ndjson').map((c) => c.name));
  provenance.delete('Record');
  return Object.fromEntries(Object.entries(row).filter(([k]) => !provenance.has(k)));
}

const ALERT_LINE = JSON.stringify({
  firewall_name: 'fw-1',
  availability_zone: 'us-east-1a',
  event_timestamp: '1601587565',
  aws_category: ['Technology and Internet'],
  event: {
    timestamp: '2020-10-01T21:26:05.007515+0000',
    flow_id: 'FLOW_ID', // past 2^53, written into the text below: must arrive as written
    event_type: 'alert',
    src_ip: '10.16.197.56',
    src_port: 49157,
    dest_ip: '8.8.8.8',
    dest_port: 53,
    proto: 'UDP',
    app_proto: 'dns',
    tx_id: 0,
    pkt_src: 'wire/pseudo',
    direction: 'to_server',
    alert: {
      action: 'blocked',
      signature_id: 7,
      rev: 1,
      signature: 'dns block',
      category: '',
      severity: 3,
      gid: 1,
    },
    verdict: { action: 'drop' },
    tls: { sni: 'example.com', version: 'TLS 1.2', subject: 'CN=example.com' },
    tls_inspected: true,
  },
}).replace('"FLOW_ID"', '12345678901234567891');

const FLOW_LINE = JSON.stringify({
  firewall_name: 'fw-1',
  availability_zone: 'us-east-1a',
  event_timestamp: 1601587565,
  event: {
    timestamp: '2020-10-01T21:26:05.007515Z',
    flow_id: 1582438383425873,
    event_type: 'netflow',
    src_ip: '10.0.0.1',
    src_port: 1234,
    dest_ip: '10.0.0.2',
    dest_port: 443,
    proto: 'TCP',
    app_proto: 'tls',
    netflow: {
      pkts: 3,
      bytes: 180,
      start: '2020-10-01T21:25:05.000000+0000',
      end: '2020-10-01T21:26:05.000000+0000',
      age: 60,
      min_ttl: 63,
      max_ttl: 64,
      tx_cnt: 1,
    },
    tcp: { tcp_flags: '1b', syn: true, fin: true, psh: true, ack: true, state: 'closed' },
  },
});

/** AWS's documented TLS log record: no event_type, revocation result under revocation_check. */
const TLS_LINE = JSON.stringify({
  firewall_name: 'egress-fw',
  availability_zone: 'us-east-1d',
  event_timestamp: 1708361189,
  event: {
    src_ip: '10.0.2.53',
    src_port: '55930',
    revocation_check: { leaf_cert_fpr: '1234567890EXAMPLE0987654321', action: 'DROP', status: 'REVOKED' },
    dest_ip: '54.92.160.72',
    dest_port: '443',
    timestamp: '2024-02-19T16:46:29.441824Z',
    sni: 'example.com',
  },
});

describe('networkfirewall outputs', () => {
  test('declares alert, flow and tls, each shaped for its built-in table', () => {
    expect(isMultiOutput('networkfirewall')).toBe(true);
    expect(outputNamesOf('networkfirewall')).toStrictEqual(['alert', 'flow', 'tls']);
    expect(outputsOf('networkfirewall').map((o) => o.builtinTable)).toStrictEqual([
      AWS_NETWORK_FIREWALL_ALERT,
      AWS_NETWORK_FIREWALL_FLOW,
      AWS_NETWORK_FIREWALL_TLS,
    ]);
    for (const output of outputsOf('networkfirewall')) {
      // Every column is the table's own (name and type) or an added _CF column.
      expect(
        builtinMismatches(columnsOf('networkfirewall', output.name), output.builtinTable!),
      ).toStrictEqual([]);
      expect(builtinTableOf('networkfirewall', output.name)).toBe(output.builtinTable);
    }
  });

  test("the format's own columns and table are its first output's", () => {
    const format = FORMATS.networkfirewall;
    expect(format.columns).toBe(outputOf('networkfirewall', 'alert').columns);
    expect(format.builtinTable).toBe(AWS_NETWORK_FIREWALL_ALERT);
    expect(columnsOf('networkfirewall')).toStrictEqual(columnsOf('networkfirewall', 'alert'));
    expect(builtinTableOf('networkfirewall')).toBe(AWS_NETWORK_FIREWALL_ALERT);
  });

  test('single-output formats have no outputs, and columnsOf is unchanged for them', () => {
    expect(outputsOf('cloudtrail')).toStrictEqual([]);
    expect(isMultiOutput('vpcflow')).toBe(false);
    expect(() => columnsOf('cloudtrail', 'alert')).toThrow('format cloudtrail has one output');
  });

  test('fails if asked for an output the format does not have', () => {
    expect(() => columnsOf('networkfirewall', 'http')).toThrow(
      'format networkfirewall has no output "http"; its outputs are alert, flow, tls',
    );
  });
});

describe('networkfirewall mapping', () => {
  test("maps an alert event as Microsoft's alert data flow does, the rest to AdditionalFields_CF", async () => {
    const [row] = rowOutcomes(await parseAll('networkfirewall', ALERT_LINE));
    expect(row.output).toBe('alert');
    expect(row.row.TimeGenerated).toBe('2020-10-01T21:26:05.007515Z');
    expect(formatFields(row.row)).toStrictEqual({
      FirewallName: 'fw-1',
      AvailabilityZone: 'us-east-1a',
      EventTimestamp: '2020-10-01T21:26:05.000Z',
      Timestamp: '2020-10-01T21:26:05.007515Z',
      FlowId: '12345678901234567891',
      EventType: 'alert',
      SrcIp: '10.16.197.56',
      SrcPort: '49157',
      DestIp: '8.8.8.8',
      DestPort: '53',
      Proto: 'UDP',
      AppProto: 'dns',
      TxId: '0',
      PktSrc: 'wire/pseudo',
      Direction: 'to_server',
      AlertAction: 'blocked',
      SignatureId: '7',
      Rev: '1',
      Signature: 'dns block',
      Severity: '3',
      VerdictAction: 'drop',
      Sni: 'example.com',
      Version: 'TLS 1.2',
      // category "" reads as absent in Log Analytics: not sent.
      AdditionalFields_CF: JSON.stringify({
        aws_category: ['Technology and Internet'],
        event: { alert: { gid: 1 }, tls: { subject: 'CN=example.com' }, tls_inspected: true },
      }),
    });
  });

  test('maps a netflow event to the flow output, flags as booleans, EventTimestamp as written', async () => {
    const [row] = rowOutcomes(await parseAll('networkfirewall', FLOW_LINE));
    expect(row.output).toBe('flow');
    expect(formatFields(row.row)).toStrictEqual({
      FirewallName: 'fw-1',
      AvailabilityZone: 'us-east-1a',
      // A string column in AWSNetworkFirewallFlow (a datetime in the other two tables).
      EventTimestamp: '1601587565',
      Timestamp: '2020-10-01T21:26:05.007515Z',
      FlowId: '1582438383425873',
      EventType: 'netflow',
      SrcIp: '10.0.0.1',
      SrcPort: '1234',
      DestIp: '10.0.0.2',
      DestPort: '443',
      Proto: 'TCP',
      AppProto: 'tls',
      NetFlowPkts: '3',
      NetFlowBytes: '180',
      NetFlowStart: '2020-10-01T21:25:05.000000Z',
      NetFlowEnd: '2020-10-01T21:26:05.000000Z',
      NetFlowAge: '60',
      NetFlowMinttl: '63',
      NetFlowMaxttl: '64',
      TCPFlags: '1b',
      Syn: true,
      Fin: true,
      Psh: true,
      Ack: true,
      AdditionalFields_CF: JSON.stringify({ event: { netflow: { tx_cnt: 1 }, tcp: { state: 'closed' } } }),
    });
  });

  test("maps AWS's TLS log record (no event_type) to the tls output, revocation_check included", async () => {
    const [row] = rowOutcomes(await parseAll('networkfirewall', TLS_LINE));
    expect(row.output).toBe('tls');
    expect(row.row.TimeGenerated).toBe('2024-02-19T16:46:29.441824Z');
    expect(formatFields(row.row)).toStrictEqual({
      FirewallName: 'egress-fw',
      AvailabilityZone: 'us-east-1d',
      EventTimestamp: '2024-02-19T16:46:29.000Z',
      SrcIp: '10.0.2.53',
      SrcPort: '55930',
      DestIp: '54.92.160.72',
      DestPort: '443',
      Sni: 'example.com',
      LeafCertificateFingerprint: '1234567890EXAMPLE0987654321',
      Action: 'DROP',
      Status: 'REVOKED',
    });
  });

  test("reads a TLS record the way Microsoft's transform does too (fields at event level)", async () => {
    const line = JSON.stringify({
      firewall_name: 'fw',
      event: {
        event_type: 'tls',
        leaf_cert_fpr: 'ABC',
        status: 'UNKNOWN',
        action: 'PASS',
        tls_error: { error_message: 'x' },
      },
    });
    const [row] = rowOutcomes(await parseAll('networkfirewall', line));
    expect(row.output).toBe('tls');
    expect(formatFields(row.row)).toStrictEqual({
      FirewallName: 'fw',
      LeafCertificateFingerprint: 'ABC',
      Status: 'UNKNOWN',
      Action: 'PASS',
      ErrorMessage: 'x',
      AdditionalFields_CF: JSON.stringify({ event: { event_type: 'tls' } }),
    });
  });

  test.each([
    ['http', { hostname: 'example.com', url: '/' }],
    ['dns', { type: 'query', rrname: 'example.com' }],
  ])('keeps a %s event in the alert output, its EventType saying so', async (type, detail) => {
    const line = JSON.stringify({
      firewall_name: 'fw',
      event: { event_type: type, src_ip: '10.0.0.1', [type]: detail },
    });
    const [row] = rowOutcomes(await parseAll('networkfirewall', line));
    expect(row.output).toBe('alert');
    expect(formatFields(row.row)).toStrictEqual({
      FirewallName: 'fw',
      EventType: type,
      SrcIp: '10.0.0.1',
      AdditionalFields_CF: JSON.stringify({ event: { [type]: detail } }),
    });
  });

  test.each([
    ['AWSLogs/1/network-firewall/tls/us-east-1/fw/2024/02/19/16/x.log.gz', 'tls'],
    ['AWSLogs/1/network-firewall/flow/us-east-1/fw/2024/02/19/16/x.log.gz', 'flow'],
    ['AWSLogs/1/network-firewall/alert/us-east-1/fw/2024/02/19/16/x.log.gz', 'alert'],
  ])('places a record without event_type by the log type in its key (%s)', async (key, output) => {
    const line = JSON.stringify({ firewall_name: 'fw', event: { src_ip: '10.0.0.1' } });
    const [row] = rowOutcomes(await parseAll('networkfirewall', line, objectRef({ key })));
    expect(row.output).toBe(output);
  });

  test('uses event_timestamp, then the S3 event time, when the event has no usable timestamp', async () => {
    const lines = [
      JSON.stringify({ event_timestamp: '1601587565', event: { event_type: 'alert', timestamp: 'soon' } }),
      JSON.stringify({ event: { event_type: 'alert' } }),
    ].join('\n');
    const rows = rowOutcomes(
      await parseAll('networkfirewall', lines, objectRef({ eventTime: '2026-01-02T03:04:05.678Z' })),
    );
    expect(rows.map((r) => r.row.TimeGenerated)).toStrictEqual([
      '2020-10-01T21:26:05.000Z',
      '2026-01-02T03:04:05.678Z',
    ]);
    // A timestamp that is no time is kept, not dropped.
    expect(rows[0].row.AdditionalFields_CF).toBe(JSON.stringify({ event: { timestamp: 'soon' } }));
  });

  test('keeps a value of the wrong type in AdditionalFields_CF rather than in its column', async () => {
    const line = JSON.stringify({
      event: { event_type: 'netflow', src_port: { n: 1 }, tcp: { syn: 'maybe' } },
    });
    const [row] = rowOutcomes(await parseAll('networkfirewall', line));
    expect(formatFields(row.row)).toStrictEqual({
      EventType: 'netflow',
      AdditionalFields_CF: JSON.stringify({ event: { src_port: { n: 1 }, tcp: { syn: 'maybe' } } }),
    });
  });

  test('keeps every digit of a large number left in AdditionalFields_CF', async () => {
    const line = '{"event":{"event_type":"netflow","netflow":{"tx_cnt":98765432109876543210}}}';
    const [row] = rowOutcomes(await parseAll('networkfirewall', line));
    expect(row.row.AdditionalFields_CF).toBe('{"event":{"netflow":{"tx_cnt":98765432109876543210}}}');
  });
});

describe('networkfirewall malformed records', () => {
  const MIXED = [
    ALERT_LINE, // 1
    'not json', // 2
    FLOW_LINE, // 3
    '[1,2]', // 4: an array, not an object
    '{"firewall_name":"fw"}', // 5: no event
    '{"event":"alert"}', // 6: event not an object
    '{"event":{"event_type":7}}', // 7
    '{"event":{"src_ip":"10.0.0.1"}}', // 8: no event_type, and the key says nothing
    TLS_LINE, // 9
  ].join('\n');

  test('isolates each bad record with its line number; the others still arrive', async () => {
    const outcomes = await parseAll('networkfirewall', MIXED);
    expect(countsPerOutput(outcomes)).toStrictEqual({ alert: 1, flow: 1, tls: 1, malformed: 6 });
    expect(malformedOf(outcomes).map((m) => [m.lineNumber, m.reason])).toStrictEqual([
      [2, 'not valid JSON (SyntaxError: unexpected character)'],
      [4, 'Network Firewall record is not a JSON object (found an array)'],
      [5, 'Network Firewall record has no "event" object'],
      [6, 'Network Firewall record\'s "event" is not an object (found a string)'],
      [7, 'event.event_type is not a string (found a number)'],
      [
        8,
        'event has no event_type, no revocation_check or tls_error, and the key is not under network-firewall/<alert|flow|tls>/: cannot tell which log it belongs to',
      ],
    ]);
    // Record indexes cover 0..n-1, malformed included, and follow the object's order.
    expect(outcomes.map((o) => (hasIndex(o) ? o.index : -1))).toStrictEqual([...Array(9).keys()]);
  });

  test('a line cut off mid-object is reported alone: the lines after it still arrive', async () => {
    // GIVEN five records, the second cut off (a partial write, or a corrupt copy)
    const lines = [ALERT_LINE, ALERT_LINE.slice(0, 40), FLOW_LINE, TLS_LINE, ALERT_LINE].join('\n');
    // WHEN
    const outcomes = await parseAll('networkfirewall', lines);
    // THEN one malformed record, on line 2, and every other record delivered
    expect(countsPerOutput(outcomes)).toStrictEqual({ alert: 2, flow: 1, tls: 1, malformed: 1 });
    expect(malformedOf(outcomes).map((m) => m.lineNumber)).toStrictEqual([2]);
  });

  test('a continuation skips exactly the records already delivered, whatever their output', async () => {
    const all = await parseAll('networkfirewall', MIXED);
    for (const skip of [0, 1, 3, 6, 8, 9]) {
      const rest = await parseAll('networkfirewall', MIXED, undefined, { skipRecords: skip });
      expect(rest).toStrictEqual(all.slice(skip));
    }
  });

  test('gives the same outcomes read in 7-byte chunks and gzipped', async () => {
    const whole = await parseAll('networkfirewall', MIXED);
    expect(await parseAll('networkfirewall', MIXED, undefined, { chunkSize: 7 })).toStrictEqual(whole);
    expect(await parseAll('networkfirewall', gzipSync(MIXED))).toStrictEqual(whole);
  });
});

describe('networkfirewall samples', () => {
  // Every sample in test/fixtures/aws/network-firewall/, with exact rows per output.
  const SAMPLES: readonly [string, Record<string, number>][] = [
    ['alert_log.json', { alert: 1 }],
    ['alert_log_multi.json', { alert: 2 }],
    ['alert_with_metadata_log.json', { alert: 1 }],
    ['flow_log.json', { flow: 1 }],
    // event_type http: kept, in the alert output (see the format's comment).
    ['http_log.json', { alert: 1 }],
    ['tls_log.json', { tls: 1 }],
    ['tls_with_revocation_log.json', { tls: 1 }],
    // No firewall_name and no alert sub-object: still an alert event with its 5-tuple, so a row.
    ['missing_firewall_name.json', { alert: 1 }],
  ];

  test.each(SAMPLES)('%s', async (file, expected) => {
    const path = `network-firewall/${file}`;
    const object = objectRef({ key: `AWSLogs/123456789012/${path}.gz` });
    const plain = await parseAll('networkfirewall', fixture(path), object);
    const gzipped = await parseAll('networkfirewall', gzipSync(fixture(path)), object);
    expect(countsPerOutput(plain)).toStrictEqual(expected);
    expect(gzipped).toStrictEqual(plain);
  });

  test('all samples in one object: every output in one read, in record order', async () => {
    const data = SAMPLES.map(([file]) => fixture(`network-firewall/${file}`).toString('utf8').trim()).join(
      '\n',
    );
    const outcomes = [];
    for await (const o of parseObject('networkfirewall', chunked(gzipSync(data), 100), objectRef()))
      outcomes.push(o);
    expect(countsPerOutput(outcomes)).toStrictEqual({ alert: 6, flow: 1, tls: 2 });
    expect(countKinds(outcomes)).toStrictEqual({ row: 9 });
    expect(rowOutcomes(outcomes).map((o) => o.output)).toStrictEqual([
      'alert',
      'alert',
      'alert',
      'alert',
      'flow',
      'alert',
      'tls',
      'tls',
      'alert',
    ]);
  });
});

describe('a multi-output format that names no declared output', () => {
  afterEach(() => jest.restoreAllMocks());

  test.each([
    [
      'an undeclared output',
      'http',
      'format networkfirewall named output "http", which it does not declare for this record',
    ],
    ['no output', undefined, 'format networkfirewall named no output for this record'],
    [
      'a name that is no output name',
      'A B',
      'format networkfirewall named output (not an output name), which it does not declare',
    ],
  ])('reports %s as a malformed record, never a row', async (_name, output, reason) => {
    // GIVEN a parser with a bug: it names an output the format does not declare
    const real = FORMATS.networkfirewall.createParser;
    jest.spyOn(FORMATS.networkfirewall, 'createParser').mockImplementation((object) => {
      const parser = real(object);
      return {
        split: parser.split,
        parse: () => ({ fields: { SrcIp: '10.0.0.1' }, ...(output !== undefined ? { output } : {}) }),
      };
    });
    // WHEN
    const outcomes = await parseAll('networkfirewall', ALERT_LINE);
    // THEN
    expect(outcomes).toStrictEqual([
      {
        kind: 'malformed',
        lineNumber: 1,
        index: 0,
        reason: expect.stringContaining(reason) as unknown,
      },
    ]);
    expect(malformedOf(outcomes)[0].reason).toContain(
      '(a bug in the format; its outputs are alert, flow, tls)',
    );
  });
});
