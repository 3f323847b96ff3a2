import { existsSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import {
  paginateListObjectsV2,
  type ListObjectsV2CommandOutput,
  type S3Client,
  type _Object,
} from '@aws-sdk/client-s3';
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { awsResourceNames, type ProducerDefinition } from '../lib/producer';
import { regionOf, resolveQueueUrl } from './aws';
import { OperationalError, UsageError, awsErrorName, describeError } from './errors';
import { NO_PROGRESS, type Output } from './output';
import { RateLimiter, sleep as realSleep, type Sleep } from './rate-limiter';
import { s3CreatedEvent } from './s3-event';

/** SendMessageBatch takes at most ten entries. */
const SQS_BATCH_LIMIT = 10;
/** Attempts per batch before a still-failing entry stops the run (SQS's own retries come on top). */
const SEND_ATTEMPTS = 5;

/** What `backfill` was asked to do. */
export interface BackfillOptions {
  readonly producer: ProducerDefinition;
  /** @default - the producer's `bucket.bucketName` */
  readonly bucket?: string;
  /** @default - the producer's `prefix` */
  readonly prefix?: string;
  /** Only objects last modified at or after this time. @default - no lower bound */
  readonly since?: Date;
  /** Only objects last modified before this time. @default - no upper bound */
  readonly until?: Date;
  /** Print what would be sent and send nothing. @default false */
  readonly dryRun?: boolean;
  /** Messages per second. @default - as fast as SQS accepts them */
  readonly ratePerSecond?: number;
  /**
   * Bytes of listed objects per minute, counted as S3 lists them (`Size`, as stored: a gzip object
   * counts its compressed size). With `ratePerSecond` too, both hold. @default - no byte limit
   */
  readonly bytesPerMinute?: number;
  /** Records progress after every batch; an existing file resumes after its last key. @default - not resumable */
  readonly stateFile?: string;
  /** @default - looked up from the producer's queue name */
  readonly queueUrl?: string;
}

/** What `backfill` needs from the outside world. */
export interface BackfillDeps {
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  readonly output: Output;
  /** @default Date.now */
  readonly clock?: () => number;
  /** @default - a real timer */
  readonly sleep?: Sleep;
}

/** The counts of one run. */
export interface BackfillResult {
  readonly listed: number;
  readonly matched: number;
  readonly enqueued: number;
  /** The listed sizes of the objects enqueued (or, in a dry run, that would be). */
  readonly enqueuedBytes: number;
  readonly skippedBySuffix: number;
  readonly skippedByTime: number;
  /** The last key enqueued (or, in a dry run, that would be). */
  readonly lastKey?: string;
  /** The key this run started after, when it resumed from a state file. */
  readonly resumedAfter?: string;
}

/** The state file: enough to continue a listing where the last run stopped. */
export interface BackfillState {
  readonly version: 1;
  readonly producer: string;
  readonly bucket: string;
  readonly prefix: string;
  /** Every matching key up to and including this one has been enqueued. */
  readonly lastKey?: string;
  /** Messages enqueued by all runs so far. */
  readonly enqueued: number;
  readonly completed: boolean;
  readonly updatedAt: string;
}

interface PendingMessage {
  readonly key: string;
  readonly size: number;
  readonly lastModified?: Date;
  readonly body: string;
}

/**
 * Lists the producer's bucket/prefix and enqueues an S3 `ObjectCreated:Put` notification per
 * matching object to the producer's queue, so history flows through the same forwarder as live
 * objects. Objects are filtered by the producer's suffix and by LastModified.
 */
export async function backfill(options: BackfillOptions, deps: BackfillDeps): Promise<BackfillResult> {
  const { producer } = options;
  const { output } = deps;
  const clock = deps.clock ?? Date.now;
  const wait = deps.sleep ?? realSleep;
  const bucket = options.bucket ?? producer.bucket.bucketName;
  if (bucket === undefined) {
    throw new UsageError(
      `producer "${producer.name}" has a bucket its stack creates with a generated name: pass --bucket <name> ` +
        `(see the outputs of stack ${awsResourceNames(producer).stackName})`,
    );
  }
  const prefix = options.prefix ?? producer.prefix ?? '';
  if (producer.prefix !== undefined && !prefix.startsWith(producer.prefix)) {
    output.err(
      `warning: prefix "${prefix}" is outside producer "${producer.name}"'s prefix "${producer.prefix}"; ` +
        'live notifications never include these objects',
    );
  }
  if (options.since && options.until && options.since.getTime() >= options.until.getTime()) {
    throw new UsageError(
      `--since (${options.since.toISOString()}) must be before --until (${options.until.toISOString()})`,
    );
  }
  if (options.ratePerSecond !== undefined && !(options.ratePerSecond > 0)) {
    throw new UsageError(
      `--rate (${options.ratePerSecond}) must be a number of messages per second greater than 0`,
    );
  }
  if (options.bytesPerMinute !== undefined && !(options.bytesPerMinute > 0)) {
    throw new UsageError(`--rate (${options.bytesPerMinute} bytes per minute) must be greater than 0`);
  }

  const previous = options.stateFile
    ? await readState(options.stateFile, producer.name, bucket, prefix)
    : undefined;
  if (previous?.completed) {
    output.out(
      `backfill of s3://${bucket}/${prefix} already completed (${previous.enqueued} messages, state ${options.stateFile}); ` +
        'delete the state file to run it again',
    );
    return {
      listed: 0,
      matched: 0,
      enqueued: 0,
      enqueuedBytes: 0,
      skippedBySuffix: 0,
      skippedByTime: 0,
      resumedAfter: previous.lastKey,
    };
  }
  if (previous?.lastKey !== undefined)
    output.err(`resuming after ${previous.lastKey} (state ${options.stateFile})`);

  const names = awsResourceNames(producer);
  const queueUrl = options.dryRun
    ? undefined
    : await resolveQueueUrl(deps.sqs, names.queueName, options.queueUrl, {
        producer: producer.name,
        stackName: names.stackName,
        flag: '--queue-url',
      });
  const region = await regionOf(deps.s3);
  const batchSize = options.ratePerSecond
    ? Math.min(SQS_BATCH_LIMIT, Math.max(1, Math.floor(options.ratePerSecond)))
    : SQS_BATCH_LIMIT;
  const limiter = options.ratePerSecond ? new RateLimiter(options.ratePerSecond, clock, wait) : undefined;
  const byteLimiter = options.bytesPerMinute
    ? new RateLimiter(options.bytesPerMinute / 60, clock, wait)
    : undefined;
  // A batch is paced after it is sent, so it is the largest burst: under a byte rate, one closes
  // once it holds a second's worth of bytes (or a single larger object), not only at ten messages.
  const batchBytes = options.bytesPerMinute !== undefined ? options.bytesPerMinute / 60 : Infinity;

  let listed = 0;
  let matched = 0;
  let skippedBySuffix = 0;
  let skippedByTime = 0;
  let enqueued = 0;
  let enqueuedBytes = 0;
  let totalEnqueued = previous?.enqueued ?? 0;
  let lastKey = previous?.lastKey;
  let pending: PendingMessage[] = [];
  let pendingBytes = 0;
  // After every batch (completed: false) and at the end (true), so an interrupted run resumes.
  const saveState = async (completed: boolean): Promise<void> => {
    if (!options.stateFile || options.dryRun) return;
    await writeState(options.stateFile, {
      producer: producer.name,
      bucket,
      prefix,
      lastKey,
      enqueued: totalEnqueued,
      completed,
    });
  };
  // A dry run's result is its per-object lines on stdout; a bar redrawn between them would garble them.
  const progress = options.dryRun ? NO_PROGRESS : output.progress('enqueued');
  progress.start(0);

  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const batch = pending;
    const bytes = pendingBytes;
    pending = [];
    pendingBytes = 0;
    if (options.dryRun) {
      for (const message of batch) {
        const modified = message.lastModified?.toISOString() ?? 'unknown';
        output.out(
          `would enqueue s3://${bucket}/${message.key} (${message.size} bytes, modified ${modified})`,
        );
      }
    } else {
      await limiter?.acquire(batch.length);
      await byteLimiter?.acquire(bytes);
      await sendBatch(deps.sqs, queueUrl!, batch, bucket, wait);
    }
    enqueued += batch.length;
    enqueuedBytes += bytes;
    totalEnqueued += batch.length;
    lastKey = batch[batch.length - 1].key;
    progress.update(enqueued);
    await saveState(false);
  };

  try {
    for await (const page of listPages(deps.s3, bucket, prefix, previous?.lastKey)) {
      for (const object of page.Contents ?? []) {
        listed += 1;
        const key = object.Key!;
        if (producer.suffix !== undefined && !key.endsWith(producer.suffix)) {
          skippedBySuffix += 1;
          continue;
        }
        if (!inWindow(object, options.since, options.until)) {
          skippedByTime += 1;
          continue;
        }
        matched += 1;
        progress.setTotal(matched);
        const size = object.Size ?? 0;
        if (pending.length > 0 && pendingBytes + size > batchBytes) await flush();
        pendingBytes += size;
        pending.push({
          key,
          size,
          lastModified: object.LastModified,
          body: s3CreatedEvent(bucket, { key, size, eTag: object.ETag }, region, new Date(clock())),
        });
        if (pending.length >= batchSize) await flush();
      }
    }
    await flush();
  } catch (error) {
    progress.stop();
    const resume = options.stateFile
      ? `${totalEnqueued} messages enqueued so far; run the same command again to resume` +
        (lastKey ? ` after ${lastKey}` : '')
      : `${enqueued} messages enqueued before the failure; pass --state-file <file> to make the run resumable`;
    if (error instanceof OperationalError || error instanceof UsageError) {
      error.message = `${error.message} (${resume})`;
      throw error;
    }
    throw new OperationalError(
      `backfill of s3://${bucket}/${prefix} failed: ${describeError(error)} (${resume})`,
      {
        cause: error,
      },
    );
  }
  progress.stop();
  await saveState(true);

  const skipped = `listed ${listed}, ${skippedBySuffix} without suffix ${producer.suffix ?? '(none)'}, ${skippedByTime} outside the time window`;
  output.out(
    options.dryRun
      ? `dry run: would enqueue ${enqueued} messages for s3://${bucket}/${prefix} (${skipped}); nothing was sent`
      : `enqueued ${enqueued} messages for s3://${bucket}/${prefix} to ${queueUrl} (${skipped})`,
  );
  return {
    listed,
    matched,
    enqueued,
    enqueuedBytes,
    skippedBySuffix,
    skippedByTime,
    lastKey,
    resumedAfter: previous?.lastKey,
  };
}

