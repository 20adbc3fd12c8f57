import { CancellationScope, isCancellation, sleep } from '@temporalio/workflow';

export class DeadlinePassed extends Error {}

/** Runs `work` in its own scope and cancels it when `ms` of workflow time pass. */
export async function withDeadline<T>(ms: number, work: () => Promise<T>): Promise<T> {
  let passed = false;
  const workScope = new CancellationScope();
  const timerScope = new CancellationScope();
  timerScope.run(() => sleep(Math.max(ms, 1))).then(
    () => {
      passed = true;
      workScope.cancel();
    },
    () => undefined,
  );
  try {
    return await workScope.run(work);
  } catch (err) {
    if (passed && isCancellation(err)) throw new DeadlinePassed();
    throw err;
  } finally {
    timerScope.cancel();
  }
}
