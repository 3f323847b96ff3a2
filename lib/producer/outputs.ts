import {
  AUTO_FORMAT,
  autoOutputKeys,
  builtinTableOf,
  columnsOf,
  compileRoutes,
  outputNamesOf,
  type BuiltinTable,
  type Column,
  type Destination,
  type FormatName,
} from '../../lambda/formats';
import { destinationOf, pascalCase, streamName, tableBaseName, tableName } from './naming';
import type { ProducerDefinition } from './producer';

/**
 * One stream of a producer whose rows go to several tables (a multi-output format such as
 * `networkfirewall`): its own DCR stream, table and DCR(s). Plain data: the Azure stack builds from
 * it, and the AWS stack passes each output's stream and DCRs to the forwarder (DCR_OUTPUTS).
 */
export interface ProducerOutput {
  /** The output's name, as rows name it (`alert`): the key of DCR_OUTPUTS and of the coordinates. */
  readonly key: string;
  /** Every column a row of this output carries, TimeGenerated and provenance included. */
  readonly columns: readonly Column[];
  /** Where its rows land: the output's built-in table, unless the producer asks for custom tables. */
  readonly destination: Destination;
  /** The table its rows land in: the built-in table, or `<Name><Key>_CL`. */
  readonly tableName: string;
  /** The DCR input stream the forwarder posts this output's rows to, `Custom-<Name><Key>`. */
  readonly streamName: string;
  /** Names the output in resource names: the key in lower-case letters (`alert`). */
  readonly slug: string;
}

/**
 * The outputs of `producer`, or undefined when all its rows go to one stream (every single-output
 * format: then `tableName`, `streamName` and `destinationOf` describe it). A multi-output format has
 * one per output (`alert`, `flow`, `tls`); `auto` one per format its routes and the default ones
 * reach, a multi-output format's outputs each (`networkfirewall.alert`), and the catch-all
 * `unrouted` (`autoOutputKeys`). Invalid `routes` count as none: validation reports them.
 */
export function producerOutputs(producer: ProducerDefinition): readonly ProducerOutput[] | undefined {
  const base = tableBaseName(producer);
  const make = (key: string, columns: readonly Column[], table: BuiltinTable | undefined): ProducerOutput => {
    const destination: Destination =
      table !== undefined && producer.table?.destination !== 'custom'
        ? { kind: 'builtin', table }
        : { kind: 'custom' };
    const own = `${base}${pascalCase(key)}`;
    return {
      key,
      columns,
      destination,
      tableName: destination.kind === 'builtin' ? destination.table.name : `${own}_CL`,
      streamName: `Custom-${own}`,
      // `networkfirewall.alert` → `networkfirewall-alert`: resource names take no dots.
      slug: key.replace(/[^a-z0-9]+/g, '-'),
    };
  };
  if (producer.format === AUTO_FORMAT) {
    return autoOutputKeys(compileRoutes(producer.routes ?? []).routes).map((o) =>
      make(o.key, o.columns, o.builtinTable),
    );
  }
  const names = outputNamesOf(producer.format);
  if (names.length === 0) return undefined;
  return names.map((key) =>
    make(
      key,
      columnsOf(producer.format as FormatName, key),
      builtinTableOf(producer.format as FormatName, key),
    ),
  );
}

/** One stream of a producer, with what the Azure stack builds it from. */
export interface ProducerStreamSpec {
  /** The output it carries; undefined for a producer whose rows all go to one stream. */
  readonly output?: ProducerOutput;
  readonly columns: readonly Column[];
  readonly destination: Destination;
  readonly tableName: string;
  readonly streamName: string;
}

/** Every stream of `producer`: its one stream, or one per output of its format. */
export function producerStreams(producer: ProducerDefinition): readonly ProducerStreamSpec[] {
  const outputs = producerOutputs(producer);
  if (outputs === undefined) {
    return [
      {
        columns: columnsOf(producer.format as FormatName),
        destination: destinationOf(producer),
        tableName: tableName(producer),
        streamName: streamName(producer),
      },
    ];
  }
  return outputs.map((output) => ({
    output,
    columns: output.columns,
    destination: output.destination,
    tableName: output.tableName,
    streamName: output.streamName,
  }));
}
