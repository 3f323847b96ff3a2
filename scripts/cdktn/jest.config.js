// test/azure, unchanged, on CDK Terrain: the repository's Jest configuration with `cdktf`, `constructs`
// and the provider bindings resolved from the directories in S2S_CDKTN_MODULES (JSON, package name →
// its directory, set by scripts/cdktn-check.sh), for the tests and for everything they load. Mapping
// `@cdktf/provider-azurerm` to `@cdktn/provider-azurerm` runs the same constructs on the newer
// bindings; these require `cdktn`, which resolves to the same files as the mapped `cdktf`, so one
// copy of the framework is loaded.
const path = require('node:path');
const base = require('../../jest.config.js');

const modules = JSON.parse(process.env.S2S_CDKTN_MODULES ?? 'null');
if (modules === null)
  throw new Error('S2S_CDKTN_MODULES is not set: run this through scripts/cdktn-check.sh');
const escape = (name) => name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  rootDir: path.join(__dirname, '..', '..'),
  roots: ['<rootDir>/test/azure'],
  moduleNameMapper: Object.fromEntries(
    Object.entries(modules).flatMap(([name, dir]) => [
      [`^${escape(name)}$`, dir],
      [`^${escape(name)}/(.*)$`, `${dir}/$1`],
    ]),
  ),
  setupFiles: [...(base.setupFiles ?? []), path.join(__dirname, 'jest-setup.js')],
};
