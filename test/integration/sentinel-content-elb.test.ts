/**
 * Sentinel's content for the load balancer tables works on what the forwarder delivers (issue 13,
 * point 2), and Classic Load Balancer rows reach their custom table typed as declared.
 *
 * Sentinel ships, for AWSALBAccessLogs and AWSNLBAccessLogs, one parser each (the AWS ELB solution's
 * `AWSALBAccessLogsData` and `AWSNLBAccessLogsData`, a `union` of the built-in table with the
 * connector's custom table) and the connector's queries on those parsers; no analytics rule, hunting
 * query or ASIM parser reads either table (see the READMEs in
 * `test/fixtures/sentinel-content/AWSALBAccessLogs/` and `AWSNLBAccessLogs/`). So the proof is of
 * those: an entry goes through the real handler, from s3rver to the Logs Ingestion emulator, and the
 * row that arrives must be read by the parser (its table is in the union, and every column the union
 * shares with the custom table has that table's type and spelling, so `union` keeps it one column),
 * be found by the connector's `lastDataReceivedQuery` with the entry's own time, and hold each field
 * in its column. Rows broken the ways a format could break them must fail the same checks.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENV } from '../../lambda/contract/environment';
import { PROVENANCE_COLUMNS, columnsOf, type BuiltinTable, type FormatName } from '../../lambda/formats';
import { albFormat } from '../../lambda/formats/alb';
import { AWS_ALB_ACCESS_LOGS, AWS_NLB_ACCESS_LOGS } from '../../lambda/formats/builtin-tables';
import { CLB_ADDITIONAL_FIELDS_COLUMN, clbFormat } from '../../lambda/formats/clb';
import { nlbFormat } from '../../lambda/formats/nlb';
import { ALB_SAMPLE_HTTPS_COLUMNS } from '../support/alb-sample';
import { FIXTURES, useForwarderHarness } from '../support/forwarder-harness';
import { forwardObject } from '../support/forward-object';
import { forwarderEnv, IngestionEmulator } from '../support/ingestion-emulator';
import { datetime, describeValue, type Row } from '../support/sentinel-content';
import { expectFragmentsIn } from '../support/sentinel-content-checks';
import {
  caseVariants,
  customTableSchema,
  functionQuery,
  lastDataReceivedQuery,
  unionTables,
  unionTypeProblem,
} from '../support/sentinel-content-elb';

useForwarderHarness();

const STREAMS: Readonly<Record<'alb' | 'nlb' | 'clb', string>> = {
  alb: 'Custom-AlbAccess',
  nlb: 'Custom-NlbAccess',
  clb: 'Custom-ClbAccess',
};
const CONNECTOR_QUERIES = 'AWSALBAccessLogs/AWSELBConnector_ConnectorDefinition.queries.json';
/** What the connector's `lastDataReceivedQuery` asks, in its own words. */
const LAST_DATA_RECEIVED = [
  'where TimeGenerated > ago(12h)',
  'summarize Time = max(TimeGenerated)',
  'where isnotempty(Time)',
];
const PROVENANCE = new Set(PROVENANCE_COLUMNS.map((c) => c.name).filter((n) => n !== 'TimeGenerated'));

let elb: IngestionEmulator;
beforeAll(async () => {
  // Writing to the built-in tables: the emulator refuses to start if a stream's columns do not fit.
  elb = await IngestionEmulator.start({
    streams: {
      [STREAMS.alb]: columnsOf('alb'),
      [STREAMS.nlb]: columnsOf('nlb'),
      [STREAMS.clb]: columnsOf('clb'),
    },
    outputTables: { [STREAMS.alb]: AWS_ALB_ACCESS_LOGS, [STREAMS.nlb]: AWS_NLB_ACCESS_LOGS },
  });
});
afterAll(async () => {
  await elb.close();
});
beforeEach(() => {
  elb.reset();
});

/** Puts `text` in s3rver gzipped under `key`, runs the handler on its notification as `format`, returns its rows. */
function forward(format: 'alb' | 'nlb' | 'clb', key: string, text: string): Promise<Row[]> {
  return forwardObject(
    key,
    text,
    {
      env: forwarderEnv(elb, STREAMS[format], {
        [ENV.format]: format,
        [ENV.producerName]: `${format}-access`,
      }),
      clientOptions: elb.clientOptions(),
      secretCredentialFactory: () => elb.credential,
    },
    (objectKey) => elb.rows(STREAMS[format]).filter((r) => r.S3Key === objectKey),
  );
}

