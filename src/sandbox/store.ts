import { randomUUID } from 'node:crypto';
import { estimateDurationSeconds, priceOf } from './ledger';
import type { ChargeAction, Ledger } from './ledger';
import { Lifecycle } from './lifecycle';
import { newRecord, previewUrl, touch, TERMINAL } from './record';
import type { LipsyncRecord, LipsyncStatus } from './record';
import { streamFor } from './random';
import type { LipsyncRequest } from './request-schema';
import type { Outcome, SandboxSettings } from './settings';
import { Timers } from './timers';
import type { Webhooks } from './webhooks';

// The lipsync records and the paid operations on them (create, preview, render).

export type OperationResult =
  | { ok: true; record: LipsyncRecord }
  | { ok: false; status: number; body: Record<string, unknown> };

export interface LipsyncPatch {
  hold?: boolean;
  outcome?: Outcome;
  failedReason?: string;
  status?: LipsyncStatus;
  progress?: number;
}

const INSUFFICIENT = { ok: false, status: 400, body: { detail: 'Insufficient credits' } } as const;

export class Store {
  private readonly records = new Map<string, LipsyncRecord>();
  private readonly timers = new Timers();
  private readonly lifecycle: Lifecycle;
  private created = 0;

  constructor(
    private readonly settings: () => SandboxSettings,
    private readonly seed: number,
    private readonly ledger: Ledger,
    private readonly webhooks: Webhooks,
  ) {
    this.lifecycle = new Lifecycle(settings, this.timers, (record) => webhooks.onTransition(record));
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
    if (!this.chargeFor(record, 'preview')) return INSUFFICIENT;
    record.previewed = true;
    record.preview = previewUrl();
    record.status = this.settings().previewStatus;
    this.keep(record);
    return { ok: true, record };
  }

  /** One-step create (§4.1): straight into processing. */
  create(request: LipsyncRequest, rawVideoInputs: unknown[]): OperationResult {
    const record = this.makeRecord(request, rawVideoInputs);
    if (!this.chargeFor(record, 'create')) return INSUFFICIENT;
    record.media_job = randomUUID();
    this.keep(record);
    this.lifecycle.begin(record);
    return { ok: true, record };
  }

  /**
   * Render (§4.3). From the previewed state it always proceeds; otherwise what the
   * real API does is unknown, so `secondRender` picks one of the three readings.
   */
  render(id: string): OperationResult | null {
    const record = this.get(id);
    if (!record) return null;
    if (!record.previewed) {
      const policy = this.settings().secondRender;
      if (policy === 'idempotent') return { ok: true, record };
      if (policy === 'reject') {
        const detail = TERMINAL.has(record.status)
          ? 'This lipsync has already been rendered.'
          : 'This lipsync is already being rendered.';
        return { ok: false, status: 400, body: { detail } };
      }
    }
    const previewStatus = record.status;
    const wasPreviewed = record.previewed;
    if (!this.chargeFor(record, 'render')) return INSUFFICIENT;
    this.lifecycle.cancel(record);
    record.media_job = randomUUID();
    this.lifecycle.begin(record);
    if (wasPreviewed) this.webhooks.onRenderAccepted(record, previewStatus);
    return { ok: true, record };
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
    const credits = priceOf(action, record.duration, record.model_version);
    if (!this.ledger.charge(record.id, action, credits)) return false;
    // [I] credits_used reads as cumulative over preview and render (creatify-api.md §6).
    record.credits_used += credits;
    touch(record);
    return true;
  }

  private keep(record: LipsyncRecord): void {
    this.records.set(record.id, record);
  }
}
