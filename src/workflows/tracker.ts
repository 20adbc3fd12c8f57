/**
 * The workflow's memory of one render: pure state transitions, no Temporal calls, so
 * the rules (status only moves forward, `done` needs an output, hints are not truth)
 * can be read and unit-tested in one place.
 */
import type { LipsyncSnapshot, RenderOutcome } from '../activities/types';
import type { TrackedStatus, TrackingState, WebhookHint } from './messages';

const RANK: Record<string, number> = {
  rendering: 0,
  pending: 1,
  in_queue: 2,
  running: 3,
  done: 4,
  failed: 4,
  rejected: 4,
  timed_out: 5,
  cancelled: 5,
  invalid: 5,
};

const CREATIFY_PROGRESS_STATUSES = new Set(['pending', 'in_queue', 'running']);

export class Tracker {
  readonly state: TrackingState;
  /** The newest delivery that claims a terminal status, waiting to be confirmed. */
  private claim: WebhookHint | null = null;

  constructor(lipsyncId: string, now: Date, carried?: TrackingState) {
    this.state = carried
      ? { ...carried }
      : {
          lipsyncId,
          status: 'rendering',
          progress: 0,
          phase: 'rendering',
          renderPosted: null,
          renderEvidence: null,
          webhooksReceived: 0,
          webhooksIgnored: 0,
          polls: 0,
          confirmations: 0,
          startedAt: now.toISOString(),
          renderAcceptedAt: null,
          finishedAt: null,
          failedReason: null,
          output: null,
          lastEvent: 'tracking started',
        };
  }

  get hasClaim(): boolean {
    return this.claim !== null;
  }

  takeClaim(): WebhookHint | null {
    const claim = this.claim;
    this.claim = null;
    return claim;
  }

  /** Returns whether the visible status changed. */
  receiveWebhook(hint: WebhookHint): boolean {
    this.state.webhooksReceived++;
    if (hint.id !== this.state.lipsyncId || this.isFinished()) return this.ignore(`webhook ignored (${hint.status})`);
    if (isTerminalClaim(hint)) {
      this.claim = hint;
      this.state.lastEvent = `webhook claims ${hint.status}`;
      return false;
    }
    if (hint.status === 'done') {
      // A `done` without output is the preview's delivery, not a finished render.
      return this.ignore('stale webhook ignored (done without output)');
    }
    if (!CREATIFY_PROGRESS_STATUSES.has(hint.status)) return this.ignore(`webhook with unknown status "${hint.status}" ignored`);
    const moved = this.moveTo(hint.status as TrackedStatus);
    this.state.lastEvent = moved ? `webhook: ${hint.status}` : `out-of-order webhook ignored (${hint.status})`;
    if (!moved) this.state.webhooksIgnored++;
    return moved;
  }

  renderAccepted(outcome: RenderOutcome, now: Date): boolean {
    this.state.renderPosted = outcome.posted;
    this.state.renderEvidence = outcome.evidence;
    this.state.renderAcceptedAt = now.toISOString();
    this.state.lastEvent = outcome.posted ? 'render accepted' : `render already started (${outcome.evidence})`;
    return this.observe(outcome.lipsync);
  }

  /** An answer from Creatify's API: the truth, but still only forward. */
  observe(lipsync: LipsyncSnapshot): boolean {
    const before = this.state.status;
    if (lipsync.terminal) {
      this.state.output = lipsync.output;
      this.state.failedReason = lipsync.failedReason;
      this.moveTo(lipsync.status as TrackedStatus);
    } else if (CREATIFY_PROGRESS_STATUSES.has(lipsync.status)) {
      if (this.moveTo(lipsync.status as TrackedStatus) || lipsync.status === this.state.status) {
        this.state.progress = Math.max(this.state.progress, lipsync.progress);
      }
    }
    return before !== this.state.status;
  }

  /** Our own ends: timed out, cancelled, invalid. */
  end(status: TrackedStatus, event: string): void {
    this.moveTo(status);
    this.state.lastEvent = event;
    this.state.phase = 'finished';
  }

  isFinished(): boolean {
    return (RANK[this.state.status] ?? 0) >= 4;
  }

  private moveTo(status: TrackedStatus): boolean {
    if ((RANK[status] ?? -1) <= (RANK[this.state.status] ?? 0)) return false;
    this.state.status = status;
    if (status === 'done') this.state.progress = 1;
    return true;
  }

  private ignore(event: string): boolean {
    this.state.webhooksIgnored++;
    this.state.lastEvent = event;
    return false;
  }
}

export function isTerminalClaim(hint: WebhookHint): boolean {
  return hint.status === 'failed' || hint.status === 'rejected' || (hint.status === 'done' && !!hint.output);
}
