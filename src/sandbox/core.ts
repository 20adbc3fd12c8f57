import { FaultBook } from './faults';
import { Ledger } from './ledger';
import type { LedgerStats } from './ledger';
import { RandomFaults } from './random-faults';
import type { ApiContext } from './routes';
import { applySettingsPatch, defaultSettings } from './settings';
import type { SandboxSettings, SandboxSettingsPatch } from './settings';
import { Store } from './store';
import { Throttle } from './throttle';
import { Timers } from './timers';
import { Webhooks } from './webhooks';
import type { WebhookAttempt } from './webhooks';

// All the state of one sandbox, independent of HTTP: what the API and control routes act on.

export interface SandboxStats extends LedgerStats {
  webhooks: WebhookAttempt[];
  /** Deliveries queued or in flight: 0 means every delivery decided so far has been sent (or dropped). */
  webhooksPending: number;
  /** Per lipsync: epoch ms GET started showing its (latest) terminal status. */
  endedAt: Record<string, number>;
  /** Calls the throttle refused with a 429 (settings.throttle). */
  throttled: number;
}

export interface CoreOptions {
  seed: number;
  credentials: { apiId: string; apiKey: string };
  settings?: SandboxSettingsPatch;
}

export class SandboxCore implements ApiContext {
  readonly credentials: { apiId: string; apiKey: string };
  readonly ledger: Ledger;
  readonly faults = new FaultBook();
  readonly randomFaults: RandomFaults;
  readonly webhooks: Webhooks;
  readonly store: Store;
  readonly requestTimers = new Timers();
  readonly throttle = new Throttle();
  /** What start-up asked for; `reset` returns here before applying its own patch. */
  private readonly baseSettings: SandboxSettings;
  private current: SandboxSettings;

  constructor(options: CoreOptions) {
    this.credentials = options.credentials;
    this.baseSettings = applySettingsPatch(defaultSettings(), options.settings ?? {});
    this.current = this.baseSettings;
    this.ledger = new Ledger(this.current.initialCredits);
    this.randomFaults = new RandomFaults(options.seed);
    const settings = () => this.current;
    this.webhooks = new Webhooks(settings);
    this.store = new Store(settings, options.seed, this.ledger, this.webhooks);
  }

  settings(): SandboxSettings {
    return this.current;
  }

  patchSettings(patch: SandboxSettingsPatch): SandboxSettings {
    this.current = applySettingsPatch(this.current, patch);
    return this.current;
  }

  /**
   * Back to a fresh sandbox: records, faults, counts, ledger and pending webhooks go,
   * settings return to those given at start, and the PRNG streams restart, so a test
   * that resets first replays the same way every time.
   */
  reset(patch: SandboxSettingsPatch = {}): SandboxSettings {
    // Merged first: a patch that breaks a cross-field rule leaves the sandbox as it was.
    const next = applySettingsPatch(this.baseSettings, patch);
    this.webhooks.reset();
    this.store.reset();
    this.faults.clear();
    this.randomFaults.reset();
    this.throttle.reset();
    this.current = next;
    this.ledger.reset(this.current.initialCredits);
    return this.current;
  }

  stats(): SandboxStats {
    return { ...this.ledger.stats(), webhooks: this.webhooks.attempts(), webhooksPending: this.webhooks.pending(), endedAt: this.store.endedAt(), throttled: this.throttle.refused };
  }

  async close(): Promise<void> {
    this.store.reset();
    this.requestTimers.clearAll();
    await this.webhooks.close();
  }
}
