/**
 * The fleet reconciler: one per task queue, forever (continuing as new). Each sweep lists
 * the tracked renders through visibility, reads the overdue ones (and, at a slow cadence,
 * all of them for progress) from Creatify 100 ids a call, and signals each tracker what
 * the API said. It sweeps often while renders are overdue (webhooks are missing) and
 * rarely while none is, waking early when the next webhook window ends.
 */
import { condition, continueAsNew, log, patched, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import { reconcilerConfigSignal, type ReconcilerInput, type SweepActivities } from '../contract/reconciler';

const { sweepLipsyncs } = proxyActivities<SweepActivities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '30 seconds',
  // A 429's Retry-After arrives as the failure's next retry delay; otherwise back off to a minute.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** Sweeps per run before continuing as new: keeps each history short. */
const SWEEPS_PER_RUN = 500;

/**
 * Runs from this marker on do not wake for a progress sweep before some render inside its
 * window is old enough to be read for progress (the sweep says when: nextProgressInMs).
 * Older histories woke every progress interval while any render was inside its window.
 */
export const PROGRESS_WAKE_PATCH = 'progress-sweep-when-due';

/**
 * Runs from this marker on count each interval from the start of the sweep before, not
 * from its end: the sweeps come every interval, so a render that ends right after its
 * read is read again one interval later (detection ≤ the interval), however long a sweep
 * takes. Older histories waited the whole interval after each sweep.
 */
export const SWEEP_PERIOD_PATCH = 'sweep-period-from-start';

export async function reconcileLipsyncs(input: ReconcilerInput): Promise<never> {
  let config = input.config;
  let reconfigured = false;
  setHandler(reconcilerConfigSignal, (next) => {
    config = next;
    reconfigured = true;
  });
  const { taskQueue } = workflowInfo();
  let lastProgressSweep = input.lastProgressSweepAt ? Date.parse(input.lastProgressSweepAt) : 0;
  const wakeWhenProgressDue = patched(PROGRESS_WAKE_PATCH);
  const periodFromStart = patched(SWEEP_PERIOD_PATCH);

  for (let sweep = 0; sweep < SWEEPS_PER_RUN && !workflowInfo().continueAsNewSuggested; sweep++) {
    const includeWithinWindow = Date.now() - lastProgressSweep >= config.progressIntervalMs;
    const sweepStartedAt = Date.now();
    const outcome = await sweepLipsyncs({ taskQueue, includeWithinWindow, resendAfterMs: config.progressIntervalMs, progressAfterMs: config.progressIntervalMs });
    if (includeWithinWindow) lastProgressSweep = periodFromStart ? sweepStartedAt : Date.now();
    if (outcome.listCalls > 0) log.debug('reconciler sweep', { ...outcome });

    const intervalMs = outcome.overdue > 0 ? config.overdueIntervalMs : config.idleIntervalMs;
    // A sweep that took longer than its interval (a large fleet, a 429's wait) leaves a
    // tenth of the interval before the next, not none: Creatify and visibility get a pause.
    let waitMs = periodFromStart ? Math.max(intervalMs - (Date.now() - sweepStartedAt), intervalMs / 10) : intervalMs;
    if (outcome.nextDueInMs !== null) waitMs = Math.min(waitMs, Math.max(outcome.nextDueInMs, 0) + 50);
    if (outcome.tracked > outcome.overdue) {
      let progressInMs = Math.max(config.progressIntervalMs - (Date.now() - lastProgressSweep), 0);
      // Every render inside its window too young to be read for progress: a sweep before
      // the first comes of age would list them all and read none of them.
      if (wakeWhenProgressDue && outcome.nextProgressInMs) progressInMs = Math.max(progressInMs, outcome.nextProgressInMs + 50);
      waitMs = Math.min(waitMs, progressInMs);
    }
    reconfigured = false;
    await condition(() => reconfigured, Math.max(waitMs, 10));
  }
  return continueAsNew<typeof reconcileLipsyncs>({ config, lastProgressSweepAt: new Date(lastProgressSweep).toISOString() });
}
