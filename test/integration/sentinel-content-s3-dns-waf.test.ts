/**
 * Sentinel's own content works on what the forwarder delivers to AWSWAF, AWSRoute53Resolver and
 * AWSS3ServerAccess (issue 13, point 2), the way `sentinel-content.test.ts` proves it for CloudTrail:
 * records go through the real handler, from s3rver to the Logs Ingestion emulator (which checks each
 * row against the vendored table), and the row that arrives is checked against what the content's
 * KQL reads, each step found in the vendored text first. Broken variants of a row must fail.
 *
 * What Sentinel ships for these tables (test/fixtures/sentinel-content/<Table>/README.md):
 * - AWSWAF: no analytics rule or hunting query; three ASIM Web Session parsers, all proven here.
 * - AWSRoute53Resolver: no rule, hunting query or ASIM parser. Proven instead: the mapping of
 *   Microsoft's own DCR for these logs (its transformKql), column by column.
 * - AWSS3ServerAccess: no rule, hunting query, ASIM parser, nor a DCR mapping (Microsoft's DCR
 *   routes the stream unchanged). Proven: every column of the table holds AWS's documented field.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ENV } from '../../lambda/contract/environment';
import { columnsOf, type BuiltinTable, type FormatName } from '../../lambda/formats';
import { AWS_ROUTE53_RESOLVER, AWS_S3_SERVER_ACCESS, AWS_WAF } from '../../lambda/formats/builtin-tables';
import { lambdaContext, s3Notification, sqsEvent, sqsRecord } from '../support/events';
import { makeHandler, output, putObject, useForwarderHarness } from '../support/forwarder-harness';
import { forwarderEnv, IngestionEmulator } from '../support/ingestion-emulator';
import {
  SENTINEL_CONTENT,
  contentQuery,
  kqlDatatable,
  kqlIdentifiers,
  member,
  parseJsonValue,
  tostring,
  type Row,
} from '../support/sentinel-content';
import { brokenRows, expectFragmentsIn } from '../support/sentinel-content-checks';
import { dcrProjection, expectColumnsHold, headerValue } from '../support/sentinel-content-s3-dns-waf';

useForwarderHarness();

const AWS_SAMPLES = join(__dirname, '..', 'fixtures', 'aws');

const STREAMS: Readonly<Record<string, { format: FormatName; table: BuiltinTable }>> = {
  'Custom-Waf': { format: 'waf', table: AWS_WAF },
  'Custom-Route53Resolver': { format: 'route53resolver', table: AWS_ROUTE53_RESOLVER },
  'Custom-S3Access': { format: 's3access', table: AWS_S3_SERVER_ACCESS },
};

let tables: IngestionEmulator;
beforeAll(async () => {
  // Each stream writes its built-in table: the emulator refuses to start if the columns do not fit.
  tables = await IngestionEmulator.start({
    streams: Object.fromEntries(Object.entries(STREAMS).map(([s, { format }]) => [s, columnsOf(format)])),
    outputTables: Object.fromEntries(Object.entries(STREAMS).map(([s, { table }]) => [s, table])),
  });
});
afterAll(async () => {
  await tables.close();
});
beforeEach(() => {
  tables.reset();
});

/** Puts `text` gzipped under `key`, runs the real handler on its notification, returns the rows. */
async function forward(stream: string, key: string, text: string): Promise<Row[]> {
  const object = await putObject(key, gzipSync(text));
  const handler = makeHandler({
    env: forwarderEnv(tables, stream, {
      [ENV.format]: STREAMS[stream].format,
      [ENV.producerName]: STREAMS[stream].format,
    }),
    clientOptions: tables.clientOptions(),
    secretCredentialFactory: () => tables.credential,
  });
  const response = await handler(sqsEvent(sqsRecord(s3Notification(object))), lambdaContext());
  if (response.batchItemFailures.length > 0) {
    const errors = output.logs().filter((l) => l.level === 'ERROR' || l.level === 'WARN');
    throw new Error(
      `the forwarder did not deliver ${key}:\n${errors.map((e) => JSON.stringify(e)).join('\n')}`,
    );
  }
  return tables
    .rows(stream)
    .filter((r) => r.S3Key === key)
    .sort((a, b) => Number(a.RecordIndex) - Number(b.RecordIndex));
}

