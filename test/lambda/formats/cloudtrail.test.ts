import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { JsonRecordSplitter } from '../../../lambda/formats/json-splitter';
import type { SourceItem } from '../../../lambda/formats';
import { AWS_CLOUDTRAIL } from '../../../lambda/formats/builtin-tables';
import { ADDITIONAL_FIELDS_COLUMN, cloudtrailFormat } from '../../../lambda/formats/cloudtrail';
import { topLevelMemberTexts } from '../../../lambda/formats/exact-json';
import { PROVENANCE_COLUMNS } from '../../../lambda/formats/schema';
import { normalizeTime } from '../../../lambda/formats/time';
import { rowJson } from '../../../lambda/io/batcher';
import { fixture, FIXTURES, malformedOf, objectRef, parseAll, rowsOf } from './helpers';

const LOG = 'cloudtrail/cloudtrail_log.json';

/** The sample's records as JSON.parse sees them: the oracle for the streamed parse. */
function sampleRecords(): Record<string, unknown>[] {
  return (JSON.parse(fixture(LOG).toString()) as { Records: Record<string, unknown>[] }).Records;
}

/** The rows of a document holding `records`. */
async function rowsFor(...records: unknown[]): Promise<Record<string, unknown>[]> {
  return rowsOf(await parseAll('cloudtrail', JSON.stringify({ Records: records })));
}

/** The one row of a document holding `record`. */
async function rowFor(record: unknown): Promise<Record<string, unknown>> {
  const rows = await rowsFor(record);
  expect(rows).toHaveLength(1);
  return rows[0];
}

/** A row's AdditionalFields_CF, parsed. */
function additionalOf(row: Record<string, unknown>): unknown {
  const text = row[ADDITIONAL_FIELDS_COLUMN];
  return typeof text === 'string' ? JSON.parse(text) : undefined;
}

/**
 * Whether JSON text has no whitespace outside its strings: an oracle independent of the
 * compactor, stripping strings with a regular expression.
 */
function isCompact(text: string): boolean {
  return !/\s/.test(text.replace(/"(?:[^"\\]|\\.)*"/g, '""'));
}

/** The columns that hold CloudTrail sub-objects as JSON text. */
const JSON_TEXT_COLUMNS = [
  'RequestParameters',
  'ResponseElements',
  'AdditionalEventData',
  'Resources',
  'ServiceEventDetails',
];

/** Provenance columns other than TimeGenerated: added by the row factory, renamed elsewhere. */
const PROVENANCE_ONLY = new Set(PROVENANCE_COLUMNS.map((c) => c.name).filter((n) => n !== 'TimeGenerated'));

const TABLE = new Map(AWS_CLOUDTRAIL.columns.map((c) => [c.name, c]));

/**
 * A record with every field the mapping reads (RESEARCH.md section (c)), and some it does not. Values
 * are as AWS writes them: mfaAuthenticated a string, creationDate in the basic ISO form of AWS's
 * older examples, ports numbers.
 */
