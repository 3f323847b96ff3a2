/**
 * How many uploads may be in flight, per DCR, adapted to what the Logs Ingestion API answers:
 * additive increase, multiplicative decrease (AIMD), as TCP adapts its window. Each DCR has its own
 * budget in Azure (about 12,000 requests and 2 GB per minute), so each is a lane with its own limit,
 * and a 429 from one DCR shrinks that lane alone.
 *
 * - A 429 halves the lane's limit (never below 1), once per round: a 429 to a request sent before
 *   the last halving says nothing the halving did not already act on, so a burst of throttled
 *   requests in flight together halves the limit once, not once each.
 * - Its `Retry-After` pauses the lane: no new upload starts on it before then. (The throttled
 *   request itself waits in core-rest-pipeline's retry policy.)
 * - Every `limit` successes on a lane add 1 to its limit, up to `max`; only requests sent since the
 *   last halving count.
 * - Over all lanes, at most `max` uploads are in flight: what bounds the batches held in memory.
 *
 * One instance per cold start: the state is shared by the objects of one invocation and by the
 * invocations after it, and recovers by itself as uploads succeed.
 */

/** The passage of time, injectable so tests step it by hand. */
export interface Clock {
  now(): number;
  /** Calls `callback` after `ms`; returns a function that cancels it. */
  schedule(callback: () => void, ms: number): () => void;
}

/** Real time; its timers do not keep the process alive. */
export const SYSTEM_CLOCK: Clock = {
  now: () => Date.now(),
  schedule: (callback, ms) => {
    const timer = setTimeout(callback, ms);
    timer.unref();
    return () => clearTimeout(timer);
  },
};

/** A 429 seen on a lane, and what the lane made of it. */
export interface ThrottleEvent {
  /** The lane (the DCR immutable id). */
  readonly key: string;
  /** The lane's limit after this 429. */
  readonly limit: number;
  /** True when this 429 halved the limit; false when an earlier one of the same round already had. */
  readonly decreased: boolean;
  /** The answer's Retry-After, in ms, when it had one: the lane starts nothing new before it ends. */
  readonly retryAfterMs?: number;
}

/** Options of {@link AdaptiveConcurrency}. */
export interface AdaptiveConcurrencyOptions {
  /** One lane per key (DCR immutable id), in the order ties are broken. Non-empty, no duplicates. */
  readonly keys: readonly string[];
  /** Uploads in flight at most, over all lanes, and each lane's ceiling (UPLOAD_CONCURRENCY). */
  readonly max: number;
  /** @default SYSTEM_CLOCK */
  readonly clock?: Clock;
  /** Called on every 429, for logs and metrics. */
  readonly onThrottle?: (event: ThrottleEvent) => void;
}

/** One lane's state. */
interface Lane {
  readonly key: string;
  limit: number;
  inFlight: number;
  /** Successes since the limit last changed. */
  successes: number;
  /** Halvings so far: a request's round. */
  round: number;
  /** Epoch ms before which the lane starts nothing new (Retry-After, or a suspension). */
  pausedUntil: number;
  /** Epoch ms until which the lane is out of service (`suspend`): its DCR refused the identity. */
  suspendedUntil: number;
}

interface Waiter {
  /** The lanes it may take a permit on; undefined for any lane. */
  readonly keys: ReadonlySet<string> | undefined;
  readonly resolve: (permit: UploadPermit | undefined) => void;
  readonly signal: AbortSignal;
  readonly onAbort: () => void;
}

/** A lane's state, for logs and tests. */
export interface LaneState {
  readonly key: string;
  readonly limit: number;
  readonly inFlight: number;
  readonly pausedUntil: number;
}

/**
 * The right to have one upload in flight on one lane, from {@link AdaptiveConcurrency.acquire}.
 * Report each attempt with `sending` and `answered`, then `release` it once.
 */
export interface UploadPermit {
  /** The lane's key: the DCR this upload goes to. */
  readonly key: string;
  /** An attempt (the first or a retry) is about to go out: it belongs to the lane's current round. */
  sending(): void;
  /** An attempt's answer: a 429 shrinks and pauses the lane; other statuses change nothing. */
  answered(status: number, retryAfterMs?: number): void;
  /** The upload is over; `succeeded` (accepted) grows the lane. Later calls do nothing. */
  release(succeeded: boolean): void;
}

