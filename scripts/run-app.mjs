// Runs a TypeScript entry point (the CDK app, the CDKTF app) straight from the sources: esbuild
// bundles it in well under a second with every npm package left external, so `npx cdk synth` and
// `npx cdktf synth` work on a fresh clone without a `tsc` build. Usage: node scripts/run-app.mjs bin/aws.ts
import { build } from 'esbuild';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = process.argv[2];
if (!entry) {
  console.error('usage: node scripts/run-app.mjs <entry.ts>');
  process.exit(2);
}
// The construct deploys the prebundled forwarder; build it once if this checkout has none yet.
if (!existsSync(join(root, 'dist', 'lambda-bundle', 'forwarder', 'index.js'))) {
  await import('./bundle-lambda.mjs');
}
const outdir = join(root, '.build');
mkdirSync(outdir, { recursive: true });
const outfile = join(outdir, `${basename(entry, '.ts')}.js`);
await build({
  entryPoints: [join(root, entry)],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external',
  sourcemap: 'inline',
  logLevel: 'warning',
});
createRequire(import.meta.url)(outfile);