const FULL = {
  eventVersion: '1.10',
  userIdentity: {
    type: 'AssumedRole',
    principalId: 'AROAEXAMPLEID:alice',
    arn: 'arn:aws:sts::123456789012:assumed-role/Admin/alice',
    accountId: '123456789012',
    accessKeyId: 'ASIAEXAMPLEKEY',
    userName: 'alice',
    invokedBy: 'ec2.amazonaws.com',
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: 'AROAEXAMPLEID',
        arn: 'arn:aws:iam::123456789012:role/Admin',
        accountId: '123456789012',
        userName: 'Admin',
      },
      webIdFederationData: {},
      attributes: { creationDate: '20240501T115000Z', mfaAuthenticated: 'true' },
      sourceIdentity: 'alice@example.com',
      ec2RoleDelivery: '2.0',
    },
    onBehalfOf: {
      userId: '9067c7a8-EXAMPLE',
      identityStoreArn: 'arn:aws:identitystore::123456789012:identitystore/d-EXAMPLE',
    },
    credentialId: 'EXAMPLECREDENTIALID',
  },
  eventTime: '2024-05-01T12:00:00Z',
  eventSource: 'ec2.amazonaws.com',
  eventName: 'AuthorizeSecurityGroupIngress',
  awsRegion: 'eu-west-1',
  sourceIPAddress: '198.51.100.7',
  userAgent: 'aws-cli/2.15.0 Python/3.11.6',
  errorCode: 'Client.UnauthorizedOperation',
  errorMessage: 'You are not authorized to perform this operation.',
  requestParameters: {
    groupId: 'sg-0123456789abcdef0',
    ipPermissions: {
      items: [
        {
          ipProtocol: 'tcp',
          fromPort: 22,
          toPort: 23,
          groups: {},
          ipRanges: { items: [{ cidrIp: '0.0.0.0/0' }, { cidrIp: '10.0.0.0/8' }] },
        },
        { ipProtocol: 'udp', fromPort: 53, toPort: 53, ipRanges: { items: [{ cidrIp: '192.0.2.0/24' }] } },
      ],
    },
    isMultiRegionTrail: false,
  },
  responseElements: { _return: true, securityGroupRuleSet: { items: [{ securityGroupRuleId: 'sgr-1' }] } },
  additionalEventData: { MFAUsed: 'No', LoginTo: 'https://console.aws.amazon.com/console/home' },
  requestID: 'c8b3ef5a-EXAMPLE',
  eventID: '3e5ab4d3-7a6c-4a5b-9b0e-EXAMPLE0001',
  readOnly: false,
  resources: [
    {
      ARN: 'arn:aws:ec2:eu-west-1:123456789012:security-group/sg-1',
      accountId: '123456789012',
      type: 'AWS::EC2::SecurityGroup',
    },
  ],
  eventType: 'AwsApiCall',
  apiVersion: '2016-11-15',
  managementEvent: true,
  recipientAccountId: '210987654321',
  serviceEventDetails: { rotationType: 'AUTOMATIC', keyId: 'key-1' },
  sharedEventID: '9f1c2b3a-EXAMPLE',
  vpcEndpointId: 'vpce-0123456789abcdef0',
  vpcEndpointAccountId: '123456789012',
  eventCategory: 'Management',
  tlsDetails: {
    tlsVersion: 'TLSv1.3',
    cipherSuite: 'TLS_AES_128_GCM_SHA256',
    clientProvidedHostHeader: 'ec2.eu-west-1.amazonaws.com',
  },
  addendum: { reason: 'DELIVERY_DELAY', updatedFields: null },
  sessionCredentialFromConsole: 'true',
};

/**
 * RESEARCH.md's CloudTrail table, one row each: the field, its column, and the value FULL's row must
 * hold there.
 */
