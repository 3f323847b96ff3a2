import {
  canonicalBodies,
  MAX_BATCH_BYTES,
  MAX_FIELD_BYTES,
  RowBatcher,
  rowJson,
  standInRow,
  utf8Prefix,
  type OversizedRecord,
  type RowBatch,
} from '../../../lambda/io/batcher';
import { RawJson, RowFactory } from '../../../lambda/core/rows';
import { columnsOf, FORMAT_NAMES } from '../../../lambda/formats';
import { PROVENANCE_COLUMNS } from '../../../lambda/formats/schema';
import { Random } from '../../support/random';
import { testRow } from '../../support/rows';

function batchAll(
  rows: Record<string, unknown>[],
  maxBytes?: number,
): { batches: RowBatch[]; oversized: number[]; records: OversizedRecord[] } {
  const batcher = new RowBatcher(maxBytes);
  const batches: RowBatch[] = [];
  const records: OversizedRecord[] = [];
  rows.forEach((row, i) => {
    const result = batcher.add(row, i);
    if (result.kind === 'batch') batches.push(result.batch);
    if (result.kind === 'oversized') records.push(result.record);
    else if (result.oversized !== undefined) records.push(result.oversized);
  });
  const last = batcher.flush();
  if (last !== undefined) batches.push(last);
  return { batches, oversized: records.map((r) => r.index), records };
}

/** Every row sent, in order, across batches. */
function sentRows(batches: readonly RowBatch[]): Record<string, unknown>[] {
  return batches.flatMap((b) => JSON.parse(b.body.toString('utf8')) as Record<string, unknown>[]);
}

