#!/usr/bin/env bash
# The consumer check: pack this package, install the tarball into a fresh app that has neither
# esbuild nor Docker nor Terraform, and synthesize from the package both halves: the AWS construct
# in a CDK app, then the Azure constructs (`s3-to-sentinel/azure`) in a CDK for Terraform app.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# shellcheck source=scripts/lib/check-helpers.sh
source "$root/scripts/lib/check-helpers.sh"
pack_into_work consumer-check

# A PATH holding only node proves synthesis never shells out to docker, terraform or anything else.
node_only_path="$work/node-only"
make_node_only_dir "$node_only_path"

# The forwarder's libraries are bundled into dist/lambda-bundle; none may reach a consumer's install.
assert_nothing_forbidden() {
  local forbidden
  for forbidden in esbuild typescript @aws-sdk @aws-lambda-powertools @azure; do
    if [ -e "node_modules/$forbidden" ]; then
      echo "consumer-check: installing s3-to-sentinel with $1 pulled in $forbidden; the Lambda's libraries must be bundled, not dependencies or peers" >&2
      exit 1
    fi
  done
}

cd "$work"
npm init -y >/dev/null
# Installed peer versions are the ones this repo tests with (version_of); --prefer-offline reuses npm's cache.
npm install --no-audit --no-fund --prefer-offline --loglevel=error \
  "./$tarball" "aws-cdk-lib@$(version_of aws-cdk-lib)" "constructs@$(version_of constructs)" >/dev/null
assert_nothing_forbidden aws-cdk-lib
# The CDKTF peers are optional: the AWS app runs before they are installed, so it proves the root
# entry point never loads them.
if [ -e node_modules/cdktf ]; then
  echo "consumer-check: installing s3-to-sentinel with aws-cdk-lib pulled in cdktf; its CDKTF peers must stay optional (peerDependenciesMeta)" >&2
  exit 1
fi

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
PATH="$node_only_path" node app.js

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

# Now the Azure half, in the same project: the CDKTF peers at the versions this repo tests with.
npm install --no-audit --no-fund --prefer-offline --loglevel=error \
  "cdktf@$(version_of cdktf)" "@cdktf/provider-azurerm@$(version_of @cdktf/provider-azurerm)" \
  "@cdktf/provider-azuread@$(version_of @cdktf/provider-azuread)" "constructs@$(version_of constructs)" >/dev/null
assert_nothing_forbidden 'the CDKTF peers'

# Two producers on the project's ProducerDefinition shape: a default-named table and a named one.
cat > azure-app.js <<'JS'
const { App, TerraformStack } = require('cdktf');
const { AzureProviders, SentinelIngestion } = require('s3-to-sentinel/azure');

const app = new App({ outdir: 'cdktf.out' });
const stack = new TerraformStack(app, 'ConsumerAzureStack');
new AzureProviders(stack, 'Providers', { subscriptionId: '00000000-0000-0000-0000-000000000000' });
new SentinelIngestion(stack, 'Sentinel', {
  location: 'westeurope',
  namePrefix: 'consumer-check',
  producers: [
    { name: 'app-logs', bucket: { kind: 'new' }, format: 'ndjson' },
    {
      name: 'trail',
      bucket: { kind: 'existing', bucketName: 'consumer-check-trail' },
      format: 'cloudtrail',
      table: { destination: 'custom', name: 'ConsumerTrail', retentionInDays: 90 },
    },
    // The format's default: Sentinel's built-in AWSCloudTrail, with the _CF columns added to it.
    { name: 'trail-builtin', bucket: { kind: 'new' }, format: 'cloudtrail' },
  ],
});
app.synth();
JS
PATH="$node_only_path" node azure-app.js || {
  echo "consumer-check: the CDKTF app failed to synthesize from s3-to-sentinel/azure (error above); does dist/lib/azure load without the sources?" >&2
  exit 1
}

# The stream each DCR declares must be the format's columns, as the forwarder sends them.
node - <<'JS'
const fs = require('fs');
const { columnsOf } = require('s3-to-sentinel');
const { STREAM_COLUMN_TYPES } = require('s3-to-sentinel/azure');
const file = 'cdktf.out/stacks/ConsumerAzureStack/cdk.tf.json';
if (!fs.existsSync(file)) {
  console.error(`consumer-check: cdktf wrote no ${file}; did the stack id or the App outdir in azure-app.js change?`);
  process.exit(1);
}
const tf = JSON.parse(fs.readFileSync(file, 'utf8'));
const of = (type) => Object.entries(tf.resource[type] ?? {});
const ref = (type, key) => '${' + type + '.' + key + '.id}';
const fail = (what) => {
  console.error(`consumer-check: ${file}: ${what}; SentinelIngestion as packed no longer synthesizes what the forwarder needs`);
  process.exit(1);
};