const MAPPINGS: readonly [field: string, column: string, expected: unknown][] = [
  ['eventTime', 'TimeGenerated', '2024-05-01T12:00:00Z'],
  ['eventVersion', 'EventVersion', '1.10'],
  ['userIdentity.type', 'UserIdentityType', 'AssumedRole'],
  ['userIdentity.principalId', 'UserIdentityPrincipalid', 'AROAEXAMPLEID:alice'],
  ['userIdentity.arn', 'UserIdentityArn', 'arn:aws:sts::123456789012:assumed-role/Admin/alice'],
  ['userIdentity.accountId', 'UserIdentityAccountId', '123456789012'],
  ['userIdentity.accessKeyId', 'UserIdentityAccessKeyId', 'ASIAEXAMPLEKEY'],
  ['userIdentity.userName', 'UserIdentityUserName', 'alice'],
  ['userIdentity.invokedBy', 'UserIdentityInvokedBy', 'ec2.amazonaws.com'],
  ['userIdentity.sessionContext.attributes.mfaAuthenticated', 'SessionMfaAuthenticated', true],
  ['userIdentity.sessionContext.attributes.creationDate', 'SessionCreationDate', '2024-05-01T11:50:00Z'],
  ['userIdentity.sessionContext.sessionIssuer.type', 'SessionIssuerType', 'Role'],
  ['userIdentity.sessionContext.sessionIssuer.principalId', 'SessionIssuerPrincipalId', 'AROAEXAMPLEID'],
  [
    'userIdentity.sessionContext.sessionIssuer.arn',
    'SessionIssuerArn',
    'arn:aws:iam::123456789012:role/Admin',
  ],
  ['userIdentity.sessionContext.sessionIssuer.accountId', 'SessionIssuerAccountId', '123456789012'],
  ['userIdentity.sessionContext.sessionIssuer.userName', 'SessionIssuerUserName', 'Admin'],
  ['userIdentity.sessionContext.ec2RoleDelivery', 'EC2RoleDelivery', '2.0'],
  ['userIdentity.onBehalfOf.userId', 'UserIdentityUserId', '9067c7a8-EXAMPLE'],
  [
    'userIdentity.onBehalfOf.identityStoreArn',
    'UserIdentityStoreArn',
    'arn:aws:identitystore::123456789012:identitystore/d-EXAMPLE',
  ],
  ['eventSource', 'EventSource', 'ec2.amazonaws.com'],
  ['eventName', 'EventName', 'AuthorizeSecurityGroupIngress'],
  ['awsRegion', 'AWSRegion', 'eu-west-1'],
  ['sourceIPAddress', 'SourceIpAddress', '198.51.100.7'],
  ['userAgent', 'UserAgent', 'aws-cli/2.15.0 Python/3.11.6'],
  ['errorCode', 'ErrorCode', 'Client.UnauthorizedOperation'],
  ['errorMessage', 'ErrorMessage', 'You are not authorized to perform this operation.'],
  ['requestParameters', 'RequestParameters', JSON.stringify(FULL.requestParameters)],
  ['responseElements', 'ResponseElements', JSON.stringify(FULL.responseElements)],
  [
    'additionalEventData',
    'AdditionalEventData',
    '{"MFAUsed":"No","LoginTo":"https://console.aws.amazon.com/console/home"}',
  ],
  ['requestID', 'AwsRequestId_', 'c8b3ef5a-EXAMPLE'],
  ['eventID', 'AwsEventId', '3e5ab4d3-7a6c-4a5b-9b0e-EXAMPLE0001'],
  ['readOnly', 'ReadOnly', false],
  ['resources', 'Resources', JSON.stringify(FULL.resources)],
  ['eventType', 'EventTypeName', 'AwsApiCall'],
  ['apiVersion', 'APIVersion', '2016-11-15'],
  ['managementEvent', 'ManagementEvent', true],
  ['recipientAccountId', 'RecipientAccountId', '210987654321'],
  ['serviceEventDetails', 'ServiceEventDetails', '{"rotationType":"AUTOMATIC","keyId":"key-1"}'],
  ['sharedEventID', 'SharedEventId', '9f1c2b3a-EXAMPLE'],
  ['vpcEndpointId', 'VpcEndpointId', 'vpce-0123456789abcdef0'],
  ['eventCategory', 'Category', 'Management'],
  ['tlsDetails.tlsVersion', 'TlsVersion', 'TLSv1.3'],
  ['tlsDetails.cipherSuite', 'CipherSuite', 'TLS_AES_128_GCM_SHA256'],
  ['tlsDetails.clientProvidedHostHeader', 'ClientProvidedHostHeader', 'ec2.eu-west-1.amazonaws.com'],
  // The first rule of ipPermissions, and its first IP range.
  ['requestParameters.ipPermissions.items[0].ipRanges.items[0].cidrIp', 'CidrIp', '0.0.0.0/0'],
  ['requestParameters.ipPermissions.items[0].ipProtocol', 'IpProtocol', 'tcp'],
  ['requestParameters.ipPermissions.items[0].fromPort', 'SourcePort', '22'],
  ['requestParameters.ipPermissions.items[0].toPort', 'DestinationPort', '23'],
  ['(constant)', 'OperationName', 'CloudTrail'],
];

/** Every file of CloudTrail samples: the repo's fixtures, and the shared samples when present. */
function sampleFiles(): string[] {
  const dirs = [
    join(FIXTURES, 'cloudtrail'),
    join(__dirname, '..', '..', '..', '..', 'shared', 'samples', 'aws', 'cloudtrail'),
  ];
  return dirs.filter((dir) => existsSync(dir)).flatMap((dir) => readdirSync(dir).map((f) => join(dir, f)));
}

