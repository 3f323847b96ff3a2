import { producers as examples } from '../../bin/producers';
import {
  ProducerConfigError,
  awsResourceNames,
  pascalCase,
  streamName,
  tableName,
  validateProducers,
  type ProducerDefinition,
} from '../../lib';

const base: ProducerDefinition = { name: 'app-logs', bucket: { kind: 'new' }, format: 'ndjson' };
const withChange = (change: Record<string, unknown>) => ({ ...base, ...change }) as ProducerDefinition;

describe('the example configuration', () => {
  test('is valid and has at least CloudTrail, VPC flow logs and a generic NDJSON producer', () => {
    expect(() => validateProducers(examples)).not.toThrow();
    expect(examples.map((p) => p.format)).toEqual(
      expect.arrayContaining(['cloudtrail', 'vpcflow', 'ndjson']),
    );
  });
});

describe('names derived from a producer', () => {
  test('table and stream default to the PascalCase producer name', () => {
    expect(pascalCase('app-logs')).toBe('AppLogs');
    expect(tableName(base)).toBe('AppLogs_CL');
    expect(streamName(base)).toBe('Custom-AppLogs');
  });

  test('table.name overrides the default', () => {
    const p = withChange({ table: { name: 'MyTable' } });
    expect(tableName(p)).toBe('MyTable_CL');
    expect(streamName(p)).toBe('Custom-MyTable');
  });

  test('AWS resource names are fixed per producer', () => {
    expect(awsResourceNames(base)).toEqual({
      stackName: 's3-to-sentinel-app-logs',
      queueName: 's3-to-sentinel-app-logs',
      deadLetterQueueName: 's3-to-sentinel-app-logs-dlq',
      functionName: 's3-to-sentinel-app-logs',
      roleName: 's3-to-sentinel-app-logs-forwarder',
    });
  });
});

