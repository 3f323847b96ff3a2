import { canonicalBodies, MAX_BATCH_BYTES, RowBatcher, type RowBatch } from '../../../lambda/io/batcher';
import { RawJson, RowFactory } from '../../../lambda/core/rows';
import { testRow } from '../../support/rows';

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

  test('gives up when one re-serialized row alone would exceed the limit, or the body is not JSON', () => {
    expect(canonicalBodies(Buffer.from('[1e5]'), 7)).toBeUndefined();
    expect(canonicalBodies(Buffer.from('[1e5]'), 8)?.map((b) => b.toString('utf8'))).toStrictEqual([
      '[100000]',
    ]);
    expect(canonicalBodies(Buffer.from('[{"a":'))).toBeUndefined();
  });
});
