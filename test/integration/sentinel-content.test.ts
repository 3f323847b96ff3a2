/**
 * Sentinel's own content works on what the forwarder delivers (issue 12, point 4).
 *
 * For each analytics rule vendored in `test/fixtures/sentinel-content/` (and, for VPC flow logs, the
 * ASIM parser `_Im_NetworkSession` runs on AWSVPCFlow), a record built from AWS's documented format
 * that the rule should match goes through the real handler, from s3rver to the Logs Ingestion
 * emulator. The row that arrives must then satisfy, column by column, what the rule's KQL asks:
 *
 * - each condition names the fragment of the rule's query it stands for, and the test first finds
 *   that fragment in the query read from the fixture, so the conditions cannot drift from the rule;
 * - every column of the table the query names is spelled as the table spells it (KQL column names
 *   are case-sensitive: `UserIdentityPrincipalid`, `AWSRegion`) and holds the record's value in the
 *   shape of the table's type: JSON text (compact, so ASIM's `parse … '"LoginTo":"'` works) for
 *   CloudTrail's sub-objects, booleans as booleans, integers as integers, nothing for what AWS
 *   left out (`isempty`) and never the columns Azure fills;
 * - and the same checks run on rows broken the ways a format could break them (a column spelled in
 *   another case, a sub-object sent as an object, a boolean as text, `-` sent for "no value"), and
 *   must fail on every one: each test can fail.
 *
 * The mapping these rows must follow, and the evidence for it, is
 * `test/fixtures/sentinel-content/RESEARCH.md` (sections (a) to (c)).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ENV } from '../../lambda/contract/environment';
import {
  AWS_CLOUDTRAIL,
  AWS_VPC_FLOW,
  columnsOf,
  type BuiltinTable,
  type FormatName,
} from '../../lambda/formats';
import { CLOUDTRAIL_STREAM, emulator, useForwarderHarness } from '../support/forwarder-harness';
import { forwardObject } from '../support/forward-object';
import { forwarderEnv, IngestionEmulator } from '../support/ingestion-emulator';
import {
  brokenRows,
  entityMappingColumns,
  expectColumnsAsTableSpells,
  expectCondition,
  expectFragmentsIn,
  groupBy,
  type Condition,
} from '../support/sentinel-content-checks';
import {
  SENTINEL_CONTENT,
  accountName,
  afterFirstColon,
  binMinutes,
  contains,
  contentQuery,
  datetime,
  equalsCi,
  has,
  hasAny,
  inCi,
  ipv4IsPrivate,
  isempty,
  kqlDatatable,
  kqlIdentifiers,
  kqlLetList,
  kqlLetNumber,
  member,
  mvExpand,
  parseJsonText,
  parseJsonValue,
  splitAt,
  startswith,
  toint,
  tostring,
  type Row,
} from '../support/sentinel-content';

useForwarderHarness();

const EVENTS = join(SENTINEL_CONTENT, 'events');

// --- The columns Sentinel's content reads ------------------------------------------------------

/** Every vendored content file, and its KQL. */
const CONTENT = readdirSync(SENTINEL_CONTENT)
  .filter((file) => file.endsWith('.yaml'))
  .sort()
  .map((file) => ({ file, query: contentQuery(file) }));

/** The identifiers of the content that queries `table` directly, by file. */
function contentReading(table: BuiltinTable): { file: string; query: string; names: Set<string> }[] {
  return CONTENT.map((c) => ({ ...c, names: kqlIdentifiers(c.query) })).filter((c) =>
    c.names.has(table.name),
  );
}

/** The columns of `table` (its own and its system columns) that the content querying it names. */
function columnsRead(table: BuiltinTable): string[] {
  const all = new Set([...table.columns, ...table.systemColumns].map((c) => c.name));
  const read = new Set<string>();
  for (const { names } of contentReading(table)) for (const name of names) if (all.has(name)) read.add(name);
  return [...read].sort();
}

interface TableContent {
  readonly table: BuiltinTable;
  readonly format: FormatName;
  /**
   * What the vendored fixtures read, spelled out: the test derives the list from the fixtures' KQL
   * and compares, so a fixture change shows here.
   */
  readonly fixturesRead: readonly string[];
  /**
   * Columns read by content that is not vendored here (hunting queries and the ASIM parsers
   * ASimAuthentication/ASimAuditEvent/ASimNetworkSessionAWSVPC), from RESEARCH.md section (a).
   */
  readonly alsoRead: readonly string[];
  /** Columns the content reads that the forwarder must not send, and why (RESEARCH.md). */
  readonly notSent: Readonly<Record<string, string>>;
}

/** The names in `text`, separated by white space. */
function words(text: string): string[] {
  return text.split(/\s+/).filter((w) => w.length > 0);
}

const SYSTEM =
  'a system column: Azure fills it, and the table refuses it from a DCR (RESEARCH.md section (c))';

const TABLE_CONTENT: readonly TableContent[] = [
  {
    table: AWS_CLOUDTRAIL,
    format: 'cloudtrail',
    fixturesRead: words(`
      AWSRegion AdditionalEventData AwsEventId Category ErrorCode ErrorMessage EventName
      EventSource EventTypeName EventVersion RecipientAccountId RequestParameters Resources
      ResponseElements SessionCreationDate SessionIssuerAccountId SessionIssuerUserName
      SessionMfaAuthenticated SourceIpAddress SourceSystem TenantId TimeGenerated Type UserAgent
      UserIdentityAccountId UserIdentityArn UserIdentityPrincipalid UserIdentityType
      UserIdentityUserName
    `),
    alsoRead: words(`
      APIVersion AwsRequestId EC2RoleDelivery ManagementEvent OperationName ReadOnly
      ServiceEventDetails SharedEventId UserIdentityAccessKeyId UserIdentityInvokedBy
      UserIdentityStoreArn UserIdentityUserId VpcEndpointId _ItemId
    `),
    notSent: {
      SourceSystem: SYSTEM,
      TenantId: SYSTEM,
      Type: SYSTEM,
      _ItemId: SYSTEM,
      AwsRequestId:
        'deprecated in favour of AwsRequestId_ and probably guid-typed in the live table, while many request IDs (S3: 16 hex characters) are not UUIDs: requestID goes to AwsRequestId_ only (RESEARCH.md section 1)',
    },
  },
  {
    table: AWS_VPC_FLOW,
    format: 'vpcflow',
    fixturesRead: words(`
      AccountId Action Bytes DstAddr DstPort End FlowDirection InterfaceId LogStatus Packets
      PktDstAddr PktDstAwsService PktSrcAddr PktSrcAwsService Protocol SrcAddr SrcPort
      TimeGenerated TrafficType Version VpcId
    `),
    alsoRead: words(`
      AzId InstanceId Region SourceSystem SublocationId SublocationType SubnetId TcpFlags TenantId
      TrafficPath
    `),
    notSent: { SourceSystem: SYSTEM, TenantId: SYSTEM },
  },
];

