import { Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { destinationsFromContext } from '../lib/aws/destination-from-context';
import { OptInChecks } from '../lib/aws/opt-in-checks';
import { ProducerStack } from '../lib/aws/producer-stack';
import { awsResourceNames } from '../lib/producer/naming';
import type { ProducerDefinition } from '../lib/producer/producer';
import { validateProducers } from '../lib/producer/validate-producers';

/** Adds one `ProducerStack` per producer to `app`; the CDK app (bin/aws.ts) and the tests share it. */
export function buildAwsApp(app: App, producers: readonly ProducerDefinition[]): ProducerStack[] {
  validateProducers(producers);
  const { destinations, authMode, placeholder } = destinationsFromContext(app.node, producers);
  const stacks = producers.map(
    (producer) =>
      new ProducerStack(app, awsResourceNames(producer).stackName, {
        producer,
        destination: destinations[producer.name],
        authMode,
        placeholderDestination: placeholder,
        env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
      }),
  );
  addNagChecks(app);
  return stacks;
}

/** cdk-nag's AwsSolutions and Serverless packs plus opt-in rules; any unacknowledged finding fails synthesis. */
export function addNagChecks(app: App): void {
  Validations.of(app).addPlugins(
    new AwsSolutionsChecks(app, { verbose: true }),
    new ServerlessChecks(app, { verbose: true }),
    new OptInChecks(app, { verbose: true }),
  );
}
