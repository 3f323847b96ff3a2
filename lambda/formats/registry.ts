import type { BuiltinTable } from './builtin-tables';
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

/**
 * The built-in Sentinel table each format's columns are shaped for (its `builtinTable`), and so
 * its rows' default destination; a format without one goes to a custom table.
 */
export const BUILTIN_DESTINATIONS: Readonly<Partial<Record<FormatName, BuiltinTable>>> = Object.fromEntries(
  Object.values(FORMATS).flatMap((format) =>
    format.builtinTable !== undefined ? [[format.name, format.builtinTable]] : [],
  ),
);

/** The built-in table `format` is shaped for, if any. */
export function builtinTableOf(format: FormatName): BuiltinTable | undefined {
  return BUILTIN_DESTINATIONS[format];
}
