import { TerraformOutput, TerraformStack, Testing } from 'cdktf';
import { AzureProviders, INGESTION_ROLE, ProducerStream } from '../../lib/azure';
import {
  checkCoordinates,
  dcrImmutableIdsOf,
  type AzureCoordinates,
  type ProducerDefinition,
} from '../../lib/producer';
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
const DIAGNOSTICS = 'azurerm_monitor_diagnostic_setting';
const ROLE = 'azurerm_role_assignment';
const ALERT = 'azurerm_monitor_scheduled_query_rules_alert_v2';

/** The fixture producers with `app-logs` (table `Apps_CL`, its own transform) on `shards` DCRs. */
function withShards(shards: number | undefined, name = 'app-logs'): ProducerDefinition[] {
  return FIXTURE_PRODUCERS.map((p) => (p.name === name ? { ...p, shards } : p));
}

/** `${<dcr address>.<attribute>}` of the DCR named `name`. */
function dcrRef(json: TerraformJson, name: string, attribute: string): string {
  return `\${${addressOf(json, DCR, name)}.${attribute}}`;
}

/** The synthesized value of `value` (a construct's Terraform references), through an output. */
function probe(value: unknown, synthesized: ReturnType<typeof synthIngestion>): unknown {
  new TerraformOutput(synthesized.stack, 'probe', { value });
  return (JSON.parse(Testing.synth(synthesized.stack)) as TerraformJson).output?.probe.value;
}

const NAMES = ['s3-to-sentinel-app-logs', 's3-to-sentinel-app-logs-2', 's3-to-sentinel-app-logs-3'];

