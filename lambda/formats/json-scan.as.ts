// AssemblyScript source of the WebAssembly JSON object scanner (json-scan-wasm.ts loads it).
//
// The same scanner as JsonObjectScanner in json-scan.ts, statement for statement, over linear
// memory instead of a Uint8Array, except that string content is skipped 16 bytes at a time with
// SIMD: one compare per byte class and a bitmask find the first quote, backslash or control
// character. CloudTrail-like lines are mostly strings, which JavaScript skips four bytes at a time at
// best; over the benchmark's 100 MB of records this scans in about 78 ms against 120 ms (both
// scanners over the same lines in one process, alternated). Everything that json-scan.ts
// promises holds here too and is tested on both (test/lambda/formats/json-scan.test.ts), so read
// that module for the why of each rule.
//
// Not compiled by tsc: `npm run build:wasm` compiles it with AssemblyScript into
// json-scan-wasm.generated.ts, and a test fails when that file is not what this source compiles to.
//
// Memory layout (the JavaScript side reads these offsets from the module's exports, so they are
// defined only here). All integers are little-endian i32.

/** After a successful scan: where the object starts (its `{`) and ends (after its `}`). */
export const OBJECT_START: i32 = 0;
export const OBJECT_END: i32 = 4;
/** How many keys are recorded; the JavaScript side writes it once. */
export const KEY_COUNT: i32 = 8;
/** Per key, its bytes' offset and length (written once by the JavaScript side). */
export const KEY_TABLE: i32 = 16;
export const MAX_KEYS: i32 = 32;
/** Per key, three i32: the value's kind (ValueKind), start and end, as json-scan.ts records them. */
export const VALUES: i32 = KEY_TABLE + 8 * MAX_KEYS;
/** Open containers, one byte per level (1 object, 2 array). */
const STACK: i32 = VALUES + 12 * MAX_KEYS;
export const MAX_DEPTH: i32 = 512;
/** Where the JavaScript side writes the keys' bytes. */
export const KEY_BYTES: i32 = STACK + MAX_DEPTH;
export const MAX_KEY_BYTES: i32 = 2048;
/** Where the JavaScript side copies the line to scan; memory is grown to fit it. */
export const INPUT: i32 = KEY_BYTES + MAX_KEY_BYTES;

// ValueKind of json-scan.ts.
const STRING: i32 = 1;
const ESCAPED_STRING: i32 = 2;
const NUMBER: i32 = 3;
const OTHER: i32 = 4;

const OBJECT: i32 = 1;

/** Whether the last string scanned had an escape. */
let escaped = false;
/** Index of the key that readKey read last among the recorded keys, or -1. */
let lastKey: i32 = -1;

function isWhitespace(c: i32): bool {
  return c == 0x20 || c == 0x09 || c == 0x0d || c == 0x0a;
}

function skipWhitespace(i: i32, end: i32): i32 {
  while (i < end && isWhitespace(<i32>load<u8>(i))) i++;
  return i;
}

function isDigit(c: i32): bool {
  return <u32>(c - 0x30) < 10;
}

function isHexDigit(c: i32): bool {
  return <u32>(c - 0x30) < 10 || <u32>((c | 0x20) - 0x61) < 6;
}

function isSimpleEscape(c: i32): bool {
  // " \ / b f n r t
  return c == 0x22 || c == 0x5c || c == 0x2f || c == 0x62 || c == 0x66 || c == 0x6e || c == 0x72 || c == 0x74;
}

