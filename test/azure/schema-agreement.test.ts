// What the forwarder sends, what the DCR stream declares and what the table holds must agree for
// every example producer; a drift would be a 400 from the Logs Ingestion API or silently dropped
// columns. This proves it on the synthesized Terraform, through the one documented type mapping,
// for the example producers and for a producer on the Auxiliary plan (whose table is an azapi_resource).
import { Testing } from 'cdktf';
import { S3ToSentinelAzureStack } from '../../bin/azure';
import { producers } from '../../bin/producers';
import {
  builtinRenames,
  DCR_ADDED_COLUMNS,
  landedColumns,
  type Column,
  type ColumnType,
} from '../../lambda/formats';
import { AUXILIARY_UNSUPPORTED_TYPES, STREAM_COLUMN_TYPES, TABLE_COLUMN_TYPES } from '../../lib/azure';
import { producerStreams, tableName, type ProducerDefinition } from '../../lib/producer';
import { type TerraformJson, resourceNamed } from './azure-test-helpers';

// The values azurerm 4.55 validates against (case-sensitively): the Monitor API's
// KnownColumnDefinitionType for DCR stream columns and the Log Analytics 2022-10-01 ColumnTypeEnum
// for custom table columns (terraform-provider-azurerm, internal/services/loganalytics).
const DCR_STREAM_TYPES = ['boolean', 'datetime', 'dynamic', 'int', 'long', 'real', 'string'];
const TABLE_TYPES = ['boolean', 'dateTime', 'dynamic', 'guid', 'int', 'long', 'real', 'string'];
const ALL_TYPES: ColumnType[] = ['string', 'int', 'long', 'real', 'boolean', 'datetime', 'dynamic'];

// The example producers use no Auxiliary table (only the text format has no dynamic column, which
// that plan cannot hold), so one is added here.
const AUXILIARY: ProducerDefinition = {
  name: 'aux-lines',
  bucket: { kind: 'new' },
  format: 'text',
  table: { plan: 'Auxiliary', totalRetentionInDays: 365 },
};
const AGREEMENT_PRODUCERS: readonly ProducerDefinition[] = [...producers, AUXILIARY];

interface SynthColumn {
  readonly name: string;
  readonly type: string;
}

let synthesized: TerraformJson | undefined;
// Synthesized on first use so the mapping tests above stand on their own.
function exampleStack(): TerraformJson {
  if (synthesized === undefined) {
    const stack = new S3ToSentinelAzureStack(
      Testing.app(),
      'agreement',
      { location: 'westeurope' },
      AGREEMENT_PRODUCERS,
    );
    synthesized = JSON.parse(Testing.synth(stack)) as TerraformJson;
  }
  return synthesized;
}

describe('the type mapping', () => {
  test.each(ALL_TYPES)('%s is spelled as each resource accepts, naming the same type in both', (type) => {
    expect(DCR_STREAM_TYPES).toContain(STREAM_COLUMN_TYPES[type]);
    expect(TABLE_TYPES).toContain(TABLE_COLUMN_TYPES[type]);
    // Kusto type names are case-insensitive: the two spellings differ at most in case.
    expect(TABLE_COLUMN_TYPES[type].toLowerCase()).toBe(STREAM_COLUMN_TYPES[type].toLowerCase());
  });

  test('the stream declares every type exactly as the forwarder names it', () => {
    for (const type of ALL_TYPES) expect(STREAM_COLUMN_TYPES[type]).toBe(type);
  });
});

// Every stream of every producer: its one stream, or one per output of a multi-output format.
const AGREEMENT_STREAMS = AGREEMENT_PRODUCERS.flatMap((producer) =>
  producerStreams(producer).map(
    (spec) =>
      [
        spec.output !== undefined ? `${producer.name} (${spec.output.key})` : producer.name,
        producer,
        spec,
      ] as const,
  ),
);

