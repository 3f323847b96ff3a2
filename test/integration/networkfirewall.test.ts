/**
 * AWS Network Firewall through the real handler (issue 13, `networkfirewall`): one gzipped object
 * mixing alert, flow and TLS records goes from s3rver through the forwarder to the Logs Ingestion
 * emulator, whose three streams each write to their built-in table (the emulator refuses to start
 * if a stream's columns do not fit the vendored table). Each output's rows go to their own stream,
 * on the DCRs DCR_OUTPUTS names for it.
 *
 * Sentinel ships no analytics rule, hunting query or ASIM parser on these tables (see
 * `test/fixtures/sentinel-content/AWSNetworkFirewall/README.md`), so what the tables must hold is
 * defined by Microsoft's own connector DCR, vendored there. Its three data flows' `transformKql`
 * are parsed and evaluated on the raw records the forwarder read; every delivered row must hold,
 * column for column, what Microsoft's transform writes, and nothing it leaves empty, except the
 * differences `lambda/formats/networkfirewall.ts` documents. The comparison is shown to fail on rows
 * broken the ways a format could break them.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ENV } from '../../lambda/contract/environment';
import { builtinTableOf, columnsOf, outputNamesOf, type BuiltinTable } from '../../lambda/formats';
import { normalizeTime } from '../../lambda/formats/time';
import { createDependencies, createHandler } from '../../lambda/pipeline/handler';
import { captureOutput, type CapturedOutput } from '../support/capture';
import { lambdaContext, s3Notification, sqsEvent, sqsRecord } from '../support/events';
import { forwarderEnv, IngestionEmulator } from '../support/ingestion-emulator';
import { startS3, type LocalS3 } from '../support/s3-server';

const BUCKET = 'nfw-logs';
const FIXTURES = join(__dirname, '..', 'fixtures', 'aws', 'network-firewall');
const CONTENT = join(__dirname, '..', 'fixtures', 'sentinel-content', 'AWSNetworkFirewall');

/** Each output's stream; alert and tls share one DCR, flow is sharded over two. */
const DCR_A = 'dcr-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const DCR_B = 'dcr-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
const OUTPUTS = {
  alert: { streamName: 'Custom-FirewallAlert', dcrImmutableIds: [DCR_A] },
  flow: { streamName: 'Custom-FirewallFlow', dcrImmutableIds: [DCR_A, DCR_B] },
  tls: { streamName: 'Custom-FirewallTls', dcrImmutableIds: [DCR_A] },
} as const;
type OutputName = keyof typeof OUTPUTS;

/** The fixtures, then records built from AWS's documented formats (see each comment). */
const RECORDS: readonly string[] = [
  ...[
    'alert_log.json',
    'alert_log_multi.json',
    'alert_with_metadata_log.json',
    'flow_log.json',
    'http_log.json',
    'tls_log.json',
    'tls_with_revocation_log.json',
    'missing_firewall_name.json',
  ].flatMap((file) => {
    const text = readFileSync(join(FIXTURES, file), 'utf8').trim();
    // Pretty-printed samples become one compact line each, as AWS writes them.
    return text.startsWith('{\n') ? [JSON.stringify(JSON.parse(text))] : text.split('\n');
  }),
  // AWS's flow log example shape (Suricata netflow with its tcp object).
  JSON.stringify({
    firewall_name: 'test-firewall',
    availability_zone: 'us-east-1a',
    event_timestamp: '2025-10-20T10:31:00.000Z',
    event: {
      timestamp: '2025-10-20T10:31:00.012345+0000',
      flow_id: 1234567899,
      event_type: 'netflow',
      src_ip: '10.0.0.5',
      src_port: 33000,
      dest_ip: '10.0.1.9',
      dest_port: 443,
      proto: 'TCP',
      app_proto: 'tls',
      netflow: {
        pkts: 10,
        bytes: 1200,
        start: '2025-10-20T10:30:00Z',
        end: '2025-10-20T10:31:00Z',
        age: 60,
        min_ttl: 63,
        max_ttl: 64,
      },
      tcp: { tcp_flags: '1b', syn: true, fin: true, psh: true, ack: true },
    },
  }),
  // AWS's TLS revocation log example: no event_type, the result under revocation_check.
  JSON.stringify({
    firewall_name: 'test-firewall',
    availability_zone: 'us-east-1d',
    event_timestamp: '2025-10-20T10:32:00.000Z',
    event: {
      src_ip: '10.0.2.53',
      src_port: '55930',
      revocation_check: { leaf_cert_fpr: '1234567890EXAMPLE0987654321', action: 'DROP', status: 'REVOKED' },
      dest_ip: '54.92.160.72',
      dest_port: '443',
      timestamp: '2025-10-20T10:32:00.441824Z',
      sni: 'example.com',
    },
  }),
];

