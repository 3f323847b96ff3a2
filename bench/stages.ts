/**
 * Where the forwarder's CPU goes, layer by layer, with no servers: `npm run bench:stages -- [--mb N]`.
 *
 * Reads one generated gzip NDJSON file (the benchmark's data) from disk through successively more
 * of the forwarder's pipeline, each stage in a fresh process, and prints each stage's wall and CPU
 * time. The differences between stages are what each layer costs:
 *  - decode: stream gunzip + UTF-8 decoding (`decodeText`);
 *  - split:  + line splitting;
 *  - parse:  + the ndjson format's parsing and the rows (`parseObjectBatches`);
 *  - batch:  + serializing the rows into ≤ 1 MB request bodies (`RowBatcher`);
 *  - gzip:   + compressing each body as the uploader does (zlib's thread pool), up to 4 at once.
 * This is for A/B-ing a change to those layers; `npm run bench` measures the whole forwarder.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { MAX_BATCH_BYTES, RowBatcher } from '../lambda/io/batcher';
import { splitLines } from '../lambda/formats/lines';
import { decodeText } from '../lambda/io/object-reader';
import { parseObjectBatches } from '../lambda/pipeline/parse-object';
import { gzipOptions } from '../lambda/io/sentinel-uploader';
import { EVENT_TIME, generate } from './generate';

const STAGES = ['decode', 'split', 'parse', 'batch', 'gzip'] as const;
type Stage = (typeof STAGES)[number];
const OBJECT = {
  bucket: 'bench',
  key: 'AWSLogs/123456789012/CloudTrail/eu-west-1/2026/11/28/bench.ndjson.gz',
  eTag: '"0123456789abcdef0123456789abcdef"',
  eventTime: EVENT_TIME,
};

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

/** Runs one stage over `file`; returns how many units (characters, lines or rows) it produced. */
async function runStage(stage: Stage, file: string): Promise<number> {
  const body = createReadStream(file, { highWaterMark: 64 * 1024 });
  let units = 0;
  if (stage === 'decode') {
    for await (const text of decodeText(body)) units += text.length;
    return units;
  }
  if (stage === 'split') {
    for await (const lines of splitLines(decodeText(body))) units += lines.length;
    return units;
  }
  const compress = promisify(gzip);
  const batcher = new RowBatcher(MAX_BATCH_BYTES);
  const inFlight: Promise<void>[] = [];
  const send = async (body: Buffer): Promise<void> => {
    if (stage === 'gzip') await compress(body, gzipOptions());
  };
  for await (const outcomes of parseObjectBatches('ndjson', body, OBJECT)) {
    for (const outcome of outcomes) {
      if (outcome.kind !== 'row') continue;
      units++;
      if (stage === 'parse') continue;
      const added = batcher.add(outcome.row, outcome.index);
      if (added.kind !== 'batch') continue;
      inFlight.push(send(added.batch.body));
      if (inFlight.length >= 4) await inFlight.shift();
    }
  }
  const last = batcher.flush();
  if (last !== undefined && stage !== 'parse') inFlight.push(send(last.body));
  await Promise.all(inFlight);
  return units;
}

async function main(): Promise<void> {
  const stage = arg('stage', '');
  const file = arg('file', join(tmpdir(), `s3-to-sentinel-stages-${arg('mb', '100')}.ndjson.gz`));
  if (stage !== '') {
    if (!(STAGES as readonly string[]).includes(stage)) {
      throw new Error(`--stage must be one of ${STAGES.join(', ')}, got ${stage}`);
    }
    const started = process.hrtime.bigint();
    const units = await runStage(stage as Stage, file);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const usage = process.resourceUsage();
    const cpu = (usage.userCPUTime + usage.systemCPUTime) / 1e6;
    console.log(
      `${stage.padEnd(7)}${seconds.toFixed(2)} s wall, ${cpu.toFixed(2)} s CPU (process), ${units} units`,
    );
    return;
  }
  if (!existsSync(file)) {
    // Written under another name first: an interrupted run must not leave a short file to reuse.
    const partial = `${file}.partial`;
    const made = await generate(partial, Number(arg('mb', '100')));
    renameSync(partial, file);
    console.log(`generated ${file}: ${made.lines} records`);
  }
  for (const each of STAGES) {
    const run = spawnSync(process.execPath, [__filename, '--stage', each, '--file', file], {
      stdio: 'inherit',
    });
    if (run.status !== 0) throw new Error(`stage ${each} exited with ${run.status ?? run.signal}`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