describe('RowBatcher', () => {
  test('measures each batch as the exact UTF-8 size of its JSON array, never over the limit', () => {
    // GIVEN rows with multi-byte characters, so characters and bytes differ
    const rows = Array.from({ length: 300 }, (_, i) => ({
      ...testRow(i),
      Text: 'é€😀'.repeat(100 + (i % 7)),
    }));
    // WHEN
    const { batches } = batchAll(rows, 20_000);
    // THEN
    expect(batches.length).toBeGreaterThan(5);
    for (const batch of batches) {
      expect(batch.bytes).toBe(batch.body.length);
      expect(batch.bytes).toBeLessThanOrEqual(20_000);
      expect(JSON.parse(batch.body.toString('utf8'))).toHaveLength(batch.count);
    }
    expect(batches.flatMap((b) => JSON.parse(b.body.toString('utf8')) as unknown[])).toStrictEqual(rows);
    expect(batches.map((b) => [b.firstIndex, b.lastIndex])[1][0]).toBe(batches[0].lastIndex + 1);
  });

  test('fills a batch as far as the limit allows', () => {
    const rows = Array.from({ length: 100 }, (_, i) => testRow(i, { bytes: 1000 }));
    const { batches } = batchAll(rows, 10_000);
    // A batch could not have taken its successor's first row.
    for (let i = 0; i + 1 < batches.length; i++) {
      const next = Buffer.byteLength(
        JSON.stringify((JSON.parse(batches[i + 1].body.toString('utf8')) as unknown[])[0]),
      );
      expect(batches[i].bytes + 1 + next).toBeGreaterThan(10_000);
    }
  });

  test('sends a record that alone exceeds the limit as its stand-in, in its place', () => {
    // GIVEN record 1 of 3 is larger than a request may be
    const rows = [testRow(0), testRow(1, { bytes: MAX_BATCH_BYTES + 1 }), testRow(2)];
    // WHEN
    const { batches, records } = batchAll(rows);
    // THEN it is reported with its exact size, and its stand-in goes between its neighbours
    const bytes = Buffer.byteLength(JSON.stringify(rows[1]));
    expect(bytes + 2).toBeGreaterThan(MAX_BATCH_BYTES);
    expect(records).toStrictEqual([{ index: 1, bytes, truncated: true }]);
    const sent = sentRows(batches);
    expect(sent.map((r) => r.RecordIndex)).toStrictEqual([0, 1, 2]);
    expect(sent[0]).toStrictEqual(rows[0]);
    expect(sent[1]).toStrictEqual(standInRow(rows[1], JSON.stringify(rows[1]), bytes));
    expect(sent[2]).toStrictEqual(rows[2]);
    expect(batches.map((b) => [b.firstIndex, b.lastIndex, b.count])).toStrictEqual([[0, 2, 3]]);
    expect(batches[0].bytes).toBe(batches[0].body.length);
  });

  test('under a lower limit, cuts the stand-in to fill a batch of its own as far as the limit allows', () => {
    // GIVEN a limit of 20,000 bytes, a row of 15,000 and one of 50,000
    const rows = [testRow(0, { bytes: 15_000 }), testRow(1, { bytes: 50_000 }), testRow(2)];
    // WHEN
    const { batches, oversized } = batchAll(rows, 20_000);
    // THEN the stand-in starts a batch, which it fills: no room is left for row 2
    expect(oversized).toStrictEqual([1]);
    expect(batches.map((b) => [b.firstIndex, b.lastIndex])).toStrictEqual([
      [0, 0],
      [1, 1],
      [2, 2],
    ]);
    for (const batch of batches) expect(batch.bytes).toBeLessThanOrEqual(20_000);
    // Its text escapes at most 2 bytes a character ("), so at most 1 byte is left unused.
    expect(batches[1].bytes).toBeGreaterThanOrEqual(20_000 - 1);
    expect(sentRows(batches).map((r) => r.TruncatedRecord !== undefined)).toStrictEqual([false, true, false]);
  });

  test('sends nothing of a record when even its stand-in cannot fit the limit', () => {
    // GIVEN a limit that holds a small row alone, and not a stand-in without text (it has more columns)
    const limit = Buffer.byteLength(JSON.stringify(testRow(0))) + 2;
    const emptyStandIn = { ...standInRow(testRow(1), '', 1_000), TruncatedRecord: '' };
    expect(Buffer.byteLength(JSON.stringify(emptyStandIn)) + 2).toBeGreaterThan(limit);
    // WHEN
    const { batches, records } = batchAll([testRow(0), testRow(1, { bytes: 1_000 }), testRow(2)], limit);
    // THEN
    expect(records).toStrictEqual([{ index: 1, bytes: expect.any(Number) as number, truncated: false }]);
    expect(sentRows(batches).map((r) => r.RecordIndex)).toStrictEqual([0, 2]);
  });

  test('keeps every batch at most 1,000,000 bytes, under the API limit and where the SDK would split', () => {
    expect(MAX_BATCH_BYTES).toBe(1_000_000);
    const rows = Array.from({ length: 2000 }, (_, i) => testRow(i, { bytes: 1500 }));
    const { batches } = batchAll(rows);
    for (const batch of batches) {
      // The SDK's rule: the rows' JSON sizes (no brackets, no commas) must sum to under 1,000,000.
      const rows = JSON.parse(batch.body.toString('utf8')) as unknown[];
      const sum = rows.reduce((s: number, r) => s + Buffer.byteLength(JSON.stringify(r)), 0);
      expect(sum).toBeLessThan(1_000_000);
    }
  });

  describe('rows with a RawJson column', () => {
    const factory = new RowFactory({
      bucket: 'logs',
      key: 'a/"quoted"\\é.json',
      eTag: '"etag"',
      eventTime: '2026-11-28T10:00:00Z',
    });
    const source = '{"b": 1,  "a":"é😀\\u0041", "big": 12345678901234567890, "n": [ null ]}';

    test('writes the column as its source text, the other columns as JSON.stringify would', () => {
      // GIVEN a row whose Record carries its source text (whitespace, escapes and all)
      const row = factory.row(3, undefined, { Record: new RawJson(JSON.parse(source), source) });
      // WHEN
      const { batches } = batchAll([row, testRow(4)]);
      // THEN the text is sent verbatim, the rest is exactly the plain serialization
      const body = batches[0].body.toString('utf8');
      const plain = JSON.stringify({ ...row, Record: null });
      expect(body).toBe(`[${plain.slice(0, -'null}'.length)}${source}},${JSON.stringify(testRow(4))}]`);
      expect(batches[0].bytes).toBe(Buffer.byteLength(body));
      expect(JSON.parse(body)).toStrictEqual([JSON.parse(JSON.stringify(row)), testRow(4)]);
    });

    test('the row itself still holds the parsed value and serializes as before', () => {
      const value = JSON.parse(source) as unknown;
      const row = factory.row(3, undefined, { Record: new RawJson(value, source) });
      expect(row.Record).toBe(value);
      expect(Object.keys(row)).toContain('Record');
      expect(JSON.parse(JSON.stringify(row))).toStrictEqual(JSON.parse(JSON.stringify({ ...row })));
    });

    test('writes a source-text column after the others, equal as JSON to the row', () => {
      // GIVEN a row whose RawJson column is followed by another column
      const row = factory.row(3, undefined, { Record: new RawJson(JSON.parse(source), source), After: 'é' });
      // WHEN
      const body = batchAll([row]).batches[0].body.toString('utf8');
      // THEN the text is sent as written, last, and the whole parses to the row
      expect(body.endsWith(`,"Record":${source}}]`)).toBe(true);
      expect(JSON.parse(body)).toStrictEqual([JSON.parse(JSON.stringify(row))]);
    });

    test('serializes a column again once its value was replaced', () => {
      const row = factory.row(3, undefined, { Record: new RawJson(JSON.parse(source), source) });
      row.Record = { replaced: true };
      row.Extra = undefined;
      const { batches } = batchAll([row]);
      expect(batches[0].body.toString('utf8')).toBe(`[${JSON.stringify(row)}]`);
    });

    test('escapes column names as JSON.stringify does', () => {
      const row = factory.row(3, undefined, { Record: new RawJson(JSON.parse(source), source) });
      row['we"ird\\é'] = 'x';
      const { batches } = batchAll([row]);
      expect(JSON.parse(batches[0].body.toString('utf8'))).toStrictEqual([JSON.parse(JSON.stringify(row))]);
    });

    test('counts the source text in the size limit and sends an oversized record truncated', () => {
      // GIVEN a record of 2-byte characters whose JSON.parse'd value is shorter than its text
      const big = `{"pad": "${'é'.repeat(MAX_BATCH_BYTES / 2)}"}`;
      const rows = [
        testRow(0),
        factory.row(1, undefined, { Record: new RawJson(JSON.parse(big), big) }),
        testRow(2),
      ];
      // WHEN
      const { batches, records } = batchAll(rows);
      // THEN its size is that of the text sent, and the stand-in's text starts as that text does
      const { json } = rowJson(rows[1]);
      expect(json.endsWith(`"Record":${big}}`)).toBe(true);
      expect(records).toStrictEqual([{ index: 1, bytes: Buffer.byteLength(json), truncated: true }]);
      const sent = sentRows(batches);
      expect(sent.map((r) => r.RecordIndex)).toStrictEqual([0, 1, 2]);
      expect(sent[1].OriginalRecordBytes).toBe(Buffer.byteLength(json));
      expect(json.startsWith(sent[1].TruncatedRecord as string)).toBe(true);
      // Cut at a character boundary: at most the field limit, short of it by less than one 'é'.
      expect(Buffer.byteLength(sent[1].TruncatedRecord as string)).toBeLessThanOrEqual(MAX_FIELD_BYTES);
      expect(Buffer.byteLength(sent[1].TruncatedRecord as string)).toBeGreaterThan(MAX_FIELD_BYTES - 2);
      expect(sent[1]).not.toHaveProperty('Record');
      // A stand-in is not source text: the batch is verbatim only for record 0 or 2, which are plain.
      expect(batches[0].verbatim).toBe(false);
    });
  });

  describe('rows made by a RowFactory', () => {
    const versioned = new RowFactory({
      bucket: 'logs',
      key: 'a/"quoted"\\é😀\n.json',
      versionId: 'v"1',
      eTag: '"etag"',
      eventTime: '2026-11-28T10:00:00Z',
    });
    const unversioned = new RowFactory({ bucket: 'logs', key: 'k', eventTime: '2026-11-28T10:00:00Z' });
    const fields = (i: number): Record<string, unknown> => ({
      Message: `he said "hi" é😀\u0000 ${'x'.repeat(i % 50)}`,
      Count: i,
      Flag: i % 2 === 0,
      Nested: { a: [1, null, 'b'] },
      Missing: undefined,
    });

    test('writes exactly what JSON.stringify would, with and without S3ObjectVersion', () => {
      const rows = [
        versioned.row(0, undefined, fields(0)),
        unversioned.row(1, '2026-01-01T00:00:00Z', fields(1)),
      ];
      const { batches } = batchAll(rows);
      expect(batches[0].body.toString('utf8')).toBe(`[${rows.map((r) => JSON.stringify(r)).join(',')}]`);
      expect(batches[0].bytes).toBe(batches[0].body.length);
    });

    test('falls back to serializing the row when a provenance column was changed', () => {
      const changed = versioned.row(0, undefined, fields(0));
      changed.S3Key = 'elsewhere';
      const retimed = versioned.row(1, undefined, fields(1));
      retimed.TimeGenerated = undefined;
      const { batches } = batchAll([changed, retimed]);
      expect(batches[0].body.toString('utf8')).toBe(
        `[${JSON.stringify(changed)},${JSON.stringify(retimed)}]`,
      );
    });

    test('splits at the exact limit with rows of multi-byte characters', () => {
      // GIVEN rows of 3- and 4-byte characters of varying length
      const rows = Array.from({ length: 400 }, (_, i) =>
        versioned.row(i, undefined, { Message: '€😀'.repeat(20 + ((i * 37) % 113)) }),
      );
      // WHEN
      const { batches, oversized } = batchAll(rows, 20_000);
      // THEN nothing is lost, duplicated or over the limit, and every batch is valid JSON
      expect(oversized).toStrictEqual([]);
      for (const batch of batches) {
        expect(batch.bytes).toBe(batch.body.length);
        expect(batch.bytes).toBeLessThanOrEqual(20_000);
      }
      const sent = batches.flatMap((b) => JSON.parse(b.body.toString('utf8')) as unknown[]);
      expect(sent).toStrictEqual(rows.map((r) => JSON.parse(JSON.stringify(r)) as unknown));
      // and each batch was filled as far as the limit allows
      for (let i = 0; i + 1 < batches.length; i++) {
        expect(
          batches[i].bytes + 1 + Buffer.byteLength(JSON.stringify(rows[batches[i + 1].firstIndex])),
        ).toBeGreaterThan(20_000);
      }
    });
  });
});

