#!/usr/bin/env bash
# The consumer check: pack this package, install the tarball into a fresh CDK app that has
# neither esbuild nor Docker, instantiate the construct from the package root and synthesize.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$root"
tarball=$(npm pack --silent --pack-destination "$work" | tail -n 1)
echo "packed $tarball ($(du -k "$work/$tarball" | cut -f1) KiB)"

cd "$work"
npm init -y >/dev/null
# The peer dependencies at the versions this repo tests with; --prefer-offline reuses npm's cache.
cdk_version=$(node -p "require('$root/node_modules/aws-cdk-lib/package.json').version")
constructs_version=$(node -p "require('$root/node_modules/constructs/package.json').version")
npm install --no-audit --no-fund --prefer-offline --loglevel=error \
  "./$tarball" "aws-cdk-lib@$cdk_version" "constructs@$constructs_version" >/dev/null

for forbidden in esbuild typescript @aws-sdk/client-s3 @azure/monitor-ingestion; do
  if [ -e "node_modules/$forbidden" ]; then
    echo "consumer-check: installing s3-to-sentinel pulled in $forbidden; the Lambda's libraries must be bundled" >&2
    exit 1
  fi
done

cat > app.js <<'JS'
const { App, Stack } = require('aws-cdk-lib');
const s3 = require('aws-cdk-lib/aws-s3');
const { S3ToSentinelForwarder } = require('s3-to-sentinel');

const app = new App({ outdir: 'cdk.out' });
const stack = new Stack(app, 'ConsumerStack', { env: { account: '123456789012', region: 'eu-west-1' } });
new S3ToSentinelForwarder(stack, 'Forwarder', {
  producerName: 'consumer-check',
  format: 'ndjson',
  bucket: s3.Bucket.fromBucketName(stack, 'Bucket', 'consumer-check-logs'),
  prefix: 'logs/',
  destination: {
    tenantId: '00000000-0000-0000-0000-000000000000',
    clientId: '00000000-0000-0000-0000-000000000000',
    logsIngestionEndpoint: 'https://example.invalid',
    dcrImmutableId: 'dcr-00000000000000000000000000000000',
    streamName: 'Custom-ConsumerCheck',
  },
});
app.synth();
JS
# PATH without docker proves synthesis never shells out to it.
PATH="$(dirname "$(command -v node)"):/usr/bin:/bin" node app.js

template=cdk.out/ConsumerStack.template.json
node -e "
const t = require('./$template');
const fns = Object.values(t.Resources).filter((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Runtime === 'nodejs22.x');
if (fns.length !== 1) throw new Error('expected the forwarder as the one nodejs22.x function, found ' + fns.length);
const assets = require('fs').readdirSync('cdk.out').filter((d) => d.startsWith('asset.'));
const bundled = assets.some((d) => require('fs').existsSync('cdk.out/' + d + '/index.js'));
if (!bundled) throw new Error('the prebundled forwarder asset is missing from cdk.out');
console.log('consumer-check: synthesized ' + Object.keys(t.Resources).length + ' resources with the prebundled forwarder; no esbuild, no Docker');
"
