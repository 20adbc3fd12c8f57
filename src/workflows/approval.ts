/**
 * Approve before paying: a render started with `approval` holds in `awaiting_approval`
 * until a person decides through the `decideApproval` Update (CLI, library, Web UI), or
 * the timeout passes. The decision is an Update, so it is in history (accepted and
 * completed) in the same workflow task completion that schedules anything after it: a
 * worker that crashes between the approval and the render POST replays the approval,
 * never asks again, and never pays twice.
 */
import { condition, setHandler } from '@temporalio/workflow';
import { approvalUpdate, DEFAULT_APPROVAL_TIMEOUT, type ApprovalDecision, type ApprovalRequest, type ApprovalState } from '../contract/approval-credits';
import { FailureType } from '../contract/messages';
import { durationMs } from '../contract/tracking-options';
import type { Tracker } from './tracker';

const MAX_REASON_CHARS = 500;

export interface ApprovalRefusal {
  type: FailureType;
  message: string;
}

export class ApprovalGate {
  constructor(
    private readonly tracker: Tracker,
    private readonly publish: () => void,
    request: ApprovalRequest | undefined,
  ) {
    this.timeoutMs = timeoutMs(request?.timeout ?? DEFAULT_APPROVAL_TIMEOUT);
    // A carried-over state (continue-as-new) keeps its decision; a fresh one starts waiting.
    if (request && !tracker.state.approval) tracker.awaitApproval(pending(request.preview ?? null, Date.parse(tracker.state.startedAt) + this.timeoutMs));
    setHandler(approvalUpdate, (decision) => this.decide(decision), { validator: (decision) => this.validate(decision) });
  }

  private readonly timeoutMs: number;

  /** Over budget: waits for a person to approve the render anyway (or reject it), as at the start. */
  async askAgain(reason: string): Promise<ApprovalRefusal | null> {
    const preview = this.tracker.state.approval?.preview ?? null;
    this.tracker.awaitApproval(pending(preview, Date.now() + this.timeoutMs), `over budget (${reason}): approve to render anyway`);
    this.publish();
    return this.wait();
  }

  /** When the render's own clock (its deadline) starts: at the approval, when there was one. */
  get clockStart(): string {
    return this.tracker.state.approval?.decidedAt ?? this.tracker.state.startedAt;
  }

  /** Resolves once approved (at once without approval); a refusal when rejected or expired. */
  async wait(): Promise<ApprovalRefusal | null> {
    const approval = this.tracker.state.approval;
    if (!approval) return null;
    if (approval.decision === null) {
      await condition(() => approval.decision !== null, Math.max(1, Date.parse(approval.expiresAt) - Date.now()));
      // An Update taken in the same task as the timer still counts: the decision, not the timer, says.
      if (approval.decision === null) {
        this.tracker.approvalExpired(new Date());
        this.publish();
      }
    }
    const id = this.tracker.state.lipsyncId;
    if (approval.decision === 'rejected') {
      return { type: FailureType.ApprovalDeclined, message: `lipsync ${id} rejected${approval.by ? ` by ${approval.by}` : ''}: ${approval.reason}; nothing paid` };
    }
    if (approval.decision === 'expired') {
      return { type: FailureType.ApprovalExpired, message: `lipsync ${id}: no approval by ${approval.expiresAt}; nothing paid` };
    }
    return null;
  }

  /** Refuses (with a message for a person) what cannot apply; changes nothing. */
  private validate(decision: ApprovalDecision): void {
    const { state } = this.tracker;
    const approval = state.approval;
    if (typeof decision?.approve !== 'boolean') throw new Error('a decision needs approve: true or false');
    if (!approval) throw new Error(`lipsync ${state.lipsyncId} does not wait for approval (it was started to render at once)`);
    if (approval.decision === 'approved') {
      const already = `already approved${approval.by ? ` by ${approval.by}` : ''} at ${approval.decidedAt}`;
      throw new Error(decision.approve ? `${already}; nothing changed` : `cannot reject: ${already} and the render has started (lipsync cancel stops tracking, not the render)`);
    }
    if (approval.decision === 'rejected') throw new Error(`already rejected at ${approval.decidedAt}: ${approval.reason}; nothing was paid`);
    // Whether it has ended, not whether its status still says awaiting_approval: a stray
    // delivery (the preview's own `pending`) moved the status of runs recorded before
    // APPROVAL_HOLDS_PATCH, and such a job must still take its decision.
    if (approval.decision === 'expired' || this.tracker.isFinished) {
      throw new Error(`the job has ended (${state.status}); nothing was paid`);
    }
    if (!decision.approve && !decision.reason?.trim()) throw new Error('a rejection needs a reason');
    if ((decision.reason?.length ?? 0) > MAX_REASON_CHARS) throw new Error(`the reason is longer than ${MAX_REASON_CHARS} characters`);
  }

  private decide(decision: ApprovalDecision): ApprovalState {
    this.tracker.approvalDecided({ approve: decision.approve, reason: decision.reason?.trim() || undefined, by: decision.by?.trim() || undefined }, new Date());
    this.publish();
    return { ...this.tracker.state.approval! };
  }
}

/**
 * Clients refuse a bad timeout; a start from elsewhere (the Web UI, another SDK) must not
 * wedge the workflow on it, so it waits the default instead.
 */
function pending(preview: string | null, expiresAtMs: number): ApprovalState {
  return { preview, expiresAt: new Date(expiresAtMs).toISOString(), decision: null, decidedAt: null, reason: null, by: null };
}

function timeoutMs(timeout: NonNullable<ApprovalRequest['timeout']>): number {
  const ms = durationMs(timeout);
  return ms > 0 ? ms : durationMs(DEFAULT_APPROVAL_TIMEOUT);
}
