import { ADDITIONAL_FIELDS_COLUMN } from './additional-fields';
import { builtinColumns, columnKinds } from './builtin-columns';
import { AWS_CLOUDTRAIL } from './builtin-tables';
import type { FormatDefinition, ParsedRecord, RecordError } from './format';
import { columnPlan, mapRecord, planColumns, type FieldMap, type Kind } from './json-column-plan';
import { JsonRecordSplitter, jsonSources } from './json-splitter';
import { isObject, scalarText } from './json-values';
import { parseJsonObject } from './parse-helpers';
import type { Column } from './schema';
import { normalizeTime } from './time';

export { ADDITIONAL_FIELDS_COLUMN } from './additional-fields';

/**
 * Where each CloudTrail field goes in Sentinel's AWSCloudTrail table, by the table's own column
 * names (case-sensitive: `UserIdentityPrincipalid`, `AWSRegion`). The mapping and its sources are in
 * `test/fixtures/sentinel-content/RESEARCH.md`, section (c). Types are not repeated here: they are
 * the vendored table's (`builtin-tables/aws-cloudtrail.ts`), looked up by name, so the two cannot
 * drift. Every field not listed, and every part of `userIdentity` and `tlsDetails` no column takes,
 * goes to {@link ADDITIONAL_FIELDS_COLUMN}.
 */
export const CLOUDTRAIL_FIELD_COLUMNS: FieldMap = {
  eventVersion: 'EventVersion',
  userIdentity: {
    type: 'UserIdentityType',
    principalId: 'UserIdentityPrincipalid',
    arn: 'UserIdentityArn',
    accountId: 'UserIdentityAccountId',
    accessKeyId: 'UserIdentityAccessKeyId',
    userName: 'UserIdentityUserName',
    invokedBy: 'UserIdentityInvokedBy',
    sessionContext: {
      attributes: { mfaAuthenticated: 'SessionMfaAuthenticated', creationDate: 'SessionCreationDate' },
      sessionIssuer: {
        type: 'SessionIssuerType',
        principalId: 'SessionIssuerPrincipalId',
        arn: 'SessionIssuerArn',
        accountId: 'SessionIssuerAccountId',
        userName: 'SessionIssuerUserName',
      },
      ec2RoleDelivery: 'EC2RoleDelivery',
    },
    // IAM Identity Center users, as ASIM Authentication reads them (`IdentityCenterUser`). AWS
    // documents them under onBehalfOf; some records (the repo's sample) carry them directly. When
    // both occur, the first in the record fills the column and the other is kept.
    onBehalfOf: { userId: 'UserIdentityUserId', identityStoreArn: 'UserIdentityStoreArn' },
    userId: 'UserIdentityUserId',
    identityStoreArn: 'UserIdentityStoreArn',
  },
  // The table has no column for the record's own time: TimeGenerated is eventTime.
  eventTime: 'TimeGenerated',
  eventSource: 'EventSource',
  eventName: 'EventName',
  awsRegion: 'AWSRegion',
  sourceIPAddress: 'SourceIpAddress',
  userAgent: 'UserAgent',
  errorCode: 'ErrorCode',
  errorMessage: 'ErrorMessage',
  requestParameters: 'RequestParameters',
  responseElements: 'ResponseElements',
  additionalEventData: 'AdditionalEventData',
  // AwsRequestId is deprecated (and probably guid-typed; S3's request ids are not UUIDs): never sent.
  requestID: 'AwsRequestId_',
  eventID: 'AwsEventId',
  readOnly: 'ReadOnly',
  resources: 'Resources',
  eventType: 'EventTypeName',
  apiVersion: 'APIVersion',
  managementEvent: 'ManagementEvent',
  recipientAccountId: 'RecipientAccountId',
  serviceEventDetails: 'ServiceEventDetails',
  sharedEventID: 'SharedEventId',
  vpcEndpointId: 'VpcEndpointId',
  eventCategory: 'Category',
  tlsDetails: {
    tlsVersion: 'TlsVersion',
    cipherSuite: 'CipherSuite',
    clientProvidedHostHeader: 'ClientProvidedHostHeader',
  },
};

/**
 * String columns that hold a CloudTrail sub-object as compact JSON text, which Sentinel's content
 * reads with `parse_json` (and ASIM Authentication with `parse … '"LoginTo":"'`, so no spaces).
 */
const JSON_TEXT_COLUMNS: ReadonlySet<string> = new Set([
  'RequestParameters',
  'ResponseElements',
  'AdditionalEventData',
  'Resources',
  'ServiceEventDetails',
]);

/**
 * Columns copied from the first rule of `requestParameters.ipPermissions` (security group calls):
 * the table has one value per column, and which rule it means is not documented, so the first.
 * `fromPort`/`toPort` are the port range's ends (or an ICMP type/code), whatever the column names say.
 */
const IP_PERMISSION_COLUMNS = ['IpProtocol', 'SourcePort', 'DestinationPort', 'CidrIp'] as const;

/** "Constant value: CloudTrail." (the table reference). */
const OPERATION_NAME = 'OperationName';

const tableKind = columnKinds(AWS_CLOUDTRAIL, ['string', 'boolean', 'datetime'], 'CloudTrail');

