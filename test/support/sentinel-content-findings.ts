/**
 * What the findings tables' content tests (`test/integration/sentinel-content-findings.test.ts`)
 * need beyond `sentinel-content.ts` and `sentinel-content-checks.ts`: reading a rule whose `query`
 * is a plain multi-line YAML scalar (the AWS solution's "AWS Guard Duty Alert" is one), checking
 * the table's int and dynamic columns, and delivering an object to an emulator of one's own.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { ENV } from '../../lambda/contract/environment';
import type { BuiltinTable, FormatName } from '../../lambda/formats';
import { forwardObject } from './forward-object';
import { forwarderEnv, type IngestionEmulator } from './ingestion-emulator';
import { SENTINEL_CONTENT, contentQuery, kqlIdentifiers, type Row } from './sentinel-content';
import { DATETIME_CHECK, TEXT_CHECK, expectColumnsChecked, queryNames } from './sentinel-content-checks';

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
 * Throws unless every column of `table` that `query` names arrives in `row` as the table spells it
 * (no key differing in case only), holds `expected(column)` in the shape of its type, and is not a
 * system column: strings as text, datetimes as the same instant, ints as the integer the format
 * documents (`int`, given), and dynamic columns as the JSON value itself (an object or array the
 * query can read members of, never JSON text). An absent source must arrive empty.
 */
export function expectFindingColumns(
  query: string,
  table: BuiltinTable,
  row: Row,
  expected: (column: string) => { readonly value: unknown } | undefined,
  int: (source: unknown) => number | undefined = (s) => (typeof s === 'number' ? s : undefined),
): void {
  expectColumnsChecked(queryNames(query, table), table, row, expected, {
    string: TEXT_CHECK,
    datetime: DATETIME_CHECK,
    int: (column, actual, source, got) => {
      const want = int(source);
      return Number.isInteger(actual) && actual === want
        ? undefined
        : `${column} should be the integer ${want}, but is ${got}`;
    },
    dynamic: (column, actual, source, got) => {
      if (actual === null || typeof actual !== 'object')
        return `${column} should be a JSON value with members, but is ${got}`;
      return isDeepStrictEqual(actual, source)
        ? undefined
        : `${column} does not hold the record's value: ${got}`;
    },
  });
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
export function forwardFindings(
  emulator: IngestionEmulator,
  stream: string,
  format: FormatName,
  key: string,
  text: string,
): Promise<Row[]> {
  return forwardObject(
    key,
    text,
    {
      env: forwarderEnv(emulator, stream, { [ENV.format]: format, [ENV.producerName]: format }),
      clientOptions: emulator.clientOptions(),
      secretCredentialFactory: () => emulator.credential,
    },
    (objectKey) => emulator.rows(stream).filter((r) => r.S3Key === objectKey),
  );
}
