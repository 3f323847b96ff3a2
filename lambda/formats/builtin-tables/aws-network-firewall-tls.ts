// The AWSNetworkFirewallTls table's columns, vendored from Azure Monitor's table reference
// (https://learn.microsoft.com/azure/azure-monitor/reference/tables/awsnetworkfirewalltls):
// The reference's include for this table is not in MicrosoftDocs/azure-reference-other (where
// AWSCloudTrail's is): MicrosoftDocs/azure-monitor-docs,
//   articles/azure-monitor/reference/tables/awsnetworkfirewalltls.md
// includes it from MicrosoftDocs' reusable-content repository, which could not be read for this
// work. The rows are Microsoft's own machine-readable copy of that reference, which Sentinel's
// Solutions Analyzer keeps:
//   Azure/Azure-Sentinel, Tools/Solutions Analyzer/la_table_schemas.csv at commit
//   08005fcb71e7d7bf3fa7364b07d3c5523cff8b43 (the rows whose table_name is "AWSNetworkFirewallTls").
// Names, types and descriptions are the reference's, in its order (descriptions verbatim, typos kept),
// without the five system columns it lists (`./aws-system-columns`). Types are mapped to the shared
// vocabulary (`../schema`): string → string, datetime → datetime, bool → boolean, int → int,
// long → long, real → real, dynamic → dynamic, guid → string.
// This table uses only string and datetime.
//
// Logs Ingestion API: the table is marked as accepting it (✅ in the API column) in
//   MicrosoftDocs/azure-monitor-docs, articles/azure-monitor/reference/tables-features.md at commit
//   18ed39a1ecce69cbaa90f01d4b325e505bacccdb.
//
// Microsoft's DCR fills these from the TLS log's `event` object
// (Azure/Azure-Sentinel, Solutions/Amazon Web Services NetworkFirewall/Data Connectors/
// AWSNetworkFirewallLogs_CCP/AWSNetworkFirewallLog_DCR.json at commit
// 029339474079391785d551806bcab880fd93dbaa): for example LeafCertificateFingerprint =
// tostring(event.leaf_cert_fpr), ErrorMessage = tostring(event.tls_error.error_message), and
// TimeGenerated = now(). The table has no EventType column.
import type { Column } from '../schema';
import type { BuiltinTable } from './builtin-table';
import { AWS_REFERENCE_SYSTEM_COLUMNS } from './aws-system-columns';

const REFERENCE_COLUMNS: readonly Column[] = [
  {
    name: 'Action',
    type: 'string',
    description: 'The action taken by the firewall (e.g., allowed, dropped, inspected).',
  },
  {
    name: 'AvailabilityZone',
    type: 'string',
    description: 'The AWS Availability Zone where the firewall instance is located.',
  },
  { name: 'DestIp', type: 'string', description: 'The destination IP address of the packet.' },
  { name: 'DestPort', type: 'string', description: 'The destination port to which the packet was sent.' },
  {
    name: 'ErrorMessage',
    type: 'string',
    description: 'Any error message associated with the event, if applicable.',
  },
  {
    name: 'EventTimestamp',
    type: 'datetime',
    description: 'The epoch timestamp of when the event occurred.',
  },
  {
    name: 'FirewallName',
    type: 'string',
    description: 'The name of the AWS Network Firewall instance generating the log.',
  },
  {
    name: 'LeafCertificateFingerprint',
    type: 'string',
    description: 'The SHA-256 fingerprint of the leaf certificate observed in the TLS handshake.',
  },
  { name: 'Sni', type: 'string', description: 'The Server Name Indication (SNI) from TLS traffic.' },
  {
    name: 'SrcIp',
    type: 'string',
    description: 'The source IP address of the packet that triggered the event.',
  },
  { name: 'SrcPort', type: 'string', description: 'The source port from which the packet originated.' },
  {
    name: 'Status',
    type: 'string',
    description: 'The status of the TLS inspection event (e.g., success, failure).',
  },
  {
    name: 'TimeGenerated',
    type: 'datetime',
    description: 'The timestamp when the log entry was created in AWS Network Firewall.',
  },
];

/** Sentinel's built-in table for AWS Network Firewall TLS inspection logs. */
export const AWS_NETWORK_FIREWALL_TLS: BuiltinTable = {
  name: 'AWSNetworkFirewallTls',
  stream: 'Microsoft-AWSNetworkFirewallTls',
  columns: REFERENCE_COLUMNS,
  systemColumns: AWS_REFERENCE_SYSTEM_COLUMNS,
};
