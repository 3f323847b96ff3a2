// `npm run bench:drain`: builds the forwarder bundle (`npm run bundle`, so the run measures the code
// as it is; `--no-bundle` keeps dist/lambda-bundle as it is), bundles bench/drain.ts with esbuild
// into .bench/ (as bench/run.mjs does) and runs it. Its options and output: bench/drain.ts and
// bench/README.md.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
if (!args.includes('--no-bundle')) {
  const bundled = spawnSync(process.execPath, [join(root, 'scripts', 'bundle-lambda.mjs'), '--quiet'], {
    stdio: 'inherit',
  });
  if (bundled.status !== 0) process.exit(bundled.status ?? 1);
}
const outfile = join(root, '.bench', 'drain.js');
mkdirSync(dirname(outfile), { recursive: true });
await build({
  entryPoints: [join(root, 'bench', 'drain.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'linked',
  // s3rver (koa and friends) is a test server, loaded from node_modules as-is.
  external: ['s3rver'],
  logLevel: 'warning',
});
const result = spawnSync(
  process.execPath,
  ['--enable-source-maps', outfile, ...args.filter((a) => a !== '--no-bundle')],
  {
    stdio: 'inherit',
    // The AWS SDK's notice that its Node 20 support ends (the Lambda runs Node 22): noise here.
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
);
process.exit(result.status ?? 1);
