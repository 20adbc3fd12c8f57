import { activityInfo, heartbeat } from '@temporalio/activity';

/**
 * Heartbeats while `work` runs, so that with a short heartbeat timeout the server notices
 * a dead worker within seconds (instead of a whole start-to-close timeout) while a slow
 * but healthy Creatify call is never taken for one. Local activities cannot heartbeat.
 *
 * The first heartbeat waits `everyMs`: the SDK sends a first heartbeat at once, and most
 * Creatify calls end well before then, so a heartbeat at the start would cost the server
 * a call and a write for every render POST and GET. The heartbeat timeout counts from the
 * start anyway, so it must stay longer than `everyMs` (10 s against 2 s).
 */
export async function withHeartbeat<T>(work: () => Promise<T>, everyMs = 2_000): Promise<T> {
  if (activityInfo().isLocal) return work();
  const ticker = setInterval(() => heartbeat(), everyMs);
  try {
    return await work();
  } finally {
    clearInterval(ticker);
  }
}