/** The output each record goes to, by index: what the test expects of the format. */
const EXPECTED_OUTPUT: readonly OutputName[] = [
  'alert', // alert_log
  'alert', // alert_log_multi 1
  'alert', // alert_log_multi 2
  'alert', // alert_with_metadata_log
  'flow', // flow_log
  'alert', // http_log: kept, EventType http
  'tls', // tls_log
  'tls', // tls_with_revocation_log
  'alert', // missing_firewall_name
  'flow',
  'tls',
];

// --- Microsoft's DCR, parsed ---------------------------------------------------------------------

interface DataFlow {
  readonly streams: string[];
  readonly transformKql: string;
  readonly outputStream: string;
}
interface Dcr {
  readonly properties: {
    readonly streamDeclarations: Record<string, { columns: { name: string; type: string }[] }>;
    readonly dataFlows: DataFlow[];
  };
}

const DCR = (JSON.parse(readFileSync(join(CONTENT, 'AWSNetworkFirewallLog_DCR.json'), 'utf8')) as Dcr[])[0];

/** A transform, as far as these three use KQL: column assignments, and a filter on one column. */
interface Transform {
  readonly inputStream: string;
  readonly assignments: ReadonlyMap<string, string>;
  readonly filter?: { readonly column: string; readonly value: string };
}

/** Splits `text` at `separator` outside parentheses and quotes. */
function splitTopLevel(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === '(') depth++;
    else if (!quoted && c === ')') depth--;
    else if (!quoted && depth === 0 && c === separator) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim());
}

function parseTransform(flow: DataFlow): Transform {
  const assignments = new Map<string, string>();
  let filter: Transform['filter'];
  for (const step of splitTopLevel(flow.transformKql, '|')) {
    if (step === 'source' || step.startsWith('project-away ')) continue;
    const extend = /^extend\s+([\s\S]+)$/.exec(step);
    const where = /^where\s+(\w+)\s*==\s*"([^"]*)"$/.exec(step);
    if (extend !== null) {
      for (const assignment of splitTopLevel(extend[1], ',')) {
        const m = /^(\w+)\s*=\s*(.+)$/.exec(assignment);
        if (m === null) throw new Error(`unexpected assignment in ${flow.outputStream}: ${assignment}`);
        assignments.set(m[1], m[2].trim());
      }
    } else if (where !== null) {
      filter = { column: where[1], value: where[2] };
    } else {
      throw new Error(`unexpected step in ${flow.outputStream}'s transform: ${step}`);
    }
  }
  return { inputStream: flow.streams[0], assignments, ...(filter !== undefined ? { filter } : {}) };
}

/** Microsoft's transform per table. */
const TRANSFORMS: ReadonlyMap<string, Transform> = new Map(
  DCR.properties.dataFlows.map((flow) => [
    flow.outputStream.replace(/^Microsoft-/, ''),
    parseTransform(flow),
  ]),
);

/** A KQL value: undefined stands for null (and for tostring's empty string). */
type KqlValue = string | boolean | undefined;

/** The value at a dotted path of a dynamic value; undefined when absent. */
function at(value: unknown, path: string): unknown {
  let v = value;
  for (const key of path.split('.'))
    v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
  return v ?? undefined;
}

