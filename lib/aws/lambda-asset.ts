import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Directory of the prebundled forwarder (`dist/lambda-bundle/forwarder`), found by walking up from
 * this file to the package root. Works both from the sources (ts-jest, `lib/aws`) and from the
 * published package (`dist/lib/aws`), so consumers synthesize without esbuild or Docker.
 */
export function forwarderBundleDir(): string {
  let dir = __dirname;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 's3-to-sentinel') {
      const bundle = join(dir, 'dist', 'lambda-bundle', 'forwarder');
      if (!existsSync(join(bundle, 'index.js'))) {
        throw new Error(
          `The forwarder bundle is missing at ${bundle}: run \`npm run build\` (or \`npm run bundle\`) in the s3-to-sentinel package`,
        );
      }
      return bundle;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`Cannot find the s3-to-sentinel package root above ${__dirname}`);
    dir = parent;
  }
}
