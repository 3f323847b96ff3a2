// The byte scanner behind the ndjson fast path (lambda/formats/json-scan.ts), in both of its
// implementations, JavaScript and WebAssembly (json-scan-wasm.ts): every test below runs on each.
// A line it accepts is sent to Azure as its bytes, never parsed, so accepting one line that
// JSON.parse refuses would send invalid JSON and fail a whole batch; refusing valid JSON only costs
// the slower text path. So every check here is against JSON.parse itself: hand-picked grammar
// corners, then a seeded fuzz of generated objects and byte-level mutations of them.
import {
  JsonObjectScanner,
  MAX_DEPTH,
  ValueKind,
  type ObjectScanner,
} from '../../../lambda/formats/json-scan';
import { scanModule, WasmJsonObjectScanner } from '../../../lambda/formats/json-scan-wasm';
import { Random } from '../../support/random';

/** What the scanner must agree with: JSON.parse of the decoded text yields a non-array object. */
function parsesToObject(bytes: Buffer): boolean {
  try {
    const value: unknown = JSON.parse(bytes.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

type NewScanner = (keys: readonly string[]) => ObjectScanner;

/** Both implementations; every describe below runs once for each. */
const SCANNERS: [name: string, newScanner: NewScanner][] = [
  ['JavaScript', (keys) => new JsonObjectScanner(keys)],
  [
    'WebAssembly',
    (keys) => {
      const wasm = scanModule();
      if (wasm === null) throw new Error('WebAssembly is not available to this test');
      return new WasmJsonObjectScanner(keys, wasm);
    },
  ],
];

function scanAll(bytes: Buffer, newScanner: NewScanner): boolean {
  return newScanner([]).scan(bytes, 0, bytes.length);
}

const JSON_WHITESPACE = new Set([0x20, 0x09, 0x0d, 0x0a]);

/** The object's span: `[start, end)` of `bytes` without leading and trailing JSON whitespace. */
function trimmedSpan(bytes: Uint8Array): [number, number] {
  let start = 0;
  let end = bytes.length;
  while (start < end && JSON_WHITESPACE.has(bytes[start])) start++;
  while (end > start && JSON_WHITESPACE.has(bytes[end - 1])) end--;
  return [start, end];
}

/** The value the scanner recorded for key `k`, decoded the way json-lines.ts decodes it. */
function recordedValue(scanner: ObjectScanner, bytes: Buffer, k: number): unknown {
  const start = scanner.valueStart[k];
  const end = scanner.valueEnd[k];
  switch (scanner.valueKind[k]) {
    case ValueKind.String:
      return bytes.toString('utf8', start, end);
    case ValueKind.EscapedString:
      return JSON.parse(`"${bytes.toString('utf8', start, end)}"`);
    case ValueKind.Number:
      return Number(bytes.toString('latin1', start, end));
    default:
      // Other: the span is itself JSON text (object, array, true, false, null).
      return JSON.parse(bytes.toString('utf8', start, end));
  }
}

/**
 * Problems with an accepted scan of `bytes[0, length)`, compared with JSON.parse: empty when the
 * scan was right. `keys` are the scanner's constructor keys.
 */
function acceptedScanProblems(scanner: ObjectScanner, bytes: Buffer, keys: readonly string[]): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    return [`accepted, but JSON.parse refuses it: ${(error as Error).message}`];
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return [`accepted, but JSON.parse returns ${JSON.stringify(parsed)}`];
  }
  const problems: string[] = [];
  const [start, end] = trimmedSpan(bytes);
  if (scanner.objectStart !== start || scanner.objectEnd !== end) {
    problems.push(`object span [${scanner.objectStart}, ${scanner.objectEnd}) is not [${start}, ${end})`);
  }
  const record = parsed as Record<string, unknown>;
  keys.forEach((key, k) => {
    const kind = scanner.valueKind[k];
    const present = Object.hasOwn(record, key);
    if (!present) {
      if (kind !== ValueKind.Absent)
        problems.push(`${JSON.stringify(key)} is absent but recorded as ${kind}`);
      return;
    }
    const expected = record[key];
    const expectedKind =
      typeof expected === 'string'
        ? [ValueKind.String, ValueKind.EscapedString]
        : typeof expected === 'number'
          ? [ValueKind.Number]
          : [ValueKind.Other];
    if (!(expectedKind as number[]).includes(kind)) {
      problems.push(`${JSON.stringify(key)} recorded as kind ${kind}, value ${JSON.stringify(expected)}`);
      return;
    }
    const span = bytes.subarray(scanner.valueStart[k], scanner.valueEnd[k]);
    // String holds no escape (its bytes are its characters); EscapedString holds one.
    if (kind === ValueKind.String && span.includes(0x5c)) problems.push(`${key}: String with a backslash`);
    if (kind === ValueKind.EscapedString && !span.includes(0x5c)) problems.push(`${key}: escapes without \\`);
    let actual: unknown;
    try {
      actual = recordedValue(scanner, bytes, k);
    } catch (error) {
      problems.push(`${JSON.stringify(key)}: recorded span does not decode: ${(error as Error).message}`);
      return;
    }
    if (!Object.is(actual, expected) && JSON.stringify(actual) !== JSON.stringify(expected)) {
      problems.push(
        `${JSON.stringify(key)}: recorded ${JSON.stringify(actual)}, JSON.parse ${JSON.stringify(expected)}`,
      );
    }
  });
  return problems;
}

/** A value in a few positions, so each corner is followed by `}`, `]` and `,` and sits at depth 1 and 3. */
function inContexts(value: string): string[] {
  return [`{"v":${value}}`, `{"v":[${value}]}`, `{"v":${value},"w":0}`, `{"a":{"b":[0,${value}]}}`];
}

const NUMBERS = [
  '0',
  '-0',
  '0.5',
  '-0.5',
  '1e5',
  '1E5',
  '1e+5',
  '1E+5',
  '1e-5',
  '1E-5',
  '-1.5e-10',
  '10',
  '1234567890',
  '123456789012345678901234567890',
  '1e400',
  '-1e400',
  '0e0',
  '0.0e-0',
  // invalid
  '01',
  '-01',
  '00',
  '1.',
  '-1.',
  '.5',
  '-.5',
  '-',
  '1e',
  '1E',
  '1e+',
  '1e-',
  '+1',
  '--1',
  '1.e5',
  '1e5.5',
  '1.5.5',
  '0x10',
  '1_000',
  'Infinity',
  '-Infinity',
  'NaN',
  '1 2',
  '- 1',
  '1e 5',
];
const STRINGS = [
  '""',
  '"abc"',
  '"\\""',
  '"\\\\"',
  '"\\/"',
  '"\\b"',
  '"\\f"',
  '"\\n"',
  '"\\r"',
  '"\\t"',
  '"\\u00e9"',
  '"\\u00E9"',
  '"\\uAbCd"',
  '"\\uD83D\\uDE00"',
  '"\\udead"',
  '"\\u0000"',
  '"x\\\\"',
  '"\\\\\\""',
  '"é中😀"',
  '"ééééé中中中😀😀\x7f"',
  '"\u2028\u2029"',
  '"\x7f"',
  '"\x7f\x7f\x7f\x7f\x7f"',
  '"a/b:c,d{e}f[g]h"',
  // invalid escapes and unterminated strings
  '"\\x41"',
  '"\\u12"',
  '"\\u12G4"',
  '"\\u12g4"',
  '"\\u"',
  '"\\U00e9"',
  '"\\a"',
  '"\\\'"',
  '"\\0"',
  '"\\ "',
  '"\\é"',
  '"abc\\"',
  '"abc',
  "'abc'",
  '"a\\u00"',
  '"\\u00e"',
  // a raw control character in a string, each of 0x00-0x1f (tab, LF and CR included)
  ...Array.from({ length: 0x20 }, (_, c) => `"a${String.fromCharCode(c)}b"`),
  // (also in the middle of a long string, where the scanner reads four bytes at a time)
  ...Array.from({ length: 0x20 }, (_, c) => `"abcdefg${String.fromCharCode(c)}hijklmnopqrstu"`),
];
const LITERALS = [
  'true',
  'false',
  'null',
  'tru',
  'fals',
  'nul',
  't',
  'f',
  'n',
  'True',
  'NULL',
  'nulll',
  'trux',
  'falsE',
  'nulL',
  'truefalse',
  'true false',
  'undefined',
];
const CONTAINERS = [
  '{}',
  '[]',
  '{ }',
  '[ ]',
  '[1,2]',
  '{"a":1}',
  '[[]]',
  '[[[1]]]',
  '{"a":[{"b":{}}]}',
  '{"\\u0061":1}',
  '{"a":1,"a":2}',
  // trailing commas, missing colons and commas, bad keys, unbalanced
  '[1,]',
  '[,1]',
  '[1 2]',
  '[1,,2]',
  '{"a":1,}',
  '{,}',
  '{"a"}',
  '{"a":}',
  '{"a" 1}',
  '{"a"::1}',
  '{a:1}',
  "{'a':1}",
  '{1:2}',
  '{"a":1 "b":2}',
  '{"a":1,,"b":2}',
  '[}',
  '{]',
  '[',
  '{',
  '{"a":[}',
  '{"a":{]}',
  '[1}',
];

const VALUES = [...NUMBERS, ...STRINGS, ...LITERALS, ...CONTAINERS];

/** Whole lines, valid or not: the object itself, what surrounds it, and top-level non-objects. */
const LINES: [name: string, bytes: Buffer][] = [
  ...(
    [
      '{}',
      ' {} ',
      '\t\r\n{\t\r\n"a"\t\r\n:\t\r\n1\t\r\n,\t"b"\r:[\n1\t,\r2\n]\t}\t\r\n',
      '{"a":1,"a":"two"}',
      // top-level non-objects
      '',
      ' ',
      '\t\r\n',
      '[]',
      '[{}]',
      '"{}"',
      '1',
      '-0',
      'true',
      'null',
      '"a"',
      // two objects, trailing garbage, extra closers
      '{}{}',
      '{} {}',
      '{}\n{}',
      '{},{}',
      '{"a":1}}',
      '{"a":1}]',
      '{"a":1}x',
      '{"a":1},',
      '{{}}',
      '{"a":1}\0',
      // whitespace JSON does not allow (\f, \v, U+00A0, a BOM, U+2028), around the object and inside
      '\f{}',
      '{}\f',
      '\v{}',
      '{}\v',
      '{\v"a":1}',
      '{"a":\f1}',
      '\u00a0{}',
      '{}\u00a0',
      '{"a":\u00a01}',
      '\ufeff{}',
      '{}\ufeff',
      '\u2028{}',
      '{"a":1\u2028}',
    ] as const
  ).map((line): [string, Buffer] => [line, Buffer.from(line)]),
  ['a UTF-8 BOM before the object', Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d])],
  ['a byte >= 0x80 outside strings', Buffer.from([0x7b, 0xff, 0x7d])],
  ['a byte >= 0x80 after the object', Buffer.from('{"a":1}\x80', 'latin1')],
  ['a byte >= 0x80 as a value', Buffer.from('{"a":\xc3\xa9}', 'latin1')],
  // Inside strings any byte from 0x80 up is accepted: JSON.parse sees U+FFFD, and json-lines.ts
  // checks UTF-8 validity itself before trusting the scan.
  ['invalid UTF-8 inside a string', Buffer.from('{"a":"\xff\xc0\xaf\xed\xa0\x80"}', 'latin1')],
  ['a truncated sequence at the end of a string', Buffer.from('{"a":"\xe2\x82"}', 'latin1')],
];

