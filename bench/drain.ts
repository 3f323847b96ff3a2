/**
 * Drain benchmark (not a timed test): `npm run bench:drain`. How the pipeline behaves at Azure's
 * per-DCR limit, with real parts: the real bundle (dist/lambda-bundle/forwarder) in separate
 * processes as Lambda's concurrency, fed by the SQS model through Lambda's event-source loop, its
 * SQS calls reaching the model over the SQS JSON protocol, S3 in s3rver, and the Logs Ingestion
 * emulator enforcing the per-DCR limits (scaled down by `--scale`, so a local run reaches them).
 *
 * - Backlog (default): `--objects` K (60) objects of `--mb` MB in all (uncompressed; 110 per
 *   shard), 1 KB to `--max-object-mb` (50), in the formats of `--formats` (ndjson, cloudtrail,
 *   vpcflow; the real samples of test/fixtures/aws among them), all notified at once, against
 *   `--scale` 0.05 of Azure's limits (102.4 MB and 600 requests a minute per DCR).
 * - `--nominal`: 1 object of 1 MB per second for `--seconds` s (formats in turn), at Azure's
 *   real limits unless `--scale` is given: the latency of an S3 event at nominal load.
 *
 * One forwarder function per format (its own queue, DLQ and LOG_FORMAT, as a producer stack
 * deploys it); together they run `--concurrency` N invocations at most (the event source's
 * MaximumConcurrency, split across them), all writing to the same `--shards` DCR(s). A DCR may
 * hold several streams and its limits are per DCR, so they share one budget.
 *
 * The last line is one JSON object: {"objects","mb","budget_MB_per_min","delivered_MB_per_min",
 * "fraction_of_budget","http_429","dlq","lost_rows","p50_latency_s","p99_latency_s","cpu_s_per_GB"}.
 * Bytes "delivered" are what the limit counts: decompressed request bodies the emulator accepted
 * (204). bench/README.md says how each figure is measured.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { ENV } from '../lambda/contract/environment';
import { columnsOf } from '../lambda/formats';
import { encodeS3Key } from '../test/support/events';
import {
  DCR_BYTES_PER_MINUTE,
  DCR_REQUESTS_PER_MINUTE,
  IngestionEmulator,
  type EmulatorOptions,
  type ReceivedRequest,
} from '../test/support/ingestion-emulator';
import { startS3 } from '../test/support/s3-server';
import { startSqsEndpoint } from '../test/support/sqs-endpoint';
import { SimClock, SqsModel } from '../test/support/sqs-model';
import {
  DRAIN_FORMATS,
  fixtureObjects,
  generateObject,
  objectSizes,
  type BacklogObject,
  type DrainFormat,
} from './drain-objects';

const MB = 1024 * 1024;
const GB = 1024 * MB;
const MINUTE_MS = 60_000;
const BUCKET = 'drain';
/** How often an idle poller looks at its queue again (Lambda's pollers long-poll). */
const POLL_MS = 20;

const root = join(__dirname, '..');

interface Options {
  readonly nominal: boolean;
  readonly objects: number;
  readonly mb: number;
  readonly maxObjectMB: number;
  readonly formats: readonly DrainFormat[];
  readonly concurrency: number;
  readonly scale: number;
  readonly shards: number;
  readonly batchSize: number;
  readonly functionTimeoutS: number;
  readonly uploadConcurrency: number | undefined;
  readonly seconds: number;
  readonly maxMinutes: number;
  readonly bundle: string;
}