describe('cloudtrail format', () => {
  describe('columns', () => {
    test('declares AWSCloudTrail columns as vendored, then AdditionalFields_CF', () => {
      // GIVEN the format's columns
      const [additional, ...reversed] = [...cloudtrailFormat.columns].reverse();
      const own = reversed.reverse();
      // THEN each is the vendored column itself (name, type and description), in the table's order
      for (const column of own) expect(column).toStrictEqual(TABLE.get(column.name));
      const order = AWS_CLOUDTRAIL.columns.map((c) => c.name);
      expect(own.map((c) => order.indexOf(c.name))).toStrictEqual(
        own.map((c) => order.indexOf(c.name)).sort((a, b) => a - b),
      );
      // ... and the one added column is a string whose name Azure accepts on a built-in table
      expect(ADDITIONAL_FIELDS_COLUMN).toBe('AdditionalFields_CF');
      expect(additional).toMatchObject({ name: ADDITIONAL_FIELDS_COLUMN, type: 'string' });
    });

    test('declares every sendable column but TimeGenerated (a provenance column) and the deprecated AwsRequestId', () => {
      const declared = new Set(cloudtrailFormat.columns.map((c) => c.name));
      expect(AWS_CLOUDTRAIL.columns.map((c) => c.name).filter((n) => !declared.has(n))).toStrictEqual([
        'AwsRequestId',
        'TimeGenerated',
      ]);
    });

    test('declares no system column', () => {
      const system = new Set(AWS_CLOUDTRAIL.systemColumns.map((c) => c.name));
      expect(cloudtrailFormat.columns.filter((c) => system.has(c.name))).toStrictEqual([]);
    });

    test('a record with every mapped field fills every declared column, and no other', async () => {
      const row = await rowFor(FULL);
      const own = Object.keys(row).filter((name) => !PROVENANCE_ONLY.has(name) && name !== 'TimeGenerated');
      expect(own.sort()).toStrictEqual(cloudtrailFormat.columns.map((c) => c.name).sort());
    });
  });

  describe('mapping (RESEARCH.md section (c))', () => {
    let row: Record<string, unknown>;
    beforeAll(async () => {
      row = await rowFor(FULL);
    });

    test.each(MAPPINGS)('%s → %s', (_field, column, expected) => {
      expect(row[column]).toStrictEqual(expected);
    });

    test('leaves the deprecated AwsRequestId unset', () => {
      expect(row).not.toHaveProperty('AwsRequestId');
    });

    test('keeps what no column holds in AdditionalFields_CF, nested as in the record', () => {
      expect(additionalOf(row)).toStrictEqual({
        userIdentity: {
          sessionContext: { sourceIdentity: 'alice@example.com' },
          credentialId: 'EXAMPLECREDENTIALID',
        },
        vpcEndpointAccountId: '123456789012',
        // An unmapped field is kept as written, nulls inside it included.
        addendum: { reason: 'DELIVERY_DELAY', updatedFields: null },
        sessionCredentialFromConsole: 'true',
      });
    });

    test('sends JSON text that parses back to the record’s value, compact', () => {
      for (const column of [...JSON_TEXT_COLUMNS, ADDITIONAL_FIELDS_COLUMN]) {
        const text = row[column] as string;
        expect(typeof text).toBe('string');
        expect(isCompact(text)).toBe(true);
      }
      expect(JSON.parse(row.RequestParameters as string)).toStrictEqual(FULL.requestParameters);
      expect(JSON.parse(row.Resources as string)).toStrictEqual(FULL.resources);
      // What ASIM Authentication's `parse AdditionalEventData with * '"LoginTo":"' …` needs.
      expect(row.AdditionalEventData).toContain('"LoginTo":"https://');
    });
  });

  describe('value shapes', () => {
    test.each([
      ['true', true],
      ['false', false],
      [true, true],
    ])('reads mfaAuthenticated %p as the boolean %p', async (mfaAuthenticated, expected) => {
      const row = await rowFor({ userIdentity: { sessionContext: { attributes: { mfaAuthenticated } } } });
      expect(row.SessionMfaAuthenticated).toBe(expected);
      expect(row).not.toHaveProperty(ADDITIONAL_FIELDS_COLUMN);
    });

    test('reads readOnly and managementEvent written as strings as booleans', async () => {
      const row = await rowFor({ readOnly: 'true', managementEvent: 'false' });
      expect(row).toMatchObject({ ReadOnly: true, ManagementEvent: false });
    });

    test('keeps a creationDate in extended ISO form as is', async () => {
      const row = await rowFor({
        userIdentity: { sessionContext: { attributes: { creationDate: '2024-05-01T11:50:00Z' } } },
      });
      expect(row.SessionCreationDate).toBe('2024-05-01T11:50:00Z');
    });

    test('keeps a value of the wrong type for its column in AdditionalFields_CF, not in the column', async () => {
      // GIVEN values no column can hold: an object for a boolean, a non-time, a non-boolean string
      const row = await rowFor({
        readOnly: { unexpected: true },
        userAgent: ['a', 'b'],
        userIdentity: {
          type: 'IAMUser',
          sessionContext: { attributes: { creationDate: 'yesterday', mfaAuthenticated: 'maybe' } },
        },
      });
      // THEN
      expect(row).not.toHaveProperty('ReadOnly');
      expect(row).not.toHaveProperty('UserAgent');
      expect(row).not.toHaveProperty('SessionCreationDate');
      expect(row).not.toHaveProperty('SessionMfaAuthenticated');
      expect(row.UserIdentityType).toBe('IAMUser');
      expect(additionalOf(row)).toStrictEqual({
        readOnly: { unexpected: true },
        userAgent: ['a', 'b'],
        userIdentity: {
          sessionContext: { attributes: { creationDate: 'yesterday', mfaAuthenticated: 'maybe' } },
        },
      });
    });

    test('writes a number in a string column as its digits', async () => {
      const row = await rowFor({ recipientAccountId: 123456789012, eventVersion: 1.1 });
      expect(row).toMatchObject({ RecipientAccountId: '123456789012', EventVersion: '1.1' });
    });

    test('omits empty strings (an empty accessKeyId of a console sign-in) and nulls, and keeps them nowhere', async () => {
      const row = await rowFor({
        userIdentity: { type: 'IAMUser', accessKeyId: '', sessionContext: { sessionIssuer: {} } },
        errorCode: null,
        responseElements: null,
        webIdFederationData: {},
      });
      expect(row).not.toHaveProperty('UserIdentityAccessKeyId');
      expect(row).not.toHaveProperty('ErrorCode');
      expect(row).not.toHaveProperty('ResponseElements');
      expect(row).not.toHaveProperty(ADDITIONAL_FIELDS_COLUMN);
    });

    test('sends an empty requestParameters object as "{}"', async () => {
      expect((await rowFor({ requestParameters: {} })).RequestParameters).toBe('{}');
    });

    test('keeps the Identity Center user fields written directly under userIdentity (the sample)', async () => {
      const records = sampleRecords();
      const rows = rowsOf(await parseAll('cloudtrail', fixture(LOG)));
      const i = records.findIndex(
        (r) => (r.userIdentity as { type?: string } | undefined)?.type === 'IdentityCenterUser',
      );
      const identity = records[i].userIdentity as Record<string, string>;
      expect(rows[i]).toMatchObject({
        UserIdentityType: 'IdentityCenterUser',
        UserIdentityUserId: identity.userId,
        UserIdentityStoreArn: identity.identityStoreArn,
      });
      // The empty accessKeyId of a console sign-in is not sent.
      expect(identity.accessKeyId).toBe('');
      expect(rows[i]).not.toHaveProperty('UserIdentityAccessKeyId');
    });

    test('fills a column from onBehalfOf or the direct field, whichever comes first, and keeps the other', async () => {
      const row = await rowFor({
        userIdentity: { onBehalfOf: { userId: 'first' }, userId: 'second' },
      });
      expect(row.UserIdentityUserId).toBe('first');
      expect(additionalOf(row)).toStrictEqual({ userIdentity: { userId: 'second' } });
    });

    test('keeps a tlsDetails member AWS may add later', async () => {
      const row = await rowFor({ tlsDetails: { tlsVersion: 'TLSv1.3', keyExchange: 'X25519' } });
      expect(row.TlsVersion).toBe('TLSv1.3');
      expect(additionalOf(row)).toStrictEqual({ tlsDetails: { keyExchange: 'X25519' } });
    });

    test('keeps a userIdentity that is not an object whole', async () => {
      const row = await rowFor({ userIdentity: 'root' });
      expect(row).not.toHaveProperty('UserIdentityType');
      expect(additionalOf(row)).toStrictEqual({ userIdentity: 'root' });
    });

    test('fills no security group column when requestParameters has no ipPermissions rule', async () => {
      const row = await rowFor({ requestParameters: { ipPermissions: { items: [] }, cidrIp: '0.0.0.0/0' } });
      for (const column of ['CidrIp', 'IpProtocol', 'SourcePort', 'DestinationPort']) {
        expect(row).not.toHaveProperty(column);
      }
    });

    test('fills the rule columns but CidrIp for a rule with only IPv6 ranges', async () => {
      const row = await rowFor({
        requestParameters: {
          ipPermissions: {
            items: [{ ipProtocol: '-1', ipv6Ranges: { items: [{ cidrIpv6: '::/0' }] }, ipRanges: {} }],
          },
        },
      });
      expect(row).toMatchObject({ IpProtocol: '-1' });
      expect(row).not.toHaveProperty('CidrIp');
      expect(row).not.toHaveProperty('SourcePort');
    });

    test('keeps a field named __proto__ like any other', async () => {
      const row = rowsOf(
        await parseAll('cloudtrail', '{"Records":[{"__proto__":{"x":1},"userIdentity":{"__proto__":2}}]}'),
      )[0];
      expect(row[ADDITIONAL_FIELDS_COLUMN]).toBe('{"__proto__":{"x":1},"userIdentity":{"__proto__":2}}');
    });
  });

  describe('real samples', () => {
    const files = sampleFiles();

    test('there are samples to check', () => {
      expect(files.length).toBeGreaterThanOrEqual(2);
    });

    test.each(files.map((f) => [f]))(
      '%s: every column exists in AWSCloudTrail with a compatible type',
      async (file) => {
        // GIVEN the sample's rows
        const rows = rowsOf(await parseAll('cloudtrail', readFileSync(file)));
        // THEN every column but the provenance ones is the table's, with a value of its type
        for (const row of rows) {
          for (const [name, value] of Object.entries(row)) {
            if (PROVENANCE_ONLY.has(name)) continue;
            if (name === ADDITIONAL_FIELDS_COLUMN) {
              expect(typeof value).toBe('string');
              continue;
            }
            const column = TABLE.get(name);
            expect({ name, inTable: column !== undefined }).toStrictEqual({ name, inTable: true });
            switch (column?.type) {
              case 'string':
                expect(typeof value).toBe('string');
                break;
              case 'boolean':
                expect(typeof value).toBe('boolean');
                break;
              case 'datetime':
                expect(normalizeTime(value)).toBe(value);
                break;
              default:
                throw new Error(`${name} has type ${column?.type}, which the test does not expect`);
            }
          }
          // ... JSON text columns parse back, and are compact though the sample is indented
          for (const name of [...JSON_TEXT_COLUMNS, ADDITIONAL_FIELDS_COLUMN]) {
            const text = row[name];
            if (text === undefined) continue;
            expect(() => JSON.parse(text as string)).not.toThrow();
            expect(isCompact(text as string)).toBe(true);
          }
        }
      },
    );
  });

  test('streams every record of a log file with its fields mapped to columns', async () => {
    // GIVEN the sample log file, gzipped as CloudTrail delivers it
    const records = sampleRecords();
    // WHEN read 1 KiB at a time
    const rows = rowsOf(
      await parseAll('cloudtrail', gzipSync(fixture(LOG)), objectRef(), { chunkSize: 1024 }),
    );
    // THEN one row per record, in order, with the documented mapping
    expect(rows).toHaveLength(records.length);
    expect(rows.map((r) => r.AwsEventId)).toStrictEqual(records.map((r) => r.eventID));
    expect(rows.map((r) => r.EventTypeName)).toStrictEqual(records.map((r) => r.eventType));
    expect(rows.map((r) => r.TimeGenerated)).toStrictEqual(records.map((r) => r.eventTime));
    expect(rows.map((r) => r.AwsRequestId_)).toStrictEqual(records.map((r) => r.requestID));
    expect(rows.map((r) => r.Category)).toStrictEqual(records.map((r) => r.eventCategory));
    expect(rows.map((r) => r.OperationName)).toStrictEqual(records.map(() => 'CloudTrail'));
    const first = records[0] as {
      userIdentity: { type: string; arn: string; accountId: string; principalId: string };
    };
    expect(rows[0]).toMatchObject({
      EventVersion: records[0].eventVersion,
      EventSource: records[0].eventSource,
      EventName: records[0].eventName,
      AWSRegion: records[0].awsRegion,
      SourceIpAddress: records[0].sourceIPAddress,
      UserAgent: records[0].userAgent,
      UserIdentityType: first.userIdentity.type,
      UserIdentityArn: first.userIdentity.arn,
      UserIdentityAccountId: first.userIdentity.accountId,
      UserIdentityPrincipalid: first.userIdentity.principalId,
      SessionMfaAuthenticated: false,
      SessionCreationDate: '2023-07-19T21:11:57Z',
      RequestParameters: JSON.stringify(records[0].requestParameters),
      TlsVersion: 'TLSv1.2',
    });
    // ... and no row carries the old custom names
    for (const row of rows) {
      for (const old of [
        'EventTime',
        'AwsRegion',
        'UserIdentityPrincipalId',
        'EventCategory',
        'AwsRequestId',
        'AdditionalFields',
      ]) {
        expect(row).not.toHaveProperty(old);
      }
    }
  });

  test('keeps the unmapped fields of the sample in AdditionalFields_CF', async () => {
    const rows = rowsOf(await parseAll('cloudtrail', fixture(LOG)));
    expect(additionalOf(rows[0])).toStrictEqual({ sessionCredentialFromConsole: 'true' });
  });

  test('gives records without userIdentity (Insights) no identity columns, and keeps insightDetails', async () => {
    const records = sampleRecords();
    const rows = rowsOf(await parseAll('cloudtrail', fixture(LOG)));
    const i = rows.findIndex((r) => r.EventTypeName === 'AwsCloudTrailInsight');
    expect(i).toBeGreaterThanOrEqual(0);
    expect(rows[i]).not.toHaveProperty('UserIdentityType');
    expect(additionalOf(rows[i])).toStrictEqual({ insightDetails: records[i].insightDetails });
  });

  test('reads {"Records": []} as zero rows and no error', async () => {
    expect(await parseAll('cloudtrail', fixture('cloudtrail/cloudtrail_log_empty.json'))).toStrictEqual([]);
  });

  test('skips a digest file recognised by its content', async () => {
    const outcomes = await parseAll('cloudtrail', fixture('cloudtrail-digest/cloudtrail_digest.json'));
    expect(outcomes).toStrictEqual([
      { kind: 'skipped-object', reason: 'CloudTrail digest file (digestStartTime and no Records)' },
    ]);
  });

  test('skips a digest file by its key without reading the body', async () => {
    // GIVEN a body that fails if read, under a CloudTrail-Digest/ key
    let read = false;
    const body: AsyncIterable<Uint8Array> = {
      [Symbol.asyncIterator]: () => {
        read = true;
        throw new Error('must not be read');
      },
    };
    const object = objectRef({
      key: 'AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2026/01/01/x.json.gz',
    });
    // WHEN
    const { parseObject } = await import('../../../lambda/pipeline/parse-object');
    const outcomes = [];
    for await (const o of parseObject('cloudtrail', body, object)) outcomes.push(o);
    // THEN
    expect(outcomes).toStrictEqual([
      { kind: 'skipped-object', reason: 'CloudTrail digest file (key contains CloudTrail-Digest/)' },
    ]);
    expect(read).toBe(false);
  });

  test('reports a JSON document that is not a CloudTrail log file', async () => {
    const outcomes = await parseAll('cloudtrail', '{"configurationItems": []}');
    expect(outcomes).toStrictEqual([
      {
        kind: 'malformed',
        lineNumber: 1,
        index: 0,
        reason: 'not a CloudTrail log file: the document has no top-level "Records" array',
      },
    ]);
  });

  test('reports text that is not JSON once, not once per character', async () => {
    const outcomes = await parseAll('cloudtrail', 'hello world\nmore text\n');
    expect(outcomes).toHaveLength(1);
    expect(malformedOf(outcomes)[0].reason).toMatch(/^not a CloudTrail log file/);
  });

  test('isolates a malformed record and names the line it starts on', async () => {
    // GIVEN three records, the second with a bad value
    const doc = '{"Records": [\n{"eventID": "a"},\n{"eventID": b},\n{"eventID": "c"}\n]}';
    // WHEN
    const outcomes = await parseAll('cloudtrail', doc);
    // THEN
    expect(rowsOf(outcomes).map((r) => r.AwsEventId)).toStrictEqual(['a', 'c']);
    expect(malformedOf(outcomes)).toMatchObject([{ lineNumber: 3, index: 1 }]);
  });

  test('reports a record that is not an object without quoting it', async () => {
    const outcomes = await parseAll('cloudtrail', '{"Records": ["s3cr3t-value", {"eventID": "a"}]}');
    expect(rowsOf(outcomes).map((r) => r.AwsEventId)).toStrictEqual(['a']);
    const [malformed] = malformedOf(outcomes);
    expect(malformed.reason).toBe('CloudTrail record is not a JSON object (found a string)');
    expect(malformed.reason).not.toContain('s3cr3t');
  });

  test('reports a log file cut off inside a record after delivering the complete ones', async () => {
    const doc = '{"Records":[{"eventID":"a"},\n{"eventID":"b","x":{';
    const outcomes = await parseAll('cloudtrail', doc);
    expect(rowsOf(outcomes).map((r) => r.AwsEventId)).toStrictEqual(['a']);
    expect(malformedOf(outcomes)).toStrictEqual([
      {
        kind: 'malformed',
        lineNumber: 2,
        index: 1,
        reason: 'the object ends inside the record starting on this line (truncated JSON?)',
      },
    ]);
  });

  test('finds Records after other keys and ignores brackets and quotes inside strings', async () => {
    // GIVEN keys before Records whose values hold structure-like characters and escapes
    const doc = JSON.stringify({
      note: 'a "Records": [ {not} ] \\" }',
      nested: { Records: [{ eventID: 'decoy' }] },
      Records: [{ eventID: 'x', requestParameters: { q: '}]"\\' } }, { eventID: 'y' }],
    });
    // WHEN split one character at a time
    const outcomes = await parseAll('cloudtrail', doc, objectRef(), { chunkSize: 1 });
    // THEN only the top-level Records' elements are rows, intact
    const rows = rowsOf(outcomes);
    expect(rows.map((r) => r.AwsEventId)).toStrictEqual(['x', 'y']);
    expect(JSON.parse(rows[0].RequestParameters as string)).toStrictEqual({ q: '}]"\\' });
  });

  test('reports a record longer than the limit without buffering it', () => {
    // GIVEN a splitter with a 40-character record limit
    const splitter = new JsonRecordSplitter('cloudtrail', 40);
    const out: SourceItem[] = [];
    // WHEN fed a small record, a large one (in pieces) and another small one
    splitter.push('{"Records":[{"a":1},{"big":"', out);
    splitter.push('x'.repeat(100), out);
    splitter.push('"},\n{"b":2}]}', out);
    splitter.end(out);
    // THEN
    expect(out).toStrictEqual([
      { kind: 'record', text: '{"a":1}', lineNumber: 1 },
      {
        kind: 'malformed',
        lineNumber: 1,
        reason: 'record longer than 40 characters; skipped without buffering it',
      },
      { kind: 'record', text: '{"b":2}', lineNumber: 2 },
    ]);
  });

  describe('integers past 2^53', () => {
    // 20 digits: JSON.parse reads 12345678901234567891 as 12345678901234567000.
    const BIG = '12345678901234567891';

    test('reach the API as written, from indented source, in JSON text, string columns and AdditionalFields_CF', async () => {
      // GIVEN an indented record (as the repo's sample is) with a 20-digit integer in
      // requestParameters, in a string column, in an unmapped field and inside userIdentity's rest
      const doc = `{
    "Records": [
        {
            "eventTime": "2024-01-01T00:00:00Z",
            "userIdentity": {
                "type": "IAMUser",
                "webIdFederationData": { "attributes": { "n": ${BIG} } }
            },
            "requestParameters": {
                "limit": ${BIG},
                "nested": [ 1, { "id": -${BIG} } ],
                "s": "a \\"b{ "
            },
            "recipientAccountId": ${BIG},
            "unmapped": { "n": ${BIG} },
            "plain": 1e400,
            "awsRegion": "eu-west-1"
        }
    ]
}`;
      // WHEN it is parsed and serialized as the batcher sends it
      const [row] = rowsOf(await parseAll('cloudtrail', doc));
      // THEN every digit is there: compacted source text, not JSON.stringify of the rounded number
      expect(row.RequestParameters).toBe(`{"limit":${BIG},"nested":[1,{"id":-${BIG}}],"s":"a \\"b{ "}`);
      expect(row.RecipientAccountId).toBe(BIG);
      expect(row[ADDITIONAL_FIELDS_COLUMN]).toBe(
        `{"userIdentity":{"webIdFederationData":{"attributes":{"n":${BIG}}}},"unmapped":{"n":${BIG}},"plain":1e400}`,
      );
      expect(row).toMatchObject({ AWSRegion: 'eu-west-1', UserIdentityType: 'IAMUser' });
      const sent = rowJson(row as never).json;
      expect(sent).toContain(`\\"limit\\":${BIG}`);
      // ... and what JSON.parse would have sent differs, which is why the source text is used
      expect(JSON.stringify(JSON.parse(BIG))).not.toBe(BIG);
    });

    test('leave a record of safe numbers to JSON.stringify', async () => {
      const row = await rowFor({
        eventTime: '2024-01-01T00:00:00Z',
        requestParameters: { n: 9007199254740991 },
      });
      expect(row.RequestParameters).toBe('{"n":9007199254740991}');
      expect(rowJson(row as never).verbatim).toBe(false);
    });

    test('are found by the member scanner whatever the spacing, escapes and duplicates', () => {
      const text = ` { "a" : { "x" : [ 1 , "]}" ] } ,\n"b\\"":"\\"}" , "c":  -1.5e3 ,"a":true }`;
      expect(Object.fromEntries(topLevelMemberTexts(text))).toStrictEqual({
        a: 'true',
        'b"': '"\\"}"',
        c: '-1.5e3',
      });
    });
  });

  test.each([['2024-02-30T00:00:00Z'], ['0000-01-01T00:00:00Z'], ['2024-01-01T25:00:00Z']])(
    'gives a record whose eventTime %p is not a calendar time the S3 event time, keeping the value',
    async (eventTime) => {
      // GIVEN a record whose own time Azure would store as another day, or refuse
      const doc = JSON.stringify({ Records: [{ eventTime, eventName: 'X' }] });
      // WHEN
      const [row] = rowsOf(
        await parseAll('cloudtrail', doc, objectRef({ eventTime: '2026-01-02T03:04:05.678Z' })),
      );
      // THEN TimeGenerated falls back to the S3 event time, as for a record without a time, and the
      // value is kept in AdditionalFields_CF
      expect(row).toMatchObject({
        TimeGenerated: '2026-01-02T03:04:05.678Z',
        S3EventTime: '2026-01-02T03:04:05.678Z',
      });
      expect(additionalOf(row)).toStrictEqual({ eventTime });
    },
  );

  test('keeps microseconds of a nanosecond eventTime', async () => {
    const row = await rowFor({ eventTime: '2024-01-01T00:00:00.123456789Z' });
    expect(row.TimeGenerated).toBe('2024-01-01T00:00:00.123456Z');
    expect(row).not.toHaveProperty(ADDITIONAL_FIELDS_COLUMN);
  });
});
