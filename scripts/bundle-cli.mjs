// Bundles the operator CLI (bin/cli.ts) with esbuild into dist/cli/index.js, the package's `bin`.
// Everything it imports (commander, cli-progress, the AWS SDK clients) is inlined, so the published
// package's CLI runs with no runtime dependencies installed.
import { build } from 'esbuild';
import { chmodSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = join(root, 'dist', 'cli', 'index.js');
mkdirSync(dirname(outfile), { recursive: true });

const result = await build({
  entryPoints: [join(root, 'bin', 'cli.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  sourcemap: 'linked',
  banner: { js: '#!/usr/bin/env node' },
  metafile: true,
  legalComments: 'linked',
  logLevel: 'warning',
  // `--config` loads the operator's producer module at run time by path; that require stays dynamic.
  logOverride: { 'unsupported-require-call': 'silent' },
});
chmodSync(outfile, 0o755);
const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
if (process.argv.includes('--quiet') === false) {
  console.log(`bundled bin/cli.ts → ${outfile} (${(bytes / 1024).toFixed(0)} KiB)`);
}
