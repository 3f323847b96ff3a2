import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { ConfigurationError, CredentialError } from '../../../lambda/core/errors';
import { SecretCache } from '../../../lambda/io/secrets';
import { fakeDateOnly } from '../../support/fake-date';

const ssmMock = mockClient(SSMClient);
const PARAMETER = '/s3-to-sentinel/app-logs/client-secret';

beforeEach(() => {
  ssmMock.reset();
  fakeDateOnly(Date.parse('2026-11-28T10:00:00Z'));
});
afterEach(() => jest.useRealTimers());

function cache(ttlSeconds = 900): SecretCache {
  return new SecretCache({
    ssm: new SSMClient({}),
    parameterName: PARAMETER,
    ttlSeconds,
    producer: 'app-logs',
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
    const secrets = cache(60);
    // WHEN read three times within the TTL, concurrently and later
    const values = await Promise.all([secrets.get(), secrets.get()]);
    jest.advanceTimersByTime(59_000);
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
    const secrets = cache(60);
    expect(await secrets.get()).toBe('first');
    jest.advanceTimersByTime(60_001);
    expect(await secrets.get()).toBe('rotated');
    expect(ssmMock).toHaveReceivedCommandTimes(GetParameterCommand, 2);
  });

  test('refresh reads SSM at once, whatever the cache holds, and caches the new value for a TTL', async () => {
    // GIVEN a cached value and a secret rotated since
    ssmMock
      .on(GetParameterCommand)
      .resolvesOnce({ Parameter: { Value: 'first' } })
      .resolves({ Parameter: { Value: 'rotated' } });
    const secrets = cache(60);
    await secrets.get();
    // WHEN refreshed twice at once, then read within the TTL
    const refreshed = await Promise.all([secrets.refresh(), secrets.refresh(), secrets.get()]);
    const later = await secrets.get();
    // THEN one more read, with decryption, serves all of them
    expect(refreshed).toStrictEqual(['rotated', 'rotated', 'rotated']);
    expect(later).toBe('rotated');
    expect(ssmMock).toHaveReceivedCommandTimes(GetParameterCommand, 2);
    expect(ssmMock).toHaveReceivedNthCommandWith(2, GetParameterCommand, {
      Name: PARAMETER,
      WithDecryption: true,
    });
  });

  test('invalidate makes the next get read SSM again', async () => {
    ssmMock
      .on(GetParameterCommand)
      .resolvesOnce({ Parameter: { Value: 'first' } })
      .resolves({ Parameter: { Value: 'rotated' } });
    const secrets = cache(60);
    await secrets.get();
    secrets.invalidate();
    expect(await secrets.get()).toBe('rotated');
    expect(ssmMock).toHaveReceivedCommandTimes(GetParameterCommand, 2);
  });

  test('a TTL of 0 reads SSM on every call', async () => {
    ssmMock.on(GetParameterCommand).resolves({ Parameter: { Value: 's' } });
    const secrets = cache(0);
    await secrets.get();
    await secrets.get();
    expect(ssmMock).toHaveReceivedCommandTimes(GetParameterCommand, 2);
  });

  test('reads again at once after finding the parameter empty, so a secret written since is used', async () => {
    ssmMock
      .on(GetParameterCommand)
      .resolvesOnce({ Parameter: { Value: '' } })
      .resolves({ Parameter: { Value: 'written' } });
    const secrets = cache(900);
    await expect(secrets.get()).rejects.toThrow(ConfigurationError);
    expect(await secrets.get()).toBe('written');
  });

  test('fails permanent, naming put-secret, if the parameter does not exist', async () => {
    ssmMock.on(GetParameterCommand).rejects(ssmError('ParameterNotFound'));
    const error = await cache()
      .get()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain(
      '`s3-to-sentinel put-secret --producer app-logs --from-outputs <cdktf outputs file>` (or `--stdin`',
    );
  });

  test('fails permanent, naming the real put-secret command, if the parameter is empty', async () => {
    ssmMock.on(GetParameterCommand).resolves({ Parameter: { Value: '' } });
    const error = await cache()
      .get()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain(
      '`s3-to-sentinel put-secret --producer app-logs --from-outputs <cdktf outputs file>` (or `--stdin`',
    );
  });

  test('fails permanent, naming the permissions, if reading is denied', async () => {
    ssmMock.on(GetParameterCommand).rejects(ssmError('AccessDeniedException'));
    const error = await cache()
      .get()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(/ssm:GetParameter .* kms:Decrypt/);
  });

  test.each(['ThrottlingException', 'InternalServerError'])(
    'fails transient on %s, naming the producer and the parameter',
    async (name) => {
      ssmMock.on(GetParameterCommand).rejects(ssmError(name));
      const error = await cache()
        .get()
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CredentialError);
      expect((error as CredentialError).retryable).toBe(true);
      expect((error as Error).message).toBe(
        `producer app-logs: reading the client secret parameter ${PARAMETER} failed (${name}); retrying later.`,
      );
      // The SDK's own error, not Powertools' wrapper, so the log shows what SSM said.
      expect((error as Error).cause).toMatchObject({ name });
    },
  );

  test('never reveals the value through JSON or its error messages', async () => {
    ssmMock.on(GetParameterCommand).resolves({ Parameter: { Value: 'hunter2-secret' } });
    const secrets = cache();
    await secrets.get();
    expect(JSON.stringify(secrets)).not.toContain('hunter2-secret');
    expect(JSON.stringify({ secrets })).toBe(`{"secrets":{"parameterName":"${PARAMETER}"}}`);
  });
});