/** Scans a string's content from just after its opening quote; returns the index after its closing quote, or -1. */
function scanString(i: i32, end: i32): i32 {
  escaped = false;
  const quote = i8x16.splat(0x22);
  const backslash = i8x16.splat(0x5c);
  const space = i8x16.splat(0x20);
  for (;;) {
    // 16 bytes at a time while none is a quote, a backslash or a control character (below 0x20,
    // unsigned: bytes from 0x80 up never match). Never reads past `end`.
    while (i + 16 <= end) {
      const v = v128.load(i);
      const stops = i8x16.bitmask(
        v128.or(v128.or(i8x16.eq(v, quote), i8x16.eq(v, backslash)), i8x16.lt_u(v, space)),
      );
      if (stops != 0) {
        i += ctz<i32>(stops);
        break;
      }
      i += 16;
    }
    let c: i32 = 0;
    while (i < end) {
      c = load<u8>(i);
      if (c == 0x22 || c == 0x5c || c < 0x20) break;
      i++;
    }
    if (i >= end) return -1;
    if (c == 0x22) return i + 1;
    if (c != 0x5c || i + 1 >= end) return -1; // a control character, or a backslash at the end
    escaped = true;
    const e = <i32>load<u8>(i + 1);
    if (e == 0x75) {
      if (
        i + 5 >= end ||
        !isHexDigit(load<u8>(i + 2)) ||
        !isHexDigit(load<u8>(i + 3)) ||
        !isHexDigit(load<u8>(i + 4)) ||
        !isHexDigit(load<u8>(i + 5))
      ) {
        return -1;
      }
      i += 6;
    } else if (isSimpleEscape(e)) {
      i += 2;
    } else {
      return -1;
    }
  }
  return -1; // not reached; AssemblyScript wants a return after the loop
}

/** Index among the recorded keys of the key written at [start, end), or -1. */
function matchKey(start: i32, end: i32): i32 {
  const keys = load<i32>(KEY_COUNT);
  const length = end - start;
  // Compared byte by byte here rather than with the standard library's memory.compare, so the
  // module holds only this file's code.
  for (let k = 0; k < keys; k++) {
    if (load<i32>(KEY_TABLE + 8 * k + 4) != length) continue;
    const key = load<i32>(KEY_TABLE + 8 * k);
    let j = 0;
    while (j < length && load<u8>(start + j) == load<u8>(key + j)) j++;
    if (j == length) return k;
  }
  return -1;
}

/**
 * Reads `"key"` and the colon after it, starting at the quote; returns the index after the colon,
 * or -1. At the top level (`depth` 1) it notes which recorded key it was in lastKey.
 */
function readKey(i: i32, end: i32, depth: i32): i32 {
  if (i >= end || load<u8>(i) != 0x22) return -1;
  const keyStart = i + 1;
  const after = scanString(keyStart, end);
  if (after < 0) return -1;
  if (depth == 1) {
    if (escaped) return -1;
    lastKey = matchKey(keyStart, after - 1);
  }
  i = skipWhitespace(after, end);
  if (i >= end || load<u8>(i) != 0x3a) return -1;
  return i + 1;
}

/** Scans `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?` at i; returns the index after it, or -1. */
function scanNumber(i: i32, end: i32): i32 {
  if (i < end && load<u8>(i) == 0x2d) i++;
  if (i >= end) return -1;
  const first = <i32>load<u8>(i);
  if (first == 0x30) {
    i++;
  } else if (isDigit(first)) {
    i++;
    while (i < end && isDigit(load<u8>(i))) i++;
  } else {
    return -1;
  }
  if (i < end && load<u8>(i) == 0x2e) {
    i++;
    if (i >= end || !isDigit(load<u8>(i))) return -1;
    while (i < end && isDigit(load<u8>(i))) i++;
  }
  if (i < end && (load<u8>(i) == 0x65 || load<u8>(i) == 0x45)) {
    i++;
    if (i < end && (load<u8>(i) == 0x2b || load<u8>(i) == 0x2d)) i++;
    if (i >= end || !isDigit(load<u8>(i))) return -1;
    while (i < end && isDigit(load<u8>(i))) i++;
  }
  return i;
}

function recordValue(member: i32, kind: i32, start: i32, end: i32): void {
  // Strings are recorded without their quotes.
  const quoted = kind == STRING || kind == ESCAPED_STRING;
  store<i32>(VALUES + 12 * member, kind);
  store<i32>(VALUES + 12 * member + 4, quoted ? start + 1 : start);
  store<i32>(VALUES + 12 * member + 8, quoted ? end - 1 : end);
}

