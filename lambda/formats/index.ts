// The formats' public surface. `lib/` imports this module for the column schemas, so everything
// reachable from here is pure: node built-ins only, and nothing from outside `lambda/formats`.
export type {
  FormatDefinition,
  FormatName,
  FormatParser,
  ObjectIdentity,
  ParsedRecord,
  RecordError,
  SourceItem,
} from './format';
export { FORMATS, FORMAT_NAMES, columnsOf, isFormatName } from './registry';
export { PROVENANCE_COLUMNS, rowColumns, type Column, type ColumnType } from './schema';
