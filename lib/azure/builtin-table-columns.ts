import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import type { BuiltinTable, Column } from '../../lambda/formats';
import { AzapiProvider, AzapiUpdateResource } from './azapi';
import { TABLE_COLUMN_TYPES } from './table-columns';

/**
 * The Tables API version the `_CF` columns are added with: the stable version azurerm's own table
 * resources call, which accepts a schema's custom columns on an Azure (built-in) table.
 */
export const BUILTIN_TABLES_API = 'Microsoft.OperationalInsights/workspaces/tables@2022-10-01';

export interface BuiltinTableColumnsProps {
  readonly table: BuiltinTable;
  /** The `_CF` columns the producers writing to the table need (see `addedColumns`). */
  readonly columns: readonly Column[];
  readonly workspaceResourceId: string;
  /**
   * What must exist first: the Sentinel onboarding, which brings the AWS tables.
   * @default - nothing
   */
  readonly dependsOn?: ITerraformDependable[];
}

/**
 * Adds custom `_CF` columns to one of Sentinel's built-in tables in the workspace, once for every
 * producer writing to it. The table is Microsoft's: this updates its schema's custom columns only,
 * never creates or deletes the table, and a DCR writing to it is created after it.
 */
export class BuiltinTableColumns extends Construct {
  public readonly resource: AzapiUpdateResource;

  constructor(scope: Construct, id: string, props: BuiltinTableColumnsProps) {
    super(scope, id);
    const bad = props.columns.filter((column) => !column.name.endsWith('_CF'));
    if (bad.length > 0) {
      throw new Error(
        `${props.table.name}: only columns ending in _CF can be added to a built-in table, not ${bad.map((c) => c.name).join(', ')}`,
      );
    }
    this.resource = new AzapiUpdateResource(this, 'Resource', {
      type: BUILTIN_TABLES_API,
      resourceId: `${props.workspaceResourceId}/tables/${props.table.name}`,
      body: {
        properties: {
          schema: {
            name: props.table.name,
            columns: props.columns.map((column) => ({
              name: column.name,
              type: TABLE_COLUMN_TYPES[column.type],
              description: column.description,
            })),
          },
        },
      },
      provider: AzapiProvider.of(this),
      dependsOn: props.dependsOn,
    });
  }
}
