/**
 * How the workflow calls its activities: timeouts and retry policies, in one place. The
 * retries are part of the design (poll loop, claim re-checks), not only error handling.
 */
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { RetryPolicy } from '@temporalio/common';
import { INVALID_REQUEST_FAILURES, type LipsyncActivities } from '../contract/activities';
import type { ResolvedTrackingOptions } from '../contract/tracking-options';

const nonRetryableErrorTypes = [...INVALID_REQUEST_FAILURES];
// Activities heartbeat while they run: a worker killed mid-call is noticed in seconds.
const HEARTBEAT_TIMEOUT = '10 seconds';
/** Claim re-checks are never more than this far apart (nor further than the poll cap). */
const CONFIRM_MAX_INTERVAL_MS = 4_000;

// A render that cannot get through is retried every 10 s at most: a job waiting on a
// POST nobody sent is as bad as a double charge, and every attempt first compares.
const retry: RetryPolicy = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds', nonRetryableErrorTypes };

/** Render (and re-judge), and the one-GET confirmation of runs recorded before re-checks. */
export const api = proxyActivities<LipsyncActivities>({ startToCloseTimeout: '2 minutes', heartbeatTimeout: HEARTBEAT_TIMEOUT, retry });

/**
 * The snapshot before the render: recorded in the same workflow task that schedules the
 * render, so it is in history before any POST can happen, at no extra round trip.
 */
export const local = proxyLocalActivities<LipsyncActivities>({ startToCloseTimeout: '30 seconds', retry });

/** A claim's first GET, in the task that took the signal: short, so a slow Creatify leaves the rest to `confirmer`. */
export const quick = proxyLocalActivities<LipsyncActivities>({
  startToCloseTimeout: '5 seconds',
  retry: { initialInterval: '200 ms', maximumAttempts: 2, nonRetryableErrorTypes },
});

/** The poll: its retries are the poll loop (no history per GET), with the job's own backoff. */
export function poller(options: ResolvedTrackingOptions) {
  return proxyActivities<LipsyncActivities>({
    startToCloseTimeout: '1 minute',
    heartbeatTimeout: HEARTBEAT_TIMEOUT,
    retry: { initialInterval: options.pollInitialInterval.ms, backoffCoefficient: 2, maximumInterval: options.pollMaxInterval.ms, nonRetryableErrorTypes },
  });
}

/** Claim re-checks: `maxGets` attempts 1 s, 2 s, 4 s, 4 s … apart. */
export function confirmer(options: ResolvedTrackingOptions, maxGets: number) {
  return proxyActivities<LipsyncActivities>({
    startToCloseTimeout: '1 minute',
    heartbeatTimeout: HEARTBEAT_TIMEOUT,
    retry: {
      initialInterval: '1 second',
      backoffCoefficient: 2,
      maximumInterval: Math.min(CONFIRM_MAX_INTERVAL_MS, options.pollMaxInterval.ms),
      maximumAttempts: maxGets,
      nonRetryableErrorTypes,
    },
  });
}