describe('a producer with shards: 3', () => {
  const synthesized = synthIngestion({ producers: withShards(3) });
  const { json, ingestion } = synthesized;
  const dcrs = NAMES.map((name) => resourceNamed(json, DCR, name));

  test('gets three DCRs, shard 1 named as before and shards 2 and 3 suffixed', () => {
    // THEN: three for app-logs, one each for the other fixture producers
    expect(resourcesOf(json, DCR)).toHaveLength(3 + FIXTURE_PRODUCERS.length - 1);
    expect(ingestion.streams['app-logs'].shards.map((s) => s.shard)).toEqual([1, 2, 3]);
    expect(ingestion.streams['app-logs'].dataCollectionRule).toBe(
      ingestion.streams['app-logs'].shards[0].dataCollectionRule,
    );
  });

  test('declares the same stream and data flow (output table, transform) on every DCR', () => {
    // THEN
    const [first, ...others] = dcrs;
    expect(first.data_flow).toEqual([
      {
        streams: ['Custom-Apps'],
        destinations: ['workspace'],
        output_stream: 'Custom-Apps_CL',
        transform_kql: 'source | where isnotnull(Record)',
      },
    ]);
    for (const dcr of others) {
      expect(dcr.stream_declaration).toEqual(first.stream_declaration);
      expect(dcr.data_flow).toEqual(first.data_flow);
      expect(dcr.destinations).toEqual(first.destinations);
      expect(dcr.data_collection_endpoint_id).toEqual(first.data_collection_endpoint_id);
      // Each waits for the one table they all write to.
      expect(dcr.depends_on).toEqual(first.depends_on);
    }
  });

  test('gives every DCR its own ingestion role assignment, scoped to that DCR alone', () => {
    // THEN
    const roles = resourcesOf(json, ROLE).filter((r) =>
      NAMES.some((name) => r.scope === dcrRef(json, name, 'id')),
    );
    expect(roles).toHaveLength(3);
    expect(roles.map((r) => r.scope).sort()).toEqual(NAMES.map((name) => dcrRef(json, name, 'id')).sort());
    for (const role of roles) {
      expect(role.role_definition_name).toBe(INGESTION_ROLE);
      expect(role.principal_id).toBe(roles[0].principal_id);
    }
    expect(ingestion.shardRoleAssignments['app-logs']).toHaveLength(3);
    expect(ingestion.roleAssignments['app-logs']).toBe(ingestion.shardRoleAssignments['app-logs'][0]);
  });

  test('sends every DCR’s errors to the workspace and alerts on each DCR’s own errors', () => {
    // THEN
    for (const [index, name] of NAMES.entries()) {
      const settings = resourcesOf(json, DIAGNOSTICS).filter(
        (d) => d.target_resource_id === dcrRef(json, name, 'id'),
      );
      expect(settings).toHaveLength(1);
      expect(settings[0]).toMatchObject({
        name: 'dcr-errors-to-workspace',
        log_analytics_destination_type: 'Dedicated',
        enabled_log: [{ category: 'LogErrors' }],
      });
      const alertName = `s3-to-sentinel-app-logs${index === 0 ? '' : `-${index + 1}`}-dcr-errors`;
      const alert = resourceNamed(json, ALERT, alertName);
      expect((alert.criteria as { query: string }[])[0].query).toBe(
        `DCRLogErrors | where _ResourceId =~ "${dcrRef(json, name, 'id')}"`,
      );
    }
    expect(ingestion.shardErrorAlerts['app-logs']).toHaveLength(3);
    expect(ingestion.errorAlerts['app-logs']).toBe(ingestion.shardErrorAlerts['app-logs'][0]);
  });

  test('still gets one table and one no-data alert', () => {
    // THEN
    expect(
      resourcesOf(json, 'azurerm_log_analytics_workspace_table_custom_log').filter(
        (t) => t.name === 'Apps_CL',
      ),
    ).toHaveLength(1);
    expect(resourcesOf(json, ALERT).filter((a) => String(a.name).endsWith('-app-logs-no-data'))).toHaveLength(
      1,
    );
  });

  test('lists every DCR immutable id in its coordinates, shard 1 first, and none for one-DCR producers', () => {
    // WHEN
    const coordinates = probe(ingestion.coordinates, synthesized) as AzureCoordinates;
    // THEN
    const ids = NAMES.map((name) => dcrRef(json, name, 'immutable_id'));
    expect(coordinates.producers['app-logs']).toMatchObject({
      dcrImmutableId: ids[0],
      dcrImmutableIds: ids,
      streamName: 'Custom-Apps',
    });
    expect(coordinates.producers.trail.dcrImmutableIds).toBeUndefined();
    expect(coordinates.producers.lines.dcrImmutableIds).toBeUndefined();
    // The published shape passes the AWS side's check (the endpoint is an https URL once deployed).
    const deployed = {
      ...coordinates,
      logsIngestionEndpoint: 'https://dce.westeurope-1.ingest.monitor.azure.com',
    };
    expect(dcrImmutableIdsOf(checkCoordinates(deployed, 'test').producers['app-logs'])).toEqual(ids);
  });
});

describe('adding shards to a deployed producer', () => {
  test('leaves every resource of the one-DCR synthesis as it was (no DCR, role or alert replaced)', () => {
    // GIVEN
    const before = synthIngestion({ producers: withShards(undefined) }).json;
    // WHEN
    const after = synthIngestion({ producers: withShards(4) }).json;
    // THEN: every address of before is in after with the same body; after only adds
    for (const [type, resources] of Object.entries(before.resource)) {
      for (const [logicalId, body] of Object.entries(resources)) {
        expect([type, logicalId, after.resource[type]?.[logicalId]]).toEqual([type, logicalId, body]);
      }
    }
    const added = (type: string) =>
      Object.keys(after.resource[type] ?? {}).length - Object.keys(before.resource[type] ?? {}).length;
    expect([DCR, DIAGNOSTICS, ROLE, ALERT].map(added)).toEqual([3, 3, 3, 3]);
  });

  test('shards: 1 synthesizes exactly what an omitted shards does', () => {
    // WHEN
    const omitted = synthIngestion({ producers: withShards(undefined) }).json;
    const one = synthIngestion({ producers: withShards(1) }).json;
    // THEN
    expect(one).toEqual(omitted);
  });
});

