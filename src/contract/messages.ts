/**
 * What the tracking workflow shares with its callers (client, webhook receiver, CLI,
 * worker): names, message definitions, input/output shapes and failure types. Imported
 * by the workflow bundle, so it stays free of I/O.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { LipsyncSnapshot } from './activities';
import type { ApprovalRequest, ApprovalState, CreditsState, OverBudget } from './approval-credits';
import type { TrackingOptions } from './tracking-options';

export const WORKFLOW_TYPE = 'trackLipsyncRender';
export const DEFAULT_TASK_QUEUE = 'lipsync-render';

/** Keyword search attribute; register it on every cluster that runs the worker. */
export const LIPSYNC_STATUS = defineSearchAttributeKey('LipsyncStatus', SearchAttributeType.KEYWORD);

/** What the workflow believes about the lipsync. Creatify's statuses plus our own ends. */
export type TrackedStatus =
  | 'awaiting_approval' // held until a person approves (or rejects) the render
  | 'rendering' // render not yet accepted by Creatify
  | 'pending'
  | 'in_queue'
  | 'running'
  | 'done'
  | 'failed'
  | 'rejected'
  | 'timed_out'
  | 'cancelled'
  | 'invalid'
  | 'declined' // a person rejected the render: nothing paid
  | 'expired' // no approval decision in time: nothing paid
  | 'insufficient_credits'; // the render did not fit the balance or the day's budget: nothing paid

export const TRACKED_STATUSES: readonly TrackedStatus[] = [
  'awaiting_approval', 'rendering', 'pending', 'in_queue', 'running', 'done', 'failed', 'rejected', 'timed_out', 'cancelled', 'invalid',
  'declined', 'expired', 'insufficient_credits',
];

/** The statuses of a tracker that has not ended (the rest of TRACKED_STATUSES are ends). */
export const OPEN_STATUSES: ReadonlySet<TrackedStatus> = new Set(['awaiting_approval', 'rendering', 'pending', 'in_queue', 'running']);

export interface TrackRenderInput {
  lipsyncId: string;
  options?: TrackingOptions;
  /** Set only by continue-as-new: the render was already accepted in an earlier run. */
  carriedOver?: CarriedState;
  /** Hold the render until a person approves it (an Update); absent: render at once. */
  approval?: ApprovalRequest;
  /** When the credits check finds the render does not fit: end `insufficient_credits` (default), or ask for approval to render anyway. */
  overBudget?: OverBudget;
  /** TRACKER_REVISION of the starter; absent in runs started before it existed. */
  revision?: number;
}

/**
 * What starters of this code put in `TrackRenderInput.revision`. A run of revision 4 or
 * later whose first task runs on code that knows it (one patch marker: `lean-runs`, or
 * `lapsing-timers` from LAPSING_TIMERS_REVISION)
 * has every behaviour the tracker's other patches gate (exactly-once snapshot, fleet
 * reconciler, credits check) without asking for each (every first `patched()` costs a
 * marker and a TemporalChangeVersion upsert), and writes search attributes only when what
 * they show changes (not the status its start already set). Runs without it (older
 * starters, recorded histories, a new start taken by an older worker) keep asking.
 */
export const TRACKER_REVISION = 5;
/** The first revision that needs no patch markers. */
export const LEAN_TRACKER_REVISION = 4;
/**
 * From this revision (with its one `patched('lapsing-timers')` marker) the deadline and
 * the webhook window are timers started once and never cancelled: a render that ends
 * early lets them lapse with the run, so its last task writes no TimerCanceled events.
 */
export const LAPSING_TIMERS_REVISION = 5;

/** Claims already checked (status + URL keys, newest last) and the confirmation GETs spent on them. */
export interface ClaimMemory {
  checked: string[];
  getsSpent: number;
  /** When a `done` without a URL was last taken up (ISO). */
  noUrlCheckedAt?: string;
  /** Statuses the docs do not name that the API showed as stages, not ends (lower case). */
  stages?: string[];
  /** The stall watch fired on a render Creatify accepted (200) and was dismissed: no re-judgement. */
  postedRenderStands?: true;
}

