// Judgements about a lipsync's state that the tracker needs. Pure functions.
// § refers to docs/creatify-api.md ([D]/[O]/[I]/[U] as there).
import type { Lipsync } from './schemas';

// The old docs' enum (§5). New docs type status as a free string; anything
// else (e.g. `processing`, `error`, which third-party clients guess) is unknown.
const KNOWN_STATUSES = ['pending', 'in_queue', 'running', 'done', 'failed', 'rejected'] as const;
type KnownStatus = (typeof KNOWN_STATUSES)[number];

export function isKnownStatus(status: string): status is KnownStatus {
  return (KNOWN_STATUSES as readonly string[]).includes(status);
}

/** The documented stages before the end (§5), in the order a render goes through them. */
export const UNFINISHED_STATUSES = ['pending', 'in_queue', 'running'] as const;

/** A documented stage before the end (§5): nothing to check in it, only progress to show. */
export function isUnfinishedStatus(status: string): boolean {
  return (UNFINISHED_STATUSES as readonly string[]).includes(status);
}

function isSet(value: string | null | undefined): value is string {
  return typeof value === 'string' && value !== '';
}

/**
 * `done` counts only with an output URL: a previewed lipsync may also say
 * `done` with `output: null` (§4.2, §13.11). `rejected` is undocumented in
 * meaning but terminal for every client seen [O]. Works on webhook deliveries too.
 */
export function isTerminal(lipsync: { status: string; output?: string | null }): boolean {
  if (lipsync.status === 'done') return isSet(lipsync.output);
  return lipsync.status === 'failed' || lipsync.status === 'rejected';
}

/**
 * Words that name a job's end without its video, in any case: the documented ends
 * written otherwise (`FAILED`), what clients map to failed (`error`: §5 [O]), and how
 * job APIs name a job stopped before it ran (`cancelled`). Not `expired` or `timeout`:
 * a preview that merely aged might say those, and reading one as an end would skip a
 * render Creatify would still run.
 */
const FAILED_WORDS: ReadonlySet<string> = new Set(['failed', 'error', 'errored', 'failure']);
const STOPPED_WORDS: ReadonlySet<string> = new Set(['rejected', 'cancelled', 'canceled', 'aborted', 'declined', 'refused']);

/**
 * A status the docs do not name, read as the end it is (§5: status is a free string in
 * the new docs; clients guess other names): `done` when the record carries its video
 * (`completed` with an output), `failed` when it carries its failure (`error` with a
 * failed_reason) or its name says failed, `rejected` when its name says the job was
 * stopped (`cancelled`, which carries nothing else: no single read could tell it from
 * a stage otherwise). So a job ends on it instead of polling until its deadline. A
 * documented stage with an output (`running` during a re-render, say) stays what it says.
 */
export function endUnderOtherName(lipsync: { status: string; output?: string | null; failed_reason?: string | null }): 'done' | 'failed' | 'rejected' | null {
  if (isKnownStatus(lipsync.status)) return null;
  if (isSet(lipsync.output)) return 'done';
  // The word first: a `cancelled` job may carry its reason too ("Content policy."), and is still stopped, not failed.
  const word = lipsync.status.trim().toLowerCase();
  if (FAILED_WORDS.has(word)) return 'failed';
  if (STOPPED_WORDS.has(word)) return 'rejected';
  if (isSet(lipsync.failed_reason)) return 'failed';
  return null;
}

/** The status a record's or a delivery's fields amount to: the end it names under another word (endUnderOtherName), else its own. */
export function statusAsRead(lipsync: { status: string; output?: string | null; failed_reason?: string | null }): string {
  return endUnderOtherName(lipsync) ?? lipsync.status;
}

/**
 * Progress as 0..1. The wire value is a number or a decimal string (§3.6,
 * §13.1), observed as a fraction [O]; values above 1 are read as percent.
 * Exactly 1 is read as a fraction (100 %), the likelier meaning; before the end the
 * tracker does not show it (Tracker.advanceProgress: it may be 1 % on a 0–100 scale).
 */
export function progressFraction(lipsync: Pick<Lipsync, 'progress'>): number {
  const raw = lipsync.progress;
  if (raw === null || raw === undefined) return 0;
  // "45%": a percent sign says the scale, whatever the number ("1%" is 0.01, not done).
  const percent = typeof raw === 'string' && /^\s*[\d.]+\s*%\s*$/.test(raw);
  const value = typeof raw === 'number' ? raw : Number(raw.trim().replace(/\s*%$/, ''));
  if (Number.isNaN(value)) return 0;
  const fraction = percent || value > 1 ? value / 100 : value;
  return Math.min(1, Math.max(0, fraction));
}

/**
 * Only for runs started before the pre-render snapshot existed, which have nothing to
 * compare with (see render-judgement.ts for the judgement every newer run uses): reads
 * the record alone and leans to "started" so as never to pay twice. Returns the
 * evidence, or undefined for the previewed shape (done, no output, no media_job).
 */
export function legacyRenderStarted(current: Pick<Lipsync, 'status' | 'output' | 'failed_reason' | 'media_job'>): string | undefined {
  if (isSet(current.output)) return 'output is set';
  if (isSet(current.failed_reason)) return 'failed_reason is set';
  if (isSet(current.media_job)) return `media_job set with status ${current.status}`;
  if (current.status === 'done') return undefined;
  return `status ${JSON.stringify(current.status)} is not the previewed shape`;
}
