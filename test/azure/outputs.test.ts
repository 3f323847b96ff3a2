// A producer whose format writes to several tables (networkfirewall: alert, flow, tls) gets one
// stream, DCR, role assignment and error alert per output, the `_CF` columns on each built-in table,
// one no-data alert over all of them, and per-output coordinates for the forwarder's DCR_OUTPUTS.
import { TerraformOutput, Testing } from 'cdktf';
import {
  AWS_NETWORK_FIREWALL_ALERT,
  AWS_NETWORK_FIREWALL_FLOW,
  AWS_NETWORK_FIREWALL_TLS,
  columnsOf,
} from '../../lambda/formats';
import { checkCoordinates, producerOutputs, type ProducerDefinition } from '../../lib/producer';
import {
  FIXTURE_PRODUCERS,
  type TerraformJson,
  addressOf,
  resourceNamed,
  resourcesOf,
  synthIngestion,
} from './azure-test-helpers';

Testing.setupJest();

const DCR = 'azurerm_monitor_data_collection_rule';
const ROLE = 'azurerm_role_assignment';
const ALERT = 'azurerm_monitor_scheduled_query_rules_alert_v2';
const TABLE_UPDATE = 'azapi_update_resource';

const FIREWALL: ProducerDefinition = {
  name: 'firewall',
  bucket: { kind: 'new' },
  format: 'networkfirewall',
};
const OUTPUTS = [
  { key: 'alert', table: AWS_NETWORK_FIREWALL_ALERT, stream: 'Custom-FirewallAlert' },
  { key: 'flow', table: AWS_NETWORK_FIREWALL_FLOW, stream: 'Custom-FirewallFlow' },
  { key: 'tls', table: AWS_NETWORK_FIREWALL_TLS, stream: 'Custom-FirewallTls' },
] as const;

