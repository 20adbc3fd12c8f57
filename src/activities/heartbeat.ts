import { activityInfo, heartbeat } from '@temporalio/activity';

/**
 * Heartbeats while `work` runs, so that with a short heartbeat timeout the server notices
 * a dead worker within seconds (instead of a whole start-to-close timeout) while a slow
 * but healthy Creatify call is never taken for one. Local activities cannot heartbeat.
 *
 * The first heartbeat waits `everyMs`: the SDK sends a first heartbeat at once, and most
 * Creatify calls end well before then, so a heartbeat at the start would cost the server
 * a call and a write for every GET. (The render sends one at its start all the same, so
 * that a worker that dies right after its POST leaves word of it: renderLipsync.) The heartbeat timeout counts from the
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
