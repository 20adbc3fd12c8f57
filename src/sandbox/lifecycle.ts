import { randomUUID } from 'node:crypto';
import { previewOutputOf, previewUrl, SANDBOX_MEDIA_BASE, TERMINAL, touch } from './record';
import type { LipsyncRecord, LipsyncStatus } from './record';
import type { Outcome, SandboxSettings } from './settings';
import type { Timers } from './timers';

// The processing state machine of creatify-api.md §5, on real timers scaled by
// timeFactor: pending → in_queue → running (progress rising) → done | failed | rejected.

export type TransitionListener = (record: LipsyncRecord) => void;

export interface LifecycleListeners {
  /** Every visible transition (and an early end's final payload): drives webhooks. */
  onTransition: TransitionListener;
  /** The moment GET starts showing a terminal status (for stats.endedAt). */
  onEnd: TransitionListener;
}

export class Lifecycle {
  constructor(
    private readonly settings: () => SandboxSettings,
    private readonly timers: Timers,
    private readonly listeners: LifecycleListeners,
  ) {}

  /** Starts (or restarts) processing from `pending`, as create and render do. */
  begin(record: LipsyncRecord, options: { resetProgress?: boolean } = {}): void {
    startFields(record, options.resetProgress ?? true);
    this.moveTo(record, 'pending');
  }

  /** Arms the timer for the record's next step, unless it is held, previewed, deferred or over. */
  schedule(record: LipsyncRecord): void {
    // A deferred change owns the record until it applies; it reschedules after.
    if (record.deferred) return;
    this.timers.cancel(record.timer);
    record.timer = null;
    if (record.hold || record.previewed || TERMINAL.has(record.status)) return;
    const step = this.nextStep(record);
    record.timer = this.timers.after(this.stageDelay(record, step.stage, step.share), () => {
      record.timer = null;
      step.run();
    });
  }

  /** Runs `apply` after `ms` real milliseconds, in place of any scheduled step. */
  defer(record: LipsyncRecord, kind: 'render' | 'end', ms: number, apply: () => void): void {
    this.cancel(record);
    record.deferred = {
      kind,
      timer: this.timers.after(ms, () => {
        record.deferred = null;
        apply();
      }),
    };
  }

  hold(record: LipsyncRecord, hold: boolean): void {
    record.hold = hold;
    this.schedule(record);
  }

  /**
   * Forces a status now (control route): terminal ones get their outcome fields. A
   * forced status wins over anything deferred, and is shown at once (no early webhook).
   */
  force(record: LipsyncRecord, status: LipsyncStatus): void {
    this.cancel(record);
    if (TERMINAL.has(status)) {
      this.finish(record, status as Outcome, false);
      return;
    }
    record.previewed = false;
    this.moveTo(record, status);
  }

  /** Stops whatever was coming next: the stage timer and any deferred change. */
  cancel(record: LipsyncRecord): void {
    this.timers.cancel(record.timer);
    record.timer = null;
    this.timers.cancel(record.deferred?.timer);
    record.deferred = null;
  }

  private nextStep(record: LipsyncRecord): { stage: StageName; share: number; run(): void } {
    const outcome = record.outcome ?? this.settings().outcome;
    switch (record.status) {
      case 'pending':
        // A rejection is a refusal of the input, so it comes before the queue.
        return {
          stage: 'pending',
          share: 1,
          run: () => (outcome === 'rejected' ? this.finish(record, 'rejected', true) : this.moveTo(record, 'in_queue')),
        };
      case 'in_queue':
        return { stage: 'in_queue', share: 1, run: () => this.moveTo(record, 'running') };
      default: {
        const ticks = this.settings().runningTicks;
        return {
          stage: 'running',
          share: 1 / ticks,
          run: () => {
            record.ticks += 1;
            if (record.ticks >= ticks) {
              this.finish(record, outcome, true);
              return;
            }
            record.progress = Math.max(record.progress, record.ticks / ticks);
            touch(record);
            this.schedule(record);
          },
        };
      }
    }
  }

  private stageDelay(record: LipsyncRecord, stage: StageName, share: number): number {
    const settings = this.settings();
    const base = settings.stageMs[stage] * share * settings.timeFactor;
    if (settings.stageJitter === 0) return base;
    const spread = (record.rng.next() * 2 - 1) * settings.stageJitter;
    return base * (1 + spread);
  }

  private moveTo(record: LipsyncRecord, status: LipsyncStatus): void {
    record.status = status;
    if (status === 'running') {
      record.ticks = 0;
      record.progress = 0;
    }
    touch(record);
    this.listeners.onTransition(record);
    this.schedule(record);
  }

  /**
   * The outcome. Natural ends honour webhooks.earlyTerminalMs: the delivery carries the
   * final payload at once, and the record shows it only that much later.
   */
  private finish(record: LipsyncRecord, outcome: Outcome, natural: boolean): void {
    const settings = this.settings();
    this.cancel(record);
    if (record.previewRunning) return this.finishPreview(record, settings);
    record.previewed = false;
    const early = natural ? settings.webhooks.earlyTerminalMs : 0;
    const show = () => {
      endFields(record, outcome, settings);
      touch(record);
      this.listeners.onEnd(record);
    };
    if (early <= 0) {
      show();
      this.listeners.onTransition(record);
      return;
    }
    const final = { ...record };
    endFields(final, outcome, settings);
    touch(final);
    this.listeners.onTransition(final);
    this.defer(record, 'end', early, show);
  }

  private finishPreview(record: LipsyncRecord, settings: SandboxSettings): void {
    previewEndFields(record, settings);
    this.listeners.onTransition(record);
  }
}

/**
 * An asynchronous preview's end (previewAsync): the previewed shape, as a synchronous
 * preview answers it, with a media job of its own set on the way (the fields a render
 * judgement must not take for a render's).
 */
function previewEndFields(record: LipsyncRecord, settings: SandboxSettings): void {
  record.previewRunning = false;
  record.previewed = true;
  record.status = settings.previewStatus;
  record.progress = settings.previewProgress;
  record.preview ??= previewUrl();
  record.output = previewOutputOf(record.preview, settings.previewOutput);
  record.media_job = randomUUID();
  touch(record);
}

/** The fields create/render reset when processing (re)starts. */
export function startFields(record: LipsyncRecord, resetProgress: boolean): void {
  record.previewed = false;
  record.output = null;
  record.video_thumbnail = null;
  record.failed_reason = null;
  if (resetProgress) record.progress = 0;
}

function endFields(record: LipsyncRecord, outcome: Outcome, settings: SandboxSettings): void {
  record.status = outcome;
  if (outcome === 'done') {
    record.progress = 1;
    record.output = `${SANDBOX_MEDIA_BASE}/${record.id}.mp4`;
    record.video_thumbnail = `${SANDBOX_MEDIA_BASE}/${record.id}.jpg`;
    record.failed_reason = null;
  } else {
    record.output = null;
    record.failed_reason =
      record.failedReason ?? (outcome === 'failed' ? settings.failedReason : settings.rejectedReason);
  }
}

type StageName = keyof SandboxSettings['stageMs'];
