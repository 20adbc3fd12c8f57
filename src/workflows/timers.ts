/**
 * The run's two timers: the deadline over the whole job, and the webhook window. Runs of
 * LAPSING_TIMERS_REVISION start each once and never cancel them (a cancel is a command
 * in the run's last task); older runs cancel them, as their histories recorded.
 */
import { CancellationScope, condition, isCancellation, sleep } from '@temporalio/workflow';

export class DeadlinePassed extends Error {}

export interface DeadlineOptions {
  /**
   * The timer is left to lapse when `work` ends first, instead of being cancelled: the
   * run ends right after, and a cancel would only add a command to its last task. Only
   * for runs whose history records that choice (LAPSING_TIMERS_PATCH).
   */
  lapse?: boolean;
}

/** Runs `work` in its own scope and cancels it when `ms` of workflow time pass. */
export async function withDeadline<T>(ms: number, work: () => Promise<T>, options: DeadlineOptions = {}): Promise<T> {
  let passed = false;
  const workScope = new CancellationScope();
  const onFired = () => {
    passed = true;
    workScope.cancel();
  };
  // A lapsing timer needs no scope of its own: nothing cancels it but the run's own cancellation.
  const timerScope = options.lapse ? undefined : new CancellationScope();
  const timer = timerScope ? timerScope.run(() => sleep(Math.max(ms, 1))) : sleep(Math.max(ms, 1));
  timer.then(onFired, () => undefined);
  try {
    return await workScope.run(work);
  } catch (err) {
    if (passed && isCancellation(err)) throw new DeadlinePassed();
    throw err;
  } finally {
    timerScope?.cancel();
  }
}

/**
 * The webhook window as one timer started when the wait begins, never cancelled (a
 * claim, or the end of the run, leaves it to lapse): `open()` is false once it fired.
 */
export function lapsingWindow(ms: number): () => boolean {
  if (!(ms > 0)) return () => false;
  let open = true;
  sleep(ms).then(
    () => (open = false),
    () => undefined,
  );
  return () => open;
}

/** Like a timed condition on the window, with no timer of its own: true when `wake` holds, false when the window closed first. */
export async function untilWokenOrClosed(wake: () => boolean, windowOpen: () => boolean): Promise<boolean> {
  if (!wake() && windowOpen()) await condition(() => wake() || !windowOpen());
  return wake();
}
