// The WebAssembly scanner's own concerns (lambda/formats/json-scan-wasm.ts): that the committed
// module is what its source compiles to, that it agrees with the JavaScript scanner on real and
// benchmark lines, that lines longer than its memory grow it, and that the forwarder falls back
// to JavaScript where WebAssembly cannot run. Its grammar is tested with the JavaScript scanner's,
// against JSON.parse, in json-scan.test.ts.
import { buildSync } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { cloudTrailRecord } from '../../../bench/generate';
import { JsonObjectScanner, MAX_DEPTH, type ObjectScanner } from '../../../lambda/formats/json-scan';
import {
  compileScanModule,
  createJsonObjectScanner,
  scanModule,
  WasmJsonObjectScanner,
  type ScanModule,
} from '../../../lambda/formats/json-scan-wasm';
import { prng } from '../../support/random';
import { fixture } from './helpers';

const ROOT = join(__dirname, '..', '..', '..');
const KEYS = ['eventTime', 'time', 'timestamp', '@timestamp'];

function wasm(): ScanModule {
  const module = scanModule();
  if (module === null) throw new Error('WebAssembly is not available to this test');
  return module;
}

/** All a scan reports, to compare two scanners. */
function report(scanner: ObjectScanner, bytes: Uint8Array, start = 0, end = bytes.length): unknown {
  if (!scanner.scan(bytes, start, end)) return false;
  return {
    object: [scanner.objectStart, scanner.objectEnd],
    values: Array.from(scanner.valueKind, (kind, k) =>
      kind === 0 ? [kind] : [kind, scanner.valueStart[k], scanner.valueEnd[k]],
    ),
  };
}

/** Lines on which the two scanners' reports differ (at most 5), and how many lines were accepted. */
function compare(lines: readonly Uint8Array[]): { differences: string[]; accepted: number } {
  const js = new JsonObjectScanner(KEYS);
  const wa = new WasmJsonObjectScanner(KEYS, wasm());
  const differences: string[] = [];
  let accepted = 0;
  for (const line of lines) {
    const expected = report(js, line);
    const actual = report(wa, line);
    if (expected !== false) accepted++;
    if (JSON.stringify(actual) !== JSON.stringify(expected) && differences.length < 5) {
      differences.push(`${Buffer.from(line).toString('utf8').slice(0, 120)}: ${JSON.stringify(actual)}`);
    }
  }
  return { differences, accepted };
}

describe('the committed module', () => {
  test('is what json-scan.as.ts compiles to (else: npm run build:wasm)', () => {
    // WHEN the build script compiles the source and compares
    const run = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-wasm.mjs'), '--check'], {
      encoding: 'utf8',
    });
    // THEN the committed base64 is byte for byte the compiler's output
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/is up to date \(\d+ bytes of WebAssembly\)/);
    expect(run.status).toBe(0);
  }, 60_000);

  test('nests as deep as the JavaScript scanner (MAX_DEPTH is defined in both)', () => {
    expect(wasm().layout.maxDepth).toBe(MAX_DEPTH);
  });
});

