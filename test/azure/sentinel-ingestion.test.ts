import { LogAnalyticsWorkspace } from '@cdktf/provider-azurerm/lib/log-analytics-workspace';
import { LogAnalyticsWorkspaceTableCustomLog } from '@cdktf/provider-azurerm/lib/log-analytics-workspace-table-custom-log';
import { MonitorActionGroup } from '@cdktf/provider-azurerm/lib/monitor-action-group';
import { MonitorDataCollectionEndpoint } from '@cdktf/provider-azurerm/lib/monitor-data-collection-endpoint';
import { MonitorDiagnosticSetting } from '@cdktf/provider-azurerm/lib/monitor-diagnostic-setting';
import { MonitorScheduledQueryRulesAlertV2 } from '@cdktf/provider-azurerm/lib/monitor-scheduled-query-rules-alert-v2';
import { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { SentinelLogAnalyticsWorkspaceOnboarding } from '@cdktf/provider-azurerm/lib/sentinel-log-analytics-workspace-onboarding';
import { TerraformOutput, TerraformStack, Testing } from 'cdktf';
import { columnsOf, type FormatName } from '../../lambda/formats';
import { AzureProviders, INGESTION_ROLE, TABLE_COLUMN_TYPES } from '../../lib/azure';
import { streamName, tableName } from '../../lib/producer';
import {
  FIXTURE_PRODUCERS,
  type TerraformJson,
  addressOf,
  resourceNamed,
  resourcesOf,
  synthIngestion,
} from './azure-test-helpers';

Testing.setupJest();

const EXISTING_WORKSPACE =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/sec/providers/Microsoft.OperationalInsights/workspaces/sentinel';

describe('resource group', () => {
  test('is created as <namePrefix> in the location by default', () => {
    // WHEN
    const { text } = synthIngestion({ namePrefix: 'acme-s2s', location: 'northeurope' });
    // THEN
    expect(text).toHaveResourceWithProperties(ResourceGroup, { name: 'acme-s2s', location: 'northeurope' });
  });

  test('is only referenced when it exists already', () => {
    // WHEN
    const { json } = synthIngestion({ resourceGroup: { name: 'security-rg', existing: true } });
    // THEN
    expect(resourcesOf(json, 'azurerm_resource_group')).toHaveLength(0);
    const dce = resourcesOf(json, 'azurerm_monitor_data_collection_endpoint')[0];
    expect(dce.resource_group_name).toBe('security-rg');
  });

  test('orders every resource inside it after it by referencing its name', () => {
    // WHEN
    const { json } = synthIngestion();
    // THEN
    const rg = addressOf(json, 'azurerm_resource_group', 's3-to-sentinel');
    for (const dcr of resourcesOf(json, 'azurerm_monitor_data_collection_rule')) {
      expect(dcr.resource_group_name).toBe(`\${${rg}.name}`);
    }
  });
});

describe('workspace', () => {
  test('is new by default: PerGB2018, 90 days, shared keys off, Sentinel onboarded', () => {
    // WHEN
    const { text, json } = synthIngestion();
    // THEN
    expect(text).toHaveResourceWithProperties(LogAnalyticsWorkspace, {
      name: 's3-to-sentinel-law',
      sku: 'PerGB2018',
      retention_in_days: 90,
      local_authentication_enabled: false,
    });
    expect(resourcesOf(json, 'azurerm_log_analytics_workspace')[0]).not.toHaveProperty('daily_quota_gb');
    const workspace = addressOf(json, 'azurerm_log_analytics_workspace', 's3-to-sentinel-law');
    expect(text).toHaveResourceWithProperties(SentinelLogAnalyticsWorkspaceOnboarding, {
      workspace_id: `\${${workspace}.id}`,
    });
  });

  test('takes name, retention and daily cap', () => {
    // WHEN
    const { text } = synthIngestion({
      workspace: { kind: 'new', name: 'soc-law', retentionInDays: 180, dailyQuotaGb: 50 },
    });
    // THEN
    expect(text).toHaveResourceWithProperties(LogAnalyticsWorkspace, {
      name: 'soc-law',
      retention_in_days: 180,
      daily_quota_gb: 50,
    });
  });

  test('an existing one is referenced by id everywhere and not onboarded again by default', () => {
    // WHEN
    const { json } = synthIngestion({ workspace: { kind: 'existing', resourceId: EXISTING_WORKSPACE } });
    // THEN
    expect(resourcesOf(json, 'azurerm_log_analytics_workspace')).toHaveLength(0);
    expect(resourcesOf(json, 'azurerm_sentinel_log_analytics_workspace_onboarding')).toHaveLength(0);
    for (const table of resourcesOf(json, 'azurerm_log_analytics_workspace_table_custom_log')) {
      expect(table.workspace_id).toBe(EXISTING_WORKSPACE);
    }
    for (const dcr of resourcesOf(json, 'azurerm_monitor_data_collection_rule')) {
      expect(dcr.destinations).toEqual({
        log_analytics: [{ name: 'workspace', workspace_resource_id: EXISTING_WORKSPACE }],
      });
    }
    for (const alert of resourcesOf(json, 'azurerm_monitor_scheduled_query_rules_alert_v2')) {
      expect(alert.scopes).toEqual([EXISTING_WORKSPACE]);
    }
  });

  test('an existing one is onboarded when asked', () => {
    // WHEN
    const { text } = synthIngestion({
      workspace: { kind: 'existing', resourceId: EXISTING_WORKSPACE, onboardSentinel: true },
    });
    // THEN
    expect(text).toHaveResourceWithProperties(SentinelLogAnalyticsWorkspaceOnboarding, {
      workspace_id: EXISTING_WORKSPACE,
    });
  });
});

describe('data collection endpoint', () => {
  test('one, named <namePrefix>-dce, reachable by the forwarder over the internet', () => {
    // WHEN
    const { text, json } = synthIngestion();
    // THEN
    expect(resourcesOf(json, 'azurerm_monitor_data_collection_endpoint')).toHaveLength(1);
    expect(text).toHaveResourceWithProperties(MonitorDataCollectionEndpoint, {
      name: 's3-to-sentinel-dce',
      location: 'westeurope',
      public_network_access_enabled: true,
    });
  });

  test('can be closed to public networks (ingestion then needs a private link scope)', () => {
    // WHEN
    const { text } = synthIngestion({ publicNetworkAccess: false });
    // THEN
    expect(text).toHaveResourceWithProperties(MonitorDataCollectionEndpoint, {
      name: 's3-to-sentinel-dce',
      public_network_access_enabled: false,
    });
  });
});

describe('per producer', () => {
  test.each(FIXTURE_PRODUCERS.map((p) => [p.name, p] as const))(
    '%s: a custom table with its plan and retention',
    (_, producer) => {
      // WHEN
      const { json } = synthIngestion();
      // THEN
      const table = resourceNamed(
        json,
        'azurerm_log_analytics_workspace_table_custom_log',
        tableName(producer),
      );
      expect(table.plan).toBe(producer.table?.plan ?? 'Analytics');
      expect(table.retention_in_days).toBe(producer.table?.retentionInDays);
      expect(table.total_retention_in_days).toBe(producer.table?.totalRetentionInDays);
      expect(table.column).toEqual(
        columnsOf(producer.format as FormatName).map((c) => ({
          name: c.name,
          type: TABLE_COLUMN_TYPES[c.type],
          ...(c.description === undefined ? {} : { description: c.description }),
        })),
      );
    },
  );

  test('the table plan defaults to Analytics with the workspace retention', () => {
    // WHEN
    const { text, json } = synthIngestion();
    // THEN
    expect(text).toHaveResourceWithProperties(LogAnalyticsWorkspaceTableCustomLog, {
      name: 'Lines_CL',
      plan: 'Analytics',
    });
    const table = resourceNamed(json, 'azurerm_log_analytics_workspace_table_custom_log', 'Lines_CL');
    expect(table).not.toHaveProperty('retention_in_days');
    expect(table).not.toHaveProperty('total_retention_in_days');
  });

  test.each(FIXTURE_PRODUCERS.map((p) => [p.name, p] as const))(
    '%s: a DCR on the endpoint, stream Custom-<Name> into Custom-<Name>_CL, after its table',
    (_, producer) => {
      // WHEN
      const { json } = synthIngestion();
      // THEN
      const dcr = resourceNamed(
        json,
        'azurerm_monitor_data_collection_rule',
        `s3-to-sentinel-${producer.name}`,
      );
      const dce = addressOf(json, 'azurerm_monitor_data_collection_endpoint', 's3-to-sentinel-dce');
      expect(dcr.data_collection_endpoint_id).toBe(`\${${dce}.id}`);
      expect(dcr.stream_declaration).toEqual([
        { stream_name: streamName(producer), column: expect.any(Array) },
      ]);
      expect(dcr.data_flow).toEqual([
        {
          streams: [streamName(producer)],
          destinations: ['workspace'],
          output_stream: `Custom-${tableName(producer)}`,
          transform_kql: producer.table?.transformKql ?? 'source',
        },
      ]);
      expect(dcr.depends_on).toEqual([
        addressOf(json, 'azurerm_log_analytics_workspace_table_custom_log', tableName(producer)),
      ]);
    },
  );

  test('the transform defaults to source and is overridable per producer', () => {
    // WHEN
    const { json } = synthIngestion();
    // THEN
    const flows = (name: string) =>
      resourceNamed(json, 'azurerm_monitor_data_collection_rule', name).data_flow;
    expect(flows('s3-to-sentinel-lines')).toMatchObject([{ transform_kql: 'source' }]);
    expect(flows('s3-to-sentinel-app-logs')).toMatchObject([
      { transform_kql: 'source | where isnotnull(Record)' },
    ]);
  });

  test('each DCR sends its error logs (LogErrors) to the workspace, resource-specific', () => {
    // WHEN
    const { text, json } = synthIngestion();
    // THEN
    const settings = resourcesOf(json, 'azurerm_monitor_diagnostic_setting');
    expect(settings).toHaveLength(FIXTURE_PRODUCERS.length);
    const workspace = addressOf(json, 'azurerm_log_analytics_workspace', 's3-to-sentinel-law');
    for (const producer of FIXTURE_PRODUCERS) {
      const dcr = addressOf(json, 'azurerm_monitor_data_collection_rule', `s3-to-sentinel-${producer.name}`);
      expect(text).toHaveResourceWithProperties(MonitorDiagnosticSetting, {
        target_resource_id: `\${${dcr}.id}`,
        log_analytics_workspace_id: `\${${workspace}.id}`,
        log_analytics_destination_type: 'Dedicated',
        enabled_log: [{ category: 'LogErrors' }],
      });
    }
  });

  test('the ingestion role is assigned on each DCR and nowhere else', () => {
    // WHEN
    const { json } = synthIngestion();
    // THEN
    const assignments = resourcesOf(json, 'azurerm_role_assignment');
    const dcrs = FIXTURE_PRODUCERS.map(
      (p) => `\${${addressOf(json, 'azurerm_monitor_data_collection_rule', `s3-to-sentinel-${p.name}`)}.id}`,
    );
    expect(assignments.map((a) => a.scope).sort()).toEqual([...dcrs].sort());
    for (const assignment of assignments) {
      expect(assignment.role_definition_name).toBe(INGESTION_ROLE);
      expect(assignment.role_definition_name).toBe('Monitoring Metrics Publisher');
    }
  });
});

describe('no-data alerts', () => {
  test('one per producer on the workspace: 60 minutes without ingested rows, every 15 minutes, severity 2', () => {
    // WHEN
    const { json } = synthIngestion();
    // THEN
    const workspace = addressOf(json, 'azurerm_log_analytics_workspace', 's3-to-sentinel-law');
    const noData = resourcesOf(json, 'azurerm_monitor_scheduled_query_rules_alert_v2').filter((a) =>
      (a.name as string).endsWith('-no-data'),
    );
    expect(noData).toHaveLength(FIXTURE_PRODUCERS.length);
    for (const producer of FIXTURE_PRODUCERS) {
      const alert = resourceNamed(
        json,
        'azurerm_monitor_scheduled_query_rules_alert_v2',
        `s3-to-sentinel-${producer.name}-no-data`,
      );
      expect(alert).toMatchObject({
        scopes: [`\${${workspace}.id}`],
        window_duration: 'PT1H',
        evaluation_frequency: 'PT15M',
        severity: 2,
        auto_mitigation_enabled: true,
        depends_on: [
          addressOf(json, 'azurerm_log_analytics_workspace_table_custom_log', tableName(producer)),
        ],
      });
      const [criteria] = alert.criteria as Record<string, unknown>[];
      expect(criteria).toMatchObject({
        operator: 'LessThan',
        threshold: 1,
        time_aggregation_method: 'Total',
      });
      expect(criteria.query).toMatch(new RegExp(`^${tableName(producer)}\\n`));
      expect(criteria.query).toContain('ingestion_time() > ago(60m)');
      expect(criteria.query).toContain(`summarize ${criteria.metric_measure_column} = count()`);
      expect(alert).not.toHaveProperty('action');
    }
  });

  test('the period, frequency and severity are configurable', () => {
    // WHEN
    const { json } = synthIngestion({
      alerting: { noDataMinutes: 360, evaluationFrequencyMinutes: 60, severity: 1 },
    });
    // THEN
    const alert = resourceNamed(
      json,
      'azurerm_monitor_scheduled_query_rules_alert_v2',
      's3-to-sentinel-trail-no-data',
    );
    expect(alert).toMatchObject({ window_duration: 'PT6H', evaluation_frequency: 'PT1H', severity: 1 });
    expect((alert.criteria as Record<string, string>[])[0].query).toContain('ago(360m)');
  });

  test('an email adds one action group that every alert notifies', () => {
    // WHEN
    const { text, json } = synthIngestion({ alerting: { email: 'soc@example.com' } });
    // THEN
    expect(resourcesOf(json, 'azurerm_monitor_action_group')).toHaveLength(1);
    expect(text).toHaveResourceWithProperties(MonitorActionGroup, {
      name: 's3-to-sentinel-alerts',
      email_receiver: [{ name: 'operator', email_address: 'soc@example.com', use_common_alert_schema: true }],
    });
    const group = addressOf(json, 'azurerm_monitor_action_group', 's3-to-sentinel-alerts');
    for (const alert of resourcesOf(json, 'azurerm_monitor_scheduled_query_rules_alert_v2')) {
      expect(alert.action).toEqual({ action_groups: [`\${${group}.id}`] });
    }
  });

  test('can be turned off', () => {
    // WHEN
    const { json } = synthIngestion({ alerting: { enabled: false, email: 'soc@example.com' } });
    // THEN
    expect(resourcesOf(json, 'azurerm_monitor_scheduled_query_rules_alert_v2')).toHaveLength(0);
    expect(resourcesOf(json, 'azurerm_monitor_action_group')).toHaveLength(0);
  });
});

describe('DCR error alerts', () => {
  test('one per producer on the workspace: any DCRLogErrors row of its own DCR in 15 minutes, every 5 minutes', () => {
    // WHEN
    const { text, json, ingestion } = synthIngestion();
    // THEN
    const workspace = addressOf(json, 'azurerm_log_analytics_workspace', 's3-to-sentinel-law');
    const rules = resourcesOf(json, 'azurerm_monitor_scheduled_query_rules_alert_v2');
    expect(rules.filter((a) => (a.name as string).endsWith('-dcr-errors'))).toHaveLength(
      FIXTURE_PRODUCERS.length,
    );
    expect(Object.keys(ingestion.errorAlerts)).toEqual(FIXTURE_PRODUCERS.map((p) => p.name));
    for (const producer of FIXTURE_PRODUCERS) {
      const dcr = addressOf(json, 'azurerm_monitor_data_collection_rule', `s3-to-sentinel-${producer.name}`);
      expect(text).toHaveResourceWithProperties(MonitorScheduledQueryRulesAlertV2, {
        name: `s3-to-sentinel-${producer.name}-dcr-errors`,
        scopes: [`\${${workspace}.id}`],
        window_duration: 'PT15M',
        evaluation_frequency: 'PT5M',
        severity: 2,
        auto_mitigation_enabled: true,
        criteria: [
          {
            query: `DCRLogErrors | where _ResourceId =~ "\${${dcr}.id}"`,
            time_aggregation_method: 'Count',
            operator: 'GreaterThan',
            threshold: 0,
            failing_periods: {
              number_of_evaluation_periods: 1,
              minimum_failing_periods_to_trigger_alert: 1,
            },
          },
        ],
      });
      const alert = resourceNamed(
        json,
        'azurerm_monitor_scheduled_query_rules_alert_v2',
        `s3-to-sentinel-${producer.name}-dcr-errors`,
      );
      // Created after the diagnostic setting that feeds DCRLogErrors from this DCR.
      const [setting] = Object.entries(json.resource.azurerm_monitor_diagnostic_setting).filter(
        ([, r]) => r.target_resource_id === `\${${dcr}.id}`,
      );
      expect(alert.depends_on).toEqual([`azurerm_monitor_diagnostic_setting.${setting[0]}`]);
      expect(alert.description).toContain('DCRLogErrors');
      expect(alert.description).toContain('transformKql');
      expect(alert).not.toHaveProperty('action');
    }
  });

  test('takes the alerting severity and notifies the same action group as the no-data alert', () => {
    // WHEN
    const { json } = synthIngestion({ alerting: { severity: 1, email: 'soc@example.com' } });
    // THEN
    const group = addressOf(json, 'azurerm_monitor_action_group', 's3-to-sentinel-alerts');
    const alert = resourceNamed(
      json,
      'azurerm_monitor_scheduled_query_rules_alert_v2',
      's3-to-sentinel-trail-dcr-errors',
    );
    expect(alert).toMatchObject({ severity: 1, action: { action_groups: [`\${${group}.id}`] } });
  });

  test('are turned off with the other alerts', () => {
    // WHEN
    const { ingestion } = synthIngestion({ alerting: { enabled: false } });
    // THEN
    expect(ingestion.errorAlerts).toEqual({});
  });
});

describe('coordinates', () => {
  test('reference the endpoint and every DCR, with the stream names the forwarder posts to', () => {
    // WHEN
    const { ingestion, stack } = synthIngestion();
    new TerraformOutput(stack, 'probe', { value: ingestion.coordinates });
    // THEN
    const resolved = (JSON.parse(Testing.synth(stack)) as TerraformJson).output?.probe.value;
    expect(resolved).toEqual({
      authMode: 'secret',
      tenantId: expect.stringMatching(/^\$\{azuread_service_principal\..+\.application_tenant_id\}$/),
      clientId: expect.stringMatching(/^\$\{azuread_application\..+\.client_id\}$/),
      logsIngestionEndpoint: expect.stringMatching(
        /^\$\{azurerm_monitor_data_collection_endpoint\..+\.logs_ingestion_endpoint\}$/,
      ),
      producers: Object.fromEntries(
        FIXTURE_PRODUCERS.map((p) => [
          p.name,
          {
            dcrImmutableId: expect.stringMatching(
              /^\$\{azurerm_monitor_data_collection_rule\..+\.immutable_id\}$/,
            ),
            streamName: streamName(p),
          },
        ]),
      ),
    });
  });

  test('the construct itself creates no outputs (the app does)', () => {
    // WHEN
    const { json } = synthIngestion();
    // THEN
    expect(json.output ?? {}).toEqual({});
  });
});

describe('tags', () => {
  test('are none by default and, when given, land on every taggable resource', () => {
    // WHEN
    const untagged = synthIngestion().json;
    const tagged = synthIngestion({ tags: { owner: 'soc' }, alerting: { email: 'soc@example.com' } }).json;
    // THEN
    const taggable = [
      'azurerm_resource_group',
      'azurerm_log_analytics_workspace',
      'azurerm_monitor_data_collection_endpoint',
      'azurerm_monitor_data_collection_rule',
      'azurerm_monitor_scheduled_query_rules_alert_v2',
      'azurerm_monitor_action_group',
    ];
    for (const type of taggable) {
      for (const resource of resourcesOf(untagged, type)) expect(resource).not.toHaveProperty('tags');
      expect(resourcesOf(tagged, type).length).toBeGreaterThan(0);
      for (const resource of resourcesOf(tagged, type)) expect(resource.tags).toEqual({ owner: 'soc' });
    }
  });
});

describe('AzureProviders', () => {
  test('adds azurerm with an empty features block and, by default, azuread', () => {
    // GIVEN
    const stack = new TerraformStack(Testing.app(), 'providers');
    // WHEN
    new AzureProviders(stack, 'Providers');
    // THEN
    const json = JSON.parse(Testing.synth(stack)) as TerraformJson;
    expect(json.provider?.azurerm).toEqual([{ features: [{}] }]);
    expect(json.provider?.azuread).toEqual([{}]);
  });

  test('takes subscription and tenant, and leaves azuread out when asked', () => {
    // GIVEN
    const stack = new TerraformStack(Testing.app(), 'providers');
    // WHEN
    new AzureProviders(stack, 'Providers', { subscriptionId: 'sub', tenantId: 'tenant', azuread: false });
    // THEN
    const json = JSON.parse(Testing.synth(stack)) as TerraformJson;
    expect(json.provider?.azurerm).toEqual([{ features: [{}], subscription_id: 'sub', tenant_id: 'tenant' }]);
    expect(json.provider).not.toHaveProperty('azuread');
  });
});
