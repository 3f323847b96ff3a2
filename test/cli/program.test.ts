import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListMessageMoveTasksCommand,
  SendMessageBatchCommand,
  type SendMessageBatchCommandInput,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { DescribeParametersCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import type { AwsClients } from '../../cli/aws';
import { runCli } from '../../cli/program';
import { decodeS3EventKey, startLocalS3, textCollector, type LocalS3 } from './support';

const SECRET = 'Qq8Q~another.secret-value_98765';

describe('runCli', () => {
  const credentials = { accessKeyId: 'a', secretAccessKey: 'b' };
  let clients: AwsClients;
  let mocks: {
    sqs: ReturnType<typeof mockClient>;
    ssm: ReturnType<typeof mockClient>;
    kms: ReturnType<typeof mockClient>;
    cloudwatch: ReturnType<typeof mockClient>;
  };
  let work: string;

  beforeEach(() => {
    clients = {
      s3: new S3Client({ region: 'eu-west-1', credentials }),
      sqs: new SQSClient({ region: 'eu-west-1', credentials }),
      ssm: new SSMClient({ region: 'eu-west-1', credentials }),
      kms: new KMSClient({ region: 'eu-west-1', credentials }),
      cloudwatch: new CloudWatchClient({ region: 'eu-west-1', credentials }),
    };
    mocks = {
      sqs: mockClient(clients.sqs),
      ssm: mockClient(clients.ssm),
      kms: mockClient(clients.kms),
      cloudwatch: mockClient(clients.cloudwatch),
    };
    work = mkdtempSync(join(tmpdir(), 'cli-'));
  });
  afterEach(() => {
    Object.values(mocks).forEach((m) => m.restore());
    rmSync(work, { recursive: true, force: true });
  });

  async function run(args: string[], stdin = '') {
    const stdout = textCollector();
    const stderr = textCollector();
    const seenOptions: unknown[] = [];
    const code = await runCli(args, {
      io: { stdout, stderr, readStdin: async () => stdin, stdinIsTTY: false },
      clients: (options) => {
        seenOptions.push(options);
        return clients;
      },
      sleep: async () => undefined,
    });
    return { code, stdout: stdout.text, stderr: stderr.text, seenOptions };
  }

  test('--help exits 0 and lists every command', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    for (const command of ['put-secret', 'backfill', 'redrive', 'status']) expect(stdout).toContain(command);
    expect(stdout).toContain('Exit codes: 0 success, 1 the operation failed, 2 usage error.');
  });

  test.each(['put-secret', 'backfill', 'redrive', 'status'])(
    '%s --help exits 0 and documents --producer',
    async (command) => {
      const { code, stdout } = await run([command, '--help']);
      expect(code).toBe(0);
      expect(stdout).toContain('-p, --producer <name>');
    },
  );

  test('subcommand help lists the global options', async () => {
    const { stdout } = await run(['status', '--help']);
    expect(stdout).toContain('Global Options:');
    expect(stdout).toContain('--region <region>');
  });

  test.each([
    [['redrive', '--producer', 'cloudtrail', '--rate', '600'], '--rate must be a whole number from 1 to 500'],
    [
      ['status', '--producer', 'cloudtrail', '--window', '1.5'],
      '--window must be a whole number from 1 to 1440',
    ],
  ])('fails with exit code 2 for %p', async (args, message) => {
    const { code, stderr } = await run(args);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });

  test('--version prints the package version', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { version } = require('../../package.json') as { version: string };
    const { code, stdout } = await run(['--version']);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(version);
  });

  test('fails with exit code 2 if no command is given', async () => {
    const { code, stderr } = await run([]);
    expect(code).toBe(2);
    expect(stderr).toContain('Usage: s3-to-sentinel');
  });

  test('fails with exit code 2 if the command is unknown', async () => {
    const { code, stderr } = await run(['drain']);
    expect(code).toBe(2);
    expect(stderr).toContain("error: unknown command 'drain'");
  });

  test('fails with exit code 2 if --producer is missing', async () => {
    const { code, stderr } = await run(['status']);
    expect(code).toBe(2);
    expect(stderr).toContain("error: required option '-p, --producer <name>' not specified");
  });

  test('fails with exit code 2 if the producer is unknown, listing the known ones', async () => {
    const { code, stderr } = await run(['status', '--producer', 'nope']);
    expect(code).toBe(2);
    expect(stderr).toContain(
      'error: unknown producer "nope" in the built-in example list (bin/producers.ts); configured producers: cloudtrail, vpc-flow, network-firewall, log-archive, app-logs.',
    );
  });

  test('fails with exit code 2 if --since is not an ISO time', async () => {
    const { code, stderr } = await run(['backfill', '--producer', 'cloudtrail', '--since', 'yesterday']);
    expect(code).toBe(2);
    expect(stderr).toContain('--since must be an ISO 8601 time such as 2026-11-01 or 2026-11-01T12:00:00Z');
  });

  test('fails with exit code 2 if --rate is not positive', async () => {
    const { code, stderr } = await run(['backfill', '--producer', 'cloudtrail', '--rate', '0']);
    expect(code).toBe(2);
    expect(stderr).toContain('--rate must be a number greater than 0');
  });

  test.each([
    [
      ['--rate', '500MB/s'],
      '--rate must be a number greater than 0 (messages per second, e.g. 50) or a size per minute (e.g. 500MB/min; units B, KB, MB, GB, each 1024 times the one before)',
    ],
    [
      ['--rate', '50', '--rate', '20'],
      '--rate is given twice as messages per second: give at most one number and one size per minute',
    ],
    [['--rate', '1GB/min', '--rate', '2GB/min'], '--rate is given twice as a size per minute'],
  ])('backfill fails with exit code 2 for %p', async (flags, message) => {
    const { code, stderr } = await run(['backfill', '--producer', 'cloudtrail', ...flags]);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });

  test('backfill --help documents both forms of --rate and how object sizes relate to the DCR budget', async () => {
    const { code, stdout } = await run(['backfill', '--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('--rate <rate>');
    expect(stdout).toContain('500MB/min');
    expect(stdout).toContain('--rate 200MB/min');
    expect(stdout).toMatch(/a gzip object counts its compressed size/);
  });

  test('fails with exit code 1 when AWS says the queue does not exist', async () => {
    mocks.sqs
      .on(GetQueueUrlCommand)
      .rejects(Object.assign(new Error('no queue'), { name: 'QueueDoesNotExist' }));
    const { code, stderr } = await run(['status', '--producer', 'cloudtrail', '--region', 'eu-west-1']);
    expect(code).toBe(1);
    expect(stderr).toContain(
      'error: queue s3-to-sentinel-cloudtrail of producer "cloudtrail" does not exist in eu-west-1',
    );
  });

  test('passes --region and --profile to the clients', async () => {
    mocks.sqs
      .on(GetQueueUrlCommand)
      .rejects(Object.assign(new Error('no queue'), { name: 'QueueDoesNotExist' }));
    const { seenOptions } = await run([
      '--profile',
      'ops',
      'status',
      '--producer',
      'cloudtrail',
      '--region',
      'eu-west-1',
    ]);
    expect(seenOptions).toStrictEqual([{ region: 'eu-west-1', profile: 'ops' }]);
  });

  test('put-secret --stdin exits 0 and the secret is on neither stdout nor stderr', async () => {
    mocks.kms
      .on(DescribeKeyCommand)
      .resolves({ KeyMetadata: { KeyId: 'k', KeyState: 'Enabled', KeyManager: 'CUSTOMER' } });
    mocks.ssm.on(PutParameterCommand).resolves({ Version: 1 });
    mocks.ssm.on(DescribeParametersCommand).resolves({
      Parameters: [
        {
          Name: '/s3-to-sentinel/cloudtrail/client-secret',
          Type: 'SecureString',
          Version: 1,
          KeyId: 'alias/s3-to-sentinel/cloudtrail',
        },
      ],
    });

    const { code, stdout, stderr } = await run(
      ['put-secret', '--producer', 'cloudtrail', '--stdin'],
      `${SECRET}\n`,
    );

    expect(code).toBe(0);
    expect(mocks.ssm).toHaveReceivedCommandWith(PutParameterCommand, { Value: SECRET, Type: 'SecureString' });
    expect(stdout).toContain('wrote /s3-to-sentinel/cloudtrail/client-secret');
    expect(stdout + stderr).not.toContain(SECRET);
  });

  test('put-secret exits 1 without printing the secret when SSM echoes it in an error', async () => {
    mocks.kms.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: 'k', KeyState: 'Enabled' } });
    mocks.ssm
      .on(PutParameterCommand)
      .rejects(Object.assign(new Error(`bad value ${SECRET}`), { name: 'ValidationException' }));

    const { code, stdout, stderr } = await run(['put-secret', '--producer', 'cloudtrail', '--stdin'], SECRET);

    expect(code).toBe(1);
    expect(stderr).toContain('ValidationException: bad value ***');
    expect(stdout + stderr).not.toContain(SECRET);
  });

  test('--config loads producers from a JS module', async () => {
    // GIVEN a module with a producer the example list does not have
    const config = join(work, 'producers.js');
    writeFileSync(
      config,
      "exports.producers = [{ name: 'custom', bucket: { kind: 'existing', bucketName: 'custom-bucket' }, format: 'json' }];",
    );
    mocks.sqs
      .on(GetQueueUrlCommand)
      .callsFake(({ QueueName }) => ({ QueueUrl: `https://sqs/1/${QueueName}` }));
    mocks.sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '0' } });
    mocks.cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });

    // WHEN
    const { code, stdout } = await run(['--config', config, 'status', '--producer', 'custom']);

    // THEN
    expect(code).toBe(0);
    expect(mocks.sqs).toHaveReceivedCommandWith(GetQueueUrlCommand, { QueueName: 's3-to-sentinel-custom' });
    expect(stdout).toContain('producer custom (eu-west-1)');
  });

  test('fails with exit code 2 if --config does not export producers', async () => {
    const config = join(work, 'empty.js');
    writeFileSync(config, 'exports.other = 1;');
    const { code, stderr } = await run(['--config', config, 'status', '--producer', 'custom']);
    expect(code).toBe(2);
    expect(stderr).toContain(
      `error: --config ${config} must export \`producers\`, an array of ProducerDefinition`,
    );
  });

  test('fails with exit code 2 if --config producers are invalid', async () => {
    const config = join(work, 'bad.js');
    writeFileSync(
      config,
      "exports.producers = [{ name: 'Bad Name', bucket: { kind: 'new' }, format: 'json' }];",
    );
    const { code, stderr } = await run(['--config', config, 'status', '--producer', 'Bad Name']);
    expect(code).toBe(2);
    expect(stderr).toContain('`name` ("Bad Name") must be 1–32 lower-case letters');
  });

  describe('with a local S3', () => {
    let local: LocalS3;
    beforeAll(async () => {
      local = await startLocalS3();
      await local.createBucket('example-org-cloudtrail-logs');
      await local.putObject(
        'example-org-cloudtrail-logs',
        'AWSLogs/1/CloudTrail/a b.json.gz',
        'x',
        new Date('2026-11-02T00:00:00Z'),
      );
      await local.putObject(
        'example-org-cloudtrail-logs',
        'AWSLogs/1/CloudTrail/old.json.gz',
        'x',
        new Date('2026-01-01T00:00:00Z'),
      );
      await local.putObject(
        'example-org-cloudtrail-logs',
        'AWSLogs/1/CloudTrail/digest.txt',
        'x',
        new Date('2026-11-02T00:00:00Z'),
      );
    });
    afterAll(async () => {
      await local.stop();
    });

    test("backfill passes every flag through and uses the producer's bucket, prefix and suffix", async () => {
      // GIVEN
      clients = { ...clients, s3: local.s3 };
      mocks.sqs.on(GetQueueUrlCommand).resolves({ QueueUrl: 'https://sqs/1/s3-to-sentinel-cloudtrail' });
      mocks.sqs.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => ({
        Successful: input.Entries!.map((e) => ({ Id: e.Id, MessageId: 'm', MD5OfMessageBody: 'x' })),
        Failed: [],
      }));
      const stateFile = join(work, 'state.json');

      // WHEN
      const { code, stdout } = await run([
        'backfill',
        '--producer',
        'cloudtrail',
        '--since',
        '2026-11-01',
        '--until',
        '2026-12-01T00:00:00Z',
        '--rate',
        '100',
        '--state-file',
        stateFile,
      ]);

      // THEN
      expect(code).toBe(0);
      expect(mocks.sqs).toHaveReceivedCommandWith(GetQueueUrlCommand, {
        QueueName: 's3-to-sentinel-cloudtrail',
      });
      const keys = mocks.sqs
        .commandCalls(SendMessageBatchCommand)
        .flatMap((c) => c.args[0].input.Entries!)
        .map((e) => decodeS3EventKey(JSON.parse(e.MessageBody!).Records[0].s3.object.key));
      expect(keys).toStrictEqual(['AWSLogs/1/CloudTrail/a b.json.gz']);
      expect(stdout).toContain('enqueued 1 messages for s3://example-org-cloudtrail-logs/AWSLogs/');
    });

    test('backfill --rate <size>/min with --rate <n> paces by both', async () => {
      // GIVEN the two matching objects of 1 byte each (no --since), and a clock the sleeps move
      clients = { ...clients, s3: local.s3 };
      mocks.sqs.on(GetQueueUrlCommand).resolves({ QueueUrl: 'https://sqs/1/s3-to-sentinel-cloudtrail' });
      mocks.sqs.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => ({
        Successful: input.Entries!.map((e) => ({ Id: e.Id, MessageId: 'm', MD5OfMessageBody: 'x' })),
        Failed: [],
      }));
      let now = 1_000_000;
      const sleeps: number[] = [];

      // WHEN at 1 message a second and 1 byte a minute (so the byte rate is the slower)
      const stdout = textCollector();
      const code = await runCli(['backfill', '--producer', 'cloudtrail', '--rate', '1B/min', '--rate', '1'], {
        io: { stdout, stderr: textCollector(), readStdin: async () => '', stdinIsTTY: false },
        clients: () => clients,
        clock: () => now,
        sleep: async (ms) => {
          sleeps.push(ms);
          now += ms;
        },
      });

      // THEN the second object waits the message rate's second, then the rest of the byte rate's
      // minute for the first object's byte
      expect(code).toBe(0);
      expect(mocks.sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(2);
      expect(sleeps).toStrictEqual([1_000, 59_000]);
    });

    test('backfill --dry-run exits 0 and sends nothing', async () => {
      clients = { ...clients, s3: local.s3 };
      const { code, stdout } = await run(['backfill', '--producer', 'cloudtrail', '--dry-run']);
      expect(code).toBe(0);
      expect(mocks.sqs.calls()).toHaveLength(0);
      expect(stdout).toContain('dry run: would enqueue 2 messages');
    });
  });

  test('redrive exits 0 and reports what moved', async () => {
    mocks.sqs
      .on(GetQueueUrlCommand)
      .callsFake(({ QueueName }) => ({ QueueUrl: `https://sqs/1/${QueueName}` }));
    mocks.sqs.on(GetQueueAttributesCommand).callsFake(({ QueueUrl }) => ({
      Attributes: {
        QueueArn: `arn:aws:sqs:eu-west-1:1:${QueueUrl.split('/').pop()}`,
        ApproximateNumberOfMessages: '2',
      },
    }));
    mocks.sqs
      .on(ListMessageMoveTasksCommand)
      .resolvesOnce({ Results: [] })
      .resolves({
        Results: [
          {
            Status: 'COMPLETED',
            ApproximateNumberOfMessagesMoved: 2,
            ApproximateNumberOfMessagesToMove: 2,
            StartedTimestamp: 1,
          },
        ],
      });

    const { code, stdout } = await run(['redrive', '--producer', 'app-logs', '--rate', '10', '--poll', '1']);

    expect(code).toBe(0);
    expect(mocks.sqs).toHaveReceivedCommandWith(StartMessageMoveTaskCommand, {
      SourceArn: 'arn:aws:sqs:eu-west-1:1:s3-to-sentinel-app-logs-dlq',
      DestinationArn: 'arn:aws:sqs:eu-west-1:1:s3-to-sentinel-app-logs',
      MaxNumberOfMessagesPerSecond: 10,
    });
    expect(stdout).toContain(
      'moved 2 of 2 messages from s3-to-sentinel-app-logs-dlq to s3-to-sentinel-app-logs',
    );
  });

  test.each([
    [false, false],
    [true, true],
  ])('with debug %p, the stack of an unexpected error is printed: %p', async (debug, printed) => {
    const stderr = textCollector();
    const code = await runCli(['status', '--producer', 'cloudtrail'], {
      io: { stdout: textCollector(), stderr, readStdin: async () => '', stdinIsTTY: false },
      clients: () => {
        throw new TypeError('boom');
      },
      debug,
    });
    expect(code).toBe(1);
    expect(stderr.text).toContain('error: TypeError: boom');
    expect(/\n\s+at /.test(stderr.text)).toBe(printed);
  });
});
