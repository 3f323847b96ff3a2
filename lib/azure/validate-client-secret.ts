import type { IdentityOptions } from './forwarder-identity';
import type { AlertingOptions } from './sentinel-ingestion';

/** The lifetime Entra gives a client secret created without an end date. */
const ENTRA_DEFAULT_LIFETIME_DAYS = 730;

/**
 * Problems with the client secret's life (generation, lifetime, expiry warning) and with
 * `perProducer`, each naming the setting and what to change.
 */
export function clientSecretProblems(identity: IdentityOptions, alerting: AlertingOptions): string[] {
  const problems: string[] = [];
  const wholeAtLeastOne = (value: number | undefined) =>
    value === undefined || (Number.isInteger(value) && value >= 1);
  if (
    identity.mode !== 'existing' &&
    identity.perProducer !== undefined &&
    typeof identity.perProducer !== 'boolean'
  ) {
    problems.push(`\`identity.perProducer\` (${JSON.stringify(identity.perProducer)}) must be true or false`);
  }
  if (identity.mode === 'existing' && (identity as { perProducer?: unknown }).perProducer !== undefined) {
    problems.push(
      "`identity.perProducer` does not apply in identity mode 'existing' (one principal you manage); " +
        "use mode 'application' or 'federated' for an identity per producer",
    );
  }

  const warningDays = alerting.secretExpiryWarningDays;
  if (!wholeAtLeastOne(warningDays)) {
    problems.push(
      `\`alerting.secretExpiryWarningDays\` (${warningDays}) must be a whole number of days, at least 1`,
    );
  }
  if (identity.mode !== 'application') return problems;

  if (!wholeAtLeastOne(identity.secretGeneration)) {
    problems.push(
      `\`identity.secretGeneration\` (${identity.secretGeneration}) must be a whole number, at least 1; ` +
        'raise it by one to rotate the client secret',
    );
  }
  const lifetime = identity.secretLifetimeDays;
  if (!wholeAtLeastOne(lifetime)) {
    problems.push(`\`identity.secretLifetimeDays\` (${lifetime}) must be a whole number of days, at least 1`);
  }
  if (lifetime !== undefined && identity.secretEndDate !== undefined) {
    problems.push(
      '`identity.secretLifetimeDays` and `identity.secretEndDate` both bound the secret’s life; keep only ' +
        '`secretLifetimeDays`, which every rotation renews',
    );
  }
  const effectiveLifetime = lifetime ?? ENTRA_DEFAULT_LIFETIME_DAYS;
  if (
    alerting.enabled !== false &&
    wholeAtLeastOne(warningDays) &&
    wholeAtLeastOne(lifetime) &&
    (warningDays ?? 30) >= effectiveLifetime
  ) {
    problems.push(
      `\`alerting.secretExpiryWarningDays\` (${warningDays ?? 30}) must be less than the secret's lifetime ` +
        `(${effectiveLifetime} days${lifetime === undefined ? ", Entra's default" : ''}), or the expiry alert fires ` +
        'as soon as a secret is created; lower it or raise `identity.secretLifetimeDays`',
    );
  }
  return problems;
}