/**
 * 1 when memory[start, end) is JSON whitespace, one JSON object and JSON whitespace, with the
 * object's span and the recorded keys' values written at OBJECT_START, OBJECT_END and VALUES;
 * 0 when it is not, or is not proven (JsonObjectScanner.scan).
 */
export function scan(start: i32, end: i32): i32 {
  const keys = load<i32>(KEY_COUNT);
  for (let k = 0; k < keys; k++) store<i32>(VALUES + 12 * k, 0);
  let i = skipWhitespace(start, end);
  if (i >= end || load<u8>(i) != 0x7b) return 0;
  store<i32>(OBJECT_START, i);
  let depth: i32 = 0;
  /** The recorded key whose value is being scanned at the top level, or -1. */
  let member: i32 = -1;
  let valueStart: i32 = 0;
  for (;;) {
    // A value is expected at i (after whitespace).
    i = skipWhitespace(i, end);
    if (i >= end) return 0;
    let c = <i32>load<u8>(i);
    if (depth == 1) valueStart = i;
    let kind = OTHER;
    if (c == 0x7b || c == 0x5b) {
      i = skipWhitespace(i + 1, end);
      if (i >= end) return 0;
      const close = c == 0x7b ? 0x7d : 0x5d;
      if (<i32>load<u8>(i) == close) {
        i++;
      } else {
        if (depth == MAX_DEPTH) return 0;
        store<u8>(STACK + depth, c == 0x7b ? OBJECT : 2);
        depth++;
        if (c == 0x7b) {
          i = readKey(i, end, depth);
          if (i < 0) return 0;
          if (depth == 1) member = lastKey;
        }
        continue;
      }
    } else if (c == 0x22) {
      i = scanString(i + 1, end);
      if (i < 0) return 0;
      kind = escaped ? ESCAPED_STRING : STRING;
    } else if (c == 0x74) {
      if (i + 3 >= end || load<u8>(i + 1) != 0x72 || load<u8>(i + 2) != 0x75 || load<u8>(i + 3) != 0x65)
        return 0;
      i += 4;
    } else if (c == 0x66) {
      if (
        i + 4 >= end ||
        load<u8>(i + 1) != 0x61 ||
        load<u8>(i + 2) != 0x6c ||
        load<u8>(i + 3) != 0x73 ||
        load<u8>(i + 4) != 0x65
      ) {
        return 0;
      }
      i += 5;
    } else if (c == 0x6e) {
      if (i + 3 >= end || load<u8>(i + 1) != 0x75 || load<u8>(i + 2) != 0x6c || load<u8>(i + 3) != 0x6c)
        return 0;
      i += 4;
    } else {
      i = scanNumber(i, end);
      if (i < 0) return 0;
      kind = NUMBER;
    }
    // A value ended at i: close containers until one expects another member or element.
    for (;;) {
      if (depth == 1 && member >= 0) {
        recordValue(member, kind, valueStart, i);
        member = -1;
      }
      if (depth == 0) {
        store<i32>(OBJECT_END, i);
        return skipWhitespace(i, end) == end ? 1 : 0;
      }
      i = skipWhitespace(i, end);
      if (i >= end) return 0;
      c = load<u8>(i++);
      const container = <i32>load<u8>(STACK + depth - 1);
      if (c == 0x2c) {
        if (container == OBJECT) {
          i = readKey(skipWhitespace(i, end), end, depth);
          if (i < 0) return 0;
          if (depth == 1) member = lastKey;
        }
        break;
      }
      if (c != (container == OBJECT ? 0x7d : 0x5d)) return 0;
      depth--;
      // The container just closed is itself a value, of kind Other, ending at i.
      kind = OTHER;
    }
  }
  return 0; // not reached
}
