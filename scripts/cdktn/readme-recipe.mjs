// Prints the package.json of a fresh app on CDK Terrain: exactly the README's recipe (the first json
// block of its section "On CDK Terrain"), with s3-to-sentinel taken from the packed tarball. The
// README is the one source, so the overrides a user copies are the ones CI installed.
// Usage: node readme-recipe.mjs <README.md> <tarball path>
import { readFileSync } from 'node:fs';

const [readme, tarball] = process.argv.slice(2);
const fail = (message) => {
  console.error(`cdktn-check: ${readme}: ${message}`);
  process.exit(1);
};

const lines = readFileSync(readme, 'utf8').split('\n');
const start = lines.findIndex((l) => /^#{2,4} On CDK Terrain\s*$/.test(l));
if (start < 0) fail('no section "On CDK Terrain"; its json block is the install recipe this check proves');
const level = lines[start].indexOf(' ');
const end = lines.findIndex((l, i) => i > start && /^#{1,6} /.test(l) && l.indexOf(' ') <= level);
const section = lines.slice(start, end < 0 ? undefined : end);
const open = section.findIndex((l) => l.trim() === '```json');
const close = section.findIndex((l, i) => i > open && l.trim() === '```');
if (open < 0 || close < 0) fail('the section "On CDK Terrain" has no ```json block with the recipe');

let recipe;
try {
  recipe = JSON.parse(section.slice(open + 1, close).join('\n'));
} catch (e) {
  fail(`the recipe in "On CDK Terrain" is not JSON: ${e.message}`);
}
const deps = recipe.dependencies ?? {};
if (deps['s3-to-sentinel'] === undefined) fail('the recipe does not depend on s3-to-sentinel');
if (!/^npm:cdktn@/.test(deps.cdktf ?? '')) {
  fail(
    `the recipe's cdktf is ${JSON.stringify(deps.cdktf)}; this check proves the alias "npm:cdktn@<version>"`,
  );
}
console.log(
  JSON.stringify(
    {
      name: 'cdktn-check-app',
      private: true,
      ...recipe,
      dependencies: { ...deps, 's3-to-sentinel': `file:${tarball}` },
    },
    null,
    2,
  ),
);