describe('a built-in destination with shards: 2', () => {
  const producer: ProducerDefinition = {
    name: 'org-trail',
    bucket: { kind: 'new' },
    format: 'cloudtrail',
    shards: 2,
    table: { transformKql: "source | where eventSource != 'kms.amazonaws.com'" },
  };
  const { json } = synthIngestion({ producers: [producer] });

  test('writes both DCRs to the built-in table with the same transform, after its one column update', () => {
    // THEN
    const [first, second] = ['s3-to-sentinel-org-trail', 's3-to-sentinel-org-trail-2'].map((name) =>
      resourceNamed(json, DCR, name),
    );
    const flow = (first.data_flow as Record<string, unknown>[])[0];
    expect(flow.output_stream).toBe('Microsoft-AWSCloudTrail');
    expect(String(flow.transform_kql)).toContain("S2SProducer_CF = 'org-trail'");
    expect(second.data_flow).toEqual(first.data_flow);
    expect(second.stream_declaration).toEqual(first.stream_declaration);
    expect(second.depends_on).toEqual(first.depends_on);
    expect(resourcesOf(json, 'azapi_update_resource')).toHaveLength(1);
    expect(resourcesOf(json, ROLE)).toHaveLength(2);
  });
});

describe('shards with per-producer identities', () => {
  test("scope each DCR's role assignment to the producer's own principal", () => {
    // WHEN
    const synthesized = synthIngestion({
      producers: withShards(2),
      identity: { mode: 'application', perProducer: true },
    });
    const { json, ingestion } = synthesized;
    // THEN
    const principal = probe(ingestion.identity.principalOf('app-logs').principalId, synthesized);
    const roles = ['s3-to-sentinel-app-logs', 's3-to-sentinel-app-logs-2'].map((name) => {
      const found = resourcesOf(json, ROLE).filter((r) => r.scope === dcrRef(json, name, 'id'));
      expect(found).toHaveLength(1);
      return found[0];
    });
    expect(roles.map((r) => r.principal_id)).toEqual([principal, principal]);
  });
});

describe('with alerting disabled', () => {
  test('no DCR of any shard gets an error alert', () => {
    // WHEN
    const { json, ingestion } = synthIngestion({ producers: withShards(3), alerting: { enabled: false } });
    // THEN
    expect(resourcesOf(json, ALERT)).toHaveLength(0);
    expect(ingestion.shardErrorAlerts).toEqual({});
    expect(resourcesOf(json, DIAGNOSTICS)).toHaveLength(3 + FIXTURE_PRODUCERS.length - 1);
  });
});

describe('invariants', () => {
  test.each([0, 11, 2.5])('SentinelIngestion fails if shards is %p', (shards) => {
    expect(() => synthIngestion({ producers: withShards(shards) })).toThrow(
      /producer "app-logs": `shards` \(.+\) must be a whole number from 1 to 10 DCRs/,
    );
  });

  test('ProducerStream on its own fails if shards is out of range', () => {
    // GIVEN
    const stack = new TerraformStack(Testing.app(), 'alone');
    new AzureProviders(stack, 'Providers', {});
    // THEN
    expect(
      () =>
        new ProducerStream(stack, 'Stream', {
          producer: { ...FIXTURE_PRODUCERS[1], shards: 0 },
          columns: [],
          workspaceResourceId: 'ws',
          dataCollectionEndpointId: 'dce',
          resourceGroupName: 'rg',
          location: 'westeurope',
          namePrefix: 's3-to-sentinel',
        }),
    ).toThrow('producer "app-logs": `shards` (0) must be a whole number from 1 to 10 DCRs');
  });

  test('the longest DCR name (24-character prefix, 32-character producer, shard 10) fits in 64', () => {
    // GIVEN
    const name = `p${'x'.repeat(31)}`;
    const producer: ProducerDefinition = {
      name,
      bucket: { kind: 'new' },
      format: 'text',
      shards: 10,
      table: { name: 'Long' },
    };
    // WHEN
    const { json } = synthIngestion({ producers: [producer], namePrefix: `a${'b'.repeat(23)}` });
    // THEN
    const longest = resourceNamed(json, DCR, `a${'b'.repeat(23)}-${name}-10`);
    expect(String(longest.name).length).toBeLessThanOrEqual(64);
  });
});
