#!/usr/bin/env bash
# The CDK Terrain check: the Azure half on cdktn, the community continuation of CDK for Terraform.
#  1. The README's recipe ("On CDK Terrain": cdktn installed under the name cdktf, plus its overrides)
#     installs the packed package into a fresh app, and nothing else is needed.
#  2. That app synthesizes scripts/cdktn/azure-app.js from the package on Node.js 20 (no CLI) and
#     through cdktn-cli on Node.js 22, and each cdk.tf.json equals what cdktf synthesizes from the
#     same package, apart from metadata and provider pins (scripts/cdktn/compare-synth.mjs).
#  3. test/azure, unchanged, passes on cdktn: with the recipe's bindings, and with the newer
#     @cdktn/provider-azurerm, where only the azurerm pin may differ (scripts/cdktn/check-jest-results.mjs).
# CDKTN_CHECK_KEEP=1 keeps the scratch directory for a look afterwards.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
here="$root/scripts/cdktn"
work=$(mktemp -d)
if [ "${CDKTN_CHECK_KEEP:-}" = 1 ]; then
  trap 'echo "cdktn-check: scratch directory kept: $work"' EXIT
else
  trap 'rm -rf "$work"' EXIT
fi
# The newer azurerm bindings test/azure also runs on (azurerm 4.73); not a peer of s3-to-sentinel.
cdktn_azurerm_version=16.1.0

started=$SECONDS
step() { echo "cdktn-check: [$((SECONDS - started)) s] $*"; }
install() { npm install --no-audit --no-fund --prefer-offline --loglevel=error "$@" >/dev/null; }

# shellcheck source=scripts/lib/check-helpers.sh
source "$root/scripts/lib/check-helpers.sh"
pack_into_work cdktn-check
node_only_path="$work/node-only"
make_node_only_dir "$node_only_path"

step "the baseline: the packed package on cdktf $(version_of cdktf)"
mkdir "$work/cdktf-app"
cd "$work/cdktf-app"
npm init -y >/dev/null
install "$work/$tarball" "cdktf@$(version_of cdktf)" "constructs@$(version_of constructs)" \
  "@cdktf/provider-azurerm@$(version_of @cdktf/provider-azurerm)" \
  "@cdktf/provider-azuread@$(version_of @cdktf/provider-azuread)"
cp "$here/azure-app.js" .
PATH="$node_only_path" node azure-app.js cdktf.out >/dev/null

step "the README's recipe (section \"On CDK Terrain\") with the packed package"
mkdir "$work/cdktn-app"
cd "$work/cdktn-app"
node "$here/readme-recipe.mjs" "$root/README.md" "$work/$tarball" >package.json
# cdktn-cli declares Node.js >= 22.19 and this may be 20: npm warns (EBADENGINE), which is expected.
if ! npm install --no-audit --no-fund --prefer-offline --loglevel=error >"$work/install.log" 2>&1; then
  cat "$work/install.log" >&2
  echo "cdktn-check: the README's recipe for CDK Terrain does not install (above); fix the peer ranges in package.json or the recipe's overrides" >&2
  exit 1
fi
if ! npm ls --all >"$work/ls.log" 2>&1; then
  grep -E 'invalid|missing|ERR' "$work/ls.log" >&2 || cat "$work/ls.log" >&2
  echo "cdktn-check: the README's recipe installs a tree npm calls invalid (above)" >&2
  exit 1
fi
cdktf_is=$(node -p "const p = require('cdktf/package.json'); p.name + '@' + p.version")
case $cdktf_is in
  cdktn@*) ;;
  *)
    echo "cdktn-check: in the recipe's app, cdktf is $cdktf_is, not cdktn" >&2
    exit 1
    ;;
esac
cp "$here/azure-app.js" .
# The app against the package's declarations and cdktn's, as a TypeScript app would compile.
"$root/node_modules/.bin/tsc" --noEmit --allowJs --checkJs --strict --skipLibCheck --target ES2022 \
  --module node16 --moduleResolution node16 --typeRoots "$root/node_modules/@types" --types node azure-app.js || {
  echo "cdktn-check: azure-app.js does not type-check against s3-to-sentinel/azure on $cdktf_is (above)" >&2
  exit 1
}

step "synthesizing on $cdktf_is under Node.js $(node -v), without a CLI"
PATH="$node_only_path" node azure-app.js direct.out >/dev/null
node "$here/compare-synth.mjs" "$work/cdktf-app" "$work/cdktf-app/cdktf.out" "$work/cdktn-app" \
  "$work/cdktn-app/direct.out" "node azure-app.js"

