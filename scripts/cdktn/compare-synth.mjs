// Compares what the same app synthesized on CDK for Terraform and on CDK Terrain: every stack's
// cdk.tf.json must be the same Terraform configuration. Two things may differ, and are reported:
// metadata (the "//" block, which Terraform ignores: it carries the framework's version) and the
// provider version pins in terraform.required_providers (they come from the provider bindings). Paths
// under each app's own directory (the default local backend's state file) are compared relative to it.
// Usage: node compare-synth.mjs <cdktf app dir> <its outdir> <cdktn app dir> <its outdir> <label>
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';

const [baseApp, baseOut, candApp, candOut, label] = process.argv.slice(2);
if (label === undefined) {
  console.error('usage: node compare-synth.mjs <cdktf app dir> <outdir> <cdktn app dir> <outdir> <label>');
  process.exit(2);
}
const fail = (message) => {
  console.error(`cdktn-check: ${label}: ${message}`);
  process.exit(1);
};

const stacksOf = (out) => {
  const dir = join(out, 'stacks');
  if (!existsSync(dir)) fail(`${dir} does not exist: the app synthesized nothing there`);
  return readdirSync(dir).sort();
};
const baseStacks = stacksOf(baseOut);
const candStacks = stacksOf(candOut);
if (!isDeepStrictEqual(baseStacks, candStacks)) {
  fail(`cdktf synthesized the stacks [${baseStacks}], cdktn [${candStacks}]`);
}

/** The stack's JSON with every occurrence of the app's directory written as `<app>`. */
const load = (out, stack, appDir) =>
  JSON.parse(readFileSync(join(out, 'stacks', stack, 'cdk.tf.json'), 'utf8').replaceAll(appDir, '<app>'));

/** Every path at which a and b differ, as [path, a, b]; objects by key, arrays by position. */
function differences(a, b, path = '') {
  if (isDeepStrictEqual(a, b)) return [];
  const isObject = (v) => typeof v === 'object' && v !== null;
  if (!isObject(a) || !isObject(b) || Array.isArray(a) !== Array.isArray(b)) return [[path, a, b]];
  const keys = Array.isArray(a)
    ? [...Array(Math.max(a.length, b.length)).keys()]
    : [...new Set([...Object.keys(a), ...Object.keys(b)])];
  return keys.flatMap((k) => differences(a[k], b[k], Array.isArray(a) ? `${path}[${k}]` : `${path}.${k}`));
}
const show = (v) => (v === undefined ? '(absent)' : JSON.stringify(v));

for (const stack of baseStacks) {
  const cdktf = load(baseOut, stack, baseApp);
  const cdktn = load(candOut, stack, candApp);

  // Metadata: allowed to differ, reported.
  const metadata = differences(cdktf['//'], cdktn['//'], '//');
  delete cdktf['//'];
  delete cdktn['//'];

  // Provider pins: allowed to differ, reported; a provider's presence or source must not.
  const pins = [];
  const required = (json) => json.terraform?.required_providers ?? {};
  for (const name of new Set([...Object.keys(required(cdktf)), ...Object.keys(required(cdktn))])) {
    const [from, to] = [required(cdktf)[name], required(cdktn)[name]];
    if (from === undefined || to === undefined) continue; // left in, so reported as a difference below
    if (from.version !== to.version) pins.push(`${name} ${from.version} → ${to.version}`);
    delete from.version;
    delete to.version;
  }

  const rest = differences(cdktf, cdktn);
  if (rest.length > 0) {
    const lines = rest.slice(0, 20).map(([path, a, b]) => `  ${path}: cdktf ${show(a)}, cdktn ${show(b)}`);
    if (rest.length > 20) lines.push(`  … and ${rest.length - 20} more`);
    fail(
      `${stack}/cdk.tf.json differs beyond metadata and provider pins, so the Azure stack would not deploy ` +
        `the same on CDK Terrain; the README's section "On CDK Terrain" says it does:\n${lines.join('\n')}`,
    );
  }
  const metadataNote = metadata.map(([path, a, b]) => `${path} ${show(a)} → ${show(b)}`).join(', ');
  console.log(
    `cdktn-check: ${label}: ${stack}/cdk.tf.json is the same Terraform configuration as on cdktf; ` +
      `metadata: ${metadataNote || 'identical'}; provider pins: ${pins.join(', ') || 'identical'}`,
  );
}
