import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { producers as exampleProducers } from '../bin/producers';
import { ProducerConfigError, validateProducers, type ProducerDefinition } from '../lib/producer';
import { UsageError, describeError } from './errors';

/** The producers the CLI knows, and where they came from (named in error messages). */
export interface ProducerConfig {
  readonly producers: readonly ProducerDefinition[];
  readonly source: string;
}

/**
 * The producer list: the package's `bin/producers.ts` by default, or a JavaScript module given with
 * `--config` that exports `producers` (the same list the CDK and CDKTF apps build from).
 */
export function loadProducers(configPath?: string): ProducerConfig {
  if (configPath === undefined)
    return { producers: exampleProducers, source: 'the built-in example list (bin/producers.ts)' };
  const path = resolve(configPath);
  if (!existsSync(path)) throw new UsageError(`--config ${configPath}: no such file`);
  let loaded: unknown;
  try {
    // A runtime path: esbuild leaves this require alone, so the bundled CLI loads the user's module.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require(path);
  } catch (error) {
    throw new UsageError(
      `--config ${configPath} could not be loaded (${describeError(error)}); it must be a CommonJS or compiled JS module`,
    );
  }
  const producers = (loaded as { producers?: unknown } | undefined)?.producers;
  if (!Array.isArray(producers)) {
    throw new UsageError(`--config ${configPath} must export \`producers\`, an array of ProducerDefinition`);
  }
  try {
    validateProducers(producers as ProducerDefinition[]);
  } catch (error) {
    if (error instanceof ProducerConfigError)
      throw new UsageError(`--config ${configPath}: ${error.message}`);
    throw error;
  }
  return { producers: producers as ProducerDefinition[], source: configPath };
}

/** The producer called `name`, or a usage error listing the names that exist. */
export function resolveProducer(name: string, config: ProducerConfig): ProducerDefinition {
  const producer = config.producers.find((p) => p.name === name);
  if (producer === undefined) {
    const known = config.producers.map((p) => p.name).join(', ');
    throw new UsageError(
      `unknown producer "${name}" in ${config.source}; configured producers: ${known || '(none)'}. ` +
        'Pass --config <module> to use your own producer list.',
    );
  }
  return producer;
}
