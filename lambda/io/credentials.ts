import {
  ClientAssertionCredential,
  ClientSecretCredential,
  type AccessToken,
  type ClientAssertionCredentialOptions,
  type ClientSecretCredentialOptions,
  type GetTokenOptions,
  type TokenCredential,
} from '@azure/identity';
import { GetWebIdentityTokenCommand, STSClient } from '@aws-sdk/client-sts';
import type { ForwarderConfig } from '../core/config';
import { ENTRA_TOKEN_EXCHANGE_AUDIENCE } from '../contract/environment';
import { ConfigurationError, CredentialError, CredentialRejectedError, ForwarderError } from '../core/errors';
import { classifyEntraError } from './entra-errors';
import { putSecretCommand, type SecretCache } from './secrets';

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
    const { tenantId, clientId, producer } = this.props;
    const error = classifyEntraError(err, {
      producer,
      tenantId,
      clientId,
      rejectedFix:
        'Check AZURE_TENANT_ID and AZURE_CLIENT_ID against the Azure stack outputs and write a current ' +
        `client secret with ${putSecretCommand(producer)}.`,
    });
    // A rejected secret may have just been rotated: read SSM again on the next attempt.
    if (error instanceof CredentialRejectedError) this.props.secrets.invalidate();
    return error;
  }
}

/** Returns an AWS-issued web identity token (a JWT) for `audience` (federated mode). */
export type WebIdentityTokenProvider = (audience: string) => Promise<string>;

/**
 * Lifetime asked of STS for each token: it is exchanged with Entra ID at once, and the construct's
 * IAM condition (`sts:DurationSeconds` <= 300) refuses anything longer.
 */
export const WEB_IDENTITY_TOKEN_SECONDS = 300;

/**
 * The production provider: AWS IAM outbound identity federation, `sts:GetWebIdentityToken`
 * for the Lambda role, RS256-signed (an algorithm Entra ID validates), five minutes.
 */
export function stsWebIdentityToken(sts: STSClient, producer: string): WebIdentityTokenProvider {
  return async (audience) => {
    let token: string | undefined;
    try {
      const out = await sts.send(
        new GetWebIdentityTokenCommand({
          Audience: [audience],
          SigningAlgorithm: 'RS256',
          DurationSeconds: WEB_IDENTITY_TOKEN_SECONDS,
        }),
      );
      token = out.WebIdentityToken;
    } catch (err) {
      const name = err instanceof Error ? err.name : 'error';
      if (name === 'AccessDenied' || name === 'AccessDeniedException') {
        throw new ConfigurationError(
          `producer ${producer}: STS refused GetWebIdentityToken (${name}). The forwarder's role needs ` +
            `sts:GetWebIdentityToken for audience ${audience}, and outbound identity federation must be enabled ` +
            'for the account (aws iam enable-outbound-web-identity-federation).',
          { cause: err },
        );
      }
      throw new CredentialError(
        `producer ${producer}: STS GetWebIdentityToken failed (${name}); retrying later.`,
        {
          cause: err,
        },
      );
    }
    if (token === undefined || token === '') {
      throw new CredentialError(
        `producer ${producer}: STS GetWebIdentityToken returned no token; retrying later.`,
      );
    }
    return token;
  };
}

/**
 * Entra's `ClientAssertionCredential` whose assertion is an AWS outbound identity federation token,
 * with its failures classified.
 */
class FederatedCredential implements TokenCredential {
  readonly #inner: ClientAssertionCredential;
  /** The last failure of the assertion callback, as STS's side classified it. */
  #assertionFailure: ForwarderError | undefined;

  public constructor(
    private readonly config: ForwarderConfig,
    provider: WebIdentityTokenProvider,
    options: ClientAssertionCredentialOptions | undefined,
  ) {
    this.#inner = new ClientAssertionCredential(
      config.tenantId,
      config.clientId,
      async () => {
        try {
          const token = await provider(ENTRA_TOKEN_EXCHANGE_AUDIENCE);
          this.#assertionFailure = undefined;
          return token;
        } catch (err) {
          this.#assertionFailure = err instanceof ForwarderError ? err : undefined;
          throw err;
        }
      },
      options,
    );
  }

  public async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
    try {
      return await this.#inner.getToken(scopes, options);
    } catch (err) {
      throw this.classify(err);
    }
  }

  private classify(err: unknown): ForwarderError {
    // @azure/identity rethrows a failed assertion as an AuthenticationRequiredError that keeps only
    // its message: without this, STS's permanent "grant the permission" error would read as transient.
    const failure = this.#assertionFailure;
    if (failure !== undefined && err instanceof Error && err.message.includes(failure.message))
      return failure;
    const { producerName: producer, tenantId, clientId } = this.config;
    return classifyEntraError(err, {
      producer,
      tenantId,
      clientId,
      rejectedFix:
        `The managed identity ${clientId} must have a federated identity credential trusting this AWS ` +
        `account's token issuer, the forwarder role as subject and audience ${ENTRA_TOKEN_EXCHANGE_AUDIENCE}: ` +
        'redeploy the Azure stack in federated mode.',
    });
  }
}

/** What {@link createTokenCredential} may be given instead of its defaults. */
export interface CredentialDeps {
  /** Secret mode: the cache over the SSM parameter. */
  readonly secrets?: SecretCache;
  readonly secretCredentialFactory?: SecretCredentialFactory;
  /** Federated mode: a source of AWS-issued web identity tokens. */
  readonly webIdentityToken?: WebIdentityTokenProvider;
  /** Federated mode: options of ClientAssertionCredential (another cloud's `authorityHost`, tests' CA). */
  readonly assertionOptions?: ClientAssertionCredentialOptions;
}

/**
 * The TokenCredential the uploader uses, per the configured auth mode.
 *
 * - `secret`: a {@link RotatingSecretCredential} over the SSM SecureString.
 * - `federated`: `ClientAssertionCredential` whose assertion is an AWS outbound identity federation
 *   token (`webIdentityToken`, by default {@link stsWebIdentityToken}); nothing to store or rotate.
 */
export function createTokenCredential(config: ForwarderConfig, deps: CredentialDeps): TokenCredential {
  if (config.authMode === 'federated') {
    const provider = deps.webIdentityToken ?? stsWebIdentityToken(new STSClient({}), config.producerName);
    return new FederatedCredential(config, provider, deps.assertionOptions);
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
