/**
 * JSON source text without its insignificant whitespace, every other character as written. For a
 * value whose parsed form would lose something (an integer past 2^53, which `JSON.parse` rounds):
 * its source text, compacted, is still exact, where `JSON.stringify` of the parsed value is not.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Whether `c` is whitespace JSON allows between tokens (RFC 8259: space, tab, LF, CR). */
function isJsonSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/**
 * Index just past the JSON string whose opening quote is at `i` (or the text's length if the
 * string is not closed).
 */
export function jsonStringEnd(text: string, i: number): number {
  let j = i + 1;
  while (j < text.length) {
    const c = text.charCodeAt(j);
    if (c === QUOTE) return j + 1;
    j += c === BACKSLASH ? 2 : 1;
  }
  return text.length;
}

/**
 * `text`, one JSON value `JSON.parse` accepts, with the whitespace between its tokens removed:
 * strings (whitespace and escapes inside them included), numbers and literals are kept exactly as
 * written. Text that is already compact is returned as is.
 */
export function compactJson(text: string): string {
  let out = '';
  /** Start of the run of characters not yet copied to `out`. */
  let start = 0;
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = jsonStringEnd(text, i);
    } else if (isJsonSpace(c)) {
      out += text.slice(start, i);
      do i++;
      while (i < text.length && isJsonSpace(text.charCodeAt(i)));
      start = i;
    } else {
      i++;
    }
  }
  return start === 0 ? text : out + text.slice(start);
}
