// The AWSNetworkFirewallFlow table's columns, vendored from Azure Monitor's table reference
// (https://learn.microsoft.com/azure/azure-monitor/reference/tables/awsnetworkfirewallflow):
// The reference's include for this table is not in MicrosoftDocs/azure-reference-other (where
// AWSCloudTrail's is): MicrosoftDocs/azure-monitor-docs,
//   articles/azure-monitor/reference/tables/awsnetworkfirewallflow.md
// includes it from MicrosoftDocs' reusable-content repository, which could not be read for this
// work. The rows are Microsoft's own machine-readable copy of that reference, which Sentinel's
// Solutions Analyzer keeps:
//   Azure/Azure-Sentinel, Tools/Solutions Analyzer/la_table_schemas.csv at commit
//   08005fcb71e7d7bf3fa7364b07d3c5523cff8b43 (the rows whose table_name is "AWSNetworkFirewallFlow").
// Names, types and descriptions are the reference's, in its order (descriptions verbatim, typos kept),
// without the five system columns it lists (`./aws-system-columns`). Types are mapped to the shared
// vocabulary (`../schema`): string → string, datetime → datetime, bool → boolean, int → int,
// long → long, real → real, dynamic → dynamic, guid → string.
// This table uses only string, datetime and bool.
//
// Logs Ingestion API: the table is marked as accepting it (✅ in the API column) in
//   MicrosoftDocs/azure-monitor-docs, articles/azure-monitor/reference/tables-features.md at commit
//   18ed39a1ecce69cbaa90f01d4b325e505bacccdb.
//
// Microsoft's DCR fills these from the log's `event` object for event_type "netflow"
// (Azure/Azure-Sentinel, Solutions/Amazon Web Services NetworkFirewall/Data Connectors/
// AWSNetworkFirewallLogs_CCP/AWSNetworkFirewallLog_DCR.json at commit
// 029339474079391785d551806bcab880fd93dbaa): for example NetFlowPkts = tostring(event.netflow.pkts),
// Syn = tobool(event.tcp.syn), and TimeGenerated = now(). It leaves Timestamp empty.
// EventTimestamp is a string here but a datetime in AWSNetworkFirewallAlert and AWSNetworkFirewallTls
// (the reference's choice); the netflow counters and ports are strings.
import type { Column } from '../schema';
import type { BuiltinTable } from './builtin-table';
import { AWS_REFERENCE_SYSTEM_COLUMNS } from './aws-system-columns';

const REFERENCE_COLUMNS: readonly Column[] = [
  {
    name: 'Ack',
    type: 'boolean',
    description: 'Indicates whether the ACK flag is set in the TCP packet (true/false).',
  },
  {
    name: 'AppProto',
    type: 'string',
    description: 'The application layer protocol detected (e.g., HTTP, HTTPS, DNS).',
  },
  {
    name: 'AvailabilityZone',
    type: 'string',
    description: 'The AWS Availability Zone where the firewall instance is located.',
  },
  { name: 'DestIp', type: 'string', description: 'The destination IP address of the packet.' },
  { name: 'DestPort', type: 'string', description: 'The destination port to which the packet was sent.' },
  {
    name: 'Ecn',
    type: 'boolean',
    description: 'Indicates whether the ECN flag is set in the TCP packet (true/false).',
  },
  { name: 'EventTimestamp', type: 'string', description: 'The epoch timestamp of when the event occurred.' },
  {
    name: 'EventType',
    type: 'string',
    description: 'The type of event recorded (e.g., flow, alert, drop, pass).',
  },
  {
    name: 'Fin',
    type: 'boolean',
    description: 'Indicates whether the FIN flag is set in the TCP packet (true/false).',
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
  { name: 'NetFlowAge', type: 'string', description: 'The duration of the network flow in seconds.' },
  {
    name: 'NetFlowBytes',
    type: 'string',
    description: 'The total number of bytes transferred in the network flow.',
  },
  { name: 'NetFlowEnd', type: 'datetime', description: 'The timestamp when the network flow ended.' },
  {
    name: 'NetFlowMaxttl',
    type: 'string',
    description: 'The maximum Time-to-Live (TTL) observed in the network flow.',
  },
  {
    name: 'NetFlowMinttl',
    type: 'string',
    description: 'The minimum Time-to-Live (TTL) observed in the network flow.',
  },
  { name: 'NetFlowPkts', type: 'string', description: 'The number of packets in the network flow.' },
  { name: 'NetFlowStart', type: 'datetime', description: 'The timestamp when the network flow started.' },
  { name: 'Proto', type: 'string', description: 'The protocol used (e.g., TCP, UDP, ICMP).' },
  {
    name: 'Psh',
    type: 'boolean',
    description: 'Indicates whether the PSH flag is set in the TCP packet (true/false).',
  },
  {
    name: 'Rst',
    type: 'boolean',
    description: 'Indicates whether the RST flag is set in the TCP packet (true/false).',
  },
  {
    name: 'SrcIp',
    type: 'string',
    description: 'The source IP address of the packet that triggered the event.',
  },
  { name: 'SrcPort', type: 'string', description: 'The source port from which the packet originated.' },
  {
    name: 'Syn',
    type: 'boolean',
    description: 'Indicates whether the SYN flag is set in the TCP packet (true/false).',
  },
  { name: 'TCPFlags', type: 'string', description: 'The TCP flags observed in the packet' },
  {
    name: 'TimeGenerated',
    type: 'datetime',
    description: 'The timestamp when the log entry was created in AWS Network Firewall.',
  },
  { name: 'Timestamp', type: 'datetime', description: 'The exact timestamp when the event was captured.' },
];

/** Sentinel's built-in table for AWS Network Firewall flow logs. */
export const AWS_NETWORK_FIREWALL_FLOW: BuiltinTable = {
  name: 'AWSNetworkFirewallFlow',
  stream: 'Microsoft-AWSNetworkFirewallFlow',
  columns: REFERENCE_COLUMNS,
  systemColumns: AWS_REFERENCE_SYSTEM_COLUMNS,
};
