// The formats' public surface. `lib/` imports this module for the column schemas, so everything
// reachable from here is pure: node built-ins only, and nothing from outside `lambda/formats`.
export type {
  FormatDefinition,
  FormatName,
  FormatOptionsDefinition,
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
export { CSV_DELIMITERS, parseCsvOptions, type CsvDelimiter, type CsvOptions } from './csv';
export {
  AUTO_FORMAT,
  DEFAULT_ROUTES,
  UNROUTED_FORMAT,
  UNROUTED_OUTPUT,
  autoOutputKey,
  autoOutputKeyNames,
  autoOutputKeys,
  compileRoutes,
  isLogFormat,
  matchRoute,
  objectRoute,
  routeFor,
  type AutoOutput,
  type CompiledRoutes,
  type FormatRoute,
  type LogFormat,
  type ObjectRoute,
} from './routes';
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
export { checkFormatOptions, formatsWithOptions } from './format-options';