describe('the WebAssembly scanner against the JavaScript one', () => {
  test('agrees on every line of 5,000 benchmark records', () => {
    // GIVEN the benchmark's own records, as the forwarder sees them
    const rand = prng(7);
    const lines = Array.from({ length: 5000 }, (_, i) => Buffer.from(cloudTrailRecord(i, rand)));
    // WHEN / THEN
    const { differences, accepted } = compare(lines);
    expect(differences).toStrictEqual([]);
    expect(accepted).toBe(lines.length);
  });

  test('agrees on every line of every JSON sample, as written and compacted', () => {
    // GIVEN the AWS samples' lines (pretty-printed: mostly fragments, refused) and each sample
    // and each of its records compacted to one line (accepted)
    const lines: Buffer[] = [];
    const dir = join(ROOT, 'test', 'fixtures', 'aws');
    for (const producer of readdirSync(dir).filter((name) => statSync(join(dir, name)).isDirectory())) {
      for (const file of readdirSync(join(dir, producer)).filter((name) => name.endsWith('.json'))) {
        const text = fixture(`${producer}/${file}`);
        lines.push(
          ...text
            .toString('utf8')
            .split('\n')
            .map((line) => Buffer.from(line)),
        );
        for (const line of text.toString('utf8').split('\n')) {
          try {
            lines.push(Buffer.from(JSON.stringify(JSON.parse(line))));
          } catch {
            // a fragment of a pretty-printed document
          }
        }
        let document: { Records?: unknown[] } = {};
        try {
          document = JSON.parse(text.toString('utf8')) as { Records?: unknown[] };
        } catch {
          // one JSON object per line: its lines are above already
        }
        lines.push(Buffer.from(JSON.stringify(document)));
        for (const record of document.Records ?? []) lines.push(Buffer.from(JSON.stringify(record)));
      }
    }
    // WHEN / THEN
    const { differences, accepted } = compare(lines);
    expect(differences).toStrictEqual([]);
    expect(accepted).toBeGreaterThan(20);
    expect(lines.length - accepted).toBeGreaterThan(100);
  });

  test('agrees on a line inside a larger buffer, at every offset', () => {
    // GIVEN one record between bytes that would change it if they were read
    const line = cloudTrailRecord(1, prng(1));
    const js = new JsonObjectScanner(KEYS);
    const wa = new WasmJsonObjectScanner(KEYS, wasm());
    for (let pad = 0; pad < 20; pad++) {
      const buffer = Buffer.from(`${'"\\'.repeat(pad).slice(0, pad)}${line}"}`);
      // WHEN / THEN the positions reported are the buffer's, not the module memory's
      const expected = report(js, buffer, pad, pad + line.length);
      expect(expected).not.toBe(false);
      expect(report(wa, buffer, pad, pad + line.length)).toStrictEqual(expected);
    }
  });
});

describe('WasmJsonObjectScanner memory', () => {
  test('grows for a line longer than its memory, and still scans short lines after', () => {
    // GIVEN a 3 MiB line (the module starts with 128 KiB) between two short ones
    const scanner = new WasmJsonObjectScanner(['time'], wasm());
    const huge = Buffer.from(`{"pad":"${'x'.repeat(3 * 1024 * 1024)}","time":"2026-11-28T10:00:00Z"}`);
    const short = Buffer.from('{"time":1}');
    // WHEN / THEN
    expect(report(scanner, short)).toStrictEqual(report(new JsonObjectScanner(['time']), short));
    expect(scanner.scan(huge, 0, huge.length)).toBe(true);
    expect(huge.toString('utf8', scanner.valueStart[0], scanner.valueEnd[0])).toBe('2026-11-28T10:00:00Z');
    expect(scanner.objectEnd).toBe(huge.length);
    expect(report(scanner, short)).toStrictEqual(report(new JsonObjectScanner(['time']), short));
  });

  test('refuses a range outside its bytes, as the JavaScript scanner does', () => {
    // GIVEN a scanner whose memory still holds a longer line than the next one
    const js = new JsonObjectScanner(['a']);
    const wa = new WasmJsonObjectScanner(['a'], wasm());
    const earlier = Buffer.from('{"a":1}');
    expect(wa.scan(earlier, 0, earlier.length)).toBe(true);
    const cut = Buffer.from('{"a":1');
    // WHEN the range runs past the end of `bytes` (the copy would be short, and the earlier line's
    // last byte would complete this one) or starts before it
    const ranges: [number, number][] = [
      [0, cut.length + 1],
      [-1, cut.length],
    ];
    // THEN both refuse, and nothing was read from memory the copy did not write
    for (const [start, end] of ranges) {
      expect([start, end, wa.scan(cut, start, end)]).toStrictEqual([start, end, false]);
      expect([start, end, js.scan(cut, start, end)]).toStrictEqual([start, end, false]);
    }
  });

  test('scanners do not share memory: each keeps its own keys and results', () => {
    // GIVEN two scanners with different keys, used in turn
    const a = new WasmJsonObjectScanner(['a'], wasm());
    const b = new WasmJsonObjectScanner(['b', 'a'], wasm());
    const line = Buffer.from('{"a":"first","b":"second"}');
    // WHEN
    expect(a.scan(line, 0, line.length)).toBe(true);
    expect(b.scan(line, 0, line.length)).toBe(true);
    // THEN
    expect(line.toString('utf8', a.valueStart[0], a.valueEnd[0])).toBe('first');
    expect(line.toString('utf8', b.valueStart[0], b.valueEnd[0])).toBe('second');
    expect(line.toString('utf8', b.valueStart[1], b.valueEnd[1])).toBe('first');
  });

  test('an empty or reversed range is no object, as in JavaScript', () => {
    // GIVEN
    const scanner = new WasmJsonObjectScanner([], wasm());
    const line = Buffer.from('{}');
    // WHEN / THEN
    expect(scanner.scan(line, 1, 1)).toBe(false);
    expect(scanner.scan(line, 2, 0)).toBe(false);
    expect(new JsonObjectScanner([]).scan(line, 2, 0)).toBe(false);
  });
});

