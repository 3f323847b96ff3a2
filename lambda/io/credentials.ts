import {
  ClientAssertionCredential,
  ClientSecretCredential,
  type AccessToken,
  type ClientAssertionCredentialOptions,
  type ClientSecretCredentialOptions,
  type GetTokenOptions,
  type TokenCredential,
} from '@azure/identity';
import { GetWebIdentityTokenCommand, type STSClient } from '@aws-sdk/client-sts';
import type { ForwarderConfig } from '../core/config';
import { ENTRA_TOKEN_EXCHANGE_AUDIENCE } from '../contract/environment';
import {
  ConfigurationError,
  CredentialError,
  CredentialRejectedError,
  CredentialTimeoutError,
  ForwarderError,
  TimeBudgetExhaustedError,
} from '../core/errors';
import {
  boundedCall,
  createStsClient,
  DEFAULT_CALL_TIMEOUT_MS,
  type AbortSignalish,
  type CallBounds,
} from './aws-clients';
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

/** Who asks Entra ID for tokens: named in timeout and time-budget errors. */
interface EntraCaller {
  readonly producer: string;
  readonly tenantId: string;
  readonly clientId: string;
}

/**
 * The bounds of one token request: the invocation's signal and `timeoutMs`. `call` names what was
 * pending when the time ran out; `check` is what the operator looks at.
 */
function tokenBounds(
  caller: EntraCaller,
  signal: AbortSignalish | undefined,
  timeoutMs: number,
  pending: () => { readonly call: string; readonly check: string } = () => entraCall(caller),
): CallBounds {
  return {
    signal,
    aborted: () =>
      new TimeBudgetExhaustedError(
        `producer ${caller.producer}: the invocation's time budget ran out waiting for ${pending().call}; ` +
          'the message returns to the queue.',
      ),
    timeoutMs,
    timedOut: () => new CredentialTimeoutError({ producer: caller.producer, timeoutMs, ...pending() }),
  };
}

function entraCall({ tenantId, clientId }: EntraCaller): { call: string; check: string } {
  return {
    call: `the Entra ID token request (client ${clientId}, tenant ${tenantId})`,
    check:
      'check that the function reaches Entra ID (login.microsoftonline.com, or the authority host set) over ' +
      "HTTPS, and Azure's service health.",
  };
}

/**
 * A TokenCredential over a client secret that can rotate: asks the {@link SecretCache} for the
 * secret on each token request (cheap while cached), and builds a new ClientSecretCredential only
 * when the value changed, so the SDK's own token cache keeps working between rotations. The Azure
 * pipeline asks for a token only when its cached one nears expiry (Entra tokens last about an
 * hour), so SSM is read at most once per TTL, and only when a token is actually needed.
 *
 * When Entra ID rejects the secret, SSM is read once more before the rejection stands: `put-secret`
 * may have written a new secret after the cache read the old one. A changed value gets one more try.
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
      /** Longest wait for one Entra token request. @default DEFAULT_CALL_TIMEOUT_MS */
      readonly timeoutMs?: number;
    },
  ) {}

  public async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
    const read = { abortSignal: options?.abortSignal };
    const secret = await this.props.secrets.get(read);
    try {
      return await this.#tokenFor(secret, scopes, options);
    } catch (err) {
      if (!(err instanceof CredentialRejectedError)) throw err;
      // If SSM cannot be read now, that failure is what is known: the rejection is not yet proven.
      const current = await this.props.secrets.refresh(read);
      if (current === secret) throw err;
      return this.#tokenFor(current, scopes, options);
    }
  }

  async #tokenFor(
    secret: string,
    scopes: string | string[],
    options: GetTokenOptions | undefined,
  ): Promise<AccessToken | null> {
    if (secret !== this.#secret || this.#credential === undefined) {
      const factory = this.props.factory ?? clientSecretCredentialFactory();
      this.#credential = factory(this.props.tenantId, this.props.clientId, secret);
      this.#secret = secret;
    }
    const credential = this.#credential;
    const timeoutMs = this.props.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    try {
      // MSAL (@azure/identity 4.12) ignores `abortSignal` for client credentials: the bound is what
      // ends a hung request.
      return await boundedCall(
        (signal) => credential.getToken(scopes, { ...options, abortSignal: signal }),
        tokenBounds(this.props, options?.abortSignal, timeoutMs),
      );
    } catch (err) {
      throw this.classify(err);
    }
  }

  private classify(err: unknown): ForwarderError {
    const { tenantId, clientId, producer } = this.props;
    return classifyEntraError(err, {
      producer,
      tenantId,
      clientId,
      rejectedFix:
        'Check AZURE_TENANT_ID and AZURE_CLIENT_ID against the Azure stack outputs and write a current ' +
        `client secret with ${putSecretCommand(producer)}.`,
    });
  }
}