describe('every column Sentinel content reads', () => {
  describe.each(TABLE_CONTENT)('$table.name', ({ table, format, fixturesRead, alsoRead, notSent }) => {
    const declared = new Map(columnsOf(format).map((c) => [c.name, c]));
    const tableColumns = new Map([...table.columns, ...table.systemColumns].map((c) => [c.name, c]));
    const read = [...new Set([...fixturesRead, ...alsoRead])].sort();

    test('the fixtures read exactly the listed columns', () => {
      expect(contentReading(table).length).toBeGreaterThan(0);
      expect(columnsRead(table)).toStrictEqual([...fixturesRead].sort());
    });

    test('the content spells every column as the vendored table does', () => {
      const byLowerCase = new Map([...tableColumns.keys()].map((name) => [name.toLowerCase(), name]));
      const misspelt = contentReading(table).flatMap(({ file, names }) =>
        [...names]
          .filter((name) => byLowerCase.has(name.toLowerCase()) && !tableColumns.has(name))
          .map((name) => `${file}: ${name} (the table has ${byLowerCase.get(name.toLowerCase())})`),
      );
      expect(misspelt).toStrictEqual([]);
    });

    test('every column listed is one of the table', () => {
      expect(read.filter((name) => !tableColumns.has(name))).toStrictEqual([]);
    });

    test.each(read.filter((name) => !(name in notSent)))(
      `%s is declared by the '${format}' format, with the table's name and type`,
      (name) => {
        expect(declared.get(name)).toMatchObject({ name, type: tableColumns.get(name)?.type });
      },
    );

    test.each(Object.entries(notSent))(`%s is not sent: %s`, (name) => {
      expect([...declared.keys()].filter((d) => d.toLowerCase() === name.toLowerCase())).toStrictEqual([]);
    });
  });
});

// --- CloudTrail: a record each rule should match, and the row it becomes ---------------------------

/** A CloudTrail record as AWS writes it. */
type CloudTrailRecord = Record<string, unknown>;

/**
 * The record field each AWSCloudTrail column is filled from (RESEARCH.md section (c), the table
 * "CloudTrail record → AWSCloudTrail"). The value's shape follows from the vendored column type:
 * string, JSON text for {@link JSON_TEXT_COLUMNS}, boolean, datetime.
 */
const CLOUDTRAIL_SOURCES: Readonly<Record<string, readonly string[]>> = {
  TimeGenerated: ['eventTime'],
  EventVersion: ['eventVersion'],
  UserIdentityType: ['userIdentity', 'type'],
  UserIdentityPrincipalid: ['userIdentity', 'principalId'],
  UserIdentityArn: ['userIdentity', 'arn'],
  UserIdentityAccountId: ['userIdentity', 'accountId'],
  UserIdentityAccessKeyId: ['userIdentity', 'accessKeyId'],
  UserIdentityUserName: ['userIdentity', 'userName'],
  UserIdentityInvokedBy: ['userIdentity', 'invokedBy'],
  SessionMfaAuthenticated: ['userIdentity', 'sessionContext', 'attributes', 'mfaAuthenticated'],
  SessionCreationDate: ['userIdentity', 'sessionContext', 'attributes', 'creationDate'],
  SessionIssuerType: ['userIdentity', 'sessionContext', 'sessionIssuer', 'type'],
  SessionIssuerPrincipalId: ['userIdentity', 'sessionContext', 'sessionIssuer', 'principalId'],
  SessionIssuerArn: ['userIdentity', 'sessionContext', 'sessionIssuer', 'arn'],
  SessionIssuerAccountId: ['userIdentity', 'sessionContext', 'sessionIssuer', 'accountId'],
  SessionIssuerUserName: ['userIdentity', 'sessionContext', 'sessionIssuer', 'userName'],
  EC2RoleDelivery: ['userIdentity', 'sessionContext', 'ec2RoleDelivery'],
  UserIdentityUserId: ['userIdentity', 'onBehalfOf', 'userId'],
  UserIdentityStoreArn: ['userIdentity', 'onBehalfOf', 'identityStoreArn'],
  EventSource: ['eventSource'],
  EventName: ['eventName'],
  AWSRegion: ['awsRegion'],
  SourceIpAddress: ['sourceIPAddress'],
  UserAgent: ['userAgent'],
  ErrorCode: ['errorCode'],
  ErrorMessage: ['errorMessage'],
  RequestParameters: ['requestParameters'],
  ResponseElements: ['responseElements'],
  AdditionalEventData: ['additionalEventData'],
  AwsRequestId_: ['requestID'],
  AwsEventId: ['eventID'],
  ReadOnly: ['readOnly'],
  Resources: ['resources'],
  EventTypeName: ['eventType'],
  APIVersion: ['apiVersion'],
  ManagementEvent: ['managementEvent'],
  RecipientAccountId: ['recipientAccountId'],
  ServiceEventDetails: ['serviceEventDetails'],
  SharedEventId: ['sharedEventID'],
  VpcEndpointId: ['vpcEndpointId'],
  Category: ['eventCategory'],
  TlsVersion: ['tlsDetails', 'tlsVersion'],
  CipherSuite: ['tlsDetails', 'cipherSuite'],
  ClientProvidedHostHeader: ['tlsDetails', 'clientProvidedHostHeader'],
};

/** String columns holding a CloudTrail sub-object as JSON text, which the content reads with `parse_json`. */
const JSON_TEXT_COLUMNS = new Set([
  'RequestParameters',
  'ResponseElements',
  'AdditionalEventData',
  'Resources',
  'ServiceEventDetails',
]);

interface CloudTrailRule {
  /** The rule's file in `test/fixtures/sentinel-content/`. */
  readonly rule: string;
  /** The CloudTrail log file in `events/` (`{"Records":[...]}`) with the record(s) it should match. */
  readonly events: string;
  /** The `eventName` of the record the conditions are about (a file may hold more, for a join). */
  readonly matches: string;
  readonly conditions: readonly Condition[];
}

const rp = (row: Row): unknown => parseJsonText(row, 'RequestParameters');

/** `isempty(ErrorCode) and isempty(ErrorMessage)`, which most rules apply to keep successful calls. */
const noError = (row: Row): boolean => isempty(row.ErrorCode) && isempty(row.ErrorMessage);