function inWindow(object: _Object, since: Date | undefined, until: Date | undefined): boolean {
  const modified = object.LastModified?.getTime();
  if (modified === undefined) return since === undefined && until === undefined;
  if (since !== undefined && modified < since.getTime()) return false;
  if (until !== undefined && modified >= until.getTime()) return false;
  return true;
}

/**
 * The listing of s3://bucket/prefix, page by page, starting after `startAfter` (a resumed run's last
 * key). Only the listing's own failures are translated here: the caller's, thrown while it handles
 * a page, pass through untouched.
 */
async function* listPages(
  s3: S3Client,
  bucket: string,
  prefix: string,
  startAfter: string | undefined,
): AsyncGenerator<ListObjectsV2CommandOutput> {
  try {
    yield* paginateListObjectsV2(
      { client: s3 },
      { Bucket: bucket, Prefix: prefix === '' ? undefined : prefix, StartAfter: startAfter },
    );
  } catch (error) {
    throw await listFailure(error, s3, bucket, prefix);
  }
}

async function listFailure(error: unknown, s3: S3Client, bucket: string, prefix: string): Promise<Error> {
  const region = await regionOf(s3);
  switch (awsErrorName(error)) {
    case 'NoSuchBucket':
      return new OperationalError(
        `bucket ${bucket} does not exist (region ${region}): check --bucket and --region`,
        {
          cause: error,
        },
      );
    case 'AccessDenied':
      return new OperationalError(
        `not allowed to list s3://${bucket}/${prefix}: your identity needs s3:ListBucket on arn:aws:s3:::${bucket}`,
        { cause: error },
      );
    default:
      return new OperationalError(`could not list s3://${bucket}/${prefix}: ${describeError(error)}`, {
        cause: error,
      });
  }
}

