// Has a render POST been accepted for this lipsync? The one place that decides it.
// § refers to docs/creatify-api.md ([D]/[O]/[I]/[U] as there).
//
// Render costs 4 credits per 30 s and has no idempotency key (§4.3, §10), and nothing
// documents how an accepted render shows on the record (§4.2, §4.3, §13 are [U]/[I]):
// a preview may leave `done` or `pending`, may or may not set `media_job`, and
// `credits_used` may or may not grow at render. So no single field is trusted. The
// record is read once before the first POST (the snapshot, kept in workflow history);
// when a POST's fate is unknown (a retry after a lost answer, a 5xx, a 400, a reset)
// the record now is compared with that snapshot:
//
// | what changed since the snapshot                       | reading            | strength |
// |-------------------------------------------------------|--------------------|----------|
// | `output` set or replaced                              | render ran         | strong   |
// | status moved to in_queue / running / failed / rejected | render queued/ran | strong   |
// |   or any move except a preview finishing (→ done, no output) |             | strong   |
// | `failed_reason` set or replaced                       | job was processed  | strong   |
// | `media_job` set or replaced                           | a new job          | strong   |
// | `credits_used` grew                                   | render was charged | strong   |
// | `progress` went down                                  | render reset it    | strong   |
// |   the last three, as a preview running at the snapshot finishes | maybe the preview's | weak |
// | only `updated_at` moved                               | something wrote it | weak     |
// | nothing                                               | no render          | —        |
//
// Any change counts as "started" (paying twice is the costlier mistake). A judgement
// resting on weak evidence alone is re-checked later: the workflow re-judges a render
// whose record shows no strong evidence after several polls (self-healing).

import { isKnownStatus } from './status';

/** The fields of a lipsync record the judgement reads; LipsyncSnapshot carries them. */
export interface RenderFields {
  status: string;
  output: string | null;
  failedReason: string | null;
  mediaJob: string | null;
  creditsUsed: number | null;
  /** 0..1 */
  progress: number;
  updatedAt: string | null;
}

export type RenderJudgement =
  | { started: true; strength: 'strong' | 'weak'; evidence: string }
  | { started: false; evidence: string };

/** Creatify statuses that only a job being processed shows (§5). */
const PROCESSING = new Set(['in_queue', 'running']);
const FAILED = new Set(['failed', 'rejected']);

function isSet(value: string | null): value is string {
  return value !== null && value !== '';
}

/**
 * Evidence that the record, on its own, already shows a render: a snapshot showing this
 * was rendered before we ever POSTed (by an earlier run, or by someone else).
 */
export function renderShownOnRecord(now: RenderFields): string | undefined {
  if (isSet(now.output)) return 'output is set: only a render produces the final video';
  if (PROCESSING.has(now.status)) return `status ${now.status}: only a render queues or runs a job`;
  if (FAILED.has(now.status)) return `status ${now.status}: the job was already processed`;
  if (isSet(now.failedReason)) return 'failed_reason is set: the job was already processed';
  return undefined;
}

/** The fields that tell whether a record is settled (previewNotReady, unsettled). */
type SettlingFields = Pick<RenderFields, 'status' | 'output' | 'failedReason'> & { preview?: string | null; terminal: boolean };

/**
 * A record whose preview is not ready: the API says it has no preview link (null, not
 * left out), and it is neither the previewed shape (`done`, no output) nor ended. An
 * asynchronous preview still running (§4.2 [I]), or a job made by create (#1) still
 * pending. Render on it is [U] (§4.3): refused, or charged as a second job. So the render
 * waits for the record to settle before it POSTs.
 */
export function previewNotReady(record: SettlingFields): boolean {
  if (record.preview === undefined || isSet(record.preview)) return false;
  return record.status !== 'done' && !record.terminal && !isSet(record.output) && !isSet(record.failedReason);
}

/**
 * A record that is no baseline for the judgement yet: its preview not ready, or a job
 * running on it (in_queue / running, nothing ended). That job may be an asynchronous
 * preview that shows its link from the start (§4.2 [I]) as well as someone's render, and
 * a preview's end (`pending` again, a media job of its own) moves the fields a render
 * would. So the render waits for such a record to settle: a render ends on it (tracked,
 * not paid again), or a preview does (the settled record is the snapshot, then the POST).
 */
