/**
 * Forwarder benchmark (not a timed test): `npm run bench -- --mb N`.
 *
 * Generates CloudTrail-like gzip NDJSON of N uncompressed MB (streamed to a file, then to s3rver,
 * never held in memory), and in the same run measures, each phase in its own child process so its
 * peak RSS is its own:
 *  - floor: stream GetObject + gunzip + line split of the same bytes (the least any reader does);
 *  - naive: GetObject into memory, gunzipSync, split, JSON.parse every line, one SDK upload;
 *  - forwarder: the real handler (createHandler/createDependencies) on one SQS message.
 * The phases run in rounds (floor, forwarder, naive; `--runs N` rounds, 3 by default) so that runs
 * compared with each other ran close together in time; each round prints its own ratio, and each
 * phase's figures are those of its fastest run.
 * s3rver and the Logs Ingestion emulator run in this (parent) process. The emulator answers each
 * upload once its route, token and size are checked and counts the rows of the kept bodies after
 * each run (`deferCounting`): the receiver's decompression is Azure's work in production, and here
 * it would take CPU from the phase being measured. A run that did not deliver every row fails.
 * Each phase line also reports the CPU the phase and the servers used, to read the figures by.
 *
 * `--cpu N` starts every phase process under `taskset -c N` (Linux), so the phase runs on core N
 * alone: on one core, as a 1,769 MB Lambda does. Run the parent on another core so that s3rver
 * and the emulator do not share it: `taskset -c 1 node bench/run.mjs --mb 100 --cpu 0`.
 *
 * The last line printed is one JSON object:
 * {"mb","forwarder_MBps","floor_MBps","naive_MBps","ratio_floor","ratio_naive","records_per_s","peak_rss_MB"}
 * where peak_rss_MB is the forwarder phase's.
 */
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { AccessToken, TokenCredential } from '@azure/identity';
import { LogsIngestionClient } from '@azure/monitor-ingestion';
import type { SQSEvent } from 'aws-lambda';
import { spawn } from 'node:child_process';
import { createReadStream, mkdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip, gunzipSync } from 'node:zlib';
import { ENV } from '../lambda/contract/environment';
import { columnsOf } from '../lambda/formats';
import { createDependencies, createHandler } from '../lambda/pipeline/handler';
import { lambdaContext, s3Notification, sqsRecord } from '../test/support/events';
import { IngestionEmulator } from '../test/support/ingestion-emulator';
import { localS3Client, startS3 } from '../test/support/s3-server';
import { EVENT_TIME, generate } from './generate';

const MB = 1024 * 1024;
const BUCKET = 'bench';
const KEY = 'AWSLogs/123456789012/CloudTrail/eu-west-1/2026/11/28/bench.ndjson.gz';
const STREAM = 'Custom-Bench';

/** What a phase child needs to reach the parent's servers. */
interface PhaseConfig {
  readonly s3Endpoint: string;
  readonly emulatorEndpoint: string;
  readonly ca: string;
  readonly token: string;
  readonly dcrImmutableId: string;
  readonly eTag?: string;
  readonly concurrency: number;
}

interface PhaseResult {
  readonly seconds: number;
  readonly peakRssMB: number;
  readonly lines?: number;
  /** CPU time of the whole child process (start-up included), for reading the figures. */
  readonly cpuSeconds?: number;
  /**
   * CPU time this (parent) process spent while the phase ran: s3rver and the emulator, which in
   * production run elsewhere but here share the machine's cores with the phase.
   */
  readonly serversCpuSeconds?: number;
  /** Share of the forwarder's timed call its main thread was busy (event-loop utilization). */
  readonly mainThreadBusy?: number;
}

const RESULT_PREFIX = 'BENCH_RESULT ';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

function staticCredential(token: string): TokenCredential {
  return {
    getToken: async (): Promise<AccessToken> => ({ token, expiresOnTimestamp: Date.now() + 3_600_000 }),
  };
}

async function getBody(
  config: PhaseConfig,
): Promise<AsyncIterable<Uint8Array> & { transformToByteArray(): Promise<Uint8Array> }> {
  const s3 = localS3Client(config.s3Endpoint);
  const out = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: KEY }));
  return out.Body as AsyncIterable<Uint8Array> & { transformToByteArray(): Promise<Uint8Array> };
}

