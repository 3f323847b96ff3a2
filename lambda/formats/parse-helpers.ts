/** Small helpers shared by the format parsers. */
import { DEFAULT_MAX_LINE_LENGTH, isBlank, splitLines, type Line } from './lines';
import type { ParsedRecord, RecordError, SourceItem } from './format';
import { isObject } from './json-values';
import { RawJson } from './raw-json';

/**
 * What V8's `JSON.parse` messages say, as fixed phrases. The messages themselves can quote the
 * record (`Unexpected token 'x', "{"user":"ab…" is not valid JSON`), and a reason is logged to
 * CloudWatch, so only the phrase of a known message is kept, never the message.
 */
const JSON_ERROR_KINDS: readonly (readonly [RegExp, string])[] = [
  [/^Unexpected end of JSON input/, 'unexpected end of input'],
  [/^Unterminated string/, 'unterminated string'],
  [/^Expected property name/, 'expected a property name'],
  [/^Expected ':'/, "expected ':' after a property name"],
  [/^Expected ',' or '\}'/, "expected ',' or '}' after a property value"],
  [/^Expected ',' or '\]'/, "expected ',' or ']' after an array element"],
  [/^Unexpected non-whitespace character after JSON/, 'more text after the JSON value'],
  [/^Bad control character/, 'control character in a string'],
  [/^Bad escaped character/, 'bad escape in a string'],
  [/^Bad Unicode escape/, 'bad Unicode escape in a string'],
  [/^(?:No number after minus sign|Exponent part is missing|Unterminated fractional number)/, 'bad number'],
  [/^Unexpected number/, 'unexpected number'],
  [/^Unexpected string/, 'unexpected string'],
  [/^Unexpected token/, 'unexpected character'],
];

/**
 * The reason for a record that `JSON.parse` refused: the error class, the position when V8 gives
 * one, and a fixed phrase for the kind of error — never V8's message, which can quote the record
 * (e.g. `not valid JSON (SyntaxError at position 17: expected ',' or '}' after a property value)`).
 */
export function jsonErrorReason(error: unknown): string {
  const name = error instanceof Error ? error.name : 'error';
  const message = error instanceof Error ? error.message : '';
  const position = / at position (\d+)/.exec(message)?.[1];
  const kind = JSON_ERROR_KINDS.find(([pattern]) => pattern.test(message))?.[1];
  return `not valid JSON (${safeName(name)}${position !== undefined ? ` at position ${position}` : ''}${
    kind !== undefined ? `: ${kind}` : ''
  })`;
}

/** An error class name as a reason may show it: letters only, else a generic word. */
function safeName(name: string): string {
  return /^[A-Za-z]{1,40}$/.test(name) ? name : 'error';
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

/**
 * `text` parsed as a JSON object, or the reason it is not one, naming the record as `what`
 * (`CloudTrail record is not a JSON object (found an array)`). A reason rather than a
 * {@link RecordError}: a record may well have a member named `error`.
 */
export function parseJsonObject(text: string, what: string): Record<string, unknown> | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return jsonErrorReason(error);
  }
  return isObject(value) ? value : `${what} is not a JSON object (found ${describeJson(value)})`;
}

/** A short name of a JSON value's type for error messages. */
export function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
