import { AnnotationMetadataEntryType, Testing, TerraformStack } from 'cdktf';
import { AzureProviders, SentinelIngestion, type SentinelIngestionProps } from '../../lib/azure';
import type { ProducerDefinition } from '../../lib/producer';

/**
 * Producers whose formats declare only columns Azure accepts, on the Analytics and Basic plans (the
 * azurerm custom-log table). The Auxiliary plan (an azapi table) and built-in tables have their own tests.
 */
export const FIXTURE_PRODUCERS: readonly ProducerDefinition[] = [
  {
    name: 'trail',
    bucket: { kind: 'existing', bucketName: 'fixture-trail' },
    format: 'cloudtrail',
    // A custom table: the built-in destination (the format's default) has tests of its own.
    table: { destination: 'custom', plan: 'Analytics', retentionInDays: 90, totalRetentionInDays: 365 },
  },
  {
    name: 'app-logs',
    bucket: { kind: 'new' },
    format: 'ndjson',
    table: {
      name: 'Apps',
      plan: 'Basic',
      totalRetentionInDays: 1095,
      transformKql: 'source | where isnotnull(Record)',
    },
  },
  { name: 'lines', bucket: { kind: 'new' }, format: 'text' },
];

/** A parsed `cdk.tf.json`. */
export interface TerraformJson {
  readonly resource: Record<string, Record<string, Record<string, unknown>>>;
  readonly data?: Record<string, Record<string, Record<string, unknown>>>;
  readonly output?: Record<string, { value: unknown; sensitive?: boolean }>;
  readonly provider?: Record<string, unknown[]>;
  readonly terraform: { required_providers: Record<string, { source: string; version: string }> };
}

export interface Synthesized {
  readonly stack: TerraformStack;
  readonly ingestion: SentinelIngestion;
  /** The synthesized JSON text, for the cdktf matchers. */
  readonly text: string;
  readonly json: TerraformJson;
}

/** Builds `SentinelIngestion` in a fresh stack with the providers it needs and synthesizes it. */
export function synthIngestion(props: Partial<SentinelIngestionProps> = {}): Synthesized {
  const stack = new TerraformStack(Testing.app(), 'test');
  new AzureProviders(stack, 'Providers', {
    azuread: (props.identity?.mode ?? 'application') === 'application',
  });
  const ingestion = new SentinelIngestion(stack, 'Sentinel', {
    location: 'westeurope',
    producers: FIXTURE_PRODUCERS,
    ...props,
  });
  const text = Testing.synth(stack);
  return { stack, ingestion, text, json: JSON.parse(text) as TerraformJson };
}

/** Every resource of one type, in synthesis order. */
export function resourcesOf(json: TerraformJson, type: string): Record<string, unknown>[] {
  return Object.values(json.resource[type] ?? {});
}

/** The one resource of `type` whose `name` is `name`. */
export function resourceNamed(json: TerraformJson, type: string, name: string): Record<string, unknown> {
  const found = resourcesOf(json, type).filter((r) => r.name === name);
  if (found.length !== 1) throw new Error(`expected one ${type} named ${name}, found ${found.length}`);
  return found[0];
}

/** The `${type.logicalId}` address of the resource a construct synthesized, for reference checks. */
export function addressOf(json: TerraformJson, type: string, name: string): string {
  const entry = Object.entries(json.resource[type] ?? {}).find(([, r]) => r.name === name);
  if (entry === undefined) throw new Error(`no ${type} named ${name}`);
  return `${type}.${entry[0]}`;
}

/** Warnings added with `Annotations` anywhere under `stack`. */
export function warningsOf(stack: TerraformStack): string[] {
  return stack.node
    .findAll()
    .flatMap((c) => c.node.metadata)
    .filter((m) => m.type === AnnotationMetadataEntryType.WARN)
    .map((m) => String(m.data));
}
