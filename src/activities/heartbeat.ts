import { activityInfo, heartbeat } from '@temporalio/activity';

/**
 * Heartbeats while `work` runs, so that with a short heartbeat timeout the server notices
 * a dead worker within seconds (instead of a whole start-to-close timeout) while a slow
 * but healthy Creatify call is never taken for one. Local activities cannot heartbeat.
 */
export async function withHeartbeat<T>(work: () => Promise<T>, everyMs = 2_000): Promise<T> {
  if (activityInfo().isLocal) return work();
  heartbeat();
  const ticker = setInterval(() => heartbeat(), everyMs);
  try {
    return await work();
  } finally {
    clearInterval(ticker);
  }
}
