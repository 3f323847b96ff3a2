/** Sleeps for `ms` milliseconds; injected so tests run without waiting. */
export type Sleep = (ms: number) => Promise<void>;

/** The real sleep. */
export const sleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Paces work to `perSecond` units per second on average. Each `acquire(n)` waits until the
 * previous acquisitions' share of time has passed, so a burst never exceeds one batch.
 */
export class RateLimiter {
  private nextFreeAt = 0;

  constructor(
    private readonly perSecond: number,
    private readonly clock: () => number = Date.now,
    private readonly wait: Sleep = sleep,
  ) {
    if (!(perSecond > 0)) throw new RangeError(`rate (${perSecond}) must be greater than 0`);
  }

  /** Waits until `units` more may go, then books their share of time. */
  async acquire(units: number): Promise<void> {
    const now = this.clock();
    const start = Math.max(now, this.nextFreeAt);
    if (start > now) await this.wait(start - now);
    this.nextFreeAt = start + (units / this.perSecond) * 1000;
  }
}
