import { AuthenticationError, AuthenticationRequiredError } from '@azure/identity';
import {
  ConfigurationError,
  CredentialError,
  CredentialRejectedError,
  ForwarderError,
} from '../../../lambda/core/errors';
import { classifyEntraError, entraErrorCode, type EntraClient } from '../../../lambda/io/entra-errors';

const CLIENT: EntraClient = {
  producer: 'app-logs',
  tenantId: 'tenant-1',
  clientId: 'client-1',
  rejectedFix: 'Write a current client secret.',
};

describe('classifyEntraError', () => {
  test.each(['invalid_client', 'unauthorized_client', 'invalid_request', 'invalid_grant'])(
    'fails permanent when Entra answers %s, naming tenant, client and the fix',
    (code) => {
      // GIVEN Entra's error response, as @azure/identity reports it
      const err = new AuthenticationError(401, { error: code, error_description: 'AADSTS7000215: ...' });
      // WHEN
      const error = classifyEntraError(err, CLIENT);
      // THEN
      expect(error).toBeInstanceOf(CredentialRejectedError);
      expect(error.retryable).toBe(false);
      expect(error.message).toBe(
        `producer app-logs: Entra ID rejected the credentials of client client-1 in tenant tenant-1 (${code}). ` +
          'Write a current client secret.',
      );
      expect(error.cause).toBe(err);
    },
  );

  test('reads the code from the message of an MSAL error, which carries no error response', () => {
    const err = new AuthenticationRequiredError({
      scopes: ['scope'],
      message: 'invalid_client: AADSTS7000215: Invalid client secret provided.',
    });
    expect(entraErrorCode(err)).toBe('invalid_client');
    expect(classifyEntraError(err, CLIENT)).toBeInstanceOf(CredentialRejectedError);
  });

  test.each([
    [
      'a network failure',
      Object.assign(new Error('getaddrinfo ENOTFOUND login.microsoftonline.com'), { code: 'ENOTFOUND' }),
    ],
    [
      'an Entra outage',
      new AuthenticationError(503, { error: 'temporarily_unavailable', error_description: '' }),
    ],
    ['a non-error', 'boom'],
  ])('fails transient on %s', (_what, err) => {
    const error = classifyEntraError(err, CLIENT);
    expect(error).toBeInstanceOf(CredentialError);
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(
      /^producer app-logs: getting an Entra token failed \(\w+\); retrying later\.$/,
    );
  });

  test('keeps an error that is already classified', () => {
    const err = new ConfigurationError('already classified');
    expect(classifyEntraError(err, CLIENT)).toBe(err);
    expect(err).toBeInstanceOf(ForwarderError);
  });
});
