import { gzipSync } from 'node:zlib';
import {
  byteCounter,
  decodedBytes,
  decodeText,
  DecompressionError,
  lineBatches,
  lines,
  type Line,
} from '../../../lambda/io/object-reader';
import { chunked } from '../formats/helpers';

async function readLines(
  data: Uint8Array,
  chunkSize?: number,
  options: { maxLineLength?: number } = {},
): Promise<Line[]> {
  const out: Line[] = [];
  for await (const line of lines(chunked(data, chunkSize), options)) out.push(line);
  return out;
}

async function readText(data: Uint8Array, chunkSize?: number): Promise<string> {
  let text = '';
  for await (const chunk of decodeText(chunked(data, chunkSize))) text += chunk;
  return text;
}

describe('decodeText', () => {
  test('decompresses gzip detected by its magic bytes, whatever the key says', async () => {
    // GIVEN gzip bytes (a misleading `.txt` key changes nothing: the reader never sees the key)
    const text = 'line one\nline two\n';
    const counter = byteCounter();
    // WHEN
    let decoded = '';
    for await (const chunk of decodeText(chunked(gzipSync(text)), { counter })) decoded += chunk;
    // THEN
    expect(decoded).toBe(text);
    expect(counter.gzip).toBe(true);
    expect(counter.uncompressedBytes).toBe(Buffer.byteLength(text));
    expect(counter.compressedBytes).toBe(gzipSync(text).length);
  });

  test('passes plain text through, even when it would be named .gz', async () => {
    // GIVEN plain bytes
    const text = '{"a":1}\n';
    const counter = byteCounter();
    // WHEN
    let decoded = '';
    for await (const chunk of decodeText(chunked(Buffer.from(text)), { counter })) decoded += chunk;
    // THEN
    expect(decoded).toBe(text);
    expect(counter).toStrictEqual({ gzip: false, compressedBytes: 8, uncompressedBytes: 8 });
  });

  test('decompresses one gzip layer inside the gzip (Firehose over CloudWatch Logs), even split byte by byte', async () => {
    // GIVEN gzip inside gzip, the inner stream of two members
    const inner = Buffer.concat([gzipSync('first\n'), gzipSync('second\n')]);
    // WHEN / THEN
    expect(await readText(gzipSync(inner), 1)).toBe('first\nsecond\n');
    expect(await readText(gzipSync(inner))).toBe('first\nsecond\n');
  });

  test('undoes no third layer: what is inside two layers is passed on as it is', async () => {
    const once = gzipSync('text\n');
    const out: Buffer[] = [];
    for await (const chunk of decodedBytes(chunked(gzipSync(gzipSync(once))))) out.push(chunk);
    expect(Buffer.concat(out)).toStrictEqual(once);
  });

  test('decompresses every member of a multi-member gzip', async () => {
    // GIVEN three gzip members concatenated (as Firehose and `cat a.gz b.gz` produce)
    const members = ['first\n', 'second\n', 'third'].map((t) => gzipSync(t));
    // WHEN
    const text = await readText(Buffer.concat(members));
    // THEN
    expect(text).toBe('first\nsecond\nthird');
  });

  test('detects gzip when the magic bytes arrive in separate 1-byte chunks', async () => {
    // GIVEN a gzip body delivered one byte at a time
    const data = gzipSync('héllo wörld\n');
    // WHEN
    const text = await readText(data, 1);
    // THEN
    expect(text).toBe('héllo wörld\n');
  });

  test('reads an empty object as no text', async () => {
    expect(await readText(Buffer.alloc(0))).toBe('');
  });

  test('reads a one-byte plain object', async () => {
    expect(await readText(Buffer.from('x'))).toBe('x');
  });

  test('drops a leading UTF-8 BOM, also when it is split across chunks', async () => {
    // GIVEN a BOM followed by text, in 1-byte chunks
    const data = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('a\nb')]);
    // WHEN
    const text = await readText(data, 1);
    // THEN
    expect(text).toBe('a\nb');
  });

  test('fails if the object starts like gzip but is corrupt', async () => {
    // GIVEN gzip bytes cut short
    const data = gzipSync('x'.repeat(10_000)).subarray(0, 20);
    // WHEN / THEN
    await expect(readText(data)).rejects.toThrow(DecompressionError);
    await expect(readText(data)).rejects.toThrow(/starts with the gzip magic bytes but does not decompress/);
  });

  test('reports a body error unchanged so the caller can classify it', async () => {
    // GIVEN a body whose socket resets after the first chunk
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield gzipSync('a\n'.repeat(1000)).subarray(0, 10);
      throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    }
    // WHEN / THEN
    await expect(
      (async () => {
        for await (const _ of decodeText(failing())) void _;
      })(),
    ).rejects.toThrow(expect.objectContaining({ code: 'ECONNRESET' }));
  });

  test.each([
    ['plain', (b: Buffer) => b],
    ['gzip', (b: Buffer) => gzipSync(b)],
  ])('releases the body when the reader stops early (%s)', async (_name, encode) => {
    // GIVEN a body that records whether it was closed
    const data = encode(Buffer.from('line\n'.repeat(100_000)));
    let closed = false;
    async function* body(): AsyncGenerator<Uint8Array> {
      try {
        yield* chunked(data, 1024);
      } finally {
        closed = true;
      }
    }
    // WHEN the consumer stops after the first line
    for await (const _ of lines(body())) break;
    // THEN the body was closed, not left half-read
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(true);
  });
});