describe.each(AGREEMENT_STREAMS)('producer %s', (_, producer, spec) => {
  const dcrName = `s3-to-sentinel-${producer.name}${spec.output !== undefined ? `-${spec.output.slug}` : ''}`;
  const streamColumns = (): SynthColumn[] => {
    const dcr = resourceNamed(exampleStack(), 'azurerm_monitor_data_collection_rule', dcrName);
    const [declaration] = dcr.stream_declaration as { stream_name: string; column: SynthColumn[] }[];
    expect(declaration.stream_name).toBe(spec.streamName);
    return declaration.column;
  };
  const destination = spec.destination;
  /** What the table holds: a custom table's columns, or a built-in table's vendored ones plus the `_CF` ones added to it. */
  const tableColumns = (): SynthColumn[] => {
    if (destination.kind === 'builtin') {
      const added = Object.values(exampleStack().resource.azapi_update_resource ?? {}).find((r) =>
        String(r.resource_id).endsWith(`/tables/${destination.table.name}`),
      ) as { body: { properties: { schema: { columns: SynthColumn[] } } } } | undefined;
      expect(added).toBeDefined();
      return [
        ...destination.table.columns.map(({ name, type }) => ({ name, type: TABLE_COLUMN_TYPES[type] })),
        ...added!.body.properties.schema.columns.map(({ name, type }) => ({ name, type })),
      ];
    }
    const columns =
      producer.table?.plan === 'Auxiliary'
        ? (
            resourceNamed(exampleStack(), 'azapi_resource', spec.tableName).body as {
              properties: { schema: { columns: SynthColumn[] } };
            }
          ).properties.schema.columns
        : (resourceNamed(exampleStack(), 'azurerm_log_analytics_workspace_table_custom_log', spec.tableName)
            .column as SynthColumn[]);
    return columns.map(({ name, type }) => ({ name, type }));
  };

  test('the DCR stream declares exactly the columns the forwarder emits, names and types', () => {
    expect(streamColumns()).toEqual(spec.columns.map(({ name, type }) => ({ name, type })));
  });

  /** The stream's columns as they land in the table (renamed for a built-in one), plus what the DCR adds. */
  const landed = (): SynthColumn[] => [
    ...landedColumns(streamColumns() as Column[], destination),
    ...(destination.kind === 'builtin' ? DCR_ADDED_COLUMNS : []),
  ];

  test('the table has exactly the stream’s columns (a built-in one: at least), types through the mapping', () => {
    const expected = landed().map(({ name, type }) => ({
      name,
      type: TABLE_COLUMN_TYPES[type as ColumnType],
    }));
    if (destination.kind === 'builtin') expect(tableColumns()).toEqual(expect.arrayContaining(expected));
    else expect(tableColumns()).toEqual(expected);
  });

  test('the stream and the table declare the columns of the stand-in sent for a record too large to send', () => {
    // lambda/io/batcher.ts standInRow: without them, the DCR would drop what locates the record.
    const standIn = [
      { name: 'TruncatedRecord', type: 'string' },
      { name: 'OriginalRecordBytes', type: 'long' },
    ];
    expect(streamColumns()).toEqual(expect.arrayContaining(standIn));
    const renames = destination.kind === 'builtin' ? builtinRenames() : new Map<string, string>();
    expect(tableColumns()).toEqual(
      expect.arrayContaining(
        standIn.map(({ name, type }) => ({
          name: renames.get(name) ?? name,
          type: TABLE_COLUMN_TYPES[type as ColumnType],
        })),
      ),
    );
  });

  test('every column the transform outputs exists in the table, TimeGenerated included, none Azure fills', () => {
    const table = new Map(tableColumns().map((c) => [c.name, c.type.toLowerCase()]));
    const output = landed();
    expect(output.map((c) => c.name)).toContain('TimeGenerated');
    for (const column of output)
      expect([column.name, table.get(column.name)]).toEqual([column.name, column.type.toLowerCase()]);
    if (destination.kind === 'builtin') {
      const system = new Set(destination.table.systemColumns.map((c) => c.name));
      expect(output.filter((c) => system.has(c.name))).toStrictEqual([]);
    }
  });
});

test('the Auxiliary table holds no column of a type that plan cannot hold (dynamic)', () => {
  const body = resourceNamed(exampleStack(), 'azapi_resource', tableName(AUXILIARY)).body as {
    properties: { plan: string; schema: { columns: SynthColumn[] } };
  };
  expect(body.properties.plan).toBe('Auxiliary');
  const unsupported = AUXILIARY_UNSUPPORTED_TYPES.map((t) => TABLE_COLUMN_TYPES[t]);
  expect(unsupported).toEqual(['dynamic']);
  for (const column of body.properties.schema.columns) expect(unsupported).not.toContain(column.type);
});
