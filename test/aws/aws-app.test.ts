import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { addNagChecks, buildAwsApp } from '../../bin/aws-app';
import { producers } from '../../bin/producers';
import {
  ENV,
  S3ToSentinelForwarder,
  producerOutputs,
  type AzureCoordinates,
  type ProducerDefinition,
} from '../../lib';
import { CONTEXT } from '../../lib/aws/destination-from-context';
import { TEST_DESTINATION, TEST_ENV, normalizedTemplate } from '../support/aws';

const COORDINATES: AzureCoordinates = {
  tenantId: TEST_DESTINATION.tenantId,
  clientId: TEST_DESTINATION.clientId,
  logsIngestionEndpoint: TEST_DESTINATION.logsIngestionEndpoint,
  producers: Object.fromEntries(
    producers.map((p, i) => {
      const stream = { dcrImmutableId: `dcr-${String(i).repeat(32)}`, streamName: `Custom-Stream${i}` };
      // A producer with several streams gets each output's (what the Azure stack outputs for it).
      const outputs = producerOutputs(p);
      return [
        p.name,
        outputs === undefined
          ? stream
          : {
              ...stream,
              outputs: Object.fromEntries(
                outputs.map((o, k) => [
                  o.key,
                  {
                    dcrImmutableId: `dcr-${String(i).repeat(31)}${k.toString(16)}`,
                    streamName: o.streamName,
                  },
                ]),
              ),
            },
      ];
    }),
  ),
};

function outputsFile(content: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 's3-to-sentinel-')), 'azure-outputs.json');
  writeFileSync(file, JSON.stringify(content));
  return file;
}

function appWith(context: Record<string, unknown>): App {
  return new App({ context, outdir: mkdtempSync(join(tmpdir(), 'cdk-out-')) });
}

describe('the CDK app (bin/aws.ts) over the example producers', () => {
  const app = appWith({ [CONTEXT.placeholder]: 'true' });
  const stacks = buildAwsApp(app, producers);

  test('makes one stack per producer, named after it', () => {
    expect(stacks.map((s) => s.stackName)).toEqual(producers.map((p) => `s3-to-sentinel-${p.name}`));
  });

  test('synthesizes with zero unacknowledged cdk-nag findings (AwsSolutions, Serverless, opt-in)', () => {
    // Policy validation throws on any unacknowledged finding.
    expect(() => app.synth()).not.toThrow();
  });

  test('says in every stack description that the coordinates are placeholders', () => {
    for (const stack of stacks) {
      expect(stack.templateOptions.description).toMatch(/PLACEHOLDER Azure coordinates.*do not deploy/);
    }
  });

  test.each(producers.map((p) => [p.name]))('stack for %s matches its snapshot', (name) => {
    const stack = stacks.find((s) => s.stackName === `s3-to-sentinel-${name}`)!;
    expect(normalizedTemplate(Template.fromStack(stack))).toMatchSnapshot();
  });
});

