import { DEFAULT_UPLOAD_CONCURRENCY as RUNTIME_UPLOAD_CONCURRENCY } from '../../lambda/core/config';
import { MAX_BATCH_BYTES } from '../../lambda/io/batcher';
import {
  AzureCoordinatesError,
  DCR_BUDGET,
  DEFAULT_UPLOAD_CONCURRENCY,
  MAX_SHARDS,
  NUMERIC_LIMITS,
  REQUEST_BYTES,
  checkCoordinates,
  dcrIdsProblem,
  dcrImmutableIdsOf,
  defaultMaxConcurrency,
  postsInFlightToFill,
  validateProducer,
  validateProducers,
  type ProducerDefinition,
} from '../../lib/producer';

const PRODUCER: ProducerDefinition = { name: 'app-logs', bucket: { kind: 'new' }, format: 'ndjson' };
const ID = (n: number) => `dcr-${String(n).repeat(32)}`;

describe('shards in a producer definition', () => {
  test.each([undefined, 1, 2, MAX_SHARDS])('accepts shards %p', (shards) => {
    expect(validateProducer({ ...PRODUCER, shards })).toEqual([]);
  });

  test.each([
    [0, '`shards` (0) must be a whole number from 1 to 10 DCRs'],
    [-1, '`shards` (-1) must be a whole number from 1 to 10 DCRs'],
    [1.5, '`shards` (1.5) must be a whole number from 1 to 10 DCRs'],
    ['2', '`shards` ("2") must be a whole number from 1 to 10 DCRs'],
    [
      11,
      '`shards` (11) must be a whole number from 1 to 10 DCRs: 10 DCRs already take 20 GB a minute into one table; ' +
        'split the producer by prefix into several producers instead',
    ],
  ])('fails if shards is %p', (shards, message) => {
    expect(validateProducer({ ...PRODUCER, shards: shards as number })).toEqual([message]);
  });

  test('validateProducers names the producer of a bad shards', () => {
    expect(() => validateProducers([{ ...PRODUCER, shards: 0 }])).toThrow(
      'producer "app-logs": `shards` (0) must be a whole number from 1 to 10 DCRs',
    );
  });
  test('refuses a producer named like another producer’s shard (their DCRs and alerts would collide)', () => {
    const clash = () =>
      validateProducers([
        { ...PRODUCER, name: 'app', shards: 3 },
        { ...PRODUCER, name: 'app-2', table: { name: 'AppTwo' } },
      ]);
    expect(clash).toThrow(
      /producer "app-2" \(its DCR\) and producer "app" would both name a DCR and its alert `<prefix>-app-2`: rename one of them/,
    );
    expect(() =>
      validateProducers([
        { ...PRODUCER, name: 'app', shards: 1 },
        { ...PRODUCER, name: 'app-2', table: { name: 'AppTwo' } },
      ]),
    ).not.toThrow();
  });
});

describe('the defaults derived from the per-DCR budget', () => {
  test('one DCR takes 2 GB and 12,000 requests a minute', () => {
    expect(DCR_BUDGET).toEqual({ bytesPerMinute: 2_000_000_000, requestsPerMinute: 12_000 });
  });

  test('bytes, not requests, bind for full 1 MB posts: 2,000 of them a minute, a sixth of 12,000', () => {
    expect(DCR_BUDGET.bytesPerMinute / REQUEST_BYTES).toBe(2_000);
    expect(DCR_BUDGET.bytesPerMinute / REQUEST_BYTES).toBeLessThan(DCR_BUDGET.requestsPerMinute);
  });

  test('40 posts of 1 MB in flight fill one DCR (33.3 posts/s × 1.2 s), exactly, not rounded up to 41', () => {
    expect(postsInFlightToFill()).toBe(40);
    expect(postsInFlightToFill(1)).toBe(40);
    expect(postsInFlightToFill(3)).toBe(120);
  });

  test('maxConcurrency defaults to 10 per shard: 10 invocations × 4 uploads = 40 posts per DCR', () => {
    expect(defaultMaxConcurrency()).toBe(10);
    expect([1, 2, 3, MAX_SHARDS].map(defaultMaxConcurrency)).toEqual([10, 20, 30, 100]);
    for (let shards = 1; shards <= MAX_SHARDS; shards += 1) {
      expect(defaultMaxConcurrency(shards) * DEFAULT_UPLOAD_CONCURRENCY).toBeGreaterThanOrEqual(
        postsInFlightToFill(shards),
      );
    }
  });

  test('stays within the event source’s range at every shard count', () => {
    const { min, max } = NUMERIC_LIMITS['lambda.maxConcurrency'];
    for (let shards = 1; shards <= MAX_SHARDS; shards += 1) {
      expect(defaultMaxConcurrency(shards)).toBeGreaterThanOrEqual(min);
      expect(defaultMaxConcurrency(shards)).toBeLessThanOrEqual(max);
    }
  });

  test('uses the runtime’s own upload concurrency and request size (lib/ may not import them)', () => {
    expect(DEFAULT_UPLOAD_CONCURRENCY).toBe(RUNTIME_UPLOAD_CONCURRENCY);
    expect(REQUEST_BYTES).toBe(MAX_BATCH_BYTES);
  });
});

describe('every DCR of a producer in the Azure coordinates', () => {
  const coordinates = (stream: Record<string, unknown>) => ({
    tenantId: 't',
    clientId: 'c',
    logsIngestionEndpoint: 'https://dce.example',
    producers: { 'app-logs': { dcrImmutableId: ID(1), streamName: 'Custom-AppLogs', ...stream } },
  });

  test('dcrImmutableIds is optional: one DCR reads as [dcrImmutableId]', () => {
    const checked = checkCoordinates(coordinates({}), 'file');
    expect(dcrImmutableIdsOf(checked.producers['app-logs'])).toEqual([ID(1)]);
  });

  test('dcrImmutableIds lists every DCR, shard 1 first', () => {
    const checked = checkCoordinates(coordinates({ dcrImmutableIds: [ID(1), ID(2), ID(3)] }), 'file');
    expect(dcrImmutableIdsOf(checked.producers['app-logs'])).toEqual([ID(1), ID(2), ID(3)]);
  });

  test.each([
    [[], '\\(\\[\\]\\) must be a non-empty list of DCR immutable ids'],
    ['dcr-1', '\\("dcr-1"\\) must be a non-empty list of DCR immutable ids'],
    [[ID(1), ''], '\\(.+\\) must hold only non-empty strings'],
    [[ID(1), 7], '\\(.+\\) must hold only non-empty strings'],
    [[ID(2), ID(1)], `must start with the first DCR's id, "${ID(1)}", not "${ID(2)}"`],
    [[ID(1), ID(2), ID(2)], `names "${ID(2)}" twice; each DCR is listed once`],
  ])('fails if dcrImmutableIds is %p', (ids, message) => {
    expect(() => checkCoordinates(coordinates({ dcrImmutableIds: ids }), 'azure-outputs.json')).toThrow(
      AzureCoordinatesError,
    );
    expect(() => checkCoordinates(coordinates({ dcrImmutableIds: ids }), 'azure-outputs.json')).toThrow(
      new RegExp(`^azure-outputs\\.json: \`producers\\.app-logs\\.dcrImmutableIds\` ${message}`),
    );
  });

  test('dcrIdsProblem accepts an absent list', () => {
    expect(dcrIdsProblem(undefined, ID(1))).toBeUndefined();
  });
});
