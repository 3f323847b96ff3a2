import {
  AdaptiveConcurrency,
  type Clock,
  type ThrottleEvent,
  type UploadPermit,
} from '../../../lambda/io/adaptive-concurrency';

/** A clock stepped by hand: `advance` runs the timers that fall due, in order. No real time passes. */
class ManualClock implements Clock {
  public time = 1_000_000;
  readonly #timers: { at: number; callback: () => void; cancelled: boolean }[] = [];

  public now(): number {
    return this.time;
  }

  public schedule(callback: () => void, ms: number): () => void {
    const timer = { at: this.time + ms, callback, cancelled: false };
    this.#timers.push(timer);
    return () => {
      timer.cancelled = true;
    };
  }

  /** Timers scheduled and neither run nor cancelled. */
  public get pending(): number {
    return this.#timers.filter((t) => !t.cancelled).length;
  }

  public advance(ms: number): void {
    this.time += ms;
    for (;;) {
      const due = this.#timers
        .filter((t) => !t.cancelled && t.at <= this.time)
        .sort((a, b) => a.at - b.at)[0];
      if (due === undefined) return;
      due.cancelled = true;
      due.callback();
    }
  }
}

/** Lets settled promises run their callbacks. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** An acquire whose outcome can be looked at without awaiting it. */
function acquiring(limits: AdaptiveConcurrency, signal = new AbortController().signal) {
  const state: { done: boolean; permit: UploadPermit | undefined } = { done: false, permit: undefined };
  void limits.acquire(signal).then((permit) => {
    state.done = true;
    state.permit = permit;
  });
  return state;
}

async function take(limits: AdaptiveConcurrency, count: number): Promise<UploadPermit[]> {
  const permits: UploadPermit[] = [];
  for (let i = 0; i < count; i++) {
    const permit = await limits.acquire(new AbortController().signal);
    permits.push(permit!);
  }
  return permits;
}

const limitOf = (limits: AdaptiveConcurrency, key = 'dcr-a'): number =>
  limits.lanes.find((lane) => lane.key === key)!.limit;

function oneLane(max = 4, onThrottle?: (event: ThrottleEvent) => void) {
  const clock = new ManualClock();
  const limits = new AdaptiveConcurrency({
    keys: ['dcr-a'],
    max,
    clock,
    ...(onThrottle !== undefined ? { onThrottle } : {}),
  });
  return { clock, limits };
}

