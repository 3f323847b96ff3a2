// jsonLineSources (lambda/formats/json-lines.ts) reads ndjson off an object's bytes. Its promise is
// that only the cost changes: line for line it must yield what the text path yielded before it
// existed, `lineSources(decodeText(...))` and then `parseJsonObjectRecord` per record. These tests
// hold it to that on inputs built around every place the two paths could part (BOMs, line endings,
// blank lines, invalid UTF-8, the line length limit, time fields) and with chunk boundaries
// anywhere, including inside multi-byte characters and between \r and \n.
import { isUtf8 } from 'node:buffer';
import { gzipSync } from 'node:zlib';
import type { SourceItem } from '../../../lambda/formats/format';
import { jsonLineSources } from '../../../lambda/formats/json-lines';
import { MAX_DEPTH } from '../../../lambda/formats/json-scan';
import { DEFAULT_MAX_LINE_LENGTH } from '../../../lambda/formats/lines';
import {
  lineSources,
  oversizedLineReason,
  parseJsonObjectRecord,
} from '../../../lambda/formats/parse-helpers';
import { JSON_TIME_FIELDS, jsonRecordTime } from '../../../lambda/formats/time';
import { decodeText } from '../../../lambda/io/object-reader';
import { parseObjectBatches, type ObjectRef, type ParseOutcome } from '../../../lambda/pipeline/parse-object';
import { JsonRow, RowFactory, rowOriginOf, type RawJson } from '../../../lambda/pipeline/rows';
import { fixture, objectRef } from './helpers';
import { Random } from '../../support/random';

/** One record slot as the ndjson format ends up with it, whichever path it took. */
type Slot = { line: number; json: string; time: string | null } | { line: number; malformed: string };

function parsedSlot(text: string, line: number): Slot {
  const parsed = parseJsonObjectRecord(text, jsonRecordTime);
  if ('error' in parsed) return { line, malformed: parsed.error };
  return { line, json: (parsed.fields.Record as RawJson).json, time: parsed.time ?? null };
}

function slotOf(item: SourceItem): Slot {
  switch (item.kind) {
    case 'record':
      return parsedSlot(item.text, item.lineNumber);
    case 'malformed':
      return { line: item.lineNumber, malformed: item.reason };
    case 'json-object':
      // The batcher sends these bytes as they are: they must be the UTF-8 of the (trimmed) text the
      // text path would have sent, for the column the format names.
      return {
        line: item.lineNumber,
        json:
          isUtf8(item.json) && item.column === 'Record'
            ? item.json.toString('utf8')
            : `<${item.column}: ${item.json.toString('hex')}>`,
        time: item.time ?? null,
      };
    default:
      throw new Error(`unexpected item ${item.kind}`);
  }
}

async function* once(bytes: Buffer): AsyncGenerator<Buffer> {
  yield bytes;
}

async function* iterate(chunks: readonly Buffer[]): AsyncGenerator<Buffer> {
  yield* chunks;
}

/** The reference: the text path, as parseObjectBatches ran it before `splitBytes` existed. */
async function textPathSlots(bytes: Buffer, maxLineLength = DEFAULT_MAX_LINE_LENGTH): Promise<Slot[]> {
  // decodeText sniffs gzip: the inputs here are what comes out of a decompression, never gzip.
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) throw new Error('an input must not start like gzip');
  const slots: Slot[] = [];
  for await (const items of lineSources(decodeText(once(bytes)), undefined, maxLineLength)) {
    for (const item of items) slots.push(slotOf(item));
  }
  return slots;
}

/** The fast path over `chunks`, and how many slots it proved on the bytes. */
async function byteSlots(
  chunks: readonly Buffer[],
  maxLineLength?: number,
): Promise<{ slots: Slot[]; fast: number }> {
  const slots: Slot[] = [];
  let fast = 0;
  const options = { column: 'Record', timeFields: JSON_TIME_FIELDS, maxLineLength };
  for await (const items of jsonLineSources(iterate(chunks), options)) {
    for (const item of items) {
      if (item.kind === 'json-object') fast++;
      slots.push(slotOf(item));
    }
  }
  return { slots, fast };
}

