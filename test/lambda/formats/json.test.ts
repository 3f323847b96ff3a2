import { gzipSync } from 'node:zlib';
import { JsonRecordSplitter } from '../../../lambda/formats/json-splitter';
import type { SourceItem } from '../../../lambda/formats';
import { RowBatcher } from '../../../lambda/io/batcher';
import { fixture, malformedOf, objectRef, parseAll, rowsOf } from './helpers';

function split(text: string, chunkSize = text.length || 1): SourceItem[] {
  const splitter = new JsonRecordSplitter('documents');
  const out: SourceItem[] = [];
  for (let i = 0; i < text.length; i += chunkSize) splitter.push(text.slice(i, i + chunkSize), out);
  splitter.end(out);
  return out;
}

describe('json format', () => {
  test('reads a single pretty-printed object as one row', async () => {
    // GIVEN a Network Firewall alert, pretty-printed
    const expected = JSON.parse(fixture('network-firewall/alert_log.json').toString());
    // WHEN
    const rows = rowsOf(await parseAll('json', fixture('network-firewall/alert_log.json')));
    // THEN
    expect(rows).toHaveLength(1);
    expect(rows[0].Record).toStrictEqual(expected);
    expect(rows[0].TimeGenerated).toBe(expected.event_timestamp);
  });

  test('reads an array as one row per element', async () => {
    const elements = [{ a: 1 }, { b: [1, 2, { c: '[]{}' }] }, { d: 'x' }];
    const rows = rowsOf(await parseAll('json', JSON.stringify(elements, null, 2)));
    expect(rows.map((r) => r.Record)).toStrictEqual(elements);
  });

  test('the batcher sends each element as its own source text, pretty-printing and all', async () => {
    const elements = [{ a: 1 }, { b: [1, 2, { c: '[]{}' }] }];
    const source = JSON.stringify(elements, null, 2);
    const rows = rowsOf(await parseAll('json', source));
    const batcher = new RowBatcher();
    rows.forEach((row, i) => batcher.add(row, i));
    const body = batcher.flush()?.body.toString('utf8') ?? '';
    for (const element of elements) {
      // An element's text as it stands in the array, one level deeper than on its own.
      const text = JSON.stringify(element, null, 2).replace(/\n/g, '\n  ');
      expect(source).toContain(text);
      expect(body).toContain(`"Record":${text}}`);
    }
    expect(JSON.parse(body)).toStrictEqual(JSON.parse(JSON.stringify(rows)));
  });

  test('reads concatenated objects with no separator (CloudWatch Logs via Firehose)', async () => {
    // GIVEN two DATA_MESSAGE documents back to back, gzipped
    const message = JSON.parse(fixture('cloudwatch-subscription/cloudtrail_log_cw.json').toString());
    const data = gzipSync(JSON.stringify(message) + JSON.stringify({ ...message, owner: 'second' }));
    // WHEN
    const rows = rowsOf(await parseAll('json', data));
    // THEN
    expect(rows.map((r) => (r.Record as { owner: string }).owner)).toStrictEqual([message.owner, 'second']);
  });

  test('splits identically whatever the chunk boundaries', () => {
    // GIVEN documents with escapes, nested brackets in strings, scalars and whitespace
    const text = ' {"a":"x\\"}]","b":[1,{"c":null}]}\n[{"d":"\\\\"},{"e":true} , {"f":-1.5e3}]{"g":{}}\n';
    // WHEN split in one piece and one character at a time
    const whole = split(text);
    const pieces = split(text, 1);
    // THEN
    expect(pieces).toStrictEqual(whole);
    expect(whole.map((i) => (i.kind === 'record' ? JSON.parse(i.text) : i))).toStrictEqual([
      { a: 'x"}]', b: [1, { c: null }] },
      { d: '\\' },
      { e: true },
      { f: -1500 },
      { g: {} },
    ]);
    expect(whole.map((i) => (i.kind === 'record' ? i.lineNumber : 0))).toStrictEqual([1, 2, 2, 2, 2]);
  });

  test('agrees with JSON.parse on generated documents full of escapes, at random chunk boundaries', () => {
    // GIVEN a seeded generator of objects whose strings are dense in \\, \" and brackets
    let seed = 42;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const alphabet = ['\\', '"', '{', '}', '[', ']', ',', ':', 'a', ' ', '\n', 'é', '😀'];
    const str = (): string =>
      Array.from(
        { length: Math.floor(random() * 12) },
        () => alphabet[Math.floor(random() * alphabet.length)],
      ).join('');
    const value = (depth: number): unknown => {
      const r = random();
      if (depth > 2 || r < 0.4) return str();
      if (r < 0.5) return Math.floor(random() * 1e6) - 5e5;
      if (r < 0.75) return Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1));
      return Object.fromEntries(
        Array.from({ length: Math.floor(random() * 4) }, () => [str(), value(depth + 1)]),
      );
    };
    const records = Array.from({ length: 300 }, () => ({ k: str(), v: value(0) }));
    const text = JSON.stringify(records, null, random() < 0.5 ? 0 : 1);
    // WHEN split at random chunk sizes
    const out: SourceItem[] = [];
    const splitter = new JsonRecordSplitter('documents');
    for (let i = 0; i < text.length;) {
      const size = 1 + Math.floor(random() * 40);
      splitter.push(text.slice(i, i + size), out);
      i += size;
    }
    splitter.end(out);
    // THEN each record is intact
    expect(out.map((item) => (item.kind === 'record' ? JSON.parse(item.text) : item))).toStrictEqual(records);
  });

  test('reports scalars as malformed but keeps the objects around them', async () => {
    const outcomes = await parseAll('json', '[{"a":1}, 42, "s", {"a":2}]');
    expect(rowsOf(outcomes).map((r) => r.Record)).toStrictEqual([{ a: 1 }, { a: 2 }]);
    expect(malformedOf(outcomes).map((m) => [m.index, m.reason])).toStrictEqual([
      [1, 'not a JSON object (found a number)'],
      [2, 'not a JSON object (found a string)'],
    ]);
  });

  test('reports text that is not JSON with its line number', async () => {
    const outcomes = await parseAll('json', '{"a":1}\nnot json\n{"a":2}');
    expect(rowsOf(outcomes)).toHaveLength(2);
    expect(malformedOf(outcomes)[0]).toMatchObject({
      lineNumber: 2,
      reason: expect.stringMatching(/^not valid JSON/),
    });
  });

  test('reports a document cut short', async () => {
    const outcomes = await parseAll('json', '[{"a":1},{"a":');
    expect(rowsOf(outcomes)).toHaveLength(1);
    expect(malformedOf(outcomes)[0].reason).toBe(
      'the object ends inside the record starting on this line (truncated JSON?)',
    );
  });

  test('reports an array that is never closed', async () => {
    const outcomes = await parseAll('json', '[{"a":1},\n');
    expect(rowsOf(outcomes)).toHaveLength(1);
    expect(malformedOf(outcomes)).toMatchObject([
      { lineNumber: 2, reason: expect.stringMatching(/complete/) },
    ]);
  });

  test('streams a large array element by element', async () => {
    // GIVEN a 20,000-element array in 4 KiB chunks
    const text = `[${Array.from({ length: 20_000 }, (_, i) => JSON.stringify({ i, pad: 'p'.repeat(i % 50) })).join(',')}]`;
    // WHEN
    const rows = rowsOf(await parseAll('json', gzipSync(text), objectRef(), { chunkSize: 4096 }));
    // THEN
    expect(rows).toHaveLength(20_000);
    expect(rows.map((r) => (r.Record as { i: number }).i)).toStrictEqual(
      Array.from({ length: 20_000 }, (_, i) => i),
    );
  });

  test('gives a record whose own time is not a calendar time the S3 event time', async () => {
    // GIVEN records whose time V8 would roll over (February 30) or Azure refuse (year 0), and one
    // whose first time field is impossible but whose second is good
    const text = [
      '{"timestamp":"2024-02-30T12:00:00Z","n":1}',
      '{"time":"0000-01-01T00:00:00Z","n":2}',
      '{"timestamp":"2024-13-01","eventTime":"2024-05-06T07:08:09Z","n":3}',
    ].join('\n');
    // WHEN
    const rows = rowsOf(await parseAll('json', text, objectRef({ eventTime: '2026-01-02T03:04:05.678Z' })));
    // THEN the row falls back to the next time field, else to the S3 event time; the record is unchanged
    expect(rows.map((r) => r.TimeGenerated)).toStrictEqual([
      '2026-01-02T03:04:05.678Z',
      '2026-01-02T03:04:05.678Z',
      '2024-05-06T07:08:09Z',
    ]);
    expect(rows[0].Record).toStrictEqual({ timestamp: '2024-02-30T12:00:00Z', n: 1 });
  });
});
