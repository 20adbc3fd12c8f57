import type { LipsyncRequest, ModelVersion } from './request-schema';
import type { SandboxSettings } from './settings';

// Credits and call counts, so tests assert what was paid and asked, not only outcomes.

export type Endpoint = 'create' | 'preview' | 'render' | 'get' | 'list' | 'credits';
export type ChargeAction = 'create' | 'preview' | 'render';
export type PerLipsyncCalls = Record<Exclude<Endpoint, 'credits'>, number>;

export interface LedgerEntry {
  lipsyncId: string;
  action: ChargeAction;
  credits: number;
  /** Epoch milliseconds. */
  at: number;
}

export interface FaultRecord {
  endpoint: Endpoint;
  kind: string;
  lipsyncId: string | null;
  at: number;
  /** The request was processed before the fault hit its answer. */
  after: boolean;
  /** Drawn by settings.randomFaults rather than armed through /_sandbox/faults. */
  random: boolean;
}

export interface LedgerStats {
  calls: Record<Endpoint, number>;
  callsByLipsync: Record<string, PerLipsyncCalls>;
  renders: Record<string, number>;
  credits: { initial: number; remaining: number; ledger: LedgerEntry[] };
  faultsInjected: FaultRecord[];
}

/** ~16 characters of script per spoken second ([I] creatify-api.md §15). */
const CHARS_PER_SECOND = 16;

/** Estimated video length in whole seconds: voice.duration if given, else text length. */
export function estimateDurationSeconds(request: LipsyncRequest): number {
  let seconds = 0;
  for (const scene of request.video_inputs) {
    seconds += scene.voice.duration ?? scene.voice.input_text.length / CHARS_PER_SECOND;
  }
  return Math.max(1, Math.ceil(seconds));
}

/**
 * Prices of creatify-api.md §6, per 30-second block: by default per started block,
 * rounded up; settings.priceRounding plays the other readings (pro rata, to the
 * hundredth; the nearest block, at least one), for every step alike.
 */
export function priceOf(action: ChargeAction, seconds: number, model: ModelVersion, rounding: SandboxSettings['priceRounding'] = 'block-up'): number {
  const blocks = rounding === 'pro-rata' ? seconds / 30 : rounding === 'nearest-block' ? Math.max(1, Math.round(seconds / 30)) : Math.ceil(seconds / 30);
  const perBlock = action === 'preview' ? 1 : action === 'render' ? 4 : 5;
  // Aurora prices are documented only for the one-step create.
  if (action === 'create' && model === 'aurora_v1') return seconds;
  if (action === 'create' && model === 'aurora_v1_fast') return seconds * 0.5;
  return Math.round(blocks * perBlock * 100) / 100;
}

function zeroCalls(): Record<Endpoint, number> {
  return { create: 0, preview: 0, render: 0, get: 0, list: 0, credits: 0 };
}

export class Ledger {
  private calls = zeroCalls();
  private byLipsync = new Map<string, PerLipsyncCalls>();
  private renders = new Map<string, number>();
  private entries: LedgerEntry[] = [];
  private faults: FaultRecord[] = [];
  private initial: number;
  private remaining: number;

  constructor(initialCredits: number) {
    this.initial = initialCredits;
    this.remaining = initialCredits;
  }

  reset(initialCredits: number): void {
    this.calls = zeroCalls();
    this.byLipsync.clear();
    this.renders.clear();
    this.entries = [];
    this.faults = [];
    this.initial = initialCredits;
    this.remaining = initialCredits;
  }

  get balance(): number {
    return this.remaining;
  }

  countCall(endpoint: Endpoint, lipsyncIds: readonly string[]): void {
    this.calls[endpoint] += 1;
    if (endpoint === 'credits') return;
    for (const id of lipsyncIds) this.countFor(id, endpoint);
  }

  /** For the record a create/preview just made: its id was not known at routing time. */
  countFor(lipsyncId: string, endpoint: Exclude<Endpoint, 'credits'>): void {
    let counts = this.byLipsync.get(lipsyncId);
    if (!counts) {
      counts = { create: 0, preview: 0, render: 0, get: 0, list: 0 };
      this.byLipsync.set(lipsyncId, counts);
    }
    counts[endpoint] += 1;
  }

  /** Debits the balance; false (and nothing recorded) if it would go negative. */
  charge(lipsyncId: string, action: ChargeAction, credits: number): boolean {
    // In hundredths: a pro-rata price (priceRounding) must not miss an exact balance by a float's last bit.
    if (Math.round(credits * 100) > Math.round(this.remaining * 100)) return false;
    this.remaining = Math.round((this.remaining - credits) * 100) / 100;
    this.entries.push({ lipsyncId, action, credits, at: Date.now() });
    if (action === 'render') this.renders.set(lipsyncId, (this.renders.get(lipsyncId) ?? 0) + 1);
    return true;
  }

  /** A top-up bought on the account (the balance only: nothing is charged or counted). */
  topUp(credits: number): number {
    this.remaining += credits;
    return this.remaining;
  }

  recordFault(fault: Omit<FaultRecord, 'at'>): void {
    this.faults.push({ ...fault, at: Date.now() });
  }

  stats(): LedgerStats {
    return {
      calls: { ...this.calls },
      callsByLipsync: Object.fromEntries(
        [...this.byLipsync].map(([id, counts]) => [id, { ...counts }]),
      ),
      renders: Object.fromEntries(this.renders),
      credits: {
        initial: this.initial,
        remaining: this.remaining,
        ledger: this.entries.map((e) => ({ ...e })),
      },
      faultsInjected: this.faults.map((f) => ({ ...f })),
    };
  }
}