// ---------------------------------------------------------------------------------------------
// Chunkings

/**
 * `bytes` cut at `cuts`, each chunk a copy of its own (small copies share Node's buffer pool, so a
 * chunk rarely starts at offset 0 of its ArrayBuffer, as in a real stream).
 */
function splitAt(bytes: Buffer, cuts: Iterable<number>): Buffer[] {
  const points = [...new Set([0, ...cuts, bytes.length])]
    .filter((p) => p >= 0 && p <= bytes.length)
    .sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  for (let k = 1; k < points.length; k++) chunks.push(Buffer.from(bytes.subarray(points[k - 1], points[k])));
  return chunks;
}

function everyNth(bytes: Buffer, size: number): number[] {
  return Array.from({ length: Math.ceil(bytes.length / size) }, (_, k) => k * size);
}

/** Cuts just before and after every \n, after every \r, and inside every multi-byte character. */
function boundaryCuts(bytes: Buffer): number[] {
  const cuts: number[] = [];
  bytes.forEach((byte, i) => {
    if (byte === 0x0a) cuts.push(i, i + 1);
    else if (byte === 0x0d) cuts.push(i + 1);
    else if ((byte & 0xc0) === 0x80) cuts.push(i);
  });
  return cuts;
}

function randomCuts(bytes: Buffer, r: Random, meanSize: number): number[] {
  const cuts: number[] = [];
  for (let p = 0; p < bytes.length; p += 1 + r.int(2 * meanSize)) cuts.push(p);
  return cuts;
}

/** The chunkings every input is read in, named for the failure message. */
function chunkings(bytes: Buffer, seed: number): [name: string, chunks: Buffer[]][] {
  const r = new Random(seed);
  return [
    ...[1, 2, 3, 5, 64, 4096].map((size): [string, Buffer[]] => [
      `${size}-byte chunks`,
      splitAt(bytes, everyNth(bytes, size)),
    ]),
    ...[3, 17, 300].map((mean): [string, Buffer[]] => [
      `random chunks of about ${mean}`,
      splitAt(bytes, randomCuts(bytes, r, mean)),
    ]),
    ['cut at every \\n, \\r and multi-byte character', splitAt(bytes, boundaryCuts(bytes))],
    [
      'halves with empty chunks around and between them',
      [Buffer.alloc(0), ...splitAt(bytes, [bytes.length >> 1]).flatMap((c) => [c, Buffer.alloc(0)])],
    ],
  ];
}

/** Asserts the fast path matches the text path for `bytes` in every chunking; returns the slots. */
async function expectSameAsTextPath(bytes: Buffer, maxLineLength?: number, seed = 1): Promise<Slot[]> {
  const expected = await textPathSlots(bytes, maxLineLength);
  for (const [chunking, chunks] of chunkings(bytes, seed)) {
    const { slots } = await byteSlots(chunks, maxLineLength);
    expect({ chunking, slots }).toStrictEqual({ chunking, slots: expected });
  }
  if (bytes.length <= 400) {
    // Small inputs: also in two chunks, cut at every position.
    for (let cut = 1; cut < bytes.length; cut++) {
      const { slots } = await byteSlots(splitAt(bytes, [cut]), maxLineLength);
      expect({ cut, slots }).toStrictEqual({ cut, slots: expected });
    }
  }
  return expected;
}

// ---------------------------------------------------------------------------------------------
// Inputs

const text = (s: string): Buffer => Buffer.from(s, 'utf8');
/** Bytes written as latin1 characters, to put exactly these bytes (invalid UTF-8 included) in a line. */
const raw = (s: string): Buffer => Buffer.from(s, 'latin1');
const lines = (...parts: (string | Buffer)[]): Buffer =>
  Buffer.concat(parts.flatMap((p) => [typeof p === 'string' ? text(p) : p, text('\n')]));

