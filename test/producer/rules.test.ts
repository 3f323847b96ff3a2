import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { QUEUE_RETENTION_SECONDS, secondsToDeadLetter } from '../../lambda/contract/retry-schedule';
import {
  MAX_RECEIVE_COUNT,
  NUMERIC_LIMITS,
  checkReceiveBudget,
  maxReceiveCountFor,
  checkBatchingWindow,
  checkEmail,
  checkLimit,
  checkProducerName,
  checkVisibilityTimeout,
  type DefinitionField,
  type LambdaTuning,
} from '../../lib/producer';

const fields = Object.keys(NUMERIC_LIMITS) as DefinitionField[];

describe('NUMERIC_LIMITS', () => {
  test('has a row for every LambdaTuning field', () => {
    // Typed Required<LambdaTuning>: a new tuning field fails to compile until it is listed here.
    const every: Required<LambdaTuning> = {
      memorySizeMb: 0,
      timeoutSeconds: 0,
      batchSize: 0,
      maxBatchingWindowSeconds: 0,
      maxConcurrency: 0,
      visibilityTimeoutSeconds: 0,
      maxReceiveCount: 0,
    };
    for (const key of Object.keys(every)) expect(fields).toContain(`lambda.${key}`);
  });

  test('takes AWS’s own ranges where the product has no reason to narrow them', () => {
    expect(NUMERIC_LIMITS['lambda.memorySizeMb']).toMatchObject({ min: 128, max: 10240 });
    expect(NUMERIC_LIMITS['lambda.batchSize']).toMatchObject({ min: 1, max: 10000 });
    expect(NUMERIC_LIMITS['lambda.maxBatchingWindowSeconds']).toMatchObject({ min: 0, max: 300 });
    expect(NUMERIC_LIMITS['lambda.maxConcurrency']).toMatchObject({ min: 2, max: 1000 });
    expect(NUMERIC_LIMITS['lambda.visibilityTimeoutSeconds']).toMatchObject({ min: 0, max: 43200 });
  });

  test("narrows maxReceiveCount to the most receives that reach the DLQ within the queue's retention", () => {
    // A day's wait, 30 s of processing per receive (the shortest timeout) and the back-off after each.
    expect(MAX_RECEIVE_COUNT).toBe(18);
    expect(86_400 + 18 * 30 + secondsToDeadLetter(18)).toBeLessThanOrEqual(QUEUE_RETENTION_SECONDS);
    expect(86_400 + 19 * 30 + secondsToDeadLetter(19)).toBeGreaterThan(QUEUE_RETENTION_SECONDS);
    expect(NUMERIC_LIMITS['lambda.maxReceiveCount']).toMatchObject({ min: 1, max: MAX_RECEIVE_COUNT });
  });

  // The definition's docs state each range for its authors; this keeps them equal to the table.
  test.each(fields)('%s: the doc comment in producer.ts states the same range', (field) => {
    const source = readFileSync(join(__dirname, '../../lib/producer/producer.ts'), 'utf8');
    const key = field.split('.')[1];
    const doc = new RegExp(`/\\*\\*((?:(?!\\*/)[\\s\\S])*)\\*/\\s*readonly ${key}\\?`).exec(source)?.[1];
    const { min, max } = NUMERIC_LIMITS[field];
    expect(doc).toContain(`${min}–${max}`);
  });
});

describe('checkLimit', () => {
  const limit = NUMERIC_LIMITS['lambda.timeoutSeconds'];

  test('accepts an absent value and both ends of the range', () => {
    expect(checkLimit('timeout', limit, undefined)).toBeUndefined();
    expect(checkLimit('timeout', limit, 30)).toBeUndefined();
    expect(checkLimit('timeout', limit, 900)).toBeUndefined();
  });

  test.each<[string, unknown, string]>([
    ['the value is below the minimum', 29, '(29)'],
    ['the value is above the maximum', 901, '(901)'],
    ['the value is fractional', 30.5, '(30.5)'],
    ['the value is not a number', '60', '("60")'],
  ])('fails if %s, naming the field as the caller wrote it and the unit', (_case, value, shown) => {
    expect(checkLimit('timeout', limit, value)).toBe(
      `\`timeout\` ${shown} must be a whole number from 30 to 900 seconds`,
    );
  });
});

