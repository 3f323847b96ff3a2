// The app scripts/cdktn-check.sh synthesizes from the packed package, once on CDK for Terraform and
// once on CDK Terrain, to compare the two cdk.tf.json per stack. Between them the two stacks use every
// provider (azurerm, azuread, azapi for an Auxiliary table), the application and federated identity
// modes, outputs (one sensitive), an azurerm backend and, in the second stack, the default local
// backend, whose state path must not move either. Usage: node azure-app.js [outdir]; without one, the App's default
// (CDKTF_OUTDIR when a CLI runs it, else cdktf.out).
const { App, AzurermBackend, TerraformOutput, TerraformStack } = require('cdktf');
const { CLIENT_SECRET_OUTPUT, COORDINATES_OUTPUT } = require('s3-to-sentinel');
const { AzureProviders, SentinelIngestion } = require('s3-to-sentinel/azure');

const outdir = process.argv[2];
const app = new App(outdir === undefined ? {} : { outdir });
const subscriptionId = '00000000-0000-0000-0000-000000000000';

const application = new TerraformStack(app, 'ApplicationStack');
new AzurermBackend(application, {
  resourceGroupName: 'tfstate',
  storageAccountName: 'cdktncheckstate',
  containerName: 'tfstate',
  key: 'cdktn-check.tfstate',
  useAzureadAuth: true,
});
new AzureProviders(application, 'Providers', { subscriptionId, azapi: true });
const secretMode = new SentinelIngestion(application, 'Sentinel', {
  location: 'westeurope',
  namePrefix: 'cdktn-check',
  alerting: { email: 'soc@example.com', noDataMinutes: 120 },
  tags: { owner: 'security' },
  producers: [
    {
      name: 'trail',
      bucket: { kind: 'existing', bucketName: 'cdktn-check-trail' },
      format: 'cloudtrail',
      table: { destination: 'custom', plan: 'Analytics', retentionInDays: 90, totalRetentionInDays: 365 },
    },
    // The format's default: Sentinel's built-in AWSCloudTrail (an azapi_update_resource adds its _CF columns).
    { name: 'trail-builtin', bucket: { kind: 'new' }, format: 'cloudtrail' },
    {
      name: 'app-logs',
      bucket: { kind: 'new' },
      format: 'ndjson',
      table: { name: 'Apps', plan: 'Basic', transformKql: 'source | where isnotnull(Record)' },
    },
    {
      name: 'archive',
      bucket: { kind: 'new' },
      format: 'text',
      table: { plan: 'Auxiliary', totalRetentionInDays: 365 },
    },
  ],
});
new TerraformOutput(application, COORDINATES_OUTPUT, { value: secretMode.coordinates });
new TerraformOutput(application, CLIENT_SECRET_OUTPUT, { value: secretMode.clientSecret, sensitive: true });

const federated = new TerraformStack(app, 'FederatedStack');
new AzureProviders(federated, 'Providers', { azuread: false });
const secretless = new SentinelIngestion(federated, 'Sentinel', {
  location: 'westeurope',
  resourceGroup: { name: 'security', existing: true },
  workspace: {
    kind: 'existing',
    resourceId: `/subscriptions/${subscriptionId}/resourceGroups/security/providers/Microsoft.OperationalInsights/workspaces/sentinel`,
  },
  identity: {
    mode: 'federated',
    issuer: 'https://00000000-0000-0000-0000-000000000000.tokens.sts.global.api.aws',
    lambdaRoleArns: { 'vpc-flow': 'arn:aws:iam::123456789012:role/s3-to-sentinel-vpc-flow-forwarder' },
  },
  publicNetworkAccess: false,
  producers: [{ name: 'vpc-flow', bucket: { kind: 'new' }, format: 'vpcflow' }],
});
new TerraformOutput(federated, COORDINATES_OUTPUT, { value: secretless.coordinates });

app.synth();
