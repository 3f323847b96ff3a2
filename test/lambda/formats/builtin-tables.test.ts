import {
  AWS_CLOUDTRAIL,
  AWS_VPC_FLOW,
  BUILTIN_TABLES,
  isBuiltinTableName,
  type BuiltinTable,
} from '../../../lambda/formats/builtin-tables';
import type { ColumnType } from '../../../lambda/formats/schema';

const VOCABULARY: readonly ColumnType[] = ['string', 'int', 'long', 'real', 'boolean', 'datetime', 'dynamic'];
/** Every registered table: the generic checks below run over each. */
const TABLES: readonly BuiltinTable[] = Object.values(BUILTIN_TABLES);

function typeOf(table: BuiltinTable, name: string): ColumnType | undefined {
  return table.columns.find((c) => c.name === name)?.type;
}

describe.each(TABLES.map((t) => [t.name, t] as const))('built-in table %s', (_name, table) => {
  test('writes through the Microsoft-<Table> stream', () => {
    expect(table.stream).toBe(`Microsoft-${table.name}`);
  });

  test('has no column name twice, sendable and system columns together', () => {
    const names = [...table.columns, ...table.systemColumns].map((c) => c.name);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });

  test('has no two names that differ only in case (KQL names are case-sensitive, typos are not)', () => {
    const lower = table.columns.map((c) => c.name.toLowerCase());
    expect(lower.filter((n, i) => lower.indexOf(n) !== i)).toEqual([]);
  });

  test('declares TimeGenerated as a sendable datetime', () => {
    expect(typeOf(table, 'TimeGenerated')).toBe('datetime');
  });

  test('spells every type in the shared vocabulary', () => {
    for (const column of [...table.columns, ...table.systemColumns]) {
      expect(VOCABULARY).toContain(column.type);
    }
  });

  test('gives every column a description', () => {
    for (const column of [...table.columns, ...table.systemColumns]) {
      expect(column.description?.trim()).toBeTruthy();
    }
  });

  test('keeps the columns Azure fills out of the sendable columns', () => {
    const system = table.systemColumns.map((c) => c.name);
    // The reference's five, then Azure Monitor's standard columns.
    expect(system).toEqual([
      '_BilledSize',
      '_IsBillable',
      'SourceSystem',
      'TenantId',
      'Type',
      '_ItemId',
      '_ResourceId',
      '_SubscriptionId',
      '_TimeReceived',
    ]);
    const sendable = new Set(table.columns.map((c) => c.name));
    expect(system.filter((n) => sendable.has(n))).toEqual([]);
    expect(table.columns.filter((c) => c.name.startsWith('_')).map((c) => c.name)).toEqual([]);
  });

  test('names every column as a Log Analytics column name', () => {
    for (const column of table.columns) expect(column.name).toMatch(/^[A-Za-z][A-Za-z0-9_]{0,44}$/);
  });
});

describe('AWSCloudTrail', () => {
  test('vendors every row of the reference include, plus the two columns ASIM reads', () => {
    const beyond = AWS_CLOUDTRAIL.columns.filter((c) =>
      c.description?.startsWith('Not in the table reference'),
    );
    // The include has 53 rows: 48 sendable and 5 system columns.
    expect(AWS_CLOUDTRAIL.columns.length - beyond.length).toBe(48);
    expect(beyond.map((c) => c.name)).toEqual(['UserIdentityUserId', 'UserIdentityStoreArn']);
  });

  test.each([
    ['UserIdentityType', 'string'],
    ['UserIdentityPrincipalid', 'string'],
    ['UserIdentityArn', 'string'],
    ['UserIdentityUserName', 'string'],
    ['UserIdentityAccountId', 'string'],
    ['UserIdentityAccessKeyId', 'string'],
    ['UserIdentityInvokedBy', 'string'],
    ['AwsEventId', 'string'],
    ['AwsRequestId_', 'string'],
    ['EventTypeName', 'string'],
    ['EventName', 'string'],
    ['EventSource', 'string'],
    ['AWSRegion', 'string'],
    ['SourceIpAddress', 'string'],
    ['RequestParameters', 'string'],
    ['ResponseElements', 'string'],
    ['AdditionalEventData', 'string'],
    ['Resources', 'string'],
    ['ServiceEventDetails', 'string'],
    ['SessionMfaAuthenticated', 'boolean'],
    ['SessionCreationDate', 'datetime'],
    ['SessionIssuerUserName', 'string'],
    ['ReadOnly', 'boolean'],
    ['ManagementEvent', 'boolean'],
    ['RecipientAccountId', 'string'],
    ['Category', 'string'],
    ['EC2RoleDelivery', 'string'],
    ['TlsVersion', 'string'],
    ['CipherSuite', 'string'],
    ['ClientProvidedHostHeader', 'string'],
    ['CidrIp', 'string'],
    ['SourcePort', 'string'],
  ] as const)('has %s as %s', (name, type) => {
    expect(typeOf(AWS_CLOUDTRAIL, name)).toBe(type);
  });

  test.each([
    // The custom format's spellings, which Sentinel's queries would not find.
    'UserIdentityPrincipalId',
    'AwsRegion',
    'EventTime',
    'EventCategory',
    'UserIdentity',
    'TlsDetails',
    'AdditionalFields',
  ])('has no column %j', (name) => {
    expect(typeOf(AWS_CLOUDTRAIL, name)).toBeUndefined();
  });
});

