import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import type { SSMClient } from '@aws-sdk/client-ssm';
import {
  ConfigurationError,
  CredentialError,
  CredentialTimeoutError,
  ForwarderError,
  TimeBudgetExhaustedError,
} from '../core/errors';
import { boundedCall, DEFAULT_CALL_TIMEOUT_MS, type AbortSignalish } from './aws-clients';

/** Options of {@link SecretCache}. */
export interface SecretCacheProps {
  readonly ssm: SSMClient;
  /** Name (or ARN) of the SecureString parameter. */
  readonly parameterName: string;
  /** How long a read value is used before it is read again; 0 reads on every call. */
  readonly ttlSeconds: number;
  /** For error messages. */
  readonly producer: string;
  /** Longest wait for one SSM read, SDK retries included. @default DEFAULT_CALL_TIMEOUT_MS */
  readonly timeoutMs?: number;
}

/** Options of one {@link SecretCache} call. */
export interface SecretReadOptions {
  /** The invocation's signal: the caller stops waiting when it aborts (the shared read goes on). */
  readonly abortSignal?: AbortSignalish | undefined;
}

/**
 * The operator command that writes the client secret, exactly as the CLI takes it (cli/program.ts:
 * `put-secret --producer <name>` with one source). Every hint in the forwarder's errors uses this,
 * so the DLQ's reason can be pasted into a shell.
 */
export function putSecretCommand(producer: string): string {
  return (
    `\`s3-to-sentinel put-secret --producer ${producer} --from-outputs <cdktf outputs file>\` ` +
    `(or \`--stdin\` to read the secret from standard input)`
  );
}

/** SSM error names that no retry will fix: the parameter or the permission to read it is missing. */
const PERMANENT_SSM_ERRORS = new Set([
  'ParameterNotFound',
  'ParameterVersionNotFound',
  'AccessDeniedException',
  'InvalidKeyId',
  'KMSAccessDeniedException',
]);

/**
 * The Entra client secret, read from an SSM SecureString with decryption and cached for a TTL by
 * Powertools' SSMProvider: once per cold start, then again after the TTL so a rotated secret is
 * picked up without a redeploy. The value lives only in the provider's cache; nothing here logs it,
 * and `toJSON`/inspection of the cache reveal only the parameter name.
 */
export class SecretCache {
  readonly #props: SecretCacheProps;
  readonly #provider: SSMProvider;
  #inFlight: Promise<string> | undefined;
  #refreshing: Promise<string> | undefined;

  public constructor(props: SecretCacheProps) {
    this.#props = props;
    this.#provider = new SSMProvider({ awsSdkV3Client: props.ssm });
  }

  /** The secret; reads SSM only when the cached value is missing or older than the TTL. */
  public get(options: SecretReadOptions = {}): Promise<string> {
    // A fresh read under way serves everyone; otherwise concurrent callers (parallel uploads asking
    // for a token) share one read, since Powertools does not coalesce reads of a missing value.
    const read =
      this.#refreshing ??
      (this.#inFlight ??= this.#read(false).finally(() => {
        this.#inFlight = undefined;
      }));
    return this.#await(read, options);
  }

  /**
   * Reads SSM now, whatever the cache holds, and caches the result for a new TTL: for a caller that
   * must know the current value (Entra rejected the cached one; it may have just been rotated).
   */
  public refresh(options: SecretReadOptions = {}): Promise<string> {
    this.#refreshing ??= this.#read(true).finally(() => {
      this.#refreshing = undefined;
    });
    return this.#await(this.#refreshing, options);
  }

  /** Forgets the cached value, so the next `get` reads SSM again. */
  public invalidate(): void {
    this.#provider.clearCache();
  }

  public toJSON(): { parameterName: string } {
    return { parameterName: this.#props.parameterName };
  }

  /** `read` for one caller, who stops waiting when its invocation's signal aborts. */
  #await(read: Promise<string>, { abortSignal }: SecretReadOptions): Promise<string> {
    if (abortSignal === undefined) return read;
    const { parameterName, producer } = this.#props;
    return boundedCall(() => read, {
      signal: abortSignal,
      aborted: () =>
        new TimeBudgetExhaustedError(
          `producer ${producer}: the invocation's time budget ran out while reading the client secret ` +
            `parameter ${parameterName}; the message returns to the queue.`,
        ),
    });
  }

  async #read(forceFetch: boolean): Promise<string> {
    const { parameterName, producer, ttlSeconds } = this.#props;
    const timeoutMs = this.#props.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    let value: string | undefined;
    try {
      // Powertools takes no abort signal: the bound gives up on a hung read, so the next call starts
      // a new one instead of joining it.
      value = await boundedCall(
        () => this.#provider.get(parameterName, { decrypt: true, maxAge: ttlSeconds, forceFetch }),
        {
          timeoutMs,
          timedOut: () =>
            new CredentialTimeoutError({
              producer,
              call: `SSM GetParameter ${parameterName}`,
              timeoutMs,
              check:
                "check the function's network path to SSM (VPC endpoint or NAT) and SSM's health in the region.",
            }),
        },
      );
    } catch (err) {
      throw classifySsmError(err, parameterName, producer);
    }
    if (value === undefined || value === '') {
      // Powertools caches '' like any value; drop it so the secret, once written, is read at once.
      this.#provider.clearCache();
      throw new ConfigurationError(
        `producer ${producer}: the client secret parameter ${parameterName} is empty. ` +
          `Write it with ${putSecretCommand(producer)}.`,
      );
    }
    return value;
  }
}

/**
 * Classifies a failed read: a missing parameter or permission is permanent, naming its fix; anything
 * else (throttling, 5xx, network) is transient. Powertools wraps the SDK's error in a
 * GetParameterError whose `cause` is the original.
 */
function classifySsmError(err: unknown, parameterName: string, producer: string): Error {
  if (err instanceof ForwarderError) return err;
  const sdkError = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  const name = sdkError instanceof Error ? sdkError.name : 'error';
  if (PERMANENT_SSM_ERRORS.has(name)) {
    return new ConfigurationError(
      `producer ${producer}: the client secret parameter ${parameterName} cannot be read (${name}). ` +
        (name === 'ParameterNotFound'
          ? `Write it with ${putSecretCommand(producer)}.`
          : "Grant the forwarder's role ssm:GetParameter on it and kms:Decrypt on its key."),
      { cause: sdkError },
    );
  }
  return new CredentialError(
    `producer ${producer}: reading the client secret parameter ${parameterName} failed (${name}); retrying later.`,
    { cause: sdkError },
  );
}
