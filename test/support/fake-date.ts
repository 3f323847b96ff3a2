/**
 * Fakes `Date` alone, leaving every timer, tick and microtask real: Powertools' parameter cache
 * reads the time from `Date`, while the SDK and the promises under test must run as usual.
 * Undo with `jest.useRealTimers()`.
 */
export function fakeDateOnly(now?: number): void {
  jest.useFakeTimers({
    ...(now !== undefined ? { now } : {}),
    doNotFake: [
      'hrtime',
      'nextTick',
      'performance',
      'queueMicrotask',
      'setImmediate',
      'clearImmediate',
      'setInterval',
      'clearInterval',
      'setTimeout',
      'clearTimeout',
    ],
  });
}
