/**
 * A JSON object scanner over UTF-8 bytes: proves that a line is one JSON object, and finds a few
 * top-level members, without building the object. `JSON.parse` needs the bytes decoded to a string
 * first, builds every nested object and string, and the batcher then encodes the text back to
 * UTF-8; for line-oriented JSON logs that was most of the forwarder's CPU (see `npm run bench`).
 *
 * The scanner is one-sided on purpose: when it accepts, `JSON.parse` of the same text succeeds
 * with an object; when it refuses, nothing is concluded and the caller parses the line the
 * ordinary way (which then reports the exact error). So it may refuse valid JSON it does not
 * bother with (a top-level key written with escapes, nesting deeper than {@link MAX_DEPTH}), but
 * must never accept text `JSON.parse` refuses. UTF-8 validity is not its job: the caller checks
 * that separately (`buffer.isUtf8`), since inside strings any byte from 0x80 up is accepted here.
 */

/** Deepest nesting scanned; deeper lines are left to `JSON.parse` (which has no such limit). */
export const MAX_DEPTH = 512;

/** How a recorded top-level member's value is written ({@link JsonObjectScanner.valueKind}). */
export const ValueKind = {
  /** The key was not seen at the top level. */
  Absent: 0,
  /** A string without escapes: its characters are the bytes between the quotes. */
  String: 1,
  /** A string with escapes. */
  EscapedString: 2,
  Number: 3,
  /** An object, array, `true`, `false` or `null`. */
  Other: 4,
} as const;

/** Bytes a string may hold without ending or escaping: all but `"`, `\` and control characters. */
const STRING_STOP = new Uint8Array(256);
for (let c = 0; c < 0x20; c++) STRING_STOP[c] = 1;
STRING_STOP[0x22] = 1;
STRING_STOP[0x5c] = 1;
/** Characters allowed after a backslash, except `u` (which needs four hex digits). */
const SIMPLE_ESCAPE = new Uint8Array(256);
for (const c of '"\\/bfnrt') SIMPLE_ESCAPE[c.charCodeAt(0)] = 1;
const HEX_DIGIT = new Uint8Array(256);
for (const c of '0123456789abcdefABCDEF') HEX_DIGIT[c.charCodeAt(0)] = 1;

const OBJECT = 1;
const ARRAY = 2;

/**
 * Scans lines for one JSON object each, recording where the last top-level occurrence of each of
 * the constructor's keys has its value (the one `JSON.parse` keeps when a key repeats). Reuse one
 * scanner for many lines: its results are overwritten by each {@link scan}, and read only after
 * one that returned true. Two implementations, tested alike: {@link JsonObjectScanner} here and
 * a WebAssembly one (json-scan-wasm.ts, which `createJsonObjectScanner` prefers).
 */
export interface ObjectScanner {
  /** Start of the object (its `{`) after the last successful scan. */
  readonly objectStart: number;
  /** End of the object (after its `}`) after the last successful scan. */
  readonly objectEnd: number;
  /** Per key of the constructor's `keys`, how its value is written (see {@link ValueKind}). */
  readonly valueKind: Uint8Array;
  /** Per key, where its value starts and ends (for a string, inside the quotes). */
  readonly valueStart: Int32Array;
  readonly valueEnd: Int32Array;
  /**
   * Whether `bytes[start, end)` is JSON whitespace (space, tab, CR, LF), one JSON object, and JSON
   * whitespace: then `JSON.parse` of its text returns an object, and the members named by the
   * constructor's keys are recorded. False when it is not, or is not proven (see the module comment).
   */
  scan(bytes: Uint8Array, start: number, end: number): boolean;
}

/**
 * Throws unless `keys` can be recorded by a scanner: printable ASCII without quotes or backslashes
 * (so a key's bytes are its text, and an unescaped key in the line matches byte for byte).
 */
export function checkScannerKeys(keys: readonly string[]): void {
  for (const key of keys) {
    if (!/^[\x20-\x7e]*$/.test(key) || key.includes('"') || key.includes('\\')) {
      throw new RangeError(
        `JSON scanner keys must be printable ASCII without quotes or backslashes, not ${JSON.stringify(key)}`,
      );
    }
  }
}

/** The scanner in JavaScript: what runs where WebAssembly cannot, and the reference for the other. */
export class JsonObjectScanner implements ObjectScanner {
  public objectStart = 0;
  public objectEnd = 0;
  public readonly valueKind: Uint8Array;
  public readonly valueStart: Int32Array;
  public readonly valueEnd: Int32Array;