describe('validateProducers', () => {
  test.each<[string, Record<string, unknown>, string]>([
    [
      'the name has upper case',
      { name: 'AppLogs' },
      'producer "AppLogs": `name` ("AppLogs") must be 1–32 lower-case',
    ],
    ['the name is too long', { name: 'a'.repeat(33) }, 'must be 1–32 lower-case letters, digits or hyphens'],
    [
      'the format is unknown',
      { format: 'syslog' },
      '`format` ("syslog") is not a known format; use one of: cloudtrail',
    ],
    [
      'the notification mode is unknown',
      { notification: 'sns' },
      "`notification` (\"sns\") must be 'direct' or 'eventbridge'",
    ],
    [
      'an existing bucket has no name',
      { bucket: { kind: 'existing' } },
      '`bucket.bucketName` is required for an existing bucket',
    ],
    [
      'the bucket name is invalid',
      { bucket: { kind: 'new', bucketName: 'Bad_Bucket' } },
      '`bucket.bucketName` ("Bad_Bucket") is not a valid S3 bucket name',
    ],
    [
      'the bucket key is an alias ARN',
      {
        bucket: {
          kind: 'existing',
          bucketName: 'org-logs',
          kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:alias/logs',
        },
      },
      'must be a key ARN (arn:aws:kms:<region>:<account>:key/<id>); IAM ignores alias ARNs',
    ],
    [
      'the bucket kind is missing',
      { bucket: {} },
      "`bucket` must be { kind: 'existing', bucketName } or { kind: 'new' }",
    ],
    [
      'the table name has a hyphen',
      { table: { name: 'My-Table' } },
      'table name ("My-Table") must be 1–60 letters, digits or underscores',
    ],
    ['the table name is over Azure’s limit', { table: { name: 'T'.repeat(61) } }, 'must be 1–60 letters'],
    [
      'the table name ends with _CL',
      { table: { name: 'Mine_CL' } },
      'must not end with _CL: the suffix is added for you',
    ],
    [
      'the plan is unknown',
      { table: { plan: 'Premium' } },
      "`table.plan` (\"Premium\") must be 'Analytics', 'Basic' or 'Auxiliary'",
    ],
    [
      'retention is set on a Basic table',
      { table: { plan: 'Basic', retentionInDays: 30 } },
      'is fixed by Azure for the Basic plan',
    ],
    [
      'retention is out of range',
      { table: { retentionInDays: 1000 } },
      '`table.retentionInDays` (1000) must be a whole number from 4 to 730',
    ],
    [
      'total retention is below retention',
      { table: { retentionInDays: 90, totalRetentionInDays: 30 } },
      '`table.totalRetentionInDays` (30) must be at least `table.retentionInDays` (90)',
    ],
    ['the transform is blank', { table: { transformKql: '  ' } }, '`table.transformKql` is empty'],
    [
      'memory is out of range',
      { lambda: { memorySizeMb: 64 } },
      '`lambda.memorySizeMb` (64) must be a whole number from 128 to 10240',
    ],
    [
      'the timeout is over 15 minutes',
      { lambda: { timeoutSeconds: 901 } },
      '`lambda.timeoutSeconds` (901) must be a whole number from 30 to 900',
    ],
    [
      'the batch size is fractional',
      { lambda: { batchSize: 2.5 } },
      '`lambda.batchSize` (2.5) must be a whole number',
    ],
    [
      'concurrency is below 2',
      { lambda: { maxConcurrency: 1 } },
      '`lambda.maxConcurrency` (1) must be a whole number from 2 to 1000',
    ],
    [
      'the batch size is over 10 without a window',
      { lambda: { batchSize: 20 } },
      '`lambda.batchSize` (20) above 10 needs a `lambda.maxBatchingWindowSeconds` of at least 1 second',
    ],
    [
      'a number is given as a string (untyped JSON)',
      { lambda: { timeoutSeconds: '300' } },
      '`lambda.timeoutSeconds` ("300") must be a whole number from 30 to 900 seconds',
    ],
    [
      'the visibility timeout is over SQS’s 12 hours',
      { lambda: { visibilityTimeoutSeconds: 43201 } },
      '`lambda.visibilityTimeoutSeconds` (43201) must be a whole number from 0 to 43200 seconds',
    ],
    [
      'the visibility timeout is not above the timeout given beside it',
      { lambda: { timeoutSeconds: 120, visibilityTimeoutSeconds: 120 } },
      '`lambda.visibilityTimeoutSeconds` (120 seconds) must be greater than the function `lambda.timeoutSeconds` (120 seconds)',
    ],
    [
      'the alarm email is invalid',
      { alarms: { email: 'not-an-email' } },
      '`alarms.email` ("not-an-email") is not an email address',
    ],
    [
      'the age threshold is under a minute',
      { alarms: { oldestMessageAgeSeconds: 10 } },
      '`alarms.oldestMessageAgeSeconds` (10) must be a whole number from 60',
    ],
  ])('fails if %s', (_case, change, message) => {
    expect(() => validateProducers([withChange(change)])).toThrow(message);
  });

  test('leaves the visibility timeout to the construct when the timeout is its default', () => {
    // The default timeout lives in the construct only, so only the construct can compare.
    expect(() => validateProducers([withChange({ lambda: { visibilityTimeoutSeconds: 60 } })])).not.toThrow();
  });

  test('accepts the ends of each limit, and omitted tuning', () => {
    expect(() =>
      validateProducers([
        withChange({
          lambda: {
            memorySizeMb: 10240,
            timeoutSeconds: 30,
            batchSize: 10000,
            maxBatchingWindowSeconds: 300,
            maxConcurrency: 2,
            visibilityTimeoutSeconds: 43200,
            maxReceiveCount: 18,
          },
          alarms: { oldestMessageAgeSeconds: 60 },
        }),
        withChange({ name: 'bare', table: { name: 'Bare' }, lambda: {} }),
      ]),
    ).not.toThrow();
  });

  test('fails if no producer is configured', () => {
    expect(() => validateProducers([])).toThrow('no producers are configured');
  });

  test('fails if two producers share a name', () => {
    expect(() => validateProducers([base, withChange({ table: { name: 'Other' } })])).toThrow(
      'producer "app-logs": `name` is used by producer #0 too; names must be unique',
    );
  });

  test('fails if two tables collide case-insensitively, naming both producers', () => {
    expect(() =>
      validateProducers([base, withChange({ name: 'other', table: { name: 'applogs' } })]),
    ).toThrow('producer "other": table applogs_CL collides with producer "app-logs"');
  });

  test('reports every problem at once, as a ProducerConfigError', () => {
    let error: unknown;
    try {
      validateProducers([withChange({ format: 'syslog', lambda: { memorySizeMb: 1 } })]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ProducerConfigError);
    expect((error as Error).message.split('\n  - ')).toHaveLength(3);
  });
});

describe('DCR names across producers', () => {
  test('refuses a producer named like another producer’s output DCR', () => {
    expect(() =>
      validateProducers([
        withChange({ name: 'fw', format: 'networkfirewall' }),
        withChange({ name: 'fw-alert', table: { name: 'FwAlertLogs' } }),
      ]),
    ).toThrow(
      /producer "fw-alert" \(its DCR\) and producer "fw" would both name a DCR and its alert `<prefix>-fw-alert`/,
    );
  });
});

describe('format auto', () => {
  test('accepts routes and refuses them elsewhere, or when they do not compile', () => {
    expect(() =>
      validateProducers([
        withChange({ format: 'auto', routes: [{ match: '^s3-access/', format: 's3access' }] }),
      ]),
    ).not.toThrow();
    expect(() => validateProducers([withChange({ routes: [{ match: '^x/', format: 'waf' }] })])).toThrow(
      "`routes` choose each object's format only with `format: 'auto'`; remove them, or set that format",
    );
    expect(() =>
      validateProducers([withChange({ format: 'auto', routes: [{ match: '(', format: 'waf' }] })]),
    ).toThrow(/`routes` route 1/);
  });

  test('checks formatOptions by the format that takes them', () => {
    expect(() =>
      validateProducers([withChange({ format: 'csv', formatOptions: { delimiter: ';' } })]),
    ).not.toThrow();
    expect(() => validateProducers([withChange({ formatOptions: { delimiter: ';' } })])).toThrow(
      /`formatOptions` \(format ndjson\) gives options to ndjson, which takes none/,
    );
  });
});

describe('producers with several streams (review of issue 13)', () => {
  test('an auto producer’s per-format DCR names are checked against other producers', () => {
    expect(() =>
      validateProducers([
        withChange({ name: 'org', format: 'auto' }),
        withChange({ name: 'org-cloudtrail', format: 'cloudtrail' }),
      ]),
    ).toThrow(
      /producer "org-cloudtrail" \(its DCR\) and producer "org" would both name a DCR and its alert `<prefix>-org-cloudtrail`/,
    );
  });

  test('an auto producer’s custom tables (the catch-all among them) are checked against other producers’', () => {
    expect(() =>
      validateProducers([
        withChange({ name: 'org', format: 'auto' }),
        withChange({ name: 'org-unrouted', format: 'text' }),
      ]),
    ).toThrow(/table OrgUnrouted_CL collides with producer "org"/);
  });

  test.each(['networkfirewall', 'auto'] as const)(
    'refuses one transformKql for the several tables of %s',
    (format) => {
      expect(() => validateProducers([withChange({ format, table: { transformKql: 'source' } })])).toThrow(
        new RegExp(`\`table.transformKql\` cannot be set for format ${format}, whose rows go to \\d+ tables`),
      );
    },
  );
});
