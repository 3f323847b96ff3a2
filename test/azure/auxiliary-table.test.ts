// A producer on the Auxiliary plan: azurerm's custom-log table cannot set that plan, so its table is
// an azapi_resource on the Log Analytics Tables API; everything downstream (DCR, role) is unchanged.
import { TerraformStack, Testing } from 'cdktf';
import { columnsOf } from '../../lambda/formats';
import {
  AUXILIARY_TABLES_API,
  AZAPI_PROVIDER_SOURCE,
  AZAPI_VERSION_CONSTRAINT,
  AzureProviders,
  SentinelIngestion,
  TABLE_COLUMN_TYPES,
} from '../../lib/azure';
import { streamName, tableName, type ProducerDefinition } from '../../lib/producer';
import {
  FIXTURE_PRODUCERS,
  type TerraformJson,
  addressOf,
  resourceNamed,
  resourcesOf,
  synthIngestion,
} from './azure-test-helpers';

const EXISTING_WORKSPACE =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/sec/providers/Microsoft.OperationalInsights/workspaces/sentinel';

const AUX: ProducerDefinition = {
  name: 'aux-lines',
  bucket: { kind: 'new' },
  format: 'text',
  table: { name: 'AuxLines', plan: 'Auxiliary', totalRetentionInDays: 365 },
};

interface AuxiliaryBody {
  readonly properties: {
    readonly plan: string;
    readonly totalRetentionInDays?: number;
    readonly retentionInDays?: number;
    readonly schema: {
      readonly name: string;
      readonly description: string;
      readonly columns: { name: string; type: string; description?: string }[];
    };
  };
}

function auxiliaryTable(json: TerraformJson, name = 'AuxLines_CL'): Record<string, unknown> {
  return resourceNamed(json, 'azapi_resource', name);
}