/** KQL's tostring of a dynamic value; '' (absent, in Log Analytics) is undefined. */
function tostring(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return text === '' ? undefined : text;
}

/** A stream column as the Logs Ingestion API reads it: its declared type. */
function streamValue(stream: string, column: string, value: unknown): KqlValue {
  const type = DCR.properties.streamDeclarations[stream].columns.find((c) => c.name === column)?.type;
  if (type === 'datetime') return normalizeTime(value);
  return tostring(value);
}

/** Evaluates one of the transforms' expressions on a record of `stream`. */
function evaluate(expression: string, record: Record<string, unknown>, stream: string): KqlValue {
  const call = /^(tostring|tobool|todatetime)\((event(?:\.\w+)+)\)$/.exec(expression);
  if (call !== null) {
    const value = at(record, call[2]);
    if (call[1] === 'tostring') return tostring(value);
    if (call[1] === 'tobool')
      return value === true || value === 'true'
        ? true
        : value === false || value === 'false'
          ? false
          : undefined;
    return normalizeTime(value);
  }
  if (/^\w+$/.test(expression)) return streamValue(stream, expression, record[expression]);
  throw new Error(`the test does not evaluate ${expression}`);
}

/** The row Microsoft's transform for `table` writes for `record`, without TimeGenerated; undefined when filtered out. */
function microsoftRow(table: string, record: Record<string, unknown>): Record<string, KqlValue> | undefined {
  const transform = TRANSFORMS.get(table)!;
  const row: Record<string, KqlValue> = {};
  for (const [column, expression] of transform.assignments) {
    if (column === 'TimeGenerated') continue; // now(): the forwarder sends the event's time instead.
    row[column] = evaluate(expression, record, transform.inputStream);
  }
  if (transform.filter !== undefined && row[transform.filter.column] !== transform.filter.value)
    return undefined;
  return row;
}

/** Columns the forwarder fills beyond Microsoft's transform, per table, and why (the format's comment). */
const ADDED_BY_FORWARDER: Readonly<
  Record<string, Readonly<Record<string, (record: Record<string, unknown>) => unknown>>>
> = {
  // event.timestamp, which Microsoft leaves out.
  AWSNetworkFirewallAlert: { Timestamp: (r) => normalizeTime(at(r, 'event.timestamp')) },
  AWSNetworkFirewallFlow: { Timestamp: (r) => normalizeTime(at(r, 'event.timestamp')) },
  // Where AWS's TLS records hold them; Microsoft reads event.leaf_cert_fpr/status/action only.
  AWSNetworkFirewallTls: {
    LeafCertificateFingerprint: (r) => tostring(at(r, 'event.revocation_check.leaf_cert_fpr')),
    Status: (r) => tostring(at(r, 'event.revocation_check.status')),
    Action: (r) => tostring(at(r, 'event.revocation_check.action')),
  },
};

/**
 * How a delivered row of `table` differs from what Microsoft's transform writes for its record:
 * one line per column, empty when they agree. `null` for Microsoft means the transform filtered the
 * record out (then only a non-alert event of the alert table is allowed).
 */