export function unsettled(record: SettlingFields): boolean {
  if (record.terminal || isSet(record.output) || isSet(record.failedReason)) return false;
  return previewNotReady(record) || PROCESSING.has(record.status) || unknownWorkStage(record);
}

/** Words of work under way: `processing`, `rendering`, `in_progress`, `queued`, `started`. */
const WORK_UNDER_WAY = /(?:ing|queued?|progress|started)(?:$|[^a-z])/i;

/**
 * A status the docs do not name that reads as work under way (`processing`, §5): a running
 * stage under a name of its own, or a resting state so named. Only watching tells them
 * apart: the render's settle takes it for settled once two reads show no change. Other
 * such words (`completed` for the previewed shape, `ready`) are not watched: a second and
 * third read before every render would be their whole cost.
 */
export function unknownWorkStage(record: Pick<RenderFields, 'status'>): boolean {
  return !isKnownStatus(record.status) && WORK_UNDER_WAY.test(record.status);
}

/** Whether a record changed between two reads (a job on it is moving). */
export function movedBetween(before: RenderFields, now: RenderFields): boolean {
  return before.status !== now.status || before.progress !== now.progress || before.updatedAt !== now.updatedAt || before.mediaJob !== now.mediaJob;
}

/** What the snapshot shows of a render before any POST of ours; nothing while it is unsettled (the render waits for it). */
export function renderShownBeforePost(snapshot: RenderFields & { preview?: string | null; terminal: boolean }): string | undefined {
  return unsettled(snapshot) ? undefined : renderShownOnRecord(snapshot);
}

/** Compares the record now with the snapshot taken before the first render POST. */
export function judgeRenderStarted(before: RenderFields, now: RenderFields): RenderJudgement {
  const strong = strongEvidence(before, now);
  if (strong !== undefined) return { started: true, strength: 'strong', evidence: strong };
  // A preview finishing (→ done, no output) may set its own media job, charge and
  // progress on the way (an asynchronous preview, §4.2 [I]): no proof of a render then,
  // so a re-judgement may still POST, after the stall watch gave a real render time to show.
  const moved = previewFinished(before, now) ? jobFieldsMoved(before, now) : undefined;
  if (moved !== undefined) return { started: true, strength: 'weak', evidence: `${moved}, but as a preview finishing (→ done, no output) may` };
  if (isSet(now.updatedAt) && now.updatedAt !== before.updatedAt) {
    return { started: true, strength: 'weak', evidence: `updated_at moved (${before.updatedAt ?? 'none'} → ${now.updatedAt}), nothing else did` };
  }
  return { started: false, evidence: 'record unchanged since the pre-render snapshot' };
}

function strongEvidence(before: RenderFields, now: RenderFields): string | undefined {
  if (isSet(now.output) && now.output !== before.output) return 'output set since the snapshot';
  const previewDone = previewFinished(before, now);
  if (now.status !== before.status && !previewDone) {
    return `status moved ${before.status} → ${now.status}`;
  }
  if (isSet(now.failedReason) && now.failedReason !== before.failedReason) return 'failed_reason set since the snapshot';
  return previewDone ? undefined : jobFieldsMoved(before, now);
}

/** The fields a job (a render, or a preview still running at the snapshot) sets as it goes. */
function jobFieldsMoved(before: RenderFields, now: RenderFields): string | undefined {
  if (isSet(now.mediaJob) && now.mediaJob !== before.mediaJob) {
    return before.mediaJob ? 'media_job replaced since the snapshot' : 'media_job set since the snapshot';
  }
  if (now.creditsUsed !== null && before.creditsUsed !== null && now.creditsUsed > before.creditsUsed) {
    return `credits_used grew ${before.creditsUsed} → ${now.creditsUsed}`;
  }
  if (now.progress < before.progress) return `progress went down ${before.progress} → ${now.progress}`;
  return undefined;
}

// A preview left `pending` may finish on its own (sibling docs, §13.11): `done` with
// no output is the previewed shape, not a render.
function previewFinished(before: RenderFields, now: RenderFields): boolean {
  return before.status !== 'done' && now.status === 'done' && !isSet(now.output);
}
