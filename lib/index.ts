export * from './aws/s3-to-sentinel-forwarder';
export * from './aws/producer-stack';
export * from './producer';
export {
  FORMATS,
  FORMAT_NAMES,
  columnsOf,
  type Column,
  type ColumnType,
  type FormatName,
} from '../lambda/formats';
export { ENV, type AuthMode } from '../lambda/contract/environment';
