import { SANDBOX_MEDIA_BASE, TERMINAL, touch } from './record';
import type { LipsyncRecord, LipsyncStatus } from './record';
import type { Outcome, SandboxSettings } from './settings';
import type { Timers } from './timers';

// The processing state machine of creatify-api.md §5, on real timers scaled by
// timeFactor: pending → in_queue → running (progress rising) → done | failed | rejected.

export type TransitionListener = (record: LipsyncRecord) => void;

export class Lifecycle {
  constructor(
    private readonly settings: () => SandboxSettings,
    private readonly timers: Timers,
    private readonly onTransition: TransitionListener,
  ) {}

  /** Starts (or restarts) processing from `pending`, as create and render do. */
  begin(record: LipsyncRecord): void {
    record.previewed = false;
    record.output = null;
    record.video_thumbnail = null;
    record.failed_reason = null;
    record.progress = 0;
    this.moveTo(record, 'pending');
  }

  /** Arms the timer for the record's next step, unless it is held, previewed or over. */
  schedule(record: LipsyncRecord): void {
    this.timers.cancel(record.timer);
    record.timer = null;
    if (record.hold || record.previewed || TERMINAL.has(record.status)) return;
    const step = this.nextStep(record);
    record.timer = this.timers.after(this.stageDelay(record, step.stage, step.share), () => {
      record.timer = null;
      step.run();
    });
  }

  hold(record: LipsyncRecord, hold: boolean): void {
    record.hold = hold;
    this.schedule(record);
  }

  /** Forces a status now (control route): terminal ones get their outcome fields. */
  force(record: LipsyncRecord, status: LipsyncStatus): void {
    if (TERMINAL.has(status)) {
      this.finish(record, status as Outcome);
      return;
    }
    record.previewed = false;
    this.moveTo(record, status);
  }

  cancel(record: LipsyncRecord): void {
    this.timers.cancel(record.timer);
    record.timer = null;
  }

  private nextStep(record: LipsyncRecord): { stage: StageName; share: number; run(): void } {
    const outcome = record.outcome ?? this.settings().outcome;
    switch (record.status) {
      case 'pending':
        // A rejection is a refusal of the input, so it comes before the queue.
        return {
          stage: 'pending',
          share: 1,
          run: () => (outcome === 'rejected' ? this.finish(record, 'rejected') : this.moveTo(record, 'in_queue')),
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
              this.finish(record, outcome);
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
    this.onTransition(record);
    this.schedule(record);
  }

  private finish(record: LipsyncRecord, outcome: Outcome): void {
    const settings = this.settings();
    this.cancel(record);
    record.previewed = false;
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
    touch(record);
    this.onTransition(record);
  }
}

type StageName = keyof SandboxSettings['stageMs'];
