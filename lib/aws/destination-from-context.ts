import { readFileSync } from 'node:fs';
import type { Node } from 'constructs';
import {
  AzureCoordinatesError,
  checkCoordinates,
  coordinatesFromOutputsFile,
  dcrImmutableIdsOf,
  forwarderClientId,
  type AzureCoordinates,
} from '../producer/azure-coordinates';
import type { ProducerDefinition } from '../producer/producer';
import { streamName } from '../producer/naming';
import { producerOutputs } from '../producer/outputs';
import type { AuthMode } from '../../lambda/contract/environment';
import type { SentinelDestination } from './s3-to-sentinel-forwarder';

/** Context keys the CDK app reads (cdk.json or `-c key=value`). */
export const CONTEXT = {
  /** Path of the `cdktf deploy --outputs-file` JSON. */
  outputsFile: 's3-to-sentinel:azureOutputsFile',
  /** The coordinates themselves, as an `AzureCoordinates` object (or its JSON). */
  coordinates: 's3-to-sentinel:azureCoordinates',
  /** `true` to synthesize offline with placeholder coordinates (what `npm start` does). */
  placeholder: 's3-to-sentinel:placeholderAzure',
} as const;

export interface ResolvedDestinations {
  readonly destinations: Readonly<Record<string, SentinelDestination>>;
  /** How the forwarders sign in to Entra ID, as the Azure side was deployed. */
  readonly authMode: AuthMode;
  readonly placeholder: boolean;
  /** Where the coordinates came from, for messages. */
  readonly source: string;
}

/**
 * Resolves every producer's Azure coordinates from the app's context. Anything missing is an
 * error naming the producer, the field and where it comes from, so synthesis never produces a
 * stack that would deploy with a blank endpoint.
 */
