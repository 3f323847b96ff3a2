/**
 * What the findings tables' content tests (`test/integration/sentinel-content-findings.test.ts`)
 * need beyond `sentinel-content.ts` and `sentinel-content-checks.ts`: reading a rule whose `query`
 * is a plain multi-line YAML scalar (the AWS solution's "AWS Guard Duty Alert" is one), checking
 * the table's int and dynamic columns, and delivering an object to an emulator of one's own.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { gzipSync } from 'node:zlib';
import { ENV } from '../../lambda/contract/environment';
import type { BuiltinTable, FormatName } from '../../lambda/formats';
import { lambdaContext, s3Notification, sqsEvent, sqsRecord } from './events';
import { makeHandler, output, putObject } from './forwarder-harness';
import { forwarderEnv, type IngestionEmulator } from './ingestion-emulator';
import {
  SENTINEL_CONTENT,
  contentQuery,
  describeValue,
  isempty,
  kqlIdentifiers,
  tostring,
  type Row,
} from './sentinel-content';

/**
 * The KQL of a vendored rule in a subfolder (`AWSGuardDuty/AWS_GuardDuty_template.yaml`): a
 * `query: |` block as {@link contentQuery} reads it, or a plain scalar (`query:` with the lines
 * below it), whose lines are kept as lines: YAML would fold them into one, but the `//` comments
 * among them show the author meant lines.
 */
export function findingsContentQuery(file: string): string {
  const lines = readFileSync(join(SENTINEL_CONTENT, file), 'utf8').split(/\r?\n/);
  const start = lines.findIndex((line) => /^query:\s*$/.test(line));
  if (start === -1) return contentQuery(file);
  const body: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() !== '' && !/^\s/.test(line)) break;
    body.push(line.trim());
  }
  return body.join('\n').trim();
}

/**
 * Why `actual`, a row's value in `column` of `type`, is not what the record's `source` value becomes
 * there, or `undefined`: strings as text, datetimes as the same instant, ints as the integer the
 * format documents (`int`, given), and dynamic columns as the JSON value itself (an object or array
 * the query can read members of, never JSON text). An absent source must arrive empty.
 */
export function findingShapeProblem(
  column: string,
  type: string,
  actual: unknown,
  source: unknown,
  int: (source: unknown) => number | undefined = (s) => (typeof s === 'number' ? s : undefined),
): string | undefined {
  const got = describeValue(actual);
  if (source === undefined || source === null || source === '') {
    return isempty(actual) ? undefined : `${column} should be empty (the record has no value), but is ${got}`;
  }
  switch (type) {
    case 'string':
      return actual === tostring(source)
        ? undefined
        : `${column} should be ${describeValue(tostring(source))}, but is ${got}`;
    case 'datetime':
      return typeof actual === 'string' && Date.parse(actual) === Date.parse(tostring(source))
        ? undefined
        : `${column} should be the datetime ${tostring(source)}, but is ${got}`;
    case 'int': {
      const want = int(source);
      return Number.isInteger(actual) && actual === want
        ? undefined
        : `${column} should be the integer ${want}, but is ${got}`;
    }
    case 'dynamic':
      if (actual === null || typeof actual !== 'object')
        return `${column} should be a JSON value with members, but is ${got}`;
      return isDeepStrictEqual(actual, source)
        ? undefined
        : `${column} does not hold the record's value: ${got}`;
    default:
      return `${column}: type ${type} is not checked`;
  }
}

/**
 * Throws unless every column of `table` that `query` names arrives in `row` as the table spells it
 * (no key differing in case only), holds `expected(column)` in the shape of its type, and is not a
 * system column.
 */
export function expectFindingColumns(
  query: string,
  table: BuiltinTable,
  row: Row,
  expected: (column: string) => { readonly value: unknown } | undefined,
  int?: (source: unknown) => number | undefined,
): void {
  const names = kqlIdentifiers(query);
  if (!table.columns.some((column) => names.has(column.name)))
    throw new Error(`the query names no ${table.name} column`);
  const problems: string[] = [];
  for (const column of [...table.columns, ...table.systemColumns]) {
    if (!names.has(column.name)) continue;
    const variants = Object.keys(row).filter(
      (k) => k !== column.name && k.toLowerCase() === column.name.toLowerCase(),
    );
    if (variants.length > 0) problems.push(`${column.name} arrived spelt ${variants.join(', ')}`);
    if (table.systemColumns.includes(column)) {
      if (column.name in row) problems.push(`${column.name} is a system column and was sent`);
      continue;
    }
    const source = expected(column.name);
    if (source === undefined) {
      problems.push(`${column.name}: the test knows no record field for it`);
      continue;
    }
    const problem = findingShapeProblem(column.name, column.type, row[column.name], source.value, int);
    if (problem !== undefined) problems.push(problem);
  }
  if (problems.length > 0) throw new Error(problems.join('\n'));
}

/** Rows a broken format could send in place of `row`: each dynamic column `query` names as JSON text. */
export function dynamicAsText(row: Row, query: string, table: BuiltinTable): [string, Row][] {
  const names = kqlIdentifiers(query);
  return table.columns
    .filter((c) => c.type === 'dynamic' && names.has(c.name) && row[c.name] !== undefined)
    .map((c): [string, Row] => [`${c.name} as JSON text`, { ...row, [c.name]: JSON.stringify(row[c.name]) }]);
}

/**
 * Puts `text` gzipped in s3rver under `key`, runs the real handler on its notification with
 * `format` sending to `stream` of `emulator`, and returns the rows of that object that arrived.
 */
export async function forwardFindings(
  emulator: IngestionEmulator,
  stream: string,
  format: FormatName,
  key: string,
  text: string,
): Promise<Row[]> {
  const object = await putObject(key, gzipSync(text));
  const handler = makeHandler({
    env: forwarderEnv(emulator, stream, { [ENV.format]: format, [ENV.producerName]: format }),
    clientOptions: emulator.clientOptions(),
    secretCredentialFactory: () => emulator.credential,
  });
  const response = await handler(sqsEvent(sqsRecord(s3Notification(object))), lambdaContext());
  if (response.batchItemFailures.length > 0) {
    const errors = output
      .logs()
      .filter((l) => l.level === 'ERROR' || l.level === 'WARN')
      .map((l) => JSON.stringify(l).slice(0, 600));
    throw new Error(`the forwarder did not deliver ${key}:\n${errors.join('\n')}`);
  }
  return emulator.rows(stream).filter((r) => r.S3Key === object.key);
}