function parseOptions(argv: readonly string[]): Options {
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const number = (name: string, fallback: number, integer = false): number => {
    const raw = value(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
      throw new Error(`--${name} must be a ${integer ? 'whole ' : ''}number greater than 0, got ${raw}`);
    }
    return n;
  };
  const nominal = argv.includes('--nominal');
  const formats = (value('formats') ?? DRAIN_FORMATS.join(',')).split(',').map((f) => f.trim());
  for (const f of formats) {
    if (!(DRAIN_FORMATS as readonly string[]).includes(f)) {
      throw new Error(`--formats takes ${DRAIN_FORMATS.join(', ')}; got ${f}`);
    }
  }
  const concurrency = number('concurrency', 10, true);
  if (concurrency < formats.length) {
    throw new Error(`--concurrency (${concurrency}) must be at least one per format (${formats.length})`);
  }
  const upload = value('upload-concurrency');
  const shards = number('shards', 1, true);
  return {
    nominal,
    objects: number('objects', 60, true),
    // About two and a half minutes of the default budget per DCR (rows grow about 2.3× on the way:
    // provenance columns), so a default run has one whole minute at steady state and ends in ~3 min.
    mb: number('mb', 110 * shards),
    maxObjectMB: number('max-object-mb', 50),
    formats: formats as DrainFormat[],
    concurrency,
    // Nominal load is measured at Azure's real limits; the backlog at a budget a run can exhaust.
    scale: number('scale', nominal ? 1 : 0.05),
    shards,
    batchSize: number('batch-size', 10, true),
    functionTimeoutS: number('function-timeout', 300, true),
    uploadConcurrency: upload === undefined ? undefined : number('upload-concurrency', 4, true),
    seconds: number('seconds', 60, true),
    maxMinutes: number('max-minutes', 20),
    bundle: value('bundle') ?? join(root, 'dist', 'lambda-bundle', 'forwarder', 'index.js'),
  };
}

/** The model's clock following real time: the children's calls and the event source run in it. */
class RealClock extends SimClock {
  public override readonly now = (): number => Date.now();
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const round = (n: number, digits = 2): number => Math.round(n * 10 ** digits) / 10 ** digits;

/** The nearest-rank percentile of sorted `values`. */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

interface InvokeResult {
  readonly response?: SQSBatchResponse;
  readonly error?: string;
}

interface ChildReply {
  readonly ready?: boolean;
  readonly id?: string;
  readonly response?: SQSBatchResponse;
  readonly error?: string;
  readonly cpuSeconds: number;
  readonly maxRssMB?: number;
}

/** One forwarder process (a Lambda execution environment): one invocation at a time over IPC. */
class ForwarderProcess {
  /** CPU seconds when the handler was built (the cold start), and at the latest answer. */
  public initCpuSeconds = 0;
  public cpuSeconds = 0;
  public maxRssMB = 0;
  #next = 0;
  #pending: { id: string; resolve: (result: InvokeResult) => void } | undefined;
  #exited = false;

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (reply: ChildReply) => {
      this.cpuSeconds = reply.cpuSeconds;
      this.maxRssMB = Math.max(this.maxRssMB, reply.maxRssMB ?? 0);
      const pending = this.#pending;
      if (pending !== undefined && reply.id === pending.id) {
        this.#pending = undefined;
        pending.resolve({
          ...(reply.response !== undefined ? { response: reply.response } : {}),
          ...(reply.error !== undefined ? { error: reply.error } : {}),
        });
      }
    });
    child.on('exit', (code, signal) => {
      this.#exited = true;
      this.#pending?.resolve({ error: `the forwarder process exited (${signal ?? code})` });
      this.#pending = undefined;
    });
  }

  public static start(env: NodeJS.ProcessEnv, logFile: string): Promise<ForwarderProcess> {
    const log = openSync(logFile, 'a');
    const child = fork(join(root, 'bench', 'drain-child.mjs'), [], {
      env,
      stdio: ['ignore', log, log, 'ipc'],
    });
    closeSync(log);
    return new Promise((resolve, reject) => {
      child.once('message', (reply: ChildReply) => {
        if (!reply.ready) return reject(new Error(`forwarder process: unexpected first message`));
        const forwarder = new ForwarderProcess(child);
        forwarder.initCpuSeconds = reply.cpuSeconds;
        forwarder.cpuSeconds = reply.cpuSeconds;
        resolve(forwarder);
      });
      child.once('exit', (code) =>
        reject(new Error(`forwarder process exited (${code}) at start; see ${logFile}`)),
      );
    });
  }

  public get alive(): boolean {
    return !this.#exited;
  }

  /**
   * Runs one invocation. Past the function's timeout (plus a grace) the process is killed, as
   * Lambda ends a timed-out invocation, and the result is an error.
   */
  public invoke(event: SQSEvent, timeoutMs: number): Promise<InvokeResult> {
    const id = `inv-${process.pid}-${this.child.pid}-${++this.#next}`;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.child.kill('SIGKILL');
      }, timeoutMs + 5_000);
      this.#pending = {
        id,
        resolve: (result) => {
          clearTimeout(timer);
          resolve(result);
        },
      };
      this.child.send({ id, event, timeoutMs });
    });
  }

  public stop(): void {
    if (!this.#exited) this.child.kill('SIGTERM');
  }
}