/**
 * Sends one batch, retrying only the entries SQS reports as failed. A sender fault (the message
 * itself is wrong) will not succeed on retry, so it stops the run at once.
 */
async function sendBatch(
  sqs: SQSClient,
  queueUrl: string,
  batch: readonly PendingMessage[],
  bucket: string,
  wait: Sleep,
): Promise<void> {
  const entries = batch.map((message, index) => ({
    Id: String(index),
    MessageBody: message.body,
    key: message.key,
  }));
  let remaining = entries;
  for (let attempt = 1; ; attempt++) {
    let failed;
    try {
      const result = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: remaining.map(({ Id, MessageBody }) => ({ Id, MessageBody })),
        }),
      );
      failed = result.Failed ?? [];
    } catch (error) {
      throw new OperationalError(sendFailure(error, queueUrl), { cause: error });
    }
    if (failed.length === 0) return;
    const keyOf = (id: string | undefined) =>
      `s3://${bucket}/${entries.find((e) => e.Id === id)?.key ?? `entry ${id}`}`;
    const permanent = failed.find((f) => f.SenderFault);
    if (permanent !== undefined) {
      throw new OperationalError(
        `queue ${queueUrl} rejected the message for ${keyOf(permanent.Id)}: ${permanent.Code} ${permanent.Message ?? ''}`.trim(),
      );
    }
    if (attempt >= SEND_ATTEMPTS) {
      throw new OperationalError(
        `queue ${queueUrl} still fails ${failed.length} messages after ${attempt} attempts ` +
          `(first: ${keyOf(failed[0].Id)}: ${failed[0].Code})`,
      );
    }
    const failedIds = new Set(failed.map((f) => f.Id));
    remaining = remaining.filter((entry) => failedIds.has(entry.Id));
    await wait(100 * 2 ** attempt);
  }
}