/** A time field's values, as written in JSON: times, epoch numbers, and values that are not times. */
const TIME_VALUES = [
  '"2024-01-02T03:04:05Z"',
  '"2024-01-02T03:04:05.123456789Z"',
  '"2024-01-02 03:04:05"',
  '"2024-01-02T03:04:05+02:00"',
  '"2024-01-02T03:04:05+0200"',
  '"2024-13-45T99:99:99Z"',
  '"2024-01-02"',
  '"20240102"',
  '"２０２４-01-02"',
  '1700000000',
  '1700000000.5',
  '1700000000123',
  '1700000000123456',
  '1700000000123456789',
  '1.7e9',
  '1.7E+12',
  '-1',
  '-0',
  '0',
  '1e400',
  '-1e400',
  '9e15',
  '123456789012345678901234567890',
  '"1700000000"',
  '"1700000000.5"',
  '" 1700000000"',
  '"-1"',
  '"soon"',
  '""',
  'null',
  'true',
  'false',
  '{"time":1700000000}',
  '[1700000000]',
  '"2024-01-02T03:04:05\\u005a"',
  '"\\u0032024-01-02T03:04:05Z"',
  '"2024-01-02T03:04:05Z\\n"',
  '"2024-01-02T03:04:05Z\\u0000"',
  '"2024-01-02T03:04:05.5\\u002b01:00"',
];

/** A line of `units` UTF-16 code units: `{"m":"` + `fill` repeated + `"}`. */
function lineOf(units: number, fill: string): string {
  const count = (units - 8) / fill.length;
  if (!Number.isInteger(count)) throw new Error(`${units} units cannot be filled with ${fill}`);
  return `{"m":"${fill.repeat(count)}"}`;
}

