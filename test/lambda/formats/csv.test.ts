// The generic csv format (lambda/formats/csv.ts): header, delimiters, RFC 4180 quoting, records
// spanning lines, malformed isolation with line numbers, continuations and chunk boundaries.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CsvRecordSplitter, csvFields, parseCsvOptions, type CsvOptions } from '../../../lambda/formats/csv';
import { FORMATS, type SourceItem } from '../../../lambda/formats';
import { parseObject, type ParseOutcome } from '../../../lambda/pipeline/parse-object';
import { chunked, malformedOf, objectRef, rowsOf, hasIndex } from './helpers';

const SAMPLE = readFileSync(join(__dirname, '..', '..', 'fixtures', 'csv', 'sample.csv'));

/** Every outcome of parsing `data` as csv with `options`, in chunks of `chunkSize` bytes. */
async function parseCsv(
  data: string | Buffer,
  options: { formatOptions?: CsvOptions; skipRecords?: number; chunkSize?: number } = {},
): Promise<ParseOutcome[]> {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  const outcomes: ParseOutcome[] = [];
  const { chunkSize, ...rest } = options;
  for await (const outcome of parseObject('csv', chunked(bytes, chunkSize), objectRef(), rest))
    outcomes.push(outcome);
  return outcomes;
}

/** The Record column of each row. */
const records = (outcomes: readonly ParseOutcome[]) => rowsOf(outcomes).map((r) => r.Record);

describe('csv format', () => {
  test('the sample: header names the fields, quoting, a record over two lines, a blank line', async () => {
    const outcomes = await parseCsv(gzipSync(SAMPLE));
    expect(malformedOf(outcomes)).toStrictEqual([]);
    expect(records(outcomes)).toStrictEqual([
      {
        time: '2026-01-02T03:04:05Z',
        user: 'alice',
        action: 'login',
        'detail, quoted': 'from "office" VPN',
        bytes: '120',
      },
      {
        time: '2026-01-02T03:05:00Z',
        user: 'bob',
        action: 'upload',
        'detail, quoted': 'two\r\nlines',
        bytes: '2048',
      },
      { time: '2026-01-02T03:06:10Z', user: 'carol', action: 'logout', 'detail, quoted': '', bytes: '0' },
    ]);
    // TimeGenerated from the record's own time field; indexes count records, not the header.
    const rows = rowsOf(outcomes);
    expect(rows.map((r) => [r.RecordIndex, r.TimeGenerated])).toStrictEqual([
      [0, '2026-01-02T03:04:05Z'],
      [1, '2026-01-02T03:05:00Z'],
      [2, '2026-01-02T03:06:10Z'],
    ]);
  });

  test.each([1, 2, 3, 5, 7, 64])(
    'gives the same outcomes whatever the chunk size (%i bytes)',
    async (size) => {
      expect(await parseCsv(SAMPLE, { chunkSize: size })).toStrictEqual(await parseCsv(SAMPLE));
    },
  );

  test.each([
    ['tab', '\t'],
    ['semicolon', ';'],
    ['pipe', '|'],
    ['comma', ','],
  ] as const)('reads the %s delimiter, the others being plain text', async (_name, delimiter) => {
    const others = [',', ';', '|'].filter((d) => d !== delimiter).join('');
    const text = [`a${delimiter}b`, `x${others}y${delimiter}"q${delimiter}r"`].join('\n');
    const outcomes = await parseCsv(text, delimiter === ',' ? {} : { formatOptions: { delimiter } });
    expect(records(outcomes)).toStrictEqual([{ a: `x${others}y`, b: `q${delimiter}r` }]);
  });

  test('isolates a record with more or fewer fields, naming its line, the counts and the fix', async () => {
    const text = ['a,b,c', '1,2,3', '1,2', '', '1,2,3,4', '"multi', 'line",2,3', 'x,y'].join('\n');
    const outcomes = await parseCsv(text);
    expect(malformedOf(outcomes)).toStrictEqual([
      {
        kind: 'malformed',
        lineNumber: 3,
        index: 1,
        reason:
          'line 3: 2 fields, but the header has 3; quote fields that contain the delimiter (",") or a line break, or set the delimiter the file uses (format option delimiter)',
      },
      {
        kind: 'malformed',
        lineNumber: 5,
        index: 2,
        reason: expect.stringMatching(/^line 5: 4 fields, but the header has 3;/),
      },
      {
        kind: 'malformed',
        lineNumber: 8,
        index: 4,
        reason: expect.stringMatching(/^line 8: 2 fields, but the header has 3;/),
      },
    ]);
    // The record spanning lines 6-7 is kept; its index follows the malformed ones.
    expect(rowsOf(outcomes).map((r) => [r.RecordIndex, r.Record])).toStrictEqual([
      [0, { a: '1', b: '2', c: '3' }],
      [3, { a: 'multi\nline', b: '2', c: '3' }],
    ]);
  });

  test('isolates text after a closing quote and a quote never closed', async () => {
    const outcomes = await parseCsv(['a,b', '"x"y,1', '2,3', '"open,4', 'more'].join('\n'));
    expect(malformedOf(outcomes)).toStrictEqual([
      {
        kind: 'malformed',
        lineNumber: 2,
        index: 0,
        reason:
          'line 2: text after the closing quote of field 1; a quoted field must end at the delimiter, and a quote inside it is written ""',
      },
      {
        kind: 'malformed',
        lineNumber: 4,
        index: 2,
        reason:
          'a quoted field opened on line 4 is never closed: the object ends inside it; close the field with a quote ("). The lines after that line are read as records of their own',
      },
      {
        kind: 'malformed',
        lineNumber: 5,
        index: 3,
        reason: expect.stringMatching(/^line 5: 1 field/),
      },
    ]);
    expect(records(outcomes)).toStrictEqual([{ a: '2', b: '3' }]);
  });

  test('a stray quote costs its own record only: the lines it swallowed are read again', async () => {
    // GIVEN an unclosed quote on line 3 of six
    const outcomes = await parseCsv(['a,b', '1,2', '"3,4', '5,6', '7,8', '9,10'].join('\n'));
    // THEN line 3 is malformed and every other line arrives, in order
    expect(malformedOf(outcomes).map((m) => m.lineNumber)).toStrictEqual([3]);
    expect(records(outcomes)).toStrictEqual([
      { a: '1', b: '2' },
      { a: '5', b: '6' },
      { a: '7', b: '8' },
      { a: '9', b: '10' },
    ]);
    expect(rowsOf(outcomes).map((r) => r.RecordIndex)).toStrictEqual([0, 2, 3, 4]);
  });

  test('keeps a quote inside an unquoted field as written', async () => {
    expect(records(await parseCsv('a,b\nsay "hi",2\n'))).toStrictEqual([{ a: 'say "hi"', b: '2' }]);
  });

  test.each([
    [
      'an empty name',
      'a,,c',
      `the header's column 2 has no name; give every column of the first line a name`,
    ],
    [
      'a repeated name',
      'id,name, id',
      `the header's column 3 ("id") repeats column 1; give every column of the first line a different name`,
    ],
  ])(
    'makes every record malformed when the header has %s, naming the column',
    async (_what, header, problem) => {
      const outcomes = await parseCsv(`\n${header}\n1,2,3\n4,5,6\n`);
      expect(rowsOf(outcomes)).toStrictEqual([]);
      expect(malformedOf(outcomes).map((m) => [m.lineNumber, m.reason])).toStrictEqual([
        [3, `the header (line 2) cannot name the fields: ${problem}`],
        [4, `the header (line 2) cannot name the fields: ${problem}`],
      ]);
    },
  );

  test('trims header names and drops a byte-order mark', async () => {
    expect(records(await parseCsv('\uFEFF id , name\n1,x'))).toStrictEqual([{ id: '1', name: 'x' }]);
  });

  test('a header alone, or an empty object, has no records', async () => {
    expect(await parseCsv('a,b\r\n')).toStrictEqual([]);
    expect(await parseCsv('')).toStrictEqual([]);
  });

  test('a continuation skips the same records, whatever the chunks', async () => {
    const text = ['a,b', '1,"x', 'y"', 'bad', '3,z', '4,w'].join('\n');
    const whole = await parseCsv(text);
    for (const skip of [0, 1, 2, 3, 4]) {
      const resumed = await parseCsv(text, { skipRecords: skip, chunkSize: 3 });
      expect(resumed.filter(hasIndex)).toStrictEqual(whole.filter((o) => hasIndex(o) && o.index >= skip));
    }
    expect(
      whole.map((o) => (o.kind === 'row' ? o.index : `m${(o as { index: number }).index}`)),
    ).toStrictEqual([0, 'm1', 2, 3]);
  });

  test('reasons never quote a record', async () => {
    const MARKER = 'SECRET-123';
    const text = ['a,b', `${MARKER}`, `"${MARKER}"x,1`, `1,2,${MARKER}`, `"${MARKER},2`].join('\n');
    const reasons = malformedOf(await parseCsv(text)).map((m) => m.reason);
    expect(reasons).toHaveLength(4);
    for (const reason of reasons) expect(reason).not.toContain(MARKER);
  });

  test('isolates a record longer than the limit without buffering it, and goes on', () => {
    const splitter = new CsvRecordSplitter(','.charCodeAt(0), 10);
    const out: SourceItem[] = [];
    splitter.push('a,b\n"0123', out);
    splitter.push('456789\nstill quoted",x\n', out);
    splitter.push('1,2', out);
    splitter.end(out);
    expect(out).toStrictEqual([
      { kind: 'record', text: 'a,b', lineNumber: 1 },
      {
        kind: 'malformed',
        lineNumber: 2,
        reason: 'record longer than 10 characters; skipped without buffering it',
      },
      { kind: 'record', text: '1,2', lineNumber: 4 },
    ]);
  });
});

