import {
  DEFAULT_SECRET_TTL_SECONDS,
  DEFAULT_UPLOAD_CONCURRENCY,
  loadConfig,
} from '../../../lambda/core/config';
import { ENV } from '../../../lambda/contract/environment';
import { ConfigurationError } from '../../../lambda/core/errors';

const complete = {
  [ENV.producerName]: 'app-logs',
  [ENV.format]: 'ndjson',
  [ENV.tenantId]: 'tenant',
  [ENV.clientId]: 'client',
  [ENV.logsIngestionEndpoint]: 'https://dce.example.ingest.monitor.azure.com',
  [ENV.dcrImmutableId]: 'dcr-1',
  [ENV.streamName]: 'Custom-AppLogs',
  [ENV.authMode]: 'secret',
  [ENV.clientSecretParameter]: '/s3-to-sentinel/app-logs/client-secret',
};

describe('loadConfig', () => {
  test('reads every variable and applies the documented defaults', () => {
    expect(loadConfig(complete)).toStrictEqual({
      producerName: 'app-logs',
      format: 'ndjson',
      tenantId: 'tenant',
      clientId: 'client',
      logsIngestionEndpoint: 'https://dce.example.ingest.monitor.azure.com',
      dcrImmutableId: 'dcr-1',
      dcrImmutableIds: ['dcr-1'],
      streamName: 'Custom-AppLogs',
      authMode: 'secret',
      clientSecretParameter: '/s3-to-sentinel/app-logs/client-secret',
      secretTtlSeconds: DEFAULT_SECRET_TTL_SECONDS,
      uploadConcurrency: DEFAULT_UPLOAD_CONCURRENCY,
    });
    expect(DEFAULT_SECRET_TTL_SECONDS).toBe(900);
    expect(DEFAULT_UPLOAD_CONCURRENCY).toBe(4);
  });

  test('reads the TTL and the upload concurrency', () => {
    const config = loadConfig({ ...complete, [ENV.secretTtlSeconds]: '60', [ENV.uploadConcurrency]: '8' });
    expect(config).toMatchObject({ secretTtlSeconds: 60, uploadConcurrency: 8 });
  });

  test('reads the queue URLs when the construct sets them', () => {
    const config = loadConfig({
      ...complete,
      [ENV.queueUrl]: 'https://sqs.eu-west-1.amazonaws.com/123456789012/q',
      [ENV.deadLetterQueueUrl]: 'https://sqs.eu-west-1.amazonaws.com/123456789012/q-dlq',
    });
    expect(config).toMatchObject({
      queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/q',
      deadLetterQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/q-dlq',
    });
  });

  test('needs no secret parameter in federated mode', () => {
    const env: Record<string, string> = { ...complete, [ENV.authMode]: 'federated' };
    delete env[ENV.clientSecretParameter];
    expect(loadConfig(env)).toMatchObject({ authMode: 'federated' });
    expect(loadConfig(env)).not.toHaveProperty('clientSecretParameter');
  });

  test('fails naming every missing variable at once', () => {
    const env: Record<string, string> = { ...complete };
    delete env[ENV.dcrImmutableId];
    delete env[ENV.clientSecretParameter];
    expect(() => loadConfig(env)).toThrow(ConfigurationError);
    expect(() => loadConfig(env)).toThrow(/DCR_IMMUTABLE_ID is not set; CLIENT_SECRET_PARAMETER is not set/);
  });

  test.each([
    [ENV.format, 'xml', /LOG_FORMAT \("xml"\) must be one of cloudtrail/],
    [ENV.logsIngestionEndpoint, 'http://dce.example', /must be an https:\/\/ URL/],
    [ENV.authMode, 'password', /AZURE_AUTH_MODE \("password"\) must be 'secret' or 'federated'/],
    [ENV.uploadConcurrency, '0', /UPLOAD_CONCURRENCY \("0"\) must be an integer from 1 to 32/],
    [ENV.secretTtlSeconds, 'soon', /CLIENT_SECRET_TTL_SECONDS \("soon"\) must be an integer/],
    [ENV.deadLetterQueueUrl, 'my-dlq', /DEAD_LETTER_QUEUE_URL \("my-dlq"\) must be an SQS queue URL/],
  ])('fails if %s is %s', (name, value, message) => {
    expect(() => loadConfig({ ...complete, [name]: value })).toThrow(message);
  });
});

describe('loadConfig: the DCRs of a sharded producer (DCR_IMMUTABLE_IDS)', () => {
  test('is the one DCR of DCR_IMMUTABLE_ID when unset or empty', () => {
    expect(loadConfig(complete).dcrImmutableIds).toStrictEqual(['dcr-1']);
    expect(loadConfig({ ...complete, [ENV.dcrImmutableIds]: ' ' }).dcrImmutableIds).toStrictEqual(['dcr-1']);
  });

  test('reads every id, in order, trimmed', () => {
    // GIVEN three shards, as the construct writes them, with stray spaces
    const env = { ...complete, [ENV.dcrImmutableIds]: 'dcr-1, dcr-2 ,dcr-3' };
    // WHEN / THEN
    expect(loadConfig(env)).toMatchObject({
      dcrImmutableId: 'dcr-1',
      dcrImmutableIds: ['dcr-1', 'dcr-2', 'dcr-3'],
    });
  });

  test.each([
    [
      'dcr-1,,dcr-2',
      /DCR_IMMUTABLE_IDS \("dcr-1,,dcr-2"\) must be DCR immutable ids separated by commas, none empty/,
    ],
    ['dcr-1,', /DCR_IMMUTABLE_IDS \("dcr-1,"\) must be DCR immutable ids separated by commas, none empty/],
    ['dcr-1,dcr-2,dcr-2', /DCR_IMMUTABLE_IDS \("dcr-1,dcr-2,dcr-2"\) names dcr-2 more than once/],
    ['dcr-2,dcr-1', /DCR_IMMUTABLE_IDS \("dcr-2,dcr-1"\) must start with DCR_IMMUTABLE_ID \("dcr-1"\)/],
  ])('fails if DCR_IMMUTABLE_IDS is %s', (value, message) => {
    expect(() => loadConfig({ ...complete, [ENV.dcrImmutableIds]: value })).toThrow(ConfigurationError);
    expect(() => loadConfig({ ...complete, [ENV.dcrImmutableIds]: value })).toThrow(message);
  });

  test('fails naming both problems when DCR_IMMUTABLE_ID is missing too', () => {
    const env: Record<string, string> = { ...complete, [ENV.dcrImmutableIds]: 'dcr-1,dcr-1' };
    delete env[ENV.dcrImmutableId];
    expect(() => loadConfig(env)).toThrow(
      /DCR_IMMUTABLE_ID is not set; DCR_IMMUTABLE_IDS .* names dcr-1 more than once/,
    );
  });
});
