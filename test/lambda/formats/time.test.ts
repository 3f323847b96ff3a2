import { epochSecondsToIso, normalizeTime } from '../../../lambda/formats/time';

describe('normalizeTime', () => {
  test.each([
    ['2023-07-19T21:17:28Z', '2023-07-19T21:17:28Z'],
    ['2025-10-20T10:30:45.123Z', '2025-10-20T10:30:45.123Z'],
    ['2020-10-13T22:10:01.006481+0000', '2020-10-13T22:10:01.006Z'],
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

  test('converts epoch seconds', () => {
    expect(epochSecondsToIso(1418530010)).toBe('2014-12-14T04:06:50.000Z');
    expect(epochSecondsToIso(Number.MAX_VALUE)).toBeUndefined();
  });
});
