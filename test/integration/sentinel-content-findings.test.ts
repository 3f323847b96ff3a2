/**
 * Sentinel's own content works on the GuardDuty and Security Hub rows the forwarder delivers (issue 13,
 * point 2), proved as `sentinel-content.test.ts` proves it for CloudTrail: findings go through the
 * real handler, from s3rver to a Logs Ingestion emulator that writes to the vendored built-in table
 * (it refuses to start if the format's columns do not fit it), and the rows that arrive must satisfy
 * each condition of the rule's KQL, each tied to the query text it stands for; every table column the
 * query names must arrive spelled and typed as the table has it (dynamic columns as JSON values the
 * query can read members of, Severity as an int); and the same checks must fail on rows broken the
 * ways a format could break them.
 *
 * The rules are vendored in `test/fixtures/sentinel-content/AWSGuardDuty/` and
 * `…/AWSSecurityHubFindings/` (README.md there). The findings are the AWS samples
 * (`test/fixtures/aws/guardduty/`, `…/securityhub/`) and one RDS finding built from AWS's documented
 * format (`AWSGuardDuty/events/`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { columnsOf, type FormatName } from '../../lambda/formats';
import { AWS_GUARDDUTY, AWS_SECURITY_HUB_FINDINGS } from '../../lambda/formats/builtin-tables';
import { severityLevel } from '../../lambda/formats/guardduty';
import { FIXTURES, useForwarderHarness } from '../support/forwarder-harness';
import { IngestionEmulator } from '../support/ingestion-emulator';
import {
  brokenRows,
  entityMappingColumns,
  expectCondition,
  expectFragmentsIn,
  type Condition,
} from '../support/sentinel-content-checks';
import {
  SENTINEL_CONTENT,
  datetime,
  has,
  isempty,
  kqlIdentifiers,
  kqlLetList,
  member,
  mvExpand,
  parseJsonValue,
  splitAt,
  toint,
  tostring,
  type Row,
} from '../support/sentinel-content';
import {
  dynamicAsText,
  expectFindingColumns,
  findingsContentQuery,
  forwardFindings,
} from '../support/sentinel-content-findings';

useForwarderHarness();

type Json = Record<string, unknown>;

const GUARDDUTY_STREAM = 'Custom-GuardDuty';
const SECURITYHUB_STREAM = 'Custom-SecurityHub';
const GUARDDUTY_SAMPLE = join(FIXTURES, 'guardduty', 'guardduty_findings_export.jsonl');
const RDS_EVENTS = join(SENTINEL_CONTENT, 'AWSGuardDuty', 'events', 'rds_malicious_ip_failed_login.jsonl');
const SECURITYHUB_SAMPLE = join(FIXTURES, 'securityhub', 'securityhub_eventbridge_firehose.json');

let guardduty: IngestionEmulator;
let securityhub: IngestionEmulator;
beforeAll(async () => {
  // Each writes to its built-in table: the emulator refuses to start if the columns do not fit it.
  [guardduty, securityhub] = await Promise.all([
    IngestionEmulator.start({
      streams: { [GUARDDUTY_STREAM]: columnsOf('guardduty') },
      outputTables: { [GUARDDUTY_STREAM]: AWS_GUARDDUTY },
    }),
    IngestionEmulator.start({
      streams: { [SECURITYHUB_STREAM]: columnsOf('securityhub') },
      outputTables: { [SECURITYHUB_STREAM]: AWS_SECURITY_HUB_FINDINGS },
    }),
  ]);
});
afterAll(async () => {
  await Promise.all([guardduty.close(), securityhub.close()]);
});
beforeEach(() => {
  guardduty.reset();
  securityhub.reset();
});

/** Runs `verify` on each broken variant of `row` in `rows`, and returns the names of those it accepts. */
function survivors(rows: readonly Row[], row: Row, broken: [string, Row][], verify: (rows: Row[]) => void) {
  return broken
    .filter(([, bad]) => !isDeepStrictEqual(bad, row))
    .filter(([, bad]) => {
      try {
        verify(rows.map((r) => (r === row ? bad : r)));
        return true;
      } catch {
        return false;
      }
    })
    .map(([how]) => how);
}

// --- The columns the vendored content reads ------------------------------------------------------