describe('csvFields', () => {
  test.each([
    ['a,b,c', ['a', 'b', 'c']],
    ['', ['']],
    [',', ['', '']],
    ['"a,b",c', ['a,b', 'c']],
    ['"he said ""hi""",', ['he said "hi"', '']],
    ['""', ['']],
    ['"line\nbreak"', ['line\nbreak']],
  ])('reads %j', (text, fields) => {
    expect(csvFields(text, ',')).toStrictEqual(fields);
  });
});

describe('csv options', () => {
  test('declares its options; the other formats take none', () => {
    expect(FORMATS.csv.options).toBeDefined();
    expect(
      Object.values(FORMATS)
        .filter((f) => f.options !== undefined)
        .map((f) => f.name),
    ).toStrictEqual(['csv']);
  });

  test.each([
    [{}, { options: {} }],
    [{ delimiter: '\t' }, { options: { delimiter: '\t' } }],
    [{ delimiter: ':' }, { problem: 'csv delimiter ":" is not supported; use one of ",", "\\t", ";", "|"' }],
    [
      { delimiter: ';', header: ['a'] },
      { problem: 'csv options have unknown field "header": csv takes only delimiter (",", "\\t", ";", "|")' },
    ],
    [';', { problem: 'csv options must be an object such as {"delimiter": ";"}' }],
  ])('checks %j', (raw, result) => {
    expect(parseCsvOptions(raw)).toStrictEqual(result);
  });
});