describe.each(SCANNERS)('grammar corners (%s)', (_name, newScanner) => {
  test.each(VALUES)('agrees with JSON.parse on the value %j, wherever it is', (value) => {
    // GIVEN the value in four positions, and what JSON.parse says of each line
    const lines = inContexts(value).map((line) => Buffer.from(line));
    const expected = lines.map((bytes) => [bytes.toString(), parsesToObject(bytes)]);
    // WHEN
    const accepted = lines.map((bytes) => [bytes.toString(), scanAll(bytes, newScanner)]);
    // THEN
    expect(accepted).toStrictEqual(expected);
  });

  test.each(LINES)('agrees with JSON.parse on the line %j', (_name, bytes) => {
    // GIVEN what JSON.parse says of the line
    const expected = parsesToObject(bytes);
    // WHEN
    const accepted = scanAll(bytes, newScanner);
    // THEN
    expect(accepted).toBe(expected);
  });

  test('the tables hold both valid and invalid lines', () => {
    // Tables of only refusals would pass against a scanner that refuses everything.
    const all = [
      ...VALUES.flatMap((value) => inContexts(value).map((line) => Buffer.from(line))),
      ...LINES.map(([, b]) => b),
    ];
    const valid = all.filter((bytes) => parsesToObject(bytes));
    expect(valid.length).toBeGreaterThan(200);
    expect(all.length - valid.length).toBeGreaterThan(300);
  });

  // Valid JSON objects the scanner may refuse (json-scan.ts's module comment): a top-level key
  // written with escapes might spell a recorded key (`"ti\u006de"` is "time"), and decoding keys
  // is not worth it on the fast path. These lines take the text path; nested escaped keys do not.
  test.each([
    '{"\\u0074ime":"2024-01-02T03:04:05Z"}',
    '{"a\\"b":1}',
    '{"\\\\":1}',
    '{"ok":1,"\\n":2}',
    '{"a":{"b":1},"c\\/d":[]}',
  ])('refuses %s: JSON, but a top-level key has escapes', (line) => {
    const bytes = Buffer.from(line);
    expect(parsesToObject(bytes)).toBe(true);
    expect(scanAll(bytes, newScanner)).toBe(false);
  });

  test('accepts escaped keys below the top level', () => {
    const bytes = Buffer.from('{"a":{"\\u0074ime":1,"b\\"c":[{"\\\\":2}]}}');
    expect(parsesToObject(bytes)).toBe(true);
    expect(scanAll(bytes, newScanner)).toBe(true);
  });

  test('scans only bytes[start, end) of a larger buffer', () => {
    // GIVEN an object between bytes that would complete or break it if they were read
    const line = '{"time":"2024-01-02T03:04:05Z","n":1}';
    const buffer = Buffer.from(`"}]\\x${line}"\\\u0000`);
    const start = 5;
    const end = start + line.length;
    const scanner = newScanner(['time']);
    // WHEN / THEN the whole window is one object
    expect(scanner.scan(buffer, start, end)).toBe(true);
    expect([scanner.objectStart, scanner.objectEnd]).toStrictEqual([start, end]);
    expect(buffer.toString('utf8', scanner.valueStart[0], scanner.valueEnd[0])).toBe('2024-01-02T03:04:05Z');
    // and every shorter window is not, though the bytes after it would close the string or object
    for (let cut = end - 1; cut > start; cut--) {
      expect([cut, scanner.scan(buffer, start, cut)]).toStrictEqual([cut, false]);
    }
  });

  test('finds each byte that stops a string at every position of strings up to 48 bytes', () => {
    // Strings are skipped in blocks (4 bytes in JavaScript, 16 in WebAssembly), and the blocks'
    // edges are where such code goes wrong: put each kind of byte at each offset, in lines whose
    // strings start at each alignment.
    const stops: [name: string, bytes: number[]][] = [
      ['NUL', [0x00]],
      ['a control character', [0x1f]],
      ['a tab', [0x09]],
      ['a quote (ends the string early)', [0x22]],
      ['an escape', [0x5c, 0x6e]],
      ['a bad escape', [0x5c, 0x78]],
      ['a lone backslash', [0x5c]],
      ['DEL (allowed)', [0x7f]],
      ['a space (allowed)', [0x20]],
      ['0x80, 0xff (allowed inside strings)', [0x80, 0xff]],
      ['é in UTF-8', [0xc3, 0xa9]],
    ];
    const scanner = newScanner(['a']);
    const disagreements: string[] = [];
    let accepted = 0;
    for (const prefix of ['', 'x', 'xy', 'xyz']) {
      for (let length = 0; length <= 48; length++) {
        for (let at = 0; at <= length; at++) {
          for (const [name, stop] of stops) {
            const content = [
              ...Buffer.from('s'.repeat(at)),
              ...stop,
              ...Buffer.from('s'.repeat(length - at)),
            ];
            const bytes = Buffer.concat([
              Buffer.from(`{"${prefix}":0,"a":"`),
              Buffer.from(content),
              Buffer.from('"}'),
            ]);
            const ok = scanner.scan(bytes, 0, bytes.length);
            if (ok !== parsesToObject(bytes))
              disagreements.push(`${name} at ${at} of ${length} after "${prefix}"`);
            if (ok) {
              accepted++;
              const problems = acceptedScanProblems(scanner, bytes, ['a']);
              if (problems.length > 0)
                disagreements.push(`${name} at ${at} of ${length}: ${problems.join('; ')}`);
            }
          }
        }
      }
    }
    expect(disagreements.slice(0, 5)).toStrictEqual([]);
    // Both sides were exercised: the allowed bytes and the escape are accepted, the rest refused.
    expect(accepted).toBeGreaterThan(4 * 1000);
  });
});

