/**
 * `format: 'auto'` in the per-object pipeline (deliver-object.ts): each object is parsed by the
 * format its key routes to, each row goes to its output key, an unmatched object goes to
 * `unrouted` as text (logged and counted), and a continuation resumes with the same format.
 * The real parser (`parseObjectBatches`) over real samples, a recording uploader.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createMetrics, Telemetry } from '../../../lambda/core/telemetry';
import type { FormatRoute } from '../../../lambda/formats';
import type { NotifiedObject } from '../../../lambda/io/events';
import type { DeliveryResult } from '../../../lambda/io/sentinel-uploader';
import {
  deliverObject,
  objectFormat,
  type Delivery,
  type ObjectDeps,
  type ObjectOutcome,
  type Uploader,
} from '../../../lambda/pipeline/deliver-object';
import { parseObjectBatches } from '../../../lambda/pipeline/parse-object';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'aws');
const sample = (path: string) => readFileSync(join(FIXTURES, path), 'utf8');

const KEYS = {
  cloudtrail:
    'AWSLogs/o-a1b2c3d4e5/123456789012/CloudTrail/us-east-1/2026/01/02/123456789012_CloudTrail_us-east-1_20260102T0305Z_AbCd.json.gz',
  digest:
    'AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2026/01/02/123456789012_CloudTrail-Digest_us-east-1_trail_us-east-1_20260102T030512Z.json.gz',
  vpcflow:
    'AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/01/02/123456789012_vpcflowlogs_us-east-1_fl-1234abcd_20260102T0305Z_fe123456.log.gz',
  firewall:
    'AWSLogs/123456789012/network-firewall/alert/us-east-1/fw/2026/01/02/03/123456789012_network-firewall_alert_us-east-1_fw_202601020305_a1b2.log.gz',
  unmatched: 'app/2026/01/02/service.log',
} as const;

/** A row the delivery was given: its index and the output it was added to. */
interface Added {
  readonly index: number;
  readonly output: string | undefined;
  readonly args: number;
  readonly row: Record<string, unknown>;
}

/** Accepts every row on `finish`, remembering how each was added. */
class RecordingUploader implements Uploader {
  public readonly added: Added[] = [];

  public open(): Delivery {
    const added = this.added;
    let count = 0;
    return {
      stopped: false,
      oversized: [],
      add(row, index, ...rest: [string?]) {
        count += 1;
        added.push({ index, output: rest[0], args: 2 + rest.length, row });
        return undefined;
      },
      async finish(): Promise<DeliveryResult> {
        return {
          recordsDelivered: count,
          bytesDelivered: count * 100,
          batchesDelivered: count > 0 ? 1 : 0,
          recordsFailed: 0,
          oversized: [],
          resentCanonical: 0,
        };
      },
    };
  }
}

/** A logger that remembers what it was told. */
function recordingLogger(): { logger: Logger; lines: { level: string; message: string }[] } {
  const lines: { level: string; message: string }[] = [];
  const logger = {
    createChild: () => logger,
    info: (message: string) => lines.push({ level: 'info', message }),
    warn: (message: string) => lines.push({ level: 'warn', message }),
    error: (message: string) => lines.push({ level: 'error', message }),
  } as unknown as Logger;
  return { logger, lines };
}

interface Run {
  readonly outcome: ObjectOutcome;
  readonly added: Added[];
  readonly lines: { level: string; message: string }[];
  readonly unrouted: number;
  readonly formats: string[];
}

/** Delivers one object of `body` at `key` under `auto` (or `overrides.format`). */
async function deliver(
  key: string,
  body: string,
  overrides: Partial<ObjectDeps> = {},
  skipRecords = 0,
): Promise<Run> {
  const uploader = new RecordingUploader();
  const { logger, lines } = recordingLogger();
  const telemetry = new Telemetry(createMetrics('archive'));
  const unrouted = jest.spyOn(telemetry, 'unroutedObject');
  const formats: string[] = [];
  const object: NotifiedObject = {
    bucket: 'archive',
    key,
    eTag: 'e1',
    eventTime: '2026-01-02T03:10:00.000Z',
  };
  const deps: ObjectDeps = {
    producer: 'archive',
    format: 'auto',
    openObject: async () =>
      (async function* () {
        yield Buffer.from(body);
      })(),
    parse: (format, ...rest) => {
      formats.push(format);
      return parseObjectBatches(format, ...rest);
    },
    uploader,
    logger,
    telemetry,
    ...overrides,
  };
  const outcome = await deliverObject(object, skipRecords, deps, new AbortController().signal, 'm1');
  return { outcome, added: uploader.added, lines, unrouted: unrouted.mock.calls.length, formats };
}

const FIREWALL_BODY = [
  sample('network-firewall/alert_log.json').trim(),
  sample('network-firewall/flow_log.json').trim(),
  sample('network-firewall/tls_log.json').trim(),
]
  .map((text) => (text.startsWith('{\n') ? JSON.stringify(JSON.parse(text)) : text))
  .join('\n');

