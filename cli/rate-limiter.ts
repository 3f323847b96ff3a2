/** Sleeps for `ms` milliseconds; injected so tests run without waiting. */
export type Sleep = (ms: number) => Promise<void>;

/** The real sleep. */
export const sleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Paces work to `perSecond` units (messages, bytes) per second on average. Each `acquire(n)` waits
 * until the previous acquisitions' share of time has passed, so a burst never exceeds one batch.
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

/** A pace given on the command line: messages per second, bytes per minute, or both. */
export interface Rate {
  readonly messagesPerSecond?: number;
  readonly bytesPerMinute?: number;
}

/** Size units of a rate, each 1024 times the one before (as Azure's "1 MB" request limit is 1024²). */
const SIZE_UNITS: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1024,
  kib: 1024,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};

/** What {@link parseRate} accepts, in the words its error and the help use. */
export const RATE_FORMS =
  'a number greater than 0 (messages per second, e.g. 50) or a size per minute ' +
  '(e.g. 500MB/min; units B, KB, MB, GB, each 1024 times the one before)';

/**
 * Parses a rate: a plain number is messages per second, `<number><unit>/min` bytes per minute
 * (`500MB/min`, `1.5GB/min`, `64 KiB/min`; units case-insensitive). Throws a RangeError naming the
 * accepted forms for anything else, `/s` and a missing unit included, so a typo never paces at a
 * rate nobody meant.
 */
export function parseRate(text: string): Rate {
  const size = /^(\d+(?:\.\d+)?) ?([a-z]+)\/min$/i.exec(text.trim());
  if (size !== null) {
    const unit = SIZE_UNITS[size[2].toLowerCase()];
    const bytes = unit === undefined ? Number.NaN : Number(size[1]) * unit;
    if (bytes > 0) return { bytesPerMinute: bytes };
  } else {
    const messages = Number(text);
    if (text.trim() !== '' && Number.isFinite(messages) && messages > 0) {
      return { messagesPerSecond: messages };
    }
  }
  throw new RangeError(`must be ${RATE_FORMS}`);
}
