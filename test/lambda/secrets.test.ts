import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { ConfigurationError, CredentialError } from '../../lambda/core/errors';
import { SecretCache } from '../../lambda/io/secrets';

const ssmMock = mockClient(SSMClient);
const PARAMETER = '/s3-to-sentinel/app-logs/client-secret';

beforeEach(() => ssmMock.reset());

function cache(now: () => number, ttlSeconds = 900): SecretCache {
  return new SecretCache({
    ssm: new SSMClient({}),
    parameterName: PARAMETER,
    ttlSeconds,
    producer: 'app-logs',
    now,
  });
}

function ssmError(name: string): Error {
  const err = new Error(`${name} happened`);
  err.name = name;
  return err;
}

describe('SecretCache', () => {
  test('reads the SecureString with decryption once, then serves it from memory until the TTL', async () => {
    // GIVEN
    ssmMock.on(GetParameterCommand).resolves({ Parameter: { Value: 'first' } });
    let clock = 1_000_000;
    const secrets = cache(() => clock, 60);
    // WHEN read three times within the TTL, concurrently and later
    const values = await Promise.all([secrets.get(), secrets.get()]);
    clock += 59_000;
    values.push(await secrets.get());
    // THEN
    expect(values).toStrictEqual(['first', 'first', 'first']);
    expect(ssmMock).toHaveReceivedCommandTimes(GetParameterCommand, 1);
    expect(ssmMock).toHaveReceivedCommandWith(GetParameterCommand, { Name: PARAMETER, WithDecryption: true });
  });

  test('reads again after the TTL and picks up a rotated value', async () => {
    ssmMock
      .on(GetParameterCommand)
      .resolvesOnce({ Parameter: { Value: 'first' } })
      .resolves({ Parameter: { Value: 'rotated' } });
    let clock = 0;
    const secrets = cache(() => clock, 60);
    expect(await secrets.get()).toBe('first');
    clock += 60_000;
    expect(await secrets.get()).toBe('rotated');
    expect(ssmMock).toHaveReceivedCommandTimes(GetParameterCommand, 2);
  });

  test('fails permanent, naming put-secret, if the parameter does not exist', async () => {
    ssmMock.on(GetParameterCommand).rejects(ssmError('ParameterNotFound'));
    const error = await cache(Date.now)
      .get()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain(
      '`s3-to-sentinel put-secret --producer app-logs --from-outputs <cdktf outputs file>` (or `--stdin`',
    );
  });

  test('fails permanent, naming the real put-secret command, if the parameter is empty', async () => {
    ssmMock.on(GetParameterCommand).resolves({ Parameter: { Value: '' } });
    const error = await cache(Date.now)
      .get()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain(
      '`s3-to-sentinel put-secret --producer app-logs --from-outputs <cdktf outputs file>` (or `--stdin`',
    );
  });

  test('fails permanent, naming the permissions, if reading is denied', async () => {
    ssmMock.on(GetParameterCommand).rejects(ssmError('AccessDeniedException'));
    const error = await cache(Date.now)
      .get()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(/ssm:GetParameter .* kms:Decrypt/);
  });

  test('fails transient on throttling', async () => {
    ssmMock.on(GetParameterCommand).rejects(ssmError('ThrottlingException'));
    const error = await cache(Date.now)
      .get()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialError);
    expect((error as CredentialError).retryable).toBe(true);
  });

  test('never reveals the value through JSON or its error messages', async () => {
    ssmMock.on(GetParameterCommand).resolves({ Parameter: { Value: 'hunter2-secret' } });
    const secrets = cache(Date.now);
    await secrets.get();
    expect(JSON.stringify(secrets)).not.toContain('hunter2-secret');
    expect(JSON.stringify({ secrets })).toBe(`{"secrets":{"parameterName":"${PARAMETER}"}}`);
  });
});
