import { gzipSync } from 'node:zlib';
import { ADDITIONAL_FIELDS_COLUMN } from '../../../lambda/formats/additional-fields';
import { AWS_ROUTE53_RESOLVER } from '../../../lambda/formats/builtin-tables';
import {
  ROUTE53_RESOLVER_FIELD_COLUMNS,
  route53resolverFormat,
} from '../../../lambda/formats/route53resolver';
import { PROVENANCE_COLUMNS } from '../../../lambda/formats/schema';
import { countKinds, fixture, malformedOf, objectRef, parseAll, rowsOf } from './helpers';

/** The provenance columns other than TimeGenerated, which query_timestamp fills. */
const PROVENANCE = new Set(PROVENANCE_COLUMNS.map((c) => c.name).filter((n) => n !== 'TimeGenerated'));

function recordColumns(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).filter(([name]) => !PROVENANCE.has(name)));
}

const SAMPLE = 'route53resolver/dns-sample.json';

/** The sample record, parsed. */
const RECORD = JSON.parse(fixture(SAMPLE).toString()) as Record<string, unknown>;

/** The sample's columns, written out by hand from Microsoft's DCR mapping. */
const SAMPLE_ROW: Readonly<Record<string, unknown>> = {
  LogType: 'ResolverQueryLogs',
  Version: '1.100000',
  AccountId: '123456789012',
  Region: 'us-east-1',
  VpcId: 'vpc-00000000000000000',
  TimeGenerated: '2022-10-13T21:02:36Z',
  QueryName: 'ip-127-0-0-62.alert.firewall.canary.',
  QueryType: 'A',
  QueryClass: 'IN',
  Rcode: 'NOERROR',
  Answers: [{ Rdata: '127.0.0.62', Type: 'A', Class: 'IN' }],
  SrcAddr: '10.200.21.100',
  SrcPort: '15083',
  Transport: 'UDP',
  SrcIds: {
    resolver_endpoint: 'rslvr-in-0000000000000000',
    resolver_network_interface: 'rni-0000000000000000',
  },
  FirewallRuleAction: 'ALERT',
  FirewallRuleGroupId: 'rslvr-frg-000000000000000',
  FirewallDomainListId: 'rslvr-fdl-0000000000000',
};

/** An object as Route 53 delivers it to S3: one compact record per line. */
function jsonLines(...records: unknown[]): string {
  return records.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n');
}