/** A row's columns without the provenance columns (TimeGenerated kept). */
function recordColumns(row: Row): Row {
  return Object.fromEntries(Object.entries(row).filter(([name]) => !PROVENANCE.has(name)));
}

/** A time ten minutes ago, as ALB writes it (microseconds, `Z`), and as NLB does (seconds, no offset). */
function recentTimes(now: number): { alb: string; nlb: string } {
  const iso = new Date(Math.floor((now - 600_000) / 1000) * 1000).toISOString();
  return { alb: `${iso.slice(0, -1)}123Z`, nlb: iso.slice(0, 19) };
}

/** The sample's first line with field `n` (1-based; before any quoted field) replaced. */
function sampleWith(path: string, n: number, value: string): string {
  const fields = readFileSync(join(FIXTURES, path), 'utf8').split('\n')[0].split(' ');
  fields[n - 1] = value;
  return fields.join(' ');
}

interface TableCase {
  readonly format: FormatName;
  readonly table: BuiltinTable;
  /** The parser's file, its name (the connector's data type) and the custom table schema it unions with. */
  readonly parser: string;
  readonly parserName: string;
  readonly customTable: string;
  /** An entry written `minutes` ago, and the record columns its row must have. */
  readonly entry: (now: number) => { text: string; expected: Row };
  /** The ways a format could break the row, each named. */
  readonly broken: (row: Row) => [string, Row][];
}

/**
 * Throws, listing every problem, unless `row` is what the parser and the connector's query need:
 * see the file's comment. `now` is when the test wrote the entry.
 */
function verify(c: TableCase, row: Row, expected: Row, now: number): void {
  const parser = functionQuery(c.parser);
  const custom = customTableSchema(c.customTable);
  const problems: string[] = [];
  // union isfuzzy=true <Custom>_CL, <Table>: the rows' table must be one of them.
  if (!unionTables(parser).includes(c.table.name)) problems.push(`the parser does not read ${c.table.name}`);
  // A column the union shares with the custom table keeps one type, or splits in two.
  for (const [name, value] of Object.entries(row)) {
    const type = custom.columns.get(name);
    const problem = type === undefined ? undefined : unionTypeProblem(name, value, type);
    if (problem !== undefined) problems.push(problem);
  }
  // Kusto names are case-sensitive: a column in another case is another column.
  const variants = caseVariants(row, [...c.table.columns.map((col) => col.name), ...custom.columns.keys()]);
  if (variants.length > 0) problems.push(`columns spelt in another case: ${variants.join(', ')}`);
  // The connector's lastDataReceivedQuery on the parser: TimeGenerated in the last 12 hours.
  const time = datetime(row.TimeGenerated);
  if (!(time > now - 12 * 3_600_000))
    problems.push(`TimeGenerated ${describeValue(row.TimeGenerated)} is not within ago(12h)`);
  if (time !== datetime(expected.TimeGenerated)) {
    problems.push(`TimeGenerated is ${describeValue(row.TimeGenerated)}, not the entry's time`);
  }
  // Each field in its column, nothing else.
  const got = recordColumns(row);
  for (const name of new Set([...Object.keys(got), ...Object.keys(expected)])) {
    if (name === 'TimeGenerated') continue;
    if (got[name] !== expected[name]) {
      problems.push(`${name} is ${describeValue(got[name])}, not ${describeValue(expected[name])}`);
    }
  }
  if (problems.length > 0) throw new Error(problems.join('\n'));
}