/** The names of `checks` that do not throw: a broken row must leave none. */
function survivors(broken: readonly [string, Row][], check: (row: Row) => void): string[] {
  return broken.flatMap(([how, row]) => {
    try {
      check(row);
      return [how];
    } catch {
      return [];
    }
  });
}

// --- AWSWAF through ASIM's Web Session parsers ------------------------------------------------------

type WafRecord = Record<string, unknown>;

/** The two records of the real sample (CloudFront ALLOW, API Gateway rate-based BLOCK). */
const WAF_SAMPLE = readFileSync(join(AWS_SAMPLES, 'waf', 'valid_log_multi.json'), 'utf8')
  .split('\n')
  .map((line) => JSON.parse(line) as WafRecord);

/**
 * An ALB request blocked by a managed rule with a custom 403 response, built from AWS's documented
 * log fields ("Log fields for web ACL traffic"): responseCodeSent is set only for custom responses.
 */
const WAF_BLOCKED: WafRecord = {
  ...WAF_SAMPLE[1],
  timestamp: 1716213600123,
  terminatingRuleId: 'AWS-AWSManagedRulesSQLiRuleSet',
  terminatingRuleType: 'MANAGED_RULE_GROUP',
  action: 'BLOCK',
  terminatingRuleMatchDetails: [
    { conditionType: 'SQL_INJECTION', location: 'QUERY_STRING', matchedData: ['1', 'OR', '1=1'] },
  ],
  httpSourceName: 'ALB',
  httpSourceId: '123456789012-app/shop/0123456789abcdef',
  responseCodeSent: 403,
  httpRequest: {
    clientIp: '203.0.113.50',
    country: 'DE',
    headers: [
      { name: 'Host', value: 'shop.example.com' },
      { name: 'User-Agent', value: 'sqlmap/1.8' },
      { name: 'Referer', value: 'https://shop.example.com/' },
      { name: 'X-Forwarded-For', value: '198.51.100.9' },
    ],
    uri: '/search',
    args: 'q=1%20OR%201%3D1',
    httpVersion: 'HTTP/1.1',
    httpMethod: 'GET',
    requestId: '1-664b3fe0-1a2b3c4d5e6f',
    scheme: 'https',
    host: 'shop.example.com',
  },
  labels: [{ name: 'awswaf:managed:aws:sql-database:SQLi_QueryArguments' }],
  ja3Fingerprint: 'e7d705a3286e19ea42f587b344ee6865',
};

const WAF_RECORDS = [...WAF_SAMPLE, WAF_BLOCKED];

/** The record field each AWSWAF column the parsers read is filled from. */
const WAF_SOURCES: Readonly<Record<string, (r: WafRecord) => unknown>> = {
  TimeGenerated: (r) => new Date(r.timestamp as number).toISOString(),
  WebAclId: (r) => r.webaclId,
  Action: (r) => r.action,
  ResponseCodeSent: (r) => r.responseCodeSent,
  HttpRequest: (r) => r.httpRequest,
  HttpVersion: (r) => (r.httpRequest as Record<string, unknown>).httpVersion,
  HttpSourceId: (r) => r.httpSourceId,
  TerminatingRuleId: (r) => r.terminatingRuleId,
  HttpSourceName: (r) => r.httpSourceName,
  TerminatingRuleType: (r) => r.terminatingRuleType,
  TerminatingRuleMatchDetails: (r) => r.terminatingRuleMatchDetails,
  RuleGroupList: (r) => r.ruleGroupList,
  RateBasedRuleList: (r) => r.rateBasedRuleList,
  Labels: (r) => r.labels,
  Ja3Fingerprint: (r) => r.ja3Fingerprint,
};

/** What the parsers make of a row (or of its record): the ASIM fields that come from AWSWAF columns. */
interface WebSession {
  readonly Dvc: string;
  readonly DvcAction: unknown;
  readonly EventResult: unknown;
  readonly EventSeverity: unknown;
  readonly DvcOriginalAction: unknown;
  readonly EventResultDetails: string;
  readonly SrcIpAddr: string;
  readonly SrcGeoCountry: string;
  readonly HttpHost: string;
  readonly HttpUserAgent: string;
  readonly HttpReferrer: string;
  readonly HttpRequestXff: string;
  readonly Url: string;
  readonly HttpVersion: string;
  readonly HttpRequestMethod: string;
  readonly HttpRequestHeaderCount: number | undefined;
  readonly NetworkSessionId: string;
  readonly DstDvcId: string;
  readonly RuleName: string;
  readonly EventProduct: string;
  readonly AdditionalFields: Record<string, unknown>;
}

