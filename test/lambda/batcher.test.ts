import {
  BufferPool,
  canonicalBody,
  MAX_BATCH_BYTES,
  RowBatcher,
  type OversizedRecord,
  type RowBatch,
} from '../../lambda/io/batcher';
import { RawJson, RowFactory, type JsonRow, type Row } from '../../lambda/pipeline/rows';
import { testRow } from '../support/rows';

function batchAll(
  rows: Record<string, unknown>[],
  maxBytes?: number,
): { batches: RowBatch[]; oversized: number[] } {
  const batcher = new RowBatcher(maxBytes);
  const batches: RowBatch[] = [];
  const oversized: number[] = [];
  rows.forEach((row, i) => {
    const result = batcher.add(row, i);
    if (result.kind === 'batch') batches.push(result.batch);
    if (result.kind === 'oversized') oversized.push(result.record.index);
  });
  const last = batcher.flush();
  if (last !== undefined) batches.push(last);
  return { batches, oversized };
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

  test('isolates a record that alone exceeds the limit', () => {
    const rows = [testRow(0), testRow(1, { bytes: MAX_BATCH_BYTES + 1 }), testRow(2)];
    const { batches, oversized } = batchAll(rows);
    expect(oversized).toStrictEqual([1]);
    expect(
      batches.flatMap((b) =>
        (JSON.parse(b.body.toString('utf8')) as { RecordIndex: number }[]).map((r) => r.RecordIndex),
      ),
    ).toStrictEqual([0, 2]);
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

  test('reuses released batch buffers instead of allocating one per batch', () => {
    // GIVEN a pool keeping 2 buffers, and a batcher over it
    const pool = new BufferPool(10_000, 2);
    const batcher = new RowBatcher(10_000, pool);
    const buffers = new Set<ArrayBufferLike>();
    // WHEN 20 batches are made, each released once "sent"
    for (let i = 0; i < 200; i++) {
      const result = batcher.add(testRow(i, { bytes: 1000 }), i);
      if (result.kind === 'batch') {
        buffers.add(result.batch.body.buffer);
        expect(JSON.parse(result.batch.body.toString('utf8'))).toHaveLength(result.batch.count);
        pool.release(result.batch.body);
      }
    }
    // THEN only a couple of distinct buffers ever backed them
    expect(buffers.size).toBeLessThanOrEqual(2);
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

    test('counts the source text in the size limit and isolates an oversized record', () => {
      const big = `{"pad": "${'é'.repeat(MAX_BATCH_BYTES / 2)}"}`;
      const rows = [
        testRow(0),
        factory.row(1, undefined, { Record: new RawJson(JSON.parse(big), big) }),
        testRow(2),
      ];
      const { batches, oversized } = batchAll(rows);
      expect(oversized).toStrictEqual([1]);
      expect(batches.flatMap((b) => JSON.parse(b.body.toString('utf8')) as unknown[])).toStrictEqual([
        rows[0],
        rows[2],
      ]);
    });
  });

  describe('rows made by a RowFactory (written in pieces from the per-object template)', () => {
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

    test('splits at the exact limit even when a write is cut short inside a multi-byte character', () => {
      // GIVEN rows of 3- and 4-byte characters of varying length, so batch ends fall mid-character
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

    test('keeps to the batch limit when the pool hands out larger buffers', () => {
      // GIVEN buffers of 10,000 bytes for batches of at most 2,000, so a write is never cut short
      const pool = new BufferPool(10_000, 2);
      const batcher = new RowBatcher(2_000, pool);
      const rows = Array.from({ length: 60 }, (_, i) =>
        versioned.row(i, undefined, { Message: 'é'.repeat(50 + ((i * 31) % 400)) }),
      );
      const batches: RowBatch[] = [];
      rows.forEach((row, i) => {
        const added = batcher.add(row, i);
        if (added.kind === 'batch') batches.push(added.batch);
      });
      batches.push(batcher.flush()!);
      // THEN every batch is within 2,000 bytes and every row is sent once
      for (const batch of batches) expect(batch.bytes).toBeLessThanOrEqual(2_000);
      const sent = batches.flatMap((b) => JSON.parse(b.body.toString('utf8')) as unknown[]);
      expect(sent).toStrictEqual(rows.map((r) => JSON.parse(JSON.stringify(r)) as unknown));
    });

    test('refuses a pool whose buffers are smaller than a batch', () => {
      expect(() => new RowBatcher(2_000, new BufferPool(1_000, 1))).toThrow(
        'BufferPool buffers of 1000 bytes cannot hold batches of 2000',
      );
    });
  });
});

describe('verbatim batches and canonicalBody', () => {
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
    expect(canonicalBody(body)?.toString('utf8')).toBe('[{"a":2,"big":null},{"n":12345678901234567000}]');
  });

  test('gives up when the re-serialized body would exceed the limit, or the body is not JSON', () => {
    expect(canonicalBody(Buffer.from('[1e5]'), 7)).toBeUndefined();
    expect(canonicalBody(Buffer.from('[1e5]'), 8)?.toString('utf8')).toBe('[100000]');
    expect(canonicalBody(Buffer.from('[{"a":'))).toBeUndefined();
  });
});

describe('rows known by their JSON bytes (JsonRow)', () => {
  // The forwarder's ndjson path: a record's bytes are written after the provenance template, never
  // parsed. The batch must be exactly what the text path (a RowFactory row whose column is a
  // RawJson of the same text) writes for the same record.
  const objects = {
    versioned: {
      bucket: 'logs',
      key: 'a/"quoted"\\é😀\n.json',
      versionId: 'v"1',
      eTag: '"etag"',
      eventTime: '2026-11-28T10:00:00Z',
    },
    eTagOnly: { bucket: 'logs', key: 'b.ndjson', eTag: '"e-1"', eventTime: '2026-11-28T10:00:00+02:00' },
    unversioned: { bucket: 'other', key: 'k', eventTime: '2026-11-28T10:00:00.123Z' },
  };
  const factories = Object.values(objects).map((object) => new RowFactory(object));
  const hasVersion = (factory: RowFactory): boolean =>
    factory.object.versionId !== undefined || factory.object.eTag !== undefined;

  /** Texts a producer may write that JSON.stringify would not: spacing, escapes, duplicates, big numbers. */
  const PRODUCER_TEXTS = [
    '{"a" : "\\u00e9\\ud83d\\ude00\\/" , "b":[ 1 , 2 ]}',
    '{"dup":1,"dup":"two"}',
    '{"big":12345678901234567890,"tiny":1e-400,"huge":1e400,"neg":-0,"exp":1E+2}',
    '{}',
    '{"nested":{"deep":[{"x":null},[],{}]},"t":true,"f":false}',
    '{"τ":"\\"quoted\\" \\\\ back\\b\\f\\r","emoji":"😀","ctl":"\\u0000\\u001F"}',
  ];

  /** Seeded generator of JSON object texts dense in escapes and multi-byte characters. */
  function objectTexts(count: number, seed: number): string[] {
    let state = seed;
    const random = (): number => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
    const alphabet = [
      'a',
      'Z',
      ' ',
      '"',
      '\\',
      '/',
      '\n',
      '\t',
      '\u0000',
      '\u001f',
      '\u2028',
      'é',
      '€',
      '中',
      '😀',
      '\ud800',
      '}',
      ',',
    ];
    const str = (): string =>
      Array.from({ length: Math.floor(random() * 10) }, () => pick(alphabet)).join('');
    const value = (depth: number): unknown => {
      const r = random();
      if (depth > 2 || r < 0.35) return str();
      if (r < 0.45) return Math.floor(random() * 2e9) - 1e9;
      if (r < 0.5) return random() * 1e-3;
      if (r < 0.55) return pick([true, false, null]);
      if (r < 0.75) return Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1));
      return Object.fromEntries(
        Array.from({ length: Math.floor(random() * 4) }, () => [str(), value(depth + 1)]),
      );
    };
    return Array.from({ length: count }, () => {
      const r = random();
      const object = Object.fromEntries(
        Array.from({ length: 1 + Math.floor(random() * 5) }, () => [str(), value(0)]),
      );
      if (r < 0.6) return JSON.stringify(object);
      if (r < 0.8) return JSON.stringify(object, null, 2);
      return pick(PRODUCER_TEXTS);
    });
  }

  /** JsonRows of the texts, over all three objects, with and without their own time, some with large indexes. */
  function jsonRows(texts: readonly string[]): JsonRow[] {
    return texts.map((text, i) =>
      factories[i % factories.length].jsonRow(
        i % 7 === 6 ? 2 ** 32 + i : i,
        i % 2 === 0 ? undefined : `2026-01-0${1 + (i % 9)}T00:00:0${i % 10}.${String(i).padStart(3, '0')}Z`,
        i % 5 === 4 ? 'we"ird é' : 'Record',
        Buffer.from(text, 'utf8'),
      ),
    );
  }

  /** The same record as the text path makes it: its column a RawJson of the record's text. */
  function textPathRow(row: JsonRow): Row {
    const text = row.json.toString('utf8');
    return row.factory.row(row.index, row.time, { [row.column]: new RawJson(JSON.parse(text), text) });
  }

  /** The row's JSON written independently: JSON.stringify's provenance, then the record's own text. */
  function expectedJson(row: JsonRow): string {
    const plain = JSON.stringify({ ...textPathRow(row), [row.column]: null });
    return `${plain.slice(0, -'null}'.length)}${row.json.toString('utf8')}}`;
  }

  /** Pads `{"p":""}` with 3-byte and 1-byte characters so the row's JSON is exactly `bytes` long. */
  function jsonRowOfSize(factory: RowFactory, index: number, bytes: number, time?: string): JsonRow {
    const base = Buffer.byteLength(
      expectedJson(factory.jsonRow(index, time, 'Record', Buffer.from('{"p":""}'))),
    );
    const pad = bytes - base;
    const row = factory.jsonRow(
      index,
      time,
      'Record',
      Buffer.from(`{"p":"${'€'.repeat(Math.floor(pad / 3))}${'a'.repeat(pad % 3)}"}`, 'utf8'),
    );
    expect(Buffer.byteLength(expectedJson(row))).toBe(bytes);
    return row;
  }

  function batchRows(
    rows: readonly (Row | JsonRow)[],
    maxBytes: number,
    poolSize: number = maxBytes,
  ): { batches: RowBatch[]; oversized: OversizedRecord[] } {
    const batcher = new RowBatcher(maxBytes, new BufferPool(poolSize, 0));
    const batches: RowBatch[] = [];
    const oversized: OversizedRecord[] = [];
    rows.forEach((row, i) => {
      const result = batcher.add(row, i);
      if (result.kind === 'batch') batches.push(result.batch);
      if (result.kind === 'oversized') oversized.push(result.record);
    });
    const last = batcher.flush();
    if (last !== undefined) batches.push(last);
    return { batches, oversized };
  }

  /** What a batch says, its body as text: comparable with toStrictEqual. */
  const described = (batches: readonly RowBatch[]): object[] =>
    batches.map((b) => ({ ...b, body: b.body.toString('utf8') }));

  test('writes each record byte for byte as the text path does, with and without S3ObjectVersion', () => {
    // GIVEN 300 generated records as JsonRows over three objects
    const rows = jsonRows(objectTexts(300, 7));
    // WHEN they are batched, and so are the text path's rows of the same records
    const { batches } = batchRows(rows, MAX_BATCH_BYTES);
    const text = batchRows(rows.map(textPathRow), MAX_BATCH_BYTES).batches;
    // THEN the bodies are identical, and are JSON.stringify's provenance followed by each record's text
    expect(batches).toHaveLength(1);
    expect(batches[0].body.equals(text[0].body)).toBe(true);
    expect(batches[0].body.toString('utf8')).toBe(`[${rows.map(expectedJson).join(',')}]`);
    expect(described(batches)).toStrictEqual(described(text));
    expect(batches[0].bytes).toBe(batches[0].body.length);
    // and they parse to the rows the records stand for
    const parsed = JSON.parse(batches[0].body.toString('utf8')) as Row[];
    expect(parsed).toStrictEqual(rows.map((r) => r.row));
    const versions = parsed.map((p, i) => ['S3ObjectVersion' in p, hasVersion(rows[i].factory)]);
    for (const [present, expected] of versions) expect(present).toBe(expected);
    expect(new Set(versions.map(([present]) => present))).toStrictEqual(new Set([true, false]));
  });

  test.each([
    [700, 700],
    [700, 1_400],
    [2_000, 2_000],
    [5_000, 5_003],
  ])('splits where the text path splits (limit %i, pool buffers of %i)', (maxBytes, poolSize) => {
    // GIVEN generated JsonRows, interleaved with plain rows and text-path rows
    const jsons = jsonRows(objectTexts(400, maxBytes));
    const rows = jsons.map((row, i) => (i % 6 === 1 ? testRow(i) : i % 6 === 3 ? textPathRow(row) : row));
    // WHEN batched, and the same rows with text-path rows for every JsonRow
    const batched = batchRows(rows, maxBytes, poolSize);
    const text = batchRows(
      rows.map((row, i) => (row === jsons[i] ? textPathRow(jsons[i]) : row)),
      maxBytes,
      poolSize,
    );
    // THEN the batches and the oversized records are the same, byte for byte
    expect(batched.batches.length).toBeGreaterThan(3);
    expect(described(batched.batches)).toStrictEqual(described(text.batches));
    expect(batched.oversized).toStrictEqual(text.oversized);
    // and no batch is over the limit, and every row went out once (or was reported oversized)
    for (const batch of batched.batches) expect(batch.bytes).toBeLessThanOrEqual(maxBytes);
    const sent = batched.batches.flatMap((b) => JSON.parse(b.body.toString('utf8')) as Row[]);
    const expected = rows
      .map((row, i) => (row === jsons[i] ? jsons[i].row : row))
      .filter((_, i) => !batched.oversized.some((o) => o.index === i));
    expect(sent).toStrictEqual(expected);
  });

  test.each([
    ['buffers of the limit', 1_000],
    ['larger buffers', 2_000],
  ])('splits at exactly the limit wherever a JsonRow meets it (%s)', (_name, poolSize) => {
    // GIVEN a JsonRow B after a padded JsonRow A whose size moves the limit through every byte of B:
    // its own members, the shared ones, the record's bytes and the closing brace
    const maxBytes = 1_000;
    const [factory] = factories;
    const b = factory.jsonRow(
      1,
      '2026-01-01T00:00:00Z',
      'Record',
      Buffer.from('{"m":"é😀\\"x\\u0041 中"}', 'utf8'),
    );
    const bBytes = Buffer.byteLength(expectedJson(b));
    const totals: number[] = [];
    // From B ending 3 bytes short of the limit to B starting at the limit (A then fills a batch alone).
    for (let total = maxBytes - 3; total <= maxBytes + bBytes + 1; total++) {
      // `[`, A, `,`, B, `]`
      const a = jsonRowOfSize(factory, 0, total - 3 - bBytes);
      // WHEN
      const { batches, oversized } = batchRows([a, b], maxBytes, poolSize);
      // THEN they share a batch exactly when the whole array fits
      expect(oversized).toStrictEqual([]);
      const bodies = batches.map((batch) => batch.body.toString('utf8'));
      if (total <= maxBytes) {
        expect(bodies).toStrictEqual([`[${expectedJson(a)},${expectedJson(b)}]`]);
        expect(batches[0].bytes).toBe(total);
      } else {
        expect(bodies).toStrictEqual([`[${expectedJson(a)}]`, `[${expectedJson(b)}]`]);
        expect(batches.map((batch) => [batch.firstIndex, batch.lastIndex, batch.count])).toStrictEqual([
          [0, 0, 1],
          [1, 1, 1],
        ]);
      }
      for (const batch of batches) expect(batch.bytes).toBe(batch.body.length);
      totals.push(total);
    }
    expect(totals).toEqual(expect.arrayContaining([maxBytes - 1, maxBytes, maxBytes + 1]));
  });

  test('reports a JsonRow too large for any batch as oversized with its exact size', () => {
    // GIVEN rows around one JsonRow one byte too large for a batch of its own and one that just fits
    const maxBytes = 1_000;
    const [, factory] = factories;
    const tooLarge = jsonRowOfSize(factory, 1, maxBytes - 1);
    const fits = jsonRowOfSize(factory, 2, maxBytes - 2);
    const small = (index: number): JsonRow =>
      factory.jsonRow(index, undefined, 'Record', Buffer.from('{"s":1}'));
    const rows = [small(0), tooLarge, fits, small(3)];
    // WHEN
    const { batches, oversized } = batchRows(rows, maxBytes);
    // THEN the too large one is reported with the size of its JSON, the other fills a batch to the byte
    expect(oversized).toStrictEqual([{ index: 1, bytes: maxBytes - 1 }]);
    expect(batches.map((batch) => batch.body.toString('utf8'))).toStrictEqual([
      `[${expectedJson(small(0))}]`,
      `[${expectedJson(fits)}]`,
      `[${expectedJson(small(3))}]`,
    ]);
    expect(batches[1].bytes).toBe(maxBytes);
    // and the text path reports the same
    expect(batchRows(rows.map(textPathRow), maxBytes).oversized).toStrictEqual(oversized);
  });

  test('reports an oversized JsonRow under the default limit too', () => {
    const [factory] = factories;
    const row = jsonRowOfSize(factory, 5, MAX_BATCH_BYTES);
    const batcher = new RowBatcher();
    expect(batcher.add(row, 5)).toStrictEqual({
      kind: 'oversized',
      record: { index: 5, bytes: MAX_BATCH_BYTES },
    });
    expect(batcher.flush()).toBeUndefined();
  });

  test('marks a batch with a JsonRow verbatim, and only that batch', () => {
    // GIVEN one JsonRow among plain rows, filling three batches
    const [factory] = factories;
    const rows: (Row | JsonRow)[] = [
      testRow(0),
      factory.jsonRow(1, undefined, 'Record', Buffer.from('{"a":1}')),
      ...Array.from({ length: 30 }, (_, i) => testRow(i + 2, { bytes: 900 })),
    ];
    // WHEN
    const { batches } = batchRows(rows, 10_000);
    // THEN
    expect(batches.map((b) => b.verbatim)).toStrictEqual([true, false, false]);
    // and a JsonRow arriving last in a batch marks it too
    const last = batchRows([testRow(0), factory.jsonRow(1, undefined, 'Record', Buffer.from('{}'))], 10_000);
    expect(last.batches.map((b) => b.verbatim)).toStrictEqual([true]);
  });

  test('mixes JsonRows with plain rows and factory rows in one batch', () => {
    // GIVEN a plain row, factory rows (fields, RawJson) and JsonRows of two objects
    const [versioned, , unversioned] = factories;
    const source = '{"x": [1, "é"]}';
    const rows: (Row | JsonRow)[] = [
      testRow(0),
      versioned.jsonRow(1, undefined, 'Record', Buffer.from('{"k":"😀"}')),
      versioned.row(2, undefined, { Message: 'he said "hi"', Count: 2 }),
      versioned.row(3, '2026-01-01T00:00:00Z', { Record: new RawJson(JSON.parse(source), source) }),
      unversioned.jsonRow(4, '2026-01-02T00:00:00Z', 'Record', Buffer.from('{"k" : null}')),
      testRow(5),
    ];
    // WHEN
    const { batches } = batchRows(rows, MAX_BATCH_BYTES);
    // THEN every row is written as its own kind is, in order, in one batch
    const json = (row: Row | JsonRow, i: number): string =>
      i === 1 || i === 4
        ? expectedJson(row as JsonRow)
        : i === 3
          ? `${JSON.stringify({ ...(row as Row), Record: null }).slice(0, -'null}'.length)}${source}}`
          : JSON.stringify(row);
    expect(batches).toHaveLength(1);
    expect(batches[0].body.toString('utf8')).toBe(`[${rows.map(json).join(',')}]`);
    expect(batches[0]).toMatchObject({ count: 6, firstIndex: 0, lastIndex: 5, verbatim: true });
    expect(JSON.parse(batches[0].body.toString('utf8'))).toStrictEqual(
      rows.map((row, i) => (i === 1 || i === 4 ? (row as JsonRow).row : JSON.parse(JSON.stringify(row)))),
    );
  });

  test('BufferPool hands out buffers in SharedArrayBuffers of its size, fresh or reused', () => {
    // GIVEN a pool
    const pool = new BufferPool(4_096, 1);
    // WHEN a buffer is taken, a view of it given back, and a buffer taken again
    const first = pool.acquire();
    pool.release(first.subarray(0, 100));
    const again = pool.acquire();
    const fresh = pool.acquire();
    // THEN each is a whole SharedArrayBuffer of the pool's size, the second the first one reused
    for (const buffer of [first, again, fresh]) {
      expect(buffer.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(buffer.length).toBe(4_096);
      expect(buffer.buffer.byteLength).toBe(4_096);
      expect(buffer.byteOffset).toBe(0);
    }
    expect(again.buffer).toBe(first.buffer);
    expect(fresh.buffer).not.toBe(first.buffer);
    // and a batcher's batch bodies are views of such buffers, which the gzip worker reads in place
    const { batches } = batchRows([testRow(0)], 1_000);
    expect(batches[0].body.buffer).toBeInstanceOf(SharedArrayBuffer);
  });
});