function differences(
  table: BuiltinTable,
  row: Record<string, unknown>,
  record: Record<string, unknown>,
): string[] {
  const problems: string[] = [];
  const expected = microsoftRow(table.name, record);
  if (expected === undefined) {
    // Microsoft's alert flow drops every non-alert event; the forwarder keeps them (EventType says which).
    if (!(
      table.name === 'AWSNetworkFirewallAlert' &&
      typeof row.EventType === 'string' &&
      row.EventType !== 'alert'
    )) {
      problems.push(`Microsoft's transform filters this record out of ${table.name}`);
    }
  }
  const own = new Set(table.columns.map((c) => c.name));
  const added = ADDED_BY_FORWARDER[table.name] ?? {};
  const microsoft =
    expected ??
    microsoftRow(table.name, { ...record, event: { ...(record.event as object), event_type: 'alert' } })!;
  for (const column of new Set([...Object.keys(microsoft), ...Object.keys(added)])) {
    if (!own.has(column)) continue; // EventType in the TLS flow is no column of the table: dropped by Azure.
    let want: unknown = microsoft[column];
    if (column === 'EventType' && expected === undefined) want = tostring(at(record, 'event.event_type'));
    if (want === undefined && column in added) want = added[column](record);
    const got = row[column];
    const type = table.columns.find((c) => c.name === column)!.type;
    const same =
      want === undefined
        ? got === undefined
        : type === 'datetime'
          ? typeof got === 'string' &&
            /Z$/.test(got) &&
            Date.parse(got) === Date.parse(want as string) &&
            got === normalizeTime(got)
          : got === want;
    if (!same)
      problems.push(`${column}: Microsoft ${JSON.stringify(want)}, forwarder ${JSON.stringify(got)}`);
  }
  // No column of the table that neither Microsoft's transform nor the documented additions fill.
  for (const column of Object.keys(row)) {
    if (own.has(column) && column !== 'TimeGenerated' && !(column in microsoft) && !(column in added)) {
      problems.push(`${column}: filled by the forwarder, never by Microsoft's transform`);
    }
  }
  return problems;
}

// --- The run -------------------------------------------------------------------------------------

let s3: LocalS3;
let emulator: IngestionEmulator;
let output: CapturedOutput;

beforeAll(async () => {
  const streams = Object.fromEntries(
    outputNamesOf('networkfirewall').map((o) => [
      OUTPUTS[o as OutputName].streamName,
      columnsOf('networkfirewall', o),
    ]),
  );
  const outputTables = Object.fromEntries(
    outputNamesOf('networkfirewall').map((o) => [
      OUTPUTS[o as OutputName].streamName,
      builtinTableOf('networkfirewall', o)!,
    ]),
  );
  [s3, emulator] = await Promise.all([
    startS3([BUCKET]),
    IngestionEmulator.start({ dcrImmutableIds: [DCR_A, DCR_B], streams, outputTables }),
  ]);
});
afterAll(async () => {
  await Promise.all([s3?.close(), emulator?.close()]);
});
beforeEach(() => {
  emulator.reset();
  output = captureOutput();
});
afterEach(() => output.restore());

function handler(concurrency = 2) {
  return createHandler(() =>
    createDependencies({
      env: forwarderEnv(emulator, OUTPUTS.alert.streamName, {
        [ENV.producerName]: 'firewall',
        [ENV.format]: 'networkfirewall',
        [ENV.dcrImmutableId]: DCR_A,
        [ENV.dcrOutputs]: JSON.stringify(OUTPUTS),
        [ENV.uploadConcurrency]: String(concurrency),
      }),
      s3: s3.client,
      sqs: new SQSClient({ region: 'eu-west-1' }),
      credential: emulator.credential,
      clientOptions: emulator.clientOptions(),
      safetyMarginMs: 2_000,
    }),
  );
}

async function deliver(key: string, body: string): Promise<unknown> {
  await s3.put(BUCKET, key, gzipSync(body));
  const event = sqsEvent(sqsRecord(s3Notification({ bucket: BUCKET, key })));
  return handler()(event, lambdaContext());
}

/** Rows of `output` for `key`, by RecordIndex. */
function rowsOf(out: OutputName, key: string): Record<string, unknown>[] {
  return emulator
    .rows(OUTPUTS[out].streamName)
    .filter((r) => r.S3Key === key)
    .sort((a, b) => (a.RecordIndex as number) - (b.RecordIndex as number));
}

const KEY = 'AWSLogs/123456789012/network-firewall/mixed/us-east-1/test-firewall/2025/10/20/10/mixed.log.gz';