describe('createJsonObjectScanner', () => {
  test('prefers WebAssembly where it runs', () => {
    expect(createJsonObjectScanner(['time'])).toBeInstanceOf(WasmJsonObjectScanner);
  });

  test('falls back to JavaScript where WebAssembly cannot compile the module', () => {
    // GIVEN what compileScanModule gives without WebAssembly (or SIMD): nothing
    const none = compileScanModule(Buffer.from('not WebAssembly'));
    expect(none).toBeNull();
    // WHEN
    const scanner = createJsonObjectScanner(['time'], none);
    // THEN
    expect(scanner).toBeInstanceOf(JsonObjectScanner);
    const line = Buffer.from('{"time":"t"}');
    expect(scanner.scan(line, 0, line.length)).toBe(true);
  });

  test('falls back to JavaScript where an instance cannot be made', () => {
    // GIVEN a module that WebAssembly refuses to instantiate (as when its memory cannot be had)
    const broken: ScanModule = { module: {}, layout: wasm().layout };
    // WHEN / THEN
    expect(createJsonObjectScanner(['time'], broken)).toBeInstanceOf(JsonObjectScanner);
  });

  test('falls back to JavaScript under node --jitless, which has no WebAssembly', () => {
    // GIVEN the forwarder's scanner factory bundled as the Lambda bundles it
    const { outputFiles } = buildSync({
      stdin: {
        contents:
          "import { createJsonObjectScanner } from './lambda/formats/json-scan-wasm';\n" +
          "const s = createJsonObjectScanner(['time']);\n" +
          'const line = Buffer.from(\'{"time":"t"}\');\n' +
          'console.log(typeof WebAssembly, s.constructor.name, s.scan(line, 0, line.length));',
        resolveDir: ROOT,
        loader: 'ts',
      },
      bundle: true,
      platform: 'node',
      write: false,
      logLevel: 'silent',
    });
    // WHEN it runs without WebAssembly
    const run = spawnSync(process.execPath, ['--jitless', '-e', outputFiles[0].text], { encoding: 'utf8' });
    // THEN the JavaScript scanner does the work (node warns only that --jitless turns wasm off)
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.stdout.trim()).toBe('undefined JsonObjectScanner true');
    expect(run.status).toBe(0);
  });

  test('falls back to JavaScript for keys that do not fit the module layout', () => {
    // GIVEN one key too many, and one key too long
    const many = Array.from({ length: wasm().layout.maxKeys + 1 }, (_, i) => `k${i}`);
    const long = ['x'.repeat(wasm().layout.maxKeyBytes + 1)];
    // WHEN / THEN
    expect(createJsonObjectScanner(many)).toBeInstanceOf(JsonObjectScanner);
    expect(createJsonObjectScanner(long)).toBeInstanceOf(JsonObjectScanner);
    expect(createJsonObjectScanner(many.slice(1))).toBeInstanceOf(WasmJsonObjectScanner);
  });

  test('fails if WasmJsonObjectScanner is given keys that do not fit, saying what does', () => {
    const many = Array.from({ length: 33 }, (_, i) => `k${i}`);
    expect(() => new WasmJsonObjectScanner(many, wasm())).toThrow(
      'WasmJsonObjectScanner records at most 32 keys of 2048 bytes in all, not 33 keys of 89 bytes',
    );
  });

  test('fails if a key cannot be recorded by either scanner', () => {
    const message = 'JSON scanner keys must be printable ASCII without quotes or backslashes, not "\\""';
    expect(() => createJsonObjectScanner(['"'])).toThrow(message);
    expect(() => createJsonObjectScanner(['"'], null)).toThrow(message);
  });
});