/** The account entity most rules build, which names the IAM user of these records. */
const accountIsAlice: Condition = {
  kql: 'AccountName = case( UserIdentityPrincipalid == "Anonymous", "Anonymous", isempty(UserIdentityUserName), UserName, UserIdentityUserName)',
  holds: (row) => accountName(row) === 'Alice',
};

/**
 * ConsoleLogonWithoutMFA and its NRT twin. The rule's `!~ "Yes"` and `!~ "Failure"` also pass on a
 * column parse_json cannot read, so the conditions pin the values the record holds.
 */
const consoleLoginWithoutMfa: readonly Condition[] = [
  { kql: 'where EventName =~ "ConsoleLogin"', holds: (row) => equalsCi(row.EventName, 'ConsoleLogin') },
  {
    kql: ['MFAUsed = tostring(parse_json(AdditionalEventData).MFAUsed)', 'where MFAUsed !~ "Yes"'],
    holds: (row) => tostring(member(parseJsonText(row, 'AdditionalEventData'), 'MFAUsed')) === 'No',
  },
  {
    kql: ['LoginResult = tostring(parse_json(ResponseElements).ConsoleLogin)', 'LoginResult !~ "Failure"'],
    holds: (row) => tostring(member(parseJsonText(row, 'ResponseElements'), 'ConsoleLogin')) === 'Success',
  },
  {
    kql: 'where SessionIssuerUserName !contains "AWSReservedSSO"',
    holds: (row) => !contains(row.SessionIssuerUserName, 'AWSReservedSSO'),
  },
  accountIsAlice,
];

