import { BACKOFF_BASE_SECONDS, backoffSeconds, MAX_VISIBILITY_SECONDS } from '../../../lambda/io/sqs-routing';

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