describe('format auto, per object', () => {
  test('a CloudTrail object is parsed as cloudtrail, every row to the cloudtrail key', async () => {
    const run = await deliver(KEYS.cloudtrail, sample('cloudtrail/cloudtrail_log.json'));
    expect(run.formats).toStrictEqual(['cloudtrail']);
    expect(run.outcome).toStrictEqual({ status: 'delivered', recordsDelivered: 7 });
    expect(run.added.map((a) => [a.index, a.output])).toStrictEqual(
      [0, 1, 2, 3, 4, 5, 6].map((i) => [i, 'cloudtrail']),
    );
    expect(run.added[0].row).toHaveProperty('EventSource');
    expect(run.unrouted).toBe(0);
  });

  test('a multi-output object: each row to format.output', async () => {
    const run = await deliver(KEYS.firewall, FIREWALL_BODY);
    expect(run.formats).toStrictEqual(['networkfirewall']);
    expect(run.added.map((a) => a.output)).toStrictEqual([
      'networkfirewall.alert',
      'networkfirewall.flow',
      'networkfirewall.tls',
    ]);
  });

  test('a digest routes to cloudtrail, which skips it', async () => {
    const run = await deliver(KEYS.digest, sample('cloudtrail-digest/cloudtrail_digest.json'));
    expect(run.outcome).toStrictEqual({ status: 'skipped', recordsDelivered: 0 });
    expect(run.added).toStrictEqual([]);
  });

  test('an object no route matches: text into unrouted, logged once and counted once', async () => {
    const body = 'first line\n\nsecond line\r\nthird {"not": "routed"}\n';
    const run = await deliver(KEYS.unmatched, body);
    expect(run.formats).toStrictEqual(['text']);
    expect(run.outcome).toStrictEqual({ status: 'delivered', recordsDelivered: 3 });
    expect(run.added.map((a) => [a.index, a.output, a.row.Message])).toStrictEqual([
      [0, 'unrouted', 'first line'],
      [1, 'unrouted', 'second line'],
      [2, 'unrouted', 'third {"not": "routed"}'],
    ]);
    const warnings = run.lines.filter((l) => l.message.startsWith('No route matched key'));
    expect(warnings).toStrictEqual([
      {
        level: 'warn',
        message:
          `No route matched key ${KEYS.unmatched}; add a route naming its format to the producer's routes ` +
          '(FORMAT_ROUTES). Until then its lines are sent as text to the unrouted stream.',
      },
    ]);
    expect(run.unrouted).toBe(1);
  });

  test("a producer's route takes the object first", async () => {
    const routes: FormatRoute[] = [{ match: '^app/', format: 'ndjson' }];
    const run = await deliver(KEYS.unmatched, '{"a":1}\n{"a":2}\n', { routes });
    expect(run.formats).toStrictEqual(['ndjson']);
    expect(run.added.map((a) => a.output)).toStrictEqual(['ndjson', 'ndjson']);
    expect(run.lines.some((l) => l.message.startsWith('No route matched'))).toBe(false);
    expect(run.unrouted).toBe(0);
  });

  test("each format's options reach the parser of an object of that format", async () => {
    const routes: FormatRoute[] = [{ match: '\\.csv$', format: 'csv' }];
    const run = await deliver('exports/users.csv', 'id;name\n1;a,b\n', {
      routes,
      formatOptions: { csv: { delimiter: ';' } },
    });
    expect(run.formats).toStrictEqual(['csv']);
    expect(run.added.map((a) => [a.output, a.row.Record])).toStrictEqual([['csv', { id: '1', name: 'a,b' }]]);
  });

  test('a continuation resumes the same object with the same format, output keys and indexes', async () => {
    const body = sample('vpcflow/valid_vpc_flow_log_multi.log');
    const whole = await deliver(KEYS.vpcflow, body);
    const resumed = await deliver(KEYS.vpcflow, body, {}, 1);
    expect(whole.formats).toStrictEqual(['vpcflow']);
    expect(resumed.formats).toStrictEqual(['vpcflow']);
    expect(whole.added.map((a) => [a.index, a.output])).toStrictEqual([
      [0, 'vpcflow'],
      [1, 'vpcflow'],
    ]);
    expect(resumed.added).toStrictEqual(whole.added.slice(1));
    // An unmatched object resumes in unrouted too.
    const text = 'a\nb\nc\n';
    const rest = await deliver(KEYS.unmatched, text, {}, 2);
    expect(rest.added.map((a) => [a.index, a.output, a.row.Message])).toStrictEqual([[2, 'unrouted', 'c']]);
  });

  test('a fixed format is untouched: single-output rows keep the two-argument add', async () => {
    const run = await deliver(KEYS.unmatched, '{"a":1}\n', { format: 'ndjson' });
    expect(run.added.map((a) => [a.output, a.args])).toStrictEqual([[undefined, 2]]);
    expect(run.unrouted).toBe(0);
    const firewall = await deliver(KEYS.firewall, FIREWALL_BODY, { format: 'networkfirewall' });
    expect(firewall.added.map((a) => a.output)).toStrictEqual(['alert', 'flow', 'tls']);
  });
});

describe('objectFormat', () => {
  test('names the routed format and the catch-all', () => {
    expect(objectFormat(KEYS.vpcflow, { format: 'auto' })).toMatchObject({
      format: 'vpcflow',
      routedFormat: 'vpcflow',
    });
    const unrouted = objectFormat(KEYS.unmatched, { format: 'auto' });
    expect(unrouted).toMatchObject({ format: 'text', routedFormat: 'text', unrouted: true });
    expect(unrouted.outputOf(undefined)).toBe('unrouted');
    const fixed = objectFormat(KEYS.vpcflow, { format: 'ndjson' });
    expect(fixed).toStrictEqual({ format: 'ndjson', outputOf: expect.any(Function) });
    expect(fixed.outputOf(undefined)).toBeUndefined();
  });
});