# The AWS half in the same app: the recipe's constructs (cdktn accepts only < 10.8) must suit it too.
cat >aws-app.js <<'JS'
const { App, Stack } = require('aws-cdk-lib');
const { Bucket } = require('aws-cdk-lib/aws-s3');
const { S3ToSentinelForwarder } = require('s3-to-sentinel');
const app = new App({ outdir: 'cdk.out' });
const stack = new Stack(app, 'Aws', { env: { account: '123456789012', region: 'eu-west-1' } });
const zero = '00000000-0000-0000-0000-000000000000';
new S3ToSentinelForwarder(stack, 'Forwarder', {
  producerName: 'cdktn-check',
  format: 'ndjson',
  bucket: Bucket.fromBucketName(stack, 'Bucket', 'cdktn-check-logs'),
  destination: {
    tenantId: zero,
    clientId: zero,
    logsIngestionEndpoint: 'https://example.invalid',
    dcrImmutableId: 'dcr-00000000000000000000000000000000',
    streamName: 'Custom-CdktnCheck',
  },
});
const fns = Object.values(app.synth().getStackByName('Aws').template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
if (fns.length === 0) throw new Error('the AWS stack has no Lambda function');
console.log(`cdktn-check: the AWS half synthesizes beside it on constructs ${require('constructs/package.json').version}`);
JS
PATH="$node_only_path" node aws-app.js

# cdktn-cli 0.24 needs Node.js >= 22.19 (on 20 it stops at start-up); the test:node22 script fetches 22 too.
node22=$(npx --yes -p node@22 -c 'command -v node')
node22_only_path="$work/node22-only"
make_node_only_dir "$node22_only_path" "$(readlink -f "$node22")"
step "synthesizing with cdktn-cli $(node -p "require('cdktn-cli/package.json').version") under Node.js $("$node22_only_path/node" -v)"
cat >cdktf.json <<'JSON'
{ "language": "typescript", "app": "node azure-app.js", "sendCrashReports": "false" }
JSON
# Only that node on PATH: synthesis needs no Terraform. CHECKPOINT_DISABLE: no version check online.
if ! CHECKPOINT_DISABLE=1 PATH="$node22_only_path" node node_modules/cdktn-cli/bin/cdktn synth >"$work/cli.log" 2>&1; then
  cat "$work/cli.log" >&2
  echo "cdktn-check: npx cdktn synth failed in the recipe's app (above)" >&2
  exit 1
fi
node "$here/compare-synth.mjs" "$work/cdktf-app" "$work/cdktf-app/cdktf.out" "$work/cdktn-app" \
  "$work/cdktn-app/cdktf.out" "cdktn synth"

step "the newer bindings: @cdktn/provider-azurerm@$cdktn_azurerm_version"
# The framework and constructs the recipe installed, under their own names.
cdktn_version=$(node -p "require('cdktf/package.json').version")
constructs_version=$(node -p "require('constructs/package.json').version")
mkdir "$work/bindings"
cd "$work/bindings"
# It peers cdktn ^0.23.0, and npm has only 0.24.0: the same override a native cdktn app needs.
cat >package.json <<JSON
{
  "name": "cdktn-check-bindings",
  "private": true,
  "dependencies": {
    "cdktn": "$cdktn_version",
    "constructs": "$constructs_version",
    "@cdktn/provider-azurerm": "$cdktn_azurerm_version"
  },
  "overrides": { "@cdktn/provider-azurerm": { "cdktn": "\$cdktn" } }
}
JSON
install

# test/azure twice on cdktn, each run judged by check-jest-results.mjs on jest's JSON report.
pin_of() { node -p "require('$1/package.json').cdktf.provider.version"; }
expected_pin=$(pin_of "$root/node_modules/@cdktf/provider-azurerm")
# run_azure_tests <label> <package=directory>…: the packages jest.config.js maps, azurerm's first.
run_azure_tests() {
  local label=$1 rc=0 modules azurerm_dir
  shift
  modules=$(node -p 'JSON.stringify(Object.fromEntries(process.argv.slice(1).map((a) => a.split("="))))' "$@")
  azurerm_dir=${1#*=}
  step "test/azure on $label"
  (cd "$root" && S2S_CDKTN_MODULES=$modules FORCE_COLOR=0 node node_modules/jest/bin/jest.js --ci \
    -c scripts/cdktn/jest.config.js --json --outputFile="$work/jest.json" >"$work/jest.log" 2>&1) || rc=$?
  if ! node "$here/check-jest-results.mjs" "$work/jest.json" "$label" "$expected_pin" "$(pin_of "$azurerm_dir")"; then
    echo "cdktn-check: jest's log (exit code $rc):" >&2
    cat "$work/jest.log" >&2
    exit 1
  fi
}
app="$work/cdktn-app/node_modules"
run_azure_tests "the recipe's packages" "@cdktf/provider-azurerm=$app/@cdktf/provider-azurerm" \
  "cdktf=$app/cdktf" "constructs=$app/constructs" "@cdktf/provider-azuread=$app/@cdktf/provider-azuread"
bindings="$work/bindings/node_modules"
run_azure_tests "cdktn with @cdktn/provider-azurerm@$cdktn_azurerm_version" \
  "@cdktf/provider-azurerm=$bindings/@cdktn/provider-azurerm" "cdktf=$bindings/cdktn" \
  "constructs=$bindings/constructs" "@cdktf/provider-azuread=$app/@cdktf/provider-azuread"

step "done: the Azure half runs on CDK Terrain as the README says"
