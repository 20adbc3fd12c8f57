/**
 * Paces one process's Creatify calls: at most `callsPerSecond`, evenly spaced (no burst:
 * a burst and then the rate would put up to twice the rate in one second, which a
 * throttle that counts a sliding window, as DRF's does, refuses), and none to an endpoint
 * while a 429's Retry-After from it runs, for every call of the process, not only the one
 * that got it. Creatify publishes no rate limit (§11 [U]), so the 429 is the only word it
 * may give: a worker that keeps sending its other calls through it earns a storm of
 * them. Held per endpoint (GET by id, list, render, balance…): a throttle that counts the
 * whole account then refuses each endpoint once per wait at most, and one that counts a
 * single view (DRF's ScopedRateThrottle) holds back nothing else.
 *
 * The task queue's activity rate limit (maxTaskQueueActivitiesPerSecond) holds the
 * fleet's activities to the same figure; local activities (the snapshot before the
 * render, a claim's first GET) escape it, and this is what holds them in each worker.
 *
 * A call whose turn is further than `maxWaitMs` away is not sent: it fails at once as
 * rate-limited, its Retry-After the wait, so that an activity's own timeout never runs
 * out while it queues (and a call given up on is never sent after all). No I/O of its own.
 */

export interface PacerOptions {
  /** Calls per second this process may make (LIPSYNC_CREATIFY_CALLS_PER_SECOND), one every 1/rate s; null: no limit but 429s. */
  callsPerSecond?: number | null;
  /** The longest a call waits for its turn before it is refused locally. Default 4 s (a claim's first GET has 5). */
  maxWaitMs?: number;
  /** The longest one 429 holds the calls back, whatever its Retry-After says. Default 60 s. */
  maxCoolDownMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** A call's turn is too far away: not sent, try again in `waitMs`. */
export class TurnTooFar extends Error {
  constructor(readonly waitMs: number) {
    super(`not sent: the next turn for this call is ${Math.ceil(waitMs / 1000)} s away (a 429's Retry-After, or LIPSYNC_CREATIFY_CALLS_PER_SECOND)`);
  }
}

/** A 429 without a usable Retry-After holds the calls back this long. */
export const DEFAULT_COOL_DOWN_MS = 1_000;

export class CallPacer {
  /** When the next call may go out at the earliest (ms): one spacing after the last one released. */
  private nextAt = 0;
  /** Calls waiting for a spaced turn, first come first served. */
  private readonly queue: Array<() => void> = [];
  private pumping = false;
  /** By endpoint: no call to it goes out before this (ms), its last 429's Retry-After. */
  private readonly coolUntil = new Map<string, number>();
  private readonly spacingMs: number | null;
  private readonly maxWaitMs: number;
  private readonly maxCoolDownMs: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: PacerOptions = {}) {
    const rate = options.callsPerSecond ?? null;
    this.spacingMs = rate !== null && rate > 0 ? 1000 / rate : null;
    this.maxWaitMs = options.maxWaitMs ?? 4_000;
    this.maxCoolDownMs = options.maxCoolDownMs ?? 60_000;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** Resolves when a call to `endpoint` may go out; rejects with TurnTooFar when that is more than maxWaitMs away. */
  async turn(endpoint: string): Promise<void> {
    // A hold that begins while a call waits for its turn holds it too.
    for (;;) {
      const coolMs = (this.coolUntil.get(endpoint) ?? 0) - this.now();
      if (coolMs > this.maxWaitMs) throw new TurnTooFar(coolMs);
      if (coolMs > 0) {
        await this.sleep(coolMs);
        continue;
      }
      await this.spacedTurn();
      if ((this.coolUntil.get(endpoint) ?? 0) <= this.now()) return;
    }
  }

  /** `endpoint` answered 429: no call of this process goes to it until `retryAfterMs` has passed. */
  rateLimited(endpoint: string, retryAfterMs: number | undefined): void {
    const holdMs = Math.min(Math.max(retryAfterMs ?? DEFAULT_COOL_DOWN_MS, 0), this.maxCoolDownMs);
    this.coolUntil.set(endpoint, Math.max(this.coolUntil.get(endpoint) ?? 0, this.now() + holdMs));
  }

  /**
   * Waits in line for the next spaced turn. The spacing counts from when a turn was
   * released, not from when it was booked: a busy event loop that wakes late does not
   * let the calls behind it out together.
   */
  private async spacedTurn(): Promise<void> {
    if (this.spacingMs === null) return;
    const now = this.now();
    if (this.queue.length === 0 && now >= this.nextAt) {
      this.nextAt = now + this.spacingMs;
      return;
    }
    const expectedMs = Math.max(0, this.nextAt - now) + this.queue.length * this.spacingMs;
    if (expectedMs > this.maxWaitMs) throw new TurnTooFar(expectedMs);
    await new Promise<void>((resolve) => {
      this.queue.push(resolve);
      this.pump();
    });
  }

  /** Releases the queued calls one spacing apart, until none is left. */
  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    void (async () => {
      try {
        while (this.queue.length > 0) {
          const waitMs = this.nextAt - this.now();
          if (waitMs > 0) await this.sleep(waitMs);
          this.nextAt = this.now() + this.spacingMs!;
          this.queue.shift()!();
        }
      } finally {
        this.pumping = false;
      }
    })();
  }
}