const CASES: [name: string, bytes: Buffer, maxLineLength?: number][] = [
  [
    'typical log lines',
    lines(
      ...Array.from({ length: 30 }, (_, i) =>
        JSON.stringify({ timestamp: 1700000000000 + i, level: 'info', message: `event ${i} é中😀`, n: i }),
      ),
    ),
  ],
  [
    'a BOM at the start, and at the start of later lines',
    text('\ufeff{"a":1}\n\ufeff{"a":2}\n{"a":3}\n\ufeff\n\ufeff'),
  ],
  ['a BOM on a line of its own', text('\ufeff\n{"a":1}\n')],
  ['a BOM before whitespace', text('\ufeff  \n{"a":1}')],
  ['a blank first line, then a BOM', text('\n\ufeff{"a":1}\n')],
  [
    'CRLF, lone CR and CR before CRLF',
    text('{"a":1}\r\n{"a":2}\r\n\r\n{"a":3}\r{"b":4}\n\r\n\r\r\n{"a":5}\r\r\n\r{"a":6}\n{"a":7}\r'),
  ],
  [
    'blank and whitespace-only lines',
    text('\n\n  \n\t\n \t \r\n{"a":1}\n \r \n   {"a":2}   \n\t{"a":3}\t\n\n'),
  ],
  ['lines with \\f and \\v', text('\f{"a":1}\n{"a":2}\v\n\v\n \f \n\f\n{"a":\f3}\n \v{"a":4}\n\t\f\n')],
  ['no final newline', text('{"a":1}\n{"a":2}')],
  ['no final newline, ending in a cut multi-byte character', raw('{"a":1}\n{"a":"\xe2\x82')],
  ['a single line without a newline', text('{"time":1700000000}')],
  ['only newlines', text('\n\n\r\n\n')],
  ['empty', Buffer.alloc(0)],
  ['empty objects', text('{}\n{ }\n {} \n{}\r\n\t{}\t\n{\r\n}\n')],
  [
    'invalid UTF-8 inside strings',
    lines(
      raw('{"m":"\xff"}'),
      raw('{"m":"\xe2\x82"}'),
      raw('{"m":"\xc0\xaf"}'),
      raw('{"m":"\xe0\x80\xaf"}'),
      raw('{"m":"\xed\xa0\x80"}'),
      raw('{"m":"\xed\xbf\xbf\xed\xa0\x80"}'),
      raw('{"m":"\xf4\x90\x80\x80"}'),
      raw('{"m":"\xf8\x88\x80\x80\x80"}'),
      raw('{"m":"\x80\xbf"}'),
      raw('{"m":"ok \xc3\xa9 \xc3"}'),
      raw('{"time":"2024-01-02T03:04:05Z","m":"\xff"}'),
      raw('{"time":"2024-01-02T03:04:05Z\xff"}'),
      raw('{"m\xff":1,"time":1700000000}'),
      raw('{"m":"\xef\xbb\xbf"}'),
    ),
  ],
  [
    'invalid UTF-8 outside strings',
    lines(
      raw('{"m":1}\xff'),
      raw('\xff{"m":1}'),
      raw('{"m":1,\xc3\xa9:2}'),
      raw('\xef\xbb{"a":1}'),
      raw('\xed\xa0\x80'),
      raw('\xc0\x8a{"a":1}'),
      raw('{"a":1}\xe2\x80'),
    ),
  ],
  ['JSON that is not an object', text('[1]\n"s"\n42\nnull\ntrue\n[{"time":1}]\n-0\n""\n')],
  [
    'malformed JSON',
    lines(
      '{"a":',
      '{"a":1,}',
      '{a:1}',
      '{"a":1}{"b":2}',
      '{"a":1} {"b":2}',
      '\u00a0{}',
      '{}\u00a0',
      '{"a":01}',
      '{"a":"\t"}',
      '{"a":"\\x"}',
      '{"a":tru}',
      '{"time":"2024-01-02T03:04:05Z",}',
      '}',
      '{',
    ),
  ],
  [
    'time fields of every kind',
    lines(
      ...TIME_VALUES.map((value) => `{"time":${value},"n":1}`),
      ...TIME_VALUES.map((value) => `{"n":1,"eventTime" : ${value} }`),
      ...JSON_TIME_FIELDS.map((field) => `{${JSON.stringify(field)}:"2024-01-02T03:04:05Z"}`),
      ...JSON_TIME_FIELDS.map((field) => `{${JSON.stringify(field)}:1700000000}`),
      // preference, fallbacks, duplicates (JSON.parse keeps the last), nesting, other names
      '{"time":"2024-01-01T00:00:00Z","timestamp":"2025-01-01T00:00:00Z"}',
      '{"timestamp":"soon","time":1700000000}',
      '{"timestamp":null,"@timestamp":{"a":1},"time":[1],"eventTime":true,"updatedAt":"2024-01-02T03:04:05Z"}',
      '{"time":"bad","time":1700000000}',
      '{"time":1700000000,"time":"bad"}',
      '{"time":1700000000,"time":null}',
      '{"a":{"time":1700000000}}',
      '{"TIME":1700000000,"times":1,"Time":2}',
      '{"updatedAt":"2024-01-02T03:04:05Z","Timestamp":"2023-01-02T03:04:05Z"}',
    ),
  ],
  [
    'escaped top-level keys',
    lines(
      '{"ti\\u006de":"2024-01-02T03:04:05Z"}',
      '{"a\\"b":1,"time":1700000000}',
      '{"time":"2024-01-02T03:04:05Z","ti\\u006de":1700000000}',
      '{"\\u0074ime":1700000000,"time":"bad"}',
      '{"a":{"ti\\u006de":1},"time":"2024-01-02T03:04:05Z"}',
    ),
  ],
  [
    'nesting deeper than the scanner goes (still JSON)',
    lines(
      `{"time":1700000000,"a":${'['.repeat(MAX_DEPTH + 5)}0${']'.repeat(MAX_DEPTH + 5)}}`,
      `{"time":1700000000,"a":${'['.repeat(MAX_DEPTH + 5)}0${']'.repeat(MAX_DEPTH + 4)}}`,
      '{"after":1}',
    ),
  ],
  [
    'oversized lines, within chunks and spanning them',
    lines(
      lineOf(48, 'x'), // oversized first line
      lineOf(38, 'x'),
      lineOf(40, 'x'),
      lineOf(42, 'x'),
      `${lineOf(40, 'x')}\r`, // 41 with the \r: oversized
      `${lineOf(38, 'x')}\r`,
      `${lineOf(39, 'x')}\r`,
      ' '.repeat(41), // blank, but oversized all the same
      `{"m":"${'y'.repeat(300)}"}`,
      '{"time":1700000000}',
    ),
    40,
  ],
  [
    'multi-byte characters near the limit (it counts UTF-16 code units, not bytes)',
    Buffer.concat([
      lines(
        lineOf(40, 'é'), // 72 bytes, 40 units: a record
        lineOf(41, 'é'), // oversized
        lineOf(40, '😀'), // 72 bytes, 40 units
        lineOf(42, '😀'),
        `${lineOf(38, '中')}\r`,
        `${lineOf(40, '中')}\r`,
        lineOf(40, 'é😀中'.repeat(2)),
      ),
      // invalid UTF-8: each of these becomes one U+FFFD (one unit)
      lines(raw(`{"m":"${'\xff'.repeat(32)}"}`), raw(`{"m":"${'\xff'.repeat(33)}"}`)),
      lines(raw(`{"m":"${'\xe2\x82'.repeat(32)}"}`), raw(`{"m":"${'\xe2\x82'.repeat(33)}"}`)),
      raw(`{"m":"${'\xc3\xa9'.repeat(33)}`), // oversized, at the end, no newline
    ]),
    40,
  ],
  ['an oversized last line without a newline', text(`{"a":1}\n{"m":"${'z'.repeat(50)}"}`), 40],
  ['a limit of one unit', text('{}\n\n{"a":1}\n \n1\n'), 1],
];

