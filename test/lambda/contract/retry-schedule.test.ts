import {
  BACKOFF_BASE_SECONDS,
  backoffSeconds,
  deferSeconds,
  MAX_DELAY_SECONDS,
  MAX_VISIBILITY_SECONDS,
  secondsToDeadLetter,
} from '../../../lambda/contract/retry-schedule';

describe('backoffSeconds', () => {
  test('starts at 5 minutes and doubles with each receive', () => {
    expect(BACKOFF_BASE_SECONDS).toBe(300);
    expect([1, 2, 3, 4, 5].map(backoffSeconds)).toStrictEqual([300, 600, 1200, 2400, 4800]);
  });

  test("never exceeds SQS's 12-hour maximum", () => {
    expect(backoffSeconds(10)).toBe(MAX_VISIBILITY_SECONDS);
    expect(backoffSeconds(1_000)).toBe(43_200);
  });

  test('treats a missing or odd receive count as the first receive', () => {
    expect(backoffSeconds(Number.NaN)).toBe(300);
    expect(backoffSeconds(0)).toBe(300);
  });
});

describe('secondsToDeadLetter', () => {
  test('adds the back-off after every receive: 2.6 hours for the default 5 receives', () => {
    expect(secondsToDeadLetter(5)).toBe(300 + 600 + 1200 + 2400 + 4800);
  });

  test('outlives the 7-day retention from 21 receives on, which the construct refuses', () => {
    expect(secondsToDeadLetter(20)).toBe(594_900);
    expect(secondsToDeadLetter(21)).toBe(638_100);
  });
});

describe('deferSeconds', () => {
  test("starts at a minute and doubles up to SQS's 15-minute delay", () => {
    expect([1, 2, 3, 4, 5, 6, 50].map(deferSeconds)).toStrictEqual([60, 120, 240, 480, 900, 900, 900]);
    expect(MAX_DELAY_SECONDS).toBe(900);
    expect(deferSeconds(0)).toBe(60);
  });
});
