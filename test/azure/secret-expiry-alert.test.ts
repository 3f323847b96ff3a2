import { Testing } from 'cdktf';
import {
  FIXTURE_PRODUCERS,
  type TerraformJson,
  addressOf,
  resourceNamed,
  resourcesOf,
  synthIngestion,
} from './azure-test-helpers';

Testing.setupJest();

const RULE = 'azurerm_monitor_scheduled_query_rules_alert_v2';
const ISSUER = 'https://0a1b2c3d.tokens.sts.global.api.aws';

function expiryAlerts(json: TerraformJson): Record<string, unknown>[] {
  return resourcesOf(json, RULE).filter((a) => (a.name as string).endsWith('-client-secret-expiry'));
}

function criteriaOf(alert: Record<string, unknown>): Record<string, unknown> {
  return (alert.criteria as Record<string, unknown>[])[0];
}

/** The `${azuread_application_password.<id>.end_date}` of the password with this display name. */
function endDateOf(json: TerraformJson, displayName: string): string {
  const entry = Object.entries(json.resource.azuread_application_password ?? {}).find(
    ([, p]) => p.display_name === displayName,
  );
  if (entry === undefined) throw new Error(`no password named ${displayName}`);
  return `\${azuread_application_password.${entry[0]}.end_date}`;
}

describe('the client secret expiry alert', () => {
  test('one for the shared app registration, on the workspace, once a day, resolving itself', () => {
    // WHEN
    const { json } = synthIngestion();
    // THEN
    expect(expiryAlerts(json)).toHaveLength(1);
    const alert = resourceNamed(json, RULE, 's3-to-sentinel-client-secret-expiry');
    const workspace = addressOf(json, 'azurerm_log_analytics_workspace', 's3-to-sentinel-law');
    expect(alert).toMatchObject({
      scopes: [`\${${workspace}.id}`],
      evaluation_frequency: 'P1D',
      window_duration: 'P1D',
      severity: 2,
      auto_mitigation_enabled: true,
    });
    expect(alert).not.toHaveProperty('action');
  });

  test('fires when the newest secret has fewer than 30 days left, by default', () => {
    // WHEN
    const { json } = synthIngestion();
    // THEN
    const criteria = criteriaOf(resourceNamed(json, RULE, 's3-to-sentinel-client-secret-expiry'));
    expect(criteria).toMatchObject({
      metric_measure_column: 'DaysLeft',
      time_aggregation_method: 'Minimum',
      operator: 'LessThan',
      threshold: 30,
    });
    // The query reads no table: it compares now() with the end date Terraform interpolates.
    expect(criteria.query).toBe(
      `print ExpiresAt = todatetime("${endDateOf(json, 's3-to-sentinel forwarder')}")\n` +
        '| extend DaysLeft = (ExpiresAt - now()) / 1d',
    );
  });

  test('the number of days and the severity are configurable', () => {
    // WHEN
    const { json } = synthIngestion({ alerting: { secretExpiryWarningDays: 14, severity: 1 } });
    // THEN
    const alert = resourceNamed(json, RULE, 's3-to-sentinel-client-secret-expiry');
    expect(alert.severity).toBe(1);
    expect(criteriaOf(alert).threshold).toBe(14);
    expect(alert.display_name).toBe('Forwarder client secret expires within 14 days');
  });

  test('after a rotation it watches the new secret, and says which generation comes next', () => {
    // WHEN
    const { json } = synthIngestion({ identity: { mode: 'application', secretGeneration: 2 } });
    // THEN
    const alert = resourceNamed(json, RULE, 's3-to-sentinel-client-secret-expiry');
    expect(criteriaOf(alert).query).toContain(endDateOf(json, 's3-to-sentinel forwarder, generation 2'));
    expect(criteriaOf(alert).query).not.toContain(endDateOf(json, 's3-to-sentinel forwarder'));
    expect(alert.description).toContain('(generation 2)');
    expect(alert.description).toContain('S2S_AZURE_SECRET_GENERATION) to 3');
    expect(alert.description).toContain(
      'put-secret --producer <name> --from-outputs secret.json` for every producer',
    );
  });

  test('notifies the same action group as the other alerts', () => {
    // WHEN
    const { json } = synthIngestion({ alerting: { email: 'soc@example.com' } });
    // THEN
    const group = addressOf(json, 'azurerm_monitor_action_group', 's3-to-sentinel-alerts');
    expect(resourceNamed(json, RULE, 's3-to-sentinel-client-secret-expiry').action).toEqual({
      action_groups: [`\${${group}.id}`],
    });
  });

  test('one per producer with per-producer identities, each on its own secret', () => {
    // WHEN
    const { json, ingestion } = synthIngestion({ identity: { mode: 'application', perProducer: true } });
    // THEN
    expect(expiryAlerts(json)).toHaveLength(FIXTURE_PRODUCERS.length);
    expect(ingestion.secretExpiryAlerts).toHaveLength(FIXTURE_PRODUCERS.length);
    const applications = json.resource.azuread_application;
    for (const producer of FIXTURE_PRODUCERS) {
      const alert = resourceNamed(json, RULE, `s3-to-sentinel-${producer.name}-client-secret-expiry`);
      const [appId] = Object.entries(applications).find(
        ([, a]) => a.display_name === `s3-to-sentinel-forwarder-${producer.name}`,
      )!;
      const password = Object.entries(json.resource.azuread_application_password).find(
        ([, p]) => p.application_id === `\${azuread_application.${appId}.id}`,
      )!;
      expect(criteriaOf(alert).query).toContain(`\${azuread_application_password.${password[0]}.end_date}`);
      expect(alert.description).toContain(`producer ${producer.name})`);
      expect(alert.description).toContain(`put-secret --producer ${producer.name} --from-outputs`);
    }
  });

  test('none without a client secret, nor when alerting is off', () => {
    // WHEN
    const federated = synthIngestion({
      identity: {
        mode: 'federated',
        issuer: ISSUER,
        lambdaRoleArns: Object.fromEntries(
          FIXTURE_PRODUCERS.map((p) => [p.name, `arn:aws:iam::123456789012:role/${p.name}`]),
        ),
      },
    });
    const off = synthIngestion({ alerting: { enabled: false } });
    // THEN
    expect(expiryAlerts(federated.json)).toHaveLength(0);
    expect(federated.ingestion.secretExpiryAlerts).toEqual([]);
    expect(expiryAlerts(off.json)).toHaveLength(0);
  });
});
