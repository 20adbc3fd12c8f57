/**
 * Following one render to its end, as an async iterator: the CLI's `render --wait`, the
 * local demo and backend code all use this one loop.
 */
import type { RenderResult } from '../contract/messages';
import { RenderError } from './errors';
import type { RenderStatus } from './orchestrator';

export type WatchEvent =
  /** The tracker's view, when it changed (or at every look, with `changesOnly: false`). */
  | { type: 'status'; status: RenderStatus }
  /** The render ended with a video. Last event. */
  | { type: 'done'; result: RenderResult }
  /** The render ended without one (failed, rejected, deadline, cancelled …). Last event. */
  | { type: 'ended'; error: RenderError };

export interface WatchOptions {
  /** How often to look at the status. Default 1 s. */
  intervalMs?: number;
  /** Default true: a status event only when status, progress, phase or execution changed. */
  changesOnly?: boolean;
  /** Stops watching (not the render: Temporal keeps tracking it); the iterator just ends. */
  signal?: AbortSignal;
}

export interface Watchable {
  getStatus(lipsyncId: string): Promise<RenderStatus>;
  waitForResult(lipsyncId: string): Promise<RenderResult>;
}

export async function* watchRender(source: Watchable, lipsyncId: string, options: WatchOptions = {}): AsyncGenerator<WatchEvent> {
  const { intervalMs = 1_000, changesOnly = true, signal } = options;
  // Errors other than RenderError (not tracked, Temporal gone) are thrown from the iterator.
  const outcome = source.waitForResult(lipsyncId).then(
    (result) => ({ result }),
    (error: unknown) => ({ error }),
  );
  let ended = false;
  void outcome.then(() => (ended = true));
  const stopped = new Promise<void>((resolve) => {
    if (signal?.aborted) resolve();
    signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  let lastKey: string | null = null;
  // The status read the loop raced past, if any: it is still a call on the caller's connection.
  let looking: Promise<unknown> | null = null;
  try {
    while (!ended && !signal?.aborted) {
      // Raced with the outcome: a query can hang while no worker is up, the result must not wait for it.
      const read = source.getStatus(lipsyncId).catch(() => null);
      looking = read;
      const status = await Promise.race([read, outcome.then(() => null), stopped.then(() => null)]);
      if (status && !ended && !signal?.aborted) {
        const key = JSON.stringify([status.execution, status.status, status.state?.progress, status.state?.phase]);
        if (!changesOnly || key !== lastKey) yield { type: 'status', status };
        lastKey = key;
      }
      await Promise.race([pause(intervalMs), outcome, stopped]);
    }
    if (signal?.aborted) return;
    const end = await outcome;
    if ('result' in end) yield { type: 'done', result: end.result };
    else if (end.error instanceof RenderError) yield { type: 'ended', error: end.error };
    else throw end.error;
  } finally {
    // A watch that has ended leaves no call of its own behind: a caller that closes its
    // connection next would otherwise have the SDK retry that call on a closed channel,
    // which throws from a timer ("Channel has been shut down") and ends the process.
    // Bounded, since a read can hang while Temporal is down.
    if (looking) await Promise.race([looking, pause(LEFTOVER_READ_WAIT_MS)]);
  }
}

/** How long an ending watch waits for its last status read (a query's own limit is 3 s). */
const LEFTOVER_READ_WAIT_MS = 5_000;

/** Unref'd: a pending pause must never be what keeps a process alive. */
function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
