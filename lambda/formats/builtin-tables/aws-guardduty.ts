// The AWSGuardDuty table's columns, vendored from Azure Monitor's table reference
// (https://learn.microsoft.com/azure/azure-monitor/reference/tables/awsguardduty):
//   MicrosoftDocs/azure-reference-other, azure-monitor-ref/tables/includes/awsguardduty-include.md
//   at commit 915c4fbfdbb46dece3a9c4553a8392b15e758305 (ms.date 07/30/2024; the same rows as
//   Azure/Azure-Sentinel, Tools/Solutions Analyzer/la_table_schemas.csv at commit
//   08005fcb71e7d7bf3fa7364b07d3c5523cff8b43).
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
// Severity is int in the reference and in the schema Sentinel's KQL validation gives the table
// (Azure/Azure-Sentinel, .script/tests/KqlvalidationsTests/CustomTables/AWSGuardDuty.json at commit
// 51be4ea9808b9ce60a2aed329f652073957601cf), although GuardDuty writes a decimal (for example 5.3)
// and the solution's "AWS Guard Duty Alert" rule buckets it with `Severity > 7.0` and
// `between (4.0 .. 6.9)`: the parser has to fit a decimal into an int.
// TimeGenerated is the finding's updatedAt and TimeCreated its createdAt (the descriptions say so).
// Microsoft's S3 connector maps findings inside its service: there is no transform to copy.
import type { Column } from '../schema';
import type { BuiltinTable } from './builtin-table';
import { AWS_REFERENCE_SYSTEM_COLUMNS } from './aws-system-columns';

const REFERENCE_COLUMNS: readonly Column[] = [
  {
    name: 'AccountId',
    type: 'string',
    description:
      'The AWS account ID of the owner of the source network interface for which traffic is recorded. If the network interface is created by an AWS service, for example when creating a VPC endpoint or Network Load Balancer, the record may display unknown for this field.',
  },
  {
    name: 'ActivityType',
    type: 'string',
    description: 'A formatted string representing the type of activity that triggered the finding.',
  },
  { name: 'Arn', type: 'string', description: 'Amazon resource name of the finding.' },
  {
    name: 'Description',
    type: 'string',
    description: 'Description of the primary purpose of the threat or attack related to the finding.',
  },
  {
    name: 'Id',
    type: 'string',
    description:
      'A unique Finding ID for this finding type and set of parameters. New occurrences of activity matching this pattern will be aggregated to the same ID.',
  },
  { name: 'Partition', type: 'string', description: 'The AWS partition in which the finding was generated.' },
  { name: 'Region', type: 'string', description: 'The AWS region in which the finding was generated.' },
  {
    name: 'ResourceDetails',
    type: 'dynamic',
    description:
      'Gives details on the AWS resource that was targeted by the trigger activity. The information available varies based on resource type and action typ.',
  },
  { name: 'SchemaVersion', type: 'string', description: 'The Guard Duty finding version.' },
  {
    name: 'ServiceDetails',
    type: 'dynamic',
    description:
      'Gives details on the AWS service that was related to the finding, including Action, Actor/Target, Evidence, Anomalous behavior and Additional information.',
  },
  {
    name: 'Severity',
    type: 'int',
    description: "A finding's assigned severity level of either High, Medium, or Low.",
  },
  {
    name: 'TimeCreated',
    type: 'datetime',
    description:
      'The time and date when this finding was first created. If this value differs from Updated at (TimeGenerated), it indicates that the activity has occurred multiple times and is an ongoing issue.',
  },
  {
    name: 'TimeGenerated',
    type: 'datetime',
    description:
      'The timestamp (UTC) of when the event was generated, The last time this finding was updated with new activity matching the pattern that prompted GuardDuty to generate this finding.',
  },
  {
    name: 'Title',
    type: 'string',
    description: 'Summary of the primary purpose of the threat or attack related to the finding.',
  },
];

/** Sentinel's built-in table for Amazon GuardDuty findings. */
export const AWS_GUARDDUTY: BuiltinTable = {
  name: 'AWSGuardDuty',
  stream: 'Microsoft-AWSGuardDuty',
  columns: REFERENCE_COLUMNS,
  systemColumns: AWS_REFERENCE_SYSTEM_COLUMNS,
};