export function destinationsFromContext(
  node: Node,
  producers: readonly ProducerDefinition[],
): ResolvedDestinations {
  const placeholder = isTrue(node.tryGetContext(CONTEXT.placeholder));
  const file = node.tryGetContext(CONTEXT.outputsFile) as string | undefined;
  const inline = node.tryGetContext(CONTEXT.coordinates) as unknown;
  let coordinates: AzureCoordinates;
  let source: string;
  if (file) {
    source = file;
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new AzureCoordinatesError(
        `cannot read the Azure outputs file ${file} (context ${CONTEXT.outputsFile}): ${(error as Error).message}. ` +
          'Create it with `npx cdktf deploy --outputs-file <file>` (the AWS app needs no sensitive outputs)',
      );
    }
    coordinates = coordinatesFromOutputsFile(parsed, file);
  } else if (inline !== undefined) {
    source = `context ${CONTEXT.coordinates}`;
    coordinates = checkCoordinates(typeof inline === 'string' ? JSON.parse(inline) : inline, source);
  } else if (placeholder) {
    source = 'placeholder';
    coordinates = placeholderCoordinates(producers);
  } else {
    throw new AzureCoordinatesError(
      'The Azure coordinates are missing. Deploy the Azure side first, then pass its outputs: ' +
        `\`npx cdk synth -c ${CONTEXT.outputsFile}=azure-outputs.json\` (written by ` +
        '`npx cdktf deploy --outputs-file azure-outputs.json`), or give them inline with ' +
        `\`-c ${CONTEXT.coordinates}='{"tenantId":…}'\`. To synthesize offline with placeholders, set ` +
        `\`-c ${CONTEXT.placeholder}=true\` (as \`npm start\` does).`,
    );
  }
  const missing = producers.filter((p) => coordinates.producers[p.name] === undefined).map((p) => p.name);
  if (missing.length > 0) {
    throw new AzureCoordinatesError(
      `${source} has no DCR for producer(s) ${missing.join(', ')}: add them to the Azure stack and run \`npx cdktf deploy\` again`,
    );
  }
  // Fewer DCRs than shards: the Azure stack has not been deployed with them yet (it goes first).
  const short = producers.filter(
    (p) => dcrImmutableIdsOf(coordinates.producers[p.name]).length < (p.shards ?? 1),
  );
  if (short.length > 0) {
    const which = short
      .map(
        (p) =>
          `${p.name} (${p.shards} shards, ${dcrImmutableIdsOf(coordinates.producers[p.name]).length} DCR(s))`,
      )
      .join(', ');
    throw new AzureCoordinatesError(
      `${source} has fewer DCRs than \`shards\` for producer(s) ${which}: deploy the Azure stack with the new ` +
        '`shards` first (`npx cdktf deploy`, which creates the DCRs), then pass its new outputs',
    );
  }
  // A multi-output producer needs a stream per output; the Azure stack makes them (it goes first).
  const unmatched = producers.flatMap((p) => {
    const wanted = (producerOutputs(p) ?? []).map((o) => o.key).sort();
    const have = Object.keys(coordinates.producers[p.name].outputs ?? {}).sort();
    return wanted.join(',') === have.join(',')
      ? []
      : [
          `${p.name} (format ${p.format} needs outputs ${wanted.join(', ') || 'none'}; ${source} has ${have.join(', ') || 'none'})`,
        ];
  });
  if (unmatched.length > 0) {
    throw new AzureCoordinatesError(
      `${source} does not have the streams of producer(s) ${unmatched.join('; ')}: deploy the Azure stack with ` +
        'this definition first (`npx cdktf deploy`), then pass its new outputs',
    );
  }
  const destinations: Record<string, SentinelDestination> = {};
  for (const producer of producers) {
    const stream = coordinates.producers[producer.name];
    // More DCRs than shards: shards were lowered, and this deploy goes first so that the forwarder
    // stops posting to the DCRs the next Azure deploy removes (always the last ones).
    const dcrIds = dcrImmutableIdsOf(stream).slice(0, producer.shards ?? 1);
    destinations[producer.name] = {
      tenantId: coordinates.tenantId,
      // The producer's own identity when the Azure stack makes one per producer, else the shared one.
      clientId: forwarderClientId(coordinates, producer.name),
      logsIngestionEndpoint: coordinates.logsIngestionEndpoint,
      dcrImmutableId: stream.dcrImmutableId,
      ...(dcrIds.length > 1 ? { dcrImmutableIds: dcrIds } : {}),
      streamName: stream.streamName,
      ...(stream.outputs !== undefined
        ? {
            outputs: Object.fromEntries(
              Object.entries(stream.outputs).map(([key, target]) => [
                key,
                {
                  streamName: target.streamName,
                  dcrImmutableIds: dcrImmutableIdsOf(target).slice(0, producer.shards ?? 1),
                },
              ]),
            ),
          }
        : {}),
    };
  }
  return {
    destinations,
    authMode: coordinates.authMode ?? 'secret',
    placeholder: source === 'placeholder',
    source,
  };
}

/** Obviously fake coordinates for offline synthesis; `.invalid` never resolves (RFC 2606). */
export function placeholderCoordinates(producers: readonly ProducerDefinition[]): AzureCoordinates {
  return {
    tenantId: '00000000-0000-0000-0000-000000000000',
    clientId: '00000000-0000-0000-0000-000000000000',
    logsIngestionEndpoint: 'https://placeholder-dce.invalid',
    producers: Object.fromEntries(
      producers.map((p) => {
        // Shard k of output i is i × 16 + k − 1 in hex, so the first keeps the all-zero id it always had.
        const ids = (output: number) =>
          Array.from(
            { length: p.shards ?? 1 },
            (_, k) => `dcr-${(output * 16 + k).toString(16).padStart(32, '0')}`,
          );
        const target = (output: number, stream: string) => {
          const dcrs = ids(output);
          return {
            dcrImmutableId: dcrs[0],
            ...(dcrs.length > 1 ? { dcrImmutableIds: dcrs } : {}),
            streamName: stream,
          };
        };
        const outputs = producerOutputs(p);
        return [
          p.name,
          outputs === undefined
            ? target(0, streamName(p))
            : {
                ...target(0, outputs[0].streamName),
                outputs: Object.fromEntries(outputs.map((o, i) => [o.key, target(i, o.streamName)])),
              },
        ];
      }),
    ),
  };
}

function isTrue(value: unknown): boolean {
  return value === true || value === 'true';
}