const CLOUDTRAIL_RULES: readonly CloudTrailRule[] = [
  {
    rule: 'AWS_ConsoleLogonWithoutMFA.yaml',
    events: 'AWS_ConsoleLogonWithoutMFA.json',
    matches: 'ConsoleLogin',
    conditions: consoleLoginWithoutMfa,
  },
  {
    rule: 'NRT_AWS_ConsoleLogonWithoutMFA.yaml',
    events: 'AWS_ConsoleLogonWithoutMFA.json',
    matches: 'ConsoleLogin',
    conditions: consoleLoginWithoutMfa,
  },
  {
    rule: 'AWS_ClearStopChangeTrailLogs.yaml',
    events: 'AWS_ClearStopChangeTrailLogs.json',
    matches: 'StopLogging',
    conditions: [
      {
        kql: ['let EventNameList = dynamic(', 'where EventName in~ (EventNameList)'],
        holds: (row, _, query) => inCi(row.EventName, kqlLetList(query, 'EventNameList')),
      },
    ],
  },
  {
    rule: 'AWS_LogTampering.yaml',
    events: 'AWS_LogTampering.json',
    matches: 'UpdateTrail',
    conditions: [
      {
        kql: '(EventName == "UpdateTrail" and (parse_json(RequestParameters).enableLogFileValidation) == false)',
        holds: (row) =>
          row.EventName === 'UpdateTrail' && member(rp(row), 'enableLogFileValidation') === false,
      },
      {
        kql: '(EventName == "UpdateTrail" and (parse_json(RequestParameters).isMultiRegionTrail) == false)',
        holds: (row) => row.EventName === 'UpdateTrail' && member(rp(row), 'isMultiRegionTrail') === false,
      },
      { kql: 'and isempty(ErrorMessage) and isempty(ErrorCode)', holds: noError },
    ],
  },
  {
    rule: 'AWS_FullAdminPolicyAttachedToRolesUsersGroups.yaml',
    events: 'AWS_FullAdminPolicyAttachedToRolesUsersGroups.json',
    matches: 'CreatePolicy',
    conditions: [
      {
        kql: ['let createPolicy = dynamic(', 'where EventName in (createPolicy)'],
        holds: (row, _, query) => kqlLetList(query, 'createPolicy').includes(tostring(row.EventName)),
      },
      {
        kql: 'extend PolicyName = tostring(parse_json(RequestParameters).policyName)',
        holds: (row) => tostring(member(rp(row), 'policyName')) === 'backdoor-admin',
      },
      {
        // mvexpand needs Statement to be an array: the policy document, a JSON string inside the
        // JSON text, parses to one.
        kql: [
          'extend Statement = parse_json(tostring((parse_json(RequestParameters).policyDocument))).Statement',
          'where Effect =~ "Allow" and Action == "*" and Resource == "*"',
        ],
        holds: (row) => {
          const statements = member(parseJsonValue(tostring(member(rp(row), 'policyDocument'))), 'Statement');
          return (
            Array.isArray(statements) &&
            statements.some(
              (s) =>
                equalsCi(tostring(member(s, 'Effect')), 'Allow') &&
                mvExpand(member(s, 'Action')).some((action) => tostring(action) === '*') &&
                tostring(member(s, 'Resource')) === '*',
            )
          );
        },
      },
      {
        // The attach within the day joins on the policy name, the second `/` segment of its ARN.
        kql: [
          'let EventNameList = dynamic(',
          'where EventName in (EventNameList)',
          'extend PolicyName = tostring(split(tostring(parse_json(RequestParameters).policyArn),"/")[1])',
          'on PolicyName',
        ],
        holds: (row, rows, query) => {
          const attach = rows.find((r) => kqlLetList(query, 'EventNameList').includes(tostring(r.EventName)));
          return (
            attach !== undefined &&
            splitAt(member(rp(attach), 'policyArn'), '/', 1) === tostring(member(rp(row), 'policyName'))
          );
        },
      },
      accountIsAlice,
    ],
  },
  {
    rule: 'AWS_IngressEgressSecurityGroupChange.yaml',
    events: 'AWS_IngressEgressSecurityGroupChange.json',
    matches: 'AuthorizeSecurityGroupIngress',
    conditions: [
      {
        kql: ['let EventNameList = dynamic(', 'where EventName in~ (EventNameList)'],
        holds: (row, _, query) => inCi(row.EventName, kqlLetList(query, 'EventNameList')),
      },
      {
        // Summarize refuses a dynamic group key: the sub-objects must arrive as strings.
        kql: 'by EventSource, EventName, UserIdentityType, RecipientAccountId, AccountName, AccountUPNSuffix, SourceIpAddress, UserAgent, SessionMfaAuthenticated, AWSRegion, AdditionalEventData, UserIdentityAccountId, UserIdentityPrincipalid, ResponseElements',
        holds: (row) =>
          typeof row.ResponseElements === 'string' &&
          (row.AdditionalEventData === undefined || typeof row.AdditionalEventData === 'string'),
      },
      accountIsAlice,
    ],
  },
  {
    rule: 'AWS_NetworkACLOpenToAllPorts.yaml',
    events: 'AWS_NetworkACLOpenToAllPorts.json',
    matches: 'CreateNetworkAclEntry',
    conditions: [
      {
        kql: "where EventName in ('CreateNetworkAclEntry', 'ReplaceNetworkAclEntry') and isempty(ErrorMessage) and isempty(ErrorCode)",
        holds: (row) =>
          ['CreateNetworkAclEntry', 'ReplaceNetworkAclEntry'].includes(tostring(row.EventName)) &&
          noError(row),
      },
      {
        kql: ["ruleAction = tostring(parse_json(RequestParameters)['ruleAction'])", "ruleAction == 'allow'"],
        holds: (row) => tostring(member(rp(row), 'ruleAction')) === 'allow',
      },
      {
        // A JSON boolean, not the text "false".
        kql: ["egress=parse_json(RequestParameters)['egress']", 'egress == false'],
        holds: (row) => member(rp(row), 'egress') === false,
      },
      {
        kql: [
          "total_ports=(toint(parse_json(parse_json(RequestParameters)['portRange'])['to']) - toint(parse_json(parse_json(RequestParameters)['portRange'])['from']))",
          'where isnotempty(total_ports)',
          '(total_ports > 1024)',
        ],
        holds: (row) => {
          const to = toint(member(rp(row), 'portRange', 'to'));
          const from = toint(member(rp(row), 'portRange', 'from'));
          return to !== undefined && from !== undefined && to - from > 1024;
        },
      },
      {
        kql: ["aclProtocol=parse_json(RequestParameters)['aclProtocol']", "aclProtocol == '-1'"],
        holds: (row) => member(rp(row), 'aclProtocol') === '-1',
      },
    ],
  },
  {
    rule: 'AWS_UserAccessKeyCreated.yaml',
    events: 'AWS_UserAccessKeyCreated.json',
    matches: 'CreateAccessKey',
    conditions: [
      { kql: 'where EventName == "CreateAccessKey"', holds: (row) => row.EventName === 'CreateAccessKey' },
      {
        // The columns it removes exist in the table; the system ones are Azure's, never sent.
        kql: 'project-away SourceSystem,Category,Type,TenantId,EventVersion,SessionIssuerAccountId',
        holds: (row) =>
          !['SourceSystem', 'Type', 'TenantId'].some((name) => name in row) &&
          row.Category === 'Management' &&
          row.EventVersion === '1.09',
      },
    ],
  },
  {
    rule: 'AWS_CredentialHijack.yaml',
    events: 'AWS_CredentialHijack.json',
    matches: 'GetCallerIdentity',
    conditions: [
      {
        kql: 'where EventName =~ "GetCallerIdentity" and UserIdentityType =~ "AssumedRole"',
        holds: (row) =>
          equalsCi(row.EventName, 'GetCallerIdentity') && equalsCi(row.UserIdentityType, 'AssumedRole'),
      },
      {
        // A group key: AWS's text "false" arrives as the table's bool.
        kql: 'UserIdentityUserName, SessionMfaAuthenticated,AWSRegion, EventSource, AdditionalEventData, ResponseElements',
        holds: (row) => row.SessionMfaAuthenticated === false,
      },
    ],
  },
  {
    rule: 'AWS_GuardDutyDisabled.yaml',
    events: 'AWS_GuardDutyDisabled.json',
    matches: 'UpdateDetector',
    conditions: [
      {
        kql: '(EventName == "UpdateDetector" and tostring(parse_json(RequestParameters).enable) == "false" and isempty(ErrorCode) and isempty( ErrorMessage))',
        holds: (row) =>
          row.EventName === 'UpdateDetector' &&
          tostring(member(rp(row), 'enable')) === 'false' &&
          noError(row),
      },
      accountIsAlice,
    ],
  },
  {
    rule: 'AWS_CreationofEncryptKeysWithoutMFA.yaml',
    events: 'AWS_CreationofEncryptKeysWithoutMFA.json',
    matches: 'PutKeyPolicy',
    conditions: [
      {
        kql: 'where EventName in ("CreateKey", "PutKeyPolicy") and isempty(ErrorCode) and isempty(ErrorMessage)',
        holds: (row) => ['CreateKey', 'PutKeyPolicy'].includes(tostring(row.EventName)) && noError(row),
      },
      {
        // The key policy is a JSON string inside the JSON text; its Action an array.
        kql: [
          `extend state=parse_json(parse_json(replace_string(tostring(parse_json(RequestParameters)['policy']),'\\\\"','"')).['Statement'])`,
          "extend Action= tostring(parse_json(state.['Action'][0])), Effect=tostring(parse_json(state.['Effect'])),",
          "Principal=tostring(parse_json(state.['Principal']))",
          'where Action in ("kms:Encrypt", "kms:*") and (Effect == \'Allow\') and (Principal has "*")',
        ],
        holds: (row) => {
          const policy = tostring(member(rp(row), 'policy')).replaceAll('\\"', '"');
          return mvExpand(member(parseJsonValue(policy), 'Statement')).some(
            (state) =>
              ['kms:Encrypt', 'kms:*'].includes(tostring(parseJsonValue(member(state, 'Action', 0)))) &&
              tostring(member(state, 'Effect')) === 'Allow' &&
              has(tostring(member(state, 'Principal')), '*'),
          );
        },
      },
      {
        // Both branches are the same row: an empty id would join every other empty one.
        kql: ['| distinct AwsEventId;', 'join kind=inner (check_actions) on AwsEventId'],
        holds: (row, rows) =>
          typeof row.AwsEventId === 'string' &&
          row.AwsEventId !== '' &&
          rows.filter((r) => r.AwsEventId === row.AwsEventId).length === 1,
      },
      accountIsAlice,
    ],
  },
  {
    rule: 'AWS_S3BucketExposedviaPolicy.yaml',
    events: 'AWS_S3BucketExposedviaPolicy.json',
    matches: 'PutBucketPolicy',
    conditions: [
      {
        kql: 'where EventName == "PutBucketPolicy" and isempty(ErrorCode) and isempty(ErrorMessage)',
        holds: (row) => row.EventName === 'PutBucketPolicy' && noError(row),
      },
      {
        kql: [
          'extend Statement = parse_json(tostring((parse_json(RequestParameters).bucketPolicy))).Statement',
          'Condition = tostring(parse_json(Statement).Condition), Principal_aws = tostring(parse_json(Statement).Principal.AWS), Principal = tostring(parse_json(Statement).Principal)',
          'where Effect =~ "Allow" and (Principal_aws == "*" or Principal == "*") and isempty(Condition)',
        ],
        holds: (row) =>
          mvExpand(member(parseJsonValue(tostring(member(rp(row), 'bucketPolicy'))), 'Statement')).some(
            (s) =>
              equalsCi(tostring(member(s, 'Effect')), 'Allow') &&
              (tostring(member(s, 'Principal', 'AWS')) === '*' || tostring(member(s, 'Principal')) === '*') &&
              isempty(tostring(member(s, 'Condition'))),
          ),
      },
    ],
  },
  {
    rule: 'AWS_S3ObjectExfiltrationByAnonymousUser.yaml',
    events: 'AWS_S3ObjectExfiltrationByAnonymousUser.json',
    matches: 'GetObject',
    conditions: [
      {
        kql: `where ((UserIdentityAccountId =~ @'ANONYMOUS_PRINCIPAL' or UserIdentityPrincipalid == "Anonymous") and EventName == 'GetObject')`,
        holds: (row) =>
          (equalsCi(row.UserIdentityAccountId, 'ANONYMOUS_PRINCIPAL') ||
            row.UserIdentityPrincipalid === 'Anonymous') &&
          row.EventName === 'GetObject',
      },
      {
        kql: [
          'BucketName = parse_json(RequestParameters).bucketName',
          'ObjectKey = parse_json(RequestParameters).key',
        ],
        holds: (row) =>
          member(rp(row), 'bucketName') === 'amzn-s3-demo-bucket' &&
          member(rp(row), 'key') === 'exports/customers.csv',
      },
    ],
  },
  {
    rule: 'AWS_PrivilegeEscalationAdministratorAccessManagedPolicy.yaml',
    events: 'AWS_PrivilegeEscalationAdministratorAccessManagedPolicy.json',
    matches: 'AttachRolePolicy',
    conditions: [
      {
        kql: 'where EventName in ("AttachUserPolicy","AttachRolePolicy","AttachGroupPolicy") and isempty(ErrorCode) and isempty(ErrorMessage)',
        holds: (row) =>
          ['AttachUserPolicy', 'AttachRolePolicy', 'AttachGroupPolicy'].includes(tostring(row.EventName)) &&
          noError(row),
      },
      {
        kql: 'where tostring(parse_json(RequestParameters).policyArn) startswith "arn:aws:iam::aws:policy/AdministratorAccess"',
        holds: (row) =>
          startswith(member(rp(row), 'policyArn'), 'arn:aws:iam::aws:policy/AdministratorAccess'),
      },
      {
        kql: 'AccountCustomEntity = UserIdentityAccountId',
        holds: (row) => row.UserIdentityAccountId === '123456789012',
      },
    ],
  },
  {
    rule: 'AWS_RDSInstancePubliclyExposed.yaml',
    events: 'AWS_RDSInstancePubliclyExposed.json',
    matches: 'ModifyDBInstance',
    conditions: [
      {
        kql: 'where EventName == "ModifyDBInstance" and isempty(ErrorCode) and isempty(ErrorMessage)',
        holds: (row) => row.EventName === 'ModifyDBInstance' && noError(row),
      },
      {
        kql: 'where tostring(parse_json(RequestParameters).publiclyAccessible) == "true"',
        holds: (row) => tostring(member(rp(row), 'publiclyAccessible')) === 'true',
      },
    ],
  },
  {
    rule: 'AWS_UnauthorizedInstanceSetUpAttempt.yaml',
    events: 'AWS_UnauthorizedInstanceSetUpAttempt.json',
    matches: 'RunInstances',
    conditions: [
      { kql: 'where EventName == "RunInstances"', holds: (row) => row.EventName === 'RunInstances' },
      {
        kql: 'where ErrorCode == "Client.UnauthorizedOperation"',
        holds: (row) => row.ErrorCode === 'Client.UnauthorizedOperation',
      },
      {
        kql: 'extend UserName = substring(UserIdentityPrincipalid, indexof_regex(UserIdentityPrincipalid, ":") + 1)',
        holds: (row) => afterFirstColon(row.UserIdentityPrincipalid) === 'alice-session',
      },
    ],
  },
  {
    rule: 'AWS_SSMPubliclyExposed.yaml',
    events: 'AWS_SSMPubliclyExposed.json',
    matches: 'ModifyDocumentPermission',
    conditions: [
      {
        kql: 'where EventName == "ModifyDocumentPermission" and isempty(ErrorCode) and isempty(ErrorMessage)',
        holds: (row) => row.EventName === 'ModifyDocumentPermission' && noError(row),
      },
      {
        // A dynamic array compared with text: its compact JSON.
        kql: `where todynamic(parse_json(RequestParameters).["accountIdsToAdd"]) == '["all"]'`,
        holds: (row) => {
          const ids = member(rp(row), 'accountIdsToAdd');
          return Array.isArray(ids) && JSON.stringify(ids) === '["all"]';
        },
      },
    ],
  },
  {
    rule: 'AWS_EC2StartupShellScriptChanged.yaml',
    events: 'AWS_EC2StartupShellScriptChanged.json',
    matches: 'ModifyInstanceAttribute',
    conditions: [
      {
        kql: 'where EventName in~ ("ModifyInstanceAttribute", "CreateLaunchTemplate")',
        holds: (row) => inCi(row.EventName, ['ModifyInstanceAttribute', 'CreateLaunchTemplate']),
      },
      {
        kql: [
          'extend RequestParametersJson = parse_json(RequestParameters)',
          'where tostring(RequestParametersJson.userData) != ""',
          'extend instanceId_ = tostring(RequestParametersJson.instanceId)',
        ],
        holds: (row) =>
          tostring(member(rp(row), 'userData')) !== '' &&
          tostring(member(rp(row), 'instanceId')) === 'i-0123456789abcdef0',
      },
      {
        kql: 'project-away SourceSystem, Category, Type, TenantId, EventVersion, SessionIssuerAccountId',
        holds: (row) =>
          !['SourceSystem', 'Type', 'TenantId'].some((name) => name in row) &&
          row.Category === 'Management' &&
          row.SessionIssuerAccountId === '123456789012',
      },
      {
        kql: 'extend UserName = substring(UserIdentityPrincipalid, indexof_regex(UserIdentityPrincipalid, ":") + 1)',
        holds: (row) => afterFirstColon(row.UserIdentityPrincipalid) === 'alice-session',
      },
    ],
  },
];