const TABLES: readonly TableCase[] = [
  {
    format: 'alb',
    table: AWS_ALB_ACCESS_LOGS,
    parser: 'AWSALBAccessLogs/AWSALBAccessLogsData.yaml',
    parserName: 'AWSALBAccessLogsData',
    customTable: 'AWSALBAccessLogs/AWSALBAccessLogs_CL.json',
    entry: (now) => {
      const time = recentTimes(now).alb;
      return {
        text: sampleWith('alb/alb_al_valid_logs.log', 2, time),
        expected: {
          TimeGenerated: time,
          ...ALB_SAMPLE_HTTPS_COLUMNS,
        },
      };
    },
    broken: (row) => [
      ['ClientPort as text', { ...row, ClientPort: String(row.ClientPort) }],
      ['ElbStatusCode as text', { ...row, ElbStatusCode: String(row.ElbStatusCode) }],
      ['SentBytes as text', { ...row, SentBytes: String(row.SentBytes) }],
      ['TargetStatusCode as a number', { ...row, TargetStatusCode: Number(row.TargetStatusCode) }],
      ['ClientIp spelt ClientIP', renamed(row, 'ClientIp', 'ClientIP')],
      ['a "-" sent for RedirectUrl', { ...row, RedirectUrl: '-' }],
      ['TimeGenerated from request_creation_time', { ...row, TimeGenerated: row.RequestCreationTime }],
      ['TimeGenerated from the S3 event time', { ...row, TimeGenerated: row.S3EventTime }],
    ],
  },
  {
    format: 'nlb',
    table: AWS_NLB_ACCESS_LOGS,
    parser: 'AWSNLBAccessLogs/AWSNLBAccessLogsData.yaml',
    parserName: 'AWSNLBAccessLogsData',
    customTable: 'AWSNLBAccessLogs/AWSNLBAccessLogs_CL.json',
    entry: (now) => {
      const time = recentTimes(now).nlb;
      return {
        text: sampleWith('nlb/nlb_al_valid_logs.log', 3, time),
        expected: {
          TimeGenerated: `${time}Z`,
          NLBType: 'tls',
          Version: '2.0',
          Nlb: 'net/my-network-loadbalancer/c6e77e28c25b2234',
          Listener: 'g3d4b5e8bb8464cd',
          ClientIPPort: '72.21.218.154:51341',
          TargetIPPort: '172.100.100.185:443',
          ConnectionTime: '5',
          TlsHandshakeTime: '2',
          ReceivedBytes: '98',
          SentBytes: '246',
          ChosenCertArn:
            'arn:aws:acm:us-east-2:671290407336:certificate/2a108f19-aded-46b0-8493-c63eb1ef4a99',
          TLSCipher: 'ECDHE-RSA-AES128-SHA',
          TLSProtocolVersion: 'tlsv12',
          DomainName: 'my-network-loadbalancer-c6e77e28c25b2234.elb.us-east-2.amazonaws.com',
          ALPNFEProtocol: 'h2',
          ALPNBEProtocol: 'h2',
          ALPNClientPrefList: '"h2","http/1.1"',
          TLSConnectionCreationTime: '2020-04-01T08:51:20',
        },
      };
    },
    broken: (row) => [
      ['Version as a number', { ...row, Version: 2 }],
      ['NLBType spelt NlbType', renamed(row, 'NLBType', 'NlbType')],
      ['ReceivedBytes as a number', { ...row, ReceivedBytes: Number(row.ReceivedBytes) }],
      ['a "-" sent for IncomingTLSAlert', { ...row, IncomingTLSAlert: '-' }],
      ['TimeGenerated read as local time', { ...row, TimeGenerated: shiftedHours(row.TimeGenerated, -13) }],
      ['TimeGenerated from the S3 event time', { ...row, TimeGenerated: row.S3EventTime }],
    ],
  },
];

/** A row with one key renamed, keeping the key order. */
function renamed(row: Row, from: string, to: string): Row {
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k === from ? to : k, v]));
}

function shiftedHours(value: unknown, hours: number): string {
  return new Date(datetime(value) + hours * 3_600_000).toISOString();
}

