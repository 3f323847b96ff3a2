// The AWSRoute53Resolver table's columns, vendored from Azure Monitor's table reference
// (https://learn.microsoft.com/azure/azure-monitor/reference/tables/awsroute53resolver):
// The reference's include for this table is not in MicrosoftDocs/azure-reference-other (where
// AWSCloudTrail's is): MicrosoftDocs/azure-monitor-docs,
//   articles/azure-monitor/reference/tables/awsroute53resolver.md
// includes it from MicrosoftDocs' reusable-content repository, which could not be read for this
// work. The rows are Microsoft's own machine-readable copy of that reference, which Sentinel's
// Solutions Analyzer keeps:
//   Azure/Azure-Sentinel, Tools/Solutions Analyzer/la_table_schemas.csv at commit
//   08005fcb71e7d7bf3fa7364b07d3c5523cff8b43 (the rows whose table_name is "AWSRoute53Resolver").
// Names, types and descriptions are the reference's, in its order (descriptions verbatim, typos kept),
// without the five system columns it lists (`./aws-system-columns`). Types are mapped to the shared
// vocabulary (`../schema`): string → string, datetime → datetime, bool → boolean, int → int,
// long → long, real → real, dynamic → dynamic, guid → string.
// This table uses only string, datetime and dynamic.
//
// Logs Ingestion API: the table is marked as accepting it (✅ in the API column) in
//   MicrosoftDocs/azure-monitor-docs, articles/azure-monitor/reference/tables-features.md at commit
//   18ed39a1ecce69cbaa90f01d4b325e505bacccdb.
//
// Microsoft's own mapping from query-log fields to these names is in the DCR of the Route 53 solution's
// custom-table connector (Azure/Azure-Sentinel, Solutions/Amazon Web Services Route 53/Data Connectors/
// AWSRoute53ResolverLogs_CCP/AWSRoute53ResolverLogs_DCR.json at commit
// af6488070eb5790648434fe3167106f0c4bc7983): version → Version, account_id → AccountId, ...,
// query_timestamp → TimeGenerated, and LogType = "ResolverQueryLogs". SrcPort is a string.
import type { Column } from '../schema';
import type { BuiltinTable } from './builtin-table';
import { AWS_REFERENCE_SYSTEM_COLUMNS } from './aws-system-columns';

const REFERENCE_COLUMNS: readonly Column[] = [
  {
    name: 'AccountId',
    type: 'string',
    description: 'The AWS account ID that owns the VPC which sent the query.',
  },
  {
    name: 'Answers',
    type: 'dynamic',
    description:
      'Array of DNS response records, including resolved IP addresses and other query-related information.',
  },
  {
    name: 'FirewallDomainListId',
    type: 'string',
    description: 'ID of the domain list that matched the query domain.',
  },
  { name: 'FirewallRuleAction', type: 'string', description: 'Rule action from the matching firewall rule.' },
  {
    name: 'FirewallRuleGroupId',
    type: 'string',
    description: 'ID of the firewall rule group that applied to the query.',
  },
  { name: 'LogType', type: 'string', description: 'Indicates the type of DNS log (e.g. ResolverQueryLogs).' },
  { name: 'QueryClass', type: 'string', description: 'The DNS query class. Usually IN (Internet).' },
  { name: 'QueryName', type: 'string', description: 'The domain name that was queried.' },
  { name: 'QueryType', type: 'string', description: 'The DNS record type requested (e.g. A, AAAA, MX).' },
  { name: 'Rcode', type: 'string', description: 'Textual DNS response code (e.g. NOERROR, NXDOMAIN).' },
  { name: 'Region', type: 'string', description: 'AWS region where the log was generated.' },
  {
    name: 'SrcAddr',
    type: 'string',
    description: 'The source IP address of the instance that made the query.',
  },
  {
    name: 'SrcIds',
    type: 'dynamic',
    description:
      'Identifiers related to the source instance where the DNS query originated from or passed through.',
  },
  { name: 'SrcPort', type: 'string', description: 'The source port on the instance that made the query.' },
  {
    name: 'TimeGenerated',
    type: 'datetime',
    description: 'The time the DNS query was received by Route 53 Resolver.',
  },
  {
    name: 'Transport',
    type: 'string',
    description: 'The protocol used to send the query (e.g. UDP, TCP, TLS).',
  },
  { name: 'Version', type: 'string', description: 'Version of the log format.' },
  { name: 'VpcId', type: 'string', description: 'The ID of the VPC where the DNS query originated.' },
];

/** Sentinel's built-in table for Route 53 Resolver query logs. */
export const AWS_ROUTE53_RESOLVER: BuiltinTable = {
  name: 'AWSRoute53Resolver',
  stream: 'Microsoft-AWSRoute53Resolver',
  columns: REFERENCE_COLUMNS,
  systemColumns: AWS_REFERENCE_SYSTEM_COLUMNS,
};
