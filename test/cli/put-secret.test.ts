import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  DescribeParametersCommand,
  GetParameterCommand,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { putSecret, secretKeyAlias, type PutSecretDeps } from '../../cli/put-secret';
import type { ProducerDefinition } from '../../lib/producer';
import { recordingOutput, type RecordingOutput } from './support';

const SECRET = 'Xy8Q~s3cr3t.value-that-must-never-print_0123456789';
const PARAMETER = '/s3-to-sentinel/cloudtrail/client-secret';
const ALIAS = 'alias/s3-to-sentinel/cloudtrail';
const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

const producer: ProducerDefinition = {
  name: 'cloudtrail',
  bucket: { kind: 'existing', bucketName: 'org-trail' },
  format: 'cloudtrail',
};

describe('put-secret', () => {
  const credentials = { accessKeyId: 'a', secretAccessKey: 'b' };
  let ssm: SSMClient;
  let kms: KMSClient;
  let ssmMock: ReturnType<typeof mockClient>;
  let kmsMock: ReturnType<typeof mockClient>;
  let output: RecordingOutput;
  let work: string;

  function deps(overrides: Partial<PutSecretDeps> = {}): PutSecretDeps {
    return { ssm, kms, output, readStdin: async () => `${SECRET}\n`, stdinIsTTY: false, ...overrides };
  }

  beforeEach(() => {
    ssm = new SSMClient({ region: 'eu-west-1', credentials });
    kms = new KMSClient({ region: 'eu-west-1', credentials });
    ssmMock = mockClient(ssm);
    kmsMock = mockClient(kms);
    output = recordingOutput();
    work = mkdtempSync(join(tmpdir(), 'put-secret-'));
    kmsMock.on(DescribeKeyCommand).resolves({
      KeyMetadata: {
        KeyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
        Arn: KEY_ARN,
        KeyState: 'Enabled',
        KeyManager: 'CUSTOMER',
      },
    });
    ssmMock.on(PutParameterCommand).resolves({ Version: 3, Tier: 'Standard' });
    ssmMock.on(DescribeParametersCommand).resolves({
      Parameters: [
        {
          Name: PARAMETER,
          Type: 'SecureString',
          KeyId: ALIAS,
          Version: 3,
          Tier: 'Standard',
          LastModifiedDate: new Date('2026-11-28T10:00:00Z'),
          LastModifiedUser: 'arn:aws:sts::111122223333:assumed-role/Admin/op',
        },
      ],
    });
  });
  afterEach(() => {
    ssmMock.restore();
    kmsMock.restore();
    rmSync(work, { recursive: true, force: true });
  });

  test('the key alias is the one the AWS stack creates', () => {
    expect(secretKeyAlias(producer)).toBe(ALIAS);
  });

  test('writes a SecureString with the producer key, Overwrite and Standard tier from stdin', async () => {
    // WHEN
    const metadata = await putSecret({ producer, stdin: true }, deps());

    // THEN exactly one write, with the trailing newline stripped
    expect(ssmMock).toHaveReceivedCommandTimes(PutParameterCommand, 1);
    expect(ssmMock.commandCalls(PutParameterCommand)[0].args[0].input).toStrictEqual({
      Name: PARAMETER,
      Value: SECRET,
      Type: 'SecureString',
      KeyId: ALIAS,
      Overwrite: true,
      Tier: 'Standard',
      Description: 'Entra client secret of s3-to-sentinel producer cloudtrail (written by put-secret)',
    });
    expect(kmsMock).toHaveReceivedCommandWith(DescribeKeyCommand, { KeyId: ALIAS });
    expect(metadata).toMatchObject({ name: PARAMETER, version: 3, type: 'SecureString', keyId: ALIAS });
  });

  test('confirms from metadata only: DescribeParameters by exact name, never GetParameter', async () => {
    // WHEN
    await putSecret({ producer, stdin: true }, deps());

    // THEN
    expect(ssmMock).toHaveReceivedCommandWith(DescribeParametersCommand, {
      ParameterFilters: [{ Key: 'Name', Option: 'Equals', Values: [PARAMETER] }],
    });
    expect(ssmMock).not.toHaveReceivedCommand(GetParameterCommand);
    expect(output.outLines).toStrictEqual([
      `wrote ${PARAMETER} (eu-west-1)`,
      '  version        3',
      '  type           SecureString',
      `  key            ${ALIAS}`,
      '  tier           Standard',
      '  last modified  2026-11-28T10:00:00.000Z by arn:aws:sts::111122223333:assumed-role/Admin/op',
    ]);
  });

  test('the secret appears in no output line', async () => {
    await putSecret({ producer, stdin: true }, deps());
    expect(output.all()).not.toContain(SECRET);
    expect(output.all()).toContain(PARAMETER);
  });

  test('reads client_secret from the cdktf outputs file', async () => {
    // GIVEN
    const file = join(work, 'outputs.json');
    writeFileSync(
      file,
      JSON.stringify({ 's3-to-sentinel-azure': { coordinates: {}, client_secret: SECRET } }),
    );

    // WHEN
    await putSecret({ producer, fromOutputs: file }, deps({ readStdin: async () => 'not used' }));

    // THEN
    expect(ssmMock).toHaveReceivedCommandWith(PutParameterCommand, { Value: SECRET, KeyId: ALIAS });
    expect(output.all()).not.toContain(SECRET);
  });

  describe('from the outputs of a stack that rotates its secret', () => {
    const NOW = new Date('2026-12-01T00:00:00Z');
    const writeOutputs = (stack: Record<string, unknown>): string => {
      const file = join(work, 'outputs.json');
      writeFileSync(file, JSON.stringify({ 's3-to-sentinel-azure': { coordinates: {}, ...stack } }));
      return file;
    };

    test('writes the newest secret and says what becomes of the previous one, and when', async () => {
      // GIVEN generation 3 is the newest, generation 2 the one the forwarder may still use
      const file = writeOutputs({
        client_secret: SECRET,
        client_secret_rotation: {
          cloudtrail: {
            generation: 3,
            expiresAt: '2027-11-01T00:00:00Z',
            previous: { generation: 2, expiresAt: '2027-01-15T00:00:00Z' },
          },
        },
      });
      // WHEN
      await putSecret({ producer, fromOutputs: file }, deps({ now: () => NOW }));
      // THEN
      expect(ssmMock).toHaveReceivedCommandWith(PutParameterCommand, { Value: SECRET });
      expect(output.outLines.slice(6)).toStrictEqual([
        '  generation     3 (the newest), expires 2027-11-01T00:00:00Z (in 335 days)',
        '  previous       generation 2, expires 2027-01-15T00:00:00Z (in 45 days): Entra accepts it until it ' +
          'expires or the next rotation (generation 4) deletes it, whichever comes first. The forwarder switches to ' +
          'the new secret when its cached value ages out (CLIENT_SECRET_TTL_SECONDS, default 15 minutes); rotate ' +
          'again only after that',
      ]);
      expect(output.errLines).toStrictEqual([]);
      expect(output.all()).not.toContain(SECRET);
    });

    test('at generation 1 there is no previous secret', async () => {
      // GIVEN
      const file = writeOutputs({
        client_secret: SECRET,
        client_secret_rotation: { cloudtrail: { generation: 1, expiresAt: '2028-12-01T00:00:00Z' } },
      });
      // WHEN
      await putSecret({ producer, fromOutputs: file }, deps({ now: () => NOW }));
      // THEN
      expect(output.outLines.slice(6)).toStrictEqual([
        '  generation     1 (the newest), expires 2028-12-01T00:00:00Z (in 731 days)',
        '  previous       none',
      ]);
    });

    test('says so when the previous secret has expired already', async () => {
      // GIVEN
      const file = writeOutputs({
        client_secret: SECRET,
        client_secret_rotation: {
          cloudtrail: {
            generation: 2,
            expiresAt: '2028-12-01T00:00:00Z',
            previous: { generation: 1, expiresAt: '2026-11-30T00:00:00Z' },
          },
        },
      });
      // WHEN
      await putSecret({ producer, fromOutputs: file }, deps({ now: () => NOW }));
      // THEN
      expect(output.outLines[7]).toBe(
        '  previous       generation 1, expired 2026-11-30T00:00:00Z: Entra no longer accepts it',
      );
    });

    test('warns if the newest secret itself expires within 30 days: rotate first', async () => {
      // GIVEN
      const file = writeOutputs({
        client_secret: SECRET,
        client_secret_rotation: { cloudtrail: { generation: 4, expiresAt: '2026-12-11T12:00:00Z' } },
      });
      // WHEN
      await putSecret({ producer, fromOutputs: file }, deps({ now: () => NOW }));
      // THEN the secret is still written: an expiring secret beats a missing one
      expect(ssmMock).toHaveReceivedCommandTimes(PutParameterCommand, 1);
      expect(output.errLines).toStrictEqual([
        'warning: the newest client secret expires 2026-12-11T12:00:00Z (10 days left): rotate first: set ' +
          'S2S_AZURE_SECRET_GENERATION (identity.secretGeneration) to 5, run `npx cdktf deploy`, and run put-secret ' +
          'again from fresh outputs',
      ]);
    });

    test('with per-producer identities, writes the producer’s own secret', async () => {
      // GIVEN
      const file = writeOutputs({ client_secrets: { cloudtrail: SECRET, other: 'Ab1~other-secret' } });
      // WHEN
      await putSecret({ producer, fromOutputs: file }, deps());
      // THEN
      expect(ssmMock).toHaveReceivedCommandWith(PutParameterCommand, { Name: PARAMETER, Value: SECRET });
      expect(output.all()).not.toContain('Ab1~other-secret');
    });

    test('fails if the per-producer secrets have none for this producer', async () => {
      // GIVEN
      const file = writeOutputs({ client_secrets: { other: 'Ab1~other-secret' } });
      // THEN
      await expect(putSecret({ producer, fromOutputs: file }, deps())).rejects.toThrow(
        `--from-outputs ${file} has no secret for producer "cloudtrail" in "client_secrets": add the producer ` +
          'to the Azure stack, deploy it, and write the outputs file again',
      );
      expect(ssmMock).not.toHaveReceivedCommand(PutParameterCommand);
    });
  });

  test('--kms-key-id overrides the key', async () => {
    await putSecret({ producer, stdin: true, kmsKeyId: KEY_ARN }, deps());
    expect(ssmMock).toHaveReceivedCommandWith(PutParameterCommand, { KeyId: KEY_ARN });
    expect(kmsMock).toHaveReceivedCommandWith(DescribeKeyCommand, { KeyId: KEY_ARN });
  });

  test('fails if SSM rejects the write, without repeating a secret echoed in the error', async () => {
    // GIVEN an error whose message quotes the value (as validation errors can)
    ssmMock.on(PutParameterCommand).rejects(
      Object.assign(new Error(`Value '${SECRET}' at 'value' failed to satisfy constraint`), {
        name: 'ValidationException',
      }),
    );

    // WHEN
    const failure = putSecret({ producer, stdin: true }, deps());

    // THEN
    await expect(failure).rejects.toThrow(
      `could not write ${PARAMETER} in eu-west-1: ValidationException: Value '***' at 'value' failed to satisfy constraint`,
    );
    await failure.catch((error: Error) => expect(`${error.message}${error.stack}`).not.toContain(SECRET));
  });

  test('fails if the producer key does not exist, naming the stack to deploy', async () => {
    kmsMock
      .on(DescribeKeyCommand)
      .rejects(Object.assign(new Error(`Alias ${ALIAS} is not found.`), { name: 'NotFoundException' }));
    await expect(putSecret({ producer, stdin: true }, deps())).rejects.toThrow(
      `KMS key ${ALIAS} does not exist in eu-west-1: deploy stack s3-to-sentinel-cloudtrail first (it creates the key), ` +
        'check --region/--profile, or pass --kms-key-id',
    );
    expect(ssmMock).not.toHaveReceivedCommand(PutParameterCommand);
  });

  test('fails if the key is disabled', async () => {
    kmsMock
      .on(DescribeKeyCommand)
      .resolves({ KeyMetadata: { KeyId: 'k', Arn: KEY_ARN, KeyState: 'PendingDeletion' } });
    await expect(putSecret({ producer, stdin: true }, deps())).rejects.toThrow(
      `KMS key ${ALIAS} (${KEY_ARN}) is PendingDeletion`,
    );
  });

  test('fails if not allowed to write, naming the permissions', async () => {
    ssmMock
      .on(PutParameterCommand)
      .rejects(Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException' }));
    await expect(putSecret({ producer, stdin: true }, deps())).rejects.toThrow(
      `not allowed to write ${PARAMETER} in eu-west-1 (AccessDeniedException: User is not authorized): your identity needs ` +
        `ssm:PutParameter on the parameter and kms:GenerateDataKey on ${ALIAS}`,
    );
  });

  test('fails if the read-back is not a SecureString', async () => {
    ssmMock
      .on(DescribeParametersCommand)
      .resolves({ Parameters: [{ Name: PARAMETER, Type: 'String', Version: 3, KeyId: ALIAS }] });
    await expect(putSecret({ producer, stdin: true }, deps())).rejects.toThrow(
      `${PARAMETER} reads back as String, not SecureString; delete it and run put-secret again`,
    );
  });

  test('fails if the read-back version is not the written one', async () => {
    ssmMock
      .on(DescribeParametersCommand)
      .resolves({ Parameters: [{ Name: PARAMETER, Type: 'SecureString', Version: 4, KeyId: ALIAS }] });
    await expect(putSecret({ producer, stdin: true }, deps())).rejects.toThrow(
      `${PARAMETER} reads back at version 4, but the write returned version 3`,
    );
  });

  test('fails if neither or both sources are given', async () => {
    await expect(putSecret({ producer }, deps())).rejects.toThrow(
      'put-secret needs exactly one source: --stdin or --from-outputs <cdktf outputs file>',
    );
    await expect(putSecret({ producer, stdin: true, fromOutputs: 'x.json' }, deps())).rejects.toThrow(
      'put-secret needs exactly one source',
    );
  });

  test('fails if stdin is a terminal', async () => {
    await expect(putSecret({ producer, stdin: true }, deps({ stdinIsTTY: true }))).rejects.toThrow(
      /^refusing to read the secret from a terminal: pipe it in/,
    );
  });

  test('fails if stdin is empty or holds several lines', async () => {
    await expect(putSecret({ producer, stdin: true }, deps({ readStdin: async () => '\n' }))).rejects.toThrow(
      'the client secret from standard input is empty',
    );
    const twoLines = putSecret(
      { producer, stdin: true },
      deps({ readStdin: async () => `${SECRET}\nsecond\n` }),
    );
    await expect(twoLines).rejects.toThrow(
      'the client secret from standard input contains whitespace or several lines; Entra secrets have none: pass only the secret',
    );
    expect(ssmMock).not.toHaveReceivedCommand(PutParameterCommand);
  });

  test('fails if the outputs file lacks the sensitive output, saying how to include it', async () => {
    const file = join(work, 'outputs.json');
    writeFileSync(file, JSON.stringify({ 's3-to-sentinel-azure': { coordinates: {} } }));
    await expect(putSecret({ producer, fromOutputs: file }, deps())).rejects.toThrow(
      /has no "client_secret" in "s3-to-sentinel-azure": cdktf leaves sensitive outputs out unless deployed with --outputs-file-include-sensitive-outputs/,
    );
  });

  test('fails if the outputs file has no Azure stack', async () => {
    const file = join(work, 'outputs.json');
    writeFileSync(file, JSON.stringify({ other: {} }));
    await expect(putSecret({ producer, fromOutputs: file }, deps())).rejects.toThrow(
      `--from-outputs ${file} has no stack "s3-to-sentinel-azure"`,
    );
  });

  test('fails if the outputs file is not JSON, without quoting its content', async () => {
    const file = join(work, 'outputs.json');
    writeFileSync(file, `{"s3-to-sentinel-azure": {"client_secret": "${SECRET}"`);
    const failure = putSecret({ producer, fromOutputs: file }, deps());
    await expect(failure).rejects.toThrow(`--from-outputs ${file} is not valid JSON`);
    await failure.catch((error: Error) => expect(error.message).not.toContain(SECRET));
  });

  test('fails if the outputs file does not exist', async () => {
    const file = join(work, 'missing.json');
    await expect(putSecret({ producer, fromOutputs: file }, deps())).rejects.toThrow(
      `--from-outputs ${file} cannot be read (ENOENT)`,
    );
  });
});
