import { readFile } from 'node:fs/promises';
import { DescribeKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { DescribeParametersCommand, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import {
  AZURE_STACK_NAME,
  CLIENT_SECRET_OUTPUT,
  secretKeyAlias,
  secretParameterName,
  type ProducerDefinition,
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
}

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
  const secret = await readSecret(options, deps);
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
  return metadata;
}

async function readSecret(options: PutSecretOptions, deps: PutSecretDeps): Promise<string> {
  if ((options.fromOutputs === undefined) === (options.stdin !== true)) {
    throw new UsageError(
      'put-secret needs exactly one source: --stdin or --from-outputs <cdktf outputs file>',
    );
  }
  let secret: string;
  let source: string;
  if (options.fromOutputs !== undefined) {
    secret = await secretFromOutputsFile(options.fromOutputs);
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
  return secret;
}

/** The sensitive `client_secret` output of the Azure stack in a `cdktf deploy --outputs-file` file. */
export async function secretFromOutputsFile(path: string): Promise<string> {
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
  const secret = (stack as Record<string, unknown>)[CLIENT_SECRET_OUTPUT];
  if (typeof secret !== 'string' || secret.length === 0) {
    throw new UsageError(
      `--from-outputs ${path} has no "${CLIENT_SECRET_OUTPUT}" in "${AZURE_STACK_NAME}": cdktf leaves sensitive outputs out ` +
        'unless deployed with --outputs-file-include-sensitive-outputs; with the federated identity mode there is no secret to put',
    );
  }
  return secret;
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
