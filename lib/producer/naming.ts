import { AUTO_FORMAT, builtinTableOf, type Destination } from '../../lambda/formats';
import type { ProducerDefinition } from './producer';

/** `app-logs` → `AppLogs`: the default table name for a producer. */
export function pascalCase(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter((part) => part.length > 0)
    .map((part) => part[0].toUpperCase() + part.slice(1))
    .join('');
}

/** Table name without `_CL`, e.g. `CloudTrail`. */
export function tableBaseName(producer: ProducerDefinition): string {
  return producer.table?.name ?? pascalCase(producer.name);
}

/**
 * Where the producer's rows land: the format's built-in table unless the definition asks for a
 * custom one (or the format has none). For `auto`, which writes to a table per format
 * (`producerOutputs`), this describes the producer's own tables: custom.
 */
export function destinationOf(producer: ProducerDefinition): Destination {
  const table = producer.format === AUTO_FORMAT ? undefined : builtinTableOf(producer.format);
  return table !== undefined && producer.table?.destination !== 'custom'
    ? { kind: 'builtin', table }
    : { kind: 'custom' };
}

/** The table the producer's rows land in: its custom table, e.g. `CloudTrail_CL`, or a built-in one. */
export function tableName(producer: ProducerDefinition): string {
  const destination = destinationOf(producer);
  return destination.kind === 'builtin' ? destination.table.name : `${tableBaseName(producer)}_CL`;
}

/** The DCR input stream the forwarder posts to, e.g. `Custom-CloudTrail`. */
export function streamName(producer: ProducerDefinition): string {
  return `Custom-${tableBaseName(producer)}`;
}

/** The SSM SecureString parameter that holds the producer's Entra client secret. */
export function secretParameterName(producer: ProducerDefinition | string): string {
  const name = typeof producer === 'string' ? producer : producer.name;
  return `/s3-to-sentinel/${name}/client-secret`;
}

/** Alias of the KMS key that encrypts the producer's client secret (the CLI writes with it). */
export function secretKeyAlias(producer: ProducerDefinition | string): string {
  const name = typeof producer === 'string' ? producer : producer.name;
  return `alias/s3-to-sentinel/${name}`;
}

/**
 * Physical names of the producer's AWS resources. Fixed (not generated) so the operator CLI can
 * find a producer's queues and function from its name alone.
 */
export function awsResourceNames(producer: ProducerDefinition | string): {
  readonly stackName: string;
  readonly queueName: string;
  readonly deadLetterQueueName: string;
  readonly functionName: string;
  /** The forwarder's execution role; fixed so a federated credential can name it before it exists. */
  readonly roleName: string;
} {
  const name = typeof producer === 'string' ? producer : producer.name;
  return {
    stackName: `s3-to-sentinel-${name}`,
    queueName: `s3-to-sentinel-${name}`,
    deadLetterQueueName: `s3-to-sentinel-${name}-dlq`,
    functionName: `s3-to-sentinel-${name}`,
    roleName: `s3-to-sentinel-${name}-forwarder`,
  };
}

/**
 * Construct ids and name suffix of shard `shard`: shard 1 keeps the ids and name the producer's only
 * DCR always had (`Resource`, `ErrorLogs`, `<prefix>-<producer>`), so adding shards replaces nothing;
 * shard k adds `-k` to each.
 */
export function shardSuffix(shard: number): string {
  return shard === 1 ? '' : `-${shard}`;
}

/**
 * A DCR's name after `<prefix>-`, which its error alert's name repeats: the producer's name, then
 * its output's slug when it writes to several streams, then the shard's suffix.
 */
export function dcrStem(producerName: string, outputSlug: string | undefined, shard: number): string {
  return `${producerName}${outputSlug !== undefined ? `-${outputSlug}` : ''}${shardSuffix(shard)}`;
}