describe('networkfirewall through the handler', () => {
  test('one mixed object: every record to its own stream, on its own DCRs, acknowledged', async () => {
    // WHEN one object with alert, flow and TLS records is delivered
    const response = await deliver(KEY, RECORDS.join('\n'));
    // THEN the message is acknowledged and each record arrived once, on its output's stream
    expect(response).toStrictEqual({ batchItemFailures: [] });
    const indexes = (out: OutputName) => rowsOf(out, KEY).map((r) => r.RecordIndex);
    const expected = (out: OutputName) => EXPECTED_OUTPUT.flatMap((o, i) => (o === out ? [i] : []));
    expect(indexes('alert')).toStrictEqual(expected('alert'));
    expect(indexes('flow')).toStrictEqual(expected('flow'));
    expect(indexes('tls')).toStrictEqual(expected('tls'));
    expect(EXPECTED_OUTPUT).toHaveLength(RECORDS.length);
    // Each request went to a DCR of its output: alert and tls to DCR A only.
    const accepted = emulator.requests.filter((r) => r.status === 204);
    for (const request of accepted) {
      const out = (Object.keys(OUTPUTS) as OutputName[]).find(
        (o) => OUTPUTS[o].streamName === request.stream,
      )!;
      expect(OUTPUTS[out].dcrImmutableIds as readonly string[]).toContain(request.dcrImmutableId);
    }
    expect(new Set(accepted.map((r) => r.stream))).toStrictEqual(
      new Set(Object.values(OUTPUTS).map((o) => o.streamName)),
    );
  });

  test.each(['alert', 'flow', 'tls'] as const)(
    "every %s row holds what Microsoft's transform writes, column for column",
    async (out) => {
      const key = `AWSLogs/123456789012/network-firewall/mixed/${out}.log.gz`;
      await deliver(key, RECORDS.join('\n'));
      const table = builtinTableOf('networkfirewall', out)!;
      const rows = rowsOf(out, key);
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) {
        const record = JSON.parse(RECORDS[row.RecordIndex as number]) as Record<string, unknown>;
        expect({ index: row.RecordIndex, problems: differences(table, row, record) }).toStrictEqual({
          index: row.RecordIndex,
          problems: [],
        });
      }
    },
  );

  test('the comparison fails on rows broken the ways a format could break them', async () => {
    const key = 'AWSLogs/123456789012/network-firewall/mixed/broken.log.gz';
    await deliver(key, RECORDS.join('\n'));
    const [alert] = rowsOf('alert', key);
    const [flow] = rowsOf('flow', key);
    const tls = rowsOf('tls', key).find((r) => r.LeafCertificateFingerprint !== undefined)!;
    const record = (row: Record<string, unknown>) =>
      JSON.parse(RECORDS[row.RecordIndex as number]) as Record<string, unknown>;
    const broken: [BuiltinTable, Record<string, unknown>, Record<string, unknown>][] = [
      // a port as a number, not the string Microsoft writes
      [builtinTableOf('networkfirewall', 'alert')!, { ...alert, SrcPort: 54321 }, record(alert)],
      // a column spelled in another case
      [
        builtinTableOf('networkfirewall', 'alert')!,
        { ...alert, SignatureID: alert.SignatureId, SignatureId: undefined },
        record(alert),
      ],
      // a value in a column Microsoft never fills
      [builtinTableOf('networkfirewall', 'alert')!, { ...alert, TxId: '0' }, record(alert)],
      // a time not in UTC ISO form
      [
        builtinTableOf('networkfirewall', 'flow')!,
        { ...flow, NetFlowStart: '2025-10-20 10:30:40' },
        record(flow),
      ],
      // a TCP flag as text
      [builtinTableOf('networkfirewall', 'flow')!, { ...flow, Syn: 'true' }, record(flow)],
      // the revocation result dropped
      [builtinTableOf('networkfirewall', 'tls')!, { ...tls, Status: undefined }, record(tls)],
    ];
    for (const [table, row, rec] of broken) {
      const clean = Object.fromEntries(Object.entries(row).filter(([, v]) => v !== undefined));
      expect(differences(table, clean, rec)).not.toStrictEqual([]);
    }
  });
});
