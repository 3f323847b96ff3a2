// The AWSNetworkFirewallAlert table's columns, vendored from Azure Monitor's table reference
// (https://learn.microsoft.com/azure/azure-monitor/reference/tables/awsnetworkfirewallalert):
// The reference's include for this table is not in MicrosoftDocs/azure-reference-other (where
// AWSCloudTrail's is): MicrosoftDocs/azure-monitor-docs,
//   articles/azure-monitor/reference/tables/awsnetworkfirewallalert.md
// includes it from MicrosoftDocs' reusable-content repository, which could not be read for this
// work. The rows are Microsoft's own machine-readable copy of that reference, which Sentinel's
// Solutions Analyzer keeps:
//   Azure/Azure-Sentinel, Tools/Solutions Analyzer/la_table_schemas.csv at commit
//   08005fcb71e7d7bf3fa7364b07d3c5523cff8b43 (the rows whose table_name is "AWSNetworkFirewallAlert").
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
// Microsoft's DCR fills these from the log's `event` object for event_type "alert"
// (Azure/Azure-Sentinel, Solutions/Amazon Web Services NetworkFirewall/Data Connectors/
// AWSNetworkFirewallLogs_CCP/AWSNetworkFirewallLog_DCR.json at commit
// 029339474079391785d551806bcab880fd93dbaa): for example SignatureId = tostring(event.alert.signature_id),
// VerdictAction = tostring(event.verdict.action), Sni = tostring(event.tls.sni), and
// TimeGenerated = now(). It leaves Timestamp empty. Ports, Severity, SignatureId and Rev are strings.
// SrcIp's description repeats SrcPort's.
import type { Column } from '../schema';
import type { BuiltinTable } from './builtin-table';
import { AWS_REFERENCE_SYSTEM_COLUMNS } from './aws-system-columns';

const REFERENCE_COLUMNS: readonly Column[] = [
  {
    name: 'AlertAction',
    type: 'string',
    description: 'The action taken when an alert was triggered (e.g., allowed, dropped, rejected).',
  },
  { name: 'AppProto', type: 'string', description: 'The application layer protocol detected.' },
  {
    name: 'AvailabilityZone',
    type: 'string',
    description: 'The AWS Availability Zone where the firewall instance is located.',
  },
  {
    name: 'Category',
    type: 'string',
    description: 'The category of the detected threat or network activity.',
  },
  { name: 'DestIp', type: 'string', description: 'The destination IP address of the packet.' },
  { name: 'DestPort', type: 'string', description: 'The destination port to which the packet was sent.' },
  {
    name: 'Direction',
    type: 'string',
    description: 'The direction of the traffic (e.g., inbound, outbound).',
  },
  {
    name: 'EventTimestamp',
    type: 'datetime',
    description: 'The epoch timestamp of when the event occurred.',
  },
  {
    name: 'EventType',
    type: 'string',
    description: 'The type of event recorded (e.g., alert, flow, drop, pass).',
  },
  {
    name: 'FirewallName',
    type: 'string',
    description: 'The name of the AWS Network Firewall instance generating the log.',
  },
  {
    name: 'FlowId',
    type: 'string',
    description: 'A unique identifier for the network flow related to this event.',
  },
  {
    name: 'PktSrc',
    type: 'string',
    description: 'The source of the packet (e.g., internal, external, firewall rule).',
  },
  { name: 'Proto', type: 'string', description: 'The protocol used (e.g., TCP, UDP, ICMP).' },
  { name: 'Rev', type: 'string', description: 'The revision number of the matched Suricata rule.' },
  {
    name: 'Severity',
    type: 'string',
    description: 'The severity level of the event, typically based on Suricata rule classifications.',
  },
  {
    name: 'Signature',
    type: 'string',
    description: 'The name or description of the Suricata rule that triggered the alert.',
  },
  {
    name: 'SignatureId',
    type: 'string',
    description: 'The unique identifier of the Suricata rule that matched the event.',
  },
  { name: 'Sni', type: 'string', description: 'The Server Name Indication (SNI) from TLS traffic.' },
  { name: 'SrcIp', type: 'string', description: 'The source port from which the packet originated.' },
  { name: 'SrcPort', type: 'string', description: 'The source port from which the packet originated.' },
  {
    name: 'TimeGenerated',
    type: 'datetime',
    description: 'The timestamp when the log entry was created in AWS Network Firewall.',
  },
  { name: 'Timestamp', type: 'datetime', description: 'The exact timestamp when the event was captured.' },
  {
    name: 'TxId',
    type: 'string',
    description: 'The transaction ID associated with the specific network flow.',
  },
  {
    name: 'VerdictAction',
    type: 'string',
    description: 'The final decision made by the firewall (e.g., pass, drop, alert).',
  },
  {
    name: 'Version',
    type: 'string',
    description: 'The version of the log schema or Suricata rule format used.',
  },
];

/** Sentinel's built-in table for AWS Network Firewall alert logs. */
export const AWS_NETWORK_FIREWALL_ALERT: BuiltinTable = {
  name: 'AWSNetworkFirewallAlert',
  stream: 'Microsoft-AWSNetworkFirewallAlert',
  columns: REFERENCE_COLUMNS,
  systemColumns: AWS_REFERENCE_SYSTEM_COLUMNS,
};