describe('a networkfirewall producer', () => {
  const synthesized = synthIngestion({ producers: [...FIXTURE_PRODUCERS, FIREWALL] });
  const { json, ingestion } = synthesized;

  test('gets one DCR per output, each declaring that output’s stream and writing to its built-in table', () => {
    for (const { key, table, stream } of OUTPUTS) {
      const dcr = resourceNamed(json, DCR, `s3-to-sentinel-firewall-${key}`);
      const declared = dcr.stream_declaration as { stream_name: string; column: { name: string }[] }[];
      expect(declared.map((d) => d.stream_name)).toStrictEqual([stream]);
      expect(declared[0].column.map((c) => c.name)).toStrictEqual(
        columnsOf('networkfirewall', key).map((c) => c.name),
      );
      const [flow] = dcr.data_flow as { streams: string[]; output_stream: string; transform_kql: string }[];
      expect(flow.streams).toStrictEqual([stream]);
      expect(flow.output_stream).toBe(table.stream);
      expect(flow.transform_kql).toMatch(/S2SProducer_CF = 'firewall'/);
    }
    expect(Object.keys(ingestion.outputStreams.firewall)).toStrictEqual(['alert', 'flow', 'tls']);
    expect(ingestion.streams.firewall).toBe(ingestion.outputStreams.firewall.alert);
  });

  test('scopes one ingestion role assignment to each of its DCRs', () => {
    const scopes = resourcesOf(json, ROLE)
      .map((r) => r.scope)
      .filter((scope) => String(scope).includes('firewall'));
    expect(scopes.sort()).toStrictEqual(
      OUTPUTS.map(({ key }) => `\${${addressOf(json, DCR, `s3-to-sentinel-firewall-${key}`)}.id}`).sort(),
    );
    expect(ingestion.shardRoleAssignments.firewall).toHaveLength(3);
  });

  test('adds the _CF columns to each of the three tables', () => {
    const updated = resourcesOf(json, TABLE_UPDATE).map((r) => String(r.resource_id));
    for (const { table } of OUTPUTS) {
      expect(updated.filter((id) => id.endsWith(`/tables/${table.name}`))).toHaveLength(1);
    }
  });

  test('has one DCR error alert per DCR and one no-data alert over the union of its tables', () => {
    const names = resourcesOf(json, ALERT).map((r) => String(r.name));
    expect(names.filter((n) => n.startsWith('s3-to-sentinel-firewall')).sort()).toStrictEqual([
      's3-to-sentinel-firewall-alert-dcr-errors',
      's3-to-sentinel-firewall-flow-dcr-errors',
      's3-to-sentinel-firewall-no-data',
      's3-to-sentinel-firewall-tls-dcr-errors',
    ]);
    const noData = resourceNamed(json, ALERT, 's3-to-sentinel-firewall-no-data');
    const [criterion] = noData.criteria as { query: string }[];
    expect(criterion.query).toMatch(
      /^union AWSNetworkFirewallAlert, AWSNetworkFirewallFlow, AWSNetworkFirewallTls\n\| where column_ifexists\('S2SProducer_CF', 'firewall'\) == 'firewall'\n/,
    );
    expect((noData.depends_on as string[]).length).toBe(3);
  });

  test('outputs per-output coordinates that the AWS app accepts, the first output’s at the top', () => {
    new TerraformOutput(synthesized.stack, 'probe', { value: ingestion.coordinates });
    const out = JSON.parse(Testing.synth(synthesized.stack)) as TerraformJson;
    const coordinates = out.output?.probe.value as {
      producers: Record<
        string,
        { dcrImmutableId: string; streamName: string; outputs?: Record<string, unknown> }
      >;
    };
    const firewall = coordinates.producers.firewall;
    expect(firewall.streamName).toBe('Custom-FirewallAlert');
    expect(Object.keys(firewall.outputs ?? {})).toStrictEqual(['alert', 'flow', 'tls']);
    expect(firewall.outputs?.flow).toStrictEqual({
      dcrImmutableId: `\${${addressOf(json, DCR, 's3-to-sentinel-firewall-flow')}.immutable_id}`,
      streamName: 'Custom-FirewallFlow',
    });
    // Single-output producers' coordinates have no outputs.
    expect(coordinates.producers['app-logs'].outputs).toBeUndefined();
  });

  test('with destination custom, writes each output to a typed table of its own', () => {
    const custom = synthIngestion({
      producers: [{ ...FIREWALL, table: { destination: 'custom' } }],
    });
    const tables = resourcesOf(custom.json, 'azurerm_log_analytics_workspace_table_custom_log').map(
      (t) => t.name,
    );
    expect(tables.sort()).toStrictEqual(['FirewallAlert_CL', 'FirewallFlow_CL', 'FirewallTls_CL']);
    expect(
      producerOutputs({ ...FIREWALL, table: { destination: 'custom' } })?.map((o) => o.streamName),
    ).toStrictEqual(['Custom-FirewallAlert', 'Custom-FirewallFlow', 'Custom-FirewallTls']);
  });
});

describe('coordinates with outputs', () => {
  const base = {
    tenantId: 't',
    clientId: 'c',
    logsIngestionEndpoint: 'https://dce.example',
  };
  test('are checked output by output, naming the field', () => {
    expect(() =>
      checkCoordinates(
        {
          ...base,
          producers: {
            firewall: {
              dcrImmutableId: 'dcr-1',
              streamName: 'Custom-FirewallAlert',
              outputs: {
                alert: { dcrImmutableId: 'dcr-1', streamName: 'Custom-FirewallAlert' },
                flow: { streamName: 'x' },
              },
            },
          },
        },
        'azure-outputs.json',
      ),
    ).toThrow('azure-outputs.json: `producers.firewall.outputs.flow` needs dcrImmutableId and streamName');
  });
});