describe('checkProducerName', () => {
  test.each(['a', 'app-logs', `a${'b'.repeat(31)}`])('accepts %j', (name) => {
    expect(checkProducerName('name', name)).toBeUndefined();
  });

  test.each<[string, unknown]>([
    ['has upper case', 'AppLogs'],
    ['starts with a digit', '1logs'],
    ['is longer than 32 characters', 'a'.repeat(33)],
    ['is empty', ''],
    ['is not a string', 42],
  ])('fails if the name %s', (_case, name) => {
    expect(checkProducerName('producerName', name)).toBe(
      `\`producerName\` (${JSON.stringify(name)}) must be 1–32 lower-case letters, digits or hyphens, starting with a letter`,
    );
  });
});

describe('checkEmail', () => {
  test('accepts an absent or plausible address', () => {
    expect(checkEmail('alarmEmail', undefined)).toBeUndefined();
    expect(checkEmail('alarmEmail', 'ops@example.com')).toBeUndefined();
  });

  test('fails if the address has no domain', () => {
    expect(checkEmail('alarms.email', 'ops@')).toBe('`alarms.email` ("ops@") is not an email address');
  });
});

describe('checkBatchingWindow', () => {
  const names = { batchSize: 'batchSize', maxBatchingWindow: 'maxBatchingWindow' };

  test('accepts batches of 10 without a window, and larger ones with a window of 1 second or more', () => {
    expect(checkBatchingWindow(names, undefined, undefined)).toBeUndefined();
    expect(checkBatchingWindow(names, 10, undefined)).toBeUndefined();
    expect(checkBatchingWindow(names, 11, 1)).toBeUndefined();
  });

  test.each<[string, number | undefined]>([
    ['no window is given', undefined],
    ['the window is 0', 0],
  ])('fails if a batch is above 10 and %s', (_case, window) => {
    expect(checkBatchingWindow(names, 11, window)).toBe(
      '`batchSize` (11) above 10 needs a `maxBatchingWindow` of at least 1 second (an SQS event source rule)',
    );
  });
});

describe('checkVisibilityTimeout', () => {
  const names = { visibilityTimeout: 'visibilityTimeout', timeout: 'timeout' };

  test('accepts a visibility timeout above the function timeout', () => {
    expect(checkVisibilityTimeout(names, 61, 60)).toBeUndefined();
  });

  test('fails if the visibility timeout equals the function timeout, suggesting the default', () => {
    expect(checkVisibilityTimeout(names, 60, 60)).toBe(
      '`visibilityTimeout` (60 seconds) must be greater than the function `timeout` (60 seconds); ' +
        'omit it to get 6 × the timeout (360 seconds)',
    );
  });
});

describe('checkReceiveBudget', () => {
  const names = { maxReceiveCount: 'maxReceiveCount', timeout: 'timeout' };

  test('accepts the default 5 receives at any timeout, and 17 at the longest', () => {
    expect(checkReceiveBudget(names, 5, 900)).toBeUndefined();
    expect(maxReceiveCountFor(900)).toBe(17);
    expect(checkReceiveBudget(names, 17, 900)).toBeUndefined();
  });

  test('refuses a count whose processing and back-off outlive the retention, saying how many fit', () => {
    expect(checkReceiveBudget(names, 18, 900)).toBe(
      "`maxReceiveCount` (18) with a `timeout` of 900 seconds can take 7.1 days to reach the DLQ (a day's wait on the " +
        'queue, 18 receives of up to 900 seconds and the back-off after each, 5 minutes doubling to 12 hours), longer ' +
        "than the queue's 7-day retention: SQS would delete such a message instead of moving it to the DLQ. Use at most 17",
    );
  });
});