/** The parser steps {@link webSession} performs, as all three parsers write them. */
const WAF_PARSER_STEPS = [
  'AWSWAF',
  "| extend Dvc = coalesce(WebAclId, strcat(EventVendor, '/', EventProduct))",
  '| lookup ActionLookup on Action',
  '| project-rename DvcOriginalAction = Action',
  '| extend EventResultDetails = tostring(ResponseCodeSent)',
  '| extend HttpStatusCode = EventResultDetails',
  '| extend parsedRequest = parse_json(HttpRequest)',
  'SrcIpAddr = tostring(parsedRequest.clientIp)',
  'SrcGeoCountry = tostring(parsedRequest.country)',
  "HttpHost = take_anyif(tostring(header.value), tostring(header.name) =~ 'host')",
  "HttpUserAgent = take_anyif(tostring(header.value), tostring(header.name) =~ 'user-agent')",
  "HttpReferrer = take_anyif(tostring(header.value), tostring(header.name) =~ 'referer')",
  "HttpRequestXff = take_anyif(tostring(header.value), tostring(header.name) =~ 'X-Forwarded-For')",
  'host = coalesce(tostring(parsedRequest.host), HttpHost)',
  "strcat(scheme, '://', host, uri, iff(isnotempty(args), strcat('?', args), ''))",
  'HttpVersion = tostring(parsedRequest.httpVersion)',
  'HttpRequestMethod = tostring(parsedRequest.httpMethod)',
  'HttpRequestHeaderCount = toint(array_length(parsedRequest.headers))',
  'NetworkSessionId = tostring(parsedRequest.requestId)',
  '| project-rename DstDvcId = HttpSourceId',
  '| project-rename RuleName = TerminatingRuleId',
  "'HttpSourceName', HttpSourceName",
  "'TerminatingRuleType', TerminatingRuleType",
  "'TerminatingRuleMatchDetails', TerminatingRuleMatchDetails",
  "'RuleGroupList', RuleGroupList",
  "'RateBasedRuleList', RateBasedRuleList",
  "'Labels', Labels",
  "'JA3', Ja3Fingerprint",
];

/**
 * One AWSWAF row through a parser, called with `pack=true`: {@link WAF_PARSER_STEPS}, with the
 * parser's own ActionLookup (a join on equal strings: `block` finds nothing).
 */
function webSession(row: Row, parser: string, product: string): WebSession {
  const action = kqlDatatable(parser, 'ActionLookup').rows.find((r) => r[0] === tostring(row.Action));
  const request = parseJsonValue(row.HttpRequest);
  const headers = member(request, 'headers');
  const scheme = tostring(member(request, 'scheme'));
  const host = tostring(member(request, 'host')) || headerValue(headers, 'host');
  const uri = tostring(member(request, 'uri'));
  const args = tostring(member(request, 'args'));
  const path = `${host}${uri}${args ? `?${args}` : ''}`;
  return {
    Dvc: tostring(row.WebAclId) || `AWS/${product}`,
    DvcAction: action?.[1],
    EventResult: action?.[2],
    EventSeverity: action?.[3],
    DvcOriginalAction: row.Action,
    EventResultDetails: tostring(row.ResponseCodeSent),
    SrcIpAddr: tostring(member(request, 'clientIp')),
    SrcGeoCountry: tostring(member(request, 'country')),
    HttpHost: headerValue(headers, 'host'),
    HttpUserAgent: headerValue(headers, 'user-agent'),
    HttpReferrer: headerValue(headers, 'referer'),
    HttpRequestXff: headerValue(headers, 'X-Forwarded-For'),
    Url: scheme && host ? `${scheme}://${path}` : host ? path : uri,
    HttpVersion: tostring(member(request, 'httpVersion')),
    HttpRequestMethod: tostring(member(request, 'httpMethod')),
    HttpRequestHeaderCount: Array.isArray(headers) ? headers.length : undefined,
    NetworkSessionId: tostring(member(request, 'requestId')),
    DstDvcId: tostring(row.HttpSourceId),
    RuleName: tostring(row.TerminatingRuleId),
    EventProduct: product,
    AdditionalFields: {
      HttpSourceName: row.HttpSourceName,
      TerminatingRuleType: row.TerminatingRuleType,
      TerminatingRuleMatchDetails: row.TerminatingRuleMatchDetails,
      RuleGroupList: row.RuleGroupList,
      RateBasedRuleList: row.RateBasedRuleList,
      Labels: row.Labels,
      JA3: row.Ja3Fingerprint,
    },
  };
}

