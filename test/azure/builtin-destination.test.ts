/**
 * Producers whose rows land in Sentinel's built-in tables (issue 12): no table is created, the DCR
 * writes to `Microsoft-<Table>`, the forwarder's provenance columns are added to the table as `_CF`
 * columns once per table, and each producer's alerts look at its own rows only.
 */
import {
  addedColumns,
  AWS_CLOUDTRAIL,
  AWS_VPC_FLOW,
  builtinRenames,
  columnsOf,
  type Column,
} from '../../lambda/formats';
import { validateProducers, type ProducerDefinition } from '../../lib/producer';
import { builtinTransformKql } from '../../lib/azure/producer-stream';
import { BUILTIN_TABLES_API } from '../../lib/azure/builtin-table-columns';
import { synthIngestion, warningsOf } from './azure-test-helpers';

const WORKSPACE =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/soc';

const PRODUCERS: readonly ProducerDefinition[] = [
  { name: 'trail-a', bucket: { kind: 'existing', bucketName: 'org-a-trail' }, format: 'cloudtrail' },
  {
    name: 'trail-b',
    bucket: { kind: 'new' },
    format: 'cloudtrail',
    table: { transformKql: "source | where EventName != 'GetObject'" },
  },
  { name: 'flows', bucket: { kind: 'new' }, format: 'vpcflow' },
  { name: 'trail-own', bucket: { kind: 'new' }, format: 'cloudtrail', table: { destination: 'custom' } },
];

type Resources = Record<string, Record<string, unknown>>;

describe('built-in destinations', () => {
  const { json } = synthIngestion({
    producers: PRODUCERS,
    workspace: { kind: 'existing', resourceId: WORKSPACE, onboardSentinel: true },
  });
  const rules = Object.values(json.resource.azurerm_monitor_data_collection_rule as Resources);
  const rule = (producer: string) => rules.find((r) => String(r.name).endsWith(`-${producer}`))!;
  const flow = (producer: string) => (rule(producer).data_flow as Record<string, unknown>[])[0];

  test('create no table for a built-in destination, only for the producer that asked for a custom one', () => {
    const tables = Object.values(json.resource.azurerm_log_analytics_workspace_table_custom_log as Resources);
    expect(tables.map((t) => t.name)).toStrictEqual(['TrailOwn_CL']);
  });

  test('write each DCR to Microsoft-<Table>, its stream declared from the forwarder columns', () => {
    expect(flow('trail-a').output_stream).toBe('Microsoft-AWSCloudTrail');
    expect(flow('trail-b').output_stream).toBe('Microsoft-AWSCloudTrail');
    expect(flow('flows').output_stream).toBe('Microsoft-AWSVPCFlow');
    expect(flow('trail-own').output_stream).toBe('Custom-TrailOwn_CL');
    const declared = (rule('trail-a').stream_declaration as { stream_name: string; column: Column[] }[])[0];
    expect(declared.stream_name).toBe('Custom-TrailA');
    expect(declared.column.map((c) => c.name)).toStrictEqual(columnsOf('cloudtrail').map((c) => c.name));
  });

  test("transform only as the table requires: the producer's filter, its name and the record time, the _CF renames", () => {
    const kql = String(flow('trail-b').transform_kql);
    expect(kql.split('\n')).toStrictEqual([
      "source | where EventName != 'GetObject'",
      "| extend S2SProducer_CF = 'trail-b', RecordTime_CF = TimeGenerated",
      expect.stringMatching(/^\| project-rename /),
    ]);
    for (const [from, to] of builtinRenames()) expect(kql).toContain(`${to} = ${from}`);
    expect(kql).not.toMatch(/TimeGenerated_CF/);
    expect(flow('flows').transform_kql).toBe(builtinTransformKql(PRODUCERS[2]));
    expect(flow('trail-own').transform_kql).toBe('source');
  });

  test('add the _CF columns once per built-in table, as one list, after Sentinel is onboarded', () => {
    const updates = Object.values(json.resource.azapi_update_resource as Resources);
    expect(updates.map((u) => u.resource_id).sort()).toStrictEqual([
      `${WORKSPACE}/tables/AWSCloudTrail`,
      `${WORKSPACE}/tables/AWSVPCFlow`,
    ]);
    const trail = updates.find((u) => String(u.resource_id).endsWith('AWSCloudTrail'))!;
    expect(trail.type).toBe(BUILTIN_TABLES_API);
    const body = trail.body as {
      properties: { schema: { name: string; columns: { name: string; type: string }[] } };
    };
    expect(body.properties.schema.name).toBe('AWSCloudTrail');
    // Spelled out, not derived from addedColumns (which the stack calls): a change shows here.
    expect(body.properties.schema.columns.map(({ name, type }) => [name, type])).toStrictEqual([
      ['S3Bucket_CF', 'string'],
      ['S3Key_CF', 'string'],
      ['S3ObjectVersion_CF', 'string'],
      ['RecordIndex_CF', 'long'],
      ['RecordId_CF', 'string'],
      ['S3EventTime_CF', 'dateTime'],
      ['AdditionalFields_CF', 'string'],
      ['TruncatedRecord_CF', 'string'],
      ['OriginalRecordBytes_CF', 'long'],
      ['S2SProducer_CF', 'string'],
      ['RecordTime_CF', 'dateTime'],
    ]);
    expect(body.properties.schema.columns.map((c) => c.name)).toStrictEqual(
      addedColumns(columnsOf('cloudtrail'), AWS_CLOUDTRAIL).map((c) => c.name),
    );
    for (const column of body.properties.schema.columns) expect(column.name).toMatch(/_CF$/);
    expect(trail.depends_on).toStrictEqual([
      expect.stringMatching(/azurerm_sentinel_log_analytics_workspace_onboarding/),
    ]);
    expect(addedColumns(columnsOf('vpcflow'), AWS_VPC_FLOW).length).toBeGreaterThan(0);
  });

  test('make each DCR wait for its table columns, and scope each role to its own DCR', () => {
    expect(rule('trail-a').depends_on).toStrictEqual([
      expect.stringMatching(/azapi_update_resource\..*AWSCloudTrail/),
    ]);
    const roles = Object.values(json.resource.azurerm_role_assignment as Resources);
    expect(roles).toHaveLength(PRODUCERS.length);
    expect(new Set(roles.map((r) => r.scope)).size).toBe(PRODUCERS.length);
  });

  test("watch each producer's own rows in a shared table for the no-data alert", () => {
    const alerts = Object.values(json.resource.azurerm_monitor_scheduled_query_rules_alert_v2 as Resources);
    const query = (name: string) =>
      String(
        (alerts.find((a) => a.name === `s3-to-sentinel-${name}-no-data`)!.criteria as { query: string }[])[0]
          .query,
      );
    expect(query('trail-a')).toMatch(/^AWSCloudTrail\n\| where S2SProducer_CF == 'trail-a'\n/);
    expect(query('flows')).toMatch(/^AWSVPCFlow\n\| where S2SProducer_CF == 'flows'\n/);
    expect(query('trail-own')).toMatch(/^TrailOwn_CL\n\| where ingestion_time/);
  });

  test('warn that the AWS tables need Microsoft Sentinel when an existing workspace is not onboarded here', () => {
    const { stack } = synthIngestion({
      producers: PRODUCERS.slice(0, 1),
      workspace: { kind: 'existing', resourceId: WORKSPACE },
    });
    expect(warningsOf(stack)).toContainEqual(
      expect.stringMatching(
        /AWSCloudTrail exists only in a workspace with Microsoft Sentinel.*onboardSentinel/,
      ),
    );
    const onboarded = synthIngestion({
      producers: PRODUCERS.slice(0, 1),
      workspace: { kind: 'existing', resourceId: WORKSPACE, onboardSentinel: true },
    });
    expect(warningsOf(onboarded.stack).filter((w) => w.includes('exists only in a workspace'))).toStrictEqual(
      [],
    );
  });
});