describe('a format: auto producer (a whole log-archive bucket)', () => {
  const ARCHIVE: ProducerDefinition = {
    name: 'archive',
    bucket: { kind: 'new' },
    format: 'auto',
    routes: [{ match: '^s3-access/', format: 's3access' }],
  };
  const { json, ingestion } = synthIngestion({ producers: [ARCHIVE] });
  const outputs = producerOutputs(ARCHIVE)!;

  test('gets a stream and DCR for every format its routes and the default ones reach, and the catch-all', () => {
    const keys = outputs.map((o) => o.key);
    expect(keys[0]).toBe('s3access');
    expect(keys).toEqual(
      expect.arrayContaining([
        'cloudtrail',
        'vpcflow',
        'alb',
        'nlb',
        'clb',
        'networkfirewall.alert',
        'unrouted',
      ]),
    );
    expect(keys.at(-1)).toBe('unrouted');
    const dcrNames = resourcesOf(json, DCR).map((r) => String(r.name));
    expect(dcrNames.sort()).toStrictEqual(outputs.map((o) => `s3-to-sentinel-archive-${o.slug}`).sort());
    expect(dcrNames).toContain('s3-to-sentinel-archive-networkfirewall-alert');
    expect(Object.keys(ingestion.outputStreams.archive)).toStrictEqual(keys);
  });

  test('writes to the built-in table of each format that has one, and to custom tables otherwise', () => {
    const flows = Object.fromEntries(
      outputs.map((o) => {
        const [flow] = resourceNamed(json, DCR, `s3-to-sentinel-archive-${o.slug}`).data_flow as {
          output_stream: string;
        }[];
        return [o.key, flow.output_stream];
      }),
    );
    expect(flows).toMatchObject({
      cloudtrail: 'Microsoft-AWSCloudTrail',
      s3access: 'Microsoft-AWSS3ServerAccess',
      'networkfirewall.tls': 'Microsoft-AWSNetworkFirewallTls',
      clb: 'Custom-ArchiveClb_CL',
      cloudfront: 'Custom-ArchiveCloudfront_CL',
      unrouted: 'Custom-ArchiveUnrouted_CL',
    });
    const tables = resourcesOf(json, 'azurerm_log_analytics_workspace_table_custom_log').map((t) => t.name);
    expect(tables.sort()).toStrictEqual(['ArchiveClb_CL', 'ArchiveCloudfront_CL', 'ArchiveUnrouted_CL']);
  });

  test('stays within Azure’s limits per DCR: 10 streams and data flows, a 15,360-character transform, 64 KB', () => {
    // Azure Monitor service limits for data collection rules.
    for (const dcr of resourcesOf(json, DCR)) {
      expect((dcr.stream_declaration as unknown[]).length).toBeLessThanOrEqual(10);
      const flows = dcr.data_flow as { transform_kql: string }[];
      expect(flows.length).toBeLessThanOrEqual(10);
      for (const flow of flows) expect(flow.transform_kql.length).toBeLessThanOrEqual(15_360);
      expect(Buffer.byteLength(JSON.stringify(dcr))).toBeLessThan(64 * 1024);
    }
  });
});

describe('limits of a producer with several streams (review of issue 13)', () => {
  test('on the Auxiliary plan, an auto producer’s custom tables are checked for columns the plan cannot hold', () => {
    expect(() =>
      synthIngestion({
        producers: [
          {
            name: 'org',
            bucket: { kind: 'new' },
            format: 'auto',
            table: { plan: 'Auxiliary', totalRetentionInDays: 365 },
          },
        ],
      }),
    ).toThrow(/table OrgClb_CL, format auto.*dynamic/);
  });

  test('a DCR name past Azure’s 64 characters is refused at synth, naming it and the fix', () => {
    const synth = (name: string) => () =>
      synthIngestion({
        namePrefix: 'a-rather-long-prefix-xyz',
        producers: [{ name, bucket: { kind: 'new' }, format: 'auto' }],
      });
    // 24 + 1 + 18 + 1 + 21 (networkfirewall-alert) = 65
    expect(synth('org-log-archive-eu')).toThrow(
      'producer "org-log-archive-eu": the DCR of its output networkfirewall.alert would be named ' +
        'a-rather-long-prefix-xyz-org-log-archive-eu-networkfirewall-alert (65 characters); Azure allows 64: ' +
        "shorten `namePrefix` or the producer's name",
    );
    // one character less fits
    expect(synth('org-log-archive-e')).not.toThrow();
  });
});