describe('jsonLineSources: the same slots as the text path', () => {
  // Every row with three entries: jest passes a `done` callback for a missing last argument.
  const cases = CASES.map(([name, bytes, max]): [string, Buffer, number | undefined] => [name, bytes, max]);
  test.each(cases)('%s', async (_name, bytes, maxLineLength) => {
    // GIVEN the slots the text path makes of the bytes
    // WHEN the fast path reads them in many chunkings
    // THEN it yields the same slots, in the same order, with the same line numbers, text and time
    const expected = await expectSameAsTextPath(bytes, maxLineLength);
    // (and only an input of bare line endings has no slot at all: no case compares nothing)
    expect(expected.length > 0 || bytes.every((b) => b === 0x0a || b === 0x0d)).toBe(true);
  });

  test('the first BOM is dropped; a BOM at the start of a later line is not', async () => {
    // GIVEN
    const bytes = text('\ufeff{"a":1}\n\ufeff{"a":2}\n');
    // WHEN / THEN
    const slots = await expectSameAsTextPath(bytes);
    expect(slots).toStrictEqual([
      { line: 1, json: '{"a":1}', time: null },
      { line: 2, malformed: expect.stringMatching(/^not valid JSON/) },
    ]);
  });

  test('the limit counts UTF-16 code units with the \\r, not bytes', async () => {
    // GIVEN lines of 40 units (72 bytes), 41 units, and 40 units plus a \r, limit 40
    const bytes = lines(lineOf(40, 'é'), lineOf(41, 'é'), `${lineOf(40, 'x')}\r`, lineOf(40, '😀'));
    // WHEN / THEN
    const slots = await expectSameAsTextPath(bytes, 40);
    expect(slots.map((s) => ('json' in s ? 'record' : s.malformed))).toStrictEqual([
      'record',
      oversizedLineReason(40),
      oversizedLineReason(40),
      'record',
    ]);
  });

  test('time fields give the time jsonRecordTime gives the parsed object', async () => {
    // GIVEN the time-field case, read in one chunk
    const [, bytes] = CASES.find(([name]) => name === 'time fields of every kind')!;
    // WHEN
    const { slots, fast } = await byteSlots([bytes]);
    // THEN each row's time is jsonRecordTime of its parsed JSON (the reference computes it the same
    // way; this also shows the case holds rows with and without a time, most of them on the fast path)
    const rows = slots.filter((s): s is Extract<Slot, { json: string }> => 'json' in s);
    expect(rows.map((s) => s.time)).toStrictEqual(
      rows.map((s) => jsonRecordTime(JSON.parse(s.json)) ?? null),
    );
    expect(rows.filter((s) => s.time !== null).length).toBeGreaterThan(40);
    expect(rows.filter((s) => s.time === null).length).toBeGreaterThan(20);
    expect(fast).toBeGreaterThan(0.9 * rows.length);
  });
});

