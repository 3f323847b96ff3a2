/**
 * Record slots of line-oriented JSON (one object per line) found in the object's bytes rather than
 * its text: the forwarder's fast path for its most common input. A line that is proven to be one
 * JSON object in valid UTF-8 (an {@link ObjectScanner}, in WebAssembly where it can run) becomes a
 * `json-object` item: its bytes go to the batch as they are, with no string, no `JSON.parse` and
 * no re-encoding. Every other line (malformed, not an object, a blank or oversized line, invalid
 * UTF-8, a record split across two chunks of the stream) is decoded and yields exactly the item
 * the text path (`lineSources` over `decodeText`) yields for it, so the outcomes of an object do
 * not depend on which path a line took: only the cost does.
 */
import { isAscii, isUtf8 } from 'node:buffer';
import { ObjectTextDecoder } from '../io/object-reader';
import type { SourceItem } from './format';
import { ValueKind, type ObjectScanner } from './json-scan';
import { createJsonObjectScanner } from './json-scan-wasm';
import { DEFAULT_MAX_LINE_LENGTH, LineSplitter, type Line } from './lines';
import { pushLineItem } from './parse-helpers';
import { normalizeTime } from './time';

/** Options of {@link jsonLineSources}. */
export interface JsonLineOptions {
  /** The column a line's object becomes (its whole JSON text). */
  readonly column: string;
  /**
   * Top-level members that may hold the record's own event time, in order of preference: the first
   * that {@link normalizeTime} accepts is the row's TimeGenerated (as `jsonRecordTime` does).
   */
  readonly timeFields: readonly string[];
  /** @default DEFAULT_MAX_LINE_LENGTH */
  readonly maxLineLength?: number;
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/**
 * Splits an object's decompressed bytes into record slots, one array per chunk. The same slots as
 * `lineSources(decodeText(...))`, except that lines proven to be JSON objects come as `json-object`
 * items with their time already read.
 *
 * Within a chunk, the lines between its first and its last newline are taken from the bytes. The
 * text before the first newline (which completes a line begun in earlier chunks, or is the
 * object's first line, BOM and all) and after the last one go through the text path's own
 * decoder and splitter, which keep the line that spans chunks and its length limit.
 */
export async function* jsonLineSources(
  chunks: AsyncIterable<Buffer>,
  options: JsonLineOptions,
): AsyncGenerator<SourceItem[]> {
  const maxLineLength = options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
  const lines = new JsonLineReader(options, maxLineLength);
  const decoder = new ObjectTextDecoder();
  const splitter = new LineSplitter(maxLineLength);
  const spanning: Line[] = [];
  for await (const chunk of chunks) {
    const items: SourceItem[] = [];
    const first = chunk.indexOf(NEWLINE);
    if (first === -1) {
      splitter.push(decoder.write(chunk), spanning);
    } else {
      // The text path ends the line in progress; then the lines wholly inside this chunk.
      splitter.push(decoder.write(chunk.subarray(0, first + 1)), spanning);
      textItems(spanning, items, maxLineLength);
      const last = chunk.lastIndexOf(NEWLINE);
      splitter.skip(lines.read(chunk, first + 1, last, items, splitter.lineCount));
      if (last + 1 < chunk.length) splitter.push(decoder.write(chunk.subarray(last + 1)), spanning);
    }
    textItems(spanning, items, maxLineLength);
    if (items.length > 0) yield items;
  }
  const items: SourceItem[] = [];
  splitter.push(decoder.end(), spanning);
  splitter.end(spanning);
  textItems(spanning, items, maxLineLength);
  if (items.length > 0) yield items;
}

/** Moves the text path's lines to `items` as `lineSources` would make them. */
function textItems(lines: Line[], items: SourceItem[], maxLineLength: number): void {
  for (const line of lines) pushLineItem(line, items, maxLineLength);
  lines.length = 0;
}

/** Reads whole lines out of a chunk's bytes. */
class JsonLineReader {
  readonly #scanner: ObjectScanner;

  public constructor(
    private readonly options: JsonLineOptions,
    private readonly maxLineLength: number,
  ) {
    this.#scanner = createJsonObjectScanner(options.timeFields);
  }

  /**
   * Appends the items of the lines in `chunk[start, end]` (each ending with a newline; `end` is
   * the last one's) to `items`, numbering them after `lineNumber`. Returns how many lines it read.
   */
  public read(chunk: Buffer, start: number, end: number, items: SourceItem[], lineNumber: number): number {
    const region = chunk.subarray(start, end);
    // One check for all the lines, in the common case; line by line only when some are not UTF-8.
    const allUtf8 = isAscii(region) || isUtf8(region);
    const first = lineNumber;
    for (let s = start; s <= end;) {
      // chunk[end] is a newline, so there is always one at or before it.
      const nl = chunk.indexOf(NEWLINE, s);
      lineNumber += 1;
      let e = nl;
      // As LineSplitter: one \r before the newline is the line ending's; an empty line is no record.
      if (e > s && chunk[e - 1] === CARRIAGE_RETURN) e--;
      if (e > s) {
        if (
          nl - s <= this.maxLineLength &&
          (allUtf8 || isUtf8(chunk.subarray(s, e))) &&
          this.#scanner.scan(chunk, s, e)
        ) {
          items.push(this.#jsonObject(chunk, lineNumber));
        } else {
          this.#textItem(chunk, s, nl, lineNumber, items);
        }
      }
      s = nl + 1;
    }
    return lineNumber - first;
  }

  #jsonObject(chunk: Buffer, lineNumber: number): SourceItem {
    const scanner = this.#scanner;
    return {
      kind: 'json-object',
      lineNumber,
      column: this.options.column,
      json: chunk.subarray(scanner.objectStart, scanner.objectEnd),
      time: this.#time(chunk),
    };
  }

  /** The first of the time fields the scan found whose value is a time (as `jsonRecordTime`). */
  #time(chunk: Buffer): string | undefined {
    const { valueKind, valueStart, valueEnd } = this.#scanner;
    for (let k = 0; k < valueKind.length; k++) {
      const kind = valueKind[k];
      if (kind === ValueKind.Absent || kind === ValueKind.Other) continue;
      const start = valueStart[k];
      const end = valueEnd[k];
      let value: string | number;
      if (kind === ValueKind.Number) value = Number(chunk.toString('latin1', start, end));
      else if (kind === ValueKind.String) value = chunk.toString('utf8', start, end);
      // Escapes: the string as JSON.parse reads it (the scan proved it a valid string literal).
      else value = JSON.parse(`"${chunk.toString('utf8', start, end)}"`) as string;
      const time = normalizeTime(value);
      if (time !== undefined) return time;
    }
    return undefined;
  }

  /** A line the scan did not prove, as the text path makes it (`nl` is where its newline is). */
  #textItem(chunk: Buffer, s: number, nl: number, lineNumber: number, items: SourceItem[]): void {
    // As LineSplitter: the limit counts the line's UTF-16 code units with its \r; an empty line is none.
    const whole = chunk.toString('utf8', s, nl);
    if (whole.length > this.maxLineLength) {
      pushLineItem({ text: '', lineNumber, oversized: true }, items, this.maxLineLength);
      return;
    }
    const text = whole.charCodeAt(whole.length - 1) === CARRIAGE_RETURN ? whole.slice(0, -1) : whole;
    if (text.length > 0) pushLineItem({ text, lineNumber }, items, this.maxLineLength);
  }
}