const GUARDDUTY_RULES_FILES = [
  'AWSGuardDuty/AWS_GuardDuty_template.yaml',
  'AWSGuardDuty/Unauthorized_user_access_across_AWS_and_Azure.yaml',
  'AWSGuardDuty/CrossCloudUnauthorizedCredentialsAccessDetection.yaml',
];
const SECURITYHUB_RULES_FILES = [
  'AWSSecurityHubFindings/IAMRootUserWithAccessKey.yaml',
  'AWSSecurityHubFindings/EC2SecurityGroupHighRiskOpenPorts.yaml',
  'AWSSecurityHubFindings/SQSQueueNotEncrypted.yaml',
];

describe.each([
  {
    table: AWS_GUARDDUTY,
    format: 'guardduty' as FormatName,
    files: GUARDDUTY_RULES_FILES,
    read: 'AccountId ActivityType Arn Description Id Partition Region ResourceDetails SchemaVersion ServiceDetails Severity TenantId TimeCreated TimeGenerated Title',
    notSent: ['TenantId'],
  },
  {
    table: AWS_SECURITY_HUB_FINDINGS,
    format: 'securityhub' as FormatName,
    files: SECURITYHUB_RULES_FILES,
    read: 'AwsAccountId AwsRegion AwsSecurityFindingDescription AwsSecurityFindingGeneratorId AwsSecurityFindingId AwsSecurityFindingTitle ComplianceSecurityControlId ComplianceStatus RecordState Resources TimeGenerated',
    notSent: [],
  },
])('every $table.name column the vendored content reads', ({ table, format, files, read, notSent }) => {
  const columns = new Map([...table.columns, ...table.systemColumns].map((c) => [c.name, c]));
  const declared = new Map(columnsOf(format).map((c) => [c.name, c]));
  const names = new Set(files.flatMap((f) => [...kqlIdentifiers(findingsContentQuery(f))]));

  test('is exactly the listed set', () => {
    expect([...columns.keys()].filter((c) => names.has(c)).sort()).toStrictEqual(read.split(' '));
  });

  test.each(read.split(' ').filter((c) => !notSent.includes(c)))(
    `%s is declared by the '${format}' format with the table's type`,
    (name) => {
      expect(declared.get(name)).toMatchObject({ name, type: columns.get(name)?.type });
    },
  );

  test('sends no system column', () => {
    expect(notSent.every((name) => table.systemColumns.some((c) => c.name === name))).toBe(true);
    expect(table.systemColumns.filter((c) => declared.has(c.name))).toStrictEqual([]);
  });
});

// --- GuardDuty ---------------------------------------------------------------------------------

/** The finding field each AWSGuardDuty column holds (`GUARDDUTY_FIELD_COLUMNS`). */
const GUARDDUTY_SOURCES: Readonly<Record<string, string>> = {
  SchemaVersion: 'schemaVersion',
  AccountId: 'accountId',
  Region: 'region',
  Partition: 'partition',
  Id: 'id',
  Arn: 'arn',
  ActivityType: 'type',
  ResourceDetails: 'resource',
  ServiceDetails: 'service',
  Severity: 'severity',
  TimeCreated: 'createdAt',
  TimeGenerated: 'updatedAt',
  Title: 'title',
  Description: 'description',
};

/** `case(Severity >= 7.0, "High", Severity between (4.0 .. 6.9), "Medium", Severity between (1.0 .. 3.9), "Low", "Unknown")`. */
function severityCase(value: unknown, high: (s: number) => boolean): string {
  const s = Number(value);
  if (typeof value !== 'number') return 'Unknown';
  if (high(s)) return 'High';
  if (s >= 4 && s <= 6.9) return 'Medium';
  if (s >= 1 && s <= 3.9) return 'Low';
  return 'Unknown';
}

/** `tostring(parse_json(Column).a.b…)`. */
const pj = (row: Row, column: string, ...path: string[]) =>
  tostring(member(parseJsonValue(row[column]), ...path));

interface GuardDutyRule {
  readonly rule: string;
  readonly events: string;
  /** The `type` of the finding the conditions are about. */
  readonly matches: string;
  readonly conditions: readonly Condition[];
}