/** What the parser must make of each record, read from the record itself (AWS's field meanings). */
function expectedSession(record: WafRecord, product: string): WebSession {
  const request = record.httpRequest as Record<string, unknown>;
  const headers = request.headers as { name: string; value: string }[];
  const blocked = record.action !== 'ALLOW';
  const args = tostring(request.args);
  return {
    Dvc: tostring(record.webaclId),
    DvcAction: blocked ? 'Deny' : 'Allow',
    EventResult: blocked ? 'Failure' : 'Success',
    EventSeverity: blocked ? 'Low' : 'Informational',
    DvcOriginalAction: record.action,
    EventResultDetails: tostring(record.responseCodeSent),
    SrcIpAddr: tostring(request.clientIp),
    SrcGeoCountry: tostring(request.country),
    HttpHost: headerValue(headers, 'host'),
    HttpUserAgent: headerValue(headers, 'user-agent'),
    HttpReferrer: headerValue(headers, 'referer'),
    HttpRequestXff: headerValue(headers, 'x-forwarded-for'),
    Url:
      request.scheme !== undefined
        ? `${tostring(request.scheme)}://${tostring(request.host)}${tostring(request.uri)}${args ? `?${args}` : ''}`
        : `${headerValue(headers, 'host')}${tostring(request.uri)}`,
    HttpVersion: tostring(request.httpVersion),
    HttpRequestMethod: tostring(request.httpMethod),
    HttpRequestHeaderCount: headers.length,
    NetworkSessionId: tostring(request.requestId),
    DstDvcId: tostring(record.httpSourceId),
    RuleName: tostring(record.terminatingRuleId),
    EventProduct: product,
    AdditionalFields: {
      HttpSourceName: record.httpSourceName,
      TerminatingRuleType: record.terminatingRuleType,
      TerminatingRuleMatchDetails: record.terminatingRuleMatchDetails,
      RuleGroupList: record.ruleGroupList,
      RateBasedRuleList: record.rateBasedRuleList,
      Labels: record.labels,
      JA3: record.ja3Fingerprint,
    },
  };
}

interface WafParser {
  readonly file: string;
  /** The parser's EventProduct, which Dvc falls back on. */
  readonly product: string;
}

const WAF_PARSERS: readonly WafParser[] = [
  { file: 'AWSWAF/ASimWebSessionAWSWAF.yaml', product: 'WAF' },
  { file: 'AWSWAF/vimWebSessionAWSWAF.yaml', product: 'WAF' },
  { file: 'AWSWAF/vimWebSessionAWSAWSWAF.yaml', product: 'AWS WAF' },
];

/** Everything asserted of the WAF rows for one parser; throws on the first problem. */
function verifyWaf(p: WafParser, parser: string, rows: readonly Row[]): void {
  if (rows.length !== WAF_RECORDS.length)
    throw new Error(`${rows.length} rows for ${WAF_RECORDS.length} records`);
  const names = kqlIdentifiers(parser);
  for (const row of rows) {
    const record = WAF_RECORDS[Number(row.RecordIndex)];
    expectColumnsHold(names, AWS_WAF, row, (column) =>
      WAF_SOURCES[column] === undefined ? undefined : { value: WAF_SOURCES[column](record) },
    );
    expect(webSession(row, parser, p.product)).toStrictEqual(expectedSession(record, p.product));
  }
}

