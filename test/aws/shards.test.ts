import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import {
  ENV,
  ProducerStack,
  forwarderPropsFromProducer,
  type AzureCoordinates,
  type ProducerDefinition,
  type SentinelDestination,
} from '../../lib';
import { CONTEXT, destinationsFromContext } from '../../lib/aws/destination-from-context';
import { TEST_DESTINATION, TEST_ENV, synthForwarder } from '../support/aws';

const ID = (n: number) => `dcr-${n.toString(16).repeat(32)}`;
const SHARDED: SentinelDestination = {
  ...TEST_DESTINATION,
  dcrImmutableId: ID(1),
  dcrImmutableIds: [ID(1), ID(2), ID(3)],
};

/** The function's environment variables. */
function environmentOf(template: Template): Record<string, unknown> {
  const [fn] = Object.values(template.findResources('AWS::Lambda::Function'));
  return fn.Properties.Environment.Variables as Record<string, unknown>;
}

function maximumConcurrencyOf(template: Template): unknown {
  const [mapping] = Object.values(template.findResources('AWS::Lambda::EventSourceMapping'));
  return mapping.Properties.ScalingConfig.MaximumConcurrency;
}

describe('S3ToSentinelForwarder with one DCR', () => {
  test.each([
    ['no dcrImmutableIds', TEST_DESTINATION],
    ['a one-id list', { ...TEST_DESTINATION, dcrImmutableIds: [TEST_DESTINATION.dcrImmutableId] }],
  ])('with %s sets DCR_IMMUTABLE_ID only and maxConcurrency 10', (_, destination) => {
    // WHEN
    const { template } = synthForwarder({ destination });
    // THEN
    const env = environmentOf(template);
    expect(env[ENV.dcrImmutableId]).toBe(TEST_DESTINATION.dcrImmutableId);
    expect(env).not.toHaveProperty(ENV.dcrImmutableIds);
    expect(maximumConcurrencyOf(template)).toBe(10);
  });
});

describe('S3ToSentinelForwarder with three DCRs', () => {
  const { template } = synthForwarder({ destination: SHARDED });

  test('sets DCR_IMMUTABLE_IDS to every id, comma-separated, and DCR_IMMUTABLE_ID to the first', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          [ENV.dcrImmutableId]: ID(1),
          [ENV.dcrImmutableIds]: `${ID(1)},${ID(2)},${ID(3)}`,
        }),
      },
    });
  });

  test('maxConcurrency defaults to 10 per DCR (30)', () => {
    expect(maximumConcurrencyOf(template)).toBe(30);
  });

  test('a given maxConcurrency wins over the derived default', () => {
    const { template: given } = synthForwarder({ destination: SHARDED, maxConcurrency: 12 });
    expect(maximumConcurrencyOf(given)).toBe(12);
  });
});

describe('S3ToSentinelForwarder invariants on destination.dcrImmutableIds', () => {
  const where = 'S3ToSentinelForwarder "app-logs": `destination.dcrImmutableIds`';
  test.each([
    [[], `${where} ([]) must be a non-empty list of DCR immutable ids`],
    [[ID(2), ID(1)], `${where} must start with the first DCR's id, "${ID(1)}", not "${ID(2)}"`],
    [[ID(1), ID(1)], `${where} names "${ID(1)}" twice; each DCR is listed once`],
    [[ID(1), ''], `${where} (["${ID(1)}",""]) must hold only non-empty strings`],
    [
      Array.from({ length: 11 }, (_, k) => ID(k === 0 ? 1 : k + 1)),
      `${where} lists 11 DCRs; a producer has at most 10 (\`shards\`)`,
    ],
  ])('fails if dcrImmutableIds is %p', (ids, message) => {
    expect(() =>
      synthForwarder({
        destination: { ...TEST_DESTINATION, dcrImmutableId: ID(1), dcrImmutableIds: ids },
      }),
    ).toThrow(message);
  });
});

const PRODUCER: ProducerDefinition = {
  name: 'app-logs',
  bucket: { kind: 'new' },
  format: 'ndjson',
  shards: 3,
};

function appWith(context: Record<string, unknown>): App {
  return new App({ context, outdir: mkdtempSync(join(tmpdir(), 'cdk-out-')) });
}

function coordinatesWith(dcrImmutableIds?: string[]): AzureCoordinates {
  return {
    tenantId: TEST_DESTINATION.tenantId,
    clientId: TEST_DESTINATION.clientId,
    logsIngestionEndpoint: TEST_DESTINATION.logsIngestionEndpoint,
    producers: {
      'app-logs': {
        dcrImmutableId: ID(1),
        ...(dcrImmutableIds === undefined ? {} : { dcrImmutableIds }),
        streamName: 'Custom-AppLogs',
      },
    },
  };
}

