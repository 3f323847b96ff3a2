import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetWebIdentityTokenCommand, STSClient } from '@aws-sdk/client-sts';
import 'aws-sdk-client-mock-jest';
import { AuthenticationError, type TokenCredential } from '@azure/identity';
import { mockClient } from 'aws-sdk-client-mock';
import type { ForwarderConfig } from '../../../lambda/core/config';
import {
  createTokenCredential,
  RotatingSecretCredential,
  stsWebIdentityToken,
} from '../../../lambda/io/credentials';
import { ConfigurationError, CredentialError, CredentialRejectedError } from '../../../lambda/core/errors';
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
  streamName: 'Custom-AppLogs',
  authMode: 'secret',
  clientSecretParameter: '/p',
  secretTtlSeconds: 900,
  uploadConcurrency: 4,
};

function secrets(ttlSeconds = 900): SecretCache {
  return new SecretCache({
    ssm: new SSMClient({}),
    parameterName: '/p',
    ttlSeconds,
    producer: 'app-logs',
  });
}

const okToken = (token: string): TokenCredential => ({
  getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 60_000 }),
});

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

  test('fails permanent when Entra rejects the client secret, and re-reads SSM next time', async () => {
    ssmMock.on(GetParameterCommand).resolves({ Parameter: { Value: 'wrong-secret-value' } });
    const credential = new RotatingSecretCredential({
      tenantId: 'tenant-1',
      clientId: 'client-1',
      producer: 'app-logs',
      secrets: secrets(),
      factory: () => ({
        getToken: async () => {
          throw new AuthenticationError(401, {
            error: 'invalid_client',
            error_description: 'AADSTS7000215: Invalid client secret provided.',
          });
        },
      }),
    });
    const error = await credential.getToken('scope').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialRejectedError);
    expect((error as Error).message).toMatch(
      /invalid_client.*`s3-to-sentinel put-secret --producer app-logs --from-outputs <cdktf outputs file>` \(or `--stdin`/,
    );
    expect((error as Error).message).not.toContain('wrong-secret-value');
    await credential.getToken('scope').catch(() => undefined);
    expect(ssmMock.commandCalls(GetParameterCommand)).toHaveLength(2);
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
