// The uploader with a multi-output format (SentinelUploaderProps.outputs, env DCR_OUTPUTS): each
// output batched on its own, sent to its own stream on its own DCRs, one result per object.
import { gunzipSync } from 'node:zlib';
import { ConfigurationError, IngestionRejectedError } from '../../../lambda/core/errors';
import { AdaptiveConcurrency } from '../../../lambda/io/adaptive-concurrency';
import type { SendOptions } from '../../../lambda/io/logs-ingestion-sender';
import { SentinelUploader, type DeliveryResult } from '../../../lambda/io/sentinel-uploader';

function statusError(statusCode: number): Error {
  return Object.assign(new Error(`Injected HTTP ${statusCode}`), { name: 'RestError', statusCode });
}

/** One accepted request as the fake client saw it. */
interface Sent {
  readonly dcr: string;
  readonly stream: string;
  readonly indexes: readonly number[];
}

/**
 * A stand-in for LogsIngestionSender: `answer(dcr, stream, call)` gives each request's status (204
 * accepts). `latency` keeps requests in flight a few ticks, so the test can see how many overlap.
 */
function fakeClient(
  answer: (dcr: string, stream: string, indexes: readonly number[]) => number = () => 204,
  latency = 1,
) {
  const sent: Sent[] = [];
  const attempts: { dcr: string; stream: string }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  return {
    sent,
    attempts,
    get maxInFlight() {
      return maxInFlight;
    },
    send: async (dcr: string, stream: string, body: Uint8Array, options: SendOptions = {}) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        options.observer?.sending?.();
        for (let i = 0; i < latency; i++) await new Promise((resolve) => setImmediate(resolve));
        attempts.push({ dcr, stream });
        const rows = JSON.parse(gunzipSync(body).toString('utf8')) as { RecordIndex: number }[];
        const indexes = rows.map((r) => r.RecordIndex);
        const status = answer(dcr, stream, indexes);
        options.observer?.answered?.(status, undefined);
        if (status !== 204) throw statusError(status);
        sent.push({ dcr, stream, indexes });
      } finally {
        inFlight--;
      }
    },
  };
}

const OUTPUTS = {
  alert: { streamName: 'Custom-NfwAlert', dcrImmutableIds: ['dcr-1'] },
  flow: { streamName: 'Custom-NfwFlow', dcrImmutableIds: ['dcr-2', 'dcr-3'] },
  tls: { streamName: 'Custom-NfwTls', dcrImmutableIds: ['dcr-1'] },
};

function uploader(client: ReturnType<typeof fakeClient>, concurrency = 2, outputs = OUTPUTS) {
  return new SentinelUploader({
    client,
    producer: 'firewall',
    dcrImmutableId: 'dcr-1',
    streamName: 'Custom-NfwAlert',
    concurrency,
    // `{"RecordIndex":n}` is 16-17 bytes: two rows per batch.
    maxBatchBytes: 40,
    outputs,
  });
}

/** Output of record i in a repeating alert, flow, flow, tls pattern. */
const OUTPUT_OF = ['alert', 'flow', 'flow', 'tls'] as const;
const outputOf = (i: number) => OUTPUT_OF[i % OUTPUT_OF.length];

async function deliver(up: SentinelUploader, count: number, output = outputOf): Promise<DeliveryResult> {
  const delivery = up.open({ bucket: 'logs', key: 'fw/x.log.gz' }, new AbortController().signal);
  for (let i = 0; i < count; i++) {
    await delivery.add({ RecordIndex: i }, i, output(i));
    if (delivery.stopped) break;
  }
  return delivery.finish();
}

/** Indexes accepted per stream, sorted. */
function byStream(sent: readonly Sent[]): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const s of sent) (out[s.stream] ??= []).push(...s.indexes);
  for (const v of Object.values(out)) v.sort((a, b) => a - b);
  return out;
}

