/**
 * Delay before the poll attempt after `attempt`: exponential from `initialMs`, capped at
 * `maxMs`, with ±20% jitter so that many renders started together do not poll Creatify
 * in lockstep. Temporal's own retry intervals have no jitter, so the poll sets
 * `nextRetryDelay` itself.
 */
const POLL_JITTER = 0.2;

export function pollDelayMs(attempt: number, initialMs: number, maxMs: number, random: () => number = Math.random): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
  const jittered = base * (1 - POLL_JITTER + 2 * POLL_JITTER * random());
  return Math.max(1, Math.round(Math.min(maxMs * (1 + POLL_JITTER), jittered)));
}
