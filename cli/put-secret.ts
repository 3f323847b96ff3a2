import { readFile } from 'node:fs/promises';
import { DescribeKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { DescribeParametersCommand, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import {
  AZURE_STACK_NAME,
  CLIENT_SECRET_OUTPUT,
  CLIENT_SECRETS_OUTPUT,
  SECRET_ROTATION_OUTPUT,
  secretKeyAlias,
  secretParameterName,
  type ProducerDefinition,
  type SecretRotationInfo,
} from '../lib/producer';
import { regionOf } from './aws';
import { OperationalError, UsageError, awsErrorName, describeError, redact } from './errors';
import type { Output } from './output';

/** Re-exported: the one definition lives beside the other producer names. */
export { secretKeyAlias };

/** What `put-secret` was asked to do. Exactly one of `fromOutputs` and `stdin`. */
export interface PutSecretOptions {
  readonly producer: ProducerDefinition;
  /** Path of the `cdktf deploy --outputs-file` file holding the sensitive `client_secret` output. */
  readonly fromOutputs?: string;
  /** Read the secret from standard input. */
  readonly stdin?: boolean;
  /** @default - the producer's key alias, `alias/s3-to-sentinel/<producer>` */
  readonly kmsKeyId?: string;
}

/** What `put-secret` needs from the outside world. */
export interface PutSecretDeps {
  readonly ssm: SSMClient;
  readonly kms: KMSClient;
  readonly output: Output;
  /** All of standard input as text. */
  readonly readStdin: () => Promise<string>;
  /** Whether standard input is a terminal (where a typed secret would echo). */
  readonly stdinIsTTY: boolean;
  /** @default - the system clock; used only to say how long the secrets have left */
  readonly now?: () => Date;
}

/** Warn when the secret just written has fewer days left than this: it needs a rotation first. */
export const EXPIRY_WARNING_DAYS = 30;

/** The parameter's metadata as read back after the write; never the value. */
export interface SecretMetadata {
  readonly name: string;
  readonly version: number;
  readonly type: string;
  readonly keyId: string;
  readonly tier: string;
  readonly lastModified?: Date;
  readonly lastModifiedUser?: string;
}

/**
 * Writes the producer's Entra client secret to its SSM SecureString parameter, encrypted with the
 * producer's customer-managed key, and confirms by reading back the metadata. The value is never
 * printed, and is redacted from any error AWS returns.
 */
export async function putSecret(options: PutSecretOptions, deps: PutSecretDeps): Promise<SecretMetadata> {
  const { producer } = options;
  const { output } = deps;
  const name = secretParameterName(producer);
  const keyId = options.kmsKeyId ?? secretKeyAlias(producer);
  const { secret, rotation } = await readSecret(options, deps);
  const region = await regionOf(deps.ssm);

  const key = await checkKey(deps, producer, keyId, region);

  let version: number | undefined;
  try {
    const result = await deps.ssm.send(
      new PutParameterCommand({
        Name: name,
        Value: secret,
        Type: 'SecureString',
        KeyId: keyId,
        Overwrite: true,
        Tier: 'Standard',
        Description: `Entra client secret of s3-to-sentinel producer ${producer.name} (written by put-secret)`,
      }),
    );
    version = result.Version;
  } catch (error) {
    // No `cause`: the SDK error can quote the value, and a cause is printed with stack traces.
    throw new OperationalError(redact(putFailure(error, name, keyId, region), secret));
  }

  const metadata = await readBack(deps.ssm, name, region);
  if (metadata.type !== 'SecureString') {
    throw new OperationalError(
      `${name} reads back as ${metadata.type}, not SecureString; delete it and run put-secret again`,
    );
  }
  if (version !== undefined && metadata.version !== version) {
    throw new OperationalError(
      `${name} reads back at version ${metadata.version}, but the write returned version ${version}: ` +
        'someone else wrote it at the same time; run put-secret again',
    );
  }
  const expectedKeys = [keyId, key?.keyId, key?.arn].filter((k): k is string => k !== undefined);
  if (!expectedKeys.includes(metadata.keyId)) {
    output.err(`warning: ${name} is encrypted with ${metadata.keyId}, expected ${keyId}`);
  }

  output.out(`wrote ${name} (${region})`);
  output.out(`  version        ${metadata.version}`);
  output.out(`  type           ${metadata.type}`);
  output.out(`  key            ${metadata.keyId}`);
  output.out(`  tier           ${metadata.tier}`);
  output.out(
    `  last modified  ${metadata.lastModified?.toISOString() ?? 'unknown'}` +
      (metadata.lastModifiedUser ? ` by ${metadata.lastModifiedUser}` : ''),
  );
  if (rotation !== undefined) reportRotation(rotation, deps);
  return metadata;
}

/** Tells the operator which secret was written, and what becomes of the one before it and when. */
function reportRotation(rotation: SecretRotationInfo, deps: PutSecretDeps): void {
  const { output } = deps;
  const now = (deps.now ?? (() => new Date()))();
  output.out(
    `  generation     ${rotation.generation} (the newest), expires ${rotation.expiresAt}${daysLeft(rotation.expiresAt, now)}`,
  );
  const previous = rotation.previous;
  if (previous === undefined) {
    output.out('  previous       none');
  } else if (Date.parse(previous.expiresAt) <= now.getTime()) {
    output.out(
      `  previous       generation ${previous.generation}, expired ${previous.expiresAt}: Entra no longer accepts it`,
    );
  } else {
    output.out(
      `  previous       generation ${previous.generation}, expires ${previous.expiresAt}${daysLeft(previous.expiresAt, now)}: ` +
        'Entra accepts it until it expires or the next rotation ' +
        `(generation ${rotation.generation + 1}) deletes it, whichever comes first. The forwarder switches to the new ` +
        'secret when its cached value ages out (CLIENT_SECRET_TTL_SECONDS, default 15 minutes); rotate again only after that',
    );
  }
  const left = (Date.parse(rotation.expiresAt) - now.getTime()) / 86_400_000;
  if (left < EXPIRY_WARNING_DAYS) {
    output.err(
      `warning: the newest client secret expires ${rotation.expiresAt} (${Math.max(0, Math.floor(left))} days left): ` +
        `rotate first: set S2S_AZURE_SECRET_GENERATION (identity.secretGeneration) to ${rotation.generation + 1}, ` +
        'run `npx cdktf deploy`, and run put-secret again from fresh outputs',
    );
  }
}

function daysLeft(rfc3339: string, now: Date): string {
  const ms = Date.parse(rfc3339) - now.getTime();
  if (Number.isNaN(ms)) return '';
  return ms <= 0 ? ' (expired)' : ` (in ${Math.floor(ms / 86_400_000)} days)`;
}

async function readSecret(
  options: PutSecretOptions,
  deps: PutSecretDeps,
): Promise<{ secret: string; rotation?: SecretRotationInfo }> {
  if ((options.fromOutputs === undefined) === (options.stdin !== true)) {
    throw new UsageError(
      'put-secret needs exactly one source: --stdin or --from-outputs <cdktf outputs file>',
    );
  }
  let secret: string;
  let source: string;
  let rotation: SecretRotationInfo | undefined;
  if (options.fromOutputs !== undefined) {
    const stack = await readAzureOutputs(options.fromOutputs);
    secret = secretFromOutputs(stack, options.fromOutputs, options.producer.name);
    rotation = rotationFromOutputs(stack, options.producer.name);
    source = options.fromOutputs;
  } else {
    if (deps.stdinIsTTY) {
      // A secret typed at a terminal echoes and may land in scrollback; pipe it instead.
      throw new UsageError(
        'refusing to read the secret from a terminal: pipe it in, e.g. `pass show entra/s3-to-sentinel | s3-to-sentinel put-secret --producer ' +
          `${options.producer.name} --stdin\``,
      );
    }
    // One trailing newline is what `echo` and most password managers add; it is not part of the secret.
    secret = (await deps.readStdin()).replace(/\r?\n$/, '');
    source = 'standard input';
  }
  if (secret.length === 0) throw new UsageError(`the client secret from ${source} is empty`);
  if (/\s/.test(secret)) {
    throw new UsageError(
      `the client secret from ${source} contains whitespace or several lines; Entra secrets have none: pass only the secret`,
    );
  }
  return { secret, rotation };
}

/**
 * The newest client secret in a `cdktf deploy --outputs-file` file: `producerName`'s own from the
 * sensitive `client_secrets` output when each producer has its own identity, else the shared
 * `client_secret`.
 */
export async function secretFromOutputsFile(path: string, producerName?: string): Promise<string> {
  return secretFromOutputs(await readAzureOutputs(path), path, producerName);
}

/** The Azure stack's outputs in a `cdktf deploy --outputs-file` file. */
async function readAzureOutputs(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? describeError(error);
    throw new UsageError(
      `--from-outputs ${path} cannot be read (${code}): write it with \`npx cdktf deploy --outputs-file ${path}\``,
    );
  }
  let outputs: unknown;
  try {
    outputs = JSON.parse(text);
  } catch {
    // The parser's message can quote the file's content, which holds the secret: do not repeat it.
    throw new UsageError(`--from-outputs ${path} is not valid JSON`);
  }
  const stack = (outputs as Record<string, unknown> | null)?.[AZURE_STACK_NAME];
  if (typeof stack !== 'object' || stack === null) {
    throw new UsageError(
      `--from-outputs ${path} has no stack "${AZURE_STACK_NAME}": write it with ` +
        `\`npx cdktf deploy ${AZURE_STACK_NAME} --outputs-file ${path} --outputs-file-include-sensitive-outputs\``,
    );
  }
  return stack as Record<string, unknown>;
}

function secretFromOutputs(stack: Record<string, unknown>, path: string, producerName?: string): string {
  const perProducer = stack[CLIENT_SECRETS_OUTPUT];
  if (typeof perProducer === 'object' && perProducer !== null && producerName !== undefined) {
    const own = (perProducer as Record<string, unknown>)[producerName];
    if (typeof own !== 'string' || own.length === 0) {
      throw new UsageError(
        `--from-outputs ${path} has no secret for producer "${producerName}" in "${CLIENT_SECRETS_OUTPUT}": ` +
          'add the producer to the Azure stack, deploy it, and write the outputs file again',
      );
    }
    return own;
  }
  const secret = stack[CLIENT_SECRET_OUTPUT];
  if (typeof secret !== 'string' || secret.length === 0) {
    throw new UsageError(
      `--from-outputs ${path} has no "${CLIENT_SECRET_OUTPUT}" in "${AZURE_STACK_NAME}": cdktf leaves sensitive outputs out ` +
        'unless deployed with --outputs-file-include-sensitive-outputs; with the federated identity mode there is no secret to put',
    );
  }
  return secret;
}

/** The producer's entry of the rotation output, when the stack publishes one (older stacks do not). */
function rotationFromOutputs(
  stack: Record<string, unknown>,
  producerName: string,
): SecretRotationInfo | undefined {
  const all = stack[SECRET_ROTATION_OUTPUT];
  const entry =
    typeof all === 'object' && all !== null ? (all as Record<string, unknown>)[producerName] : undefined;
  if (typeof entry !== 'object' || entry === null) return undefined;
  const info = entry as Partial<SecretRotationInfo>;
  if (typeof info.generation !== 'number' || typeof info.expiresAt !== 'string') return undefined;
  const previous = info.previous;
  return {
    generation: info.generation,
    expiresAt: info.expiresAt,
    ...(typeof previous?.generation === 'number' && typeof previous.expiresAt === 'string'
      ? { previous: { generation: previous.generation, expiresAt: previous.expiresAt } }
      : {}),
  };
}

async function checkKey(
  deps: PutSecretDeps,
  producer: ProducerDefinition,
  keyId: string,
  region: string,
): Promise<{ keyId?: string; arn?: string } | undefined> {
  try {
    const { KeyMetadata } = await deps.kms.send(new DescribeKeyCommand({ KeyId: keyId }));
    if (KeyMetadata?.KeyState !== undefined && KeyMetadata.KeyState !== 'Enabled') {
      throw new OperationalError(
        `KMS key ${keyId} (${KeyMetadata.Arn}) is ${KeyMetadata.KeyState}: the parameter cannot be encrypted with it; ` +
          'enable the key or redeploy the producer stack',
      );
    }
    if (KeyMetadata?.KeyManager === 'AWS') {
      deps.output.err(
        `warning: ${keyId} is an AWS managed key; the forwarder's IAM policy expects the producer's own key`,
      );
    }
    return { keyId: KeyMetadata?.KeyId, arn: KeyMetadata?.Arn };
  } catch (error) {
    if (error instanceof OperationalError) throw error;
    if (awsErrorName(error) === 'NotFoundException') {
      throw new OperationalError(
        `KMS key ${keyId} does not exist in ${region}: deploy stack s3-to-sentinel-${producer.name} first ` +
          '(it creates the key), check --region/--profile, or pass --kms-key-id',
        { cause: error },
      );
    }
    if (awsErrorName(error) === 'AccessDeniedException') {
      // Describing the key is only a pre-flight check; PutParameter decides whether the key is usable.
      deps.output.err(`warning: cannot describe KMS key ${keyId} (access denied); writing anyway`);
      return undefined;
    }
    throw new OperationalError(`could not describe KMS key ${keyId} in ${region}: ${describeError(error)}`, {
      cause: error,
    });
  }
}

function putFailure(error: unknown, name: string, keyId: string, region: string): string {
  const detail = describeError(error);
  switch (awsErrorName(error)) {
    case 'AccessDeniedException':
      return (
        `not allowed to write ${name} in ${region} (${detail}): your identity needs ssm:PutParameter on the parameter ` +
        `and kms:GenerateDataKey on ${keyId}`
      );
    case 'InvalidKeyId':
      return `SSM cannot use KMS key ${keyId} for ${name} (${detail}): check the alias exists in ${region} or pass --kms-key-id`;
    case 'ParameterMaxVersionLimitExceeded':
      return `${name} has 100 versions, SSM's limit (${detail}): delete the parameter (the stack does not own it) and run put-secret again`;
    default:
      return `could not write ${name} in ${region}: ${detail}`;
  }
}

async function readBack(ssm: SSMClient, name: string, region: string): Promise<SecretMetadata> {
  try {
    // DescribeParameters returns metadata only: the value, even encrypted, never leaves SSM.
    const { Parameters } = await ssm.send(
      new DescribeParametersCommand({
        ParameterFilters: [{ Key: 'Name', Option: 'Equals', Values: [name] }],
      }),
    );
    const parameter = Parameters?.find((p) => p.Name === name);
    if (parameter === undefined)
      throw new OperationalError(`${name} was written but is not found when read back in ${region}`);
    return {
      name,
      version: parameter.Version ?? 0,
      type: parameter.Type ?? 'unknown',
      keyId: parameter.KeyId ?? 'unknown',
      tier: parameter.Tier ?? 'unknown',
      lastModified: parameter.LastModifiedDate,
      lastModifiedUser: parameter.LastModifiedUser,
    };
  } catch (error) {
    if (error instanceof OperationalError) throw error;
    throw new OperationalError(
      `${name} was written but its metadata could not be read back (${describeError(error)}); check with ` +
        `\`aws ssm describe-parameters --parameter-filters Key=Name,Values=${name}\``,
      { cause: error },
    );
  }
}