  readonly #keys: readonly Uint8Array[];
  readonly #stack = new Uint8Array(MAX_DEPTH);
  /** Whether the last string scanned had an escape. */
  #escaped = false;

  /** @param keys top-level member names to locate, ASCII (each at most once) */
  public constructor(keys: readonly string[]) {
    checkScannerKeys(keys);
    this.#keys = keys.map((key) => Buffer.from(key, 'latin1'));
    this.valueKind = new Uint8Array(keys.length);
    this.valueStart = new Int32Array(keys.length);
    this.valueEnd = new Int32Array(keys.length);
  }

  public scan(bytes: Uint8Array, start: number, end: number): boolean {
    this.valueKind.fill(ValueKind.Absent);
    const stack = this.#stack;
    let i = skipWhitespace(bytes, start, end);
    if (i >= end || bytes[i] !== 0x7b) return false;
    this.objectStart = i;
    let depth = 0;
    /** The recorded key whose value is being scanned at the top level, or -1. */
    let member = -1;
    let valueStart = 0;
    for (;;) {
      // A value is expected at i (after whitespace).
      i = skipWhitespace(bytes, i, end);
      if (i >= end) return false;
      let c = bytes[i];
      if (depth === 1) valueStart = i;
      let kind: number = ValueKind.Other;
      if (c === 0x7b || c === 0x5b) {
        i = skipWhitespace(bytes, i + 1, end);
        if (i >= end) return false;
        const close = c === 0x7b ? 0x7d : 0x5d;
        if (bytes[i] === close) {
          i++;
        } else {
          if (depth === MAX_DEPTH) return false;
          stack[depth++] = c === 0x7b ? OBJECT : ARRAY;
          if (c === 0x7b) {
            i = this.#key(bytes, i, end, depth);
            if (i < 0) return false;
            if (depth === 1) member = this.#lastKey;
          }
          continue;
        }
      } else if (c === 0x22) {
        i = this.#string(bytes, i + 1, end);
        if (i < 0) return false;
        kind = this.#escaped ? ValueKind.EscapedString : ValueKind.String;
      } else if (c === 0x74) {
        if (i + 3 >= end || bytes[i + 1] !== 0x72 || bytes[i + 2] !== 0x75 || bytes[i + 3] !== 0x65)
          return false;
        i += 4;
      } else if (c === 0x66) {
        if (
          i + 4 >= end ||
          bytes[i + 1] !== 0x61 ||
          bytes[i + 2] !== 0x6c ||
          bytes[i + 3] !== 0x73 ||
          bytes[i + 4] !== 0x65
        )
          return false;
        i += 5;
      } else if (c === 0x6e) {
        if (i + 3 >= end || bytes[i + 1] !== 0x75 || bytes[i + 2] !== 0x6c || bytes[i + 3] !== 0x6c)
          return false;
        i += 4;
      } else {
        i = scanNumber(bytes, i, end);
        if (i < 0) return false;
        kind = ValueKind.Number;
      }
      // A value ended at i: close containers until one expects another member or element.
      for (;;) {
        if (depth === 1 && member >= 0) {
          this.#record(member, kind, valueStart, i);
          member = -1;
        }
        if (depth === 0) {
          this.objectEnd = i;
          return skipWhitespace(bytes, i, end) === end;
        }
        i = skipWhitespace(bytes, i, end);
        if (i >= end) return false;
        c = bytes[i++];
        if (c === 0x2c) {
          if (stack[depth - 1] === OBJECT) {
            i = this.#key(bytes, skipWhitespace(bytes, i, end), end, depth);
            if (i < 0) return false;
            if (depth === 1) member = this.#lastKey;
          }
          break;
        }
        if (c !== (stack[depth - 1] === OBJECT ? 0x7d : 0x5d)) return false;
        depth--;
        // The container just closed is itself a value, of kind Other, ending at i.
        kind = ValueKind.Other;
      }
    }
  }

  /** Index in the constructor's keys of the key {@link #key} read last, or -1. */
  #lastKey = -1;