describe('Azure coordinates for the CDK app', () => {
  test('are read from the cdktf outputs file', () => {
    const file = outputsFile({ 's3-to-sentinel-azure': { coordinates: COORDINATES } });
    const app = appWith({ [CONTEXT.outputsFile]: file });
    const [stack] = buildAwsApp(app, producers);
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          [ENV.dcrImmutableId]: COORDINATES.producers[producers[0].name].dcrImmutableId,
          [ENV.streamName]: COORDINATES.producers[producers[0].name].streamName,
          [ENV.logsIngestionEndpoint]: COORDINATES.logsIngestionEndpoint,
          [ENV.tenantId]: COORDINATES.tenantId,
          [ENV.clientId]: COORDINATES.clientId,
          [ENV.producerName]: producers[0].name,
          [ENV.format]: producers[0].format,
          [ENV.authMode]: 'secret',
          [ENV.clientSecretParameter]: `/s3-to-sentinel/${producers[0].name}/client-secret`,
          POWERTOOLS_SERVICE_NAME: 's3-to-sentinel',
          POWERTOOLS_METRICS_NAMESPACE: 'S3ToSentinel',
          NODE_OPTIONS: '--enable-source-maps',
        },
      },
    });
    expect(stack.templateOptions.description).not.toMatch(/PLACEHOLDER/);
  });

  test('carry the identity mode: federated coordinates deploy forwarders that read no secret', () => {
    const file = outputsFile({
      's3-to-sentinel-azure': { coordinates: { ...COORDINATES, authMode: 'federated' } },
    });
    const [stack] = buildAwsApp(appWith({ [CONTEXT.outputsFile]: file }), producers);
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { [ENV.authMode]: 'federated' } },
    });
    expect(JSON.stringify(template.toJSON())).toContain('sts:GetWebIdentityToken');
    expect(JSON.stringify(template.toJSON())).not.toContain('ssm:GetParameter');
  });

  test("give each forwarder its producer's own client id when the Azure stack makes one identity per producer", () => {
    const perProducer: AzureCoordinates = {
      ...COORDINATES,
      clientId: '',
      producers: Object.fromEntries(
        Object.entries(COORDINATES.producers).map(([name, stream], i) => [
          name,
          { ...stream, clientId: `00000000-0000-0000-0000-00000000000${i}` },
        ]),
      ),
    };
    const file = outputsFile({ 's3-to-sentinel-azure': { coordinates: perProducer } });
    const stacks = buildAwsApp(appWith({ [CONTEXT.outputsFile]: file }), producers);
    stacks.forEach((stack, i) =>
      Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: { [ENV.clientId]: `00000000-0000-0000-0000-00000000000${i}` } },
      }),
    );
  });

  test('fail if the identity mode is unknown', () => {
    const file = outputsFile({
      's3-to-sentinel-azure': { coordinates: { ...COORDINATES, authMode: 'token' } },
    });
    expect(() => buildAwsApp(appWith({ [CONTEXT.outputsFile]: file }), producers)).toThrow(
      "`authMode` (\"token\") must be 'secret' or 'federated'",
    );
  });

  test('are read from inline context JSON', () => {
    const app = appWith({ [CONTEXT.coordinates]: JSON.stringify(COORDINATES) });
    const stacks = buildAwsApp(app, producers);
    Template.fromStack(stacks[1]).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { [ENV.streamName]: 'Custom-Stream1' } },
    });
  });

  test('fails if none are given, naming every way to give them', () => {
    expect(() => buildAwsApp(appWith({}), producers)).toThrow(
      /The Azure coordinates are missing.*s3-to-sentinel:azureOutputsFile.*cdktf deploy --outputs-file.*s3-to-sentinel:azureCoordinates.*s3-to-sentinel:placeholderAzure=true/,
    );
  });

  test('fails if the outputs file has no DCR for a producer, naming it', () => {
    const { [producers[2].name]: _dropped, ...rest } = COORDINATES.producers;
    const file = outputsFile({
      's3-to-sentinel-azure': { coordinates: { ...COORDINATES, producers: rest } },
    });
    expect(() => buildAwsApp(appWith({ [CONTEXT.outputsFile]: file }), producers)).toThrow(
      `has no DCR for producer(s) ${producers[2].name}`,
    );
  });

  test('fails if the outputs file lacks the Azure stack', () => {
    const file = outputsFile({ other: {} });
    expect(() => buildAwsApp(appWith({ [CONTEXT.outputsFile]: file }), producers)).toThrow(
      'has no stack "s3-to-sentinel-azure": write it with `npx cdktf deploy s3-to-sentinel-azure --outputs-file',
    );
  });

  test('fails if the outputs file cannot be read', () => {
    expect(() =>
      buildAwsApp(appWith({ [CONTEXT.outputsFile]: '/nonexistent/azure-outputs.json' }), producers),
    ).toThrow('cannot read the Azure outputs file /nonexistent/azure-outputs.json');
  });

  test('fails if a field is missing, naming it and the source', () => {
    const { tenantId: _t, ...partial } = COORDINATES;
    const file = outputsFile({ 's3-to-sentinel-azure': { coordinates: partial } });
    expect(() => buildAwsApp(appWith({ [CONTEXT.outputsFile]: file }), producers)).toThrow(
      /s3-to-sentinel-azure\.coordinates: `tenantId` is missing/,
    );
  });

  test('fails if a producer definition is invalid, naming the producer and field', () => {
    const bad: ProducerDefinition[] = [{ ...producers[0], lambda: { memorySizeMb: 64 } }];
    expect(() => buildAwsApp(appWith({ [CONTEXT.placeholder]: true }), bad)).toThrow(
      'producer "cloudtrail": `lambda.memorySizeMb` (64) must be a whole number from 128 to 10240',
    );
  });
});

describe('cdk-nag wiring', () => {
  test('fails synthesis on an unacknowledged finding (the packs really run)', () => {
    const app = appWith({});
    const stack = new Stack(app, 'Unsafe', { env: TEST_ENV });
    new s3.Bucket(stack, 'NoTlsBucket');
    addNagChecks(app);
    expect(() => app.synth()).toThrow(/Acknowledge with 'AwsSolutions::AwsSolutions-S10'/);
  });

  test('the opt-in rule fails a visibility timeout below six function timeouts', () => {
    const app = appWith({});
    const stack = new Stack(app, 'ShortVisibility', { env: TEST_ENV });
    new S3ToSentinelForwarder(stack, 'Forwarder', {
      producerName: 'app-logs',
      format: 'ndjson',
      bucket: s3.Bucket.fromBucketName(stack, 'Bucket', 'org-logs'),
      destination: TEST_DESTINATION,
      timeout: Duration.minutes(1),
      visibilityTimeout: Duration.minutes(2),
    });
    addNagChecks(app);
    expect(() => app.synth()).toThrow(/S3ToSentinelOptIn-LambdaEventSourceSQSVisibilityTimeout/);
  });
});
