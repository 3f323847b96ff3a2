import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetWebIdentityTokenCommand, STSClient } from '@aws-sdk/client-sts';
import 'aws-sdk-client-mock-jest';
import { AuthenticationError, type GetTokenOptions, type TokenCredential } from '@azure/identity';
import { mockClient } from 'aws-sdk-client-mock';
import type { ForwarderConfig } from '../../../lambda/core/config';
import {
  createTokenCredential,
  RotatingSecretCredential,
  stsWebIdentityToken,
} from '../../../lambda/io/credentials';
import {
  ConfigurationError,
  CredentialError,
  CredentialRejectedError,
  CredentialTimeoutError,
  TimeBudgetExhaustedError,
} from '../../../lambda/core/errors';
import { SecretCache } from '../../../lambda/io/secrets';
import { fakeDateOnly } from '../../support/fake-date';

const ssmMock = mockClient(SSMClient);
const stsMock = mockClient(STSClient);
beforeEach(() => {
  ssmMock.reset();
  stsMock.reset();
});
afterEach(() => jest.useRealTimers());

const config: ForwarderConfig = {
  producerName: 'app-logs',
  format: 'ndjson',
  tenantId: 'tenant-1',
  clientId: 'client-1',
  logsIngestionEndpoint: 'https://dce.example',
  dcrImmutableId: 'dcr-1',
  dcrImmutableIds: ['dcr-1'],
  streamName: 'Custom-AppLogs',
  authMode: 'secret',
  clientSecretParameter: '/p',
  secretTtlSeconds: 900,
  uploadConcurrency: 4,
};

function secrets(ttlSeconds = 900, timeoutMs?: number): SecretCache {
  return new SecretCache({
    ssm: new SSMClient({}),
    parameterName: '/p',
    ttlSeconds,
    producer: 'app-logs',
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  });
}

const okToken = (token: string): TokenCredential => ({
  getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 60_000 }),
});

/** What Entra ID answers a secret it does not know, as @azure/identity reports it. */
const invalidClient = () =>
  new AuthenticationError(401, {
    error: 'invalid_client',
    error_description: 'AADSTS7000215: Invalid client secret provided.',
  });

/** A token source that never answers: a hung endpoint. Records the options it was called with. */
function hanging(): TokenCredential & { readonly calls: (GetTokenOptions | undefined)[] } {
  const calls: (GetTokenOptions | undefined)[] = [];
  return { calls, getToken: (_scopes, options) => (calls.push(options), new Promise(() => undefined)) };
}

/** A credential over `secrets` whose Entra ID knows only `valid`; counts the token requests per secret. */
function entraKnowing(valid: string, secretCache: SecretCache) {
  const attempts: string[] = [];
  const credential = new RotatingSecretCredential({
    tenantId: 'tenant-1',
    clientId: 'client-1',
    producer: 'app-logs',
    secrets: secretCache,
    factory: (_tenant, _client, secret) => ({
      getToken: async () => {
        attempts.push(secret);
        if (secret !== valid) throw invalidClient();
        return { token: `token-for-${secret}`, expiresOnTimestamp: Date.now() + 60_000 };
      },
    }),
  });
  return { credential, attempts };
}