/** The floor: stream gunzip + UTF-8 decode + line split, nothing else. */
async function floorPhase(config: PhaseConfig): Promise<{ lines: number }> {
  const body = await getBody(config);
  const gunzip = createGunzip({ chunkSize: 64 * 1024 });
  const source = body as unknown as NodeJS.ReadableStream;
  source.pipe(gunzip);
  const decoder = new StringDecoder('utf8');
  let carry = '';
  let lines = 0;
  for await (const chunk of gunzip) {
    const text = carry + decoder.write(chunk as Buffer);
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      // Each line becomes a string, as any consumer of lines needs.
      if (text.slice(start, nl).length > 0) lines++;
      start = nl + 1;
    }
    carry = text.slice(start);
  }
  if ((carry + decoder.end()).length > 0) lines++;
  return { lines };
}

/** The naive approach: whole object in memory, gunzipSync, split, JSON.parse, one SDK upload. */
async function naivePhase(config: PhaseConfig): Promise<{ lines: number }> {
  const body = await getBody(config);
  const text = gunzipSync(await body.transformToByteArray()).toString('utf8');
  const rows = text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line, i) => ({
      TimeGenerated: EVENT_TIME,
      S3Bucket: BUCKET,
      S3Key: KEY,
      RecordIndex: i,
      Record: JSON.parse(line) as unknown,
    }));
  const client = new LogsIngestionClient(config.emulatorEndpoint, staticCredential(config.token), {
    tlsOptions: { ca: config.ca },
  });
  await client.upload(config.dcrImmutableId, STREAM, rows);
  return { lines: rows.length };
}

/** The real handler, production wiring except the endpoints. */
async function forwarderPhase(
  config: PhaseConfig,
): Promise<{ lines: number; seconds: number; mainThreadBusy: number }> {
  const handler = createHandler(
    createDependencies({
      env: {
        [ENV.producerName]: 'bench',
        [ENV.format]: 'ndjson',
        [ENV.tenantId]: 'tenant',
        [ENV.clientId]: 'client',
        [ENV.logsIngestionEndpoint]: config.emulatorEndpoint,
        [ENV.dcrImmutableId]: config.dcrImmutableId,
        [ENV.streamName]: STREAM,
        [ENV.clientSecretParameter]: '/unused',
        [ENV.uploadConcurrency]: String(config.concurrency),
      },
      s3: localS3Client(config.s3Endpoint),
      credential: staticCredential(config.token),
      clientOptions: { tlsOptions: { ca: config.ca } },
    }),
  );
  const event: SQSEvent = {
    Records: [
      sqsRecord(
        s3Notification({
          bucket: BUCKET,
          key: KEY,
          eventTime: EVENT_TIME,
          ...(config.eTag ? { eTag: config.eTag } : {}),
        }),
        'bench-1',
      ),
    ],
  };
  const started = process.hrtime.bigint();
  const loop = performance.eventLoopUtilization();
  const response = await handler(event, lambdaContext(15 * 60_000));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const mainThreadBusy = performance.eventLoopUtilization(loop).utilization;
  if (response.batchItemFailures.length > 0) throw new Error(`forwarder failed: ${JSON.stringify(response)}`);
  return { lines: 0, seconds, mainThreadBusy };
}

/** Child side: run one phase, print its result as the last line. */
async function runPhase(phase: string): Promise<void> {
  const config = JSON.parse(process.env.BENCH_CONFIG ?? '{}') as PhaseConfig;
  const started = process.hrtime.bigint();
  let lines = 0;
  let seconds: number | undefined;
  let mainThreadBusy: number | undefined;
  if (phase === 'floor') lines = (await floorPhase(config)).lines;
  else if (phase === 'naive') lines = (await naivePhase(config)).lines;
  else ({ lines, seconds, mainThreadBusy } = await forwarderPhase(config));
  seconds ??= Number(process.hrtime.bigint() - started) / 1e9;
  const usage = process.resourceUsage();
  const result: PhaseResult = {
    seconds,
    peakRssMB: usage.maxRSS / 1024,
    lines,
    cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6,
    ...(mainThreadBusy !== undefined ? { mainThreadBusy } : {}),
  };
  process.stdout.write(`\n${RESULT_PREFIX}${JSON.stringify(result)}\n`);
}

/**
 * The fastest run of a phase so far (the machine is shared, so slower runs measure the neighbours),
 * with the highest peak RSS seen, so memory is never understated.
 */
