import { gzipSync } from 'node:zlib';
import { ADDITIONAL_FIELDS_COLUMN } from '../../../lambda/formats/additional-fields';
import { AWS_WAF } from '../../../lambda/formats/builtin-tables';
import { PROVENANCE_COLUMNS } from '../../../lambda/formats/schema';
import { WAF_FIELD_COLUMNS, WAF_HTTP_REQUEST_COLUMNS, wafFormat } from '../../../lambda/formats/waf';
import { countKinds, fixture, malformedOf, objectRef, parseAll, rowsOf } from './helpers';

const PROVENANCE = new Set(PROVENANCE_COLUMNS.map((c) => c.name).filter((n) => n !== 'TimeGenerated'));

function recordColumns(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).filter(([name]) => !PROVENANCE.has(name)));
}

const MULTI = 'waf/valid_log_multi.json';
const NO_WEBACL = 'waf/missing_webaclid_log.json';

/** The records of the two-line sample, parsed. */
const RECORDS = fixture(MULTI)
  .toString()
  .split('\n')
  .map((line) => JSON.parse(line) as Record<string, unknown>);

/** A record with every optional part set: a custom BLOCK response, CAPTCHA, oversize fields. */
const BLOCKED: Record<string, unknown> = {
  ...RECORDS[1],
  action: 'BLOCK',
  responseCodeSent: 403,
  requestHeadersInserted: [{ name: 'x-blocked', value: 'yes' }],
  captchaResponse: { responseCode: 405, solveTimestamp: 0, failureReason: 'TOKEN_MISSING' },
  challengeResponse: { responseCode: 202, solveTimestamp: 0 },
  oversizeFields: ['REQUEST_BODY'],
  ruleGroupList: [
    { ruleGroupId: 'AWS#AWSManagedRulesCommonRuleSet', terminatingRule: null, excludedRules: null },
  ],
};

