import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { ConfigurationError, CredentialError } from '../core/errors';

/** Options of {@link SecretCache}. */
export interface SecretCacheProps {
  readonly ssm: SSMClient;
  /** Name (or ARN) of the SecureString parameter. */
  readonly parameterName: string;
  /** How long a read value is used before it is read again; 0 reads on every call. */
  readonly ttlSeconds: number;
  /** For error messages. */
  readonly producer: string;
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
  public get(): Promise<string> {
    // A fresh read under way serves everyone; otherwise concurrent callers (parallel uploads asking
    // for a token) share one read, since Powertools does not coalesce reads of a missing value.
    return (
      this.#refreshing ??
      (this.#inFlight ??= this.#read(false).finally(() => {
        this.#inFlight = undefined;
      }))
    );
  }

  /**
   * Reads SSM now, whatever the cache holds, and caches the result for a new TTL: for a caller that
   * must know the current value (Entra rejected the cached one; it may have just been rotated).
   */
  public refresh(): Promise<string> {
    this.#refreshing ??= this.#read(true).finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  /** Forgets the cached value, e.g. after Entra rejected it, so the next `get` reads SSM again. */
  public invalidate(): void {
    this.#provider.clearCache();
  }

  public toJSON(): { parameterName: string } {
    return { parameterName: this.#props.parameterName };
  }

  async #read(forceFetch: boolean): Promise<string> {
    const { parameterName, producer, ttlSeconds } = this.#props;
    let value: string | undefined;
    try {
      value = await this.#provider.get(parameterName, { decrypt: true, maxAge: ttlSeconds, forceFetch });
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
