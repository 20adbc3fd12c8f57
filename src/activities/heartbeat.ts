import { activityInfo, heartbeat } from '@temporalio/activity';

/**
 * Heartbeats while `work` runs, so that with a short heartbeat timeout the server notices
 * a dead worker within seconds (instead of a whole start-to-close timeout) while a slow
 * but healthy Creatify call is never taken for one. Local activities cannot heartbeat.
 *
 * The first heartbeat waits `everyMs`: the SDK sends a first heartbeat at once, and most
 * Creatify calls end well before then, so a heartbeat at the start would cost the server
 * a call and a write for every render POST and GET. The heartbeat timeout counts from the
 * start anyway, so it must stay longer than `everyMs` (10 s against 2 s). `details`: what
 * an attempt tells the next one (the render's settle after a refused first POST).
 */
export async function withHeartbeat<T>(work: () => Promise<T>, everyMs = 2_000, details?: () => unknown): Promise<T> {
  if (activityInfo().isLocal) return work();
  // Each heartbeat carries the details anew: the next attempt reads the last one's.
  const ticker = setInterval(() => heartbeat(details?.()), everyMs);
  try {
    return await work();
  } finally {
    clearInterval(ticker);
  }
}

/**
 * The longest the SDK holds a heartbeat back (the worker's maxHeartbeatThrottleInterval;
 * its default would be 80 % of the heartbeat timeout, 8 s): a heartbeat asked within this
 * long of the one before is sent only when this much has passed since that one was sent.
 */
export const HEARTBEAT_THROTTLE_MS = 1_000;
/** Past the throttle window, for the SDK to have closed it (it closes once the last report is answered, if that takes longer). */
const THROTTLE_MARGIN_MS = 500;

/**
 * One attempt's heartbeats, all carrying the same details, with the time of the last one
 * asked. `untilSentAtOnce` is for a heartbeat that must reach the server before the next
 * step (the render POST's time): it waits out the throttle window of the one before, so
 * the SDK sends the next one at once instead of up to HEARTBEAT_THROTTLE_MS later.
 */
export class AttemptHeartbeats {
  private lastAt = -Infinity;

  constructor(private readonly details: () => unknown) {}

  /** For withHeartbeat's ticker: the details, noting that a heartbeat is being asked. */
  readonly tick = (): unknown => {
    this.lastAt = performance.now();
    return this.details();
  };

  beat(): void {
    heartbeat(this.tick());
  }

  async untilSentAtOnce(sleep: (ms: number) => Promise<void>): Promise<void> {
    // Asked again after each wait: a tick during it would open another window.
    // Rounded up: a timer keeps whole milliseconds of the loop's clock and may fire just short.
    for (let wait = this.msToClear(); wait > 0; wait = this.msToClear()) await sleep(Math.ceil(wait) + 1);
  }

  private msToClear(): number {
    // A monotonic clock: a wall-clock step must not shorten the wait.
    return this.lastAt + HEARTBEAT_THROTTLE_MS + THROTTLE_MARGIN_MS - performance.now();
  }
}