/** Everything a rule case asserts of the rows of its log file; throws on the first problem found. */
function verifyCloudTrailRule(
  c: CloudTrailRule,
  query: string,
  rows: readonly Row[],
  records: readonly CloudTrailRecord[],
) {
  if (rows.length !== records.length)
    throw new Error(`${rows.length} rows arrived for ${records.length} records`);
  const matching = rows.filter((r) => {
    const record = records[Number(r.RecordIndex)];
    return record !== undefined && record.eventName === c.matches;
  });
  if (matching.length !== 1) throw new Error(`${matching.length} rows came from the ${c.matches} record`);
  const row = matching[0];
  for (const condition of c.conditions) expectCondition(condition, row, rows, query, AWS_CLOUDTRAIL);
  for (const each of rows) {
    const record = records[Number(each.RecordIndex)];
    expectColumnsAsTableSpells(
      query,
      AWS_CLOUDTRAIL,
      each,
      (column) => {
        const path = CLOUDTRAIL_SOURCES[column];
        return path === undefined ? undefined : { value: member(record, ...path) };
      },
      JSON_TEXT_COLUMNS,
    );
  }
  const entityColumns = entityMappingColumns(c.rule).filter((name) =>
    AWS_CLOUDTRAIL.columns.some((col) => col.name === name),
  );
  const emptyEntities = entityColumns.filter((name) => isempty(row[name]));
  if (emptyEntities.length > 0) throw new Error(`entity columns arrived empty: ${emptyEntities.join(', ')}`);
}

