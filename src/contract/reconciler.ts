/**
 * The fleet reconciler's contract: one reconciler workflow per task queue reads every
 * tracked render past its webhook window from Creatify's list endpoint, up to 100 ids a
 * call, and hands each tracker what the API said. Shared by the worker (which starts the
 * reconciler), the reconciler workflow, its sweep activity and the trackers. Free of I/O.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineSignal } from '@temporalio/workflow';
import type { LipsyncSnapshot } from './activities';

export const RECONCILER_WORKFLOW_TYPE = 'reconcileLipsyncs';

/**
 * When a tracker's webhook window ends (render accepted + webhookTimeout): the reconciler
 * reads a render from then on at its short interval. Datetime search attribute; register it
 * on every cluster that runs the worker, like LipsyncStatus.
 */
export const LIPSYNC_POLL_FROM = defineSearchAttributeKey('LipsyncPollFrom', SearchAttributeType.DATETIME);

export function reconcilerWorkflowId(taskQueue: string): string {
  return `lipsync-reconciler:${taskQueue}`;
}

export interface ReconcilerConfig {
  /** Sweep interval while some tracked render is past its webhook window (webhooks are missing). */
  overdueIntervalMs: number;
  /** Sweep interval while none is (webhooks flow): only the visibility listing, no Creatify call unless progress is due. */
  idleIntervalMs: number;
  /** How often renders still inside their webhook window are read too, for their progress. */
  progressIntervalMs: number;
}

export const DEFAULT_RECONCILER_CONFIG: ReconcilerConfig = {
  overdueIntervalMs: 10_000,
  idleIntervalMs: 60_000,
  progressIntervalMs: 30_000,
};

export interface ReconcilerInput {
  config: ReconcilerConfig;
  /** Carried across continue-as-new. */
  lastProgressSweepAt?: string;
}

export interface SweepInput {
  taskQueue: string;
  /** Read renders inside their webhook window too (for progress), not only overdue ones. */
  includeWithinWindow: boolean;
  /**
   * An overdue render whose record did not change is signalled again only this long after
   * the last signal (the reconciler's progress interval): the tracker hears the reconciler
   * is alive, at a bounded cost.
   */
  resendAfterMs: number;
  /**
   * A render inside its window is read for progress only once its tracker has run this
   * long (the progress interval): before that it is in its first fifth, nothing to tell.
   * Absent from reconcilers started before it existed: resendAfterMs stands in.
   */
  progressAfterMs?: number;
}

export interface SweepOutcome {
  /** Running trackers with an accepted render. */
  tracked: number;
  /** Of those, past their webhook window. */
  overdue: number;
  /** Creatify list calls made. */
  listCalls: number;
  /** Trackers signalled with what the API said. */
  signalled: number;
  /** Ms until the next tracked render's webhook window ends; null when none is waiting for one. */
  nextDueInMs: number | null;
  /**
   * Ms until the first render inside its window is old enough to be read for progress
   * (0: one is already); null when none is inside its window. Absent from the results of
   * sweeps recorded before it existed.
   */
  nextProgressInMs?: number | null;
}

/** What the reconciler read on Creatify's API for one tracked render: the truth, as of `observedAt`. */
export interface ApiObservation {
  lipsync: LipsyncSnapshot;
  observedAt: string;
  /**
   * The list answered without `progress` (a lighter list serializer): `lipsync.progress`
   * is then no reading, and "progress went down" no evidence.
   */
  progressUnknown?: true;
  /**
   * The list answered without `output` (nor `video_output`): a status the docs do not
   * name is then no proof the render has not ended under that name (`succeeded`, its URL
   * left out), so it is checked by a GET instead of learned as a stage.
   */
  outputUnknown?: true;
}

export const apiObservationSignal = defineSignal<[ApiObservation]>('creatifyObservation');
/** Sent by every worker at start (signal-with-start): the newest settings win. */
export const reconcilerConfigSignal = defineSignal<[ReconcilerConfig]>('reconcilerConfig');

/** The reconciler's one activity. */
export interface SweepActivities {
  sweepLipsyncs(input: SweepInput): Promise<SweepOutcome>;
}
