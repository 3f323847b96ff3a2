// Every sample in test/fixtures/aws/ (real AWS log samples, see NOTICE.md there) through the format a
// producer of that log type would use, with the exact counts from the samples' README.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FormatName } from '../../../lambda/formats';
import { countKinds, fixture, FIXTURES, objectRef, parseAll } from './helpers';

type Expected = { row?: number; malformed?: number; 'skipped-object'?: number };

const SAMPLES: readonly [path: string, format: FormatName, expected: Expected][] = [
  ['cloudtrail/cloudtrail_log.json', 'cloudtrail', { row: 7 }],
  ['cloudtrail/cloudtrail_log_empty.json', 'cloudtrail', {}],
  ['cloudtrail-digest/cloudtrail_digest.json', 'cloudtrail', { 'skipped-object': 1 }],
  ['cloudtrail-digest/cloudtrail_digest_empty.json', 'cloudtrail', { 'skipped-object': 1 }],
  ['cloudwatch-subscription/cloudtrail_log_cw.json', 'cloudwatch', { row: 1 }],
  ['cloudwatch-subscription/valid_cloudwatch_log.json', 'cloudwatch', { row: 3 }],
  ['vpcflow/valid_vpc_flow_log.log', 'vpcflow', { row: 1 }],
  ['vpcflow/valid_vpc_flow_log_multi.log', 'vpcflow', { row: 2 }],
  ['vpcflow/valid_vpc_flow_log_ecs.log', 'vpcflow', { row: 1 }],
  ['vpcflow/valid_tgw_flow_log.log', 'vpcflow', { row: 1 }],
  ['vpcflow/vpc_flow_log_too_few_fields.log', 'vpcflow', { malformed: 1 }],
  ['vpcflow/vpc_flow_log_too_many_fields.log', 'vpcflow', { malformed: 1 }],
  ['alb/alb_al_valid_logs.log', 'alb', { row: 2 }],
  ['alb/elb_empty_line.log', 'alb', { row: 2 }],
  // AWS's logging test object: not an access log entry.
  ['alb/elb_control.log', 'alb', { 'skipped-object': 1 }],
  ['alb/alb_al_invalid_syntax.log', 'alb', { malformed: 1 }],
  ['alb/alb_al_insufficient_fields.log', 'alb', { malformed: 1 }],
  ['nlb/nlb_al_valid_logs.log', 'nlb', { row: 1 }],
  ['nlb/nlb_al_insufficient_fields.log', 'nlb', { malformed: 1 }],
  ['clb/clb_al_valid_logs.log', 'clb', { row: 2 }],
  ['clb/clb_al_insufficient_fields.log', 'clb', { malformed: 1 }],
  ['s3access/valid_s3_access_log.log', 's3access', { row: 1 }],
  ['s3access/valid_log_multi.log', 's3access', { row: 3 }],
  ['s3access/unknown_request_uri.log', 's3access', { row: 1 }],
  ['s3access/too_many_values.log', 's3access', { row: 1 }],
  ['s3access/too_few_values.log', 's3access', { malformed: 1 }],
  ['waf/valid_log_multi.json', 'waf', { row: 2 }],
  ['network-firewall/alert_log_multi.json', 'ndjson', { row: 2 }],
  ['waf/missing_webaclid_log.json', 'waf', { malformed: 1 }],
  // The generic `json` format reads a pretty-printed object as one row.
  ['network-firewall/alert_log.json', 'json', { row: 1 }],
  // One object may mix alert, flow and tls records: each row names its output (table).
  ['network-firewall/alert_log.json', 'networkfirewall', { row: 1 }],
  ['network-firewall/alert_log_multi.json', 'networkfirewall', { row: 2 }],
  ['network-firewall/alert_with_metadata_log.json', 'networkfirewall', { row: 1 }],
  ['network-firewall/flow_log.json', 'networkfirewall', { row: 1 }],
  ['network-firewall/http_log.json', 'networkfirewall', { row: 1 }],
  ['network-firewall/tls_log.json', 'networkfirewall', { row: 1 }],
  ['network-firewall/tls_with_revocation_log.json', 'networkfirewall', { row: 1 }],
  ['network-firewall/missing_firewall_name.json', 'networkfirewall', { row: 1 }],
  ['route53resolver/dns-sample.json', 'route53resolver', { row: 1 }],
  ['guardduty/guardduty_findings_export.jsonl', 'guardduty', { row: 3 }],
  // One row per finding: the Firehose sample holds 2 events with 3 findings.
  ['securityhub/securityhub_eventbridge_firehose.json', 'securityhub', { row: 3 }],
  ['securityhub/IAM_root_user_access_key_should_not_exist.json', 'securityhub', { row: 1 }],
  [
    'securityhub/Security_groups_should_not_allow_unrestricted_access_to_ports_with_high_risk.json',
    'securityhub',
    { row: 1 },
  ],
  ['securityhub/SQS_queues_should_be_encrypted_at_rest.json', 'securityhub', { row: 1 }],
  ['cloudfront/web-1-0.txt', 'cloudfront', { row: 2 }],
  ['cloudfront/web-1-0-2019-12.txt', 'cloudfront', { row: 3 }],
];

describe('AWS samples', () => {
  test.each(SAMPLES)('%s as %s', async (path, format, expected) => {
    // GIVEN the sample as AWS delivers most logs: gzipped, under its own key
    const object = objectRef({ key: `AWSLogs/123456789012/${path}.gz` });
    // WHEN parsed both plain and gzipped
    const plain = await parseAll(format, fixture(path), object);
    const gzipped = await parseAll(format, gzipSync(fixture(path)), object);
    // THEN the counts are exact, and compression changes nothing
    expect(countKinds(plain)).toStrictEqual(expected);
    expect(gzipped).toStrictEqual(plain);
  });

  test('every sample file is covered', () => {
    // GIVEN every file in the fixtures folder except the licence notice and README
    const files = readdirSync(FIXTURES)
      .filter((dir) => statSync(join(FIXTURES, dir)).isDirectory())
      .flatMap((dir) => readdirSync(join(FIXTURES, dir)).map((f) => `${dir}/${f}`));
    // THEN each appears in the table above
    const covered = new Set(SAMPLES.map(([path]) => path));
    expect(files.filter((f) => !covered.has(f))).toStrictEqual([]);
    expect(files.length).toBe(44);
  });

  test('the licence notice travels with the copied samples', () => {
    expect(fixture('NOTICE.md').toString()).toMatch(/Apache License, Version 2\.0/);
  });
});