describe('AWSCloudTrail analytics rules match the rows the forwarder delivers', () => {
  test.each(CLOUDTRAIL_RULES)('$rule, on $matches from $events', async (c) => {
    // GIVEN the rule's query, and a CloudTrail log file with the record it should match
    const query = contentQuery(c.rule);
    expect(kqlIdentifiers(query).has('AWSCloudTrail')).toBe(true);
    expectFragmentsIn(
      query,
      c.conditions.map((condition) => condition.kql),
    );
    const text = readFileSync(join(EVENTS, c.events), 'utf8');
    const records = (JSON.parse(text) as { Records: CloudTrailRecord[] }).Records;

    // WHEN the forwarder delivers the file
    const rows = await forwardObject(
      `AWSLogs/123456789012/CloudTrail/us-east-1/2024/05/01/123456789012_CloudTrail_us-east-1_20240501T1200Z_${c.rule.replace('.yaml', '')}.json.gz`,
      text,
      { envOverrides: { [ENV.format]: 'cloudtrail', [ENV.streamName]: CLOUDTRAIL_STREAM } },
      (key) => emulator.rows(CLOUDTRAIL_STREAM).filter((r) => r.S3Key === key),
    );

    // THEN the row satisfies every condition, and every column the query names is as the table has it
    verifyCloudTrailRule(c, query, rows, records);

    // AND the same checks fail on each way a format could break that row
    const row = rows.find((r) => records[Number(r.RecordIndex)].eventName === c.matches)!;
    const broken = brokenRows(row, query, AWS_CLOUDTRAIL, JSON_TEXT_COLUMNS);
    expect(broken.length).toBeGreaterThan(0);
    const survivors = broken.filter(([, bad]) => {
      try {
        verifyCloudTrailRule(c, query, [...rows.filter((r) => r !== row), bad], records);
        return true;
      } catch {
        return false;
      }
    });
    expect(survivors.map(([how]) => how)).toStrictEqual([]);
  });

  test('covers at least ten rules', () => {
    expect(new Set(CLOUDTRAIL_RULES.map((c) => c.rule)).size).toBeGreaterThanOrEqual(10);
  });
});

// --- VPC flow logs through ASIM's `_Im_NetworkSession` ---------------------------------------------

const VPC_STREAM = 'Custom-VpcFlow';
const PARSER = 'vimNetworkSessionAWSVPC.yaml';

/** The record field each AWSVPCFlow column the parser reads is filled from (RESEARCH.md section (c)). */
const VPC_SOURCES: Readonly<Record<string, string>> = {
  TimeGenerated: 'start',
  End: 'end',
  Version: 'version',
  AccountId: 'account-id',
  InterfaceId: 'interface-id',
  SrcAddr: 'srcaddr',
  DstAddr: 'dstaddr',
  SrcPort: 'srcport',
  DstPort: 'dstport',
  Protocol: 'protocol',
  Packets: 'packets',
  Bytes: 'bytes',
  Action: 'action',
  LogStatus: 'log-status',
  VpcId: 'vpc-id',
  TrafficType: 'type',
  PktSrcAddr: 'pkt-srcaddr',
  PktDstAddr: 'pkt-dstaddr',
  PktSrcAwsService: 'pkt-src-aws-service',
  PktDstAwsService: 'pkt-dst-aws-service',
  FlowDirection: 'flow-direction',
};

/** One flow log record: header field → its text, `-` for "no value", as AWS writes it. */
type Flow = Record<string, string>;

/** A flow log line read by `header`: field name → its text. */
function flowOf(header: string, line: string): Flow {
  const names = header.split(' ');
  const values = line.split(' ');
  if (values.length !== names.length)
    throw new Error(`${values.length} fields for a ${names.length}-field header: ${line}`);
  return Object.fromEntries(names.map((name, i) => [name, values[i]]));
}

/** The version 2 (default) fields, in AWS's order. */
const V2 =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';

/**
 * A custom format with every version 3 to 5 field, in an order of its own: the forwarder reads the
 * header, not positions.
 */
const V5_CUSTOM =
  'version interface-id account-id vpc-id subnet-id instance-id flow-direction type srcaddr dstaddr srcport dstport pkt-srcaddr pkt-dstaddr protocol packets bytes tcp-flags start end action log-status region az-id sublocation-type sublocation-id pkt-src-aws-service pkt-dst-aws-service traffic-path';

/** A row as ASIM's `vimNetworkSessionAWSVPC` leaves it: the columns the two rules read. */
interface Session {
  readonly TimeGenerated: unknown;
  readonly EventResult: string;
  readonly DvcAction: unknown;
  readonly NetworkProtocol: unknown;
  readonly NetworkDirection: unknown;
  readonly SrcIpAddr: unknown;
  readonly DstIpAddr: unknown;
  readonly DstPortNumber: unknown;
  readonly EventCount: number;
  readonly EventVendor: string;
  readonly EventProduct: string;
  readonly SrcAppType: string;
  readonly DstAppType: string;
}