const multiCloudCommon = (severity: string): Condition[] => [
  { kql: 'AWSAlertId = Id', holds: (row) => !isempty(row.Id) },
  { kql: 'AWSAlertTitle = Title', holds: (row) => !isempty(row.Title) },
  { kql: 'AWSAlertDescription = Description', holds: (row) => !isempty(row.Description) },
  { kql: 'AWSAlertTime = TimeCreated', holds: (row) => Number.isFinite(datetime(row.TimeCreated)) },
  {
    kql: ['Severity >= 7.0, "High"', 'Severity between (4.0 .. 6.9), "Medium"'],
    holds: (row) => severityCase(row.Severity, (s) => s >= 7) === severity,
  },
  { kql: 'Arn,', holds: (row) => tostring(row.Arn).startsWith('arn:aws:guardduty:') },
];

const GUARDDUTY_RULES: readonly GuardDutyRule[] = [
  {
    rule: 'AWSGuardDuty/AWS_GuardDuty_template.yaml',
    events: GUARDDUTY_SAMPLE,
    matches: 'CryptoCurrency:EC2/BitcoinTool.B!DNS',
    conditions: [
      {
        // ThreatPurpose:ResourceTypeAffected/ThreatFamilyName.DetectionMechanism!Artifact
        kql: [
          'extend findingTokens = split(ActivityType, ":")',
          'extend ThreatPurpose=findingTokens[0], findingTokens=split(findingTokens[1], "/")',
          'extend ResourceTypeAffected=findingTokens[0], findingTokens= split(findingTokens[1], ".")',
          'extend ThreatFamilyName=findingTokens[0], findingTokens=split(findingTokens[1], "!")',
          'extend DetectionMechanism=findingTokens[0], Artifact=findingTokens[1]',
        ],
        holds: (row) => {
          const [purpose, rest] = [splitAt(row.ActivityType, ':', 0), splitAt(row.ActivityType, ':', 1)];
          const [resource, family] = [splitAt(rest, '/', 0), splitAt(rest, '/', 1)];
          return (
            isDeepStrictEqual(
              [purpose, resource, splitAt(family, '.', 0), splitAt(splitAt(family, '.', 1), '!', 0)],
              ['CryptoCurrency', 'EC2', 'BitcoinTool', 'B'],
            ) && splitAt(splitAt(family, '.', 1), '!', 1) === 'DNS'
          );
        },
      },
      {
        kql: ['Severity > 7.0, "High"', 'Severity between (4.0 .. 6.9), "Medium"'],
        holds: (row) => severityCase(row.Severity, (s) => s > 7) === 'High',
      },
      {
        // Member access with no parse_json: the column must hold an object, not JSON text.
        kql: 'isnotempty(ResourceDetails.instanceDetails), ResourceDetails.instanceDetails',
        holds: (row) =>
          tostring(member(row.ResourceDetails, 'instanceDetails', 'instanceId')) === 'i-99999999example',
      },
      {
        kql: 'isnotempty(ServiceDetails.action.dnsRequestAction), ServiceDetails.action.dnsRequestAction',
        holds: (row) =>
          tostring(member(row.ServiceDetails, 'action', 'dnsRequestAction', 'domain')) ===
          'pool.example-miner.test',
      },
      { kql: 'extend UniqueFindingId = Id', holds: (row) => row.Id === 'c3d4e5f60718293a4b5c6d7e8fexample' },
      { kql: 'extend AWSAcoundId = AccountId', holds: (row) => row.AccountId === '123456789012' },
      { kql: ['project-away', 'TenantId,'], holds: (row) => !('TenantId' in row) },
    ],
  },
  {
    rule: 'AWSGuardDuty/Unauthorized_user_access_across_AWS_and_Azure.yaml',
    events: GUARDDUTY_SAMPLE,
    matches: 'UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS',
    conditions: [
      {
        kql: [
          'where ActivityType has_any (',
          '"UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS"',
        ],
        holds: (row) =>
          has(row.ActivityType, 'UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS'),
      },
      {
        kql: 'AWSresourceType = tostring(parse_json(ResourceDetails).resourceType)',
        holds: (row) => pj(row, 'ResourceDetails', 'resourceType') === 'AccessKey',
      },
      {
        kql: 'AWSNetworkEntity = tostring(parse_json(ServiceDetails).action.awsApiCallAction.remoteIpDetails.ipAddressV4)',
        holds: (row) =>
          pj(row, 'ServiceDetails', 'action', 'awsApiCallAction', 'remoteIpDetails', 'ipAddressV4') ===
          '203.0.113.5',
      },
      {
        kql: 'AWSAlertUserNameEntity = tostring(parse_json(ResourceDetails).accessKeyDetails.userName)',
        holds: (row) => pj(row, 'ResourceDetails', 'accessKeyDetails', 'userName') === 'ExampleRole',
      },
      {
        kql: [
          'AWSTargetingService = parse_json(ServiceDetails).additionalInfo.apiCalls',
          'mv-apply AIPCall = AWSTargetingService on',
          'where AIPCall has "name"',
          'extend APICallName = tostring(AIPCall.name), APICallCount = tostring(AIPCall["count"])',
        ],
        holds: (row) => {
          const calls = mvExpand(
            member(parseJsonValue(row.ServiceDetails), 'additionalInfo', 'apiCalls'),
          ).filter((call) => has(tostring(call), 'name'));
          return isDeepStrictEqual(
            calls.map((c) => [tostring(member(c, 'name')), tostring(member(c, 'count'))]),
            [
              ['ListBuckets', '1'],
              ['GetCallerIdentity', '2'],
            ],
          );
        },
      },
      ...multiCloudCommon('High'),
    ],
  },
  {
    rule: 'AWSGuardDuty/CrossCloudUnauthorizedCredentialsAccessDetection.yaml',
    events: RDS_EVENTS,
    matches: 'CredentialAccess:RDS/MaliciousIPCaller.FailedLogin',
    conditions: [
      {
        kql: ['where ActivityType has_any (', '"CredentialAccess:RDS/MaliciousIPCaller.FailedLogin"'],
        holds: (row) => has(row.ActivityType, 'CredentialAccess:RDS/MaliciousIPCaller.FailedLogin'),
      },
      {
        kql: 'AWSNetworkEntity = tostring(parse_json(ServiceDetails).action.rdsLoginAttemptAction.remoteIpDetails.ipAddressV4)',
        holds: (row) =>
          pj(row, 'ServiceDetails', 'action', 'rdsLoginAttemptAction', 'remoteIpDetails', 'ipAddressV4') ===
          '198.51.100.23',
      },
      {
        kql: [
          'RDSInstanceId = tostring(parse_json(ResourceDetails).rdsDbInstanceDetails.dbInstanceIdentifier)',
          'RDSUser = tostring(parse_json(ResourceDetails).rdsDbUserDetails.user)',
          'RDSApplication = tostring(parse_json(ResourceDetails).rdsDbUserDetails.application)',
          'RDSactionType = tostring(parse_json(ServiceDetails).action.actionType)',
          'AWSresourceType = tostring(parse_json(ResourceDetails).resourceType)',
        ],
        holds: (row) =>
          isDeepStrictEqual(
            [
              pj(row, 'ResourceDetails', 'rdsDbInstanceDetails', 'dbInstanceIdentifier'),
              pj(row, 'ResourceDetails', 'rdsDbUserDetails', 'user'),
              pj(row, 'ResourceDetails', 'rdsDbUserDetails', 'application'),
              pj(row, 'ServiceDetails', 'action', 'actionType'),
              pj(row, 'ResourceDetails', 'resourceType'),
            ],
            ['example-db', 'admin', 'psql', 'RDS_LOGIN_ATTEMPT', 'RDSDBInstance'],
          ),
      },
      // GuardDuty wrote 6.9: Medium, as the int 6 is; rounded to 7 it would read High.
      ...multiCloudCommon('Medium'),
    ],
  },
];

