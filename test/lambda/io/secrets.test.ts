import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import {
  ConfigurationError,
  CredentialError,
  CredentialTimeoutError,
  TimeBudgetExhaustedError,
} from '../../../lambda/core/errors';
import { SecretCache } from '../../../lambda/io/secrets';
import { fakeDateOnly } from '../../support/fake-date';

const ssmMock = mockClient(SSMClient);
const PARAMETER = '/s3-to-sentinel/app-logs/client-secret';

beforeEach(() => {
  ssmMock.reset();
  fakeDateOnly(Date.parse('2026-11-28T10:00:00Z'));
});
afterEach(() => jest.useRealTimers());

function cache(ttlSeconds = 900, timeoutMs?: number): SecretCache {
  return new SecretCache({
    ssm: new SSMClient({}),
    parameterName: PARAMETER,
    ttlSeconds,
    producer: 'app-logs',
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  });
}

/** An SSM answer that never comes. */
const hang = () => new Promise<never>(() => undefined);

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

  test('fails transient, naming the parameter, when SSM gets no answer; the next call reads afresh', async () => {
    // GIVEN an SSM that hangs once, then answers
    ssmMock
      .on(GetParameterCommand)
      .callsFakeOnce(hang)
      .resolves({ Parameter: { Value: 'value' } });
    const secrets = cache(900, 50);
    // WHEN
    const error = await secrets.get().catch((e: unknown) => e);
    // THEN
    expect(error).toBeInstanceOf(CredentialTimeoutError);
    expect((error as CredentialTimeoutError).retryable).toBe(true);
    expect((error as Error).message).toBe(
      `producer app-logs: SSM GetParameter ${PARAMETER} got no answer within 0.05 s; retrying later. ` +
        "If this keeps happening, check the function's network path to SSM (VPC endpoint or NAT) and SSM's " +
        'health in the region.',
    );
    // AND the hung read is not joined: the next call reads SSM again
    expect(await secrets.get()).toBe('value');
    expect(ssmMock).toHaveReceivedCommandTimes(GetParameterCommand, 2);
  });

  test('a caller whose invocation ends stops waiting; others sharing the read still get it', async () => {
    // GIVEN a slow SSM read shared by two callers
    let answer: (value: unknown) => void = () => undefined;
    ssmMock.on(GetParameterCommand).callsFake(() => new Promise((resolve) => (answer = resolve)));
    const secrets = cache();
    const invocation = new AbortController();
    const ending = secrets.get({ abortSignal: invocation.signal });
    const patient = secrets.get();
    // WHEN the first caller's invocation ends, then SSM answers
    invocation.abort();
    await expect(ending).rejects.toBeInstanceOf(TimeBudgetExhaustedError);
    await new Promise((resolve) => setImmediate(resolve));
    answer({ Parameter: { Value: 'value' } });
    // THEN
    expect(await patient).toBe('value');
    expect(ssmMock).toHaveReceivedCommandTimes(GetParameterCommand, 1);
  });

  test("refresh ends at once when the caller's signal aborts", async () => {
    ssmMock.on(GetParameterCommand).callsFake(hang);
    const secrets = cache(900, 50);
    const invocation = new AbortController();
    invocation.abort();
    const error = await secrets.refresh({ abortSignal: invocation.signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeBudgetExhaustedError);
    expect((error as Error).message).toBe(
      `producer app-logs: the invocation's time budget ran out while reading the client secret parameter ` +
        `${PARAMETER}; the message returns to the queue.`,
    );
    // Let the shared read's bound run out, so no timer outlives the test.
    await secrets.get().catch(() => undefined);
  });

  test('never reveals the value through JSON or its error messages', async () => {
    ssmMock.on(GetParameterCommand).resolves({ Parameter: { Value: 'hunter2-secret' } });
    const secrets = cache();
    await secrets.get();
    expect(JSON.stringify(secrets)).not.toContain('hunter2-secret');
    expect(JSON.stringify({ secrets })).toBe(`{"secrets":{"parameterName":"${PARAMETER}"}}`);
  });
});
