import { cloudtrailFormat } from './cloudtrail';
import type { FormatDefinition, FormatName } from './format';
import { jsonFormat } from './json';
import { ndjsonFormat } from './ndjson';
import { rowColumns, type Column } from './schema';
import { textFormat } from './text';
import { vpcflowFormat } from './vpcflow';

/** Every format the forwarder knows, by name. */
export const FORMATS: Readonly<Record<FormatName, FormatDefinition>> = {
  cloudtrail: cloudtrailFormat,
  vpcflow: vpcflowFormat,
  ndjson: ndjsonFormat,
  json: jsonFormat,
  text: textFormat,
};

export const FORMAT_NAMES = Object.keys(FORMATS) as FormatName[];

export function isFormatName(value: string): value is FormatName {
  return Object.prototype.hasOwnProperty.call(FORMATS, value);
}

/** Every column a row of `format` carries, in order: what the DCR stream must declare. */
export function columnsOf(format: FormatName): Column[] {
  return rowColumns(FORMATS[format].columns);
}