describe('standInRow', () => {
  const versioned = new RowFactory({
    bucket: 'logs',
    key: 'a/"quoted"\\é😀.json',
    versionId: 'v1',
    eTag: '"etag"',
    eventTime: '2026-11-28T10:00:00Z',
  });
  const source = `{"big": "${'x'.repeat(100)}"}`;

  test('keeps the provenance columns, the size and the start of the text, and nothing else of the row', () => {
    // GIVEN a row with its own time, format columns and a source-text column
    const row = versioned.row(7, '2026-11-27T09:00:00.000Z', {
      Message: 'hello',
      Record: new RawJson(JSON.parse(source), source),
    });
    const { json } = rowJson(row);
    // WHEN
    const standIn = standInRow(row, json, 1_234_567);
    // THEN
    expect(standIn).toStrictEqual({
      TimeGenerated: '2026-11-27T09:00:00.000Z',
      S3Bucket: 'logs',
      S3Key: 'a/"quoted"\\é😀.json',
      S3ObjectVersion: 'v1',
      RecordIndex: 7,
      RecordId: versioned.recordId(7),
      S3EventTime: versioned.eventTime,
      OriginalRecordBytes: 1_234_567,
      TruncatedRecord: json,
    });
    expect(Object.keys(standIn!).slice(0, PROVENANCE_COLUMNS.length).sort()).toStrictEqual(
      PROVENANCE_COLUMNS.map((c) => c.name).sort(),
    );
  });

  test('leaves out S3ObjectVersion when the row has none', () => {
    const unversioned = new RowFactory({ bucket: 'logs', key: 'k', eventTime: '2026-11-28T10:00:00Z' });
    const row = unversioned.row(0, undefined, { Message: 'm' });
    const standIn = standInRow(row, JSON.stringify(row), 10)!;
    expect(standIn).not.toHaveProperty('S3ObjectVersion');
    expect(standIn.RecordId).toBe(unversioned.recordId(0));
  });

  test.each([
    ['4-byte characters (surrogate pairs)', 'a', '😀', 15_999],
    ['3-byte characters', 'ab', '€', 21_332],
    ['2-byte characters', 'a', 'é', 31_999],
  ])('cuts the text to at most 64,000 bytes at a character boundary: %s', (_name, lead, char, count) => {
    // GIVEN a text of one or two ASCII characters, then characters the 64,000-byte cut falls inside
    const json = lead + char.repeat(40_000);
    // WHEN
    const text = standInRow(testRow(0), json, Buffer.byteLength(json))!.TruncatedRecord as string;
    // THEN the cut keeps whole characters only, as many as fit
    expect(MAX_FIELD_BYTES).toBe(64_000);
    expect(text).toBe(lead + char.repeat(count));
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_FIELD_BYTES);
    expect(Buffer.byteLength(text + char)).toBeGreaterThan(MAX_FIELD_BYTES);
    expect(Buffer.from(text, 'utf8').toString('utf8')).toBe(text);
  });

  test('shortens the text further so the stand-in fits a lower limit, counting JSON escapes', () => {
    // GIVEN a text of characters JSON escapes into 2 and 6 bytes
    const json = '"\\\n\u0001\u000b😀é'.repeat(2_000);
    // WHEN the limit is 5,000 bytes
    const standIn = standInRow(testRow(0), json, Buffer.byteLength(json), 5_000)!;
    // THEN the stand-in, as one batch, fits; and no more of the text would
    const text = standIn.TruncatedRecord as string;
    expect(json.startsWith(text)).toBe(true);
    const size = Buffer.byteLength(JSON.stringify(standIn)) + 2;
    expect(size).toBeLessThanOrEqual(5_000);
    const next = String.fromCodePoint(json.codePointAt(text.length)!);
    expect(size + Buffer.byteLength(JSON.stringify(next)) - 2).toBeGreaterThan(5_000);
  });

  test.each(FORMAT_NAMES)('every column of a stand-in is one the %s format declares', (format) => {
    const row = new RowFactory({ ...versioned.object }).row(0, undefined, { Message: 'm' });
    const declared = new Map(columnsOf(format).map((c) => [c.name, c.type]));
    const standIn = standInRow(row, JSON.stringify(row), 2_000_000)!;
    expect(Object.keys(standIn).filter((name) => !declared.has(name))).toStrictEqual([]);
    expect([declared.get('TruncatedRecord'), declared.get('OriginalRecordBytes')]).toStrictEqual([
      'string',
      'long',
    ]);
  });

  test('gives no stand-in when the limit cannot hold one without text', () => {
    expect(standInRow(testRow(0), 'x', 1, 100)).toBeUndefined();
    expect(standInRow(testRow(0), 'x', 1, 1_000)).toBeDefined();
  });
});

