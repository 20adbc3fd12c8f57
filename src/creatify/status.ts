// Judgements about a lipsync's state that the tracker needs. Pure functions.
// § refers to /work/shared/creatify-api.md ([D]/[O]/[I]/[U] as there).
import type { Lipsync } from './schemas';

// The old docs' enum (§5). New docs type status as a free string; anything
// else (e.g. `processing`, `error`, which third-party clients guess) is unknown.
export const KNOWN_STATUSES = ['pending', 'in_queue', 'running', 'done', 'failed', 'rejected'] as const;
export type KnownStatus = (typeof KNOWN_STATUSES)[number];

export function isKnownStatus(status: string): status is KnownStatus {
  return (KNOWN_STATUSES as readonly string[]).includes(status);
}

function isSet(value: string | null | undefined): value is string {
  return typeof value === 'string' && value !== '';
}

/**
 * `done` counts only with an output URL: a previewed lipsync may also say
 * `done` with `output: null` (§4.2, §13.11). `rejected` is undocumented in
 * meaning but terminal for every client seen [O]. Works on webhook deliveries too.
 */
export function isTerminal(lipsync: Pick<Lipsync, 'status' | 'output'>): boolean {
  if (lipsync.status === 'done') return isSet(lipsync.output);
  return lipsync.status === 'failed' || lipsync.status === 'rejected';
}

/**
 * Progress as 0..1. The wire value is a number or a decimal string (§3.6,
 * §13.1), observed as a fraction [O]; values above 1 are read as percent.
 * Exactly 1 is read as a fraction (done), the likelier meaning.
 */
export function progressFraction(lipsync: Pick<Lipsync, 'progress'>): number {
  const raw = lipsync.progress;
  if (raw === null || raw === undefined) return 0;
  const value = typeof raw === 'number' ? raw : Number(raw.trim());
  if (Number.isNaN(value)) return 0;
  const fraction = value > 1 ? value / 100 : value;
  return Math.min(1, Math.max(0, fraction));
}

/** The fields of a lipsync that a render changes; small enough to keep in workflow history. */
export type RenderBaseline = Pick<Lipsync, 'status' | 'updated_at' | 'media_job' | 'credits_used' | 'progress'>;

export function renderBaseline(lipsync: Lipsync): RenderBaseline {
  const { status, updated_at, media_job, credits_used, progress } = lipsync;
  return { status, updated_at, media_job, credits_used, progress };
}

export interface RenderStartedVerdict {
  /** true: do not POST render again (a render was accepted, or nothing a render could fix). */
  started: boolean;
  /** false when the verdict had to guess between documented-ambiguous states. */
  certain: boolean;
  evidence: string;
}

// Evidence that, on its own, only a render (or a finished job) produces.
function renderOnlyEvidence(lipsync: Lipsync): string | undefined {
  if (isSet(lipsync.output)) return 'output is set: only a render produces the final video';
  if (lipsync.status === 'in_queue' || lipsync.status === 'running') {
    return `status ${lipsync.status}: preview answers with its layout ready (§4.2), no source shows it queued or running`;
  }
  if (lipsync.status === 'failed' || lipsync.status === 'rejected') {
    return `terminal status ${lipsync.status}: a render POST cannot help`;
  }
  if (isSet(lipsync.failed_reason)) return 'failed_reason is set: the job was processed';
  return undefined;
}

function later(current: string | undefined, before: string | undefined): boolean {
  if (current === undefined || before === undefined || current === before) return false;
  const [now, then] = [Date.parse(current), Date.parse(before)];
  return Number.isNaN(now) || Number.isNaN(then) ? true : now > then;
}

// Only comparisons where both sides are present count: preview and GET may
// serialize different field sets (§13.4), so a field appearing proves nothing.
function changesSince(before: RenderBaseline, current: Lipsync): string[] {
  const changes: string[] = [];
  if (current.status !== before.status) changes.push(`status ${before.status} → ${current.status}`);
  if (isSet(current.media_job) && current.media_job !== before.media_job) changes.push('media_job assigned');
  if (later(current.updated_at, before.updated_at)) changes.push('updated_at advanced');
  if (typeof current.credits_used === 'number' && typeof before.credits_used === 'number' && current.credits_used > before.credits_used) {
    changes.push(`credits_used ${before.credits_used} → ${current.credits_used}`);
  }
  if (current.progress != null && before.progress != null && progressFraction(current) !== progressFraction(before)) {
    changes.push('progress changed');
  }
  return changes;
}

/**
 * Has a render POST already been accepted for this lipsync? Asked by a retried
 * render activity so that a lost response never makes it pay twice (render
 * costs 4 credits/30 s and has no idempotency key, §4.3, §10).
 *
 * Nothing documents how a render shows on the record (§4.2, §4.3, §13 are
 * [U]/[I]), so no single field is trusted to say "not started":
 * 1. Render-only evidence, any one suffices: `output` set; status `in_queue`
 *    or `running`; `failed`/`rejected`; `failed_reason` set.
 * 2. With `beforeRender` — a snapshot from a GET just before the FIRST render
 *    POST, kept durably by the caller — any change in status, media_job,
 *    updated_at, credits_used or progress means started, and only a record
 *    unchanged in all of them counts as not started. This is the reliable
 *    path: it needs no knowledge of what a preview leaves behind.
 * 3. Without a snapshot, the record alone: `media_job` set → started (a media
 *    job is presumably the render's [I]); `done` with no output → not started
 *    (the previewed shape, §4.2); `pending` is ambiguous, since a preview may
 *    leave `pending` (sibling docs, §13.11) and a render starts there: counted
 *    as started, because a wrong "started" costs a render that never happens
 *    (caught by the deadline) while a wrong "not started" may cost credits.
 *    Unknown statuses are counted as started for the same reason.
 */
export function hasRenderStarted(current: Lipsync, beforeRender?: RenderBaseline): RenderStartedVerdict {
  const proof = renderOnlyEvidence(current);
  if (proof !== undefined) return { started: true, certain: true, evidence: proof };
  if (beforeRender !== undefined) {
    const changes = changesSince(beforeRender, current);
    return changes.length > 0
      ? { started: true, certain: true, evidence: `changed since the pre-render snapshot: ${changes.join(', ')}` }
      : { started: false, certain: true, evidence: 'unchanged since the pre-render snapshot (status, media_job, updated_at, credits_used, progress)' };
  }
  if (isSet(current.media_job)) {
    return { started: true, certain: false, evidence: `media_job set with status ${current.status} (presumed the render's job, [I])` };
  }
  if (current.status === 'done') {
    return { started: false, certain: false, evidence: 'previewed shape: done, no output, no media_job, no failed_reason' };
  }
  if (current.status === 'pending') {
    return { started: true, certain: false, evidence: 'pending with no render evidence: a preview may also leave pending (§4.2); assumed started so as never to pay twice' };
  }
  return { started: true, certain: false, evidence: `unknown status ${JSON.stringify(current.status)}: assumed started so as never to pay twice` };
}
