// The CDK for Terraform app: one stack with the Azure side of every producer in bin/producers.ts.
// `npx cdktf synth` runs it from the sources (cdktf.json → scripts/run-app.mjs bin/azure.ts);
// `node dist/bin/azure.js` after a build does the same without the CLI. bin/start.ts imports it.
import { App, AzurermBackend, TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { AzureProviders, SentinelIngestion } from '../lib/azure';
import {
  AZURE_STACK_NAME,
  CLIENT_SECRET_OUTPUT,
  CLIENT_SECRETS_OUTPUT,
  COORDINATES_OUTPUT,
  SECRET_ROTATION_OUTPUT,
  destinationOf,
  type ProducerDefinition,
} from '../lib/producer';
import { azureConfigFromEnv, type AzureAppConfig } from './azure-config';
import { producers as exampleProducers } from './producers';

/** The Azure stack: providers, the `SentinelIngestion` construct and the outputs the AWS app reads. */
export class S3ToSentinelAzureStack extends TerraformStack {
  public readonly ingestion: SentinelIngestion;

  constructor(
    scope: Construct,
    id: string,
    config: AzureAppConfig,
    producers: readonly ProducerDefinition[],
  ) {
    super(scope, id);
    if (config.stateBackend !== undefined) {
      new AzurermBackend(this, {
        ...config.stateBackend,
        key: config.stateBackend.key ?? `${AZURE_STACK_NAME}.tfstate`,
        // Entra auth to the blob: no storage account key to hand around.
        useAzureadAuth: true,
      });
    }
    const identityMode = config.identity?.mode ?? 'application';
    new AzureProviders(this, 'Providers', {
      subscriptionId: config.subscriptionId,
      tenantId: config.tenantId,
      azuread: identityMode === 'application',
      // AzAPI creates Auxiliary tables and adds the _CF columns to built-in ones.
      azapi: producers.some((p) => p.table?.plan === 'Auxiliary' || destinationOf(p).kind === 'builtin'),
    });
    this.ingestion = new SentinelIngestion(this, 'Sentinel', { ...config, producers });

    // Read by the AWS app through coordinatesFromOutputsFile; the key is this construct id.
    new TerraformOutput(this, COORDINATES_OUTPUT, {
      value: this.ingestion.coordinates,
      description:
        'Tenant, client id, logs ingestion endpoint and per producer the DCR immutable id and stream',
    });
    if (this.ingestion.clientSecret !== undefined) {
      new TerraformOutput(this, CLIENT_SECRET_OUTPUT, {
        value: this.ingestion.clientSecret,
        sensitive: true,
        description:
          'Newest Entra client secret; copy it into SSM with the CLI (put-secret), never into a file you keep',
      });
    }
    if (this.ingestion.clientSecrets !== undefined) {
      new TerraformOutput(this, CLIENT_SECRETS_OUTPUT, {
        value: this.ingestion.clientSecrets,
        sensitive: true,
        description:
          "Each producer's newest Entra client secret, by producer name; copy each into SSM with put-secret",
      });
    }
    if (this.ingestion.secretRotation !== undefined) {
      new TerraformOutput(this, SECRET_ROTATION_OUTPUT, {
        value: this.ingestion.secretRotation,
        description:
          "Per producer the client secret's generation and expiry, and the previous one's; put-secret reports them",
      });
    }
  }
}

/**
 * Builds the Azure app into `outdir` (default: cdktf.out, or CDKTF_OUTDIR when the CLI runs it),
 * with settings from the environment (see `AZURE_ENV`). `npm start` calls this too.
 */
export function synthAzure(
  options: {
    outdir?: string;
    env?: Readonly<Record<string, string | undefined>>;
    producers?: readonly ProducerDefinition[];
  } = {},
): App {
  const producers = options.producers ?? exampleProducers;
  const app = new App(options.outdir === undefined ? {} : { outdir: options.outdir });
  new S3ToSentinelAzureStack(
    app,
    AZURE_STACK_NAME,
    azureConfigFromEnv(options.env ?? process.env, producers),
    producers,
  );
  app.synth();
  return app;
}

// Synthesize only when this file is the program, not when bin/start.ts imports it. Run through
// scripts/run-app.mjs, the bundled module is loaded from an ES module, so there is no require.main.
function isEntryPoint(): boolean {
  if (require.main === module) return true;
  return require.main === undefined && /(^|[\\/])bin[\\/]azure\.ts$/.test(process.argv[2] ?? '');
}

if (isEntryPoint()) {
  synthAzure();
}