describe('destinationsFromContext with shards', () => {
  test('passes every DCR of an outputs file to the destination', () => {
    // GIVEN
    const file = join(mkdtempSync(join(tmpdir(), 's3-to-sentinel-')), 'azure-outputs.json');
    writeFileSync(
      file,
      JSON.stringify({ 's3-to-sentinel-azure': { coordinates: coordinatesWith([ID(1), ID(2), ID(3)]) } }),
    );
    // WHEN
    const { destinations } = destinationsFromContext(appWith({ [CONTEXT.outputsFile]: file }).node, [
      PRODUCER,
    ]);
    // THEN
    expect(destinations['app-logs']).toMatchObject({
      dcrImmutableId: ID(1),
      dcrImmutableIds: [ID(1), ID(2), ID(3)],
      streamName: 'Custom-AppLogs',
    });
  });

  test('keeps the first `shards` DCRs when the coordinates list more (shards lowered, AWS deployed first)', () => {
    // WHEN
    const { destinations } = destinationsFromContext(
      appWith({ [CONTEXT.coordinates]: coordinatesWith([ID(1), ID(2), ID(3)]) }).node,
      [{ ...PRODUCER, shards: 2 }],
    );
    // THEN
    expect(destinations['app-logs'].dcrImmutableIds).toEqual([ID(1), ID(2)]);
  });

  test('gives a one-shard producer no list, even when the coordinates have several', () => {
    // WHEN
    const { destinations } = destinationsFromContext(
      appWith({ [CONTEXT.coordinates]: JSON.stringify(coordinatesWith([ID(1), ID(2)])) }).node,
      [{ ...PRODUCER, shards: undefined }],
    );
    // THEN
    expect(destinations['app-logs']).not.toHaveProperty('dcrImmutableIds');
    expect(destinations['app-logs'].dcrImmutableId).toBe(ID(1));
  });

  test('fails if the coordinates have fewer DCRs than shards (the Azure stack was not deployed first)', () => {
    expect(() =>
      destinationsFromContext(appWith({ [CONTEXT.coordinates]: coordinatesWith() }).node, [PRODUCER]),
    ).toThrow(
      'context s3-to-sentinel:azureCoordinates has fewer DCRs than `shards` for producer(s) app-logs (3 shards, 1 DCR(s)): ' +
        'deploy the Azure stack with the new `shards` first',
    );
  });

  test('fails if the coordinates list is malformed', () => {
    expect(() =>
      destinationsFromContext(appWith({ [CONTEXT.coordinates]: coordinatesWith([ID(2), ID(1)]) }).node, [
        PRODUCER,
      ]),
    ).toThrow(/`producers\.app-logs\.dcrImmutableIds` must start with the first DCR's id/);
  });

  test('placeholders give each shard its own id, shard 1 the all-zero one', () => {
    // WHEN
    const { destinations } = destinationsFromContext(appWith({ [CONTEXT.placeholder]: 'true' }).node, [
      PRODUCER,
      { ...PRODUCER, name: 'single', shards: undefined },
    ]);
    // THEN
    expect(destinations['app-logs'].dcrImmutableIds).toEqual([
      'dcr-00000000000000000000000000000000',
      'dcr-00000000000000000000000000000001',
      'dcr-00000000000000000000000000000002',
    ]);
    expect(destinations.single).toMatchObject({ dcrImmutableId: 'dcr-00000000000000000000000000000000' });
    expect(destinations.single).not.toHaveProperty('dcrImmutableIds');
  });
});

describe('ProducerStack with shards', () => {
  test('passes the DCRs to the function and scales maxConcurrency with them', () => {
    // WHEN
    const stack = new ProducerStack(new App(), 's3-to-sentinel-app-logs', {
      producer: PRODUCER,
      destination: SHARDED,
      env: TEST_ENV,
    });
    const template = Template.fromStack(stack);
    // THEN
    expect(environmentOf(template)[ENV.dcrImmutableIds]).toBe(`${ID(1)},${ID(2)},${ID(3)}`);
    expect(maximumConcurrencyOf(template)).toBe(30);
  });

  test('forwarderPropsFromProducer passes the destination, DCR list included, unchanged', () => {
    const props = forwarderPropsFromProducer(PRODUCER, {
      bucket: {} as never,
      destination: SHARDED,
    });
    expect(props.destination).toBe(SHARDED);
    expect(props).not.toHaveProperty('maxConcurrency');
  });

  test.each([
    [PRODUCER, TEST_DESTINATION, '`shards` (3) does not match the 1 DCR immutable id(s) of its destination'],
    [
      { ...PRODUCER, shards: undefined },
      SHARDED,
      '`shards` (1) does not match the 3 DCR immutable id(s) of its destination',
    ],
  ])('fails if shards and the destination disagree (%#)', (producer, destination, message) => {
    expect(
      () => new ProducerStack(new App(), 's3-to-sentinel-app-logs', { producer, destination, env: TEST_ENV }),
    ).toThrow(`producer "app-logs": ${message}`);
  });
});