function findingsIn(file: string): Json[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Json);
}

function verifyGuardDutyRule(
  c: GuardDutyRule,
  query: string,
  rows: readonly Row[],
  findings: readonly Json[],
) {
  if (rows.length !== findings.length)
    throw new Error(`${rows.length} rows arrived for ${findings.length} findings`);
  const matching = rows.filter((r) => findings[Number(r.RecordIndex)]?.type === c.matches);
  if (matching.length !== 1) throw new Error(`${matching.length} rows came from the ${c.matches} finding`);
  for (const condition of c.conditions) expectCondition(condition, matching[0], rows, query, AWS_GUARDDUTY);
  for (const row of rows) {
    const finding = findings[Number(row.RecordIndex)];
    expectFindingColumns(
      query,
      AWS_GUARDDUTY,
      row,
      (column) => (column in GUARDDUTY_SOURCES ? { value: finding[GUARDDUTY_SOURCES[column]] } : undefined),
      severityLevel,
    );
  }
}

describe('AWSGuardDuty analytics rules match the rows the forwarder delivers', () => {
  test.each(GUARDDUTY_RULES)('$rule, on $matches', async (c) => {
    // GIVEN the rule's query, and a GuardDuty export holding the finding it should match
    const query = findingsContentQuery(c.rule);
    expect(kqlIdentifiers(query).has('AWSGuardDuty')).toBe(true);
    expectFragmentsIn(
      query,
      c.conditions.map((condition) => condition.kql),
    );
    const findings = findingsIn(c.events);

    // WHEN the forwarder delivers it
    const rows = await forwardFindings(
      guardduty,
      GUARDDUTY_STREAM,
      'guardduty',
      `AWSLogs/123456789012/GuardDuty/us-east-1/2025/08/20/${c.rule.split('/')[1].replace('.yaml', '')}.jsonl.gz`,
      readFileSync(c.events, 'utf8'),
    );

    // THEN the finding's row satisfies every condition, and every column the query names is the table's
    verifyGuardDutyRule(c, query, rows, findings);

    // AND the same checks fail on each way a format could break that row
    const row = rows.find((r) => findings[Number(r.RecordIndex)].type === c.matches)!;
    const severity = findings[Number(row.RecordIndex)].severity as number;
    const broken: [string, Row][] = [
      ...brokenRows(row, query, AWS_GUARDDUTY),
      ...dynamicAsText(row, query, AWS_GUARDDUTY),
      ['Severity as text', { ...row, Severity: String(row.Severity) }],
      ['Severity as GuardDuty wrote it', { ...row, Severity: severity }],
      ['Severity rounded to nearest', { ...row, Severity: Math.round(severity) }],
    ];
    expect(broken.map(([how]) => how)).toContain('ServiceDetails as JSON text');
    expect(survivors(rows, row, broken, (bad) => verifyGuardDutyRule(c, query, bad, findings))).toStrictEqual(
      [],
    );
  });

  test('the entity and detail columns the rules map from AWSGuardDuty arrive filled', async () => {
    // The multi-cloud rules' custom details include Arn, straight from the table.
    const rows = await forwardFindings(
      guardduty,
      GUARDDUTY_STREAM,
      'guardduty',
      'AWSLogs/123456789012/GuardDuty/us-east-1/2025/08/20/entities.jsonl.gz',
      readFileSync(GUARDDUTY_SAMPLE, 'utf8'),
    );
    expect(rows).toHaveLength(3);
    for (const rule of GUARDDUTY_RULES_FILES) {
      const own = entityMappingColumns(rule).filter((name) =>
        AWS_GUARDDUTY.columns.some((c) => c.name === name),
      );
      for (const row of rows) for (const name of own) expect(isempty(row[name])).toBe(false);
    }
    expect(rows.every((r) => typeof r.Arn === 'string')).toBe(true);
  });
});