describe('AWSWAF: the ASIM Web Session parsers read the rows the forwarder delivers', () => {
  test.each(WAF_PARSERS)('$file', async (p) => {
    // GIVEN the parser's query, and WAF log lines as AWS delivers them (one compact object a line)
    const parser = contentQuery(p.file);
    expectFragmentsIn(parser, [...WAF_PARSER_STEPS, `EventProduct = '${p.product}'`]);
    const key = `AWSLogs/123456789012/WAFLogs/cloudfront/open-telemetry-waf/2024/05/20/14/00/${p.file.replace(/\W/g, '_')}.log.gz`;

    // WHEN the forwarder delivers them
    const rows = await forward('Custom-Waf', key, WAF_RECORDS.map((r) => JSON.stringify(r)).join('\n'));

    // THEN every AWSWAF column the parser reads holds the record's value, and the parser's fields are AWS's
    verifyWaf(p, parser, rows);
    expect(rows.map((r) => webSession(r, parser, p.product).DvcAction)).toStrictEqual([
      'Allow',
      'Deny',
      'Deny',
    ]);
    expect(webSession(rows[2], parser, p.product)).toMatchObject({
      EventResultDetails: '403',
      HttpUserAgent: 'sqlmap/1.8',
      Url: 'https://shop.example.com/search?q=1%20OR%201%3D1',
    });

    // AND the same checks fail on each way a format could break a row
    const row = rows[2];
    const broken: [string, Row][] = [
      ...brokenRows(row, parser, AWS_WAF),
      ['HttpRequest as JSON text', { ...row, HttpRequest: JSON.stringify(row.HttpRequest) }],
      ['ResponseCodeSent as text', { ...row, ResponseCodeSent: '403' }],
      ['Labels as JSON text', { ...row, Labels: JSON.stringify(row.Labels) }],
      ['Action lower-cased', { ...row, Action: 'block' }],
      ['TimeGenerated from the S3 event', { ...row, TimeGenerated: row.S3EventTime }],
      ['HttpRequest left out', Object.fromEntries(Object.entries(row).filter(([k]) => k !== 'HttpRequest'))],
    ];
    expect(broken.length).toBeGreaterThan(10);
    expect(
      survivors(broken, (bad) => verifyWaf(p, parser, [...rows.filter((r) => r !== row), bad])),
    ).toStrictEqual([]);
  });

  test('covers three parsers that read AWSWAF', () => {
    for (const { file } of WAF_PARSERS) expect(kqlIdentifiers(contentQuery(file)).has('AWSWAF')).toBe(true);
    expect(WAF_PARSERS).toHaveLength(3);
  });
});

// --- AWSRoute53Resolver through Microsoft's own DCR mapping --------------------------------------------

const DCR = JSON.parse(
  readFileSync(join(SENTINEL_CONTENT, 'AWSRoute53Resolver', 'AWSRoute53ResolverLogs_DCR.json'), 'utf8'),
) as { properties: { dataFlows: { transformKql: string }[] } }[];
const TRANSFORM = DCR[0].properties.dataFlows[0].transformKql;

type QueryLog = Record<string, unknown>;

const R53_SAMPLE = JSON.parse(
  readFileSync(join(AWS_SAMPLES, 'route53resolver', 'dns-sample.json'), 'utf8'),
) as QueryLog;

/**
 * Query log records as AWS documents them ("Values that appear in Resolver query logs"): the
 * sample (an inbound endpoint, DNS Firewall ALERT), and a query from an instance that got NXDOMAIN
 * with no answers and no firewall match.
 */
const R53_RECORDS: readonly QueryLog[] = [
  R53_SAMPLE,
  {
    version: '1.100000',
    account_id: '123456789012',
    region: 'eu-west-1',
    vpc_id: 'vpc-0a1b2c3d4e5f6a7b8',
    query_timestamp: '2024-05-20T14:00:01Z',
    query_name: 'c2.example-bad.net.',
    query_type: 'TXT',
    query_class: 'IN',
    rcode: 'NXDOMAIN',
    answers: [],
    srcaddr: '10.0.3.17',
    srcport: '49152',
    transport: 'UDP',
    srcids: { instance: 'i-0a1b2c3d4e5f6a7b8' },
  },
];

/** `Column = fn(field)` on a record: what the row must hold for it. */
function dcrValue(projection: ReturnType<typeof dcrProjection>[number], record: QueryLog): unknown {
  if (projection.constant !== undefined) return projection.constant;
  const value = record[projection.field as string];
  if (projection.fn === 'tostring') return value === undefined ? undefined : tostring(value);
  return value;
}

function verifyRoute53(rows: readonly Row[]): void {
  const projection = dcrProjection(TRANSFORM);
  if (rows.length !== R53_RECORDS.length)
    throw new Error(`${rows.length} rows for ${R53_RECORDS.length} records`);
  for (const row of rows) {
    const record = R53_RECORDS[Number(row.RecordIndex)];
    expectColumnsHold(new Set(projection.map((p) => p.column)), AWS_ROUTE53_RESOLVER, row, (column) => {
      const item = projection.find((p) => p.column === column);
      return item === undefined ? undefined : { value: dcrValue(item, record) };
    });
  }
}

