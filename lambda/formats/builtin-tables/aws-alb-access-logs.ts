// The AWSALBAccessLogs table's columns, vendored from Azure Monitor's table reference
// (https://learn.microsoft.com/azure/azure-monitor/reference/tables/awsalbaccesslogs):
// The reference's include for this table is not in MicrosoftDocs/azure-reference-other (where
// AWSCloudTrail's is): MicrosoftDocs/azure-monitor-docs,
//   articles/azure-monitor/reference/tables/awsalbaccesslogs.md
// includes it from MicrosoftDocs' reusable-content repository, which could not be read for this
// work. The rows are Microsoft's own machine-readable copy of that reference, which Sentinel's
// Solutions Analyzer keeps:
//   Azure/Azure-Sentinel, Tools/Solutions Analyzer/la_table_schemas.csv at commit
//   08005fcb71e7d7bf3fa7364b07d3c5523cff8b43 (the rows whose table_name is "AWSALBAccessLogs").
// Names, types and descriptions are the reference's, in its order (descriptions verbatim, typos kept),
// without the five system columns it lists (`./aws-system-columns`). Types are mapped to the shared
// vocabulary (`../schema`): string → string, datetime → datetime, bool → boolean, int → int,
// long → long, real → real, dynamic → dynamic, guid → string.
// This table uses only string, datetime, int and long.
//
// Logs Ingestion API: the table is marked as accepting it (✅ in the API column) in
//   MicrosoftDocs/azure-monitor-docs, articles/azure-monitor/reference/tables-features.md at commit
//   18ed39a1ecce69cbaa90f01d4b325e505bacccdb.
//
// The reference's own choices: ClientPort, TargetPort and ElbStatusCode are int but TargetStatusCode
// is a string (ALB writes `-` there when no target answered), ReceivedBytes and SentBytes are long,
// and RequestCreationTime and the three processing times are strings. Alb holds the log's `elb`
// field (app/<name>/<id>), though the description says ARN. ALB's newest trailing fields
// (transformed_host, transformed_uri, request_transform_status) have no column.
// Microsoft's AWS ELB connector routes the stream unchanged (Azure/Azure-Sentinel, Solutions/AWS ELB/
// Data Connectors/AWSELBConnector_CCF/AWSELBConnector_DCR.json at commit
// 1d31ea54bca9c3d1dc8db6bc24521bfff01d0ac0): the mapping is inside its service.
import type { Column } from '../schema';
import type { BuiltinTable } from './builtin-table';
import { AWS_REFERENCE_SYSTEM_COLUMNS } from './aws-system-columns';

const REFERENCE_COLUMNS: readonly Column[] = [
  {
    name: 'ActionsExecuted',
    type: 'string',
    description: 'The actions taken when processing the request (e.g., forward, fixed-response, redirect).',
  },
  { name: 'Alb', type: 'string', description: 'The ARN of the Application Load Balancer.' },
  { name: 'ALBType', type: 'string', description: 'The type of request (e.g., http or https).' },
  {
    name: 'ChosenCertArn',
    type: 'string',
    description: 'The ARN of the certificate presented to the client.',
  },
  {
    name: 'Classification',
    type: 'string',
    description: 'Classification of the request (e.g., success or error).',
  },
  {
    name: 'ClassificationReason',
    type: 'string',
    description: 'The reason why a request was classified in a certain way.',
  },
  { name: 'ClientIp', type: 'string', description: 'The IP address of the client.' },
  { name: 'ClientPort', type: 'int', description: 'The port number of the client.' },
  {
    name: 'ConnTraceId',
    type: 'string',
    description: 'The connection trace ID that uniquely identifies the connection.',
  },
  {
    name: 'DomainName',
    type: 'string',
    description: 'The SNI domain provided by the client during the TLS handshake.',
  },
  {
    name: 'ElbStatusCode',
    type: 'int',
    description: 'The status code sent from the load balancer to the client.',
  },
  {
    name: 'LambdaErrorReason',
    type: 'string',
    description: 'The reason code for a failed Lambda function, if applicable.',
  },
  {
    name: 'MatchedRulePriority',
    type: 'string',
    description: 'The priority value of the rule that matched the request.',
  },
  {
    name: 'ReceivedBytes',
    type: 'long',
    description: 'The size of the request, in bytes, received from the client.',
  },
  {
    name: 'RedirectUrl',
    type: 'string',
    description: 'The URL of the redirect target, if a redirect action was taken.',
  },
  {
    name: 'RequestCreationTime',
    type: 'string',
    description: 'The timestamp when the load balancer generated the request to the target.',
  },
  {
    name: 'RequestProcessingTime',
    type: 'string',
    description: 'The total time taken by the load balancer to receive the request from the client.',
  },
  { name: 'RequestRaw', type: 'string', description: 'The complete request line from the client.' },
  {
    name: 'ResponseProcessingTime',
    type: 'string',
    description: 'The total time taken by the load balancer to send the response to the client.',
  },
  { name: 'SentBytes', type: 'long', description: 'The size of the response, in bytes, sent to the client.' },
  { name: 'SslCipher', type: 'string', description: 'The SSL cipher used for the SSL connection (if any).' },
  {
    name: 'SslProtocol',
    type: 'string',
    description: 'The SSL protocol used for the SSL connection (if any).',
  },
  {
    name: 'TargetGroupArn',
    type: 'string',
    description: 'The ARN of the target group that handled the request.',
  },
  {
    name: 'TargetIp',
    type: 'string',
    description: 'The IP address of the target that processed the request.',
  },
  {
    name: 'TargetPort',
    type: 'int',
    description: 'The port number of the target that processed the request.',
  },
  {
    name: 'TargetPortList',
    type: 'string',
    description: 'A list of IP:port pairs of the targets that handled the request.',
  },
  {
    name: 'TargetProcessingTime',
    type: 'string',
    description: 'The total time taken by the target to process the request.',
  },
  { name: 'TargetStatusCode', type: 'string', description: 'The status code received from the target.' },
  {
    name: 'TargetStatusCodeList',
    type: 'string',
    description: 'A list of status codes returned by the targets.',
  },
  {
    name: 'TimeGenerated',
    type: 'datetime',
    description: 'The time when the load balancer received the request.',
  },
  {
    name: 'TraceId',
    type: 'string',
    description: 'The trace identifier for the request, useful for debugging.',
  },
  { name: 'UserAgent', type: 'string', description: 'The user agent String of the client.' },
];

/** Sentinel's built-in table for Application Load Balancer access logs. */
export const AWS_ALB_ACCESS_LOGS: BuiltinTable = {
  name: 'AWSALBAccessLogs',
  stream: 'Microsoft-AWSALBAccessLogs',
  columns: REFERENCE_COLUMNS,
  systemColumns: AWS_REFERENCE_SYSTEM_COLUMNS,
};