class Fastest {
  #fastest: PhaseResult | undefined;
  #peak = 0;

  public add(result: PhaseResult): void {
    this.#peak = Math.max(this.#peak, result.peakRssMB);
    if (this.#fastest === undefined || result.seconds < this.#fastest.seconds) this.#fastest = result;
  }

  public get result(): PhaseResult {
    if (this.#fastest === undefined) throw new Error('no run recorded');
    return { ...this.#fastest, peakRssMB: this.#peak };
  }
}

/** Runs `phase` once in a fresh process, with the CPU the servers used meanwhile, then `check`. */
async function measure(
  phase: string,
  config: PhaseConfig,
  nodeArgs: string[] = [],
  check?: () => void,
): Promise<PhaseResult> {
  const servers = process.cpuUsage();
  const ran = await child(phase, config, nodeArgs);
  const used = process.cpuUsage(servers);
  check?.();
  return { ...ran, serversCpuSeconds: (used.user + used.system) / 1e6 };
}

/**
 * The command that starts a phase process: node itself, or under `taskset -c <cpu>` when `--cpu`
 * pins the phases to one core.
 */
function phaseCommand(args: string[]): [string, string[]] {
  const cpu = arg('cpu', '');
  return cpu === '' ? [process.execPath, args] : ['taskset', ['-c', cpu, process.execPath, ...args]];
}

/** Parent side: run `phase` in a fresh node process and read its result line. */
function child(phase: string, config: PhaseConfig, nodeArgs: string[] = []): Promise<PhaseResult> {
  return new Promise((resolve, reject) => {
    const [command, args] = phaseCommand([...nodeArgs, __filename, '--phase', phase]);
    const proc = spawn(command, args, {
      // bench/run.mjs has already silenced the AWS SDK's Node 20 notice in this environment.
      env: { ...process.env, BENCH_CONFIG: JSON.stringify(config), POWERTOOLS_LOG_LEVEL: 'WARN' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let tail = '';
    proc.stdout.on('data', (chunk: Buffer) => {
      tail = (tail + chunk.toString('utf8')).slice(-4096);
    });
    proc.on('error', reject);
    proc.on('close', (code) => {
      const line = tail.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
      if (code !== 0 || line === undefined)
        reject(new Error(`phase ${phase} exited ${code}: ${tail.slice(-1000)}`));
      else resolve(JSON.parse(line.slice(RESULT_PREFIX.length)) as PhaseResult);
    });
  });
}

const round = (n: number, digits = 2): number => Math.round(n * 10 ** digits) / 10 ** digits;

/** The CPU a phase's fastest run used: its own process (start-up included) and the servers'. */
function cpuNote(result: PhaseResult): string {
  return `CPU ${round(result.cpuSeconds ?? 0)} s (+ servers ${round(result.serversCpuSeconds ?? 0)} s)`;
}

async function main(): Promise<void> {
  const phase = arg('phase', '');
  if (phase !== '') return runPhase(phase);

  const mb = Number(arg('mb', '100'));
  const concurrency = Number(arg('concurrency', '4'));
  const runs = Math.max(1, Number(arg('runs', '3')));
  if (!Number.isFinite(mb) || mb <= 0)
    throw new Error(`--mb must be a positive number, got ${arg('mb', '')}`);
  const cpu = arg('cpu', '');
  if (cpu !== '' && !/^\d+$/.test(cpu)) throw new Error(`--cpu must be a core number, got ${cpu}`);
  const dir = join(tmpdir(), `s3-to-sentinel-bench-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'bench.ndjson.gz');
  const [s3, emulator] = await Promise.all([
    startS3([BUCKET]),
    IngestionEmulator.start({
      streams: { [STREAM]: columnsOf('ndjson') },
      storeRows: false,
      validate: false,
      deferCounting: true,
    }),
  ]);
  try {
    const generated = await generate(file, mb);
    const compressed = statSync(file).size;
    const { ETag } = await s3.client.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: KEY,
        Body: createReadStream(file),
        ContentLength: compressed,
      }),
    );
    rmSync(file);
    console.log(
      `generated ${generated.lines} records, ${round(generated.bytes / MB)} MB uncompressed, ${round(compressed / MB)} MB gzip` +
        (cpu !== '' ? `; phases pinned to core ${cpu}` : ''),
    );
    const config: PhaseConfig = {
      s3Endpoint: s3.endpoint,
      emulatorEndpoint: emulator.endpoint,
      ca: emulator.ca,
      token: emulator.token,
      dcrImmutableId: emulator.dcrImmutableId,
      ...(ETag !== undefined ? { eTag: ETag } : {}),
      concurrency,
    };
    const uncompressedMB = generated.bytes / MB;

    // Every run of naive and forwarder must deliver every record, or its time means nothing.
    const deliveredAll = (what: string) => (): void => {
      emulator.settle();
      if (emulator.acceptedRows !== generated.lines) {
        throw new Error(`${what} delivered ${emulator.acceptedRows} rows, expected ${generated.lines}`);
      }
    };
    // --profile writes a CPU profile of the forwarder phase to .bench/profiles/.
    const profile = process.argv.includes('--profile')
      ? ['--cpu-prof', '--cpu-prof-dir=.bench/profiles']
      : [];
    let requests = 0;
    let maxInFlight = 0;
    const fastest = { floor: new Fastest(), naive: new Fastest(), forwarder: new Fastest() };
    const mbps = (result: PhaseResult): number => uncompressedMB / result.seconds;
    // Rounds of floor, forwarder, naive, rather than all runs of one phase and then the next: the
    // machine's speed drifts, and runs next to each other see the same machine.
    for (let i = 1; i <= runs; i++) {
      const floorRun = await measure('floor', config);
      if (floorRun.lines !== generated.lines) {
        throw new Error(`floor split ${floorRun.lines} lines, expected ${generated.lines}`);
      }
      emulator.reset();
      const forwarderRun = await measure('forwarder', config, profile, () => {
        deliveredAll('forwarder')();
        requests = emulator.requests.length;
        maxInFlight = Math.max(maxInFlight, emulator.maxInFlight);
        emulator.reset();
      });
      const naiveRun = await measure('naive', config, ['--max-old-space-size=16384'], () => {
        deliveredAll('naive')();
        emulator.reset();
      });
      fastest.floor.add(floorRun);
      fastest.forwarder.add(forwarderRun);
      fastest.naive.add(naiveRun);
      console.log(
        `round ${i}/${runs}: floor ${round(mbps(floorRun))} MB/s, forwarder ${round(mbps(forwarderRun))} MB/s, ` +
          `naive ${round(mbps(naiveRun))} MB/s; forwarder/floor ${round(mbps(forwarderRun) / mbps(floorRun), 3)}`,
      );
    }
    const floor = fastest.floor.result;
    const naive = fastest.naive.result;
    const forwarder = fastest.forwarder.result;
    console.log(
      `floor:     ${round(floor.seconds)} s, ${round(uncompressedMB / floor.seconds)} MB/s, peak RSS ${round(floor.peakRssMB)} MB, ` +
        cpuNote(floor),
    );
    console.log(
      `naive:     ${round(naive.seconds)} s, ${round(uncompressedMB / naive.seconds)} MB/s, peak RSS ${round(naive.peakRssMB)} MB, ` +
        cpuNote(naive),
    );
    console.log(
      `forwarder: ${round(forwarder.seconds)} s, ${round(uncompressedMB / forwarder.seconds)} MB/s, ` +
        `peak RSS ${round(forwarder.peakRssMB)} MB, ${requests} requests per run, max ${maxInFlight} in flight, ` +
        `main thread busy ${Math.round((forwarder.mainThreadBusy ?? 0) * 100)}%, ${cpuNote(forwarder)}`,
    );

    const forwarderMBps = uncompressedMB / forwarder.seconds;
    const floorMBps = uncompressedMB / floor.seconds;
    const naiveMBps = uncompressedMB / naive.seconds;
    console.log(
      JSON.stringify({
        mb,
        forwarder_MBps: round(forwarderMBps),
        floor_MBps: round(floorMBps),
        naive_MBps: round(naiveMBps),
        ratio_floor: round(forwarderMBps / floorMBps, 3),
        ratio_naive: round(forwarderMBps / naiveMBps, 3),
        records_per_s: Math.round(generated.lines / forwarder.seconds),
        peak_rss_MB: round(forwarder.peakRssMB, 1),
      }),
    );
  } finally {
    await Promise.all([s3.close(), emulator.close()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
