import { AuthenticationError } from '@azure/identity';
import { CredentialError, CredentialRejectedError, ForwarderError } from '../core/errors';

/** Entra error codes that mean the app's credentials are wrong, not that Entra is unwell. */
const REJECTED_CODES = new Set(['invalid_client', 'unauthorized_client', 'invalid_request', 'invalid_grant']);

/**
 * The OAuth error code of an Entra failure. `@azure/identity` reports a rejected client secret
 * either as an AuthenticationError carrying the error response or (via MSAL, as in 4.12) as an
 * AuthenticationRequiredError whose message starts with the code: `invalid_client: ... AADSTS7000215`.
 */
export function entraErrorCode(err: unknown): string | undefined {
  if (err instanceof AuthenticationError && typeof err.errorResponse?.error === 'string')
    return err.errorResponse.error;
  const match = err instanceof Error ? /^([a-z_]+):/.exec(err.message) : null;
  return match?.[1];
}

/** Who asked Entra ID for a token, and what fixes rejected credentials in that auth mode. */
export interface EntraClient {
  readonly producer: string;
  readonly tenantId: string;
  readonly clientId: string;
  /** The operator's next step when Entra rejects the credentials. */
  readonly rejectedFix: string;
}

/**
 * Classifies a failed Entra token request: rejected credentials are permanent (naming the tenant,
 * the client and `rejectedFix`), anything else (Entra or the network unwell) transient.
 */
export function classifyEntraError(err: unknown, client: EntraClient): ForwarderError {
  if (err instanceof ForwarderError) return err;
  const { producer, tenantId, clientId, rejectedFix } = client;
  const code = entraErrorCode(err);
  if (code !== undefined && REJECTED_CODES.has(code)) {
    return new CredentialRejectedError(
      `producer ${producer}: Entra ID rejected the credentials of client ${clientId} in tenant ${tenantId} ` +
        `(${code}). ${rejectedFix}`,
      { cause: err },
    );
  }
  return new CredentialError(
    `producer ${producer}: getting an Entra token failed (${err instanceof Error ? err.name : 'error'}); retrying later.`,
    { cause: err },
  );
}