describe('AWSVPCFlow', () => {
  test('vendors every row of the reference include, plus the ten version 7 ECS columns', () => {
    const beyond = AWS_VPC_FLOW.columns.filter((c) =>
      c.description?.startsWith('Not in the table reference'),
    );
    // The include has 34 rows: 29 sendable and 5 system columns.
    expect(AWS_VPC_FLOW.columns.length - beyond.length).toBe(29);
    expect(beyond).toHaveLength(10);
    expect(beyond.every((c) => c.name.startsWith('Ecs') && c.type === 'string')).toBe(true);
  });

  test.each([
    ['Version', 'int'],
    ['AccountId', 'string'],
    ['InterfaceId', 'string'],
    ['SrcAddr', 'string'],
    ['DstAddr', 'string'],
    ['SrcPort', 'int'],
    ['DstPort', 'int'],
    ['Protocol', 'int'],
    ['Packets', 'int'],
    ['Bytes', 'long'],
    ['End', 'datetime'],
    ['Action', 'string'],
    ['LogStatus', 'string'],
    ['VpcId', 'string'],
    ['SubnetId', 'string'],
    ['InstanceId', 'string'],
    ['TcpFlags', 'int'],
    ['TrafficType', 'string'],
    ['PktSrcAddr', 'string'],
    ['PktDstAddr', 'string'],
    ['Region', 'string'],
    ['AzId', 'string'],
    ['SublocationType', 'string'],
    ['SublocationId', 'string'],
    ['PktSrcAwsService', 'string'],
    ['PktDstAwsService', 'string'],
    ['FlowDirection', 'string'],
    ['TrafficPath', 'string'],
    ['EcsClusterArn', 'string'],
    ['EcsTaskId', 'string'],
  ] as const)('has %s as %s', (name, type) => {
    expect(typeOf(AWS_VPC_FLOW, name)).toBe(type);
  });

  test.each(['FlowStartTime', 'FlowEndTime', 'AdditionalFields', 'RejectReason'])(
    'has no column %j',
    (name) => {
      expect(typeOf(AWS_VPC_FLOW, name)).toBeUndefined();
    },
  );
});

