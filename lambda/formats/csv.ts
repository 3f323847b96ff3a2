import type { FormatDefinition, FormatParser, ParsedRecord, RecordError, SourceItem } from './format';
import { DEFAULT_MAX_LINE_LENGTH } from './lines';
import { jsonRecordTime } from './time';

/**
 * Generic CSV (RFC 4180) into a custom table: the first non-empty record is the header and names
 * the fields; each later record lands in the `Record` column as `{ <header>: <value> }` (dynamic,
 * like `ndjson`), since the header is known only when the object is read.
 *
 * - Fields are separated by the delimiter option (`,` by default; also tab, `;`, `|`). A field that
 *   starts with `"` is quoted: it may hold the delimiter, line breaks and `""` for one quote. A
 *   quote inside an unquoted field is kept as written.
 * - A record may span lines (line breaks inside quotes): its line number is the line it starts on.
 *   A record is buffered only up to {@link DEFAULT_MAX_LINE_LENGTH} characters, as lines are
 *   (`lines.ts`): a longer one is isolated as malformed without being held in memory.
 * - Empty (or blank) lines are skipped; `\r\n` and `\n` both end a record.
 * - A record with more or fewer fields than the header, or with text after a closing quote, is
 *   malformed; so is every record of an object whose header has an empty or repeated name.
 * - Values stay strings; TimeGenerated comes from a `time`/`timestamp`-like field when one holds a
 *   time (the `ndjson` rules, `jsonRecordTime`), else the S3 event time.
 */

/** The delimiters the `delimiter` option accepts. */
export const CSV_DELIMITERS = [',', '\t', ';', '|'] as const;
export type CsvDelimiter = (typeof CSV_DELIMITERS)[number];

/** The csv format's options (env FORMAT_OPTIONS, e.g. `{"delimiter": ";"}`). */
export interface CsvOptions {
  /** @default ',' */
  readonly delimiter?: CsvDelimiter;
}

const QUOTE = 34; // "
const NEWLINE = 10; // \n
const CR = 13; // \r

/** Checks FORMAT_OPTIONS for csv: an object with at most `delimiter`, one of {@link CSV_DELIMITERS}. */
export function parseCsvOptions(raw: unknown): { readonly options?: CsvOptions; readonly problem?: string } {
  const allowed = CSV_DELIMITERS.map((d) => JSON.stringify(d)).join(', ');
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return { problem: `csv options must be an object such as {"delimiter": ";"}` };
  }
  const unknown = Object.keys(raw).filter((k) => k !== 'delimiter');
  if (unknown.length > 0) {
    return {
      problem: `csv options have unknown field ${unknown.map((k) => JSON.stringify(k)).join(', ')}: csv takes only delimiter (${allowed})`,
    };
  }
  const { delimiter } = raw as { delimiter?: unknown };
  if (delimiter === undefined) return { options: {} };
  if (!(CSV_DELIMITERS as readonly unknown[]).includes(delimiter)) {
    return { problem: `csv delimiter ${JSON.stringify(delimiter)} is not supported; use one of ${allowed}` };
  }
  return { options: { delimiter: delimiter as CsvDelimiter } };
}

/** Where the record scanner stands. */
const Scan = {
  /** At the start of a field (a quote here opens a quoted field). */
  FieldStart: 0,
  /** Inside an unquoted field. */
  Unquoted: 1,
  /** Inside a quoted field. */
  Quoted: 2,
  /** Just after a quote inside a quoted field: `""` (one quote) or the closing quote. */
  QuoteInQuoted: 3,
} as const;
type Scan = (typeof Scan)[keyof typeof Scan];

/**
 * Splits decoded text into CSV records, one array per chunk: the text of each record (without its
 * line ending) and the line it starts on, or a `malformed` slot for one too long to keep or never
 * closed. Keeps at most one record's text (up to `maxLength`) across chunks.
 */
export class CsvRecordSplitter {
  private state: Scan = Scan.FieldStart;
  private carry = '';
  private oversized = false;
  /** Lines ended so far. */
  private lines = 0;
  /** The line the record being read starts on (1-based). */
  private startLine = 1;

  constructor(
    private readonly delimiter: number,
    private readonly maxLength: number = DEFAULT_MAX_LINE_LENGTH,
  ) {}

