// The Azure half (CDK for Terraform). Kept behind its own entry point (`s3-to-sentinel/azure`) so
// the AWS half never loads cdktf; it runs unchanged on CDK Terrain (cdktn) installed as `cdktf`
// (README, "On CDK Terrain"; `npm run cdktn-check`).
export * from './azapi';
export * from './azure-providers';
export * from './builtin-table-columns';
export * from './dcr-error-alert';
export * from './forwarder-identity';
export * from './no-data-alert';
export * from './producer-stream';
export * from './rotating-client-secret';
export * from './secret-expiry-alert';
export * from './sentinel-ingestion';
export * from './sentinel-workspace';
export {
  STREAM_COLUMN_TYPES,
  TABLE_COLUMN_TYPES,
  RESERVED_COLUMN_NAMES,
  MAX_COLUMN_NAME_LENGTH,
  AUXILIARY_UNSUPPORTED_TYPES,
} from './table-columns';
export { AzureConfigError } from './validate-sentinel-ingestion-props';
