// A producer whose format writes to several streams (networkfirewall): its destination carries each
// output's stream and DCRs, the function gets them as DCR_OUTPUTS, and the construct refuses
// outputs that do not match the format.
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { loadConfig } from '../../lambda/core/config';
import { ENV, ProducerStack, type ProducerDefinition, type SentinelDestination } from '../../lib';
import { CONTEXT, destinationsFromContext } from '../../lib/aws/destination-from-context';
import { TEST_DESTINATION, TEST_ENV, synthForwarder } from '../support/aws';

const FIREWALL: ProducerDefinition = { name: 'firewall', bucket: { kind: 'new' }, format: 'networkfirewall' };
const ID = (n: number) => `dcr-${n.toString(16).repeat(32)}`;
const OUTPUTS = {
  alert: { streamName: 'Custom-FirewallAlert', dcrImmutableIds: [ID(1)] },
  flow: { streamName: 'Custom-FirewallFlow', dcrImmutableIds: [ID(2)] },
  tls: { streamName: 'Custom-FirewallTls', dcrImmutableIds: [ID(3)] },
};
const DESTINATION: SentinelDestination = {
  ...TEST_DESTINATION,
  dcrImmutableId: ID(1),
  streamName: 'Custom-FirewallAlert',
  outputs: OUTPUTS,
};

function environmentOf(template: Template): Record<string, string> {
  const [fn] = Object.values(template.findResources('AWS::Lambda::Function'));
  return fn.Properties.Environment.Variables as Record<string, string>;
}

describe('S3ToSentinelForwarder for a multi-output format', () => {
  test('passes each output’s stream and DCRs as DCR_OUTPUTS, which the forwarder’s config accepts', () => {
    // WHEN
    const { template } = synthForwarder({
      producerName: 'firewall',
      format: 'networkfirewall',
      destination: DESTINATION,
    });
    // THEN
    const env = environmentOf(template);
    expect(JSON.parse(env[ENV.dcrOutputs])).toStrictEqual(OUTPUTS);
    // and the runtime reads it back (the contract between the two halves)
    // (CloudFormation references such as the queue URL are left out: they are not strings yet)
    const strings = Object.fromEntries(Object.entries(env).filter(([, value]) => typeof value === 'string'));
    const config = loadConfig({ ...strings, [ENV.queueUrl]: 'https://sqs.example/q' });
    expect(config.dcrOutputs).toStrictEqual(OUTPUTS);
  });

  test.each([
    [
      'no outputs',
      { ...DESTINATION, outputs: undefined },
      /must name the stream and DCRs of each output of networkfirewall \(alert, flow, tls\), not none/,
    ],
    [
      'an output missing',
      { ...DESTINATION, outputs: { alert: OUTPUTS.alert, flow: OUTPUTS.flow } },
      /of networkfirewall \(alert, flow, tls\), not alert, flow: take them from the Azure stack's outputs/,
    ],
    [
      'an output with a repeated DCR',
      {
        ...DESTINATION,
        outputs: { ...OUTPUTS, tls: { streamName: 'Custom-FirewallTls', dcrImmutableIds: [ID(3), ID(3)] } },
      },
      /`destination.outputs`.tls names .* twice/,
    ],
  ])('refuses %s, naming the fix', (_, destination, message) => {
    expect(() =>
      synthForwarder({ producerName: 'firewall', format: 'networkfirewall', destination }),
    ).toThrow(message);
  });

  test('refuses outputs for a single-output format', () => {
    expect(() => synthForwarder({ destination: { ...TEST_DESTINATION, outputs: OUTPUTS } })).toThrow(
      /`destination.outputs` is only for a format writing to several streams; ndjson writes to one: remove it/,
    );
  });
});

