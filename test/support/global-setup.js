// Builds the real esbuild bundle once before any test, so construct tests synthesize the asset
// that ships and forwarder integration tests can run the bundled handler.
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');

module.exports = async function globalSetup() {
  execFileSync(process.execPath, [join(__dirname, '..', '..', 'scripts', 'bundle-lambda.mjs'), '--quiet'], {
    stdio: 'inherit',
  });
};
