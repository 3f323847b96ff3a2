/**
 * Line splitting over already-decoded text. Pure string code (no Buffers, no streams) so format
 * modules can use it and `lib/` can still import the formats without pulling in runtime I/O.
 */

/** One line of an object's text, without its line ending. */
export interface Line {
  /** The line's text without `\n` / `\r\n`; empty when `oversized` is set. */
  readonly text: string;
  /** 1-based line number within the (decompressed) object, counting blank lines too. */
  readonly lineNumber: number;
  /** Set when the line was longer than the splitter's limit: its text was dropped, not buffered. */
  readonly oversized?: true;
}

/**
 * Longest line kept, in UTF-16 code units. Far above the 1 MB the Logs Ingestion API accepts per
 * call, so ordinary large records reach the uploader (which reports them with its own reason);
 * this cap exists only so a newline-free multi-GB object cannot exhaust the Lambda's memory.
 */
export const DEFAULT_MAX_LINE_LENGTH = 8 * 1024 * 1024;

/**
 * Incremental line splitter: push decoded string chunks, get complete lines back. Handles `\n` and
 * `\r\n`, drops empty lines (their numbers still count), and keeps a line that spans chunks in a
 * carry string only up to `maxLineLength`.
 *
 * It searches with `String.prototype.indexOf`, which is native and far faster than a per-character
 * loop or `readline` on the large chunks a gunzip stream produces.
 */
export class LineSplitter {
  private carry = '';
  private carryOversized = false;
  private lineNumber = 0;

  constructor(private readonly maxLineLength: number = DEFAULT_MAX_LINE_LENGTH) {}

  /** Appends the complete lines found in `chunk` to `out`. */
  push(chunk: string, out: Line[]): void {
    let nl = chunk.indexOf('\n');
    if (nl === -1) {
      this.append(chunk);
      return;
    }
    // The first line of this chunk completes whatever the previous chunks left over.
    if (this.carryOversized) {
      this.carryOversized = false;
      this.carry = '';
      out.push({ text: '', lineNumber: ++this.lineNumber, oversized: true });
    } else if (this.carry.length + nl > this.maxLineLength) {
      this.carry = '';
      out.push({ text: '', lineNumber: ++this.lineNumber, oversized: true });
    } else {
      const first = this.carry.length === 0 ? chunk.slice(0, nl) : this.carry + chunk.slice(0, nl);
      this.carry = '';
      this.emit(first, out);
    }
    let start = nl + 1;
    const max = this.maxLineLength;
    while ((nl = chunk.indexOf('\n', start)) !== -1) {
      if (nl - start > max) {
        out.push({ text: '', lineNumber: ++this.lineNumber, oversized: true });
      } else {
        this.emit(chunk.slice(start, nl), out);
      }
      start = nl + 1;
    }
    if (start < chunk.length) this.append(chunk.slice(start));
  }

  /** Lines counted so far (the number of the last line found). */
  get lineCount(): number {
    return this.lineNumber;
  }

  /**
   * Counts `lines` lines the caller split out of the text itself, between pushes: only where the
   * text pushed so far ended a line (the splitter holds no partial line).
   */
  skip(lines: number): void {
    if (this.carry.length > 0 || this.carryOversized) {
      throw new Error('LineSplitter.skip: a partial line is pending; skip only at a line boundary');
    }
    this.lineNumber += lines;
  }

  /** Flushes the last line when the object does not end with a newline. */
  end(out: Line[]): void {
    if (this.carryOversized) {
      out.push({ text: '', lineNumber: ++this.lineNumber, oversized: true });
    } else if (this.carry.length > 0) {
      this.emit(this.carry, out);
    }
    this.carry = '';
    this.carryOversized = false;
  }

  private append(text: string): void {
    if (this.carryOversized) return;
    if (this.carry.length + text.length > this.maxLineLength) {
      this.carry = '';
      this.carryOversized = true;
      return;
    }
    this.carry = this.carry.length === 0 ? text : this.carry + text;
  }

  private emit(text: string, out: Line[]): void {
    const lineNumber = ++this.lineNumber;
    let end = text.length;
    if (end > 0 && text.charCodeAt(end - 1) === 13 /* \r */) end--;
    if (end === 0) return;
    out.push({ text: end === text.length ? text : text.slice(0, end), lineNumber });
  }
}

/**
 * Splits decoded text chunks into lines, one array per input chunk: batching keeps the per-line
 * work synchronous, so an `await` is paid per chunk rather than per line.
 */
export async function* splitLines(
  text: AsyncIterable<string>,
  maxLineLength: number = DEFAULT_MAX_LINE_LENGTH,
): AsyncGenerator<Line[]> {
  const splitter = new LineSplitter(maxLineLength);
  for await (const chunk of text) {
    const out: Line[] = [];
    splitter.push(chunk, out);
    if (out.length > 0) yield out;
  }
  const out: Line[] = [];
  splitter.end(out);
  if (out.length > 0) yield out;
}

/** True for a line holding only spaces or tabs (cheap: only inspects lines that start with one). */
export function isBlank(text: string): boolean {
  const c = text.charCodeAt(0);
  return (c === 32 || c === 9) && text.trim().length === 0;
}
