import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { version } from '../package.json';
import { createAwsClients, type AwsClientOptions, type AwsClients } from './aws';
import { backfill } from './backfill';
import { loadProducers, resolveProducer } from './config';
import { EXIT, OperationalError, UsageError, describeError } from './errors';
import { streamOutput, type Output, type TextSink } from './output';
import { putSecret } from './put-secret';
import { parseRate, type Rate, type Sleep } from './rate-limiter';
import { redrive } from './redrive';
import { status } from './status';

/** The process around the CLI; `bin/cli.ts` passes the real one, tests pass collectors. */
export interface CliIO {
  readonly stdout: TextSink;
  readonly stderr: TextSink;
  /** All of standard input as text (only `put-secret --stdin` reads it). */
  readonly readStdin: () => Promise<string>;
  readonly stdinIsTTY: boolean;
}

/** Everything the CLI needs from outside, so every command can be run in-process by tests. */
export interface CliDeps {
  readonly io: CliIO;
  /** @default - real clients on the SDK's default credential chain */
  readonly clients?: (options: AwsClientOptions) => AwsClients;
  /** @default - a real timer */
  readonly sleep?: Sleep;
  /** @default Date.now */
  readonly clock?: () => number;
  /** Print stack traces of unexpected errors (`S3_TO_SENTINEL_DEBUG=1`). @default false */
  readonly debug?: boolean;
}

interface GlobalOptions {
  readonly region?: string;
  readonly profile?: string;
  readonly config?: string;
}

