import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
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
  /** Clock, injectable for tests. @default Date.now */
  readonly now?: () => number;
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
 * The Entra client secret, read from an SSM SecureString with decryption and cached for a TTL:
 * once per cold start, then again after the TTL so a rotated secret is picked up without a
 * redeploy. The value lives only in a private field; nothing here logs it, and `toJSON`/inspection
 * of the cache reveal only the parameter name.
 */
export class SecretCache {
  readonly #props: SecretCacheProps;
  readonly #now: () => number;
  #value: string | undefined;
  #expiresAt = 0;
  #inFlight: Promise<string> | undefined;

  public constructor(props: SecretCacheProps) {
    this.#props = props;
    this.#now = props.now ?? Date.now;
  }

  /** The secret; reads SSM only when the cached value is missing or older than the TTL. */
  public async get(): Promise<string> {
    if (this.#value !== undefined && this.#now() < this.#expiresAt) return this.#value;
    // Concurrent callers (parallel uploads asking for a token) share one GetParameter call.
    this.#inFlight ??= this.#read().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  /** Forgets the cached value, e.g. after Entra rejected it, so the next `get` reads SSM again. */
  public invalidate(): void {
    this.#value = undefined;
    this.#expiresAt = 0;
  }

  public toJSON(): { parameterName: string } {
    return { parameterName: this.#props.parameterName };
  }

  async #read(): Promise<string> {
    const { ssm, parameterName, producer } = this.#props;
    let value: string | undefined;
    try {
      const out = await ssm.send(new GetParameterCommand({ Name: parameterName, WithDecryption: true }));
      value = out.Parameter?.Value;
    } catch (err) {
      const name = err instanceof Error ? err.name : 'error';
      if (PERMANENT_SSM_ERRORS.has(name)) {
        throw new ConfigurationError(
          `producer ${producer}: the client secret parameter ${parameterName} cannot be read (${name}). ` +
            (name === 'ParameterNotFound'
              ? `Write it with ${putSecretCommand(producer)}.`
              : "Grant the forwarder's role ssm:GetParameter on it and kms:Decrypt on its key."),
          { cause: err },
        );
      }
      throw new CredentialError(
        `producer ${producer}: reading the client secret parameter ${parameterName} failed (${name}); retrying later.`,
        { cause: err },
      );
    }
    if (value === undefined || value === '') {
      throw new ConfigurationError(
        `producer ${producer}: the client secret parameter ${parameterName} is empty. ` +
          `Write it with ${putSecretCommand(producer)}.`,
      );
    }
    this.#value = value;
    this.#expiresAt = this.#now() + this.#props.ttlSeconds * 1000;
    return value;
  }
}
