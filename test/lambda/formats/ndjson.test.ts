import { gzipSync } from 'node:zlib';
import { RowBatcher } from '../../../lambda/io/batcher';
import { malformedOf, objectRef, parseAll, rowsOf } from './helpers';

describe('ndjson format', () => {
  test('isolates one malformed line among 10,000 and keeps the other 9,999', async () => {
    // GIVEN 10,000 gzip NDJSON lines, the 4,321st broken
    const badLine = 4321;
    const text = Array.from({ length: 10_000 }, (_, i) =>
      i + 1 === badLine ? '{"n": 4321, "broken": ' : JSON.stringify({ n: i + 1, message: `event ${i + 1}` }),
    ).join('\n');
    // WHEN
    const outcomes = await parseAll('ndjson', gzipSync(text), objectRef(), { chunkSize: 4096 });
    // THEN
    const rows = rowsOf(outcomes);
    expect(rows).toHaveLength(9_999);
    const malformed = malformedOf(outcomes);
    expect(malformed).toHaveLength(1);
    expect(malformed[0]).toMatchObject({ lineNumber: badLine, index: badLine - 1 });
    expect(malformed[0].reason).toMatch(/^not valid JSON/);
    // and the rows around it are all there, in order
    expect(rows.map((r) => (r.Record as { n: number }).n)).toStrictEqual(
      Array.from({ length: 10_000 }, (_, i) => i + 1).filter((n) => n !== badLine),
    );
  });

  test.each([
    ['[1,2]', 'an array'],
    ['"text"', 'a string'],
    ['42', 'a number'],
    ['null', 'null'],
  ])('reports a line that is JSON but not an object (%s)', async (line, found) => {
    const outcomes = await parseAll('ndjson', `{"ok":1}\n${line}\n{"ok":2}`);
    expect(malformedOf(outcomes)).toStrictEqual([
      { kind: 'malformed', lineNumber: 2, index: 1, reason: `not a JSON object (found ${found})` },
    ]);
    expect(rowsOf(outcomes)).toHaveLength(2);
  });

  test('puts the object in Record and takes TimeGenerated from its own time field', async () => {
    // GIVEN WAF-style epoch milliseconds, an ISO @timestamp, epoch seconds, and no time at all
    const text = [
      { timestamp: 1700000000123, action: 'BLOCK' },
      { '@timestamp': '2025-10-20T10:30:45+02:00' },
      { time: 1700000000 },
      { eventTime: '2023-07-19T21:17:28Z' },
      { event_timestamp: '2025-10-20T10:30:45.123Z' },
      { message: 'no time here' },
    ]
      .map((r) => JSON.stringify(r))
      .join('\n');
    // WHEN
    const rows = rowsOf(await parseAll('ndjson', text));
    // THEN
    expect(rows.map((r) => r.TimeGenerated)).toStrictEqual([
      '2023-11-14T22:13:20.123Z',
      '2025-10-20T08:30:45.000Z',
      '2023-11-14T22:13:20.000Z',
      '2023-07-19T21:17:28Z',
      '2025-10-20T10:30:45.123Z',
      objectRef().eventTime,
    ]);
    expect(rows[0].Record).toStrictEqual({ timestamp: 1700000000123, action: 'BLOCK' });
  });

  test('falls back to the S3 event time when the time field is not a time', async () => {
    const rows = rowsOf(await parseAll('ndjson', '{"timestamp":"soon","time":"2024-02-03T04:05:06Z"}'));
    expect(rows[0].TimeGenerated).toBe('2024-02-03T04:05:06Z');
    const fallback = rowsOf(await parseAll('ndjson', '{"timestamp":"soon"}'));
    expect(fallback[0].TimeGenerated).toBe(objectRef().eventTime);
  });

  test('skips whitespace-only lines without reporting them', async () => {
    const outcomes = await parseAll('ndjson', '{"a":1}\n   \n\t\n{"a":2}\n');
    expect(outcomes.map((o) => o.kind)).toStrictEqual(['row', 'row']);
  });

  test('reports a pretty-printed object line by line (it is not NDJSON)', async () => {
    const outcomes = await parseAll('ndjson', '{\n  "a": 1\n}');
    expect(malformedOf(outcomes).map((m) => m.lineNumber)).toStrictEqual([1, 2, 3]);
  });

  test("the batcher sends each Record as the line's own (trimmed) text", async () => {
    // GIVEN lines with spacing and escapes that JSON.stringify would rewrite
    const lines = ['  {"b": 2, "a": "\\u00e9"}\t', '{"n":1.50}'];
    // WHEN
    const rows = rowsOf(await parseAll('ndjson', Buffer.from(lines.join('\r\n')), objectRef()));
    const batcher = new RowBatcher();
    rows.forEach((row, i) => batcher.add(row, i));
    const body = batcher.flush()?.body.toString('utf8') ?? '';
    // THEN the rows still hold the parsed objects, and the body holds the source text
    expect(rows.map((r) => r.Record)).toStrictEqual([{ b: 2, a: 'é' }, { n: 1.5 }]);
    expect(body).toContain(`"Record":${lines[0].trim()}}`);
    expect(body).toContain(`"Record":${lines[1]}}`);
    expect(JSON.parse(body)).toStrictEqual(JSON.parse(JSON.stringify(rows)));
  });
});