describe('the AWS ELB parsers and connector queries read the rows the forwarder delivers', () => {
  test.each(TABLES)('$parserName on $table.name', async (c) => {
    // GIVEN the parser, the custom table it unions with, the connector's query, and an entry of
    // ten minutes ago
    const parser = functionQuery(c.parser);
    expect(unionTables(parser)).toStrictEqual([customTableSchema(c.customTable).name, c.table.name]);
    expectFragmentsIn(lastDataReceivedQuery(CONNECTOR_QUERIES, c.parserName), LAST_DATA_RECEIVED);
    expect(readFileSync(join(FIXTURES, '..', 'sentinel-content', c.parser), 'utf8')).toContain(
      `FunctionName: ${c.parserName}`,
    );
    const now = Date.now();
    const { text, expected } = c.entry(now);
    const day = new Date(now).toISOString().slice(0, 10).replace(/-/g, '/');

    // WHEN the forwarder delivers it, as AWS names the object
    const rows = await forward(
      c.format as 'alb' | 'nlb',
      `AWSLogs/123456789012/elasticloadbalancing/us-east-2/${day}/123456789012_elasticloadbalancing_us-east-2_${c.format}.my-lb.log.gz`,
      `${text}\n`,
    );

    // THEN the row is what the parser and the connector read
    expect(rows).toHaveLength(1);
    verify(c, rows[0], expected, now);

    // AND the same checks fail on each way a format could break it
    const survivors = c.broken(rows[0]).filter(([, bad]) => {
      try {
        verify(c, bad, expected, now);
        return true;
      } catch {
        return false;
      }
    });
    expect(survivors.map(([how]) => how)).toStrictEqual([]);
  });

  test('the formats write to the tables the parsers read', () => {
    expect(albFormat.builtinTable).toBe(AWS_ALB_ACCESS_LOGS);
    expect(nlbFormat.builtinTable).toBe(AWS_NLB_ACCESS_LOGS);
  });

  test('every column the ALB custom table has, the alb format declares with the same type', () => {
    // The union's column agreement does not depend on one entry's fields.
    const declared = new Map(columnsOf('alb').map((c) => [c.name, c.type]));
    const custom = customTableSchema('AWSALBAccessLogs/AWSALBAccessLogs_CL.json');
    const differing = [...custom.columns].filter(([name, type]) => declared.get(name) !== type);
    expect(differing).toStrictEqual([]);
  });

  test('the NLB custom table is all text but TimeGenerated, as the nlb format sends it', () => {
    const custom = customTableSchema('AWSNLBAccessLogs/AWSNLBAccessLogs_CL.json');
    expect(
      [...custom.columns].filter(([name, type]) => name !== 'TimeGenerated' && type !== 'string'),
    ).toStrictEqual([]);
    expect(nlbFormat.columns.filter((c) => c.type !== 'string').map((c) => c.name)).toStrictEqual([]);
  });
});

describe('Classic Load Balancer rows reach their custom table typed as declared', () => {
  test('the sample, and an entry with a field AWS appended later', async () => {
    // GIVEN the two-entry sample and one entry with a trailing field
    const sample = readFileSync(join(FIXTURES, 'clb/clb_al_valid_logs.log'), 'utf8');
    const text = `${sample}\n${sample.split('\n')[0]} appended-field\n`;
    // WHEN the forwarder delivers it
    const rows = await forward(
      'clb',
      'AWSLogs/123456789012/elasticloadbalancing/us-east-2/2015/05/13/123456789012_elasticloadbalancing_us-east-2_my-loadbalancer_20150513T2340Z_172.160.001.192_20sg8hgm.log',
      text,
    );
    // THEN every value has its declared type, and the appended field is in the dynamic column
    expect(rows).toHaveLength(3);
    const types = new Map(clbFormat.columns.map((c) => [c.name, c.type]));
    for (const row of rows) {
      for (const [name, value] of Object.entries(recordColumns(row))) {
        const type = name === 'TimeGenerated' ? 'datetime' : types.get(name);
        const ok =
          (type === 'string' && typeof value === 'string') ||
          (type === 'datetime' && typeof value === 'string' && !Number.isNaN(Date.parse(value))) ||
          ((type === 'int' || type === 'long') && Number.isInteger(value)) ||
          (type === 'real' && typeof value === 'number') ||
          (type === 'dynamic' && typeof value === 'object' && value !== null);
        expect([name, ok]).toStrictEqual([name, true]);
      }
    }
    expect(rows.map((r) => r.BackendIp)).toStrictEqual(['10.0.0.1', undefined, '10.0.0.1']);
    expect(rows[2][CLB_ADDITIONAL_FIELDS_COLUMN]).toStrictEqual({ trailing_fields: ['appended-field'] });
    expect(rows[0]).toMatchObject({ RequestProcessingTime: 0.000086, ElbStatusCode: 200, SentBytes: 57 });
  });
});