function sendFailure(error: unknown, queueUrl: string): string {
  switch (awsErrorName(error)) {
    case 'QueueDoesNotExist':
      return `queue ${queueUrl} does not exist: check --queue-url and --region`;
    case 'AccessDenied':
    case 'AccessDeniedException':
      return `not allowed to send to ${queueUrl}: your identity needs sqs:SendMessage on the queue (${describeError(error)})`;
    case 'KmsAccessDenied':
      return `not allowed to use the KMS key of ${queueUrl}: your identity needs kms:GenerateDataKey and kms:Decrypt on it`;
    default:
      return `could not send to ${queueUrl}: ${describeError(error)}`;
  }
}

async function readState(
  path: string,
  producer: string,
  bucket: string,
  prefix: string,
): Promise<BackfillState | undefined> {
  if (!existsSync(path)) return undefined;
  let state: BackfillState;
  try {
    state = JSON.parse(await readFile(path, 'utf8')) as BackfillState;
  } catch (error) {
    throw new UsageError(
      `--state-file ${path} is not a backfill state file (${describeError(error)}); delete it or pass another path`,
    );
  }
  if (
    state.version !== 1 ||
    state.producer !== producer ||
    state.bucket !== bucket ||
    state.prefix !== prefix
  ) {
    throw new UsageError(
      `--state-file ${path} belongs to a backfill of producer "${state.producer}" s3://${state.bucket}/${state.prefix}, ` +
        `not "${producer}" s3://${bucket}/${prefix}; pass another --state-file or delete it`,
    );
  }
  return state;
}

async function writeState(path: string, state: Omit<BackfillState, 'version' | 'updatedAt'>): Promise<void> {
  const full: BackfillState = { version: 1, ...state, updatedAt: new Date().toISOString() };
  // Write-then-rename, so an interrupted run never leaves a half-written state file behind.
  const temporary = `${path}.tmp`;
  await writeFile(temporary, `${JSON.stringify(full, null, 2)}\n`);
  await rename(temporary, path);
}
