// The AWSSecurityHubFindings table's columns, vendored from Azure Monitor's table reference
// (https://learn.microsoft.com/azure/azure-monitor/reference/tables/awssecurityhubfindings):
// The reference's include for this table is not in MicrosoftDocs/azure-reference-other (where
// AWSCloudTrail's is): MicrosoftDocs/azure-monitor-docs,
//   articles/azure-monitor/reference/tables/awssecurityhubfindings.md
// includes it from MicrosoftDocs' reusable-content repository, which could not be read for this
// work. The rows are Microsoft's own machine-readable copy of that reference, which Sentinel's
// Solutions Analyzer keeps:
//   Azure/Azure-Sentinel, Tools/Solutions Analyzer/la_table_schemas.csv at commit
//   08005fcb71e7d7bf3fa7364b07d3c5523cff8b43 (the rows whose table_name is "AWSSecurityHubFindings").
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
// Microsoft's DCR fills these from an EventBridge event (Azure/Azure-Sentinel, Solutions/AWS Security
// Hub/Data Connectors/AWSSecurityHubFindings_CCP/AWSSecurityHubFindings_DCR.json at commit
// 2e4cf34a69f995a88068e0d4d22ac87967be97a7): TimeGenerated = the event's `time`, every finding
// column from detail.findings[0] only (AwsSecurityFindingSeverity from
// FindingProviderFields.Severity), and RawData = the whole `detail`.
import type { Column } from '../schema';
import type { BuiltinTable } from './builtin-table';
import { AWS_REFERENCE_SYSTEM_COLUMNS } from './aws-system-columns';

const REFERENCE_COLUMNS: readonly Column[] = [
  { name: 'AwsAccountId', type: 'string', description: 'The AWS account ID associated with the event.' },
  { name: 'AwsRegion', type: 'string', description: 'The AWS region where the event occurred.' },
  {
    name: 'AwsSecurityFindingCreatedAt',
    type: 'datetime',
    description: 'The timestamp when the security finding was created.',
  },
  {
    name: 'AwsSecurityFindingDescription',
    type: 'string',
    description: 'A detailed description of the AWS security finding.',
  },
  {
    name: 'AwsSecurityFindingFirstObservedAt',
    type: 'datetime',
    description: 'The timestamp when the security finding was first observed.',
  },
  {
    name: 'AwsSecurityFindingGeneratorId',
    type: 'string',
    description: 'The ID of the generator that created the security finding.',
  },
  {
    name: 'AwsSecurityFindingId',
    type: 'string',
    description: 'The unique identifier for the AWS security finding.',
  },
  {
    name: 'AwsSecurityFindingLastObservedAt',
    type: 'datetime',
    description: 'The timestamp when the security finding was last observed.',
  },
  {
    name: 'AwsSecurityFindingProcessedAt',
    type: 'datetime',
    description: 'The timestamp when the security finding was processed.',
  },
  {
    name: 'AwsSecurityFindingProductArn',
    type: 'string',
    description: 'The Amazon Resource Name (ARN) of the product that generated the finding.',
  },
  {
    name: 'AwsSecurityFindingProductFields',
    type: 'dynamic',
    description: 'Additional fields provided by the product that generated the finding.',
  },
  {
    name: 'AwsSecurityFindingProductName',
    type: 'string',
    description: 'The name of the product that generated the finding.',
  },
  {
    name: 'AwsSecurityFindingSeverity',
    type: 'dynamic',
    description: 'The severity level of the security finding.',
  },
  { name: 'AwsSecurityFindingTitle', type: 'string', description: 'The title of the AWS security finding.' },
  {
    name: 'AwsSecurityFindingTypes',
    type: 'dynamic',
    description: 'The types or categories of the AWS security finding.',
  },
  {
    name: 'AwsSecurityFindingUpdatedAt',
    type: 'datetime',
    description: 'The timestamp when the security finding was last updated.',
  },
  {
    name: 'ComplianceAssociatedStandards',
    type: 'dynamic',
    description: 'The compliance standards associated with the resource.',
  },
  {
    name: 'ComplianceRelatedRequirements',
    type: 'dynamic',
    description: 'The related compliance requirements.',
  },
  {
    name: 'ComplianceSecurityControlId',
    type: 'string',
    description: 'The ID of the security control related to compliance.',
  },
  {
    name: 'ComplianceSecurityControlParameters',
    type: 'dynamic',
    description: 'Parameters associated with the security control.',
  },
  {
    name: 'ComplianceStatus',
    type: 'string',
    description: 'The compliance status of the resource (e.g., COMPLIANT, NON_COMPLIANT).',
  },
  { name: 'ComplianceStatusReasons', type: 'dynamic', description: 'The reasons for the compliance status.' },
  { name: 'RawData', type: 'dynamic', description: 'The raw data associated with the finding.' },
  { name: 'RecordState', type: 'string', description: 'The state of the record (e.g., ACTIVE, ARCHIVED).' },
  {
    name: 'Remediation',
    type: 'dynamic',
    description: 'Details about how to remediate the security finding.',
  },
  { name: 'Resources', type: 'dynamic', description: 'The resources associated with the security finding.' },
  { name: 'SchemaVersion', type: 'string', description: 'The version of the schema used for the finding.' },
  { name: 'TimeGenerated', type: 'datetime', description: 'The timestamp when the event was generated.' },
  {
    name: 'WorkflowState',
    type: 'string',
    description: 'The workflow state of the finding (e.g., NEW, RESOLVED).',
  },
];

/** Sentinel's built-in table for AWS Security Hub findings. */
export const AWS_SECURITY_HUB_FINDINGS: BuiltinTable = {
  name: 'AWSSecurityHubFindings',
  stream: 'Microsoft-AWSSecurityHubFindings',
  columns: REFERENCE_COLUMNS,
  systemColumns: AWS_REFERENCE_SYSTEM_COLUMNS,
};