describe('AdaptiveConcurrency, one DCR', () => {
  test('starts at the maximum, and the next upload waits for one to end', async () => {
    // GIVEN a limit of 3
    const { limits } = oneLane(3);
    // WHEN 3 are taken and a 4th is asked for
    const permits = await take(limits, 3);
    const fourth = acquiring(limits);
    await settle();
    // THEN the 4th waits, and gets the slot the first one frees
    expect(fourth.done).toBe(false);
    permits[0].release(true);
    await settle();
    expect(fourth.permit?.key).toBe('dcr-a');
    expect(limits.inFlight).toBe(3);
  });

  test('halves the limit on a 429, down to 1 and no further', async () => {
    const { limits } = oneLane(8);
    const [permit] = await take(limits, 1);
    const limitsSeen: number[] = [];
    for (let i = 0; i < 5; i++) {
      // Each attempt sent after the previous halving: a new round each time.
      permit.sending();
      permit.answered(429);
      limitsSeen.push(limitOf(limits));
    }
    expect(limitsSeen).toStrictEqual([4, 2, 1, 1, 1]);
  });

  test('halves once for a burst of 429s to requests sent together', async () => {
    // GIVEN 4 requests in flight, all sent before any answer
    const { limits } = oneLane(4);
    const permits = await take(limits, 4);
    for (const permit of permits) permit.sending();
    // WHEN all 4 are throttled
    for (const permit of permits) permit.answered(429);
    // THEN one halving: the later 429s said nothing the first had not
    expect(limitOf(limits)).toBe(2);
  });

  test('halves again for a 429 to a retry sent after the halving', async () => {
    const { limits } = oneLane(4);
    const [a, b] = await take(limits, 2);
    a.sending();
    b.sending();
    a.answered(429);
    b.answered(429);
    expect(limitOf(limits)).toBe(2);
    // WHEN b's retry, sent in the new round, is throttled too
    b.sending();
    b.answered(429);
    // THEN
    expect(limitOf(limits)).toBe(1);
  });

  test('adds 1 to the limit per `limit` successes, up to the maximum', async () => {
    // GIVEN a limit brought down to 1
    const { limits } = oneLane(3);
    const [first] = await take(limits, 1);
    first.sending();
    first.answered(429);
    first.sending();
    first.answered(429);
    expect(limitOf(limits)).toBe(1);
    first.release(false);
    // WHEN uploads succeed one after another
    const seen: number[] = [];
    for (let i = 0; i < 8; i++) {
      const [permit] = await take(limits, 1);
      permit.sending();
      permit.answered(204);
      permit.release(true);
      seen.push(limitOf(limits));
    }
    // THEN 1 success to reach 2, 2 more to reach 3, then it stays at the maximum
    expect(seen).toStrictEqual([2, 2, 3, 3, 3, 3, 3, 3]);
  });

  test('counts no success of a request sent before the halving: the decrease is not undone at once', async () => {
    // GIVEN 4 uploads in flight, sent together; the first is throttled and halves the limit to 2
    const { limits } = oneLane(4);
    const permits = await take(limits, 4);
    for (const permit of permits) permit.sending();
    permits[0].answered(429);
    expect(limitOf(limits)).toBe(2);
    permits[0].release(false);
    // WHEN the other three, sent before the halving, succeed
    for (const permit of permits.slice(1)) {
      permit.answered(204);
      permit.release(true);
    }
    // THEN the limit stays halved; 2 successes sent after it grow it to 3
    expect(limitOf(limits)).toBe(2);
    for (let i = 0; i < 2; i++) {
      const [permit] = await take(limits, 1);
      permit.sending();
      permit.answered(204);
      permit.release(true);
    }
    expect(limitOf(limits)).toBe(3);
  });

  test('suspends a lane only while another lane is in service, and grants nothing on it until then', async () => {
    // GIVEN two lanes
    const clock = new ManualClock();
    const limits = new AdaptiveConcurrency({ keys: ['dcr-a', 'dcr-b'], max: 4, clock });
    // WHEN dcr-b is suspended for a minute
    expect(limits.suspend('dcr-b', 60_000)).toBe(true);
    // THEN permits go to dcr-a only, and dcr-a cannot be suspended too (no lane would be left)
    const permits = await take(limits, 4);
    expect(permits.map((p) => p.key)).toStrictEqual(['dcr-a', 'dcr-a', 'dcr-a', 'dcr-a']);
    expect(limits.suspend('dcr-a', 60_000)).toBe(false);
    for (const permit of permits) permit.release(true);
    // and once the minute is over dcr-b takes permits again, and may be suspended again
    clock.advance(60_000);
    const [next] = await take(limits, 1);
    expect(next.key).toBe('dcr-b');
    expect(limits.suspend('dcr-a', 60_000, ['dcr-a'])).toBe(false);
  });

  test('does not grow on failures, nor on a permit released twice', async () => {
    const { limits } = oneLane(2);
    const [permit] = await take(limits, 1);
    permit.sending();
    permit.answered(429);
    expect(limitOf(limits)).toBe(1);
    permit.release(false);
    permit.release(true);
    expect(limitOf(limits)).toBe(1);
    expect(limits.inFlight).toBe(0);
  });

  test('starts nothing new before a Retry-After ends, then resumes', async () => {
    // GIVEN a 429 with Retry-After of 2 s on one of 4 uploads
    const { clock, limits } = oneLane(4);
    const permits = await take(limits, 4);
    permits[0].sending();
    permits[0].answered(429, 2_000);
    expect(limits.lanes[0]).toMatchObject({ limit: 2, pausedUntil: clock.time + 2_000 });
    // WHEN the others end, leaving room under the halved limit
    permits[1].release(true);
    permits[2].release(true);
    permits[3].release(true);
    const next = acquiring(limits);
    await settle();
    // THEN the lane stays paused until the Retry-After ends, by the clock, not by a real wait
    expect(next.done).toBe(false);
    clock.advance(1_999);
    await settle();
    expect(next.done).toBe(false);
    clock.advance(1);
    await settle();
    expect(next.permit?.key).toBe('dcr-a');
    expect(clock.pending).toBe(0);
  });

  test('keeps the later end when Retry-Afters overlap', async () => {
    const { clock, limits } = oneLane(4);
    const [a, b] = await take(limits, 2);
    a.answered(429, 5_000);
    b.answered(429, 1_000);
    expect(limits.lanes[0].pausedUntil).toBe(clock.time + 5_000);
  });

  test('tells every 429, saying which halved the limit and the Retry-After', async () => {
    const events: ThrottleEvent[] = [];
    const { limits } = oneLane(4, (e) => events.push(e));
    const [a, b] = await take(limits, 2);
    a.sending();
    b.sending();
    a.answered(429, 1_500);
    b.answered(429);
    a.answered(503, 100);
    expect(events).toStrictEqual([
      { key: 'dcr-a', limit: 2, decreased: true, retryAfterMs: 1_500 },
      { key: 'dcr-a', limit: 2, decreased: false },
    ]);
  });

  test('serves waiters in the order they asked', async () => {
    const { limits } = oneLane(1);
    const [held] = await take(limits, 1);
    const order: string[] = [];
    const waits = ['first', 'second', 'third'].map((name) =>
      limits.acquire(new AbortController().signal).then((permit) => {
        order.push(name);
        return permit!;
      }),
    );
    held.release(true);
    (await waits[0]).release(true);
    (await waits[1]).release(true);
    await waits[2];
    expect(order).toStrictEqual(['first', 'second', 'third']);
  });

  test('answers undefined when the signal fires while waiting, and forgets the waiter', async () => {
    // GIVEN a full lane and a waiter
    const { limits } = oneLane(1);
    const [held] = await take(limits, 1);
    const deadline = new AbortController();
    const waiting = acquiring(limits, deadline.signal);
    // WHEN the deadline fires
    deadline.abort();
    await settle();
    // THEN it gets no permit, and the slot freed later is not held for it
    expect(waiting).toStrictEqual({ done: true, permit: undefined });
    held.release(true);
    expect(limits.inFlight).toBe(0);
    await expect(limits.acquire(deadline.signal)).resolves.toBeUndefined();
  });

  test('ends a wait on a paused lane when the signal fires', async () => {
    const { limits } = oneLane(2);
    const [permit] = await take(limits, 1);
    permit.answered(429, 60_000);
    permit.release(false);
    const deadline = new AbortController();
    const waiting = acquiring(limits, deadline.signal);
    await settle();
    expect(waiting.done).toBe(false);
    deadline.abort();
    await settle();
    expect(waiting).toStrictEqual({ done: true, permit: undefined });
  });

  test.each([
    [{ keys: [], max: 4 }, /at least one key/],
    [{ keys: ['dcr-a', 'dcr-a'], max: 4 }, /must be distinct: dcr-a, dcr-a/],
    [{ keys: ['dcr-a'], max: 0 }, /max \(0\) must be an integer of at least 1/],
  ])('fails if the options are %j', (options, message) => {
    expect(() => new AdaptiveConcurrency(options)).toThrow(message);
  });
});

