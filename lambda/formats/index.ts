// The formats' public surface. `lib/` imports this module for the column schemas, so everything
// reachable from here uses node built-ins only (no AWS SDK, Azure SDK, CDK or other packages).
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
export {
  parseObject,
  parseObjectBatches,
  rowToSend,
  type ParseObjectOptions,
  type ParseOutcome,
  type ObjectRef,
  type Row,
} from '../pipeline/parse-object';