  /** Appends the records completed in `chunk` to `out`. */
  push(chunk: string, out: SourceItem[]): void {
    const delimiter = this.delimiter;
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      switch (this.state) {
        case Scan.Quoted:
          if (c === QUOTE) this.state = Scan.QuoteInQuoted;
          else if (c === NEWLINE) this.lines++;
          continue;
        case Scan.QuoteInQuoted:
          if (c === QUOTE) {
            this.state = Scan.Quoted;
            continue;
          }
          break;
        case Scan.FieldStart:
          if (c === QUOTE) {
            this.state = Scan.Quoted;
            continue;
          }
          break;
        case Scan.Unquoted:
          break;
      }
      // Outside quotes (after a closing quote, text up to the delimiter is kept for `parse` to refuse).
      if (c === delimiter) this.state = Scan.FieldStart;
      else if (c === NEWLINE) {
        this.lines++;
        this.close(chunk.slice(start, i), out);
        start = i + 1;
      } else this.state = Scan.Unquoted;
    }
    if (start < chunk.length) this.append(chunk.slice(start));
  }

  /** Flushes the last record when the object does not end with a line break. */
  end(out: SourceItem[]): void {
    if (this.state === Scan.Quoted) {
      out.push({
        kind: 'malformed',
        lineNumber: this.startLine,
        reason:
          `a quoted field opened on line ${this.startLine} is never closed: the object ends inside it; close the ` +
          'field with a quote ("). The lines after that line are read as records of their own',
      });
      // What the open quote swallowed is read again line by line, so one stray quote costs one record,
      // not the rest of the object (the same on every read: continuations stay aligned).
      const newline = this.carry.indexOf('\n');
      const rest = this.oversized || newline === -1 ? '' : this.carry.slice(newline + 1);
      const again = new CsvRecordSplitter(this.delimiter, this.maxLength);
      again.lines = this.startLine;
      again.startLine = this.startLine + 1;
      this.carry = '';
      this.oversized = false;
      this.state = Scan.FieldStart;
      if (rest.length > 0) {
        again.push(rest, out);
        again.end(out);
      }
      return;
    } else if (this.carry.length > 0 || this.oversized) {
      this.close('', out);
    }
    this.carry = '';
    this.oversized = false;
  }

  /** Ends the record whose last piece is `tail`. */
  private close(tail: string, out: SourceItem[]): void {
    const lineNumber = this.startLine;
    this.startLine = this.lines + 1;
    this.state = Scan.FieldStart;
    if (this.oversized || this.carry.length + tail.length > this.maxLength) {
      this.carry = '';
      this.oversized = false;
      out.push({
        kind: 'malformed',
        lineNumber,
        reason: `record longer than ${this.maxLength} characters; skipped without buffering it`,
      });
      return;
    }
    let text = this.carry.length === 0 ? tail : this.carry + tail;
    this.carry = '';
    if (text.length > 0 && text.charCodeAt(text.length - 1) === CR) text = text.slice(0, -1);
    // An empty or blank line holds no record (a quoted field never leaves a record blank).
    if (text.length === 0 || text.trim().length === 0) return;
    out.push({ kind: 'record', text, lineNumber });
  }

  private append(text: string): void {
    if (this.oversized) return;
    if (this.carry.length + text.length > this.maxLength) {
      this.carry = '';
      this.oversized = true;
      return;
    }
    this.carry = this.carry.length === 0 ? text : this.carry + text;
  }
}

/**
 * The fields of one record's text (RFC 4180 with `delimiter`), or why it cannot be read. The text is
 * a whole record as {@link CsvRecordSplitter} found it, so quotes are balanced.
 */
export function csvFields(text: string, delimiter: string): string[] | { readonly error: string } {
  const fields: string[] = [];
  const d = delimiter.charCodeAt(0);
  let i = 0;
  for (;;) {
    if (text.charCodeAt(i) === QUOTE) {
      // A quoted field: up to the closing quote, `""` standing for one quote.
      let value = '';
      let from = i + 1;
      for (;;) {
        const q = text.indexOf('"', from);
        if (q === -1) return { error: `a quoted field (field ${fields.length + 1}) is never closed` };
        if (text.charCodeAt(q + 1) === QUOTE) {
          value += text.slice(from, q + 1);
          from = q + 2;
          continue;
        }
        value += text.slice(from, q);
        i = q + 1;
        break;
      }
      fields.push(value);
      if (i === text.length) return fields;
      if (text.charCodeAt(i) !== d) {
        return {
          error: `text after the closing quote of field ${fields.length}; a quoted field must end at the delimiter, and a quote inside it is written ""`,
        };
      }
      i++;
      continue;
    }
    const next = text.indexOf(delimiter, i);
    if (next === -1) {
      fields.push(text.slice(i));
      return fields;
    }
    fields.push(text.slice(i, next));
    i = next + 1;
  }
}

