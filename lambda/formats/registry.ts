import type { BuiltinTable } from './builtin-tables';
import { cloudtrailFormat } from './cloudtrail';
import { guarddutyFormat } from './guardduty';
import { securityhubFormat } from './securityhub';
import { wafFormat } from './waf';
import { albFormat } from './alb';
import { nlbFormat } from './nlb';
import { clbFormat } from './clb';
import { s3accessFormat } from './s3access';
import { route53resolverFormat } from './route53resolver';
import { cloudwatchFormat } from './cloudwatch';
import { cloudfrontFormat } from './cloudfront';
import { csvFormat } from './csv';
import type { FormatDefinition, FormatName, FormatOutput } from './format';
import { jsonFormat } from './json';
import { networkfirewallFormat } from './networkfirewall';
import { ndjsonFormat } from './ndjson';
import { rowColumns, type Column } from './schema';
import { textFormat } from './text';
import { vpcflowFormat } from './vpcflow';

/** Every format the forwarder knows, by name. */
export const FORMATS: Readonly<Record<FormatName, FormatDefinition>> = {
  cloudtrail: cloudtrailFormat,
  vpcflow: vpcflowFormat,
  guardduty: guarddutyFormat,
  securityhub: securityhubFormat,
  waf: wafFormat,
  alb: albFormat,
  nlb: nlbFormat,
  clb: clbFormat,
  s3access: s3accessFormat,
  route53resolver: route53resolverFormat,
  cloudwatch: cloudwatchFormat,
  cloudfront: cloudfrontFormat,
  networkfirewall: networkfirewallFormat,
  csv: csvFormat,
  ndjson: ndjsonFormat,
  json: jsonFormat,
  text: textFormat,
};

export const FORMAT_NAMES = Object.keys(FORMATS) as FormatName[];

export function isFormatName(value: string): value is FormatName {
  return Object.prototype.hasOwnProperty.call(FORMATS, value);
}

/** Every column a row of `format` carries, in order: what the DCR stream must declare. */
export function columnsOf(format: FormatName, output?: string): Column[] {
  if (output === undefined) return rowColumns(FORMATS[format].columns);
  return rowColumns(outputOf(format, output).columns);
}

/** Output names: lower-case ASCII letters, so they fit env JSON keys, stream and table names. */
const OUTPUT_NAME = /^[a-z]{1,32}$/;

/**
 * The outputs of a multi-output format (`FormatDefinition.outputs`), in order; empty for a format
 * whose rows all go to one stream. For each, the Azure side declares a stream of
 * `columnsOf(format, output.name)` writing to `output.builtinTable` (or a custom table), and the
 * forwarder's DCR_OUTPUTS names its stream and DCRs.
 */
export function outputsOf(format: FormatName): readonly FormatOutput[] {
  return FORMATS[format].outputs ?? [];
}

/** The names of `format`'s outputs (see {@link outputsOf}); empty for a single-output format. */
export function outputNamesOf(format: FormatName): string[] {
  return outputsOf(format).map((o) => o.name);
}

/** Whether `format` sends its rows to more than one stream. */
export function isMultiOutput(format: FormatName): boolean {
  return outputsOf(format).length > 0;
}

/** The output `name` of `format`; throws, naming the outputs it has, when it has none of that name. */
export function outputOf(format: FormatName, name: string): FormatOutput {
  const found = outputsOf(format).find((o) => o.name === name);
  if (found === undefined) {
    const names = outputNamesOf(format);
    throw new Error(
      names.length === 0
        ? `format ${format} has one output and no named ones (asked for ${JSON.stringify(name)})`
        : `format ${format} has no output ${JSON.stringify(name)}; its outputs are ${names.join(', ')}`,
    );
  }
  return found;
}

/**
 * The shape rules of multi-output formats (see `FormatDefinition.outputs`), checked when the module
 * loads so that a mistake fails every test that imports the registry.
 */
function checkOutputs(format: FormatDefinition): void {
  const { outputs } = format;
  if (outputs === undefined) return;
  const problems: string[] = [];
  if (outputs.length < 2) problems.push('declares outputs but fewer than two');
  const names = outputs.map((o) => o.name);
  for (const name of names) {
    if (!OUTPUT_NAME.test(name))
      problems.push(`output ${JSON.stringify(name)} is not 1-32 lower-case letters`);
  }
  if (new Set(names).size !== names.length) problems.push(`output names repeat: ${names.join(', ')}`);
  if (
    outputs.length > 0 &&
    (outputs[0].columns !== format.columns || outputs[0].builtinTable !== format.builtinTable)
  ) {
    problems.push("its columns and builtinTable must be its first output's");
  }
  if (problems.length > 0) throw new Error(`format ${format.name}: ${problems.join('; ')}`);
}

for (const format of Object.values(FORMATS)) checkOutputs(format);

/**
 * The built-in Sentinel table each format's columns are shaped for (its `builtinTable`), and so
 * its rows' default destination; a format without one goes to a custom table.
 */
export const BUILTIN_DESTINATIONS: Readonly<Partial<Record<FormatName, BuiltinTable>>> = Object.fromEntries(
  Object.values(FORMATS).flatMap((format) =>
    format.builtinTable !== undefined ? [[format.name, format.builtinTable]] : [],
  ),
);

/**
 * The built-in table `format` is shaped for, if any; with `output`, the table of that output of a
 * multi-output format (without it, its first output's).
 */
export function builtinTableOf(format: FormatName, output?: string): BuiltinTable | undefined {
  if (output !== undefined) return outputOf(format, output).builtinTable;
  return BUILTIN_DESTINATIONS[format];
}
