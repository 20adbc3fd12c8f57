import { randomUUID } from 'node:crypto';
import { forbidden, notFound } from './http';
import { startFields } from './lifecycle';
import type { Lifecycle } from './lifecycle';
import { isoNow, TERMINAL } from './record';
import type { LipsyncRecord } from './record';
import type { SandboxSettings } from './settings';
import type { OperationResult } from './store';
import type { Webhooks } from './webhooks';

const INSUFFICIENT_CREDITS_BODIES: Record<SandboxSettings['insufficientCreditsBody'], Record<string, unknown> | unknown[]> = {
  detail: { detail: 'Insufficient credits' },
  error: { error: 'Insufficient balance: top up to continue' },
  message: { message: "You don't have enough credits to complete this request." },
  'lower-than': { detail: 'Your credit balance (3.0) is lower than what this job requires.' },
  'success-false': { success: false, message: 'Not enough credits.' },
  array: ['Insufficient credits'],
  'non-field': { non_field_errors: ['Insufficient credits for this render.'] },
};

/** A paid call the balance cannot cover: nothing stored or changed. */
export function insufficientCredits(settings: SandboxSettings): OperationResult {
  return { ok: false, status: settings.insufficientCreditsStatus, body: INSUFFICIENT_CREDITS_BODIES[settings.insufficientCreditsBody] };
}

/** A render past the cap on jobs running at once (settings.concurrentJobs): nothing charged or changed. */
export function tooManyJobs({ status, wording, max }: SandboxSettings['concurrentJobs']): OperationResult {
  const body = { detail: wording === 'maximum' ? `You have reached the maximum number of running jobs (${max}). Wait for one to finish.` : 'Too many concurrent jobs. Please try again later.' };
  return status === 429 ? { ok: false, status, body, headers: { 'retry-after': '1' } } : { ok: false, status, body };
}

// Render (creatify-api.md §4.3) and the readings of it the docs leave open: what it
// does to media_job and progress, what its 200 body shows, and whether the record
// changes at once or a little after the answer (renderApplyDelayMs).

export interface RenderDeps {
  settings: () => SandboxSettings;
  lifecycle: Lifecycle;
  webhooks: Webhooks;
  /** Debits the ledger for a render; false when credits are short (nothing changed). */
  charge: (record: LipsyncRecord) => boolean;
}

/** What the render will do to the record, fixed when it is accepted. */
interface RenderPlan {
  mediaJob: string | null;
  resetProgress: boolean;
}

export function renderRecord(deps: RenderDeps, record: LipsyncRecord): OperationResult {
  const settings = deps.settings();
  if (!record.previewed) {
    const refused = secondRender(settings, record);
    if (refused) return refused;
  }
  const before = { ...record };
  const previewStatus = record.status;
  const previewProgress = record.progress;
  const wasPreviewed = record.previewed;
  if (!deps.charge(record)) {
    return insufficientCredits(settings);
  }
  const plan: RenderPlan = {
    mediaJob: settings.renderMediaJob === 'replace' ? randomUUID() : record.media_job,
    resetProgress: settings.renderResetsProgress,
  };
  const apply = () => {
    record.media_job = plan.mediaJob;
    deps.lifecycle.begin(record, { resetProgress: plan.resetProgress });
    if (wasPreviewed) deps.webhooks.onRenderAccepted(record, previewStatus, previewProgress);
  };
  const delay = settings.renderApplyDelayMs;
  if (delay > 0) {
    // Out of the previewed state now, so a second render meanwhile is "already rendering".
    record.previewed = false;
    deps.lifecycle.defer(record, 'render', delay, apply);
  } else {
    deps.lifecycle.cancel(record);
    apply();
  }
  if (settings.renderResponse === 'stale') return { ok: true, record: before };
  if (settings.renderResponse === 'accepted') return { ok: true, record, answer: { status: 202, body: { detail: 'Render started.' } } };
  if (settings.renderResponse === 'page') return { ok: true, record, answer: { status: 200, body: {}, html: '<!doctype html><html><body><h1>Request received</h1></body></html>' } };
  if (settings.renderResponse === 'no-content') return { ok: true, record, answer: { status: 204, body: {}, html: '' } };
  const shown = delay > 0 ? projected(record, plan) : record;
  return settings.renderResponse === 'created' ? { ok: true, record: shown, okStatus: 201 } : { ok: true, record: shown };
}

/**
 * Render of a record not in the previewed state: [U] in the docs, so `secondRender`
 * picks a reading. Null means "go on and charge it" ('charge').
 */
function secondRender(settings: SandboxSettings, record: LipsyncRecord): OperationResult | null {
  if (settings.secondRender === 'idempotent') return { ok: true, record };
  if (settings.secondRender === 'charge') return null;
  if (settings.secondRenderRefusal === 'state') return { ok: false, status: 400, body: { detail: 'Lipsync is not in a renderable state.' } };
  if (settings.secondRenderRefusal === 'conflict') return { ok: false, status: 409, body: { error: 'Render not allowed for the current status.' } };
  if (settings.secondRenderRefusal === 'forbidden') return { ok: false, ...forbidden() };
  if (settings.secondRenderRefusal === 'not-found') return { ok: false, ...notFound() };
  const rendering = record.deferred?.kind === 'render' || !TERMINAL.has(record.status);
  const detail = rendering ? 'This lipsync is already being rendered.' : 'This lipsync has already been rendered.';
  return { ok: false, status: 400, body: { detail } };
}

/** The record as it will look once a delayed render applies (the 'new' answer). */
function projected(record: LipsyncRecord, plan: RenderPlan): LipsyncRecord {
  const copy = { ...record, media_job: plan.mediaJob, status: 'pending' as const, updated_at: isoNow() };
  startFields(copy, plan.resetProgress);
  return copy;
}
