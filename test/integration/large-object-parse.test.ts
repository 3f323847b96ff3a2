// A 200 MB (uncompressed) gzip NDJSON object through the reader and the ndjson parser under a memory
// bound. It runs in a child process whose V8 heap is capped well below the object's size: a reader
// that held the object (or its rows) would die of heap exhaustion, whatever else the machine is doing,
// where an RSS-growth threshold inside the busy test process is at the mercy of the collector.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';

const TARGET_BYTES = 200 * 1024 * 1024;
/** The child's V8 old-space cap: a quarter of the object. */
const HEAP_LIMIT_MB = 48;

describe('a large object', () => {
  test('streams 200 MB of gzip NDJSON with memory independent of its size', () => {
    // GIVEN the child bundled from the real reader and parser
    const dir = mkdtempSync(join(tmpdir(), 'large-object-'));
    try {
      const child = join(dir, 'child.js');
      buildSync({
        entryPoints: [join(__dirname, '..', 'support', 'large-object-child.ts')],
        outfile: child,
        bundle: true,
        platform: 'node',
        target: 'node20',
        logLevel: 'error',
      });
      // WHEN it reads the lazily generated object with a heap far smaller than the object
      const run = spawnSync(
        process.execPath,
        [`--max-old-space-size=${HEAP_LIMIT_MB}`, child, String(TARGET_BYTES)],
        {
          encoding: 'utf8',
          timeout: 150_000,
        },
      );
      // THEN it finished within the heap cap, every line became a row, and all 200 MB went through
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      const seen = JSON.parse(run.stdout) as Record<string, number>;
      expect(seen.other).toBe(0);
      expect(seen.rows).toBe(seen.lines);
      expect(seen.uncompressed).toBe(seen.bytes);
      expect(seen.uncompressed).toBeGreaterThanOrEqual(TARGET_BYTES);
      // No RSS threshold here: Buffers live outside the capped heap and the allocator returns freed
      // memory lazily, so peak RSS varied from 150 to 260 MB between runs of this same code. The
      // heap cap is the bound; test/lambda/large-object-e2e.test.ts bounds RSS on the whole path.
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