describe.each(SCANNERS)('recorded members (%s)', (_name, newScanner) => {
  test.each([
    ['{"time":"2024-01-02T03:04:05Z"}', ValueKind.String, '2024-01-02T03:04:05Z'],
    ['{"time":"é中😀"}', ValueKind.String, 'é中😀'],
    ['{"time":""}', ValueKind.String, ''],
    ['{"time":"a\\nb"}', ValueKind.EscapedString, 'a\\nb'],
    ['{"time":"\\u0032024"}', ValueKind.EscapedString, '\\u0032024'],
    ['{"time":-1.5e3}', ValueKind.Number, '-1.5e3'],
    ['{"time" : 0 ,"x":1}', ValueKind.Number, '0'],
    ['{"time":null}', ValueKind.Other, 'null'],
    ['{"time":true}', ValueKind.Other, 'true'],
    ['{"time":false}', ValueKind.Other, 'false'],
    ['{"time":{"time":"x","a":[1]}}', ValueKind.Other, '{"time":"x","a":[1]}'],
    ['{"time":[ ]}', ValueKind.Other, '[ ]'],
    ['{"time":{}}', ValueKind.Other, '{}'],
    // JSON.parse keeps the last of duplicate keys, and so must the scanner
    ['{"time":1,"time":"x"}', ValueKind.String, 'x'],
    ['{"time":"x","time":1}', ValueKind.Number, '1'],
    ['{"time":"x","b":2,"time":{"y":2}}', ValueKind.Other, '{"y":2}'],
    // only top-level members count, and only the exact name
    ['{"a":{"time":1}}', ValueKind.Absent, ''],
    ['{"a":[{"time":1}],"b":"time"}', ValueKind.Absent, ''],
    ['{"times":1,"tim":2,"TIME":3," time":4}', ValueKind.Absent, ''],
  ])('%s records "time" as kind %d', (line, kind, value) => {
    // GIVEN
    const bytes = Buffer.from(line);
    const scanner = newScanner(['time']);
    // WHEN
    const accepted = scanner.scan(bytes, 0, bytes.length);
    // THEN
    expect(accepted).toBe(true);
    expect(scanner.valueKind[0]).toBe(kind);
    if (kind !== ValueKind.Absent) {
      expect(bytes.toString('utf8', scanner.valueStart[0], scanner.valueEnd[0])).toBe(value);
    }
    expect(acceptedScanProblems(scanner, bytes, ['time'])).toStrictEqual([]);
  });

  test('records several keys at once, each in its own slot', () => {
    // GIVEN keys in one order and members in another, among ones that are not recorded
    const keys = ['time', '@timestamp', '', 'missing'];
    const bytes = Buffer.from(' {"x":[1,{"time":0}],"":true,"@timestamp":"\\t","time":12} ');
    const scanner = newScanner(keys);
    // WHEN
    expect(scanner.scan(bytes, 0, bytes.length)).toBe(true);
    // THEN
    expect(Array.from(scanner.valueKind)).toStrictEqual([
      ValueKind.Number,
      ValueKind.EscapedString,
      ValueKind.Other,
      ValueKind.Absent,
    ]);
    expect([0, 1, 2].map((k) => recordedValue(scanner, bytes, k))).toStrictEqual([12, '\t', true]);
    expect(acceptedScanProblems(scanner, bytes, keys)).toStrictEqual([]);
  });

  test('one scanner reused across lines reports each line on its own', () => {
    // GIVEN one scanner for many lines, as json-lines.ts uses it
    const scanner = newScanner(['time', 'level']);
    const scan = (line: string): Buffer => {
      const bytes = Buffer.from(line);
      expect(scanner.scan(bytes, 0, bytes.length)).toBe(true);
      return bytes;
    };
    // WHEN a line has both keys
    scan('{"time":"2024-01-02","level":"info"}');
    expect(Array.from(scanner.valueKind)).toStrictEqual([ValueKind.String, ValueKind.String]);
    // THEN the next line without them reports them absent, not the earlier values
    scan('   {"other":1}');
    expect(Array.from(scanner.valueKind)).toStrictEqual([ValueKind.Absent, ValueKind.Absent]);
    expect([scanner.objectStart, scanner.objectEnd]).toStrictEqual([3, 14]);
    // and a refused line (which stopped after recording "time") leaves nothing behind for the next
    const refused = Buffer.from('{"time":"x","level":');
    expect(scanner.scan(refused, 0, refused.length)).toBe(false);
    const bytes = scan('{"level":7}');
    expect(Array.from(scanner.valueKind)).toStrictEqual([ValueKind.Absent, ValueKind.Number]);
    expect(recordedValue(scanner, bytes, 1)).toBe(7);
    expect([scanner.objectStart, scanner.objectEnd]).toStrictEqual([0, 11]);
  });

  test.each(['"', 'a"b', '\\', 'é', '\n', '\t', '\x7f', '\x1f', '\u2028'])(
    'fails if a key is not printable ASCII without quotes or backslashes (%j)',
    (key) => {
      expect(() => newScanner(['time', key])).toThrow(RangeError);
      expect(() => newScanner([key])).toThrow(/keys must be printable ASCII without quotes or backslashes/);
    },
  );

  test.each(['', ' ', '@timestamp', '~!#$%&*+,-./:;<=>?[]^_`{|}'])(
    'accepts the key %j and finds it',
    (key) => {
      const scanner = newScanner([key]);
      const bytes = Buffer.from(`{${JSON.stringify(key)}:"found"}`);
      expect(scanner.scan(bytes, 0, bytes.length)).toBe(true);
      expect(recordedValue(scanner, bytes, 0)).toBe('found');
    },
  );
});

