// The AWSNLBAccessLogs table's columns, vendored from Azure Monitor's table reference
// (https://learn.microsoft.com/azure/azure-monitor/reference/tables/awsnlbaccesslogs):
// The reference's include for this table is not in MicrosoftDocs/azure-reference-other (where
// AWSCloudTrail's is): MicrosoftDocs/azure-monitor-docs,
//   articles/azure-monitor/reference/tables/awsnlbaccesslogs.md
// includes it from MicrosoftDocs' reusable-content repository, which could not be read for this
// work. The rows are Microsoft's own machine-readable copy of that reference, which Sentinel's
// Solutions Analyzer keeps:
//   Azure/Azure-Sentinel, Tools/Solutions Analyzer/la_table_schemas.csv at commit
//   08005fcb71e7d7bf3fa7364b07d3c5523cff8b43 (the rows whose table_name is "AWSNLBAccessLogs").
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
// Every column but TimeGenerated is a string, the byte counts and times included; ClientIPPort and
// TargetIPPort keep `ip:port` whole.
// Microsoft's AWS ELB connector routes the stream unchanged (Azure/Azure-Sentinel, Solutions/AWS ELB/
// Data Connectors/AWSELBConnector_CCF/AWSELBConnector_DCR.json at commit
// 1d31ea54bca9c3d1dc8db6bc24521bfff01d0ac0): the mapping is inside its service.
import type { Column } from '../schema';
import type { BuiltinTable } from './builtin-table';
import { AWS_REFERENCE_SYSTEM_COLUMNS } from './aws-system-columns';

const REFERENCE_COLUMNS: readonly Column[] = [
  {
    name: 'ALPNBEProtocol',
    type: 'string',
    description: 'Application-layer protocol negotiated on the backend.',
  },
  {
    name: 'ALPNClientPrefList',
    type: 'string',
    description: 'List of application protocols preferred by the client during ALPN.',
  },
  {
    name: 'ALPNFEProtocol',
    type: 'string',
    description: 'Application-layer protocol negotiated on the frontend (e.g., HTTP/1.1, h2).',
  },
  {
    name: 'ChosenCertArn',
    type: 'string',
    description: 'ARN of the TLS certificate selected during the handshake.',
  },
  {
    name: 'ChosenCertSerial',
    type: 'string',
    description: 'Serial number of the TLS certificate used in the connection.',
  },
  {
    name: 'ClientIPPort',
    type: 'string',
    description: 'IP address and port of the client initiating the request.',
  },
  { name: 'ConnectionTime', type: 'string', description: 'Duration of the connection in milliseconds.' },
  {
    name: 'DomainName',
    type: 'string',
    description: 'Domain name requested by the client via SNI (Server Name Indication).',
  },
  { name: 'IncomingTLSAlert', type: 'string', description: 'Details of any incoming TLS alert message.' },
  {
    name: 'Listener',
    type: 'string',
    description: 'Listener configuration used for the connection (protocol and port).',
  },
  { name: 'Nlb', type: 'string', description: 'Identifier or name of the Network Load Balancer.' },
  {
    name: 'NLBType',
    type: 'string',
    description: "Type of Network Load Balancer (e.g., 'gateway', 'application').",
  },
  { name: 'ReceivedBytes', type: 'string', description: 'Number of bytes received from the client.' },
  { name: 'SentBytes', type: 'string', description: 'Number of bytes sent to the client.' },
  {
    name: 'TargetIPPort',
    type: 'string',
    description: 'IP address and port of the target receiving the request.',
  },
  { name: 'TimeGenerated', type: 'datetime', description: 'Timestamp when the log entry was generated.' },
  { name: 'TLSCipher', type: 'string', description: 'Cipher suite used for the TLS connection.' },
  {
    name: 'TLSConnectionCreationTime',
    type: 'string',
    description: 'Time taken to establish the complete TLS connection, including handshake.',
  },
  {
    name: 'TlsHandshakeTime',
    type: 'string',
    description: 'Time taken to complete the TLS handshake in milliseconds.',
  },
  {
    name: 'TLSNamedGroup',
    type: 'string',
    description: 'Elliptic curve or Diffie-Hellman group used in the handshake.',
  },
  {
    name: 'TLSProtocolVersion',
    type: 'string',
    description: 'Version of the TLS protocol used (e.g., TLS 1.2, TLS 1.3).',
  },
  { name: 'Version', type: 'string', description: 'Version of the NLB log format.' },
];

/** Sentinel's built-in table for Network Load Balancer (TLS listener) access logs. */
export const AWS_NLB_ACCESS_LOGS: BuiltinTable = {
  name: 'AWSNLBAccessLogs',
  stream: 'Microsoft-AWSNLBAccessLogs',
  columns: REFERENCE_COLUMNS,
  systemColumns: AWS_REFERENCE_SYSTEM_COLUMNS,
};