// --- Security Hub --------------------------------------------------------------------------------

/** The finding path each AWSSecurityHubFindings column the rules read holds, or the event's `time`. */
const SECURITYHUB_SOURCES: Readonly<Record<string, (finding: Json, event: Json) => unknown>> = {
  TimeGenerated: (_, event) => event.time,
  AwsAccountId: (f) => f.AwsAccountId,
  AwsRegion: (f) => f.Region,
  AwsSecurityFindingTitle: (f) => f.Title,
  AwsSecurityFindingDescription: (f) => f.Description,
  AwsSecurityFindingId: (f) => f.Id,
  AwsSecurityFindingGeneratorId: (f) => f.GeneratorId,
  ComplianceSecurityControlId: (f) => member(f, 'Compliance', 'SecurityControlId'),
  ComplianceStatus: (f) => member(f, 'Compliance', 'Status'),
  RecordState: (f) => f.RecordState,
  Resources: (f) => f.Resources,
};

/** Each finding of the sample's events, in record order, with its event. */
function securityHubFindings(): { finding: Json; event: Json; position: number }[] {
  const text = readFileSync(SECURITYHUB_SAMPLE, 'utf8');
  const events = text.replace(/}{"version"/g, '}\n{"version"').split('\n');
  return events.flatMap((line) => {
    const event = JSON.parse(line) as Json;
    return (member(event, 'detail', 'findings') as Json[]).map((finding, position) => ({
      finding,
      event,
      position,
    }));
  });
}

