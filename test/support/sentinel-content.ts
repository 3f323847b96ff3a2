/**
 * Reading Microsoft Sentinel's content (the analytics rules and the ASIM parser vendored in
 * `test/fixtures/sentinel-content/`) in tests, and the few KQL operators their queries apply to a
 * row, with Kusto's semantics, so a test can say what a query needs of a column in the query's own
 * terms. This is not a KQL engine: each function is one operator, used by tests that name the query
 * text they stand for.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The folder of vendored Sentinel content. */
export const SENTINEL_CONTENT = join(__dirname, '..', 'fixtures', 'sentinel-content');

/** A row as it reached the Logs Ingestion emulator: column name → value. */
export type Row = Record<string, unknown>;

/**
 * The KQL of a vendored content file: an analytics rule's `query`, or a parser's `ParserQuery`.
 * Both are YAML literal block scalars (`key: |`); read line by line (the repo has no YAML parser
 * of its own to depend on): every line after the key indented at least as much as the first, with
 * that indentation removed, trailing blank lines dropped.
 */
export function contentQuery(file: string): string {
  const lines = readFileSync(join(SENTINEL_CONTENT, file), 'utf8').split(/\r?\n/);
  const start = lines.findIndex((line) => /^(query|ParserQuery):\s*\|[-+]?\s*$/.test(line));
  if (start === -1) throw new Error(`${file} has no 'query: |' or 'ParserQuery: |' block`);
  const body: string[] = [];
  let indent: number | undefined;
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '') {
      body.push('');
      continue;
    }
    const own = line.length - line.trimStart().length;
    indent ??= own;
    if (own < indent) break;
    body.push(line.slice(indent));
  }
  while (body.length > 0 && body[body.length - 1] === '') body.pop();
  if (body.length === 0) throw new Error(`${file}: the query block is empty`);
  return body.join('\n');
}

/**
 * `query` with its string literals (`"…"`, `'…'` with backslash escapes; `@"…"`, `@'…'` verbatim)
 * replaced by `""`, and its `//` comments removed: what is left names columns, functions and
 * operators only.
 */