/** Builds the `s3-to-sentinel` command tree. Errors surface as exceptions; `runCli` maps them to exit codes. */
export function buildProgram(deps: CliDeps): Command {
  const output = streamOutput(deps.io.stdout, deps.io.stderr);
  const makeClients = deps.clients ?? createAwsClients;
  const program = new Command('s3-to-sentinel')
    .description(
      'Operate the s3-to-sentinel pipeline of a producer: its secret, backfills, dead letters and health.',
    )
    .version(version)
    .option('--region <region>', 'AWS region of the producer stacks (default: AWS_REGION / profile)')
    .option('--profile <profile>', 'AWS shared-config profile (default: AWS_PROFILE / default)')
    .option('--config <module>', 'JS module exporting `producers` (default: the package example list)')
    .showHelpAfterError('(add --help for usage)')
    // Subcommand help lists --region/--profile/--config too: they are needed on every command.
    .configureHelp({ showGlobalOptions: true })
    .exitOverride()
    .configureOutput({
      writeOut: (text) => void deps.io.stdout.write(text),
      writeErr: (text) => void deps.io.stderr.write(text),
    })
    .addHelpText(
      'after',
      '\nExit codes: 0 success, 1 the operation failed, 2 usage error.\n' +
        'Deploy order: cdktf deploy → cdk deploy (creates the secret key) → s3-to-sentinel put-secret.',
    );

  const context = (command: Command) => {
    const globals = command.optsWithGlobals<GlobalOptions & { producer: string }>();
    const producer = resolveProducer(globals.producer, loadProducers(globals.config));
    return { producer, clients: makeClients({ region: globals.region, profile: globals.profile }), output };
  };

  program
    .command('put-secret')
    .description(
      "Write the producer's Entra client secret to its SSM SecureString (encrypted with the producer's KMS key) " +
        'and confirm by reading back its metadata. The value is never printed.',
    )
    .requiredOption('-p, --producer <name>', 'producer name (required)')
    .option(
      '--from-outputs <file>',
      'cdktf outputs file (deployed with --outputs-file-include-sensitive-outputs)',
    )
    .option('--stdin', 'read the secret from standard input')
    .option('--kms-key-id <key>', 'KMS key id, ARN or alias (default: alias/s3-to-sentinel/<producer>)')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  s3-to-sentinel put-secret --producer cloudtrail --from-outputs azure-outputs.json\n' +
        '  pass show entra/s3-to-sentinel | s3-to-sentinel put-secret --producer cloudtrail --stdin',
    )
    .action(
      async (options: { fromOutputs?: string; stdin?: boolean; kmsKeyId?: string }, command: Command) => {
        const { producer, clients } = context(command);
        await putSecret(
          { producer, fromOutputs: options.fromOutputs, stdin: options.stdin, kmsKeyId: options.kmsKeyId },
          {
            ssm: clients.ssm,
            kms: clients.kms,
            output,
            readStdin: deps.io.readStdin,
            stdinIsTTY: deps.io.stdinIsTTY,
          },
        );
      },
    );

  program
    .command('backfill')
    .description(
      "Enqueue S3 ObjectCreated notifications for objects already in the producer's bucket, so history flows " +
        'through the same forwarder. Applies the producer suffix; resumable with --state-file.',
    )
    .requiredOption('-p, --producer <name>', 'producer name (required)')
    .option('--bucket <name>', "bucket to list (default: the producer's bucket)")
    .option('--prefix <prefix>', "key prefix to list (default: the producer's prefix)")
    .option('--since <time>', 'only objects modified at or after this ISO 8601 time', parseTime('--since'))
    .option('--until <time>', 'only objects modified before this ISO 8601 time', parseTime('--until'))
    .option('--dry-run', 'print what would be enqueued; send nothing')
    .option(
      '--rate <rate>',
      'at most n messages per second (e.g. 50), or at most a size of listed objects per minute ' +
        '(e.g. 500MB/min; units B, KB, MB, GB, each 1024 times the one before); give one of each to apply both',
      parseBackfillRate,
    )
    .option('--state-file <file>', 'record progress here; an existing file resumes after its last key')
    .option('--queue-url <url>', "queue URL (default: looked up from the producer's queue name)")
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  s3-to-sentinel backfill --producer cloudtrail --since 2026-11-01 --dry-run\n' +
        '  s3-to-sentinel backfill --producer cloudtrail --since 2026-11-01 --rate 50 --state-file cloudtrail.backfill.json\n' +
        '  s3-to-sentinel backfill --producer cloudtrail --rate 200MB/min --state-file cloudtrail.backfill.json\n' +
        '\n--rate <size>/min counts each object as S3 lists it: a gzip object counts its compressed size, while\n' +
        "the forwarder sends its records as uncompressed JSON. To keep to a share of a DCR's 2 GB a minute,\n" +
        'divide that share by how much your objects expand (uncompressed JSON ÷ stored size).',
    )
    .action(
      async (
        options: {
          bucket?: string;
          prefix?: string;
          since?: Date;
          until?: Date;
          dryRun?: boolean;
          rate?: Rate;
          stateFile?: string;
          queueUrl?: string;
        },
        command: Command,
      ) => {
        const { producer, clients } = context(command);
        await backfill(
          {
            // Field by field: commander's options also hold `producer`, the name, not the definition.
            producer,
            bucket: options.bucket,
            prefix: options.prefix,
            since: options.since,
            until: options.until,
            dryRun: options.dryRun,
            ratePerSecond: options.rate?.messagesPerSecond,
            bytesPerMinute: options.rate?.bytesPerMinute,
            stateFile: options.stateFile,
            queueUrl: options.queueUrl,
          },
          { s3: clients.s3, sqs: clients.sqs, output, sleep: deps.sleep, clock: deps.clock },
        );
      },
    );

  program
    .command('redrive')
    .description(
      "Move the producer's dead-letter queue back to its queue (SQS message move task) and show progress until done. " +
        'Fix the cause first: redriven messages that fail again return to the DLQ.',
    )
    .requiredOption('-p, --producer <name>', 'producer name (required)')
    .option(
      '--rate <n>',
      'at most n messages per second, 1-500 (default: SQS decides, up to 500)',
      parseInteger('--rate', 1, 500),
    )
    .addOption(
      new Option('--poll <seconds>', 'seconds between progress checks')
        .default(5)
        .argParser(parsePositive('--poll')),
    )
    .option('--queue-url <url>', "destination queue URL (default: the producer's queue)")
    .option('--dlq-url <url>', "dead-letter queue URL (default: the producer's DLQ)")
    .addHelpText(
      'after',
      '\nInterrupting the CLI does not stop the move: SQS keeps going; run redrive again to follow it.\n' +
        '\nExample:\n  s3-to-sentinel redrive --producer cloudtrail --rate 50',
    )
    .action(
      async (
        options: { rate?: number; poll: number; queueUrl?: string; dlqUrl?: string },
        command: Command,
      ) => {
        const { producer, clients } = context(command);
        await redrive(
          {
            producer,
            ratePerSecond: options.rate,
            pollIntervalSeconds: options.poll,
            queueUrl: options.queueUrl,
            dlqUrl: options.dlqUrl,
          },
          { sqs: clients.sqs, output, sleep: deps.sleep },
        );
      },
    );

  program
    .command('status')
    .description(
      "Show the producer's queue and DLQ depth, oldest message age, and the function's recent errors and throttles.",
    )
    .requiredOption('-p, --producer <name>', 'producer name (required)')
    .option('--json', 'print JSON instead of a table')
    .addOption(
      new Option('--window <minutes>', 'minutes of function metrics to sum')
        .default(60)
        .argParser(parseInteger('--window', 1, 1440)),
    )
    .option('--queue-url <url>', "queue URL (default: the producer's queue)")
    .option('--dlq-url <url>', "dead-letter queue URL (default: the producer's DLQ)")
    .addHelpText(
      'after',
      '\nThe oldest-message age comes from CloudWatch, a minute or two behind.\n' +
        '\nExamples:\n  s3-to-sentinel status --producer cloudtrail\n' +
        '  s3-to-sentinel status --producer cloudtrail --json --window 15',
    )
    .action(
      async (
        options: { json?: boolean; window: number; queueUrl?: string; dlqUrl?: string },
        command: Command,
      ) => {
        const { producer, clients } = context(command);
        await status(
          {
            producer,
            json: options.json,
            windowMinutes: options.window,
            queueUrl: options.queueUrl,
            dlqUrl: options.dlqUrl,
          },
          {
            sqs: clients.sqs,
            cloudwatch: clients.cloudwatch,
            output,
            now: deps.clock === undefined ? undefined : () => new Date(deps.clock!()),
          },
        );
      },
    );

  return program;
}