describe.each(SCANNERS)('MAX_DEPTH (%s)', (_name, newScanner) => {
  /** An object whose `a` nests `levels` arrays (or objects) around a number: `levels + 1` deep. */
  const nestedArrays = (levels: number): Buffer =>
    Buffer.from(`{"time":1,"a":${'['.repeat(levels)}0${']'.repeat(levels)}}`);
  const nestedObjects = (levels: number): Buffer =>
    Buffer.from(`{"time":1,"a":${'{"a":'.repeat(levels)}0${'}'.repeat(levels)}}`);

  test.each([
    ['arrays', nestedArrays],
    ['objects', nestedObjects],
  ])('accepts nesting of exactly MAX_DEPTH %s and refuses one more', (_kind, nested) => {
    const scanner = newScanner(['time']);
    // GIVEN the top-level object plus MAX_DEPTH - 1 nested containers: MAX_DEPTH deep
    const deepest = nested(MAX_DEPTH - 1);
    expect(scanner.scan(deepest, 0, deepest.length)).toBe(true);
    expect(acceptedScanProblems(scanner, deepest, ['time'])).toStrictEqual([]);
    // WHEN one level deeper (still JSON: JSON.parse has no such limit)
    const deeper = nested(MAX_DEPTH);
    expect(parsesToObject(deeper)).toBe(true);
    // THEN it is refused, and the next line is scanned from a clean state
    expect(scanner.scan(deeper, 0, deeper.length)).toBe(false);
    const next = Buffer.from('{"a":[[1]],"time":"t"}');
    expect(scanner.scan(next, 0, next.length)).toBe(true);
    expect(recordedValue(scanner, next, 0)).toBe('t');
  });

  test('refuses unbalanced brackets at the maximum depth', () => {
    const line = Buffer.from(`{"a":${'['.repeat(MAX_DEPTH - 1)}0${']'.repeat(MAX_DEPTH - 2)}}}`);
    expect(parsesToObject(line)).toBe(false);
    expect(scanAll(line, newScanner)).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// Seeded fuzz. Failures print the input, so a failing seed is reproducible as a table case above.

/** Keys the fuzz scanner records: time fields, the empty key, and one JSON.parse makes own. */
const TRACKED = ['time', 'timestamp', '@timestamp', 'a', '', '__proto__'];
const PLAIN_CHARS = [
  'a',
  'Z',
  '0',
  '9',
  ' ',
  '{',
  '}',
  '[',
  ']',
  ':',
  ',',
  '/',
  "'",
  '\x7f',
  'é',
  '中',
  '😀',
  '\u2028',
  '\u0080',
  '\uffff',
];
const ESCAPES = ['\\"', '\\\\', '\\/', '\\b', '\\f', '\\n', '\\r', '\\t', '\\ud83d\\ude00', '\\uDEAD'];
const HEX = '0123456789abcdefABCDEF';

function whitespace(r: Random): string {
  if (!r.chance(0.2)) return '';
  let s = '';
  for (let n = 1 + r.int(3); n > 0; n--) s += r.pick([' ', '\t', '\r', '\n']);
  return s;
}

/** A JSON string literal; `escapes` false keeps it escape-free. */
function jsonString(r: Random, escapes: boolean): string {
  let s = '"';
  for (let n = r.int(10); n > 0; n--) {
    const roll = r.int(10);
    if (escapes && roll === 0) s += r.pick(ESCAPES);
    else if (escapes && roll === 1) s += `\\u${[0, 1, 2, 3].map(() => r.pick([...HEX])).join('')}`;
    else if (roll < 4) s += r.pick(PLAIN_CHARS);
    else s += String.fromCharCode(0x61 + r.int(26));
  }
  return `${s}"`;
}

function jsonNumber(r: Random): string {
  let s = r.chance(0.3) ? '-' : '';
  s += r.chance(0.2) ? '0' : String(1 + r.int(9)) + String(r.int(10 ** r.int(6)) || '');
  if (r.chance(0.3)) s += `.${r.int(1000)}`;
  if (r.chance(0.2)) s += `${r.pick(['e', 'E'])}${r.pick(['', '+', '-'])}${r.int(400)}`;
  return s;
}

function jsonValue(r: Random, depth: number): string {
  const roll = r.int(depth >= 5 ? 6 : 9);
  if (roll <= 1) return jsonString(r, true);
  if (roll <= 3) return jsonNumber(r);
  if (roll <= 5) return r.pick(['true', 'false', 'null']);
  if (roll <= 6) {
    const items = Array.from(
      { length: r.int(4) },
      () => whitespace(r) + jsonValue(r, depth + 1) + whitespace(r),
    );
    return `[${items.join(',') || whitespace(r)}]`;
  }
  return jsonObject(r, depth + 1, false).text;
}

/** An object; at the top level, says whether a key has escapes (the scanner's allowed refusal). */
function jsonObject(r: Random, depth: number, top: boolean): { text: string; escapedKey: boolean } {
  let escapedKey = false;
  const members = Array.from({ length: r.int(top ? 7 : 4) }, () => {
    let key: string;
    if (r.chance(0.4)) key = JSON.stringify(r.pick(TRACKED));
    else if (top && r.chance(0.1)) {
      // An escaped key, possibly spelling a tracked one.
      key = r.chance(0.5) ? '"ti\\u006de"' : `"${r.pick(ESCAPES)}${jsonString(r, false).slice(1)}`;
      escapedKey = true;
    } else key = jsonString(r, !top);
    return `${whitespace(r)}${key}${whitespace(r)}:${whitespace(r)}${jsonValue(r, depth)}${whitespace(r)}`;
  });
  return { text: `{${members.join(',') || whitespace(r)}}`, escapedKey };
}

/** Bytes a mutation inserts: structure, quotes, backslashes, control characters, digits, high bytes. */
const MUTATION_BYTES = [
  ...Buffer.from('{}[]:,"\\0123456789-+.eEtrufalsn ux'),
  ...Array.from({ length: 0x20 }, (_, c) => c),
  0x7f,
  0x80,
  0xbf,
  0xc3,
  0xe2,
  0xed,
  0xf0,
  0xff,
];

function mutate(r: Random, bytes: Buffer): Buffer {
  let out = bytes;
  for (let n = 1 + r.int(3); n > 0; n--) {
    const at = r.int(out.length + 1);
    const byte = Buffer.from([r.pick(MUTATION_BYTES)]);
    const op = out.length === 0 ? 1 : r.int(3);
    if (op === 0) out = Buffer.concat([out.subarray(0, at), out.subarray(at + 1)]);
    else if (op === 1) out = Buffer.concat([out.subarray(0, at), byte, out.subarray(at)]);
    else out = Buffer.concat([out.subarray(0, at), byte, out.subarray(at + 1)]);
  }
  return out;
}

describe.each(SCANNERS)('seeded fuzz against JSON.parse (%s)', (_name, newScanner) => {
  test('accepts only JSON objects, records their members as JSON.parse reads them, and accepts all it should', () => {
    // GIVEN thousands of generated lines (objects, some non-objects) and byte-level mutations
    const r = new Random(0x5eed);
    const scanner = newScanner(TRACKED);
    const failures: string[] = [];
    const stats = { objects: 0, eligible: 0, accepted: 0, mutants: 0, validMutants: 0, acceptedMutants: 0 };
    const fail = (bytes: Buffer, problem: string): void => {
      if (failures.length < 10) failures.push(`${JSON.stringify(bytes.toString('latin1'))}: ${problem}`);
    };

    /** Scans `bytes` alone and inside a padded buffer; checks soundness and completeness. */
    const check = (bytes: Buffer): boolean => {
      const accepted = scanner.scan(bytes, 0, bytes.length);
      if (accepted) {
        for (const problem of acceptedScanProblems(scanner, bytes, TRACKED)) fail(bytes, problem);
      } else if (!bytes.includes(0x5c) && parsesToObject(bytes)) {
        // Without a backslash no key can be escaped, and the fuzz never nests near MAX_DEPTH: a
        // valid object refused here is a refusal the module comment does not allow.
        fail(bytes, 'a JSON object without escapes is refused');
      }
      // The same bytes inside other bytes (which could close a string or the object) scan the same.
      const pad = r.int(4);
      const padded = Buffer.concat([
        Buffer.from(Array.from({ length: pad }, () => r.pick(MUTATION_BYTES))),
        bytes,
        Buffer.from(Array.from({ length: 1 + r.int(4) }, () => r.pick(MUTATION_BYTES))),
      ]);
      // What was recorded, with positions moved to where they are in `padded`.
      const records = (shift: number): string =>
        JSON.stringify([
          [scanner.objectStart + shift, scanner.objectEnd + shift],
          Array.from(scanner.valueKind, (kind, k) =>
            kind === ValueKind.Absent
              ? [kind]
              : [kind, scanner.valueStart[k] + shift, scanner.valueEnd[k] + shift],
          ),
        ]);
      const alone = records(pad);
      if (scanner.scan(padded, pad, pad + bytes.length) !== accepted) {
        fail(bytes, `scanned differently at offset ${pad} of ${JSON.stringify(padded.toString('latin1'))}`);
      } else if (accepted && records(0) !== alone) {
        fail(bytes, 'records differ inside a larger buffer');
      }
      return accepted;
    };

    // WHEN
    for (let n = 0; n < 4000; n++) {
      let text: string;
      let escapedKey = false;
      const isObject = !r.chance(0.1);
      if (isObject) ({ text, escapedKey } = jsonObject(r, 0, true));
      else text = jsonValue(r, 0);
      const bytes = Buffer.from(whitespace(r) + text + whitespace(r));
      const accepted = check(bytes);
      if (isObject) {
        stats.objects++;
        if (!escapedKey) {
          stats.eligible++;
          if (accepted) stats.accepted++;
        }
      } else if (accepted && !text.startsWith('{')) {
        fail(bytes, 'a top-level non-object is accepted');
      }
      for (let m = 0; m < 3; m++) {
        const mutant = mutate(r, bytes);
        stats.mutants++;
        if (parsesToObject(mutant)) stats.validMutants++;
        if (check(mutant)) stats.acceptedMutants++;
      }
      // A truncation of the line: what a chunk boundary or a wrong `end` would scan.
      check(bytes.subarray(0, r.int(bytes.length + 1)));
    }

    // THEN nothing was accepted that JSON.parse refuses, and nothing valid was refused without cause
    expect(failures).toStrictEqual([]);
    // every generated object without an escaped top-level key was accepted (not merely most)
    expect(stats.accepted).toBe(stats.eligible);
    expect(stats.eligible).toBeGreaterThan(0.6 * stats.objects);
    // and the mutants exercised both sides: some stay valid and are accepted, most break
    expect(stats.acceptedMutants).toBeGreaterThan(0.08 * stats.mutants);
    expect(stats.acceptedMutants).toBeLessThanOrEqual(stats.validMutants);
    expect(stats.mutants - stats.validMutants).toBeGreaterThan(0.4 * stats.mutants);
  });
});