describe('AdaptiveConcurrency across DCRs', () => {
  function lanes(max: number, keys = ['dcr-a', 'dcr-b']) {
    const clock = new ManualClock();
    return { clock, limits: new AdaptiveConcurrency({ keys, max, clock }) };
  }

  test('spreads uploads in turn when the DCRs are equally loaded', async () => {
    const { limits } = lanes(6, ['dcr-a', 'dcr-b', 'dcr-c']);
    const permits = await take(limits, 6);
    expect(permits.map((p) => p.key)).toStrictEqual(['dcr-a', 'dcr-b', 'dcr-c', 'dcr-a', 'dcr-b', 'dcr-c']);
  });

  test('keeps at most `max` in flight over all DCRs', async () => {
    const { limits } = lanes(3);
    const permits = await take(limits, 3);
    const fourth = acquiring(limits);
    await settle();
    expect(fourth.done).toBe(false);
    permits[1].release(true);
    await settle();
    expect(fourth.done).toBe(true);
    expect(limits.inFlight).toBe(3);
  });

  test('sends the next upload to the DCR with the most room', async () => {
    // GIVEN dcr-a with 2 in flight and dcr-b with 1 freed
    const { limits } = lanes(4);
    const [a1, b1, a2, b2] = await take(limits, 4);
    expect([a1, b1, a2, b2].map((p) => p.key)).toStrictEqual(['dcr-a', 'dcr-b', 'dcr-a', 'dcr-b']);
    b1.release(true);
    // WHEN
    const [next] = await take(limits, 1);
    // THEN
    expect(next.key).toBe('dcr-b');
  });

  test('throttling on one DCR shrinks and pauses that DCR only', async () => {
    // GIVEN 2 DCRs with up to 4 each, and a 429 with Retry-After from dcr-a
    const { clock, limits } = lanes(4);
    const permits = await take(limits, 4);
    const a = permits.filter((p) => p.key === 'dcr-a');
    a[0].sending();
    a[0].answered(429, 10_000);
    expect(limits.lanes).toStrictEqual([
      { key: 'dcr-a', limit: 2, inFlight: 2, pausedUntil: clock.time + 10_000 },
      { key: 'dcr-b', limit: 4, inFlight: 2, pausedUntil: 0 },
    ]);
    // WHEN every upload ends and more are asked for
    for (const permit of permits) permit.release(permit.key === 'dcr-b');
    const next = await take(limits, 4);
    // THEN they all go to dcr-b while dcr-a is paused
    expect(next.map((p) => p.key)).toStrictEqual(['dcr-b', 'dcr-b', 'dcr-b', 'dcr-b']);
    // AND after the pause dcr-a takes work again
    next[0].release(true);
    clock.advance(10_000);
    const [after] = await take(limits, 1);
    expect(after.key).toBe('dcr-a');
  });

  test('a waiter blocked only by paused DCRs wakes at the earliest pause end', async () => {
    const { clock, limits } = lanes(4);
    const [a, b] = await take(limits, 2);
    a.answered(429, 3_000);
    b.answered(429, 1_000);
    a.release(false);
    b.release(false);
    const waiting = acquiring(limits);
    await settle();
    expect(waiting.done).toBe(false);
    clock.advance(1_000);
    await settle();
    expect(waiting.permit?.key).toBe('dcr-b');
  });
});