/** The adaptive in-flight limits of a set of lanes (one per DCR). See the module's comment. */
export class AdaptiveConcurrency {
  readonly #lanes: Lane[];
  readonly #max: number;
  readonly #clock: Clock;
  readonly #onThrottle: ((event: ThrottleEvent) => void) | undefined;
  readonly #waiters: Waiter[] = [];
  #inFlight = 0;
  /** Where the search for the next lane starts: ties go round-robin. */
  #next = 0;
  /**
   * The same for permits restricted to some lanes, per set of lanes: one output's shards take turns
   * among themselves, whatever other outputs' permits do to {@link #next}.
   */
  readonly #nextOf = new Map<string, number>();
  #wake: { readonly at: number; readonly cancel: () => void } | undefined;

  public constructor(options: AdaptiveConcurrencyOptions) {
    const { keys, max } = options;
    if (keys.length === 0) throw new Error('AdaptiveConcurrency needs at least one key');
    if (new Set(keys).size !== keys.length) {
      throw new Error(`AdaptiveConcurrency keys must be distinct: ${keys.join(', ')}`);
    }
    if (!Number.isInteger(max) || max < 1) throw new Error(`max (${max}) must be an integer of at least 1`);
    this.#max = max;
    this.#lanes = keys.map((key) => ({
      key,
      limit: max,
      inFlight: 0,
      successes: 0,
      round: 0,
      pausedUntil: 0,
      suspendedUntil: 0,
    }));
    this.#clock = options.clock ?? SYSTEM_CLOCK;
    this.#onThrottle = options.onThrottle;
  }

  /** Each lane's limit, uploads in flight and pause, in key order. */
  public get lanes(): readonly LaneState[] {
    return this.#lanes.map(({ key, limit, inFlight, pausedUntil }) => ({
      key,
      limit,
      inFlight,
      pausedUntil,
    }));
  }

  /** Uploads in flight over all lanes. */
  public get inFlight(): number {
    return this.#inFlight;
  }

  /**
   * Resolves with a permit on the lane with the most room (ties in turn) once one has room, in the
   * order asked; with undefined, at once, when `signal` fires first. Never rejects.
   *
   * `keys` restricts the permit to those lanes (the DCRs of one output of a multi-output format,
   * whose stream the other outputs' DCRs may not declare); a waiter whose lanes are all full waits
   * its turn, and those behind it wait too, so permits keep the order they were asked in.
   * @param keys lanes the permit may be on; keys that are no lane are ignored. @default - any lane
   */
  public acquire(signal: AbortSignal, keys?: readonly string[]): Promise<UploadPermit | undefined> {
    if (signal.aborted) return Promise.resolve(undefined);
    const allowed = keys !== undefined ? new Set(keys) : undefined;
    if (this.#waiters.length === 0) {
      const permit = this.#grant(allowed);
      if (permit !== undefined) return Promise.resolve(permit);
    }
    return new Promise((resolve) => {
      const waiter: Waiter = {
        keys: allowed,
        resolve,
        signal,
        onAbort: () => {
          const at = this.#waiters.indexOf(waiter);
          if (at >= 0) this.#waiters.splice(at, 1);
          resolve(undefined);
          // The waiter at the head may have been what blocked the others' turn.
          this.#pump();
        },
      };
      signal.addEventListener('abort', waiter.onAbort, { once: true });
      this.#waiters.push(waiter);
      this.#pump();
    });
  }

  /** A 429 to an attempt sent in `round` of `lane`. */
  #throttled(lane: Lane, round: number, retryAfterMs: number | undefined): void {
    const decreased = round === lane.round;
    if (decreased) {
      lane.limit = Math.max(1, Math.floor(lane.limit / 2));
      lane.round += 1;
      lane.successes = 0;
    }
    const valid = retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs > 0;
    if (valid) lane.pausedUntil = Math.max(lane.pausedUntil, this.#clock.now() + retryAfterMs);
    this.#onThrottle?.({
      key: lane.key,
      limit: lane.limit,
      decreased,
      ...(retryAfterMs !== undefined && Number.isFinite(retryAfterMs) ? { retryAfterMs } : {}),
    });
  }

  /** An upload of `lane` is over. */
  #released(lane: Lane, succeeded: boolean, round: number): void {
    lane.inFlight -= 1;
    this.#inFlight -= 1;
    // A success of a request sent before the latest halving says nothing about the new limit.
    if (succeeded && round === lane.round && lane.limit < this.#max) {
      lane.successes += 1;
      if (lane.successes >= lane.limit) {
        lane.limit += 1;
        lane.successes = 0;
      }
    }
    this.#pump();
  }

  /** Hands permits to waiters, in order, while a lane has room; else sets a timer for the next pause's end. */
  #pump(): void {
    while (this.#waiters.length > 0) {
      const permit = this.#grant(this.#waiters[0].keys);
      if (permit === undefined) break;
      const waiter = this.#waiters.shift()!;
      waiter.signal.removeEventListener('abort', waiter.onAbort);
      waiter.resolve(permit);
    }
    if (this.#waiters.length > 0) this.#wakeAtPauseEnd();
  }

  /** Whether `key`'s lane is out of service ({@link suspend}). */
  public isSuspended(key: string): boolean {
    const lane = this.#lanes.find((candidate) => candidate.key === key);
    return lane !== undefined && lane.suspendedUntil > this.#clock.now();
  }

  /**
   * Takes `key`'s lane out of service for `ms`, when another lane among `keys` (all lanes when
   * undefined) is in service to take its work: a DCR that refuses the identity (401/403/404) while
   * its siblings accept it is a new shard whose role assignment has not propagated yet, or one being
   * removed. Returns false, changing nothing, when no other lane is left: the refusal is then the
   * producer's, not one DCR's.
   */
  public suspend(key: string, ms: number, keys?: readonly string[]): boolean {
    const lane = this.#lanes.find((candidate) => candidate.key === key);
    if (lane === undefined) return false;
    const now = this.#clock.now();
    const inService = this.#lanes.some(
      (other) =>
        other !== lane && (keys === undefined || keys.includes(other.key)) && other.suspendedUntil <= now,
    );
    if (!inService) return false;
    lane.suspendedUntil = now + ms;
    lane.pausedUntil = Math.max(lane.pausedUntil, lane.suspendedUntil);
    return true;
  }

  /**
   * A permit on the lane with the most room, not paused, among `keys` (all lanes when undefined);
   * none if no such lane has room or all are at `max`.
   */
  #grant(keys?: ReadonlySet<string>): UploadPermit | undefined {
    if (this.#inFlight >= this.#max) return undefined;
    const now = this.#clock.now();
    const turn = keys !== undefined ? [...keys].join('\n') : undefined;
    const next = turn !== undefined ? (this.#nextOf.get(turn) ?? 0) : this.#next;
    let best: Lane | undefined;
    let bestAt = 0;
    for (let i = 0; i < this.#lanes.length; i++) {
      const at = (next + i) % this.#lanes.length;
      const lane = this.#lanes[at];
      if (keys !== undefined && !keys.has(lane.key)) continue;
      const room = lane.limit - lane.inFlight;
      if (room <= 0 || lane.pausedUntil > now) continue;
      if (best === undefined || room > best.limit - best.inFlight) {
        best = lane;
        bestAt = at;
      }
    }
    if (best === undefined) return undefined;
    if (turn !== undefined) this.#nextOf.set(turn, (bestAt + 1) % this.#lanes.length);
    else this.#next = (bestAt + 1) % this.#lanes.length;
    best.inFlight += 1;
    this.#inFlight += 1;
    return this.#permit(best);
  }

  #permit(lane: Lane): UploadPermit {
    let round = lane.round;
    let released = false;
    return {
      key: lane.key,
      sending: () => {
        round = lane.round;
      },
      answered: (status, retryAfterMs) => {
        if (status === 429) this.#throttled(lane, round, retryAfterMs);
      },
      release: (succeeded) => {
        if (released) return;
        released = true;
        this.#released(lane, succeeded, round);
      },
    };
  }

  /** Waiters are blocked: if a paused lane has room, wake up when its pause ends. */
  #wakeAtPauseEnd(): void {
    if (this.#inFlight >= this.#max) return;
    const now = this.#clock.now();
    const ends = this.#lanes
      .filter((lane) => lane.inFlight < lane.limit && lane.pausedUntil > now)
      .map((lane) => lane.pausedUntil);
    if (ends.length === 0) return;
    const at = Math.min(...ends);
    if (this.#wake !== undefined && this.#wake.at <= at) return;
    this.#wake?.cancel();
    const cancel = this.#clock.schedule(() => {
      this.#wake = undefined;
      this.#pump();
    }, at - now);
    this.#wake = { at, cancel };
  }
}
