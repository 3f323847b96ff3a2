/** Small helpers shared by the format parsers. */
import { DEFAULT_MAX_LINE_LENGTH, isBlank, splitLines, type Line } from './lines';
import type { ParsedRecord, RecordError, SourceItem } from './format';
import { RawJson } from './raw-json';

/** Longest excerpt of a parser's own error message kept in a malformed-record reason. */
const MAX_REASON_DETAIL = 160;

/** The reason for a record that `JSON.parse` refused, with V8's message shortened. */
export function jsonErrorReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const detail = message.length > MAX_REASON_DETAIL ? `${message.slice(0, MAX_REASON_DETAIL)}…` : message;
  return `not valid JSON: ${detail}`;
}

/** The reason reported for a line longer than the reader keeps. */
export function oversizedLineReason(maxLineLength: number): string {
  return `line longer than ${maxLineLength} characters; skipped without buffering it`;
}

/**
 * Record slots of a line-oriented format: one per line that is not blank. `accept` may claim a line
 * as not being a record (a header) by returning false.
 */
export async function* lineSources(
  text: AsyncIterable<string>,
  accept: (text: string, lineNumber: number) => boolean = () => true,
  maxLineLength: number = DEFAULT_MAX_LINE_LENGTH,
): AsyncGenerator<SourceItem[]> {
  for await (const batch of splitLines(text, maxLineLength)) {
    const items: SourceItem[] = [];
    for (const line of batch) pushLineItem(line, items, maxLineLength, accept);
    if (items.length > 0) yield items;
  }
}

/**
 * Appends the record slot of `line` to `items`: malformed if it was too long, none if it is blank
 * or `accept` refuses it, else a record.
 */
export function pushLineItem(
  line: Line,
  items: SourceItem[],
  maxLineLength: number,
  accept: (text: string, lineNumber: number) => boolean = () => true,
): void {
  if (line.oversized) {
    items.push({
      kind: 'malformed',
      lineNumber: line.lineNumber,
      reason: oversizedLineReason(maxLineLength),
    });
  } else if (!isBlank(line.text) && accept(line.text, line.lineNumber)) {
    items.push({ kind: 'record', text: line.text, lineNumber: line.lineNumber });
  }
}

/**
 * Parses a JSON object record into the `Record` column, with its own event time if it has one.
 * The column carries the record's trimmed source text as a {@link RawJson}: the parse has just
 * proven it is one JSON object, so the batcher sends it as is instead of serializing it again.
 */
export function parseJsonObjectRecord(
  text: string,
  timeOf: (record: Record<string, unknown>) => string | undefined,
): ParsedRecord | RecordError {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { error: jsonErrorReason(error) };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { error: `not a JSON object (found ${describeJson(value)})` };
  }
  const record = value as Record<string, unknown>;
  return { fields: { Record: new RawJson(record, text.trim()) }, time: timeOf(record) };
}

/** A short name of a JSON value's type for error messages. */
export function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