describe('utf8Prefix', () => {
  // Characters of each UTF-8 length and each kind of JSON escape, lone surrogates included.
  const alphabet = [
    'a',
    'é',
    '€',
    '😀',
    '"',
    '\\',
    '\n',
    '\u0001',
    '\u000b',
    '\u007f',
    '\u2028',
    '\ud800',
    '\udc00',
  ];
  const random = new Random(20261214);

  test('gives the longest prefix of whole characters within both limits, as Buffer and JSON.stringify count', () => {
    for (let run = 0; run < 500; run++) {
      // GIVEN a random text and limits
      const text = Array.from({ length: random.int(40) }, () => random.pick(alphabet)).join('');
      const maxBytes = random.int(60);
      const maxJsonBytes = random.int(120);
      // WHEN
      const prefix = utf8Prefix(text, maxBytes, maxJsonBytes);
      // THEN it is a prefix within both limits
      expect(text.startsWith(prefix)).toBe(true);
      const jsonBytes = (s: string): number => Buffer.byteLength(JSON.stringify(s)) - 2;
      expect(Buffer.byteLength(prefix)).toBeLessThanOrEqual(maxBytes);
      expect(jsonBytes(prefix)).toBeLessThanOrEqual(maxJsonBytes);
      if (prefix.length === text.length) continue;
      // that does not split a surrogate pair
      const last = prefix.charCodeAt(prefix.length - 1);
      const next = text.charCodeAt(prefix.length);
      expect(last >= 0xd800 && last <= 0xdbff && next >= 0xdc00 && next <= 0xdfff).toBe(false);
      // and that the next character would take past one limit
      const longer = prefix + String.fromCodePoint(text.codePointAt(prefix.length)!);
      expect(Buffer.byteLength(longer) > maxBytes || jsonBytes(longer) > maxJsonBytes).toBe(true);
    }
  });
});

