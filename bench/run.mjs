// `npm run bench -- --mb N` (and `npm run bench:stages`): bundles bench/forwarder.ts (or
// bench/stages.ts) with esbuild (no tsx/ts-node here) into .bench/ (git-ignored, inside the repo so
// s3rver resolves from node_modules) and runs it.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// `node bench/run.mjs stages ...` runs bench/stages.ts (`npm run bench:stages`); anything else, the
// forwarder benchmark.
const stages = process.argv[2] === 'stages';
const name = stages ? 'stages' : 'forwarder';
const args = process.argv.slice(stages ? 3 : 2);
const outfile = join(root, '.bench', `${name}.js`);
mkdirSync(dirname(outfile), { recursive: true });
await build({
  entryPoints: [join(root, 'bench', `${name}.ts`)],
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
const result = spawnSync(process.execPath, [outfile, ...args], {
  stdio: 'inherit',
  // The AWS SDK's notice that its Node 20 support ends (the Lambda runs Node 22): noise here.
  env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
});
process.exit(result.status ?? 1);