/** What continue-as-new hands the next run: the state, and (since claim budgets) the claim memory. */
export type CarriedState = TrackingState & { claimMemory?: ClaimMemory };

/** A webhook delivery, already validated and normalised by the receiver. A hint, not the truth. */
export interface WebhookHint {
  id: string;
  /** Lower-cased; null when the delivery named none. */
  status: string | null;
  failedReason: string | null;
  /** `output`, or the sibling APIs' `video_output`. */
  output: string | null;
  /** 0..1 when the delivery carried one. */
  progress?: number | null;
  receivedAt: string;
}

export type Detection = 'webhook' | 'poll' | 'render-response';

export type TrackingPhase = 'rendering' | 'waiting-for-webhook' | 'polling' | 'confirming' | 'finished';

export interface TrackingState {
  lipsyncId: string;
  status: TrackedStatus;
  /** 0..1, as last reported by Creatify. */
  progress: number;
  phase: TrackingPhase;
  renderPosted: boolean | null;
  renderEvidence: string | null;
  webhooksReceived: number;
  webhooksIgnored: number;
  /** Poll GETs, counted from the poll activity's attempts. */
  polls: number;
  /** GETs made to confirm deliveries that claimed an end (bounded per job, see Tracker). */
  confirmations: number;
  /** Reads of this render by the fleet reconciler (shared list calls), signalled to the tracker. */
  observations?: number;
  /** When the reconciler last said something about this render (ISO). */
  lastObservedAt?: string | null;
  /** The worker fleet runs the fleet reconciler: after the webhook window it reads this render. */
  reconciler?: boolean;
  /** Deliveries that claimed an end: confirmed by the API, contradicted by it, or ignored (duplicate, over budget). */
  claims: { confirmed: number; contradicted: number; ignored: number };
  /** The record before the first render POST: what "has a render started?" is judged against. */
  preRender: LipsyncSnapshot | null;
  /** Render POSTs this job made (more than one only after a re-judgement found none started). */
  renderPosts: number;
  /** Times a render judged started was re-judged because the record never showed it. */
  rejudgements: number;
  startedAt: string;
  renderAcceptedAt: string | null;
  finishedAt: string | null;
  failedReason: string | null;
  output: string | null;
  lastEvent: string;
  /** Only for renders started with `approval`. */
  approval?: ApprovalState;
  /** The credits check before the render POST, and what the render used (runs since the credits patch). */
  credits?: CreditsState;
}

export interface RenderResult {
  lipsyncId: string;
  output: string;
  thumbnail: string | null;
  creditsUsed: number | null;
  duration: number | null;
  detectedBy: Detection;
  webhooksReceived: number;
  polls: number;
  confirmations: number;
  timings: { startedAt: string; renderAcceptedAt: string | null; finishedAt: string; totalMs: number };
}

/** `ApplicationFailure.type`s the workflow ends with; all non-retryable. */
export const FailureType = {
  RenderFailed: 'LipsyncRenderFailed',
  RenderRejected: 'LipsyncRenderRejected',
  DeadlineExceeded: 'LipsyncDeadlineExceeded',
  InvalidRequest: 'LipsyncInvalidRequest',
  /** The balance (GET /api/remaining_credits/) or the day's budget cannot pay the render, or Creatify said so. */
  InsufficientCredits: 'LipsyncInsufficientCredits',
  /** A person rejected the render before it was paid for. */
  ApprovalDeclined: 'LipsyncApprovalDeclined',
  /** Nobody decided within the approval timeout: nothing was paid. */
  ApprovalExpired: 'LipsyncApprovalExpired',
} as const;
export type FailureType = (typeof FailureType)[keyof typeof FailureType];

/** `details[0]` of every failure above. */
export interface FailureDetails {
  lipsyncId: string;
  status: TrackedStatus;
  failedReason: string | null;
  /** For InvalidRequest: which Creatify error class (auth, validation, not-found). */
  cause?: string;
}

/** The workflow logs one entry with this message per status change; the worker prints each as one line. */
export const STATUS_LOG_MESSAGE = 'lipsync status';

export const webhookSignal = defineSignal<[WebhookHint]>('creatifyWebhook');
export const statusQuery = defineQuery<TrackingState>('status');
