// The AWSWAF table's columns, vendored from Azure Monitor's table reference
// (https://learn.microsoft.com/azure/azure-monitor/reference/tables/awswaf):
// The reference's include for this table is not in MicrosoftDocs/azure-reference-other (where
// AWSCloudTrail's is): MicrosoftDocs/azure-monitor-docs,
//   articles/azure-monitor/reference/tables/awswaf.md
// includes it from MicrosoftDocs' reusable-content repository, which could not be read for this
// work. The rows are Microsoft's own machine-readable copy of that reference, which Sentinel's
// Solutions Analyzer keeps:
//   Azure/Azure-Sentinel, Tools/Solutions Analyzer/la_table_schemas.csv at commit
//   08005fcb71e7d7bf3fa7364b07d3c5523cff8b43 (the rows whose table_name is "AWSWAF").
// Names, types and descriptions are the reference's, in its order (descriptions verbatim, typos kept),
// without the five system columns it lists (`./aws-system-columns`). Types are mapped to the shared
// vocabulary (`../schema`): string → string, datetime → datetime, bool → boolean, int → int,
// long → long, real → real, dynamic → dynamic, guid → string.
// This table uses only string, datetime, int and dynamic.
//
// Logs Ingestion API: the table is marked as accepting it (✅ in the API column) in
//   MicrosoftDocs/azure-monitor-docs, articles/azure-monitor/reference/tables-features.md at commit
//   18ed39a1ecce69cbaa90f01d4b325e505bacccdb.
//
// Checked against the published page (learn.microsoft.com/azure/azure-monitor/reference/tables/awswaf):
// the same 36 rows.
// Microsoft's S3 WAF connector routes Microsoft-AWSWAF unchanged (Azure/Azure-Sentinel, Solutions/
// Amazon Web Services/Data Connectors/AWS_WAF_CCP/DCR.json at commit
// 7c39db982aac065037673ad3345c6581a7a528dd): the mapping is inside its service. ResponseCodeSent is
// the only int; the nested parts of the log are dynamic.
import type { Column } from '../schema';
import type { BuiltinTable } from './builtin-table';
import { AWS_REFERENCE_SYSTEM_COLUMNS } from './aws-system-columns';

const REFERENCE_COLUMNS: readonly Column[] = [
  {
    name: 'Action',
    type: 'string',
    description: 'The terminating action taken by AWS WAF (ALLOW, BLOCK, CAPTCHA, or Challenge).',
  },
  { name: 'Args', type: 'string', description: 'The query string parameters of the request.' },
  { name: 'CaptchaResponse', type: 'dynamic', description: 'Status of the CAPTCHA action for the request.' },
  {
    name: 'ChallengeResponse',
    type: 'dynamic',
    description: 'Status of the security challenge for the request.',
  },
  { name: 'ClientIp', type: 'string', description: 'IP address of the client making the request.' },
  { name: 'Country', type: 'string', description: 'Country of origin for the request.' },
  {
    name: 'ExcludedRules',
    type: 'dynamic',
    description: 'Rules excluded from evaluation in the rule group.',
  },
  { name: 'FormatVersion', type: 'string', description: 'Version of the AWS WAF log format.' },
  { name: 'Headers', type: 'dynamic', description: 'Headers included in the HTTP request.' },
  { name: 'HttpMethod', type: 'string', description: 'The HTTP method (GET, POST, etc.) of the request.' },
  { name: 'HttpRequest', type: 'dynamic', description: 'Metadata about the HTTP request.' },
  {
    name: 'HttpSourceId',
    type: 'string',
    description: 'ID of the associated resource (e.g., CloudFront distribution, Load Balancer).',
  },
  { name: 'HttpSourceName', type: 'string', description: 'Source of the request (e.g., CF, APIGW, ALB).' },
  { name: 'HttpVersion', type: 'string', description: 'HTTP version used in the request.' },
  { name: 'Ja3Fingerprint', type: 'string', description: 'JA3 fingerprint of the TLS Client Hello.' },
  { name: 'Labels', type: 'dynamic', description: 'Labels applied to the request by rules.' },
  {
    name: 'NonTerminatingMatchingRules',
    type: 'dynamic',
    description: "List of rules that matched but didn't terminate the request.",
  },
  {
    name: 'OversizeFields',
    type: 'dynamic',
    description: 'Fields in the request that exceeded AWS WAF inspection limits.',
  },
  {
    name: 'RateBasedRuleList',
    type: 'dynamic',
    description: 'List of rate-based rules applied to the request.',
  },
  {
    name: 'RequestHeadersInserted',
    type: 'dynamic',
    description: 'Headers inserted for custom request handling.',
  },
  { name: 'RequestId', type: 'string', description: 'Request ID for the network request.' },
  { name: 'ResponseCodeSent', type: 'int', description: 'HTTP response code sent to the client.' },
  { name: 'RuleGroupId', type: 'string', description: 'ID of the rule group that matched.' },
  { name: 'RuleGroupList', type: 'dynamic', description: 'List of rule groups that acted on the request.' },
  {
    name: 'TerminatingRule',
    type: 'dynamic',
    description:
      'The rule that terminated the request. If this is present, it contains action, ruleId, ruleMatchDetails, and any additional information provided for each rule varies according factors such as the rule configuration, rule match type, and details of the match.',
  },
  { name: 'TerminatingRuleId', type: 'string', description: 'ID of the network rule that matched.' },
  {
    name: 'TerminatingRuleMatchDetails',
    type: 'dynamic',
    description: 'Details of the rule that terminated the request.',
  },
  { name: 'TerminatingRuleType', type: 'string', description: 'Type of rule that terminated the request.' },
  { name: 'TimeGenerated', type: 'datetime', description: 'Timestamp when the log was processed.' },
  { name: 'Uri', type: 'string', description: 'The URI of the request.' },
  { name: 'WebAclId', type: 'string', description: 'The GUID of the web ACL applied to the request.' },
];

/** Sentinel's built-in table for AWS WAF web ACL traffic logs. */
export const AWS_WAF: BuiltinTable = {
  name: 'AWSWAF',
  stream: 'Microsoft-AWSWAF',
  columns: REFERENCE_COLUMNS,
  systemColumns: AWS_REFERENCE_SYSTEM_COLUMNS,
};