// ---------------------------------------------------------------------------------------------
// Random documents

const FRAGMENTS = [
  '',
  ' ',
  '\t',
  ' \t ',
  '\f',
  '\v{}',
  '{}',
  '[1]',
  '42',
  'null',
  '{"a":',
  '{"a":1,}',
  '{"a":1}{"b":2}',
  '\ufeff{"a":1}',
  '\u00a0{"a":1}',
  '{"ti\\u006de":1700000000}',
  '{"a":"\\ud83d\\ude00\\u00e9"}',
];
const STRING_PARTS = [
  'a',
  'é',
  '中',
  '😀',
  ' ',
  '\\n',
  '\\"',
  '\\\\',
  '\\u00e9',
  '\\ud83d\\ude00',
  '\u2028',
  '/',
];
const INVALID_BYTES = ['\xff', '\xc3', '\xe2\x82', '\xed\xa0\x80', '\xc0\xaf', '\x80'];

function randomObjectLine(r: Random): string {
  const members: string[] = [];
  if (r.chance(0.7)) members.push(`"${r.pick(JSON_TIME_FIELDS)}":${r.pick(TIME_VALUES)}`);
  if (r.chance(0.2)) members.push(`"${r.pick(JSON_TIME_FIELDS)}":${r.pick(TIME_VALUES)}`);
  const message = Array.from({ length: r.int(12) }, () => r.pick(STRING_PARTS)).join('');
  members.push(`"message":"${message}"`);
  if (r.chance(0.5)) members.push(`"n":${r.int(1e6)}`);
  if (r.chance(0.3)) members.push(`"nested":{"time":${r.pick(TIME_VALUES)},"list":[1,{"a":null}]}`);
  if (r.chance(0.05)) members.push('"ti\\u006de":1700000000');
  for (let k = members.length - 1; k > 0; k--) {
    const j = r.int(k + 1);
    [members[k], members[j]] = [members[j], members[k]];
  }
  const pad = (): string => (r.chance(0.2) ? r.pick([' ', '\t', '  ']) : '');
  return `${pad()}{${members.join(r.chance(0.2) ? ' , ' : ',')}}${pad()}`;
}

/** A random ndjson document: mostly objects, with blank, broken, oversized and non-UTF-8 lines. */
function randomDocument(r: Random, maxLineLength: number): Buffer {
  const parts: Buffer[] = [];
  if (r.chance(0.2)) parts.push(text('\ufeff'));
  const count = 10 + r.int(40);
  for (let n = 0; n < count; n++) {
    const roll = r.int(20);
    let line: Buffer;
    if (roll < 12) line = text(randomObjectLine(r));
    else if (roll < 15) line = text(r.pick(FRAGMENTS));
    else if (roll < 17) {
      // invalid UTF-8 somewhere in an object line
      const bytes = text(randomObjectLine(r));
      const at = r.int(bytes.length + 1);
      line = Buffer.concat([bytes.subarray(0, at), raw(r.pick(INVALID_BYTES)), bytes.subarray(at)]);
    } else if (roll < 18) {
      // about the limit in UTF-16 code units, and past it in bytes
      const fill = r.pick(['x', 'é', '😀']);
      line = text(`{"m":"${fill.repeat(Math.floor((maxLineLength - 12 + r.int(10)) / fill.length))}"}`);
    } else {
      // a byte changed: usually malformed, sometimes still JSON
      const bytes = Buffer.from(text(randomObjectLine(r)));
      if (bytes.length > 0) bytes[r.int(bytes.length)] = r.pick([...Buffer.from('{}[]:,"\\0 \t\r')]);
      line = bytes;
    }
    parts.push(line);
    const last = n === count - 1;
    if (!last || r.chance(0.7)) parts.push(text(r.pick(['\n', '\n', '\n', '\n', '\r\n', '\r\r\n'])));
  }
  return Buffer.concat(parts);
}