describe('lines', () => {
  test('splits LF and CRLF line endings', async () => {
    // GIVEN mixed line endings
    const data = Buffer.from('a\r\nb\nc\r\n');
    // WHEN
    const result = await readLines(data);
    // THEN
    expect(result).toStrictEqual([
      { text: 'a', lineNumber: 1 },
      { text: 'b', lineNumber: 2 },
      { text: 'c', lineNumber: 3 },
    ]);
  });

  test('skips blank lines but keeps counting them', async () => {
    // GIVEN blank lines, including a CRLF-only one
    const data = Buffer.from('\nfirst\n\n\r\nsecond\n\n');
    // WHEN
    const result = await readLines(data);
    // THEN
    expect(result).toStrictEqual([
      { text: 'first', lineNumber: 2 },
      { text: 'second', lineNumber: 5 },
    ]);
  });

  test('returns the last line when the object has no final newline', async () => {
    expect(await readLines(Buffer.from('one\ntwo'))).toStrictEqual([
      { text: 'one', lineNumber: 1 },
      { text: 'two', lineNumber: 2 },
    ]);
  });

  test('strips the BOM from the first line only', async () => {
    // GIVEN a BOM at the start and a literal U+FEFF inside the second line
    const data = Buffer.from('\uFEFFfirst\nsec\uFEFFond\n');
    // WHEN
    const result = await readLines(data);
    // THEN
    expect(result.map((l) => l.text)).toStrictEqual(['first', 'sec\uFEFFond']);
  });

  test.each([
    ['plain', (b: Buffer) => b],
    ['gzip', (b: Buffer) => gzipSync(b)],
  ])('reassembles multi-byte characters split across 1-byte chunks (%s)', async (_name, encode) => {
    // GIVEN 2-, 3- and 4-byte UTF-8 characters and CRLF endings
    const text = 'é ü\r\n日本語\r\n🛡️ sentinel\r\nlast 😀';
    // WHEN read one byte at a time
    const result = await readLines(encode(Buffer.from(text)), 1);
    // THEN
    expect(result.map((l) => l.text)).toStrictEqual(['é ü', '日本語', '🛡️ sentinel', 'last 😀']);
    expect(result.map((l) => l.lineNumber)).toStrictEqual([1, 2, 3, 4]);
  });

  test('gives the same lines whatever the chunk size', async () => {
    // GIVEN a gzip object with lines of varied length
    const text = Array.from({ length: 500 }, (_, i) => `${i} ${'x'.repeat(i % 97)}`).join('\n');
    const data = gzipSync(text);
    // WHEN read with several chunk sizes
    const results = await Promise.all([1, 7, 4096].map((size) => readLines(data, size)));
    // THEN all agree with a plain split
    const expected = text.split('\n').map((t, i) => ({ text: t, lineNumber: i + 1 }));
    for (const result of results) expect(result).toStrictEqual(expected);
  });

  test('reports a line over the length limit as oversized without keeping it', async () => {
    // GIVEN a 100-character line between two short ones, and a 50-character limit
    const data = Buffer.from(`short\n${'y'.repeat(100)}\nafter`);
    // WHEN read in small chunks so the long line spans several of them
    const result = await readLines(data, 16, { maxLineLength: 50 });
    // THEN
    expect(result).toStrictEqual([
      { text: 'short', lineNumber: 1 },
      { text: '', lineNumber: 2, oversized: true },
      { text: 'after', lineNumber: 3 },
    ]);
  });

  test('reports an oversized last line with no final newline', async () => {
    const result = await readLines(Buffer.from(`a\n${'z'.repeat(60)}`), 8, { maxLineLength: 50 });
    expect(result).toStrictEqual([
      { text: 'a', lineNumber: 1 },
      { text: '', lineNumber: 2, oversized: true },
    ]);
  });

  test('batches lines per decoded chunk', async () => {
    // GIVEN 1,000 short lines in one chunk
    const data = Buffer.from('l\n'.repeat(1000));
    // WHEN
    const sizes: number[] = [];
    for await (const batch of lineBatches(chunked(data, data.length))) sizes.push(batch.length);
    // THEN one batch holds them all
    expect(sizes).toStrictEqual([1000]);
  });
});
