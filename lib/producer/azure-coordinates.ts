import type { AuthMode } from '../../lambda/contract/environment';

/**
 * The handoff between the two deployments: what the Azure stack outputs and the AWS app reads.
 * One type for both sides, so a renamed field breaks the build rather than a deployment.
 */

/** Where one producer's rows go. */
export interface StreamCoordinates {
  /** The DCR's immutable id (`dcr-<32 hex>`), part of the ingestion URL; with shards, the first DCR's. */
  readonly dcrImmutableId: string;
  /**
   * Every DCR's immutable id, shard 1's (`dcrImmutableId`) first, when the producer has `shards` > 1.
   * Read it with `dcrImmutableIdsOf`.
   * @default - one DCR: `[dcrImmutableId]`
   */
  readonly dcrImmutableIds?: readonly string[];
  /** The DCR input stream, `Custom-<Table>`. */
  readonly streamName: string;
  /**
   * For a producer whose format writes to several streams (`networkfirewall`): each output's stream
   * and DCR(s), keyed by output name; the fields above are then the first output's. The forwarder
   * gets them as DCR_OUTPUTS.
   * @default - one stream, the fields above
   */
  readonly outputs?: Readonly<Record<string, OutputCoordinates>>;
  /**
   * Client id of this producer's own identity, when each producer has one (allowed to write only
   * to this producer's DCR).
   * @default - the shared `AzureCoordinates.clientId`
   */
  readonly clientId?: string;
}

/** Where one output of a multi-output producer goes. */
export interface OutputCoordinates {
  readonly dcrImmutableId: string;
  /** @default - one DCR: `[dcrImmutableId]` */
  readonly dcrImmutableIds?: readonly string[];
  readonly streamName: string;
}

/** Everything the forwarder needs to reach Azure, for every producer. */
export interface AzureCoordinates {
  readonly tenantId: string;
  /**
   * Client id of the Entra application or user-assigned managed identity every forwarder signs in
   * as. Empty when each producer has its own identity: `producers.<name>.clientId` then applies
   * (read it with `forwarderClientId`).
   */
  readonly clientId: string;
  /** The data collection endpoint's logs ingestion URL, `https://<dce>.<region>.ingest.monitor.azure.com`. */
  readonly logsIngestionEndpoint: string;
  /**
   * How the forwarder signs in: `secret` (client secret in SSM) or `federated` (AWS outbound
   * identity federation, no secret).
   * @default 'secret'
   */
  readonly authMode?: AuthMode;
  /** Keyed by producer name. */
  readonly producers: Readonly<Record<string, StreamCoordinates>>;
}

/** The CDKTF stack's name, the top-level key of the outputs file `cdktf deploy --outputs-file` writes. */
export const AZURE_STACK_NAME = 's3-to-sentinel-azure';
/** The TerraformOutput holding an `AzureCoordinates` value. */
export const COORDINATES_OUTPUT = 'coordinates';
/**
 * The sensitive TerraformOutput holding the newest Entra client secret (default identity mode with
 * one app registration for every producer).
 */
export const CLIENT_SECRET_OUTPUT = 'client_secret';
/** The sensitive TerraformOutput holding each producer's newest client secret, with per-producer identities. */
export const CLIENT_SECRETS_OUTPUT = 'client_secrets';
/** The TerraformOutput holding a `SecretRotationInfo` per producer name (identity mode `application`). */
export const SECRET_ROTATION_OUTPUT = 'client_secret_rotation';

/** The life of one producer's client secrets, as `put-secret` tells it to the operator. None of it is secret. */
export interface SecretRotationInfo {
  /** The generation of the newest secret, the one the secret outputs hold. */
  readonly generation: number;
  /** When the newest secret expires, RFC 3339. */
  readonly expiresAt: string;
  /** The secret of the generation before, kept until the next rotation or its expiry; none at generation 1. */
  readonly previous?: { readonly generation: number; readonly expiresAt: string };
}

/** Thrown when coordinates are missing or malformed; the message names the field and its source. */
export class AzureCoordinatesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AzureCoordinatesError';
  }
}

/**
 * Reads the coordinates from the parsed JSON of a `cdktf deploy --outputs-file` file
 * (`{ "<stack>": { "coordinates": {...} } }`). `source` names the file in error messages.
 */
export function coordinatesFromOutputsFile(
  outputs: unknown,
  source: string,
  stackName: string = AZURE_STACK_NAME,
): AzureCoordinates {
  const stack = isRecord(outputs) ? outputs[stackName] : undefined;
  if (!isRecord(stack)) {
    throw new AzureCoordinatesError(
      `${source} has no stack "${stackName}": write it with \`npx cdktf deploy ${stackName} --outputs-file ${source}\``,
    );
  }
  return checkCoordinates(stack[COORDINATES_OUTPUT], `${source} → ${stackName}.${COORDINATES_OUTPUT}`);
}

