import {
  AuthenticationError,
  ClientAssertionCredential,
  ClientSecretCredential,
  type AccessToken,
  type ClientSecretCredentialOptions,
  type GetTokenOptions,
  type TokenCredential,
} from '@azure/identity';
import type { ForwarderConfig } from './config';
import { ConfigurationError, CredentialError, CredentialRejectedError, ForwarderError } from './errors';
import type { SecretCache } from './secrets';

/** Builds the Entra credential for one client secret value. Injectable so tests need no Entra ID. */
export type SecretCredentialFactory = (
  tenantId: string,
  clientId: string,
  clientSecret: string,
) => TokenCredential;

/**
 * The production factory: `@azure/identity`'s ClientSecretCredential. `options` reach Entra ID's
 * client (`authorityHost` for another cloud or a local endpoint, `tlsOptions`, retries).
 */
export function clientSecretCredentialFactory(
  options?: ClientSecretCredentialOptions,
): SecretCredentialFactory {
  return (tenantId, clientId, clientSecret) =>
    new ClientSecretCredential(tenantId, clientId, clientSecret, options);
}

/**
 * The OAuth error code of an Entra failure. `@azure/identity` reports a rejected client secret
 * either as an AuthenticationError carrying the error response or (via MSAL, as in 4.12) as an
 * AuthenticationRequiredError whose message starts with the code: `invalid_client: ... AADSTS7000215`.
 */
function entraErrorCode(err: unknown): string | undefined {
  if (err instanceof AuthenticationError && typeof err.errorResponse?.error === 'string')
    return err.errorResponse.error;
  const match = err instanceof Error ? /^([a-z_]+):/.exec(err.message) : null;
  return match?.[1];
}

/** Entra error codes that mean the app's credentials are wrong, not that Entra is unwell. */
const REJECTED_CODES = new Set(['invalid_client', 'unauthorized_client', 'invalid_request', 'invalid_grant']);

/**
 * A TokenCredential over a client secret that can rotate: asks the {@link SecretCache} for the
 * secret on each token request (cheap while cached), and builds a new ClientSecretCredential only
 * when the value changed, so the SDK's own token cache keeps working between rotations. The Azure
 * pipeline asks for a token only when its cached one nears expiry (Entra tokens last about an
 * hour), so SSM is read at most once per TTL, and only when a token is actually needed.
 */
export class RotatingSecretCredential implements TokenCredential {
  #secret: string | undefined;
  #credential: TokenCredential | undefined;

  public constructor(
    private readonly props: {
      readonly tenantId: string;
      readonly clientId: string;
      readonly producer: string;
      readonly secrets: SecretCache;
      readonly factory?: SecretCredentialFactory;
    },
  ) {}

  public async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
    const secret = await this.props.secrets.get();
    if (secret !== this.#secret || this.#credential === undefined) {
      const factory = this.props.factory ?? clientSecretCredentialFactory();
      this.#credential = factory(this.props.tenantId, this.props.clientId, secret);
      this.#secret = secret;
    }
    try {
      return await this.#credential.getToken(scopes, options);
    } catch (err) {
      throw this.classify(err);
    }
  }

  private classify(err: unknown): ForwarderError {
    if (err instanceof ForwarderError) return err;
    const { tenantId, clientId, producer } = this.props;
    const code = entraErrorCode(err);
    if (code !== undefined && REJECTED_CODES.has(code)) {
      // A rejected secret may have just been rotated: read SSM again on the next attempt.
      this.props.secrets.invalidate();
      return new CredentialRejectedError(
        `producer ${producer}: Entra ID rejected the app registration's credentials (${code}, ` +
          `tenant ${tenantId}, client ${clientId}). Check AZURE_TENANT_ID and AZURE_CLIENT_ID against the Azure ` +
          `stack outputs and write a current client secret with \`s3-to-sentinel put-secret ${producer}\`.`,
        { cause: err },
      );
    }
    return new CredentialError(
      `producer ${producer}: getting an Entra token failed (${err instanceof Error ? err.name : 'error'}); retrying later.`,
      { cause: err },
    );
  }
}

/** Calls AWS STS GetWebIdentityToken and returns the JWT (federated mode). */
export type WebIdentityTokenProvider = (audience: string) => Promise<string>;

/** Audience Entra expects in a federated identity credential's assertion. */
export const ENTRA_TOKEN_EXCHANGE_AUDIENCE = 'api://AzureADTokenExchange';

/** What {@link createTokenCredential} may be given instead of its defaults. */
export interface CredentialDeps {
  /** Secret mode: the cache over the SSM parameter. */
  readonly secrets?: SecretCache;
  readonly secretCredentialFactory?: SecretCredentialFactory;
  /** Federated mode: a source of AWS-issued web identity tokens. */
  readonly webIdentityToken?: WebIdentityTokenProvider;
}

/**
 * The TokenCredential the uploader uses, per the configured auth mode.
 *
 * - `secret`: a {@link RotatingSecretCredential} over the SSM SecureString.
 * - `federated`: `ClientAssertionCredential` whose assertion is an AWS outbound identity federation
 *   token. TODO(federated): the AWS SDK in this package has no `@aws-sdk/client-sts` with the
 *   `GetWebIdentityToken` command, so there is no default `webIdentityToken` provider yet; until one
 *   is added (a `GetWebIdentityTokenCommand({ Audience: [ENTRA_TOKEN_EXCHANGE_AUDIENCE], SigningAlgorithm })`
 *   call), federated mode fails every message with a ConfigurationError that says so.
 */
export function createTokenCredential(config: ForwarderConfig, deps: CredentialDeps): TokenCredential {
  if (config.authMode === 'federated') {
    const provider = deps.webIdentityToken;
    if (provider === undefined) {
      throw new ConfigurationError(
        `producer ${config.producerName}: AZURE_AUTH_MODE is 'federated', but this forwarder build cannot yet ` +
          'obtain an AWS web identity token (sts:GetWebIdentityToken is not in its AWS SDK). Deploy with ' +
          "authMode 'secret' until federated mode ships.",
      );
    }
    return new ClientAssertionCredential(config.tenantId, config.clientId, () =>
      provider(ENTRA_TOKEN_EXCHANGE_AUDIENCE),
    );
  }
  if (deps.secrets === undefined) {
    throw new ConfigurationError(
      `producer ${config.producerName}: secret mode needs the client secret cache`,
    );
  }
  return new RotatingSecretCredential({
    tenantId: config.tenantId,
    clientId: config.clientId,
    producer: config.producerName,
    secrets: deps.secrets,
    ...(deps.secretCredentialFactory !== undefined ? { factory: deps.secretCredentialFactory } : {}),
  });
}