const endpoints = of('azurerm_monitor_data_collection_endpoint');
if (endpoints.length !== 1) fail(`expected one azurerm_monitor_data_collection_endpoint, found ${endpoints.length}`);
const endpointRef = ref('azurerm_monitor_data_collection_endpoint', endpoints[0][0]);

const expected = [
  { producer: 'app-logs', format: 'ndjson', stream: 'Custom-AppLogs', table: 'AppLogs_CL' },
  { producer: 'trail', format: 'cloudtrail', stream: 'Custom-ConsumerTrail', table: 'ConsumerTrail_CL' },
  { producer: 'trail-builtin', format: 'cloudtrail', stream: 'Custom-TrailBuiltin', builtin: 'AWSCloudTrail' },
];
const rules = of('azurerm_monitor_data_collection_rule');
if (rules.length !== expected.length) fail(`expected ${expected.length} azurerm_monitor_data_collection_rule, found ${rules.length}`);
const tables = of('azurerm_log_analytics_workspace_table_custom_log');
const grants = of('azurerm_role_assignment');
for (const e of expected) {
  const rule = rules.find(([, r]) => r.name === `consumer-check-${e.producer}`);
  if (rule === undefined) fail(`no azurerm_monitor_data_collection_rule named consumer-check-${e.producer}`);
  const [ruleKey, dcr] = rule;
  const columns = columnsOf(e.format).map((c) => ({ name: c.name, type: STREAM_COLUMN_TYPES[c.type] }));
  const declared = dcr.stream_declaration ?? [];
  if (declared.length !== 1 || declared[0].stream_name !== e.stream) {
    fail(`DCR of ${e.producer} declares ${JSON.stringify(declared.map((d) => d.stream_name))}, not [${e.stream}]`);
  }
  const show = (c) => (c === undefined ? 'nothing' : `${c.name}:${c.type}`);
  const stream = declared[0].column ?? [];
  for (let i = 0; i < Math.max(stream.length, columns.length); i++) {
    if (show(stream[i]) !== show(columns[i])) {
      fail(`stream ${e.stream} column ${i} is ${show(stream[i])}, the ${e.format} format's is ${show(columns[i])}`);
    }
  }
  if (!columns.some((c) => c.name === 'TimeGenerated' && c.type === 'datetime')) fail(`${e.format} has no TimeGenerated datetime column`);
  if (dcr.data_collection_endpoint_id !== endpointRef) fail(`DCR of ${e.producer} is not attached to the data collection endpoint`);
  const flow = dcr.data_flow ?? [];
  const output = e.builtin !== undefined ? `Microsoft-${e.builtin}` : `Custom-${e.table}`;
  if (flow.length !== 1 || flow[0].streams?.[0] !== e.stream || flow[0].output_stream !== output) {
    fail(`DCR of ${e.producer} does not flow ${e.stream} into ${output}`);
  }

  if (e.builtin !== undefined) {
    // No table of ours: the _CF columns (RecordId_CF and the rest) added to Sentinel's table.
    const updates = of('azapi_update_resource').filter(([, u]) => String(u.resource_id).endsWith(`/tables/${e.builtin}`));
    const added = updates[0]?.[1].body?.properties?.schema?.columns?.map((c) => c.name) ?? [];
    if (updates.length !== 1 || !added.includes('RecordId_CF')) fail(`no azapi_update_resource adding RecordId_CF to ${e.builtin}`);
  } else {
  const table = tables.find(([, t]) => t.name === e.table);
  if (table === undefined) fail(`no azurerm_log_analytics_workspace_table_custom_log named ${e.table}`);
  const tableColumns = table[1].column.map((c) => c.name);
  if (JSON.stringify(tableColumns) !== JSON.stringify(columns.map((c) => c.name))) {
    fail(`table ${e.table} has columns ${tableColumns.join(',')}, not the stream's ${columns.map((c) => c.name).join(',')}`);
  }
  }

  const dcrRef = ref('azurerm_monitor_data_collection_rule', ruleKey);
  const grant = grants.find(([, g]) => g.scope === dcrRef && g.role_definition_name === 'Monitoring Metrics Publisher');
  if (grant === undefined) fail(`no 'Monitoring Metrics Publisher' azurerm_role_assignment scoped to ${dcrRef}`);
}
for (const provider of ['azurerm', 'azuread']) {
  if (tf.terraform?.required_providers?.[provider] === undefined) fail(`AzureProviders added no ${provider} provider`);
}
const total = Object.values(tf.resource).reduce((n, byId) => n + Object.keys(byId).length, 0);
console.log(
  `consumer-check: synthesized ${total} Terraform resources from s3-to-sentinel/azure: 1 endpoint, ` +
    `${expected.length} DCRs whose streams match their formats, their tables and ingestion role assignments; no Terraform binary`,
);
JS