  /**
   * Reads `"key"` and the colon after it, starting at the quote; returns the index after the colon,
   * or -1. At the top level (`depth` 1) it notes which recorded key it was in {@link #lastKey}.
   */
  #key(bytes: Uint8Array, i: number, end: number, depth: number): number {
    if (i >= end || bytes[i] !== 0x22) return -1;
    const keyStart = i + 1;
    const after = this.#string(bytes, keyStart, end);
    if (after < 0) return -1;
    if (depth === 1) {
      // A top-level key with escapes might spell a recorded key: not worth decoding here.
      if (this.#escaped) return -1;
      this.#lastKey = this.#match(bytes, keyStart, after - 1);
    }
    i = skipWhitespace(bytes, after, end);
    if (i >= end || bytes[i] !== 0x3a) return -1;
    return i + 1;
  }

  #match(bytes: Uint8Array, start: number, end: number): number {
    const keys = this.#keys;
    const length = end - start;
    outer: for (let k = 0; k < keys.length; k++) {
      const key = keys[k];
      if (key.length !== length) continue;
      for (let j = 0; j < length; j++) if (bytes[start + j] !== key[j]) continue outer;
      return k;
    }
    return -1;
  }

  #record(member: number, kind: number, start: number, end: number): void {
    this.valueKind[member] = kind;
    // Strings are recorded without their quotes.
    const quoted = kind === ValueKind.String || kind === ValueKind.EscapedString;
    this.valueStart[member] = quoted ? start + 1 : start;
    this.valueEnd[member] = quoted ? end - 1 : end;
  }

  /** A view of the bytes being scanned ({@link #wordsOf}), to read four at a time. */
  #words: DataView | undefined;
  #wordsOf: Uint8Array | undefined;

  /** Scans a string's content from just after its opening quote; returns the index after its closing quote, or -1. */
  #string(bytes: Uint8Array, i: number, end: number): number {
    this.#escaped = false;
    if (this.#wordsOf !== bytes) {
      this.#wordsOf = bytes;
      this.#words = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    const words = this.#words!;
    for (;;) {
      // Four bytes at a time while none of them is a quote, a backslash or a control character
      // (the bit tricks of "Bit Twiddling Hacks": a byte below 0x20, a byte equal to 0x22 or 0x5c;
      // bytes from 0x80 up never match). Most of a log line is string content.
      while (i + 4 <= end) {
        const w = words.getUint32(i, true);
        const quote = w ^ 0x22222222;
        const backslash = w ^ 0x5c5c5c5c;
        if (
          (((w - 0x20202020) & ~w) |
            ((quote - 0x01010101) & ~quote) |
            ((backslash - 0x01010101) & ~backslash)) &
          0x80808080
        ) {
          break;
        }
        i += 4;
      }
      while (i < end && STRING_STOP[bytes[i]] === 0) i++;
      if (i >= end) return -1;
      const c = bytes[i];
      if (c === 0x22) return i + 1;
      if (c !== 0x5c || i + 1 >= end) return -1; // a control character, or a backslash at the end
      this.#escaped = true;
      const e = bytes[i + 1];
      if (e === 0x75) {
        if (
          i + 5 >= end ||
          HEX_DIGIT[bytes[i + 2]] === 0 ||
          HEX_DIGIT[bytes[i + 3]] === 0 ||
          HEX_DIGIT[bytes[i + 4]] === 0 ||
          HEX_DIGIT[bytes[i + 5]] === 0
        ) {
          return -1;
        }
        i += 6;
      } else if (SIMPLE_ESCAPE[e] === 1) {
        i += 2;
      } else {
        return -1;
      }
    }
  }
}

function skipWhitespace(bytes: Uint8Array, i: number, end: number): number {
  let c: number;
  while (i < end && ((c = bytes[i]) === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a)) i++;
  return i;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** Scans `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?` at i; returns the index after it, or -1. */
function scanNumber(bytes: Uint8Array, i: number, end: number): number {
  if (i < end && bytes[i] === 0x2d) i++;
  if (i >= end) return -1;
  if (bytes[i] === 0x30) {
    i++;
  } else if (isDigit(bytes[i])) {
    i++;
    while (i < end && isDigit(bytes[i])) i++;
  } else {
    return -1;
  }
  if (i < end && bytes[i] === 0x2e) {
    i++;
    if (i >= end || !isDigit(bytes[i])) return -1;
    while (i < end && isDigit(bytes[i])) i++;
  }
  if (i < end && (bytes[i] === 0x65 || bytes[i] === 0x45)) {
    i++;
    if (i < end && (bytes[i] === 0x2b || bytes[i] === 0x2d)) i++;
    if (i >= end || !isDigit(bytes[i])) return -1;
    while (i < end && isDigit(bytes[i])) i++;
  }
  return i;
}
