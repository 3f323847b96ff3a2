import type { AuthMode } from '../../lambda/contract/environment';

/**
 * The handoff between the two deployments: what the Azure stack outputs and the AWS app reads.
 * One type for both sides, so a renamed field breaks the build rather than a deployment.
 */

/** Where one producer's rows go. */
export interface StreamCoordinates {
  /** The DCR's immutable id (`dcr-<32 hex>`), part of the ingestion URL. */
  readonly dcrImmutableId: string;
  /** The DCR input stream, `Custom-<Table>`. */
  readonly streamName: string;
}

/** Everything the forwarder needs to reach Azure, for every producer. */
export interface AzureCoordinates {
  readonly tenantId: string;
  /** Client id of the Entra application or user-assigned managed identity the forwarder signs in as. */
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
/** The sensitive TerraformOutput holding the Entra client secret (default identity mode only). */
export const CLIENT_SECRET_OUTPUT = 'client_secret';

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
  for (const field of ['tenantId', 'clientId', 'logsIngestionEndpoint'] as const) {
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
      }
    }
  }
  if (problems.length > 0) throw new AzureCoordinatesError(`${source}: ${problems.join('; ')}`);
  return value as unknown as AzureCoordinates;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