/** Returns an AWS-issued web identity token (a JWT) for `audience` (federated mode). */
export type WebIdentityTokenProvider = (
  audience: string,
  options?: { readonly abortSignal?: AbortSignal | undefined },
) => Promise<string>;

/**
 * Lifetime asked of STS for each token: it is exchanged with Entra ID at once, and the construct's
 * IAM condition (`sts:DurationSeconds` <= 300) refuses anything longer.
 */
export const WEB_IDENTITY_TOKEN_SECONDS = 300;

/** What {@link stsWebIdentityToken} runs under when GetWebIdentityToken gets no answer. */
const STS_CALL = {
  call: 'STS GetWebIdentityToken',
  check: "check the function's network path to STS (VPC endpoint or NAT) and STS's health in the region.",
};

/**
 * The production provider: AWS IAM outbound identity federation, `sts:GetWebIdentityToken`
 * for the Lambda role, RS256-signed (an algorithm Entra ID validates), five minutes. A call that
 * gets no answer within `timeoutMs` fails as a transient `CredentialTimeoutError`.
 */
export function stsWebIdentityToken(
  sts: STSClient,
  producer: string,
  options: { readonly timeoutMs?: number } = {},
): WebIdentityTokenProvider {
  const timeoutMs = options.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
  return async (audience, { abortSignal } = {}) => {
    let token: string | undefined;
    try {
      const out = await boundedCall(
        (signal) =>
          sts.send(
            new GetWebIdentityTokenCommand({
              Audience: [audience],
              SigningAlgorithm: 'RS256',
              DurationSeconds: WEB_IDENTITY_TOKEN_SECONDS,
            }),
            { abortSignal: signal },
          ),
        {
          signal: abortSignal,
          aborted: () =>
            new TimeBudgetExhaustedError(
              `producer ${producer}: the invocation's time budget ran out waiting for STS GetWebIdentityToken; ` +
                'the message returns to the queue.',
            ),
          timeoutMs,
          timedOut: () => new CredentialTimeoutError({ producer, timeoutMs, ...STS_CALL }),
        },
      );
      token = out.WebIdentityToken;
    } catch (err) {
      if (err instanceof ForwarderError) throw err;
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
  readonly #caller: EntraCaller;
  /** The last failure of the assertion callback, as STS's side classified it. */
  #assertionFailure: ForwarderError | undefined;
  /** The signal of the token request under way: MSAL calls the assertion callback with no arguments. */
  #signal: AbortSignal | undefined;
  /** True while STS is asked for the assertion, so a timeout names STS rather than Entra ID. */
  #asserting = false;

  public constructor(
    private readonly config: ForwarderConfig,
    provider: WebIdentityTokenProvider,
    options: ClientAssertionCredentialOptions | undefined,
    private readonly timeoutMs: number,
  ) {
    this.#caller = { producer: config.producerName, tenantId: config.tenantId, clientId: config.clientId };
    this.#inner = new ClientAssertionCredential(
      config.tenantId,
      config.clientId,
      async () => {
        this.#asserting = true;
        try {
          const token = await provider(ENTRA_TOKEN_EXCHANGE_AUDIENCE, { abortSignal: this.#signal });
          this.#assertionFailure = undefined;
          return token;
        } catch (err) {
          this.#assertionFailure = err instanceof ForwarderError ? err : undefined;
          throw err;
        } finally {
          this.#asserting = false;
        }
      },
      options,
    );
  }

  public async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
    try {
      return await boundedCall(
        (signal) => {
          this.#signal = signal;
          return this.#inner.getToken(scopes, { ...options, abortSignal: signal });
        },
        tokenBounds(this.#caller, options?.abortSignal, this.timeoutMs, () =>
          this.#asserting ? STS_CALL : entraCall(this.#caller),
        ),
      );
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
  /**
   * Longest wait for one token request (STS and Entra ID in federated mode).
   * @default DEFAULT_CALL_TIMEOUT_MS
   */
  readonly timeoutMs?: number;
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
    const provider = deps.webIdentityToken ?? stsWebIdentityToken(createStsClient(), config.producerName);
    return new FederatedCredential(
      config,
      provider,
      deps.assertionOptions,
      deps.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS,
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
    ...(deps.timeoutMs !== undefined ? { timeoutMs: deps.timeoutMs } : {}),
  });
}
