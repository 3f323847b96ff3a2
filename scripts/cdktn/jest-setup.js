// Runs before each test file of the cdktn run: fails it unless every mapped package is the one the
// check installed (so the tests cannot pass on the repository's own cdktf by mistake), and `cdktf`
// is CDK Terrain.
const path = require('node:path');

const modules = JSON.parse(process.env.S2S_CDKTN_MODULES);
for (const [name, dir] of Object.entries(modules)) {
  const loaded = require(`${name}/package.json`);
  const wanted = require(path.join(dir, 'package.json'));
  if (loaded.name !== wanted.name || loaded.version !== wanted.version) {
    throw new Error(
      `${name} resolved to ${loaded.name}@${loaded.version}, not ${wanted.name}@${wanted.version} in ${dir}`,
    );
  }
}
if (require('cdktf/package.json').name !== 'cdktn') {
  throw new Error(`cdktf resolved to ${require('cdktf/package.json').name}, not cdktn`);
}