interface SecurityHubRule {
  readonly rule: string;
  /** The control whose finding the rule should match. */
  readonly control: string;
  readonly conditions: readonly Condition[];
}

const activeFailed = (control: string): Condition[] => [
  {
    kql: 'where RecordState == "ACTIVE" and ComplianceStatus == "FAILED"',
    holds: (row) => row.RecordState === 'ACTIVE' && row.ComplianceStatus === 'FAILED',
  },
  {
    kql: [
      `tostring(AwsSecurityFindingGeneratorId) == "security-control/${control}"`,
      `or tostring(ComplianceSecurityControlId) == "${control}"`,
    ],
    holds: (row) =>
      tostring(row.AwsSecurityFindingGeneratorId) === `security-control/${control}` ||
      tostring(row.ComplianceSecurityControlId) === control,
  },
  {
    // Group keys, which summarize needs as strings; empty ones would merge findings.
    kql: 'AwsAccountId, AwsRegion, AwsSecurityFindingTitle, AwsSecurityFindingDescription',
    holds: (row) =>
      [
        'AwsAccountId',
        'AwsRegion',
        'AwsSecurityFindingTitle',
        'AwsSecurityFindingDescription',
        'AwsSecurityFindingId',
      ].every((c) => typeof row[c] === 'string' && row[c] !== ''),
  },
];

/** `mv-expand Resource = Resources | where tostring(Resource.Type) == type`. */
const resourcesOfType = (row: Row, type: string) =>
  mvExpand(row.Resources).filter((r) => tostring(member(r, 'Type')) === type);

const SECURITYHUB_RULES: readonly SecurityHubRule[] = [
  {
    rule: 'AWSSecurityHubFindings/IAMRootUserWithAccessKey.yaml',
    control: 'IAM.4',
    conditions: [
      ...activeFailed('IAM.4'),
      {
        kql: 'extend RootUserARN = tostring(Resources[0].Id)',
        holds: (row) => tostring(member(row.Resources, 0, 'Id')) === 'AWS::::Account:123456789012',
      },
    ],
  },
  {
    rule: 'AWSSecurityHubFindings/EC2SecurityGroupHighRiskOpenPorts.yaml',
    control: 'EC2.19',
    conditions: [
      ...activeFailed('EC2.19'),
      {
        kql: [
          'let HighRiskPorts = dynamic(',
          'mv-expand Resource = Resources',
          '| where tostring(Resource.Type) == "AwsEc2SecurityGroup"',
          '| extend SGDetails = Resource.Details.AwsEc2SecurityGroup',
          '| mv-expand Perm = IpPermissions',
          '| where toint(Perm.FromPort) in (HighRiskPorts)',
          '| mv-expand Range = Perm.IpRanges',
          '| where tostring(Range.CidrIp) in ("0.0.0.0/0", "::/0")',
          'OpenHighRiskPorts = make_set(tostring(Perm.FromPort))',
          'SecurityGroupId = tostring(SGDetails.GroupId)',
        ],
        holds: (row, _, query) => {
          const ports = kqlLetList(query, 'HighRiskPorts') as unknown as number[];
          const groups = resourcesOfType(row, 'AwsEc2SecurityGroup');
          const open = groups.flatMap((g) =>
            mvExpand(member(g, 'Details', 'AwsEc2SecurityGroup', 'IpPermissions'))
              .filter((perm) => ports.includes(toint(member(perm, 'FromPort'))!))
              .filter((perm) =>
                mvExpand(member(perm, 'IpRanges')).some((r) =>
                  ['0.0.0.0/0', '::/0'].includes(tostring(member(r, 'CidrIp'))),
                ),
              )
              .map((perm) => tostring(member(perm, 'FromPort'))),
          );
          return (
            isDeepStrictEqual(open, ['3389']) &&
            tostring(member(groups[0], 'Details', 'AwsEc2SecurityGroup', 'GroupId')) ===
              'sg-0cb387ec0e423eb16'
          );
        },
      },
    ],
  },
  {
    rule: 'AWSSecurityHubFindings/SQSQueueNotEncrypted.yaml',
    control: 'SQS.1',
    conditions: [
      ...activeFailed('SQS.1'),
      {
        kql: [
          'mv-expand Resource = Resources',
          '| where tostring(Resource.Type) == "AwsSqsQueue"',
          'extend QueueArn = tostring(Resource.Id)',
        ],
        holds: (row) =>
          isDeepStrictEqual(
            resourcesOfType(row, 'AwsSqsQueue').map((r) => tostring(member(r, 'Id'))),
            ['arn:aws:sqs:us-east-1:123456789012:ExampleQueue'],
          ),
      },
    ],
  },
];