describe('the tables vendored for issue 13', () => {
  // Rows of each reference include (or of Microsoft's CSV copy of the reference), sendable and system.
  test.each([
    ['AWSGuardDuty', 14],
    ['AWSCloudWatch', 3],
    ['AWSWAF', 31],
    ['AWSALBAccessLogs', 32],
    ['AWSNLBAccessLogs', 22],
    ['AWSS3ServerAccess', 26],
    ['AWSRoute53Resolver', 18],
    ['AWSNetworkFirewallAlert', 25],
    ['AWSNetworkFirewallFlow', 27],
    ['AWSNetworkFirewallTls', 13],
    ['AWSSecurityHubFindings', 29],
  ] as const)(
    '%s vendors every row of its reference: %i sendable columns, then the five system ones',
    (name, sendable) => {
      const table = BUILTIN_TABLES[name];
      expect(table.columns).toHaveLength(sendable);
      expect(table.systemColumns.slice(0, 5).map((c) => c.name)).toEqual([
        '_BilledSize',
        '_IsBillable',
        'SourceSystem',
        'TenantId',
        'Type',
      ]);
      // No column beyond the reference: Microsoft's DCRs for these tables write none.
      expect(table.columns.filter((c) => c.description?.startsWith('Not in the table reference'))).toEqual(
        [],
      );
    },
  );

  test.each([
    // AWSGuardDuty: the rule template reads ActivityType, Severity, ResourceDetails, ServiceDetails.
    ['AWSGuardDuty', 'ActivityType', 'string'],
    ['AWSGuardDuty', 'Severity', 'int'],
    ['AWSGuardDuty', 'ResourceDetails', 'dynamic'],
    ['AWSGuardDuty', 'ServiceDetails', 'dynamic'],
    ['AWSGuardDuty', 'TimeCreated', 'datetime'],
    ['AWSGuardDuty', 'AccountId', 'string'],
    // AWSCloudWatch
    ['AWSCloudWatch', 'Message', 'string'],
    ['AWSCloudWatch', 'ExtractedTime', 'datetime'],
    // AWSWAF
    ['AWSWAF', 'Action', 'string'],
    ['AWSWAF', 'ClientIp', 'string'],
    ['AWSWAF', 'HttpRequest', 'dynamic'],
    ['AWSWAF', 'TerminatingRuleId', 'string'],
    ['AWSWAF', 'ResponseCodeSent', 'int'],
    ['AWSWAF', 'Labels', 'dynamic'],
    ['AWSWAF', 'WebAclId', 'string'],
    // AWSALBAccessLogs
    ['AWSALBAccessLogs', 'ClientIp', 'string'],
    ['AWSALBAccessLogs', 'ClientPort', 'int'],
    ['AWSALBAccessLogs', 'ElbStatusCode', 'int'],
    ['AWSALBAccessLogs', 'TargetStatusCode', 'string'],
    ['AWSALBAccessLogs', 'ReceivedBytes', 'long'],
    ['AWSALBAccessLogs', 'RequestProcessingTime', 'string'],
    ['AWSALBAccessLogs', 'ConnTraceId', 'string'],
    // AWSNLBAccessLogs
    ['AWSNLBAccessLogs', 'ClientIPPort', 'string'],
    ['AWSNLBAccessLogs', 'ReceivedBytes', 'string'],
    ['AWSNLBAccessLogs', 'TLSProtocolVersion', 'string'],
    ['AWSNLBAccessLogs', 'TlsHandshakeTime', 'string'],
    // AWSS3ServerAccess
    ['AWSS3ServerAccess', 'HttpStatus', 'int'],
    ['AWSS3ServerAccess', 'ObjectSize', 'int'],
    ['AWSS3ServerAccess', 'TurnAroundTime', 'string'],
    ['AWSS3ServerAccess', 'AccessPointARN', 'string'],
    ['AWSS3ServerAccess', 'ACLRequired', 'string'],
    // AWSRoute53Resolver
    ['AWSRoute53Resolver', 'QueryName', 'string'],
    ['AWSRoute53Resolver', 'Answers', 'dynamic'],
    ['AWSRoute53Resolver', 'SrcIds', 'dynamic'],
    ['AWSRoute53Resolver', 'SrcPort', 'string'],
    ['AWSRoute53Resolver', 'Rcode', 'string'],
    // AWSNetworkFirewallAlert, AWSNetworkFirewallFlow, AWSNetworkFirewallTls
    ['AWSNetworkFirewallAlert', 'SignatureId', 'string'],
    ['AWSNetworkFirewallAlert', 'EventTimestamp', 'datetime'],
    ['AWSNetworkFirewallAlert', 'DestPort', 'string'],
    ['AWSNetworkFirewallFlow', 'EventTimestamp', 'string'],
    ['AWSNetworkFirewallFlow', 'Syn', 'boolean'],
    ['AWSNetworkFirewallFlow', 'NetFlowStart', 'datetime'],
    ['AWSNetworkFirewallFlow', 'NetFlowBytes', 'string'],
    ['AWSNetworkFirewallTls', 'LeafCertificateFingerprint', 'string'],
    ['AWSNetworkFirewallTls', 'EventTimestamp', 'datetime'],
    // AWSSecurityHubFindings
    ['AWSSecurityHubFindings', 'ComplianceStatus', 'string'],
    ['AWSSecurityHubFindings', 'ComplianceSecurityControlId', 'string'],
    ['AWSSecurityHubFindings', 'AwsSecurityFindingSeverity', 'dynamic'],
    ['AWSSecurityHubFindings', 'Resources', 'dynamic'],
    ['AWSSecurityHubFindings', 'RecordState', 'string'],
    ['AWSSecurityHubFindings', 'AwsSecurityFindingCreatedAt', 'datetime'],
  ] as const)('%s has %s as %s', (table, name, type) => {
    expect(typeOf(BUILTIN_TABLES[table], name)).toBe(type);
  });

  test.each([
    // Spellings that differ from the reference's by case or wording, which KQL would not find.
    ['AWSNetworkFirewallTls', 'EventType'],
    ['AWSNetworkFirewallFlow', 'TcpFlags'],
    ['AWSNLBAccessLogs', 'TlsCipher'],
    ['AWSS3ServerAccess', 'AccessPointArn'],
    ['AWSSecurityHubFindings', 'AWSRegion'],
    ['AWSWAF', 'Ja4Fingerprint'],
    ['AWSCloudWatch', 'LogGroup'],
  ] as const)('%s has no column %j', (table, name) => {
    expect(typeOf(BUILTIN_TABLES[table], name)).toBeUndefined();
  });
});