describe('route53resolver format', () => {
  describe('declared columns', () => {
    const byName = new Map(AWS_ROUTE53_RESOLVER.columns.map((c) => [c.name, c]));

    test('are AWSRoute53Resolver columns with the vendored names, types and descriptions, then AdditionalFields_CF', () => {
      const columns = route53resolverFormat.columns;
      expect(columns.slice(0, -1).map((c) => byName.get(c.name))).toStrictEqual(columns.slice(0, -1));
      expect(columns.at(-1)).toMatchObject({ name: ADDITIONAL_FIELDS_COLUMN, type: 'string' });
      expect(route53resolverFormat.builtinTable).toBe(AWS_ROUTE53_RESOLVER);
    });

    test('are every AWSRoute53Resolver column but TimeGenerated, which the provenance columns declare', () => {
      const names = route53resolverFormat.columns.map((c) => c.name);
      expect([...byName.keys()].filter((n) => !names.includes(n))).toStrictEqual(['TimeGenerated']);
    });

    test("map the 17 fields of Microsoft's DCR to columns the table has", () => {
      expect(ROUTE53_RESOLVER_FIELD_COLUMNS.size).toBe(17);
      for (const column of ROUTE53_RESOLVER_FIELD_COLUMNS.values()) expect(byName.has(column)).toBe(true);
    });
  });

  test('maps the pretty-printed sample: one row, dynamic columns as JSON values, srcport as text', async () => {
    const outcomes = await parseAll('route53resolver', fixture(SAMPLE));
    expect(countKinds(outcomes)).toStrictEqual({ row: 1 });
    expect(recordColumns(rowsOf(outcomes)[0])).toStrictEqual(SAMPLE_ROW);
  });

  test('maps each compact line as S3 delivers it, with its line number', async () => {
    const outcomes = await parseAll(
      'route53resolver',
      jsonLines(RECORD, { ...RECORD, query_name: 'example.com.', srcport: 53 }),
    );
    const rows = rowsOf(outcomes);
    expect(rows.map(recordColumns)).toStrictEqual([
      SAMPLE_ROW,
      { ...SAMPLE_ROW, QueryName: 'example.com.', SrcPort: '53' },
    ]);
  });

  test('keeps fields the table has no column for, and values a column cannot hold, in AdditionalFields_CF', async () => {
    const outcomes = await parseAll(
      'route53resolver',
      jsonLines({ ...RECORD, query_type: ['A'], firewall_protection: 'DGA', query_timestamp: 'yesterday' }),
    );
    const row = rowsOf(outcomes)[0];
    expect(row).not.toHaveProperty('QueryType');
    expect(JSON.parse(row[ADDITIONAL_FIELDS_COLUMN] as string)).toStrictEqual({
      query_timestamp: 'yesterday',
      query_type: ['A'],
      firewall_protection: 'DGA',
    });
    // no usable query_timestamp: the row takes the S3 event time
    expect(row.TimeGenerated).toBe(objectRef().eventTime);
  });

  test('omits empty and null values, so isempty() reads them as absent', async () => {
    const row = rowsOf(
      await parseAll('route53resolver', jsonLines({ ...RECORD, vpc_id: '', answers: null })),
    )[0];
    expect(row).not.toHaveProperty('VpcId');
    expect(row).not.toHaveProperty('Answers');
    expect(row).not.toHaveProperty(ADDITIONAL_FIELDS_COLUMN);
  });

  describe('malformed records', () => {
    test.each([
      ['{"version":"1.1",', 'not valid JSON (SyntaxError at position 17)'],
      ['["not","an","object"]', 'Route 53 Resolver query log record is not a JSON object (found an array)'],
      ['"text"', 'Route 53 Resolver query log record is not a JSON object (found a string)'],
    ])('a bad line between two good ones is isolated: %s', async (bad, reason) => {
      const outcomes = await parseAll('route53resolver', jsonLines(RECORD, bad, RECORD));
      expect(malformedOf(outcomes)).toStrictEqual([{ kind: 'malformed', lineNumber: 2, index: 1, reason }]);
      expect(rowsOf(outcomes).map((r) => r.RecordIndex)).toStrictEqual([0, 2]);
    });

    test('a pretty-printed document cut short is reported on the line it starts on', async () => {
      const pretty = JSON.stringify(RECORD, null, 2);
      const outcomes = await parseAll('route53resolver', `${pretty}\n${pretty.slice(0, 40)}`);
      expect(countKinds(outcomes)).toStrictEqual({ row: 1, malformed: 1 });
      expect(malformedOf(outcomes)[0]).toMatchObject({ lineNumber: pretty.split('\n').length + 1, index: 1 });
    });
  });

  describe('documents rather than lines', () => {
    test('an array is one row per element, each with the line it starts on', async () => {
      const text = `[\n${JSON.stringify(RECORD, null, 2)},\n${JSON.stringify({ ...RECORD, rcode: 'NXDOMAIN' }, null, 2)}\n]`;
      const rows = rowsOf(await parseAll('route53resolver', text));
      expect(rows.map((r) => r.Rcode)).toStrictEqual(['NOERROR', 'NXDOMAIN']);
    });

    test('leading blank lines do not change how the object is read, nor its line numbers', async () => {
      const outcomes = await parseAll('route53resolver', `\n\n${jsonLines(RECORD, 'x')}`);
      expect(countKinds(outcomes)).toStrictEqual({ row: 1, malformed: 1 });
      expect(malformedOf(outcomes)[0].lineNumber).toBe(4);
    });
  });

  test.each([
    ['lines', jsonLines(RECORD, 'bad', { ...RECORD, query_name: 'third.' })],
    [
      'a document',
      `[${JSON.stringify(RECORD)},\n"bad",\n${JSON.stringify({ ...RECORD, query_name: 'third.' })}]`,
    ],
  ])('a continuation that skips N records resumes at record N (%s)', async (_, text) => {
    const all = await parseAll('route53resolver', text);
    const resumed = await parseAll('route53resolver', text, objectRef(), { skipRecords: 2 });
    expect(resumed).toStrictEqual(all.slice(2));
    expect(rowsOf(resumed)[0]).toMatchObject({ RecordIndex: 2, QueryName: 'third.' });
  });

  test('reads the same rows whatever the chunking, plain or gzipped', async () => {
    for (const data of [fixture(SAMPLE), Buffer.from(jsonLines(RECORD, RECORD))]) {
      const whole = await parseAll('route53resolver', data);
      expect(await parseAll('route53resolver', data, objectRef(), { chunkSize: 1 })).toStrictEqual(whole);
      expect(await parseAll('route53resolver', gzipSync(data), objectRef(), { chunkSize: 5 })).toStrictEqual(
        whole,
      );
    }
  });

  test('the sample (test/fixtures/aws/route53resolver), plain and gzipped, is exactly one row', async () => {
    const object = objectRef({ key: `AWSLogs/123456789012/${SAMPLE}.gz` });
    const plain = await parseAll('route53resolver', fixture(SAMPLE), object);
    expect(countKinds(plain)).toStrictEqual({ row: 1 });
    expect(await parseAll('route53resolver', gzipSync(fixture(SAMPLE)), object)).toStrictEqual(plain);
  });
});
