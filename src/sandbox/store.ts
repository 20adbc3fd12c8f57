import { randomUUID } from 'node:crypto';
import { estimateDurationSeconds, priceOf } from './ledger';
import type { ChargeAction, Ledger } from './ledger';
import { Lifecycle } from './lifecycle';
import { newRecord, previewOutputOf, previewUrl, TERMINAL, touch } from './record';
import type { LipsyncRecord, LipsyncStatus } from './record';
import { streamFor } from './random';
import { insufficientCredits, renderRecord, tooManyJobs } from './render';
import type { LipsyncRequest } from './request-schema';
import type { Outcome, SandboxSettings } from './settings';
import { Timers } from './timers';
import type { Webhooks } from './webhooks';

// The lipsync records and the paid operations on them (create, preview, render).

export type OperationResult =
  /** `answer`: what to send instead of the record (a 202 without it, say). */
  | { ok: true; record: LipsyncRecord; answer?: { status: number; body: Record<string, unknown>; html?: string }; okStatus?: number }
  | { ok: false; status: number; body: Record<string, unknown> | unknown[]; headers?: Record<string, string> };

export interface LipsyncPatch {
  hold?: boolean;
  outcome?: Outcome;
  failedReason?: string;
  status?: LipsyncStatus;
  progress?: number;
}


export class Store {
  private readonly records = new Map<string, LipsyncRecord>();
  private readonly timers = new Timers();
  private readonly lifecycle: Lifecycle;
  /** Epoch ms each lipsync last started showing a terminal status (stats.endedAt). */
  private readonly ended = new Map<string, number>();
  private created = 0;

  constructor(
    private readonly settings: () => SandboxSettings,
    private readonly seed: number,
    private readonly ledger: Ledger,
    private readonly webhooks: Webhooks,
  ) {
    this.lifecycle = new Lifecycle(settings, this.timers, {
      onTransition: (record) => webhooks.onTransition(record),
      onEnd: (record) => this.ended.set(record.id, Date.now()),
    });
  }

  endedAt(): Record<string, number> {
    return Object.fromEntries(this.ended);
  }

  get(id: string): LipsyncRecord | undefined {
    return this.records.get(id.toLowerCase());
  }

  /** Newest first, as a DRF list ordered by -created_at would be. */
  all(): LipsyncRecord[] {
    return [...this.records.values()].sort((a, b) => b.seq - a.seq);
  }

  /** Synchronous preview (§4.2): the record comes back with `preview` already set. */
  preview(request: LipsyncRequest, rawVideoInputs: unknown[]): OperationResult {
    const record = this.makeRecord(request, rawVideoInputs);
    if (!this.chargeFor(record, 'preview')) return insufficientCredits(this.settings());
    const settings = this.settings();
    if (settings.previewAsync) {
      this.keep(record);
      record.previewRunning = true;
      if (settings.previewLinkAtOnce) record.preview = previewUrl();
      this.lifecycle.begin(record);
      return { ok: true, record };
    }
    record.previewed = true;
    record.preview = previewUrl();
    record.output = previewOutputOf(record.preview, settings.previewOutput);
    record.status = settings.previewStatus;
    record.progress = settings.previewProgress;
    record.media_job = settings.mediaJobAtPreview ? randomUUID() : null;
    this.keep(record);
    return { ok: true, record };
  }

  /** One-step create (§4.1): straight into processing. */
  create(request: LipsyncRequest, rawVideoInputs: unknown[]): OperationResult {
    const record = this.makeRecord(request, rawVideoInputs);
    if (!this.chargeFor(record, 'create')) return insufficientCredits(this.settings());
    record.media_job = randomUUID();
    this.keep(record);
    this.lifecycle.begin(record);
    return { ok: true, record };
  }

  /** Render (§4.3); the readings the docs leave open are in render.ts. */
  render(id: string): OperationResult | null {
    const record = this.get(id);
    if (!record) return null;
    const cap = this.settings().concurrentJobs;
    if (cap.max !== null && record.previewed && this.jobsRunning() >= cap.max) return tooManyJobs(cap);
    return renderRecord(
      {
        settings: this.settings,
        lifecycle: this.lifecycle,
        webhooks: this.webhooks,
        charge: (r) => this.chargeFor(r, 'render'),
      },
      record,
    );
  }

  /** Jobs Creatify would be working on: out of the previewed state and not ended. */
  private jobsRunning(): number {
    let running = 0;
    for (const record of this.records.values()) if (!record.previewed && !TERMINAL.has(record.status)) running++;
    return running;
  }

  /** Test control: the lipsync deleted at Creatify (from its web app, say) while it may still be tracked. */
  delete(id: string): boolean {
    const record = this.get(id);
    if (!record) return false;
    this.lifecycle.cancel(record);
    this.records.delete(record.id);
    return true;
  }

  /** Test control: hold, outcome override, forced status or progress. */
  patch(id: string, patch: LipsyncPatch): LipsyncRecord | null {
    const record = this.get(id);
    if (!record) return null;
    if (patch.outcome !== undefined) record.outcome = patch.outcome;
    if (patch.failedReason !== undefined) record.failedReason = patch.failedReason;
    if (patch.hold !== undefined) record.hold = patch.hold;
    if (patch.status !== undefined) this.lifecycle.force(record, patch.status);
    else if (patch.hold !== undefined) this.lifecycle.hold(record, patch.hold);
    // After the status: entering `running` starts progress from 0.
    if (patch.progress !== undefined) {
      record.progress = patch.progress;
      touch(record);
    }
    return record;
  }

  reset(): void {
    this.timers.clearAll();
    for (const record of this.records.values()) record.timer = null;
    this.records.clear();
    this.ended.clear();
    this.created = 0;
  }

  private makeRecord(request: LipsyncRequest, rawVideoInputs: unknown[]): LipsyncRecord {
    const seq = this.created++;
    return newRecord({
      seq,
      rng: streamFor(this.seed, seq),
      request,
      rawVideoInputs,
      duration: estimateDurationSeconds(request),
    });
  }

  private chargeFor(record: LipsyncRecord, action: ChargeAction): boolean {
    const credits = priceOf(action, record.duration, record.model_version, this.settings().priceRounding);
    if (!this.ledger.charge(record.id, action, credits)) return false;
    if (action === 'render') {
      // [I] credits_used reads as cumulative (creatify-api.md §6); 'keep' plays the other
      // reading. updated_at moves with the render itself (it may be applied later).
      if (this.settings().creditsUsedOnRender === 'add') record.credits_used += credits;
      return true;
    }
    record.credits_used += credits;
    touch(record);
    return true;
  }

  private keep(record: LipsyncRecord): void {
    this.records.set(record.id, record);
  }
}