/** The parser steps {@link networkSessions} performs, as the parser writes them. */
const PARSER_STEPS = [
  'AWSVPCFlow',
  'where LogStatus != "NODATA"',
  '(isnull(dstportnumber) or (DstPort == dstportnumber))',
  'extend EventResult = iff (Action=="ACCEPT","Success","Failure")',
  'lookup ActionLookup on Action',
  'EventVendor="AWS"',
  'EventProduct="VPC"',
  'EventCount=toint(1)',
  'SrcAppType = iff (PktSrcAwsService != "", "CloudService", "")',
  'DstAppType = iff (PktDstAwsService != "", "CloudService", "")',
  'lookup ProtocolLookup on Protocol',
  'lookup DirectionLookup on FlowDirection',
  'DstIpAddr = DstAddr',
  'DstPortNumber = DstPort',
  'SrcIpAddr = SrcAddr',
];

/**
 * `_Im_NetworkSession` on AWSVPCFlow rows, called without parameters as both rules call it: the
 * steps of {@link PARSER_STEPS}, with the parser's own lookup tables read from its text. A lookup is
 * a left outer join on equal values of the key's declared type: `Protocol:int` finds nothing for a
 * Protocol sent as text.
 */
function networkSessions(rows: readonly Row[], parser: string): Session[] {
  const lookup = (name: string, key: unknown): unknown => {
    const { columns, rows: entries } = kqlDatatable(parser, name);
    const typed = columns[0][1] === 'int' ? typeof key === 'number' : typeof key === 'string';
    return typed ? entries.find((entry) => entry[0] === key)?.[1] : undefined;
  };
  return rows
    .filter((row) => row.LogStatus !== 'NODATA')
    .map((row) => ({
      TimeGenerated: row.TimeGenerated,
      EventResult: row.Action === 'ACCEPT' ? 'Success' : 'Failure',
      DvcAction: lookup('ActionLookup', row.Action),
      NetworkProtocol: lookup('ProtocolLookup', row.Protocol),
      NetworkDirection: lookup('DirectionLookup', row.FlowDirection),
      SrcIpAddr: row.SrcAddr,
      DstIpAddr: row.DstAddr,
      DstPortNumber: row.DstPort,
      EventCount: 1,
      EventVendor: 'AWS',
      EventProduct: 'VPC',
      SrcAppType: tostring(row.PktSrcAwsService) !== '' ? 'CloudService' : '',
      DstAppType: tostring(row.PktDstAwsService) !== '' ? 'CloudService' : '',
    }));
}

interface VpcRule {
  readonly rule: string;
  /** Its query text this test evaluates. */
  readonly steps: readonly string[];
  readonly header: string;
  /**
   * The flow log lines, fields in {@link header}'s order, for a start time (epoch seconds) at the
   * beginning of a 5-minute bin.
   */
  readonly flows: (start: number) => string[];
  /** The rule's result on the sessions: the rows it alerts on. */
  readonly alerts: (sessions: readonly Session[], query: string, now: number) => Record<string, unknown>[];
  /** What it must alert on. */
  readonly expected: Record<string, unknown>[];
  /** What every session must be. */
  readonly session: Partial<Record<keyof Session, unknown>>;
}

const SCANNER = '198.51.100.7';
const BRUTE_FORCER = '203.0.113.99';

const VPC_RULES: readonly VpcRule[] = [
  {
    rule: 'NetworkSessionEssentials_PortScan.yaml',
    steps: [
      'let PortScanThreshold = ',
      'where ipv4_is_private(SrcIpAddr) == False',
      'where SrcIpAddr !in ("127.0.0.1", "::1")',
      'AttemptedPortsCount=dcount(DstPortNumber)',
      'by SrcIpAddr, bin(TimeGenerated, 5m)',
      'where AttemptedPortsCount > PortScanThreshold',
    ],
    header: V2,
    // 51 rejected probes of ports 1 to 51 from one public address, and a NODATA record (every
    // field it lacks written `-`), which the parser drops.
    flows: (start) => [
      ...Array.from(
        { length: 51 },
        (_, i) =>
          `2 123456789012 eni-0a1b2c3d4e5f6a7b8 ${SCANNER} 10.0.1.25 ${40001 + i} ${1 + i} 6 1 44 ${start} ${start + 30} REJECT OK`,
      ),
      `2 123456789012 eni-0a1b2c3d4e5f6a7b8 - - - - - - - ${start} ${start + 60} - NODATA`,
    ],
    alerts: (sessions, query) => {
      const threshold = kqlLetNumber(query, 'PortScanThreshold');
      const candidates = sessions.filter(
        (s) => !ipv4IsPrivate(s.SrcIpAddr) && !['127.0.0.1', '::1'].includes(tostring(s.SrcIpAddr)),
      );
      return groupBy(candidates, (s) => [s.SrcIpAddr, binMinutes(s.TimeGenerated, 5)])
        .map((group) => ({
          SrcIpAddr: group[0].SrcIpAddr,
          AttemptedPortsCount: new Set(group.map((s) => s.DstPortNumber)).size,
        }))
        .filter((alert) => alert.AttemptedPortsCount > threshold);
    },
    expected: [{ SrcIpAddr: SCANNER, AttemptedPortsCount: 51 }],
    session: {
      EventResult: 'Failure',
      DvcAction: 'Deny',
      NetworkProtocol: 'TCP',
      SrcAppType: '',
      DstAppType: '',
    },
  },
  {
    rule: 'NetworkSessionEssentials_RemoteDesktopNetworkBruteforce.yaml',
    steps: [
      'where TimeGenerated > ago(1h) and EventResult == "Failure"',
      'where not(ipv4_is_private(SrcIpAddr)) and tostring(DstPortNumber) has_any ("3389") and SrcIpAddr != DstIpAddr',
      'Eventscount=sum(EventCount)',
      'by SrcIpAddr,DstIpAddr,DstPortNumber,NetworkProtocol,EventResult, bin(TimeGenerated, 5m)',
      'where Eventscount >= 25',
    ],
    header: V5_CUSTOM,
    // 25 rejected RDP connections, one a second, from one public address to one instance.
    // AWS writes no traffic-path for ingress traffic.
    flows: (start) =>
      Array.from(
        { length: 25 },
        (_, i) =>
          `5 eni-0a1b2c3d4e5f6a7b8 123456789012 vpc-0a1b2c3d4e5f6a7b8 subnet-0a1b2c3d4e5f6a7b8 i-0a1b2c3d4e5f6a7b8 ingress IPv4 ${BRUTE_FORCER} 10.0.2.15 ${50000 + i} 3389 ${BRUTE_FORCER} 10.0.2.15 6 1 60 2 ${start + i} ${start + i + 1} REJECT OK us-east-1 use1-az1 - - - - -`,
      ),
    alerts: (sessions, _, now) => {
      const candidates = sessions.filter(
        (s) =>
          datetime(s.TimeGenerated) > now - 3_600_000 &&
          s.EventResult === 'Failure' &&
          !ipv4IsPrivate(s.SrcIpAddr) &&
          hasAny(tostring(s.DstPortNumber), ['3389']) &&
          s.SrcIpAddr !== s.DstIpAddr,
      );
      return groupBy(candidates, (s) => [
        s.SrcIpAddr,
        s.DstIpAddr,
        s.DstPortNumber,
        s.NetworkProtocol,
        s.EventResult,
        binMinutes(s.TimeGenerated, 5),
      ])
        .map((group) => ({
          SrcIpAddr: group[0].SrcIpAddr,
          DstIpAddr: group[0].DstIpAddr,
          DstPortNumber: group[0].DstPortNumber,
          NetworkProtocol: group[0].NetworkProtocol,
          EventResult: group[0].EventResult,
          Eventscount: group.reduce((sum, s) => sum + s.EventCount, 0),
        }))
        .filter((alert) => alert.Eventscount >= 25);
    },
    expected: [
      {
        SrcIpAddr: BRUTE_FORCER,
        DstIpAddr: '10.0.2.15',
        DstPortNumber: 3389,
        NetworkProtocol: 'TCP',
        EventResult: 'Failure',
        Eventscount: 25,
      },
    ],
    session: {
      EventResult: 'Failure',
      DvcAction: 'Deny',
      NetworkProtocol: 'TCP',
      NetworkDirection: 'Inbound',
      SrcAppType: '',
      DstAppType: '',
    },
  },
];