describe('jsonLineSources: seeded random documents', () => {
  test('yield the same slots as the text path in every chunking', async () => {
    // GIVEN seeded documents, half with a limit their longest lines cross
    const r = new Random(0xd0c5);
    let fast = 0;
    let total = 0;
    for (let doc = 0; doc < 24; doc++) {
      const maxLineLength = doc % 2 === 0 ? 64 : DEFAULT_MAX_LINE_LENGTH;
      const bytes = randomDocument(r, 64);
      // WHEN / THEN
      const expected = await textPathSlots(bytes, maxLineLength);
      for (const [chunking, chunks] of chunkings(bytes, doc)) {
        const result = await byteSlots(chunks, maxLineLength);
        expect({ doc, chunking, slots: result.slots }).toStrictEqual({ doc, chunking, slots: expected });
      }
      const whole = await byteSlots([bytes], maxLineLength);
      fast += whole.fast;
      total += expected.filter((s) => 'json' in s).length;
    }
    // and read in one chunk, most of their rows came from the fast path
    expect(fast).toBeGreaterThan(0.7 * total);
  });
});

describe('jsonLineSources: the fast path is used', () => {
  /** `count` lines as a typical application writes them. */
  function typicalLog(count: number): Buffer {
    return lines(
      ...Array.from({ length: count }, (_, i) =>
        JSON.stringify({
          '@timestamp': new Date(Date.UTC(2024, 0, 2, 3, 4, i % 60)).toISOString(),
          level: i % 7 === 0 ? 'warn' : 'info',
          message: `request ${i} served in ${i % 97} ms — ok`,
          http: { method: 'GET', path: `/items/${i}`, status: 200 },
        }),
      ),
    );
  }

  test.each([4096, 64 * 1024])(
    'in %d-byte chunks, every line but the one ending at each chunk’s first newline takes it',
    async (size) => {
      // GIVEN 500 typical lines
      const bytes = typicalLog(500);
      const chunks = splitAt(bytes, everyNth(bytes, size));
      // WHEN
      const { slots, fast } = await byteSlots(chunks);
      // THEN all are rows with their time, and only the lines the text path must finish went slow
      expect(slots).toHaveLength(500);
      expect(slots.every((s) => 'json' in s && s.time !== null)).toBe(true);
      expect(fast).toBeGreaterThanOrEqual(500 - chunks.length);
      expect(slots).toStrictEqual(await textPathSlots(bytes));
    },
  );
});

// ---------------------------------------------------------------------------------------------
// End to end through parseObjectBatches

async function* body(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let offset = 0; offset < bytes.length; offset += size) yield bytes.subarray(offset, offset + size);
}

type Comparable =
  | { kind: 'row'; index: number; row: Record<string, unknown>; json: string | undefined }
  | { kind: 'malformed'; index: number; lineNumber: number; reason: string };

function comparable(outcome: ParseOutcome): Comparable {
  if (outcome.kind === 'row') {
    const row = outcome.row;
    return { kind: 'row', index: outcome.index, row, json: rowOriginOf(row)?.raw?.Record?.json };
  }
  if (outcome.kind === 'malformed') {
    const { index, lineNumber, reason } = outcome;
    return { kind: 'malformed', index, lineNumber, reason };
  }
  throw new Error(`unexpected outcome ${outcome.kind}`);
}

/** What parseObjectBatches('ndjson', ...) made before splitBytes: the text path and RowFactory.row. */
async function textPathOutcomes(bytes: Buffer, object: ObjectRef, skipRecords = 0): Promise<Comparable[]> {
  const rows = new RowFactory(object);
  const out: Comparable[] = [];
  let index = 0;
  for await (const items of lineSources(decodeText(body(bytes, 64 * 1024)))) {
    for (const item of items) {
      const i = index++;
      if (i < skipRecords) continue;
      if (item.kind === 'malformed') {
        out.push({ kind: 'malformed', index: i, lineNumber: item.lineNumber, reason: item.reason });
      } else if (item.kind === 'record') {
        const parsed = parseJsonObjectRecord(item.text, jsonRecordTime);
        if ('error' in parsed) {
          out.push({ kind: 'malformed', index: i, lineNumber: item.lineNumber, reason: parsed.error });
        } else {
          const row = rows.row(i, parsed.time, parsed.fields);
          out.push({ kind: 'row', index: i, row, json: (parsed.fields.Record as RawJson).json });
        }
      }
    }
  }
  return out;
}

