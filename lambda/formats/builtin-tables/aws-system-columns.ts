// The system columns that Azure Monitor's table reference lists for every vendored AWS table: the
// same five rows in every include (_BilledSize, _IsBillable, SourceSystem, TenantId, Type), then the
// standard columns every table has.
// Descriptions are the includes' (the Solutions Analyzer's CSV renders `false` as <code>false</code>).
import type { Column } from '../schema';
import { STANDARD_SYSTEM_COLUMNS } from './builtin-table';

/** The system columns the reference lists for an AWS table, then the standard ones every table has. */
export const AWS_REFERENCE_SYSTEM_COLUMNS: readonly Column[] = [
  { name: '_BilledSize', type: 'real', description: 'The record size in bytes' },
  {
    name: '_IsBillable',
    type: 'string',
    description:
      "Specifies whether ingesting the data is billable. When _IsBillable is `false` ingestion isn't billed to your Azure account",
  },
  {
    name: 'SourceSystem',
    type: 'string',
    description:
      'The type of agent the event was collected by. For example, `OpsManager` for Windows agent, either direct connect or Operations Manager, `Linux` for all Linux agents, or `Azure` for Azure Diagnostics',
  },
  { name: 'TenantId', type: 'string', description: 'The Log Analytics workspace ID' },
  { name: 'Type', type: 'string', description: 'The name of the table' },
  ...STANDARD_SYSTEM_COLUMNS,
];
