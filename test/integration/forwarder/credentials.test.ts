/**
 * Secrets and Entra credentials: the client secret read from SSM (cached, re-read after its TTL,
 * never logged), the real ClientSecretCredential and the federated (STS web identity) credential
 * against the emulator's Entra ID token endpoint, a batch once Entra ID rejects the secret, and a
 * rejection right after `put-secret` (SSM read again, the new secret used, nothing dead-lettered).
 */
import { ChangeMessageVisibilityBatchCommand } from '@aws-sdk/client-sqs';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { GetWebIdentityTokenCommand } from '@aws-sdk/client-sts';
import 'aws-sdk-client-mock-jest';
import { ENV } from '../../../lambda/contract/environment';
import { s3ObjectOpener } from '../../../lambda/io/s3-objects';
import type { DependencyOptions } from '../../../lambda/pipeline/handler';
import { lambdaContext, s3Notification, sqsEvent, sqsRecord } from '../../support/events';
import {
  emulator,
  makeHandler,
  ndjson,
  output,
  putObject,
  rowsOf,
  s3,
  DLQ_URL,
  QUEUE_URL,
  SECRET,
  secretsSeen,
  sqsMock,
  ssmMock,
  stsMock,
  useForwarderHarness,
} from '../../support/forwarder-harness';
import { fakeDateOnly } from '../../support/fake-date';
import { localS3Client } from '../../support/s3-server';

useForwarderHarness();

/**
 * A first receive an hour ago: past the 30 minutes in which Entra rejecting a credential is taken
 * for a new identity still propagating (deferred), so the rejection is final.
 */
const pastPropagation = () => Date.now() - 3_600_000;

