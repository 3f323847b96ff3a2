/**
 * Reading the AWS ELB solution's content vendored in `test/fixtures/sentinel-content/AWSALBAccessLogs/`
 * and `AWSNLBAccessLogs/`: its parsers (a `FunctionQuery`, which `contentQuery` does not read), the
 * schemas of the custom tables those parsers union with, and the connector's queries.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ColumnType } from '../../lambda/formats';
import { SENTINEL_CONTENT, describeValue, type Row } from './sentinel-content';

/** The KQL of a vendored parser's `FunctionQuery: |` block, its indentation removed. */
export function functionQuery(file: string): string {
  const lines = readFileSync(join(SENTINEL_CONTENT, file), 'utf8').split(/\r?\n/);
  const start = lines.findIndex((line) => /^FunctionQuery:\s*\|[-+]?\s*$/.test(line));
  if (start === -1) throw new Error(`${file} has no 'FunctionQuery: |' block`);
  const body: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() !== '' && !/^\s/.test(line)) break;
    body.push(line.trim());
  }
  const query = body.join('\n').trim();
  if (query === '') throw new Error(`${file}: the FunctionQuery block is empty`);
  return query;
}

/** The tables of a query that is one `union [isfuzzy=true] A, B, ...`. */
export function unionTables(query: string): string[] {
  const match = /^union\s+(?:isfuzzy\s*=\s*true\s+)?([A-Za-z0-9_,\s]+)$/.exec(query.trim());
  if (match === null) throw new Error(`not a plain union of tables: ${query}`);
  return match[1].split(',').map((t) => t.trim());
}

/** A custom table schema of Sentinel's KQL validation tests (`{ Name, Properties: [{name, type}] }`). */
export function customTableSchema(file: string): { name: string; columns: Map<string, string> } {
  const json = JSON.parse(readFileSync(join(SENTINEL_CONTENT, file), 'utf8')) as {
    Name: string;
    Properties: { name: string; type: string }[];
  };
  return { name: json.Name, columns: new Map(json.Properties.map((p) => [p.name, p.type])) };
}

/** The connector's `lastDataReceivedQuery` for the data type (the parser) `name`. */
export function lastDataReceivedQuery(file: string, name: string): string {
  const json = JSON.parse(readFileSync(join(SENTINEL_CONTENT, file), 'utf8')) as {
    dataTypes: { name: string; lastDataReceivedQuery: string }[];
  };
  const entry = json.dataTypes.find((d) => d.name === name);
  if (entry === undefined) throw new Error(`${file} has no data type ${name}`);
  return entry.lastDataReceivedQuery;
}

/**
 * Why `value` would not stay in one column when `union` merges it with a column of `type` (Kusto
 * then makes `<name>_<type>` columns, one per type), or `undefined` when it would.
 */
export function unionTypeProblem(column: string, value: unknown, type: string): string | undefined {
  const fits = ((): boolean => {
    switch (type as ColumnType) {
      case 'string':
        return typeof value === 'string';
      case 'int':
        return Number.isInteger(value) && (value as number) >= -(2 ** 31) && (value as number) < 2 ** 31;
      case 'long':
        return Number.isSafeInteger(value);
      case 'datetime':
        return typeof value === 'string' && !Number.isNaN(Date.parse(value));
      default:
        return false;
    }
  })();
  return fits
    ? undefined
    : `${column} is ${type} in the custom table, but the row has ${describeValue(value)}`;
}

/** Keys of `row` that differ from one of `names` in case only: a column Kusto would not find. */
export function caseVariants(row: Row, names: Iterable<string>): string[] {
  const byLower = new Map([...names].map((n) => [n.toLowerCase(), n]));
  return Object.keys(row).flatMap((key) => {
    const name = byLower.get(key.toLowerCase());
    return name !== undefined && name !== key ? [`${key} (the table spells ${name})`] : [];
  });
}
