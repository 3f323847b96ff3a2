// The AWSCloudWatch table's columns, vendored from Azure Monitor's table reference
// (https://learn.microsoft.com/azure/azure-monitor/reference/tables/awscloudwatch):
//   MicrosoftDocs/azure-reference-other, azure-monitor-ref/tables/includes/awscloudwatch-include.md
//   at commit 161a4d906ddadef26419debb263b5775085c0c87 (ms.date 07/30/2024; the same rows as
//   Azure/Azure-Sentinel, Tools/Solutions Analyzer/la_table_schemas.csv at commit
//   08005fcb71e7d7bf3fa7364b07d3c5523cff8b43, which spells "it's" with a straight apostrophe).
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
// The table has only Message and ExtractedTime: a subscription record's owner, logGroup, logStream,
// subscriptionFilters and each log event's id have no column.
import type { Column } from '../schema';
import type { BuiltinTable } from './builtin-table';
import { AWS_REFERENCE_SYSTEM_COLUMNS } from './aws-system-columns';

const REFERENCE_COLUMNS: readonly Column[] = [
  {
    name: 'ExtractedTime',
    type: 'datetime',
    description: 'The timestamp (UTC) of when the event was generated.',
  },
  { name: 'Message', type: 'string', description: 'The data contained within logs from CloudWatch.' },
  {
    name: 'TimeGenerated',
    type: 'datetime',
    description:
      "The timestamp (UTC) when the event was generated and equals to 'ExtractedTime' when included in message. If timestamp is missing, it’s set to the ingestion time.",
  },
];

/** Sentinel's built-in table for CloudWatch Logs events. */
export const AWS_CLOUDWATCH: BuiltinTable = {
  name: 'AWSCloudWatch',
  stream: 'Microsoft-AWSCloudWatch',
  columns: REFERENCE_COLUMNS,
  systemColumns: AWS_REFERENCE_SYSTEM_COLUMNS,
};
