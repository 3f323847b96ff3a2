// The formats' public surface. `lib/` imports this module for the column schemas, so everything
// reachable from here is pure: node built-ins only, and nothing from outside `lambda/formats`.
export type {
  FormatDefinition,
  FormatName,
  FormatOutput,
  FormatParser,
  ObjectIdentity,
  ParsedRecord,
  RecordError,
  SourceItem,
} from './format';
export {
  BUILTIN_DESTINATIONS,
  FORMATS,
  FORMAT_NAMES,
  builtinTableOf,
  columnsOf,
  isFormatName,
  isMultiOutput,
  outputNamesOf,
  outputOf,
  outputsOf,
} from './registry';
export {
  CUSTOM_COLUMN_SUFFIX,
  DCR_ADDED_COLUMNS,
  PRODUCER_COLUMN,
  RECORD_TIME_COLUMN,
  addedColumns,
  builtinMismatches,
  builtinRenames,
  landedColumns,
  type Destination,
} from './destination';
export {
  AWS_CLOUDTRAIL,
  AWS_NETWORK_FIREWALL_ALERT,
  AWS_NETWORK_FIREWALL_FLOW,
  AWS_NETWORK_FIREWALL_TLS,
  AWS_VPC_FLOW,
  BUILTIN_TABLES,
  type BuiltinTable,
} from './builtin-tables';
export { PROVENANCE_COLUMNS, rowColumns, type Column, type ColumnType } from './schema';