/** What the emulator accepted, object by object: distinct RecordIds and when each first arrived. */
class AcceptedRows {
  /** Every accepted 204: when, and its decompressed bytes. */
  public readonly accepted: { at: number; bytes: number }[] = [];
  public throttled = 0;
  public otherFailures = 0;
  public rowsAccepted = 0;
  public firstRequestAt: number | undefined;
  readonly #ids = new Set<string>();
  readonly #perObject = new Map<string, { rows: number; lastAt: number }>();
  readonly #offsets = new Map<string, number>();

  public constructor(
    private readonly emulator: IngestionEmulator,
    private readonly streams: readonly string[],
  ) {
    // The emulator records a request after it stored the request's rows: hearing each record as it
    // is made times every row's acceptance exactly, with no polling.
    const requests = emulator.requests;
    const push = requests.push.bind(requests);
    requests.push = (...items: ReceivedRequest[]): number => {
      const n = push(...items);
      for (const request of items) this.#heard(request);
      return n;
    };
  }

  public get distinct(): number {
    return this.#ids.size;
  }

  /** Distinct rows of the object at `key` so far, and when the latest of them first arrived. */
  public object(key: string): { rows: number; lastAt: number } | undefined {
    return this.#perObject.get(key);
  }

  #heard(request: ReceivedRequest): void {
    const now = Date.now();
    this.firstRequestAt ??= now;
    if (request.status === 429) this.throttled += 1;
    else if (request.status !== 204) this.otherFailures += 1;
    if (request.status !== 204) return;
    this.accepted.push({ at: now, bytes: request.bytes });
    for (const stream of this.streams) {
      const rows = this.emulator.rows(stream);
      for (let i = this.#offsets.get(stream) ?? 0; i < rows.length; i++) {
        const row = rows[i];
        this.rowsAccepted += 1;
        const id = String(row.RecordId);
        if (this.#ids.has(id)) continue;
        this.#ids.add(id);
        const key = String(row.S3Key);
        const object = this.#perObject.get(key) ?? { rows: 0, lastAt: 0 };
        object.rows += 1;
        object.lastAt = now;
        this.#perObject.set(key, object);
      }
      // Rows are read once: emptying the emulator's list keeps memory flat over gigabytes. If it
      // handed out a copy, keep reading past what was read.
      rows.length = 0;
      this.#offsets.set(stream, this.emulator.rows(stream).length);
    }
  }
}

/** The S3 notification S3 sends for `object`, timed now. */
function notification(object: BacklogObject & { eTag: string }, sequence: number): string {
  return JSON.stringify({
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'eu-west-1',
        eventTime: new Date().toISOString(),
        eventName: 'ObjectCreated:Put',
        s3: {
          s3SchemaVersion: '1.0',
          bucket: { name: BUCKET, arn: `arn:aws:s3:::${BUCKET}` },
          object: {
            key: encodeS3Key(object.key),
            size: object.body.length,
            eTag: object.eTag,
            sequencer: sequence.toString(16).padStart(16, '0'),
          },
        },
      },
    ],
  });
}

/** The backlog: real samples first (the smallest objects), then generated objects, formats in turn. */
function backlog(options: Options): BacklogObject[] {
  if (options.nominal) {
    return Array.from({ length: options.seconds }, (_, i) =>
      generateObject(options.formats[i % options.formats.length], `nominal-${i}`, MB, 1000 + i),
    );
  }
  const samples = fixtureObjects(join(root, 'test', 'fixtures', 'aws'), options.formats).slice(
    0,
    Math.max(0, options.objects - 1),
  );
  const generated = options.objects - samples.length;
  const sampleBytes = samples.reduce((sum, o) => sum + o.bytes, 0);
  const sizes = objectSizes(generated, options.mb * MB - sampleBytes, options.maxObjectMB * MB);
  return [
    ...samples,
    ...sizes.map((bytes, i) =>
      generateObject(options.formats[i % options.formats.length], `object-${i}`, bytes, 100 + i),
    ),
  ];
}