describe("AWSRoute53Resolver: rows hold what Microsoft's own DCR for these logs would put there", () => {
  test('AWSRoute53ResolverLogs_DCR.json transformKql, column by column', async () => {
    // GIVEN Microsoft's mapping, read from its DCR
    const projection = dcrProjection(TRANSFORM);
    expect(projection.map((p) => p.column)).toHaveLength(18);
    expect(projection.find((p) => p.column === 'LogType')).toStrictEqual({
      column: 'LogType',
      constant: 'ResolverQueryLogs',
    });
    const declared = new Map(columnsOf('route53resolver').map((c) => [c.name, c.type]));
    for (const { column } of projection) {
      expect([column, declared.get(column)]).toStrictEqual([
        column,
        AWS_ROUTE53_RESOLVER.columns.find((c) => c.name === column)?.type,
      ]);
    }

    // WHEN the forwarder delivers query logs as Route 53 writes them to S3
    const rows = await forward(
      'Custom-Route53Resolver',
      'AWSLogs/123456789012/vpcdnsquerylogs/vpc-0a1b2c3d4e5f6a7b8/2024/05/20/vpc-0a1b2c3d_20240520T1400Z_1a2b3c4d.log.gz',
      R53_RECORDS.map((r) => JSON.stringify(r)).join('\n'),
    );

    // THEN each column holds the DCR's value: text, JSON values for answers and srcids, the query time
    verifyRoute53(rows);
    expect(rows[1]).toMatchObject({
      Rcode: 'NXDOMAIN',
      Answers: [],
      SrcIds: { instance: 'i-0a1b2c3d4e5f6a7b8' },
    });
    expect(rows[1]).not.toHaveProperty('FirewallRuleAction');

    // AND the same checks fail on each way a format could break a row
    const row = rows[0];
    const broken: [string, Row][] = [
      ...brokenRows(row, TRANSFORM, AWS_ROUTE53_RESOLVER),
      ['Answers as JSON text', { ...row, Answers: JSON.stringify(row.Answers) }],
      ['SrcIds as JSON text', { ...row, SrcIds: JSON.stringify(row.SrcIds) }],
      ['SrcPort as a number', { ...row, SrcPort: Number(row.SrcPort) }],
      ['LogType left out', Object.fromEntries(Object.entries(row).filter(([k]) => k !== 'LogType'))],
      ['TimeGenerated from the S3 event', { ...row, TimeGenerated: row.S3EventTime }],
    ];
    expect(survivors(broken, (bad) => verifyRoute53([bad, rows[1]]))).toStrictEqual([]);
  });
});

// --- AWSS3ServerAccess: every column holds AWS's documented field --------------------------------------

/**
 * The documented fields of a record, in AWS's order, each with the AWSS3ServerAccess column whose
 * reference description names it (written here from the two documents, not from the format).
 */
const S3_DOCUMENTED: readonly (readonly [column: string | undefined, description: string])[] = [
  ['BucketOwner', 'canonical user ID of the owner of the source bucket'],
  ['Bucket', 'name of the S3 bucket'],
  ['TimeGenerated', 'time'],
  ['RemoteIp', 'apparent IP address of the requester'],
  ['Requester', 'canonical user ID, IAM user, or assumed role'],
  ['RequestId', 'unique string ID generated by Amazon S3'],
  ['Operation', 'operation type'],
  ['Key', 'object key'],
  ['RequestUri', 'URI part of the HTTP request'],
  ['HttpStatus', 'HTTP status code'],
  ['ErrorCode', 'S3 error code'],
  ['BytesSent', 'response bytes sent'],
  ['ObjectSize', 'size of the object'],
  ['TotalTime', 'total time in milliseconds'],
  ['TurnAroundTime', 'time in milliseconds S3 spent processing'],
  ['Referer', 'HTTP Referer header'],
  ['UserAgent', 'HTTP User-Agent header'],
  ['VersionId', 'version ID of the object'],
  ['HostId', 'extended request ID'],
  ['SignatureVersion', 'signature version'],
  ['CipherSuite', 'TLS cipher suite'],
  ['AuthenticationType', 'authentication type'],
  ['HostHeader', 'host header'],
  ['TLSVersion', 'TLS version'],
  ['AccessPointARN', 'access point'],
  ['ACLRequired', 'ACL was required'],
  [undefined, 'Source region: no column'],
];