/** A column's kind: its type in the table (eventTime's is `time`), but JSON text for {@link JSON_TEXT_COLUMNS}. */
function kindOf(column: string): Kind {
  const kind = tableKind(column);
  return kind === 'string' && JSON_TEXT_COLUMNS.has(column) ? 'json' : kind;
}

/** {@link CLOUDTRAIL_FIELD_COLUMNS} with each column's kind, looked up once. */
const PLAN = columnPlan(CLOUDTRAIL_FIELD_COLUMNS, kindOf);

/**
 * The format's columns: the vendored table's own (names, types and descriptions), in its order,
 * for every column the format fills, then the one `_CF` column. TimeGenerated is a provenance column.
 */
const COLUMNS: readonly Column[] = builtinColumns(
  AWS_CLOUDTRAIL,
  [...planColumns(PLAN), ...IP_PERMISSION_COLUMNS, OPERATION_NAME],
  'Compact JSON object of the CloudTrail fields AWSCloudTrail has no column for (insightDetails, addendum, fields AWS adds later, values of an unexpected type), with the parts of userIdentity and tlsDetails no column holds, nested as in the record.',
);

/** Where digest files live; they hold hashes of log files, not events. */
const DIGEST_PATH = 'CloudTrail-Digest/';

/** A datetime as ISO 8601 UTC, also from the basic form AWS's older examples show (`20131102T010628Z`). */
function cloudTrailTime(value: unknown): string | undefined {
  if (typeof value === 'string') {
    const basic = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
    if (basic !== null) {
      const [, y, mo, d, h, mi, s] = basic;
      return normalizeTime(`${y}-${mo}-${d}T${h}:${mi}:${s}Z`);
    }
  }
  return normalizeTime(value);
}

/** The first element of a CloudTrail list (`{"items": [...]}`), if any. */
function firstItem(list: unknown): unknown {
  return isObject(list) && Array.isArray(list.items) ? list.items[0] : undefined;
}

/** Fills {@link IP_PERMISSION_COLUMNS} from the first rule of `requestParameters.ipPermissions`. */
function fillIpPermission(requestParameters: unknown, fields: Record<string, unknown>): void {
  if (!isObject(requestParameters)) return;
  const rule = firstItem(requestParameters.ipPermissions);
  if (!isObject(rule)) return;
  const range = firstItem(rule.ipRanges);
  const values = {
    IpProtocol: scalarText(rule.ipProtocol),
    SourcePort: scalarText(rule.fromPort),
    DestinationPort: scalarText(rule.toPort),
    CidrIp: isObject(range) ? scalarText(range.cidrIp) : undefined,
  } satisfies Record<(typeof IP_PERMISSION_COLUMNS)[number], string | undefined>;
  for (const [column, value] of Object.entries(values)) if (value) fields[column] = value;
}

function parseRecord(text: string): ParsedRecord | RecordError {
  const value = parseJsonObject(text, 'CloudTrail record');
  if (typeof value === 'string') return { error: value };

  const { fields, time, additional } = mapRecord(
    PLAN,
    text,
    value,
    { [OPERATION_NAME]: 'CloudTrail' },
    cloudTrailTime,
  );
  fillIpPermission(value.requestParameters, fields);
  if (additional !== undefined) fields[ADDITIONAL_FIELDS_COLUMN] = additional;
  return { fields, time };
}

/**
 * AWS CloudTrail log files: one gzip JSON document `{"Records":[...]}` per object, each record
 * shaped as a row of Sentinel's built-in AWSCloudTrail table ({@link CLOUDTRAIL_FIELD_COLUMNS}),
 * filled the way Sentinel's analytics rules and ASIM parsers read it: eventTime as TimeGenerated
 * (the S3 event time when it is missing or not a time), sub-objects as compact JSON text, booleans
 * as booleans. Fields with no column are kept in {@link ADDITIONAL_FIELDS_COLUMN}.
 *
 * The document is never held whole: the `Records` array is streamed element by element. Digest
 * files (under `CloudTrail-Digest/`, or a document with `digestStartTime` and no `Records`) yield
 * one `skipped-object`; `{"Records": []}` yields nothing; any other document without `Records` is
 * reported malformed so a mis-pointed producer does not go unnoticed.
 */
export const cloudtrailFormat: FormatDefinition = {
  name: 'cloudtrail',
  description:
    'AWS CloudTrail log files ({"Records":[...]}), as AWSCloudTrail columns; digest files are skipped.',
  columns: COLUMNS,
  builtinTable: AWS_CLOUDTRAIL,
  createParser: (object) => ({
    split: async function* (text) {
      if (object.key.includes(DIGEST_PATH)) {
        yield [{ kind: 'skipped-object', reason: `CloudTrail digest file (key contains ${DIGEST_PATH})` }];
        return;
      }
      const splitter = new JsonRecordSplitter('cloudtrail');
      yield* jsonSources(text, splitter);
      if (!splitter.sawRecords && splitter.sawDocument && !splitter.failed) {
        yield [
          splitter.topLevelKeys.has('digestStartTime')
            ? { kind: 'skipped-object', reason: 'CloudTrail digest file (digestStartTime and no Records)' }
            : {
                kind: 'malformed',
                lineNumber: 1,
                reason: 'not a CloudTrail log file: the document has no top-level "Records" array',
              },
        ];
      }
    },
    parse: parseRecord,
  }),
};