describe('SentinelUploader with outputs', () => {
  test('batches each output on its own and sends it to its stream on its own DCRs', async () => {
    // GIVEN three outputs, two sharing dcr-1 and one sharded over dcr-2 and dcr-3
    const client = fakeClient();
    // WHEN 12 rows alternate between them
    const result = await deliver(uploader(client), 12);
    // THEN every row arrives once, on its output's stream, and no request mixes outputs
    expect(byStream(client.sent)).toStrictEqual({
      'Custom-NfwAlert': [0, 4, 8],
      'Custom-NfwFlow': [1, 2, 5, 6, 9, 10],
      'Custom-NfwTls': [3, 7, 11],
    });
    for (const s of client.sent) {
      const expected = Object.values(OUTPUTS).find((o) => o.streamName === s.stream)!;
      expect(expected.dcrImmutableIds).toContain(s.dcr);
      expect(s.indexes.every((i) => OUTPUTS[outputOf(i)].streamName === s.stream)).toBe(true);
    }
    // Flow's batches are spread over both of its shards.
    expect(new Set(client.sent.filter((s) => s.stream === 'Custom-NfwFlow').map((s) => s.dcr))).toStrictEqual(
      new Set(['dcr-2', 'dcr-3']),
    );
    expect(result).toStrictEqual({
      recordsDelivered: 12,
      bytesDelivered: expect.any(Number) as unknown,
      batchesDelivered: client.sent.length,
      recordsFailed: 0,
      oversized: [],
      resentCanonical: 0,
    });
  });

  test('one lane per distinct DCR over all outputs', () => {
    const up = uploader(fakeClient());
    expect(up.limits.lanes.map((l) => l.key)).toStrictEqual(['dcr-1', 'dcr-2', 'dcr-3']);
  });

  test('keeps at most `concurrency` batches in flight over all outputs', async () => {
    const client = fakeClient(() => 204, 5);
    await deliver(uploader(client, 2), 40);
    expect(client.sent.flatMap((s) => s.indexes)).toHaveLength(40);
    expect(client.maxInFlight).toBeLessThanOrEqual(2);
  });

  test('rows without an output go to the default stream, unchanged', async () => {
    const client = fakeClient();
    const result = await deliver(uploader(client), 4, () => undefined as unknown as 'alert');
    expect(byStream(client.sent)).toStrictEqual({ 'Custom-NfwAlert': [0, 1, 2, 3] });
    expect(client.sent.every((s) => s.dcr === 'dcr-1')).toBe(true);
    expect(result.recordsDelivered).toBe(4);
  });

  test('a failure on one output: the error names its DCR and stream, the resume index is the lowest not accepted over all outputs', async () => {
    // GIVEN the flow stream refuses every batch (400), the others accept
    const client = fakeClient((_dcr, stream) => (stream === 'Custom-NfwFlow' ? 400 : 204));
    // WHEN
    const result = await deliver(uploader(client), 12);
    // THEN the object failed from the first flow row (index 1): rows after it, of any output, are
    // sent again on resume (the alert row 0 is not)
    expect(result.firstUndeliveredIndex).toBe(1);
    expect(result.error).toBeInstanceOf(IngestionRejectedError);
    expect(result.error!.message).toMatch(/DCR dcr-[23], stream Custom-NfwFlow/);
    expect(result.error!.message).toContain('s3://logs/fw/x.log.gz');
    expect(byStream(client.sent)['Custom-NfwFlow']).toBeUndefined();
    expect(result.recordsDelivered + result.recordsFailed).toBeLessThanOrEqual(12);
    expect(result.recordsFailed).toBeGreaterThan(0);
  });

  test('a failure late on one output still resumes at the lowest index not accepted', async () => {
    // GIVEN the tls stream refuses its second batch only
    const client = fakeClient((_dcr, stream, indexes) =>
      stream === 'Custom-NfwTls' && indexes.includes(11) ? 400 : 204,
    );
    // WHEN 16 rows: tls rows are 3, 7 (first batch), 11, 15 (second batch); room for every batch
    const result = await deliver(uploader(client, 8), 16);
    // THEN the first tls row of the refused batch is where a continuation resumes; rows accepted
    // after it on other outputs (12, 13, 14) will arrive again, with the same RecordId
    expect(byStream(client.sent)['Custom-NfwTls']).toStrictEqual([3, 7]);
    expect(result.firstUndeliveredIndex).toBe(11);
    expect(result.error!.message).toContain('DCR dcr-1, stream Custom-NfwTls');
    expect(result.recordsFailed).toBe(2);
    expect(result.recordsDelivered).toBe(14);
  });

  test('stops with a configuration error on an output it has no stream for', async () => {
    const client = fakeClient();
    const result = await deliver(uploader(client), 3, (i) => (i === 1 ? ('http' as 'alert') : 'alert'));
    expect(result.error).toBeInstanceOf(ConfigurationError);
    expect(result.error!.message).toContain(
      'a row is for output "http", but the forwarder has no stream for it (DCR_OUTPUTS names alert, flow, tls)',
    );
    // Row 0 was still buffered when the delivery stopped: it is not sent either.
    expect(result.firstUndeliveredIndex).toBe(0);
    expect(client.sent).toStrictEqual([]);
  });
});

describe('AdaptiveConcurrency.acquire restricted to some lanes', () => {
  const signal = new AbortController().signal;

  test('grants only on those lanes, taking turns among them', async () => {
    const limits = new AdaptiveConcurrency({ keys: ['dcr-1', 'dcr-2', 'dcr-3'], max: 8 });
    const keys: string[] = [];
    for (let i = 0; i < 4; i++) {
      const permit = (await limits.acquire(signal, ['dcr-2', 'dcr-3']))!;
      keys.push(permit.key);
      permit.release(true);
      // Another output's permits in between do not disturb the turns.
      (await limits.acquire(signal, ['dcr-1']))!.release(true);
    }
    expect(keys).toStrictEqual(['dcr-2', 'dcr-3', 'dcr-2', 'dcr-3']);
  });

  test('waits while its lanes are full, even when another lane has room', async () => {
    const limits = new AdaptiveConcurrency({ keys: ['dcr-1', 'dcr-2'], max: 2 });
    // GIVEN dcr-1 throttled down to one upload, which is in flight
    const first = (await limits.acquire(signal, ['dcr-1']))!;
    first.sending();
    first.answered(429);
    expect(limits.lanes[0].limit).toBe(1);
    // WHEN a second permit for dcr-1 is asked
    let granted: string | undefined;
    void limits.acquire(signal, ['dcr-1']).then((p) => (granted = p?.key));
    await new Promise((resolve) => setImmediate(resolve));
    // THEN it waits (dcr-2's room is not its to take) until dcr-1's upload ends
    expect(granted).toBeUndefined();
    first.release(false);
    await new Promise((resolve) => setImmediate(resolve));
    expect(granted).toBe('dcr-1');
  });
});