/** The expected value of `column` for `flow`: its field's text as the column's type holds it, `undefined` for `-`. */
function flowValue(flow: Flow, column: string): { readonly value: unknown } | undefined {
  const field = VPC_SOURCES[column];
  if (field === undefined) return undefined;
  const text = flow[field];
  if (text === undefined || text === '-') return { value: undefined };
  if (column === 'TimeGenerated' || column === 'End')
    return { value: new Date(Number(text) * 1000).toISOString() };
  return { value: text };
}

/** Everything a VPC rule case asserts of its rows; throws on the first problem found. */
function verifyVpcRule(
  c: VpcRule,
  rule: string,
  parser: string,
  rows: readonly Row[],
  flows: readonly Flow[],
  now: number,
) {
  if (rows.length !== flows.length) throw new Error(`${rows.length} rows arrived for ${flows.length} flows`);
  for (const row of rows) {
    const flow = flows[Number(row.RecordIndex)];
    const dashes = Object.entries(row).filter(([, v]) => v === '-');
    if (dashes.length > 0) throw new Error(`"-" was sent for ${dashes.map(([k]) => k).join(', ')}`);
    expectColumnsAsTableSpells(parser, AWS_VPC_FLOW, row, (column) => flowValue(flow, column));
  }
  const sessions = networkSessions(rows, parser);
  if (sessions.length !== flows.filter((f) => f['log-status'] !== 'NODATA').length) {
    throw new Error(`the parser kept ${sessions.length} rows`);
  }
  for (const session of sessions) expect(session).toMatchObject(c.session);
  expect(c.alerts(sessions, rule, now)).toStrictEqual(c.expected);
}

/** Rows a broken format could send in place of `row` (see {@link brokenRows}), plus VPC's own ways to break. */
function brokenFlowRows(row: Row, parser: string): [string, Row][] {
  return [
    ...brokenRows(row, parser, AWS_VPC_FLOW),
    ...(['Protocol', 'DstPort'] as const)
      .filter((column) => typeof row[column] === 'number')
      .map((column): [string, Row] => [`${column} as text`, { ...row, [column]: String(row[column]) }]),
    ['a "-" sent for PktSrcAwsService', { ...row, PktSrcAwsService: '-' }],
    ['TimeGenerated from end, not start', { ...row, TimeGenerated: row.End }],
  ];
}

describe('Network Session rules, through ASIM vimNetworkSessionAWSVPC, match the AWSVPCFlow rows the forwarder delivers', () => {
  let vpcEmulator: IngestionEmulator;
  beforeAll(async () => {
    // Writing to AWSVPCFlow: the emulator refuses to start if the stream's columns do not fit it.
    vpcEmulator = await IngestionEmulator.start({
      streams: { [VPC_STREAM]: columnsOf('vpcflow') },
      outputTables: { [VPC_STREAM]: AWS_VPC_FLOW },
    });
  });
  afterAll(async () => {
    await vpcEmulator.close();
  });
  beforeEach(() => {
    vpcEmulator.reset();
  });

  test.each(VPC_RULES)('$rule', async (c) => {
    // GIVEN the rule's query and the parser's, and flows (10 minutes ago, so `ago(1h)` keeps them)
    const rule = contentQuery(c.rule);
    const parser = contentQuery(PARSER);
    expect(kqlIdentifiers(rule).has('_Im_NetworkSession')).toBe(true);
    expectFragmentsIn(rule, c.steps);
    expectFragmentsIn(parser, PARSER_STEPS);
    const now = Date.now();
    const start = Math.floor(now / 300_000) * 300 - 600;
    const lines = c.flows(start);
    const flows = lines.map((line) => flowOf(c.header, line));
    const day = new Date(start * 1000).toISOString().slice(0, 10).replace(/-/g, '/');

    // WHEN the forwarder delivers them
    const rows = await forwardObject(
      `AWSLogs/123456789012/vpcflowlogs/us-east-1/${day}/123456789012_vpcflowlogs_us-east-1_fl-0a1b2c3d_${start}_${c.rule.replace('.yaml', '')}.log.gz`,
      [c.header, ...lines].join('\n') + '\n',
      {
        env: forwarderEnv(vpcEmulator, VPC_STREAM, {
          [ENV.format]: 'vpcflow',
          [ENV.producerName]: 'vpc-flow',
        }),
        clientOptions: vpcEmulator.clientOptions(),
        secretCredentialFactory: () => vpcEmulator.credential,
      },
      (key) => vpcEmulator.rows(VPC_STREAM).filter((r) => r.S3Key === key),
    );

    // THEN every column the parser reads is as the table has it, and the rule alerts on them
    verifyVpcRule(c, rule, parser, rows, flows, now);

    // AND the same checks fail on each way a format could break a row
    const row = rows.find((r) => r.LogStatus === 'OK')!;
    const broken = brokenFlowRows(row, parser);
    expect(broken.map(([how]) => how)).toContain('Protocol as text');
    const survivors = broken.filter(([, bad]) => {
      try {
        verifyVpcRule(c, rule, parser, [...rows.filter((r) => r !== row), bad], flows, now);
        return true;
      } catch {
        return false;
      }
    });
    expect(survivors.map(([how]) => how)).toStrictEqual([]);
  });
});
