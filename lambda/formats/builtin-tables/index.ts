// Sentinel's built-in tables that formats can target, as vendored data. Pure: node built-ins only,
// nothing from outside lambda/formats.
import { AWS_CLOUDTRAIL } from './aws-cloudtrail';
import { AWS_VPC_FLOW } from './aws-vpcflow';
import type { BuiltinTable } from './builtin-table';

export { AWS_CLOUDTRAIL } from './aws-cloudtrail';
export { AWS_VPC_FLOW } from './aws-vpcflow';
export { STANDARD_SYSTEM_COLUMNS, type BuiltinTable } from './builtin-table';

/** Every vendored built-in table, by table name. */
export const BUILTIN_TABLES = {
  AWSCloudTrail: AWS_CLOUDTRAIL,
  AWSVPCFlow: AWS_VPC_FLOW,
} as const satisfies Record<string, BuiltinTable>;

export type BuiltinTableName = keyof typeof BUILTIN_TABLES;

/** Whether a name is one of the vendored built-in tables. */
export function isBuiltinTableName(name: string): name is BuiltinTableName {
  return Object.prototype.hasOwnProperty.call(BUILTIN_TABLES, name);
}