describe('the columns Sentinel content reads', () => {
  // The columns the AWS solution's analytics rules and hunting queries and the ASIM parsers read
  // (listed with their readers in the research notes, issue 12), each as that content uses it.
  test.each([
    ...[
      'TimeGenerated',
      'EventName',
      'EventSource',
      'EventTypeName',
      'EventVersion',
      'ErrorCode',
      'ErrorMessage',
      'RequestParameters',
      'ResponseElements',
      'AdditionalEventData',
      'Resources',
      'UserIdentityType',
      'UserIdentityArn',
      'UserIdentityPrincipalid',
      'UserIdentityUserName',
      'UserIdentityAccountId',
      'UserIdentityAccessKeyId',
      'UserIdentityInvokedBy',
      'UserIdentityUserId',
      'UserIdentityStoreArn',
      'SessionMfaAuthenticated',
      'SessionCreationDate',
      'SessionIssuerUserName',
      'SourceIpAddress',
      'UserAgent',
      'AWSRegion',
      'RecipientAccountId',
      'AwsEventId',
      'AwsRequestId',
      'APIVersion',
      'ManagementEvent',
      'ReadOnly',
      'SharedEventId',
    ].map((name) => ['AWSCloudTrail', name] as const),
    ...[
      'TimeGenerated',
      'SrcAddr',
      'DstAddr',
      'SrcPort',
      'DstPort',
      'Protocol',
      'Action',
      'LogStatus',
      'Bytes',
      'Packets',
      'Version',
      'End',
      'InterfaceId',
      'AccountId',
      'VpcId',
      'TrafficType',
      'FlowDirection',
      'PktSrcAddr',
      'PktDstAddr',
      'PktSrcAwsService',
      'PktDstAwsService',
    ].map((name) => ['AWSVPCFlow', name] as const),
  ])('%s has %s', (table, name) => {
    expect(BUILTIN_TABLES[table].columns.map((c) => c.name)).toContain(name);
  });

  test('the ASIM parser joins Protocol to an int lookup table, so Protocol is int', () => {
    expect(typeOf(AWS_VPC_FLOW, 'Protocol')).toBe('int');
  });
});

describe('BUILTIN_TABLES', () => {
  test('indexes each table by its own name', () => {
    for (const [name, table] of Object.entries(BUILTIN_TABLES)) expect(table.name).toBe(name);
    expect(Object.keys(BUILTIN_TABLES).sort()).toEqual([
      'AWSALBAccessLogs',
      'AWSCloudTrail',
      'AWSCloudWatch',
      'AWSGuardDuty',
      'AWSNLBAccessLogs',
      'AWSNetworkFirewallAlert',
      'AWSNetworkFirewallFlow',
      'AWSNetworkFirewallTls',
      'AWSRoute53Resolver',
      'AWSS3ServerAccess',
      'AWSSecurityHubFindings',
      'AWSVPCFlow',
      'AWSWAF',
    ]);
  });

  test('gives no two tables the same name or stream, whatever the case', () => {
    const names = TABLES.map((t) => t.name.toLowerCase());
    const streams = TABLES.map((t) => t.stream.toLowerCase());
    expect(new Set(names).size).toBe(TABLES.length);
    expect(new Set(streams).size).toBe(TABLES.length);
  });

  test('has no built-in table for Classic Load Balancer access logs', () => {
    // AWSELBFlowLogs holds NLB/GWLB flow logs (VPC-flow-log fields), not CLB access logs.
    expect(Object.keys(BUILTIN_TABLES).filter((n) => /ELB|CLB|Classic/i.test(n))).toEqual([]);
  });

  test('knows its names and nothing else', () => {
    expect(isBuiltinTableName('AWSCloudTrail')).toBe(true);
    expect(isBuiltinTableName('AWSVPCFlow')).toBe(true);
    expect(isBuiltinTableName('AWSNetworkFirewallTls')).toBe(true);
    expect(isBuiltinTableName('AWSNetworkFirewallTLS')).toBe(false);
    expect(isBuiltinTableName('AWSELBFlowLogs')).toBe(false);
    expect(isBuiltinTableName('awscloudtrail')).toBe(false);
    expect(isBuiltinTableName('toString')).toBe(false);
    expect(isBuiltinTableName('CloudTrail_CL')).toBe(false);
  });
});
