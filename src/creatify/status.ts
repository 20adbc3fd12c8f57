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

export interface RenderStartedVerdict {
  /** true: do not POST render again (a render was accepted, or nothing a render could fix). */
  started: boolean;
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

/**
 * Has a render POST already been accepted for this lipsync? Asked, from one GET of
 * the record, by a retried render activity so that a lost response never makes it
 * pay twice (render costs 4 credits/30 s and has no idempotency key, §4.3, §10).
 *
 * Nothing documents how a render shows on the record (§4.2, §4.3, §13 are
 * [U]/[I]), so the verdict reads the record alone, in this order:
 * 1. Render-only evidence, any one suffices: `output` set; status `in_queue`
 *    or `running`; `failed`/`rejected`; `failed_reason` set → started.
 * 2. `media_job` set → started (a media job is presumably the render's [I]).
 * 3. `done` with no output → not started (the previewed shape, §4.2).
 * 4. Anything else → started: `pending` (which a preview may also leave, sibling
 *    docs, §13.11) and unknown statuses.
 *
 * The trade-off of 4: a lipsync left `pending` by preview, with no other
 * evidence, is assumed started. So when a first render POST never reached
 * Creatify and the activity retries, the retry does not render, and the job
 * ends at its deadline instead of completing. Chosen so that a render is never
 * paid twice; telling the two apart would need a pre-render GET on every job.
 */
export function hasRenderStarted(current: Lipsync): RenderStartedVerdict {
  const proof = renderOnlyEvidence(current);
  if (proof !== undefined) return { started: true, evidence: proof };
  if (isSet(current.media_job)) {
    return { started: true, evidence: `media_job set with status ${current.status} (presumed the render's job, [I])` };
  }
  if (current.status === 'done') {
    return { started: false, evidence: 'previewed shape: done, no output, no media_job, no failed_reason' };
  }
  if (current.status === 'pending') {
    return { started: true, evidence: 'pending with no render evidence: a preview may also leave pending (§4.2); assumed started so as never to pay twice' };
  }
  return { started: true, evidence: `unknown status ${JSON.stringify(current.status)}: assumed started so as never to pay twice` };
}
