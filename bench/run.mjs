// `npm run bench -- --mb N`, `npm run bench:stages` and `npm run bench:drain`: bundles
// bench/forwarder.ts (or bench/stages.ts, bench/drain.ts) with esbuild (no tsx/ts-node here) into
// .bench/ (git-ignored, inside the repo so s3rver resolves from node_modules) and runs it.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// `node bench/run.mjs stages|drain ...` runs bench/stages.ts or bench/drain.ts; anything else, the
// forwarder benchmark.
const named = ['stages', 'drain'].includes(process.argv[2]);
const name = named ? process.argv[2] : 'forwarder';
let args = process.argv.slice(named ? 3 : 2);
if (name === 'drain') {
  // The drain runs the forwarder bundle in child processes: rebuild it so the run measures the code
  // as it is, unless `--no-bundle` keeps dist/lambda-bundle as it is.
  if (!args.includes('--no-bundle')) {
    const bundled = spawnSync(process.execPath, [join(root, 'scripts', 'bundle-lambda.mjs'), '--quiet'], {
      stdio: 'inherit',
    });
    if (bundled.status !== 0) process.exit(bundled.status ?? 1);
  }
  args = args.filter((a) => a !== '--no-bundle');
}
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
// The drain's stack traces point into its TypeScript; the others keep Node's defaults (measured).
const result = spawnSync(
  process.execPath,
  [...(name === 'drain' ? ['--enable-source-maps'] : []), outfile, ...args],
  {
    stdio: 'inherit',
    // The AWS SDK's notice that its Node 20 support ends (the Lambda runs Node 22): noise here.
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
);
process.exit(result.status ?? 1);