/** The header's names, or why they cannot name the fields (an empty or repeated name). */
function headerNames(fields: readonly string[]): string[] | { readonly error: string } {
  const names = fields.map((f, i) => (i === 0 ? f.replace(/^\uFEFF/, '') : f).trim());
  for (const [i, name] of names.entries()) {
    if (name === '') {
      return {
        error: `the header's column ${i + 1} has no name; give every column of the first line a name`,
      };
    }
    const first = names.indexOf(name);
    if (first < i) {
      return {
        error: `the header's column ${i + 1} (${JSON.stringify(name)}) repeats column ${first + 1}; give every column of the first line a different name`,
      };
    }
  }
  return names;
}

/** A parser for one CSV object with `options` (already checked by {@link parseCsvOptions}). */
function createCsvParser(options: CsvOptions = {}): FormatParser {
  const delimiter = options.delimiter ?? ',';
  const shown = delimiter === '\t' ? 'tab' : JSON.stringify(delimiter);
  /** The header's names, or the problem that makes every record of the object malformed. */
  let header: string[] | { readonly error: string; readonly lineNumber: number } | undefined;
  return {
    async *split(text: AsyncIterable<string>): AsyncGenerator<SourceItem[]> {
      const splitter = new CsvRecordSplitter(delimiter.charCodeAt(0));
      const take = (items: SourceItem[]): SourceItem[] => {
        if (header !== undefined || items.length === 0) return items;
        // The first record is the header: it names the fields and is no record slot itself.
        const [first, ...rest] = items;
        if (first.kind === 'record') {
          const fields = csvFields(first.text, delimiter);
          const names = Array.isArray(fields) ? headerNames(fields) : fields;
          header = Array.isArray(names) ? names : { error: names.error, lineNumber: first.lineNumber };
        } else if (first.kind === 'malformed') {
          header = { error: first.reason, lineNumber: first.lineNumber };
        }
        return rest;
      };
      for await (const chunk of text) {
        const out: SourceItem[] = [];
        splitter.push(chunk, out);
        const items = take(out);
        if (items.length > 0) yield items;
      }
      const out: SourceItem[] = [];
      splitter.end(out);
      const items = take(out);
      if (items.length > 0) yield items;
    },
    parse(text: string, lineNumber: number): ParsedRecord | RecordError {
      if (header === undefined || !Array.isArray(header)) {
        const problem = header ?? { error: 'no header', lineNumber: 1 };
        return { error: `the header (line ${problem.lineNumber}) cannot name the fields: ${problem.error}` };
      }
      const fields = csvFields(text, delimiter);
      if (!Array.isArray(fields)) return { error: `line ${lineNumber}: ${fields.error}` };
      if (fields.length !== header.length) {
        return {
          error:
            `line ${lineNumber}: ${fields.length} field${fields.length === 1 ? '' : 's'}, but the header has ` +
            `${header.length}; quote fields that contain the delimiter (${shown}) or a line break, or set the ` +
            'delimiter the file uses (format option delimiter)',
        };
      }
      const record: Record<string, string> = {};
      for (let i = 0; i < fields.length; i++) record[header[i]] = fields[i];
      const time = jsonRecordTime(record);
      return { fields: { Record: record }, ...(time !== undefined ? { time } : {}) };
    },
  };
}

/** Generic CSV with a header row: each record lands in the Record column, keyed by the header. */
export const csvFormat: FormatDefinition = {
  name: 'csv',
  description:
    'CSV (RFC 4180) with a header row; delimiter option , (default), tab, ; or |. Each record lands in the Record column, keyed by the header.',
  columns: [
    {
      name: 'Record',
      type: 'dynamic',
      description: "The record's fields, keyed by the header's names; every value a string.",
    },
  ],
  options: { parse: parseCsvOptions },
  createParser: (_object, options) => createCsvParser(options as CsvOptions | undefined),
};