/** Splits `total` invocations across `n` functions as evenly as possible. */
function shares(total: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.floor(total / n) + (i < total % n ? 1 : 0));
}

/**
 * Delivered bytes per minute at steady state, from the accepted requests' times. The emulator's
 * limits are a sliding 60-second window, so only whole minutes counted from the first accepted
 * request compare with the budget. Warm-up is the first of those minutes (cold pipeline, and the
 * window still empty: the limiter lets a burst through); the tail is the last, partial minute
 * (less than a minute's work left). Steady state is every whole minute in between.
 */
function steadyState(accepted: readonly { at: number; bytes: number }[]): {
  MBPerMinute: number;
  minutes: number[];
  window: string;
} {
  if (accepted.length === 0) return { MBPerMinute: 0, minutes: [], window: 'nothing accepted' };
  const t0 = accepted[0].at;
  const last = accepted[accepted.length - 1].at;
  const whole = Math.floor((last - t0) / MINUTE_MS);
  const minutes = Array.from({ length: Math.ceil((last - t0 + 1) / MINUTE_MS) }, () => 0);
  for (const { at, bytes } of accepted) minutes[Math.floor((at - t0) / MINUTE_MS)] += bytes / MB;
  if (whole >= 2) {
    const steady = minutes.slice(1, whole);
    return {
      MBPerMinute: steady.reduce((a, b) => a + b, 0) / steady.length,
      minutes,
      window: `minutes 2–${whole} of ${minutes.length} (first and last, partial minute excluded)`,
    };
  }
  if (whole === 1) {
    return {
      MBPerMinute: minutes[0],
      minutes,
      window: 'minute 1 only: too short for a steady state (raise --mb); warm-up included',
    };
  }
  const total = accepted.reduce((sum, a) => sum + a.bytes, 0) / MB;
  return {
    MBPerMinute: (total * MINUTE_MS) / Math.max(1, last - t0),
    minutes,
    window: 'under a minute: whole run, too short for a steady state',
  };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const log = (line: string): void => console.log(line);
  const work = join(root, '.bench', 'drain');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(join(work, 'logs'), { recursive: true });

  const generating = Date.now();
  const objects = backlog(options);
  const totalBytes = objects.reduce((sum, o) => sum + o.bytes, 0);
  const expectedRows = objects.reduce((sum, o) => sum + o.rows, 0);
  log(
    `backlog: ${objects.length} objects, ${round(totalBytes / MB)} MB uncompressed ` +
      `(${round(objects.reduce((s, o) => s + o.body.length, 0) / MB)} MB gzip), ${expectedRows} rows; ` +
      options.formats
        .map((f) => {
          const of = objects.filter((o) => o.format === f);
          return `${f} ${of.length} objects ${round(of.reduce((s, o) => s + o.bytes, 0) / MB)} MB`;
        })
        .join(', ') +
      `; sizes ${round(Math.min(...objects.map((o) => o.bytes)) / 1024, 1)} KB to ` +
      `${round(Math.max(...objects.map((o) => o.bytes)) / MB, 1)} MB (generated in ${round((Date.now() - generating) / 1000, 1)} s)`,
  );

  const streamOf = (format: DrainFormat): string =>
    `Custom-Drain${format[0].toUpperCase()}${format.slice(1)}`;
  const dcrIds = Array.from(
    { length: options.shards },
    (_, i) => `dcr-${(0xd0 + i).toString(16).padStart(32, '0')}`,
  );
  const emulatorOptions: EmulatorOptions = {
    streams: Object.fromEntries(options.formats.map((f) => [streamOf(f), columnsOf(f)])),
    dcrImmutableIds: dcrIds,
    dcrLimits: { scale: options.scale },
  };
  const clock = new RealClock();
  const model = new SqsModel(clock);
  const [s3, emulator, sqs] = await Promise.all([
    startS3([BUCKET]),
    IngestionEmulator.start(emulatorOptions),
    startSqsEndpoint(model),
  ]);
  const children: ForwarderProcess[] = [];
  try {
    const budgetPerDcr = emulator.dcrBudget ?? {
      requestsPerMinute: DCR_REQUESTS_PER_MINUTE * options.scale,
      bytesPerMinute: DCR_BYTES_PER_MINUTE * options.scale,
    };
    const budgetMBPerMinute = (budgetPerDcr.bytesPerMinute * options.shards) / MB;
    log(
      `budget: ${options.shards} DCR(s) × ${round(budgetPerDcr.bytesPerMinute / MB)} MB and ` +
        `${round(budgetPerDcr.requestsPerMinute)} requests a minute (Azure's × ${options.scale})`,
    );

    const eTags = new Map<string, string>();
    for (const object of objects) {
      const { eTag } = await s3.put(BUCKET, object.key, object.body);
      eTags.set(object.key, (eTag ?? '').replace(/"/g, ''));
    }

    // Each format is one producer's function: its queue, its DLQ, its share of the concurrency.
    const caFile = join(work, 'sqs-endpoint-ca.pem');
    writeFileSync(caFile, sqs.ca);
    const visibilityTimeoutSeconds = 6 * options.functionTimeoutS;
    const producers = options.formats.map((format, i) => {
      const name = `drain-${format}`;
      const queueUrl = sqs.queueUrl(`s3-to-sentinel-${name}`);
      const dlqUrl = sqs.queueUrl(`s3-to-sentinel-${name}-dlq`);
      model.createQueue({ url: dlqUrl, visibilityTimeoutSeconds, retentionSeconds: 1_209_600 });
      model.createQueue({
        url: queueUrl,
        visibilityTimeoutSeconds,
        retentionSeconds: 604_800,
        redrive: { deadLetterUrl: dlqUrl, maxReceiveCount: 5 },
      });
      return {
        format,
        name,
        queueUrl,
        dlqUrl,
        concurrency: shares(options.concurrency, options.formats.length)[i],
      };
    });
    const envOf = (producer: (typeof producers)[number]): NodeJS.ProcessEnv => ({
      PATH: process.env.PATH,
      [ENV.producerName]: producer.name,
      [ENV.format]: producer.format,
      [ENV.tenantId]: '00000000-0000-0000-0000-000000000001',
      [ENV.clientId]: '00000000-0000-0000-0000-000000000002',
      [ENV.logsIngestionEndpoint]: emulator.endpoint,
      [ENV.dcrImmutableId]: dcrIds[0],
      ...(options.shards > 1 ? { [ENV.dcrImmutableIds]: dcrIds.join(',') } : {}),
      [ENV.streamName]: streamOf(producer.format),
      [ENV.authMode]: 'secret',
      [ENV.clientSecretParameter]: `/s3-to-sentinel/${producer.name}/client-secret`,
      ...(options.uploadConcurrency !== undefined
        ? { [ENV.uploadConcurrency]: String(options.uploadConcurrency) }
        : {}),
      [ENV.queueUrl]: producer.queueUrl,
      [ENV.deadLetterQueueUrl]: producer.dlqUrl,
      POWERTOOLS_SERVICE_NAME: 's3-to-sentinel',
      POWERTOOLS_METRICS_NAMESPACE: 'S3ToSentinel',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      NODE_EXTRA_CA_CERTS: caFile,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      DRAIN_CHILD_CONFIG: JSON.stringify({
        bundle: options.bundle,
        token: emulator.token,
        ca: emulator.ca,
        functionName: `s3-to-sentinel-${producer.name}`,
      }),
    });
    const spawn = (producer: (typeof producers)[number], slot: number): Promise<ForwarderProcess> =>
      ForwarderProcess.start(envOf(producer), join(work, 'logs', `${producer.name}-${slot}.log`)).then(
        (p) => {
          children.push(p);
          return p;
        },
      );
    const cold = Date.now();
    const slots = await Promise.all(
      producers.flatMap((producer) =>
        Array.from({ length: producer.concurrency }, (_, slot) =>
          spawn(producer, slot).then((forwarder) => ({ producer, slot, forwarder })),
        ),
      ),
    );
    log(
      `forwarders: ${slots.length} processes (${producers.map((p) => `${p.format} ${p.concurrency}`).join(', ')}), ` +
        `batch size ${options.batchSize}, function timeout ${options.functionTimeoutS} s; cold starts took ` +
        `${round((Date.now() - cold) / 1000, 1)} s, ${round(
          children.reduce((s, c) => s + c.initCpuSeconds, 0),
          1,
        )} CPU s; ` +
        `logs in ${join(work, 'logs')}`,
    );

    const rows = new AcceptedRows(
      emulator,
      options.formats.map((f) => streamOf(f)),
    );
    const sentAt = new Map<string, number>();
    const stats = { invocations: 0, running: 0, errors: 0, reportedFailed: 0 };
    let stopped = false;
    // Lambda's SQS event source: each poller receives a batch, invokes its environment, deletes
    // what the batch response did not report failed. An invocation error leaves the whole batch in
    // flight until its visibility timeout, as on Lambda.
    const poll = async (slot: (typeof slots)[number]): Promise<void> => {
      const { producer } = slot;
      let forwarder = slot.forwarder;
      while (!stopped) {
        const received = model.receive(producer.queueUrl, options.batchSize);
        if (received.length === 0) {
          await sleep(POLL_MS);
          continue;
        }
        const records = received.map((m) => model.toLambdaRecord(producer.queueUrl, m));
        stats.invocations += 1;
        stats.running += 1;
        const result = await forwarder.invoke({ Records: records }, options.functionTimeoutS * 1000);
        stats.running -= 1;
        if (result.response === undefined) {
          stats.errors += 1;
          log(`invocation error (${producer.name}): ${(result.error ?? '').split('\n')[0]}`);
          if (!forwarder.alive && !stopped) forwarder = await spawn(producer, slot.slot);
          continue;
        }
        const failed = new Set(result.response.batchItemFailures.map((f) => f.itemIdentifier));
        stats.reportedFailed += failed.size;
        for (const record of records) {
          if (!failed.has(record.messageId)) model.delete(producer.queueUrl, record.receiptHandle);
        }
      }
    };

    const started = Date.now();
    const pollers = slots.map((slot) => poll(slot));
    const send = (object: BacklogObject, sequence: number): void => {
      const producer = producers.find((p) => p.format === object.format)!;
      sentAt.set(object.key, Date.now());
      model.send(producer.queueUrl, notification({ ...object, eTag: eTags.get(object.key)! }, sequence));
    };
    let sending: Promise<void>;
    if (options.nominal) {
      sending = (async () => {
        for (const [i, object] of objects.entries()) {
          await sleep(Math.max(0, started + i * 1000 - Date.now()));
          send(object, i);
        }
      })();
    } else {
      // A backlog: every notification at once, in a shuffled order, as a bucket filled while the
      // forwarder was away would have them.
      const order = objects.map((o, i) => ({ o, k: Math.sin(i + 1) })).sort((a, b) => a.k - b.k);
      order.forEach(({ o }, i) => send(o, i));
      sending = Promise.resolve();
    }
    let sent = false;
    void sending.then(() => (sent = true));

    const deadline = started + options.maxMinutes * MINUTE_MS;
    let nextProgress = started + 30_000;
    const queued = (): number => producers.reduce((sum, p) => sum + model.messages(p.queueUrl).length, 0);
    while (!(sent && stats.running === 0 && queued() === 0) && Date.now() < deadline) {
      await sleep(250);
      if (Date.now() >= nextProgress) {
        nextProgress += 30_000;
        const delivered = rows.accepted.reduce((s, a) => s + a.bytes, 0) / MB;
        log(
          `${Math.round((Date.now() - started) / 1000)} s: ${round(delivered)} MB accepted, ` +
            `${round((100 * rows.distinct) / Math.max(1, expectedRows), 1)} % of rows, ${rows.throttled} × 429, ` +
            `${queued()} messages queued, ${stats.running} invocations running`,
        );
      }
    }
    const timedOut = Date.now() >= deadline;
    stopped = true;
    await Promise.all(pollers);
    for (const child of children) child.stop();

    // Figures.
    const dlq = producers.reduce((sum, p) => sum + model.messages(p.dlqUrl).length, 0);
    const lostRows = expectedRows - rows.distinct;
    const latencies: number[] = [];
    let incomplete = 0;
    for (const object of objects) {
      if (object.rows === 0) continue;
      const got = rows.object(object.key);
      if (got === undefined || got.rows < object.rows) incomplete += 1;
      else latencies.push((got.lastAt - sentAt.get(object.key)!) / 1000);
    }
    latencies.sort((a, b) => a - b);
    const steady = steadyState(rows.accepted);
    const acceptedBytes = rows.accepted.reduce((sum, a) => sum + a.bytes, 0);
    const forwarderCpu = children.reduce((sum, c) => sum + c.cpuSeconds - c.initCpuSeconds, 0);
    const calls = new Map<string, number>();
    for (const call of sqs.calls) calls.set(call.operation, (calls.get(call.operation) ?? 0) + call.entries);

    log(
      `${timedOut ? `STOPPED after --max-minutes ${options.maxMinutes}` : 'drained'} in ` +
        `${round((Date.now() - started) / 1000, 1)} s: ${stats.invocations} invocations, ${stats.errors} invocation errors, ` +
        `${stats.reportedFailed} messages reported failed; SQS calls from the forwarders: ` +
        (calls.size === 0 ? 'none' : [...calls].map(([op, n]) => `${op} ${n} entries`).join(', ')),
    );
    log(
      `accepted: ${rows.rowsAccepted} rows (${rows.distinct} distinct of ${expectedRows} expected, ` +
        `${rows.rowsAccepted - rows.distinct} duplicates), ${round(acceptedBytes / MB)} MB in ${rows.accepted.length} requests; ` +
        `${rows.throttled} × 429, ${rows.otherFailures} other refusals; ${incomplete} objects incomplete`,
    );
    if (options.shards > 1) {
      // How evenly the forwarder spread its batches: each DCR's own share of the accepted bytes.
      const perDcr = dcrIds.map((id) => emulator.dcrCounters(id));
      log(
        `per DCR: ${perDcr
          .map((c, i) => `${dcrIds[i]} ${round(c.acceptedBytes / MB)} MB, ${c.throttled} × 429`)
          .join('; ')}`,
      );
    }
    log(
      `MB accepted per minute: ${steady.minutes.map((m) => round(m, 1)).join(', ')}; steady state: ${steady.window}`,
    );
    log(
      `forwarder CPU: ${round(forwarderCpu, 1)} s after cold starts (${round(
        children.reduce((s, c) => s + c.initCpuSeconds, 0),
        1,
      )} s in them), ` +
        `peak RSS ${round(Math.max(...children.map((c) => c.maxRssMB)))} MB; this process (s3rver, emulator, SQS): ` +
        `${round(process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6, 1)} CPU s`,
    );
    if (latencies.length > 0) {
      log(
        `latency, S3 event to last row accepted: p50 ${round(percentile(latencies, 50))} s, p99 ${round(percentile(latencies, 99))} s, max ${round(latencies[latencies.length - 1])} s`,
      );
    }

    console.log(
      JSON.stringify({
        objects: objects.length,
        mb: round(totalBytes / MB, 1),
        budget_MB_per_min: round(budgetMBPerMinute, 1),
        delivered_MB_per_min: round(steady.MBPerMinute, 1),
        fraction_of_budget: round(steady.MBPerMinute / budgetMBPerMinute, 3),
        http_429: rows.throttled,
        dlq,
        lost_rows: lostRows,
        p50_latency_s: round(percentile(latencies, 50)),
        p99_latency_s: round(percentile(latencies, 99)),
        cpu_s_per_GB: acceptedBytes > 0 ? round(forwarderCpu / (acceptedBytes / GB), 1) : null,
      }),
    );
  } finally {
    for (const child of children) child.stop();
    await Promise.all([s3.close(), emulator.close(), sqs.close()]);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