export function withoutStringsAndComments(query: string): string {
  let out = '';
  let i = 0;
  while (i < query.length) {
    const c = query[i];
    if (c === '/' && query[i + 1] === '/') {
      while (i < query.length && query[i] !== '\n') i++;
      continue;
    }
    if (c === '@' && (query[i + 1] === '"' || query[i + 1] === "'")) {
      const quote = query[i + 1];
      i += 2;
      while (i < query.length) {
        if (query[i] === quote && query[i + 1] === quote) i += 2;
        else if (query[i++] === quote) break;
      }
      out += '""';
      continue;
    }
    if (c === '"' || c === "'") {
      i++;
      while (i < query.length && query[i] !== c) i += query[i] === '\\' ? 2 : 1;
      i++;
      out += '""';
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

/**
 * The names a query uses outside string literals and comments, except members of a dynamic value
 * (`parse_json(X).MFAUsed`): columns, aliases, functions and keywords alike. Tests intersect it with
 * a table's columns.
 */
export function kqlIdentifiers(query: string): Set<string> {
  const code = withoutStringsAndComments(query);
  const names = new Set<string>();
  for (const match of code.matchAll(/[A-Za-z_][A-Za-z0-9_]*/g)) {
    const before = code.slice(0, match.index).trimEnd();
    if (before.endsWith('.')) continue;
    if (/[0-9]$/.test(code.slice(0, match.index))) continue; // the unit of a timespan (14d, 5m)
    names.add(match[0]);
  }
  return names;
}

/** `text` with every run of white space made one space, to find a query fragment however it wraps. */
export function squashSpace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** The elements of `let <name> = dynamic([...]);` in `query`. */
export function kqlLetList(query: string, name: string): string[] {
  const match = new RegExp(`let\\s+${name}\\s*=\\s*dynamic\\((\\[[^\\]]*\\])\\)`).exec(query);
  if (match === null) throw new Error(`no 'let ${name} = dynamic([...])' in the query`);
  return JSON.parse(match[1]) as string[];
}

/** The number of `let <name> = <integer>;` in `query`. */
export function kqlLetNumber(query: string, name: string): number {
  const match = new RegExp(`let\\s+${name}\\s*=\\s*(\\d+)\\s*;`).exec(query);
  if (match === null) throw new Error(`no 'let ${name} = <integer>;' in the query`);
  return Number(match[1]);
}

/**
 * The rows of `let <name> = datatable(...) [ ... ];` in `query`, each cell an integer or a string,
 * with the declared column types: `[['Protocol', 'int'], ...]` and `[[6, 'TCP'], ...]`.
 */
export function kqlDatatable(
  query: string,
  name: string,
): { columns: [string, string][]; rows: (string | number)[][] } {
  const match = new RegExp(
    `let\\s+${name}\\s*=\\s*datatable\\s*\\(([^)]*)\\)\\s*\\[([\\s\\S]*?)\\]\\s*;`,
  ).exec(query);
  if (match === null) throw new Error(`no 'let ${name} = datatable(...) [...];' in the query`);
  const columns = match[1].split(',').map((c) => c.split(':').map((s) => s.trim()) as [string, string]);
  const cells = [...match[2].matchAll(/"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|(-?\d+)/g)].map((m) =>
    m[3] !== undefined ? Number(m[3]) : (m[1] ?? m[2]),
  );
  if (cells.length % columns.length !== 0) throw new Error(`datatable ${name}: a row is incomplete`);
  const rows: (string | number)[][] = [];
  for (let i = 0; i < cells.length; i += columns.length) rows.push(cells.slice(i, i + columns.length));
  return { columns, rows };
}

// --- KQL operators on one row's values --------------------------------------------------------

/**
 * `parse_json(Column)` where the query expects the column to hold JSON text: the parsed value.
 * Throws unless the column is a string that parses, which is what the vendored table's `string`
 * type and the query's member access both need (an object arriving in a string column is refused).
 */
export function parseJsonText(row: Row, column: string): unknown {
  const value = row[column];
  if (typeof value !== 'string') {
    throw new Error(`${column} must be JSON text for parse_json(${column}); it is ${describeValue(value)}`);
  }
  try {
    return JSON.parse(value) as unknown;
  } catch {
    throw new Error(`${column} is not JSON text that parse_json reads: ${value.slice(0, 80)}`);
  }
}

/** `parse_json(x)` of a dynamic value: a string is parsed when it is JSON, anything else kept. */
export function parseJsonValue(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

/**
 * `x.a.b[0]` on a dynamic value: an object's member or an array's element (a negative index counts
 * from the end), `undefined` (Kusto's null) wherever the path leads nowhere.
 */
export function member(value: unknown, ...path: (string | number)[]): unknown {
  let current = value;
  for (const step of path) {
    if (typeof step === 'number') current = Array.isArray(current) ? current.at(step) : undefined;
    else if (current !== null && typeof current === 'object' && !Array.isArray(current)) {
      current = (current as Record<string, unknown>)[step];
    } else current = undefined;
  }
  return current;
}

/** `mv-expand x`: an array's elements; any other value once (Kusto expands a scalar to itself). */
export function mvExpand(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** `toint(x)`: an integer from a number or numeric text, `undefined` (null) otherwise. */
export function toint(value: unknown): number | undefined {
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^-?\d+$/.test(value)
        ? Number(value)
        : NaN;
  return Number.isFinite(n) ? Math.trunc(n) : undefined;
}

/** `tostring(x)`: null/absent → `""`, a string as it is, other scalars as text, arrays/objects as JSON. */
export function tostring(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** `isempty(x)`: absent, null or `""` (a string column never holds null in Kusto: absent reads as `""`). */
export function isempty(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

/** `a =~ b`: case-insensitive string equality. */
export function equalsCi(a: unknown, b: string): boolean {
  return typeof a === 'string' && a.toLowerCase() === b.toLowerCase();
}

/** `a in~ (list)`. */
export function inCi(a: unknown, list: readonly string[]): boolean {
  return list.some((item) => equalsCi(a, item));
}

/** `a contains b`: case-insensitive substring. An absent string column reads as `""`. */
export function contains(a: unknown, b: string): boolean {
  return tostring(a).toLowerCase().includes(b.toLowerCase());
}

/** `a startswith b`: case-insensitive prefix. */
export function startswith(a: unknown, b: string): boolean {
  return tostring(a).toLowerCase().startsWith(b.toLowerCase());
}

/**
 * `a has b`: `b` is a whole term of `a` (terms are runs of letters and digits), case-insensitive.
 * A needle with no letter or digit has no term to match; Kusto then searches it as a substring.
 */
export function has(a: unknown, b: string): boolean {
  const text = tostring(a).toLowerCase();
  const needle = b.toLowerCase();
  if (!/[a-z0-9]/.test(needle)) return text.includes(needle);
  const escaped = needle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^a-z0-9])${escaped}($|[^a-z0-9])`).test(text);
}

/** `a has_any (list)`. */
export function hasAny(a: unknown, list: readonly string[]): boolean {
  return list.some((b) => has(a, b));
}

/** `split(a, separator)[index]` (a negative index counts from the end), `""` when out of range. */
export function splitAt(a: unknown, separator: string, index: number): string {
  const parts = tostring(a).split(separator);
  return parts.at(index) ?? '';
}

/** `substring(a, indexof_regex(a, ":") + 1)`: what follows the first `:`, or all of `a` without one. */
export function afterFirstColon(a: unknown): string {
  const text = tostring(a);
  return text.slice(text.indexOf(':') + 1);
}

/** `ipv4_is_private(ip)`: in 10/8, 172.16/12 or 192.168/16 (RFC 1918). */
export function ipv4IsPrivate(ip: unknown): boolean {
  const octets = tostring(ip).split('.').map(Number);
  if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255)) {
    throw new Error(`not an IPv4 address: ${describeValue(ip)}`);
  }
  const [a, b] = octets;
  return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
}

/** A datetime column's value as epoch milliseconds; throws unless it is a datetime. */
export function datetime(value: unknown): number {
  const ms = typeof value === 'string' ? Date.parse(value) : NaN;
  if (!Number.isFinite(ms)) throw new Error(`not a datetime: ${describeValue(value)}`);
  return ms;
}

/** `bin(TimeGenerated, <minutes>m)` as epoch milliseconds. */
export function binMinutes(value: unknown, minutes: number): number {
  const width = minutes * 60_000;
  return Math.floor(datetime(value) / width) * width;
}

/**
 * The `Account` entity most AWS rules build: `UserIdentityArn` falling back to
 * `tostring(parse_json(Resources)[0].ARN)`, its last `/` segment as `UserName`, then
 * `case(UserIdentityPrincipalid == "Anonymous", "Anonymous", isempty(UserIdentityUserName), UserName, UserIdentityUserName)`.
 */
export function accountName(row: Row): string {
  const arn = isempty(row.UserIdentityArn)
    ? tostring((parseJsonValue(row.Resources) as { ARN?: unknown }[] | undefined)?.[0]?.ARN)
    : tostring(row.UserIdentityArn);
  const userName = splitAt(arn, '/', -1);
  if (row.UserIdentityPrincipalid === 'Anonymous') return 'Anonymous';
  return isempty(row.UserIdentityUserName) ? userName : tostring(row.UserIdentityUserName);
}

/** A value, briefly, for a message. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'absent';
  if (typeof value === 'string') return `the string ${JSON.stringify(value).slice(0, 80)}`;
  if (value !== null && typeof value === 'object')
    return `a ${Array.isArray(value) ? 'JSON array' : 'JSON object'}`;
  return `${typeof value} ${String(value)}`;
}