describe('RotatingSecretCredential', () => {
  test('builds the Entra credential from the SSM secret, and again only when the secret changes', async () => {
    ssmMock
      .on(GetParameterCommand)
      .resolvesOnce({ Parameter: { Value: 's1' } })
      .resolves({ Parameter: { Value: 's2' } });
    // The secret's cache reads the time from `Date`: fake only that.
    fakeDateOnly();
    const built: string[] = [];
    const credential = new RotatingSecretCredential({
      tenantId: 'tenant-1',
      clientId: 'client-1',
      producer: 'app-logs',
      secrets: secrets(60),
      factory: (tenant, client, secret) => {
        built.push(`${tenant}/${client}/${secret}`);
        return okToken(`token-for-${secret}`);
      },
    });
    expect((await credential.getToken('scope'))?.token).toBe('token-for-s1');
    expect((await credential.getToken('scope'))?.token).toBe('token-for-s1');
    jest.setSystemTime(Date.now() + 61_000);
    expect((await credential.getToken('scope'))?.token).toBe('token-for-s2');
    expect(built).toStrictEqual(['tenant-1/client-1/s1', 'tenant-1/client-1/s2']);
  });

  test('fails permanent when Entra rejects the client secret and SSM still holds it', async () => {
    // GIVEN SSM holding a secret Entra ID does not know
    ssmMock.on(GetParameterCommand).resolves({ Parameter: { Value: 'wrong-secret-value' } });
    const { credential, attempts } = entraKnowing('the-valid-secret', secrets());
    // WHEN
    const error = await credential.getToken('scope').catch((e: unknown) => e);
    // THEN SSM was read once more before the rejection stood, and the same secret was not tried again
    expect(error).toBeInstanceOf(CredentialRejectedError);
    expect((error as Error).message).toMatch(
      /invalid_client.*`s3-to-sentinel put-secret --producer app-logs --from-outputs <cdktf outputs file>` \(or `--stdin`/,
    );
    expect((error as Error).message).not.toContain('wrong-secret-value');
    expect(ssmMock).toHaveReceivedCommandTimes(GetParameterCommand, 2);
    expect(attempts).toStrictEqual(['wrong-secret-value']);
  });

  test('after a rejection, uses the secret put-secret wrote since the cache read the old one', async () => {
    // GIVEN the cache read the old secret, then put-secret wrote a new one (the cache's TTL has not run out)
    ssmMock
      .on(GetParameterCommand)
      .resolvesOnce({ Parameter: { Value: 'old-secret' } })
      .resolves({ Parameter: { Value: 'new-secret' } });
    const { credential, attempts } = entraKnowing('new-secret', secrets());
    // WHEN
    const token = await credential.getToken('scope');
    // THEN one more SSM read, one retry with the new value, and a token
    expect(token?.token).toBe('token-for-new-secret');
    expect(attempts).toStrictEqual(['old-secret', 'new-secret']);
    expect(ssmMock).toHaveReceivedCommandTimes(GetParameterCommand, 2);
    // AND the new value is cached: the next token needs neither SSM nor a retry
    await credential.getToken('scope');
    expect(ssmMock).toHaveReceivedCommandTimes(GetParameterCommand, 2);
    expect(attempts).toStrictEqual(['old-secret', 'new-secret', 'new-secret']);
  });

  test('retries a changed secret once only: a second rejection stands', async () => {
    ssmMock
      .on(GetParameterCommand)
      .resolvesOnce({ Parameter: { Value: 'old-secret' } })
      .resolves({ Parameter: { Value: 'also-wrong' } });
    const { credential, attempts } = entraKnowing('the-valid-secret', secrets());
    const error = await credential.getToken('scope').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialRejectedError);
    expect(attempts).toStrictEqual(['old-secret', 'also-wrong']);
    expect(ssmMock).toHaveReceivedCommandTimes(GetParameterCommand, 2);
  });

  test('fails transient, not rejected, when SSM cannot be read again after a rejection', async () => {
    // GIVEN a rejected secret, and SSM throttling the second read
    ssmMock
      .on(GetParameterCommand)
      .resolvesOnce({ Parameter: { Value: 'old-secret' } })
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const { credential, attempts } = entraKnowing('new-secret', secrets());
    // WHEN
    const error = await credential.getToken('scope').catch((e: unknown) => e);
    // THEN the rejection is not proven: the message is retried rather than dead-lettered
    expect(error).toBeInstanceOf(CredentialError);
    expect((error as CredentialError).retryable).toBe(true);
    expect((error as Error).message).toMatch(
      /reading the client secret parameter \/p failed \(ThrottlingException\)/,
    );
    expect(attempts).toStrictEqual(['old-secret']);
  });

  test('does not read SSM again for a failure other than a rejection', async () => {
    ssmMock.on(GetParameterCommand).resolves({ Parameter: { Value: 's' } });
    const credential = new RotatingSecretCredential({
      tenantId: 't',
      clientId: 'c',
      producer: 'app-logs',
      secrets: secrets(),
      factory: () => ({
        getToken: async () => {
          throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
        },
      }),
    });
    await expect(credential.getToken('scope')).rejects.toBeInstanceOf(CredentialError);
    expect(ssmMock).toHaveReceivedCommandTimes(GetParameterCommand, 1);
  });

  test('fails transient, naming Entra ID, tenant and client, when the token request gets no answer', async () => {
    // GIVEN an Entra ID that never answers
    ssmMock.on(GetParameterCommand).resolves({ Parameter: { Value: 's' } });
    const entra = hanging();
    const credential = new RotatingSecretCredential({
      tenantId: 'tenant-1',
      clientId: 'client-1',
      producer: 'app-logs',
      secrets: secrets(),
      factory: () => entra,
      timeoutMs: 50,
    });
    // WHEN
    const error = await credential.getToken('scope').catch((e: unknown) => e);
    // THEN a transient credential failure (the batch stops, the message is retried), and the request was aborted
    expect(error).toBeInstanceOf(CredentialTimeoutError);
    expect(error).toBeInstanceOf(CredentialError);
    expect((error as CredentialError).retryable).toBe(true);
    expect((error as Error).message).toMatch(
      /^producer app-logs: the Entra ID token request \(client client-1, tenant tenant-1\) got no answer within 0\.05 s; retrying later\. If this keeps happening, check that the function reaches Entra ID/,
    );
    expect(entra.calls[0]?.abortSignal?.aborted).toBe(true);
  });

  test("hands the invocation's abort to the token request, and fails as time running out", async () => {
    // GIVEN a token request under way
    ssmMock.on(GetParameterCommand).resolves({ Parameter: { Value: 's' } });
    const entra = hanging();
    const credential = new RotatingSecretCredential({
      tenantId: 'tenant-1',
      clientId: 'client-1',
      producer: 'app-logs',
      secrets: secrets(),
      factory: () => entra,
    });
    const invocation = new AbortController();
    const pending = credential.getToken('scope', { abortSignal: invocation.signal });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(entra.calls[0]?.abortSignal?.aborted).toBe(false);
    // WHEN the invocation's time budget ends
    invocation.abort();
    // THEN
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeBudgetExhaustedError);
    expect((error as Error).message).toMatch(/waiting for the Entra ID token request/);
    expect(entra.calls[0]?.abortSignal?.aborted).toBe(true);
  });

  test("ends a hung SSM read when the invocation's signal aborts", async () => {
    ssmMock.on(GetParameterCommand).callsFake(() => new Promise(() => undefined));
    const credential = new RotatingSecretCredential({
      tenantId: 't',
      clientId: 'c',
      producer: 'app-logs',
      secrets: secrets(900, 100),
      factory: () => okToken('t'),
    });
    const invocation = new AbortController();
    const pending = credential.getToken('scope', { abortSignal: invocation.signal });
    invocation.abort();
    await expect(pending).rejects.toBeInstanceOf(TimeBudgetExhaustedError);
  });

  test('fails transient when Entra is unreachable', async () => {
    ssmMock.on(GetParameterCommand).resolves({ Parameter: { Value: 's' } });
    const credential = new RotatingSecretCredential({
      tenantId: 't',
      clientId: 'c',
      producer: 'app-logs',
      secrets: secrets(),
      factory: () => ({
        getToken: async () => {
          throw Object.assign(new Error('getaddrinfo ENOTFOUND login.microsoftonline.com'), {
            code: 'ENOTFOUND',
          });
        },
      }),
    });
    const error = await credential.getToken('scope').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialError);
    expect((error as CredentialError).retryable).toBe(true);
  });
});