describe('verbatim batches and canonicalBodies', () => {
  const factory = new RowFactory({ bucket: 'logs', key: 'k', eventTime: '2026-11-28T10:00:00Z' });
  const source = '{"a": 1, "a": 2, "big": 1e400}';

  test('a batch says whether any row carries its source text', () => {
    const raw = factory.row(0, undefined, { Record: new RawJson(JSON.parse(source), source) });
    expect(batchAll([testRow(0), raw]).batches[0].verbatim).toBe(true);
    expect(batchAll([testRow(0), testRow(1)]).batches[0].verbatim).toBe(false);
    // The flag is per batch: the next batch starts clear.
    const { batches } = batchAll(
      [raw, ...Array.from({ length: 30 }, (_, i) => testRow(i + 1, { bytes: 900 }))],
      10_000,
    );
    expect(batches.map((b) => b.verbatim)).toStrictEqual([true, false, false]);
  });

  test('re-serializes as JSON.stringify would: last duplicate key wins, out-of-range numbers become null', () => {
    const body = Buffer.from(`[${source},{"n": 12345678901234567890}]`);
    expect(canonicalBodies(body)?.map((b) => b.toString('utf8'))).toStrictEqual([
      '[{"a":2,"big":null},{"n":12345678901234567000}]',
    ]);
  });

  test('splits a body that re-serializing made longer than the limit, losing no row', () => {
    // GIVEN a 19-byte body whose numbers grow when re-serialized ([1e21] is [1e+21])
    const body = Buffer.from('[1e21,1e21,1e21]');
    // WHEN the limit is the original body's size
    const bodies = canonicalBodies(body, body.length);
    // THEN every body fits and together they hold every row, in order
    expect(bodies?.every((b) => b.length <= body.length)).toBe(true);
    expect(bodies?.length).toBeGreaterThan(1);
    expect(bodies?.flatMap((b) => JSON.parse(b.toString('utf8')) as number[])).toStrictEqual([
      1e21, 1e21, 1e21,
    ]);
  });

  test('gives up rather than send a stand-in for a row that re-serializing made too large', () => {
    // GIVEN a one-row body at the limit whose numbers each grow by a byte re-serialized (1e+21)
    const body = Buffer.from(`[{"RecordIndex":1,"S3Key":"k","n":[${Array(30).fill('1e21').join(',')}]}]`);
    // WHEN
    const bodies = canonicalBodies(body, body.length);
    // THEN the batch is not sent cut: the original refusal stands
    expect(bodies).toBeUndefined();
    expect(canonicalBodies(body, body.length + 30)?.length).toBe(1);
  });

  test('gives up when one re-serialized row alone would exceed the limit, or the body is not JSON', () => {
    expect(canonicalBodies(Buffer.from('[1e5]'), 7)).toBeUndefined();
    expect(canonicalBodies(Buffer.from('[1e5]'), 8)?.map((b) => b.toString('utf8'))).toStrictEqual([
      '[100000]',
    ]);
    expect(canonicalBodies(Buffer.from('[{"a":'))).toBeUndefined();
  });
});