/** Every JSON sample among the fixtures, one compact object per line (CloudTrail's one per record). */
function compactedSamples(): Buffer {
  const objects = [
    'waf/missing_webaclid_log.json',
    'network-firewall/alert_with_metadata_log.json',
    'network-firewall/flow_log.json',
    'network-firewall/http_log.json',
    'network-firewall/tls_log.json',
    'route53resolver/dns-sample.json',
    'cloudwatch-subscription/valid_cloudwatch_log.json',
  ].map((path) => JSON.parse(fixture(path).toString('utf8')) as unknown);
  const trail = JSON.parse(fixture('cloudtrail/cloudtrail_log.json').toString('utf8')) as {
    Records: unknown[];
  };
  return text([...objects, ...trail.Records].map((o) => JSON.stringify(o)).join('\r\n'));
}

const FIXTURES: [name: string, bytes: () => Buffer][] = [
  ['waf/valid_log_multi.json', () => fixture('waf/valid_log_multi.json')],
  ['network-firewall/alert_log_multi.json', () => fixture('network-firewall/alert_log_multi.json')],
  [
    'cloudwatch-subscription/cloudtrail_log_cw.json',
    () => fixture('cloudwatch-subscription/cloudtrail_log_cw.json'),
  ],
  // pretty-printed: every line is malformed or a fragment, through either path
  ['cloudtrail/cloudtrail_log.json', () => fixture('cloudtrail/cloudtrail_log.json')],
  ['the JSON samples compacted, CRLF', compactedSamples],
];

describe('parseObjectBatches(ndjson): rows from the fast path', () => {
  test.each(FIXTURES)('%s: the same outcomes and rows as the text path', async (_name, bytesOf) => {
    // GIVEN the sample and an object it came from
    const bytes = bytesOf();
    const object = objectRef({ key: 'AWSLogs/123456789012/app/2024/01/02/object.ndjson.gz' });
    const expected = await textPathOutcomes(bytes, object);
    for (const [variant, data, size] of [
      ['plain, one chunk', bytes, 64 * 1024],
      ['plain, 7-byte chunks', bytes, 7],
      ['gzip, 13-byte chunks', gzipSync(bytes), 13],
    ] as const) {
      // WHEN
      const outcomes: ParseOutcome[] = [];
      for await (const batch of parseObjectBatches('ndjson', body(data, size), object))
        outcomes.push(...batch);
      // THEN the rows the JsonRow getter builds equal RowFactory.row's, RecordIndex, RecordId and
      // TimeGenerated included, and the batcher would send the same JSON text
      expect({ variant, outcomes: outcomes.map(comparable) }).toStrictEqual({ variant, outcomes: expected });
      if (variant === 'plain, one chunk') {
        const jsonRows = outcomes.filter((o) => o instanceof JsonRow).length;
        const rows = expected.filter((o) => o.kind === 'row').length;
        // every row was proven on its bytes but the first line's and an unterminated last line's
        expect(jsonRows).toBeGreaterThanOrEqual(rows - 2);
      }
    }
  });

  test('a continuation skips the same records on the fast path', async () => {
    // GIVEN the compacted samples, resumed after 5 records
    const bytes = compactedSamples();
    const object = objectRef();
    // WHEN
    const outcomes: ParseOutcome[] = [];
    for await (const batch of parseObjectBatches('ndjson', body(bytes, 64 * 1024), object, {
      skipRecords: 5,
    })) {
      outcomes.push(...batch);
    }
    // THEN
    const expected = await textPathOutcomes(bytes, object, 5);
    expect(outcomes.map(comparable)).toStrictEqual(expected);
    expect(expected[0]).toMatchObject({ index: 5, row: { RecordIndex: 5 } });
    expect(outcomes.some((o) => o instanceof JsonRow)).toBe(true);
  });
});
