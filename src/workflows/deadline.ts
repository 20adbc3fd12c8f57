import { CancellationScope, isCancellation, sleep } from '@temporalio/workflow';

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
  const ignore = () => undefined;
  // A lapsing timer needs no scope of its own: nothing cancels it but the run's own cancellation.
  const timerScope = options.lapse ? undefined : new CancellationScope();
  const timer = timerScope ? timerScope.run(() => sleep(Math.max(ms, 1))) : sleep(Math.max(ms, 1));
  timer.then(onFired, ignore);
  try {
    return await workScope.run(work);
  } catch (err) {
    if (passed && isCancellation(err)) throw new DeadlinePassed();
    throw err;
  } finally {
    timerScope?.cancel();
  }
}