function verifySecurityHubRule(c: SecurityHubRule, query: string, rows: readonly Row[]) {
  const findings = securityHubFindings();
  if (rows.length !== findings.length)
    throw new Error(`${rows.length} rows arrived for ${findings.length} findings`);
  const matching = rows.filter(
    (r) => member(findings[Number(r.RecordIndex)].finding, 'Compliance', 'SecurityControlId') === c.control,
  );
  if (matching.length !== 1) throw new Error(`${matching.length} rows came from the ${c.control} finding`);
  for (const condition of c.conditions)
    expectCondition(condition, matching[0], rows, query, AWS_SECURITY_HUB_FINDINGS);
  for (const row of rows) {
    const { finding, event } = findings[Number(row.RecordIndex)];
    expectFindingColumns(query, AWS_SECURITY_HUB_FINDINGS, row, (column) =>
      column in SECURITYHUB_SOURCES ? { value: SECURITYHUB_SOURCES[column](finding, event) } : undefined,
    );
  }
  const entities = entityMappingColumns(c.rule).filter((n) =>
    AWS_SECURITY_HUB_FINDINGS.columns.some((col) => col.name === n),
  );
  const empty = entities.filter((n) => isempty(matching[0][n]));
  if (empty.length > 0) throw new Error(`entity columns arrived empty: ${empty.join(', ')}`);
}

describe('AWSSecurityHubFindings analytics rules match the rows the forwarder delivers', () => {
  let rows: Row[];
  beforeEach(async () => {
    // The Firehose sample: two EventBridge events concatenated, holding 1 and 2 findings.
    rows = await forwardFindings(
      securityhub,
      SECURITYHUB_STREAM,
      'securityhub',
      'firehose/securityhub/2025/08/20/08/securityhub-findings-1-2025-08-20-08-42-07-example.gz',
      readFileSync(SECURITYHUB_SAMPLE, 'utf8'),
    );
  });

  test.each(SECURITYHUB_RULES)('$rule, on the $control finding', (c) => {
    // GIVEN the rule's query
    const query = findingsContentQuery(c.rule);
    expect(kqlIdentifiers(query).has('AWSSecurityHubFindings')).toBe(true);
    expectFragmentsIn(
      query,
      c.conditions.map((condition) => condition.kql),
    );
    // THEN the finding's row satisfies every condition, and every column the query names is the table's
    verifySecurityHubRule(c, query, rows);
    // AND the same checks fail on each way a format could break that row
    const findings = securityHubFindings();
    const row = rows.find(
      (r) => member(findings[Number(r.RecordIndex)].finding, 'Compliance', 'SecurityControlId') === c.control,
    )!;
    const broken: [string, Row][] = [
      ...brokenRows(row, query, AWS_SECURITY_HUB_FINDINGS),
      ...dynamicAsText(row, query, AWS_SECURITY_HUB_FINDINGS),
      [
        'TimeGenerated from the finding, not the event',
        { ...row, TimeGenerated: row.AwsSecurityFindingUpdatedAt },
      ],
    ];
    expect(broken.map(([how]) => how)).toContain('Resources as JSON text');
    expect(survivors(rows, row, broken, (bad) => verifySecurityHubRule(c, query, bad))).toStrictEqual([]);
  });

  test('each finding of an event is its own row: the DCR’s detail.findings[0] would lose the IAM.4 finding', () => {
    const findings = securityHubFindings();
    expect(rows.map((r) => r.AwsSecurityFindingId)).toStrictEqual(findings.map((f) => f.finding.Id));
    const firstOnly = rows.filter((r) => findings[Number(r.RecordIndex)].position === 0);
    expect(firstOnly.map((r) => r.ComplianceSecurityControlId)).toStrictEqual(['EC2.19', 'SQS.1']);
  });
});