describe('forwarder handler', () => {
  test('reads the secret once across invocations, again after the TTL, and never logs it', async () => {
    // GIVEN a 60 s TTL, a controllable clock (only `Date`, which the secret's cache reads), and a
    // secret rotated after the first read
    ssmMock.reset();
    ssmMock
      .on(GetParameterCommand)
      .resolvesOnce({ Parameter: { Value: SECRET } })
      .resolves({ Parameter: { Value: `${SECRET}-rotated` } });
    fakeDateOnly();
    const handler = makeHandler({
      envOverrides: { [ENV.secretTtlSeconds]: '60' },
      // Tokens that need refreshing on every request, so each invocation asks for the secret.
      secretCredentialFactory: (_tenant, _client, secret) => {
        secretsSeen.push(secret);
        return emulator.tokenCredential(1_000);
      },
    });
    const object = await putObject('secret/cached.json', ndjson(2));
    const event = sqsEvent(sqsRecord(s3Notification(object)));
    // WHEN three invocations: two within the TTL, one after
    await handler(event, lambdaContext());
    jest.setSystemTime(Date.now() + 30_000);
    await handler(event, lambdaContext());
    jest.setSystemTime(Date.now() + 31_000);
    const last = await handler(event, lambdaContext());
    // THEN
    expect(last).toStrictEqual({ batchItemFailures: [] });
    expect(ssmMock).toHaveReceivedCommandTimes(GetParameterCommand, 2);
    expect(ssmMock).toHaveReceivedCommandWith(GetParameterCommand, {
      Name: '/s3-to-sentinel/app-logs/client-secret',
      WithDecryption: true,
    });
    expect(secretsSeen).toStrictEqual([SECRET, `${SECRET}-rotated`]);
    expect(emulator.tokenRequests).toBeGreaterThanOrEqual(3);
    expect(output.text()).not.toContain(SECRET);
  });

  test('never writes the secret to any log line, failures included', async () => {
    const object = await putObject('secret/failing.json', ndjson(2));
    emulator.failAlways({ status: 401 });
    // First received an hour ago: the 401 is final, and the second message is still parsed and logged.
    const anHourAgo = Date.now() - 3_600_000;
    await makeHandler()(
      sqsEvent(
        sqsRecord(s3Notification(object), undefined, 2, anHourAgo),
        sqsRecord('not json at all', undefined, 2, anHourAgo),
      ),
      lambdaContext(),
    );
    expect(secretsSeen).toStrictEqual([SECRET]);
    expect(output.logs().length).toBeGreaterThan(2);
    expect(output.text()).not.toContain(SECRET);
  });

  describe('with the real ClientSecretCredential against a local Entra ID token endpoint', () => {
    const entraOptions = () => ({
      authorityHost: emulator.endpoint,
      disableInstanceDiscovery: true,
      tlsOptions: { ca: emulator.ca },
    });

    test('exchanges the SSM secret for a Logs Ingestion token and delivers', async () => {
      // GIVEN Entra ID knows the secret SSM holds
      emulator.clientSecret = SECRET;
      const object = await putObject('entra/ok.json', ndjson(5));
      const handler = makeHandler({ secretCredentialFactory: undefined, entraOptions: entraOptions() });
      // WHEN
      const response = await handler(sqsEvent(sqsRecord(s3Notification(object))), lambdaContext());
      // THEN one client-credentials grant for the Azure Monitor scope, then the upload
      expect(response).toStrictEqual({ batchItemFailures: [] });
      expect(emulator.tokenGrants).toStrictEqual([
        {
          clientId: '00000000-0000-0000-0000-000000000002',
          scope: 'https://monitor.azure.com/.default',
          ok: true,
        },
      ]);
      expect(rowsOf(object.key)).toHaveLength(5);
      expect(output.text()).not.toContain(SECRET);
    });

    test('federated mode: exchanges an AWS web identity token for the Logs Ingestion token, no secret', async () => {
      // GIVEN STS mints a token that Entra ID's federated credential trusts
      stsMock.on(GetWebIdentityTokenCommand).resolves({ WebIdentityToken: 'aws-outbound-jwt' });
      emulator.clientAssertion = 'aws-outbound-jwt';
      const object = await putObject('entra/federated.json', ndjson(4));
      const handler = makeHandler({
        envOverrides: { [ENV.authMode]: 'federated', [ENV.clientSecretParameter]: '' },
        secretCredentialFactory: undefined,
        entraOptions: entraOptions(),
      });
      // WHEN
      const response = await handler(sqsEvent(sqsRecord(s3Notification(object))), lambdaContext());
      // THEN
      expect(response).toStrictEqual({ batchItemFailures: [] });
      expect(rowsOf(object.key)).toHaveLength(4);
      expect(stsMock).toHaveReceivedCommandWith(GetWebIdentityTokenCommand, {
        Audience: ['api://AzureADTokenExchange'],
        DurationSeconds: 300,
      });
      expect(emulator.tokenGrants).toStrictEqual([
        {
          clientId: '00000000-0000-0000-0000-000000000002',
          scope: 'https://monitor.azure.com/.default',
          ok: true,
        },
      ]);
      expect(ssmMock).toHaveReceivedCommandTimes(GetParameterCommand, 0);
    });

    test('federated mode: fails permanent when Entra ID does not trust the AWS token', async () => {
      stsMock.on(GetWebIdentityTokenCommand).resolves({ WebIdentityToken: 'aws-outbound-jwt' });
      emulator.clientAssertion = 'a-different-subject';
      const object = await putObject('entra/federated-rejected.json', ndjson(4));
      const handler = makeHandler({
        envOverrides: { [ENV.authMode]: 'federated', [ENV.clientSecretParameter]: '' },
        secretCredentialFactory: undefined,
        entraOptions: entraOptions(),
      });
      const response = await handler(
        sqsEvent(sqsRecord(s3Notification(object), 'untrusted', 2, pastPropagation())),
        lambdaContext(),
      );
      expect(response).toStrictEqual({ batchItemFailures: [{ itemIdentifier: 'untrusted' }] });
      const error = output.logs().find((l) => l.level === 'ERROR');
      expect(error).toMatchObject({ failureClass: 'CredentialRejected', retryable: false });
      expect(String(error?.message)).toMatch(/federated identity credential/);
    });

    test('after put-secret, reads SSM again when Entra ID rejects the cached secret, and delivers', async () => {
      // GIVEN a forwarder that cached the secret (for a day) and got a token with it
      const rotated = `${SECRET}-rotated`;
      ssmMock.reset();
      ssmMock
        .on(GetParameterCommand)
        .resolvesOnce({ Parameter: { Value: SECRET, Type: 'SecureString' } })
        .resolves({ Parameter: { Value: rotated, Type: 'SecureString' } });
      emulator.clientSecret = SECRET;
      const before = await putObject('entra/before-rotation.json', ndjson(2));
      const after = await putObject('entra/after-rotation.json', ndjson(3));
      // Only `Date` is faked: the token's expiry, MSAL's cache and the secret's TTL all read it. The
      // handler gets its own S3 client: the SDK corrects its clock from s3rver's (real) Date header.
      fakeDateOnly();
      const client = localS3Client(s3.endpoint);
      const handler = makeHandler({
        s3: client,
        secretCredentialFactory: undefined,
        entraOptions: entraOptions(),
        envOverrides: {
          [ENV.secretTtlSeconds]: '86400',
          [ENV.queueUrl]: QUEUE_URL,
          [ENV.deadLetterQueueUrl]: DLQ_URL,
        },
      });
      expect(await handler(sqsEvent(sqsRecord(s3Notification(before))), lambdaContext())).toStrictEqual({
        batchItemFailures: [],
      });
      // WHEN put-secret writes a new secret that Entra ID now requires, and the hour-long token expires
      emulator.clientSecret = rotated;
      jest.setSystemTime(Date.now() + 61 * 60_000);
      const response = await handler(
        sqsEvent(sqsRecord(s3Notification(after), 'after-rotation')),
        lambdaContext(),
      );
      client.destroy();
      // THEN the cached secret was rejected once, SSM read again, and the new secret delivered the rows
      expect(response).toStrictEqual({ batchItemFailures: [] });
      expect(rowsOf(after.key)).toHaveLength(3);
      expect(emulator.tokenGrants.map((g) => g.ok)).toStrictEqual([true, false, true]);
      expect(ssmMock).toHaveReceivedCommandTimes(GetParameterCommand, 2);
      // Nothing went to the DLQ, whichever SQS call routing uses.
      const toDlq = sqsMock
        .calls()
        .filter((c) => (c.args[0].input as { QueueUrl?: string }).QueueUrl === DLQ_URL);
      expect(toDlq).toHaveLength(0);
      expect(output.logs().filter((l) => l.level === 'ERROR')).toHaveLength(0);
      expect(output.text()).not.toContain(SECRET);
    });

    test('fails permanent, naming put-secret, when Entra ID rejects the secret', async () => {
      emulator.clientSecret = 'the-secret-entra-expects';
      const object = await putObject('entra/rejected.json', ndjson(5));
      const handler = makeHandler({ secretCredentialFactory: undefined, entraOptions: entraOptions() });
      const response = await handler(
        sqsEvent(sqsRecord(s3Notification(object), 'rejected', 2, pastPropagation())),
        lambdaContext(),
      );
      expect(response).toStrictEqual({ batchItemFailures: [{ itemIdentifier: 'rejected' }] });
      const error = output.logs().find((l) => l.level === 'ERROR');
      expect(error).toMatchObject({ failureClass: 'CredentialRejected', retryable: false });
      expect(String(error?.message)).toMatch(
        /invalid_client.*`s3-to-sentinel put-secret --producer app-logs --from-outputs <cdktf outputs file>`/,
      );
      // SSM was read once more before the rejection stood; holding the same secret, it was not retried.
      expect(ssmMock).toHaveReceivedCommandTimes(GetParameterCommand, 2);
      expect(emulator.tokenGrants.map((g) => g.ok)).toStrictEqual([false]);
      expect(emulator.requests).toHaveLength(0);
      expect(output.text()).not.toContain(SECRET);
    });
  });

  test('stops reading objects once Entra ID rejects the secret: later messages fail the same way, unread', async () => {
    emulator.clientSecret = 'the-secret-entra-expects';
    const objects = await Promise.all([0, 1, 2].map((i) => putObject(`rejected-batch/${i}.json`, ndjson(3))));
    const opened: string[] = [];
    const recording: DependencyOptions['openObject'] = async (ref, signal) => {
      opened.push(ref.key);
      return s3ObjectOpener(s3.client)(ref, signal);
    };
    const handler = makeHandler({
      secretCredentialFactory: undefined,
      entraOptions: {
        authorityHost: emulator.endpoint,
        disableInstanceDiscovery: true,
        tlsOptions: { ca: emulator.ca },
      },
      openObject: recording,
    });
    const response = await handler(
      sqsEvent(...objects.map((o, i) => sqsRecord(s3Notification(o), `rejected-${i}`, 2, pastPropagation()))),
      lambdaContext(),
    );
    // Permanent for each (no DLQ URL configured here, so reported failed, without a back-off).
    expect(response).toStrictEqual({
      batchItemFailures: [0, 1, 2].map((i) => ({ itemIdentifier: `rejected-${i}` })),
    });
    expect(opened).toStrictEqual([objects[0].key]);
    const errors = output.logs().filter((l) => l.level === 'ERROR');
    expect(errors.map((l) => [l.messageId, l.failureClass, l.retryable])).toStrictEqual([
      ['rejected-0', 'CredentialRejected', false],
      ['rejected-1', 'CredentialRejected', false],
      ['rejected-2', 'CredentialRejected', false],
    ]);
    expect(sqsMock).toHaveReceivedCommandTimes(ChangeMessageVisibilityBatchCommand, 0);
  });
});