describe('a producer on the Auxiliary plan', () => {
  const producers = [...FIXTURE_PRODUCERS, AUX];

  test('gets an azapi_resource table on the Tables API version that accepts the plan', () => {
    // WHEN
    const { json } = synthIngestion({ producers });
    // THEN
    const table = auxiliaryTable(json);
    expect(table.type).toBe('Microsoft.OperationalInsights/workspaces/tables@2025-07-01');
    expect(AUXILIARY_TABLES_API).toBe(table.type);
    expect(table.name).toBe(tableName(AUX));
    const body = table.body as AuxiliaryBody;
    expect(body.properties.plan).toBe('Auxiliary');
    expect(body.properties.schema.name).toBe('AuxLines_CL');
    expect(body.properties.schema.description).toContain('producer aux-lines (format text)');
    // Interactive retention is not settable on this plan.
    expect(body.properties).not.toHaveProperty('retentionInDays');
  });

  test('the table’s parent is the new workspace', () => {
    // WHEN
    const { json } = synthIngestion({ producers });
    // THEN
    const workspace = addressOf(json, 'azurerm_log_analytics_workspace', 's3-to-sentinel-law');
    expect(auxiliaryTable(json).parent_id).toBe(`\${${workspace}.id}`);
  });

  test('the table’s parent is an existing workspace by resource id', () => {
    // WHEN
    const { json } = synthIngestion({
      producers,
      workspace: { kind: 'existing', resourceId: EXISTING_WORKSPACE },
    });
    // THEN
    expect(auxiliaryTable(json).parent_id).toBe(EXISTING_WORKSPACE);
  });

  test('the table’s columns are the format’s columns, names, types (table spelling) and descriptions', () => {
    // WHEN
    const { json } = synthIngestion({ producers });
    // THEN
    const columns = (auxiliaryTable(json).body as AuxiliaryBody).properties.schema.columns;
    expect(columns).toEqual(
      columnsOf('text').map((c) => ({
        name: c.name,
        type: TABLE_COLUMN_TYPES[c.type],
        description: c.description,
      })),
    );
    expect(columns[0]).toMatchObject({ name: 'TimeGenerated', type: 'dateTime' });
  });

  test('the table carries the total retention the producer asks for', () => {
    // WHEN
    const { json } = synthIngestion({
      producers: [{ ...AUX, table: { ...AUX.table, totalRetentionInDays: 1095 } }],
    });
    // THEN
    expect((auxiliaryTable(json).body as AuxiliaryBody).properties.totalRetentionInDays).toBe(1095);
  });

  test('schema validation is off (the api-version postdates some azapi 2.x) and nothing is exported', () => {
    // WHEN
    const { json } = synthIngestion({ producers });
    // THEN
    const table = auxiliaryTable(json);
    expect(table.schema_validation_enabled).toBe(false);
    expect(table.response_export_values).toEqual([]);
  });

  test('has no azurerm custom-log table; the other producers keep theirs', () => {
    // WHEN
    const { json } = synthIngestion({ producers });
    // THEN
    const customLogs = resourcesOf(json, 'azurerm_log_analytics_workspace_table_custom_log');
    expect(customLogs.map((t) => t.name).sort()).toEqual(FIXTURE_PRODUCERS.map((p) => tableName(p)).sort());
    expect(resourcesOf(json, 'azapi_resource')).toHaveLength(1);
  });

  test('its DCR declares the same stream, writes to Custom-<Name>_CL and depends on the azapi table', () => {
    // WHEN
    const { json } = synthIngestion({ producers });
    // THEN
    const dcr = resourceNamed(json, 'azurerm_monitor_data_collection_rule', 's3-to-sentinel-aux-lines');
    const [declaration] = dcr.stream_declaration as { stream_name: string; column: unknown[] }[];
    expect(declaration.stream_name).toBe(streamName(AUX));
    expect(dcr.data_flow).toEqual([
      expect.objectContaining({
        streams: [streamName(AUX)],
        output_stream: 'Custom-AuxLines_CL',
        transform_kql: 'source',
      }),
    ]);
    expect(dcr.depends_on).toEqual([addressOf(json, 'azapi_resource', 'AuxLines_CL')]);
  });

  test('gets the ingestion role and coordinates like any producer, but no no-data alert', () => {
    // WHEN
    const { json, ingestion } = synthIngestion({ producers });
    // THEN
    expect(Object.keys(ingestion.roleAssignments)).toContain('aux-lines');
    expect(ingestion.coordinates.producers['aux-lines'].streamName).toBe(streamName(AUX));
    expect(Object.keys(ingestion.alerts)).toEqual(FIXTURE_PRODUCERS.map((p) => p.name));
    const alerts = resourcesOf(json, 'azurerm_monitor_scheduled_query_rules_alert_v2');
    expect(alerts.map((a) => a.name)).not.toContain('s3-to-sentinel-aux-lines-no-data');
  });

  test('keeps the DCR error alert: DCRLogErrors is an Analytics table whatever the producer plan', () => {
    // WHEN
    const { json, ingestion } = synthIngestion({ producers });
    // THEN
    expect(Object.keys(ingestion.errorAlerts)).toContain('aux-lines');
    const dcr = addressOf(json, 'azurerm_monitor_data_collection_rule', 's3-to-sentinel-aux-lines');
    const alert = resourceNamed(
      json,
      'azurerm_monitor_scheduled_query_rules_alert_v2',
      's3-to-sentinel-aux-lines-dcr-errors',
    );
    expect((alert.criteria as Record<string, string>[])[0].query).toBe(
      `DCRLogErrors | where _ResourceId =~ "\${${dcr}.id}"`,
    );
  });

  test('required_providers pins azapi from Azure/azapi, and a default azapi provider is declared', () => {
    // WHEN
    const { json } = synthIngestion({ producers });
    // THEN
    expect(json.terraform.required_providers.azapi).toEqual({
      source: AZAPI_PROVIDER_SOURCE,
      version: AZAPI_VERSION_CONSTRAINT,
    });
    expect(AZAPI_PROVIDER_SOURCE).toBe('Azure/azapi');
    expect(AZAPI_VERSION_CONSTRAINT).toBe('~> 2.5');
    expect(json.provider?.azapi).toEqual([{}]);
    expect(auxiliaryTable(json).provider).toBe('azapi');
  });

  test('uses the stack’s own azapi provider from AzureProviders instead of adding one', () => {
    // GIVEN
    const stack = new TerraformStack(Testing.app(), 'own-azapi');
    new AzureProviders(stack, 'Providers', { azapi: true, tenantId: '11111111-1111-1111-1111-111111111111' });
    new SentinelIngestion(stack, 'Sentinel', { location: 'westeurope', producers });
    // WHEN
    const json = JSON.parse(Testing.synth(stack)) as TerraformJson;
    // THEN
    expect(json.provider?.azapi).toEqual([{ tenant_id: '11111111-1111-1111-1111-111111111111' }]);
  });
});

describe('without an Auxiliary producer', () => {
  test('there is no azapi resource, provider or required provider', () => {
    // WHEN
    const { json } = synthIngestion();
    // THEN
    expect(resourcesOf(json, 'azapi_resource')).toHaveLength(0);
    expect(json.provider).not.toHaveProperty('azapi');
    expect(json.terraform.required_providers).not.toHaveProperty('azapi');
  });
});