/** Checks an untyped value is complete `AzureCoordinates`; `source` is named in every message. */
export function checkCoordinates(value: unknown, source: string): AzureCoordinates {
  if (!isRecord(value)) throw new AzureCoordinatesError(`${source} is missing or not an object`);
  const problems: string[] = [];
  const streams = isRecord(value.producers) ? Object.values(value.producers) : [];
  // With per-producer identities the shared client id is empty and every producer carries its own.
  const ownClientIds =
    streams.length > 0 && streams.every((s) => isRecord(s) && typeof s.clientId === 'string');
  for (const field of ['tenantId', 'clientId', 'logsIngestionEndpoint'] as const) {
    if (field === 'clientId' && ownClientIds) continue;
    if (typeof value[field] !== 'string' || value[field] === '') problems.push(`\`${field}\` is missing`);
  }
  if (
    typeof value.logsIngestionEndpoint === 'string' &&
    !value.logsIngestionEndpoint.startsWith('https://')
  ) {
    problems.push(`\`logsIngestionEndpoint\` (${value.logsIngestionEndpoint}) must be an https:// URL`);
  }
  if (value.authMode !== undefined && value.authMode !== 'secret' && value.authMode !== 'federated') {
    problems.push(`\`authMode\` (${JSON.stringify(value.authMode)}) must be 'secret' or 'federated'`);
  }
  const producers = value.producers;
  if (!isRecord(producers)) {
    problems.push('`producers` is missing');
  } else {
    for (const [name, stream] of Object.entries(producers)) {
      if (
        !isRecord(stream) ||
        typeof stream.dcrImmutableId !== 'string' ||
        typeof stream.streamName !== 'string'
      ) {
        problems.push(`\`producers.${name}\` needs dcrImmutableId and streamName`);
      } else {
        if (
          stream.clientId !== undefined &&
          (typeof stream.clientId !== 'string' || stream.clientId === '')
        ) {
          problems.push(`\`producers.${name}.clientId\` must be a non-empty string when present`);
        }
        const ids = dcrIdsProblem(stream.dcrImmutableIds, stream.dcrImmutableId);
        if (ids) problems.push(`\`producers.${name}.dcrImmutableIds\` ${ids}`);
        if (stream.outputs !== undefined) {
          if (!isRecord(stream.outputs) || Object.keys(stream.outputs).length === 0) {
            problems.push(
              `\`producers.${name}.outputs\` must be an object naming each output's stream and DCRs`,
            );
          } else {
            for (const [output, target] of Object.entries(stream.outputs)) {
              const where = `\`producers.${name}.outputs.${output}\``;
              if (
                !isRecord(target) ||
                typeof target.dcrImmutableId !== 'string' ||
                typeof target.streamName !== 'string'
              ) {
                problems.push(`${where} needs dcrImmutableId and streamName`);
              } else {
                const outputIds = dcrIdsProblem(target.dcrImmutableIds, target.dcrImmutableId);
                if (outputIds) problems.push(`${where}.dcrImmutableIds ${outputIds}`);
              }
            }
          }
        }
      }
    }
  }
  if (problems.length > 0) throw new AzureCoordinatesError(`${source}: ${problems.join('; ')}`);
  return value as unknown as AzureCoordinates;
}

/**
 * The client id `producerName`'s forwarder signs in with: its own identity's, else the shared one.
 * Throws if the coordinates have neither.
 */
export function forwarderClientId(coordinates: AzureCoordinates, producerName: string): string {
  const clientId = coordinates.producers[producerName]?.clientId ?? coordinates.clientId;
  if (clientId === '') {
    throw new AzureCoordinatesError(
      `the Azure coordinates give no client id for producer "${producerName}": add it to the Azure stack and run \`npx cdktf deploy\` again`,
    );
  }
  return clientId;
}

/** Every DCR of one producer, shard 1 first: `dcrImmutableIds`, or the one `dcrImmutableId`. */
export function dcrImmutableIdsOf(stream: StreamCoordinates): readonly string[] {
  return stream.dcrImmutableIds ?? [stream.dcrImmutableId];
}

/**
 * What is wrong with a list of DCR immutable ids, or `undefined` when it is absent or sound: an
 * array of distinct non-empty strings, the first being `first` (shard 1, which `dcrImmutableId`
 * names for readers that know only one DCR).
 */
export function dcrIdsProblem(ids: unknown, first: unknown): string | undefined {
  if (ids === undefined) return undefined;
  if (!Array.isArray(ids) || ids.length === 0) {
    return `(${JSON.stringify(ids)}) must be a non-empty list of DCR immutable ids`;
  }
  if (ids.some((id) => typeof id !== 'string' || id === '')) {
    return `(${JSON.stringify(ids)}) must hold only non-empty strings`;
  }
  if (ids[0] !== first) {
    return `must start with the first DCR's id, ${JSON.stringify(first)}, not ${JSON.stringify(ids[0])}`;
  }
  const repeated = ids.find((id, index) => ids.indexOf(id) !== index);
  if (repeated !== undefined) return `names ${JSON.stringify(repeated)} twice; each DCR is listed once`;
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
