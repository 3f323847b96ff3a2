import { epochSecondsToIso, normalizeTime } from '../../../lambda/formats/time';

describe('normalizeTime', () => {
  test.each([
    ['2023-07-19T21:17:28Z', '2023-07-19T21:17:28Z'],
    ['2025-10-20T10:30:45.123Z', '2025-10-20T10:30:45.123Z'],
    ['2020-10-13T22:10:01.006481+0000', '2020-10-13T22:10:01.006481Z'],
    ['2025-10-20T10:30:45+02:00', '2025-10-20T08:30:45.000Z'],
    [1700000000, '2023-11-14T22:13:20.000Z'],
    [1700000000123, '2023-11-14T22:13:20.123Z'],
    [1700000000123456, '2023-11-14T22:13:20.123Z'],
    [1_700_000_000_123_456_000, '2023-11-14T22:13:20.123Z'],
    ['1700000000', '2023-11-14T22:13:20.000Z'],
    // A numeric string is an epoch, not Date.parse's guess (which reads "1" as the year 2001).
    ['1', '1970-01-01T00:00:01.000Z'],
  ])('normalizes %p to ISO 8601 UTC', (input, expected) => {
    expect(normalizeTime(input)).toBe(expected);
  });

  test.each([
    ['Tuesday 1'],
    ['soon'],
    ['2025-10-21TT00:52:27Z'],
    ['06/Feb/2019:00:00:38 +0000'],
    [null],
    [{}],
    [NaN],
    [1e300],
  ])('refuses %p', (input) => {
    expect(normalizeTime(input)).toBeUndefined();
  });

  test.each([
    // V8's Date.parse rolls these over to another day; Log Analytics would store that other day.
    ['2024-02-30T00:00:00Z'],
    ['2023-02-29T12:00:00.000Z'],
    ['2024-04-31'],
    ['2024-02-30T00:00:00+01:00'],
    ['2024-13-01T00:00:00+00:00'],
    ['2024-00-10 00:00:00'],
    ['2024-01-00T00:00:00Z'],
    // Outside the years 1 to 9999, Log Analytics' datetime range (as written, or once in UTC).
    ['0000-01-01T00:00:00Z'],
    ['0000-06-15'],
    ['0001-01-01T00:00:00+01:00'],
    ['9999-12-31T23:00:00-05:00'],
    [1e20 * 1000],
  ])('refuses %p, which is not a day of the calendar in the years 1 to 9999', (input) => {
    expect(normalizeTime(input)).toBeUndefined();
  });

  test.each([
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00Z'],
    ['2000-02-29T23:59:59.999Z', '2000-02-29T23:59:59.999Z'],
    ['0001-01-01T00:00:00Z', '0001-01-01T00:00:00Z'],
    ['9999-12-31T23:59:59.999999Z', '9999-12-31T23:59:59.999999Z'],
    ['9999-12-31T23:00:00+01:00', '9999-12-31T22:00:00.000Z'],
  ])('accepts the calendar day %p', (input, expected) => {
    expect(normalizeTime(input)).toBe(expected);
  });

  test.each([
    // Microseconds are kept; finer fractions are cut (not rounded, which could change the second).
    ['2024-01-01T00:00:00.123456789Z', '2024-01-01T00:00:00.123456Z'],
    ['2024-12-31T23:59:59.999999999Z', '2024-12-31T23:59:59.999999Z'],
    ['2024-01-01T00:00:00.1234567Z', '2024-01-01T00:00:00.123456Z'],
    ['2024-01-01T00:00:00.123456Z', '2024-01-01T00:00:00.123456Z'],
    ['2024-01-01T00:00:00.1Z', '2024-01-01T00:00:00.1Z'],
    ['2024-01-01T01:00:00.123456789+01:00', '2024-01-01T00:00:00.123456Z'],
    ['2024-01-01 00:00:00.1234', '2024-01-01T00:00:00.1234Z'],
  ])('keeps at most microseconds of %p', (input, expected) => {
    expect(normalizeTime(input)).toBe(expected);
  });

  test('converts epoch seconds', () => {
    expect(epochSecondsToIso(1418530010)).toBe('2014-12-14T04:06:50.000Z');
    expect(epochSecondsToIso(Number.MAX_VALUE)).toBeUndefined();
    expect(epochSecondsToIso(253402300800)).toBeUndefined(); // 10000-01-01
    expect(epochSecondsToIso(-62135596801)).toBeUndefined(); // 0000-12-31T23:59:59Z
  });
});
