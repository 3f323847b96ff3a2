import { jsonStringEnd } from './compact-json';

/**
 * Numbers `JSON.parse` cannot keep exactly, and the source text that keeps them: a record holding
 * one has the affected values sent as written rather than re-serialized, so every digit reaches Azure.
 */

/**
 * A run of 16 digits (an integer past 2^53 has at least that many) or a three-digit exponent: the
 * cheap cue to look for numbers {@link hasInexactNumber} would find.
 */
const LONG_NUMBER = /\d{16}|\d[eE]\+?\d{3}/;

/**
 * Whether a parsed JSON value holds a number `JSON.parse` could not keep exactly: an integer past
 * 2^53 (rounded: `12345678901234567891` → `12345678901234567000`) or one too large for a double
 * (`1e400` → `Infinity`, which `JSON.stringify` writes as `null`).
 */
export function hasInexactNumber(value: unknown): boolean {
  if (typeof value === 'number')
    return !Number.isFinite(value) || (Number.isInteger(value) && !Number.isSafeInteger(value));
  if (value === null || typeof value !== 'object') return false;
  for (const item of Object.values(value)) if (hasInexactNumber(item)) return true;
  return false;
}

/**
 * Whether `value`, parsed from `text` (or from part of it), holds an inexact number. The regex runs
 * first: walking every record's values in JS is not free, and almost no record has a long number.
 */
export function holdsInexactNumber(text: string, value: unknown): boolean {
  return LONG_NUMBER.test(text) && hasInexactNumber(value);
}

/** Index just past the JSON value that starts at `i`. */
function valueEnd(text: string, i: number): number {
  const c = text[i];
  if (c === '"') return jsonStringEnd(text, i);
  if (c === '{' || c === '[') {
    let depth = 0;
    let j = i;
    while (j < text.length) {
      const d = text[j];
      if (d === '"') {
        j = jsonStringEnd(text, j);
        continue;
      }
      if (d === '{' || d === '[') depth++;
      else if ((d === '}' || d === ']') && --depth === 0) return j + 1;
      j++;
    }
    return j;
  }
  let j = i;
  while (j < text.length && !',}] \t\r\n'.includes(text[j])) j++;
  return j;
}

/**
 * The source text of each top-level member of a JSON object's text, by key (the last of duplicate
 * keys, as `JSON.parse` keeps). The text must be one JSON object that `JSON.parse` accepted.
 */
export function topLevelMemberTexts(text: string): Map<string, string> {
  const members = new Map<string, string>();
  let i = text.indexOf('{') + 1;
  while (i < text.length) {
    const c = text[i];
    if (c === '}') break;
    if (c !== '"') {
      i++; // whitespace or a comma
      continue;
    }
    const keyEnd = jsonStringEnd(text, i);
    const key = JSON.parse(text.slice(i, keyEnd)) as string;
    i = text.indexOf(':', keyEnd) + 1;
    while (' \t\r\n'.includes(text[i])) i++;
    const end = valueEnd(text, i);
    members.set(key, text.slice(i, end));
    i = end;
  }
  return members;
}

/** The source text of the value at `path` in a JSON object's text (each step an object member), or `undefined`. */
export function sourceAt(text: string, path: readonly string[]): string | undefined {
  let current: string | undefined = text;
  for (const key of path) current = current === undefined ? undefined : topLevelMemberTexts(current).get(key);
  return current;
}
