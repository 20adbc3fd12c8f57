/**
 * Which behaviours a tracker run has, as its history records them: a patch marker per
 * behaviour for runs started before TRACKER_REVISION, or the one marker of the revision
 * its starter asked for. An older worker may take the first task of a newer start during
 * a deploy; then the marker it wrote decides, and the new code replays its path.
 */
import { patched } from '@temporalio/workflow';
import { LAPSING_TIMERS_REVISION, LEAN_TRACKER_REVISION } from '../contract/messages';

/**
 * Runs recorded before this marker render without a snapshot and confirm a claim with
 * one GET; newer runs read the record before the POST, judge a render's fate by
 * comparison, re-check claims and re-judge a render that never shows.
 */
export const EXACTLY_ONCE_PATCH = 'render-snapshot-and-claim-rechecks';
/**
 * Runs from this marker on take the fleet reconciler's reads (when the worker fleet runs
 * one) and publish when their webhook window ends (LipsyncPollFrom).
 */
export const FLEET_RECONCILER_PATCH = 'fleet-reconciler';
/**
 * Runs started with LEAN_TRACKER_REVISION and first taken by code that knows them: every
 * behaviour of the patches above without asking for each, and search attributes upserted
 * only when they change. One marker instead of three.
 */
export const LEAN_RUN_PATCH = 'lean-runs';
/**
 * Runs started with LAPSING_TIMERS_REVISION and first taken by code that knows them: a
 * lean run whose deadline and webhook window are started once and left to lapse, never
 * cancelled. Its one marker replaces LEAN_RUN_PATCH's.
 */
export const LAPSING_TIMERS_PATCH = 'lapsing-timers';
/**
 * Asked only when the API shows, as not ended, a status the docs do not name (a
 * `processing` stage): from this marker on, the run learns that status as a stage (its
 * deliveries show progress), instead of checking each as a claim of an end with a burst
 * of GETs and then polling. Older histories did the latter; without the marker they replay it.
 */
export const STAGES_PATCH = 'stages-from-the-api';
/**
 * Asked only when a stage delivery (`pending`, …) comes while a job awaits approval:
 * nothing of ours renders before the decision, so it is the preview's own (or a stray)
 * and, from this marker on, leaves the status at awaiting_approval (the Web UI and
 * `LipsyncStatus` keep showing a job waiting for a person). Older histories moved it.
 */
export const APPROVAL_HOLDS_PATCH = 'approval-holds-status';

/**
 * Asked only when the stall watch fires on a render Creatify accepted with a 200: from
 * this marker on, that render stands (it may show late: a queue, a slow write) and is
 * never re-judged into a second POST. Older histories re-judged it.
 */
export const POSTED_RENDER_STANDS_PATCH = 'posted-render-stands';

/**
 * Asked only when the reconciler reads, from a list that leaves `output` out, a status the
 * docs do not name that this run has not learned: from this marker on, such a read is
 * checked by one GET (whose answer may teach the stage) instead of being learned as a
 * stage from the list alone (an end under another word, `succeeded` with its URL left
 * out, then waited for the deadline). Older histories learned it from the list.
 */
export const LIST_STAGES_PATCH = 'list-stages-by-get';

export interface RunVersion {
  /** False while replaying a run recorded before EXACTLY_ONCE_PATCH. */
  current: boolean;
  /** False while replaying a run recorded before FLEET_RECONCILER_PATCH. */
  fleet: boolean;
  /** A run of LEAN_TRACKER_REVISION: it has every patched behaviour without asking. */
  lean: boolean;
  /** A run of LAPSING_TIMERS_REVISION: its timers lapse instead of being cancelled. */
  lapsing: boolean;
}

/** Asks the markers in the order the older code did, so each path replays as recorded. */
export function runVersion(revision = 0): RunVersion {
  const lapsing = revision >= LAPSING_TIMERS_REVISION && patched(LAPSING_TIMERS_PATCH);
  const lean = lapsing || (revision >= LEAN_TRACKER_REVISION && patched(LEAN_RUN_PATCH));
  const current = lean || patched(EXACTLY_ONCE_PATCH);
  const fleet = lean || (current && patched(FLEET_RECONCILER_PATCH));
  return { current, fleet, lean, lapsing };
}
