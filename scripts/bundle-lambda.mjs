// Bundles the forwarder with esbuild into dist/lambda-bundle/forwarder/index.js, the asset the
// construct deploys. Done at package build time so consumers need neither esbuild nor Docker.
import { build } from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'lambda-bundle', 'forwarder');
mkdirSync(outdir, { recursive: true });

const result = await build({
  entryPoints: [join(root, 'lambda', 'pipeline', 'handler.ts')],
  outfile: join(outdir, 'index.js'),
  bundle: true,
  platform: 'node',
  // Node 20 syntax runs on the Lambda's Node 22 runtime and on this repo's Node 20 toolchain.
  target: 'node20',
  format: 'cjs',
  minify: true,
  sourcemap: 'linked',
  // The runtime's own AWS SDK is not used: the bundle pins the versions the tests ran against.
  external: [],
  metafile: true,
  legalComments: 'linked',
  logLevel: 'warning',
});
writeFileSync(join(root, 'dist', 'lambda-bundle', 'meta.json'), JSON.stringify(result.metafile));
const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
if (process.argv.includes('--quiet') === false) {
  console.log(`bundled lambda/pipeline/handler.ts → ${outdir} (${(bytes / 1024).toFixed(0)} KiB)`);
}