describe('built-in destination rules', () => {
  const invalid = (producer: ProducerDefinition) => () => validateProducers([producer]);

  test.each(['name', 'plan', 'retentionInDays', 'totalRetentionInDays'] as const)(
    'refuse table.%s for a built-in destination, naming the way out',
    (field) => {
      const table = { name: 'Trail', plan: 'Basic', retentionInDays: 30, totalRetentionInDays: 90 } as const;
      expect(
        invalid({
          name: 'trail',
          bucket: { kind: 'new' },
          format: 'cloudtrail',
          table: { [field]: table[field] },
        }),
      ).toThrow(
        new RegExp(
          `\`table.${field}\` cannot be set: the rows go to Sentinel's built-in table AWSCloudTrail.*table.destination: 'custom'`,
        ),
      );
    },
  );

  test('refuse a built-in destination for a format that has none, naming those that do', () => {
    expect(
      invalid({ name: 'apps', bucket: { kind: 'new' }, format: 'ndjson', table: { destination: 'builtin' } }),
    ).toThrow(
      /format ndjson has no built-in Sentinel table \(cloudtrail → AWSCloudTrail, vpcflow → AWSVPCFlow, guardduty → AWSGuardDuty, .*cloudwatch → AWSCloudWatch/,
    );
  });

  test('let several producers share a built-in table, but not a custom one', () => {
    expect(() =>
      validateProducers([
        { name: 'a', bucket: { kind: 'new' }, format: 'cloudtrail' },
        { name: 'b', bucket: { kind: 'new' }, format: 'cloudtrail' },
      ]),
    ).not.toThrow();
    expect(() =>
      validateProducers([
        { name: 'a', bucket: { kind: 'new' }, format: 'ndjson', table: { name: 'Same' } },
        { name: 'b', bucket: { kind: 'new' }, format: 'ndjson', table: { name: 'Same' } },
      ]),
    ).toThrow(/collides with producer "a"/);
  });
});
