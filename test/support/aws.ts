import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { S3ToSentinelForwarder, type S3ToSentinelForwarderProps } from '../../lib';

/** A fixed environment, so ARNs in assertions are literal. */
export const TEST_ENV = { account: '123456789012', region: 'eu-west-1' };

export const TEST_DESTINATION = {
  tenantId: '11111111-1111-1111-1111-111111111111',
  clientId: '22222222-2222-2222-2222-222222222222',
  logsIngestionEndpoint: 'https://dce-test.westeurope-1.ingest.monitor.azure.com',
  dcrImmutableId: 'dcr-0123456789abcdef0123456789abcdef',
  streamName: 'Custom-AppLogs',
};

export interface ForwarderFixture {
  readonly app: App;
  readonly stack: Stack;
  readonly forwarder: S3ToSentinelForwarder;
  readonly template: Template;
}

/** GIVEN a stack with a new bucket and a forwarder with `overrides` applied to minimal props. */
export function synthForwarder(
  overrides: Partial<S3ToSentinelForwarderProps> = {},
  bucket: (stack: Stack) => s3.IBucket = (stack) => new s3.Bucket(stack, 'Bucket'),
): ForwarderFixture {
  const app = new App();
  const stack = new Stack(app, 'TestStack', { env: TEST_ENV });
  const forwarder = new S3ToSentinelForwarder(stack, 'Forwarder', {
    producerName: 'app-logs',
    format: 'ndjson',
    bucket: bucket(stack),
    destination: TEST_DESTINATION,
    ...overrides,
  });
  return { app, stack, forwarder, template: Template.fromStack(stack) };
}

/** The template as JSON with content hashes (asset keys, bundle hashes) replaced, for snapshots. */
export function normalizedTemplate(template: Template): unknown {
  return JSON.parse(JSON.stringify(template.toJSON()).replace(/[0-9a-f]{64}/g, '<ASSET-HASH>'));
}