describe('createTokenCredential', () => {
  test('secret mode reads the secret through the cache', async () => {
    ssmMock.on(GetParameterCommand).resolves({ Parameter: { Value: 's' } });
    const credential = createTokenCredential(config, {
      secrets: secrets(),
      secretCredentialFactory: () => okToken('t'),
    });
    expect(credential).toBeInstanceOf(RotatingSecretCredential);
    expect((await credential.getToken('scope'))?.token).toBe('t');
  });

  test('federated mode asks STS for a five-minute RS256 token for the Entra token-exchange audience', async () => {
    stsMock.on(GetWebIdentityTokenCommand).resolves({ WebIdentityToken: 'aws-issued-jwt' });
    const token = await stsWebIdentityToken(new STSClient({}), 'app-logs')('api://AzureADTokenExchange');
    expect(token).toBe('aws-issued-jwt');
    expect(stsMock).toHaveReceivedCommandWith(GetWebIdentityTokenCommand, {
      Audience: ['api://AzureADTokenExchange'],
      SigningAlgorithm: 'RS256',
      DurationSeconds: 300,
    });
  });

  test("federated mode fails with STS's classified error, not a transient Entra one, when no token can be had", async () => {
    // GIVEN STS refusing the token (a permanent, actionable error)
    const refused = new ConfigurationError(
      'producer app-logs: STS refused GetWebIdentityToken (AccessDenied).',
    );
    const credential = createTokenCredential(
      { ...config, authMode: 'federated' },
      {
        webIdentityToken: async () => {
          throw refused;
        },
        // Nothing listens here: the assertion fails before any request to Entra.
        assertionOptions: { authorityHost: 'https://127.0.0.1:9' },
      },
    );
    // WHEN
    const error = await credential.getToken('scope').catch((e: unknown) => e);
    // THEN @azure/identity's wrapper (which keeps only the message) does not hide it
    expect(error).toBe(refused);
  });

  test('federated mode fails transient, naming STS, when GetWebIdentityToken gets no answer', async () => {
    // GIVEN an STS that never answers
    stsMock.on(GetWebIdentityTokenCommand).callsFake(() => new Promise(() => undefined));
    // WHEN
    const error = await stsWebIdentityToken(new STSClient({}), 'app-logs', { timeoutMs: 50 })(
      'api://AzureADTokenExchange',
    ).catch((e: unknown) => e);
    // THEN
    expect(error).toBeInstanceOf(CredentialTimeoutError);
    expect((error as Error).message).toMatch(
      /^producer app-logs: STS GetWebIdentityToken got no answer within 0\.05 s; retrying later\. .*network path to STS/,
    );
  });

  test("federated mode ends GetWebIdentityToken when the invocation's signal aborts", async () => {
    stsMock.on(GetWebIdentityTokenCommand).callsFake(() => new Promise(() => undefined));
    const invocation = new AbortController();
    const pending = stsWebIdentityToken(new STSClient({}), 'app-logs')('api://AzureADTokenExchange', {
      abortSignal: invocation.signal,
    });
    invocation.abort();
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeBudgetExhaustedError);
    expect((error as Error).message).toMatch(/waiting for STS GetWebIdentityToken/);
  });

  test("federated mode hands the token request's signal to the web identity token source", async () => {
    // GIVEN a token source that never answers
    const seen: (AbortSignal | undefined)[] = [];
    const credential = createTokenCredential(
      { ...config, authMode: 'federated' },
      {
        webIdentityToken: (_audience, options) => {
          seen.push(options?.abortSignal);
          return new Promise(() => undefined);
        },
        assertionOptions: { authorityHost: 'https://127.0.0.1:9' },
        timeoutMs: 200,
      },
    );
    // WHEN
    const error = await credential.getToken('scope').catch((e: unknown) => e);
    // THEN the timeout names STS, which was pending, and the source's signal aborted
    expect(error).toBeInstanceOf(CredentialTimeoutError);
    expect((error as Error).message).toMatch(/STS GetWebIdentityToken got no answer within 0\.2 s/);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.aborted).toBe(true);
  });

  test('federated mode fails permanent, naming the permission, when STS refuses', async () => {
    stsMock
      .on(GetWebIdentityTokenCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }));
    const error = await stsWebIdentityToken(
      new STSClient({}),
      'app-logs',
    )('api://AzureADTokenExchange').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(/sts:GetWebIdentityToken/);
  });
});