describe('destinationsFromContext for a multi-output producer', () => {
  test('offline placeholders give each output its stream and a distinct DCR id, and the stack synthesizes', () => {
    // GIVEN
    const app = new App({ context: { [CONTEXT.placeholder]: 'true' } });
    // WHEN
    const { destinations } = destinationsFromContext(app.node, [FIREWALL]);
    const stack = new ProducerStack(app, 'Firewall', {
      env: TEST_ENV,
      producer: FIREWALL,
      destination: destinations.firewall,
      placeholderDestination: true,
    });
    // THEN
    const outputs = destinations.firewall.outputs!;
    expect(Object.keys(outputs)).toStrictEqual(['alert', 'flow', 'tls']);
    expect(new Set(Object.values(outputs).map((o) => o.dcrImmutableIds[0])).size).toBe(3);
    expect(outputs.alert.dcrImmutableIds[0]).toBe(destinations.firewall.dcrImmutableId);
    expect(JSON.parse(environmentOf(Template.fromStack(stack))[ENV.dcrOutputs])).toStrictEqual(outputs);
  });

  test('refuses coordinates without the producer’s outputs: deploy Azure first', () => {
    const coordinates = {
      tenantId: 't',
      clientId: 'c',
      logsIngestionEndpoint: 'https://dce.example',
      producers: { firewall: { dcrImmutableId: ID(1), streamName: 'Custom-Firewall' } },
    };
    const app = new App({ context: { [CONTEXT.coordinates]: JSON.stringify(coordinates) } });
    expect(() => destinationsFromContext(app.node, [FIREWALL])).toThrow(
      /does not have the streams of producer\(s\) firewall \(format networkfirewall needs outputs alert, flow, tls; .* has none\): deploy the Azure stack/,
    );
  });
});

describe('a format: auto producer', () => {
  const ARCHIVE: ProducerDefinition = {
    name: 'archive',
    bucket: { kind: 'new' },
    format: 'auto',
    routes: [{ match: '^s3-access/', format: 's3access' }],
  };

  test('synthesizes offline with LOG_FORMAT auto, its routes, and a stream per reachable output, which the forwarder’s config accepts', () => {
    // GIVEN
    const app = new App({ context: { [CONTEXT.placeholder]: 'true' } });
    const { destinations } = destinationsFromContext(app.node, [ARCHIVE]);
    // WHEN
    const stack = new ProducerStack(app, 'Archive', {
      env: TEST_ENV,
      producer: ARCHIVE,
      destination: destinations.archive,
      placeholderDestination: true,
    });
    // THEN
    const env = environmentOf(Template.fromStack(stack));
    expect(env[ENV.format]).toBe('auto');
    expect(JSON.parse(env[ENV.formatRoutes])).toStrictEqual(ARCHIVE.routes);
    const outputs = JSON.parse(env[ENV.dcrOutputs]) as Record<string, unknown>;
    expect(Object.keys(outputs)).toEqual(expect.arrayContaining(['s3access', 'cloudtrail', 'unrouted']));
    const strings = Object.fromEntries(Object.entries(env).filter(([, value]) => typeof value === 'string'));
    const config = loadConfig({ ...strings, [ENV.queueUrl]: 'https://sqs.example/q' });
    expect(config.format).toBe('auto');
    expect(Object.keys(config.dcrOutputs ?? {}).sort()).toStrictEqual(Object.keys(outputs).sort());
  });

  test.each([
    [
      'routes with another format',
      { format: 'ndjson', routes: [{ match: '^x/', format: 'waf' }] },
      /`routes` are only for `format: 'auto'`; remove them/,
    ],
    [
      'a route that is not a regular expression',
      { routes: [{ match: '^s3-access/(', format: 's3access' }] },
      /`routes` route 1/,
    ],
    ['a route to auto', { routes: [{ match: '^x/', format: 'auto' }] }, /`routes` route 1/],
    [
      'options for a format that takes none',
      { format: 'ndjson', formatOptions: { delimiter: ';' } },
      /gives options to ndjson, which takes none/,
    ],
  ])('the construct refuses %s, naming the fix', (_, change, message) => {
    const props = {
      producerName: 'archive',
      format: 'auto' as const,
      destination: TEST_DESTINATION,
      ...change,
    };
    expect(() => synthForwarder(props as never)).toThrow(message);
  });
});

describe('the function’s 4 KB environment (review of issue 13)', () => {
  const outputsWith = (shards: number) => {
    const app = new App({ context: { [CONTEXT.placeholder]: 'true' } });
    return destinationsFromContext(app.node, [{ ...ARCHIVE_PRODUCER, shards }]).destinations.archive;
  };
  const ARCHIVE_PRODUCER: ProducerDefinition = { name: 'archive', bucket: { kind: 'new' }, format: 'auto' };

  test('an auto producer on one DCR per table fits', () => {
    expect(() =>
      synthForwarder({ producerName: 'archive', format: 'auto', destination: outputsWith(1) }),
    ).not.toThrow();
  });

  test('with 10 shards its DCR_OUTPUTS alone would not: refused at synth, naming the fix', () => {
    expect(() =>
      synthForwarder({ producerName: 'archive', format: 'auto', destination: outputsWith(10) }),
    ).toThrow(
      /DCR_OUTPUTS and FORMAT_ROUTES would take \d+ bytes of the function's 4096-byte environment .*lower `shards`/,
    );
  });
});