/**
 * Runs the CLI on `args` (without `node` and the script) and returns the exit code: 0 success,
 * 1 operational failure, 2 usage error. Never calls `process.exit`.
 */
export async function runCli(args: readonly string[], deps: CliDeps): Promise<number> {
  const output = streamOutput(deps.io.stdout, deps.io.stderr);
  try {
    await buildProgram(deps).parseAsync([...args], { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    return exitCodeFor(error, output, deps.debug === true);
  }
}

function exitCodeFor(error: unknown, output: Output, debug: boolean): number {
  if (error instanceof CommanderError) {
    // Commander has already printed its message (or the help) through configureOutput.
    return error.code === 'commander.helpDisplayed' || error.code === 'commander.version'
      ? EXIT.ok
      : EXIT.usage;
  }
  if (error instanceof UsageError || error instanceof OperationalError) {
    output.err(`error: ${error.message}`);
    return error.exitCode;
  }
  const message = describeError(error);
  if (/Region is missing/i.test(message)) {
    output.err('error: no AWS region: pass --region <region> or set AWS_REGION');
    return EXIT.usage;
  }
  if (error instanceof Error && error.name === 'CredentialsProviderError') {
    output.err(
      `error: no AWS credentials (${error.message}): pass --profile, set AWS_PROFILE, or sign in (aws sso login)`,
    );
    return EXIT.failure;
  }
  output.err(`error: ${message}`);
  // Unexpected errors only: ours carry actionable messages, and put-secret's never hold the value.
  if (debug && error instanceof Error && error.stack) output.err(error.stack);
  return EXIT.failure;
}

function parseTime(flag: string): (value: string) => Date {
  return (value) => {
    const time = new Date(value);
    if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(time.getTime())) {
      throw new InvalidArgumentError(
        `${flag} must be an ISO 8601 time such as 2026-11-01 or 2026-11-01T12:00:00Z`,
      );
    }
    return time;
  };
}

function parseInteger(flag: string, min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${flag} must be a whole number from ${min} to ${max}`);
    }
    return n;
  };
}

/**
 * `backfill --rate`: messages per second or a size per minute; given once of each form, both hold.
 * The same form twice is refused rather than the last silently winning.
 */
function parseBackfillRate(value: string, previous: Rate | undefined): Rate {
  let rate: Rate;
  try {
    rate = parseRate(value);
  } catch (error) {
    throw new InvalidArgumentError(`--rate ${(error as Error).message}`);
  }
  const twice =
    (rate.messagesPerSecond !== undefined && previous?.messagesPerSecond !== undefined) ||
    (rate.bytesPerMinute !== undefined && previous?.bytesPerMinute !== undefined);
  if (twice) {
    throw new InvalidArgumentError(
      `--rate is given twice as ${rate.messagesPerSecond !== undefined ? 'messages per second' : 'a size per minute'}: ` +
        'give at most one number and one size per minute',
    );
  }
  return { ...previous, ...rate };
}

function parsePositive(flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0)
      throw new InvalidArgumentError(`${flag} must be a number greater than 0`);
    return n;
  };
}