describe('waf format', () => {
  describe('declared columns', () => {
    const byName = new Map(AWS_WAF.columns.map((c) => [c.name, c]));

    test('are AWSWAF columns with the vendored names, types and descriptions, then AdditionalFields_CF', () => {
      const columns = wafFormat.columns;
      expect(columns.slice(0, -1).map((c) => byName.get(c.name))).toStrictEqual(columns.slice(0, -1));
      expect(columns.at(-1)).toMatchObject({ name: ADDITIONAL_FIELDS_COLUMN, type: 'string' });
      expect(wafFormat.builtinTable).toBe(AWS_WAF);
    });

    test('are every AWSWAF column but TimeGenerated, which the provenance columns declare', () => {
      const names = wafFormat.columns.map((c) => c.name);
      expect([...byName.keys()].filter((n) => !names.includes(n))).toStrictEqual(['TimeGenerated']);
    });

    test('map each field, and each member of httpRequest, to a column the table has', () => {
      for (const column of [...WAF_FIELD_COLUMNS.values(), ...WAF_HTTP_REQUEST_COLUMNS.values()])
        expect(byName.has(column)).toBe(true);
    });
  });

  test('maps the CloudFront ALLOW record of the sample, column by column', async () => {
    const rows = rowsOf(await parseAll('waf', fixture(MULTI)));
    const record = RECORDS[0];
    const request = record.httpRequest as Record<string, unknown>;
    expect(recordColumns(rows[0])).toStrictEqual({
      TimeGenerated: '2025-05-25T21:31:58.574Z',
      FormatVersion: '1',
      WebAclId:
        'arn:aws:wafv2:us-east-1:123456789101:global/webacl/open-telemetry-waf/e3132a63-134d-4da9-a0c4-b166ddd6de6c',
      TerminatingRuleId: 'Default_Action',
      TerminatingRuleType: 'REGULAR',
      Action: 'ALLOW',
      TerminatingRuleMatchDetails: [],
      HttpSourceName: 'CF',
      HttpSourceId: 'E3DTJP8YLL6OBQ',
      RuleGroupList: [],
      RateBasedRuleList: record.rateBasedRuleList,
      NonTerminatingMatchingRules: [],
      // the whole object, as ASIM's parse_json(HttpRequest) reads it, and its members in their columns
      HttpRequest: request,
      ClientIp: '178.84.204.171',
      Country: 'NL',
      Headers: request.headers,
      Uri: '/favicon.ico',
      HttpVersion: 'HTTP/2.0',
      HttpMethod: 'GET',
      RequestId: 'n6LHLPqblIh_4qRsVj0940K9LxKyrkiUUE7lyMol1eTptabtlhHiXQ==',
      Labels: [{ name: 'awswaf:clientip:geo:country:NL' }, { name: 'awswaf:clientip:geo:region:NL-NH' }],
      Ja3Fingerprint: '6f7889b9fb1a62a9577e685c1fcfa919',
      [ADDITIONAL_FIELDS_COLUMN]: '{"ja4Fingerprint":"t13d1717h2_5b57614c22b0_3cbfd9057e0d"}',
    });
  });

  test('keeps nested values as AWS wrote them (evaluationWindowSec as a string in record 2)', async () => {
    const rows = rowsOf(await parseAll('waf', fixture(MULTI)));
    expect(rows[1].RateBasedRuleList).toStrictEqual(RECORDS[1].rateBasedRuleList);
    expect((rows[1].RateBasedRuleList as { evaluationWindowSec: unknown }[])[0].evaluationWindowSec).toBe(
      '120',
    );
    expect(rows[1]).toMatchObject({
      Action: 'BLOCK',
      TerminatingRuleType: 'RATE_BASED',
      HttpSourceName: 'APIGW',
    });
  });

  test('fills the optional parts of a blocked request: ResponseCodeSent as an int, objects as JSON values', async () => {
    const row = rowsOf(await parseAll('waf', JSON.stringify(BLOCKED)))[0];
    expect(row).toMatchObject({
      ResponseCodeSent: 403,
      RequestHeadersInserted: BLOCKED.requestHeadersInserted,
      CaptchaResponse: BLOCKED.captchaResponse,
      ChallengeResponse: BLOCKED.challengeResponse,
      OversizeFields: ['REQUEST_BODY'],
      RuleGroupList: BLOCKED.ruleGroupList,
    });
  });

  test('omits null and "" (requestHeadersInserted, responseCodeSent, args), so isempty() reads them as absent', async () => {
    const row = rowsOf(await parseAll('waf', fixture(MULTI)))[0];
    for (const column of ['RequestHeadersInserted', 'ResponseCodeSent', 'Args'])
      expect(row).not.toHaveProperty(column);
    // inside HttpRequest the record's own "" stay: that object is the record's
    expect((row.HttpRequest as Record<string, unknown>).args).toBe('');
  });

  test('keeps a value its column cannot hold in AdditionalFields_CF', async () => {
    const row = rowsOf(
      await parseAll('waf', JSON.stringify({ ...BLOCKED, responseCodeSent: 'teapot', timestamp: 'later' })),
    )[0];
    expect(row).not.toHaveProperty('ResponseCodeSent');
    expect(JSON.parse(row[ADDITIONAL_FIELDS_COLUMN] as string)).toStrictEqual({
      timestamp: 'later',
      responseCodeSent: 'teapot',
    });
    expect(row.TimeGenerated).toBe(objectRef().eventTime);
  });

  describe('malformed records', () => {
    test('missing_webaclid_log.json: a pretty-printed record without webaclId is one malformed record', async () => {
      const outcomes = await parseAll('waf', fixture(NO_WEBACL));
      expect(outcomes).toStrictEqual([
        {
          kind: 'malformed',
          lineNumber: 1,
          index: 0,
          reason:
            'not an AWS WAF log record: no "webaclId", which every web ACL traffic log record has; check that the producer\'s format is right for this bucket',
        },
      ]);
    });

    test.each([
      ['not valid JSON (SyntaxError at position 1: expected a property name)', '{{'],
      ['WAF log record is not a JSON object (found a number)', '42'],
      [
        'not an AWS WAF log record: no "webaclId" or "action", which every web ACL traffic log record has; check that the producer\'s format is right for this bucket',
        '{"eventVersion":"1.09","eventName":"PutObject"}',
      ],
    ])('a bad line between two good ones is isolated: %s', async (reason, bad) => {
      const good = JSON.stringify(RECORDS[0]);
      const outcomes = await parseAll('waf', `${good}\n${bad}\n${good}\n`);
      expect(malformedOf(outcomes)).toStrictEqual([{ kind: 'malformed', lineNumber: 2, index: 1, reason }]);
      expect(rowsOf(outcomes).map((r) => r.RecordIndex)).toStrictEqual([0, 2]);
    });
  });

  test('a continuation that skips N records resumes at record N, malformed ones counted', async () => {
    const text = `${JSON.stringify(RECORDS[0])}\nbad\n${JSON.stringify(RECORDS[1])}`;
    const all = await parseAll('waf', text);
    const resumed = await parseAll('waf', text, objectRef(), { skipRecords: 2 });
    expect(resumed).toStrictEqual(all.slice(2));
    expect(rowsOf(resumed)[0]).toMatchObject({ RecordIndex: 2, HttpSourceName: 'APIGW' });
  });

  test('reads the same rows whatever the chunking, plain or gzipped', async () => {
    for (const path of [MULTI, NO_WEBACL]) {
      const data = fixture(path);
      const whole = await parseAll('waf', data);
      expect(await parseAll('waf', data, objectRef(), { chunkSize: 1 })).toStrictEqual(whole);
      expect(await parseAll('waf', gzipSync(data), objectRef(), { chunkSize: 3 })).toStrictEqual(whole);
    }
  });

  describe('samples (test/fixtures/aws/waf), plain and gzipped', () => {
    test.each([
      [MULTI, { row: 2 }],
      [NO_WEBACL, { malformed: 1 }],
    ])('%s', async (path, expected) => {
      const object = objectRef({ key: `AWSLogs/123456789012/${path}.gz` });
      const plain = await parseAll('waf', fixture(path), object);
      expect(countKinds(plain)).toStrictEqual(expected);
      expect(await parseAll('waf', gzipSync(fixture(path)), object)).toStrictEqual(plain);
    });
  });
});