/** AWS's documented example log (its five records, here four of the repo's samples' lines). */
const S3_LINES = [
  ...readFileSync(join(AWS_SAMPLES, 's3access', 'valid_log_multi.log'), 'utf8').split('\n'),
  readFileSync(join(AWS_SAMPLES, 's3access', 'too_many_values.log'), 'utf8')
    .trim()
    .split(' ExtraUnknownField')[0],
];

/** A record's fields as AWS writes them: `[time]` and `"quoted"` fields whole, `-` for none. */
function s3Fields(line: string): string[] {
  return [...line.matchAll(/\[[^\]]*\]|"[^"]*"|\S+/g)].map((m) => m[0].replace(/^[["]|[\]"]$/g, ''));
}

function s3Expected(fields: readonly string[], column: string): { value: unknown } | undefined {
  const i = S3_DOCUMENTED.findIndex(([c]) => c === column);
  if (i === -1) return undefined;
  const text = fields[i];
  if (text === undefined || text === '-') return { value: undefined };
  if (column === 'TimeGenerated') {
    // `06/Feb/2019:00:00:38 +0000`: every record of the example is in February 2019, at +0000
    const [day, month, rest] = text.split('/');
    expect([month, text.endsWith(' +0000')]).toStrictEqual(['Feb', true]);
    return { value: `${rest.slice(0, 4)}-02-${day}T${rest.slice(5, 13)}Z` };
  }
  return { value: text };
}

function verifyS3(rows: readonly Row[]): void {
  if (rows.length !== S3_LINES.length) throw new Error(`${rows.length} rows for ${S3_LINES.length} records`);
  const every = new Set(AWS_S3_SERVER_ACCESS.columns.map((c) => c.name));
  for (const row of rows) {
    const fields = s3Fields(S3_LINES[Number(row.RecordIndex)]);
    const dashes = Object.entries(row).filter(([, v]) => v === '-');
    if (dashes.length > 0) throw new Error(`"-" was sent for ${dashes.map(([k]) => k).join(', ')}`);
    expectColumnsHold(every, AWS_S3_SERVER_ACCESS, row, (column) => s3Expected(fields, column));
  }
}

describe('AWSS3ServerAccess: no Sentinel content reads it; every column holds the documented field', () => {
  test("AWS's example log, each field in the column the table reference describes", async () => {
    // GIVEN each table column matched to one documented field by its reference description
    for (const [column, words] of S3_DOCUMENTED) {
      if (column === undefined) continue;
      const description = AWS_S3_SERVER_ACCESS.columns.find((c) => c.name === column)?.description ?? '';
      expect([column, description.toLowerCase().includes(words.toLowerCase())]).toStrictEqual([column, true]);
    }

    // WHEN the forwarder delivers the log
    const rows = await forward(
      'Custom-S3Access',
      'logs/amzn-s3-demo-bucket1/2019-02-06-00-00-38-5A8E3B1D2F3C4B5A.gz',
      S3_LINES.join('\n'),
    );

    // THEN every column holds its field, integers as integers, `-` as nothing
    verifyS3(rows);
    expect(rows.map((r) => r.HttpStatus)).toStrictEqual([200, 200, 404, 200]);

    // AND the same checks fail on each way a format could break a row
    const row = rows[2];
    const allColumns = AWS_S3_SERVER_ACCESS.columns.map((c) => c.name).join(' ');
    const broken: [string, Row][] = [
      ...brokenRows(row, allColumns, AWS_S3_SERVER_ACCESS),
      ['HttpStatus as text', { ...row, HttpStatus: '404' }],
      ['a "-" sent for AccessPointARN', { ...row, AccessPointARN: '-' }],
      ['RequestUri with its quotes', { ...row, RequestUri: `"${tostring(row.RequestUri)}"` }],
      ['TimeGenerated from the S3 event', { ...row, TimeGenerated: row.S3EventTime }],
    ];
    expect(survivors(broken, (bad) => verifyS3([...rows.filter((r) => r !== row), bad]))).toStrictEqual([]);
  });
});
