// `npm run bench -- --mb N`: bundles bench/forwarder.ts with esbuild (no tsx/ts-node here) into
// .bench/ (git-ignored, inside the repo so s3rver resolves from node_modules) and runs it.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = join(root, '.bench', 'forwarder.js');
mkdirSync(dirname(outfile), { recursive: true });
await build({
  entryPoints: [join(root, 'bench', 'forwarder.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // A linked map (not inline) so the bundle's own size does not inflate the measured RSS.
  sourcemap: 'linked',
  // s3rver (koa and friends) is a test server, loaded from node_modules as-is.
  external: ['s3rver'],
  logLevel: 'warning',
});
const result = spawnSync(process.execPath, [outfile, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(result.status ?? 1);
