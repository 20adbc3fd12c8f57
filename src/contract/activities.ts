/**
 * The activities' side of the contract: what the workflow asks of them and what they
 * hand back (Creatify's answer, normalised, no wire details), and the failure types
 * they raise. Workflows and activities meet here and never import each other.
 */
import type { RenderFields } from '../creatify/render-judgement';
import type { BatchItem, CreditsCheck } from './approval-credits';

export interface LipsyncSnapshot extends RenderFields {
  id: string;
  /** Creatify's status string as sent (unknown values kept). */
  status: string;
  /** 0..1 */
  progress: number;
  /** done with an output, failed or rejected. */
  terminal: boolean;
  output: string | null;
  thumbnail: string | null;
  failedReason: string | null;
  creditsUsed: number | null;
  duration: number | null;
  /**
   * The preview link: null when the API says there is none (yet), absent when the API
   * leaves the field out (and in snapshots recorded before it was kept).
   */
  preview?: string | null;
}

export interface RenderInput {
  lipsyncId: string;
  /** The record before the first render POST; absent only for runs started before snapshots existed. */
  before?: LipsyncSnapshot;
  /** A re-judgement of a render judged started whose record never showed it: compare before any POST. */
  rejudge?: boolean;
  /** A re-judgement that another may follow: a refusal after an attempt whose fate is unknown is watched, not taken as the end. */
  rejudgeMayFollow?: true;
  /** `before` is the record a wait for its preview settled on (RenderOutcome.previewSettled): POST on it, ready or not. */
  previewWaited?: true;
  /** The caller takes RenderOutcome.previewSettled (workflows of older code do not: for them the wait ends in the POST). */
  settlePreview?: true;
}

export interface RenderOutcome {
  lipsync: LipsyncSnapshot;
  /** false when a render was found already started and no POST was made (or its fate was judged). */
  posted: boolean;
  evidence: string;
  /** 'weak': the judgement rests on `updated_at` alone, so the workflow re-checks it later. */
  strength?: 'strong' | 'weak';
  /**
   * Nothing POSTed: the record's preview was not ready at the snapshot and now is
   * (`lipsync` is the settled record). The workflow takes it as the new snapshot and asks
   * for the render again, so any attempt whose POST's fate is unknown compares with a
   * record the preview's own end can no longer move.
   */
  previewSettled?: true;
}

export interface PollInput {
  lipsyncId: string;
  initialIntervalMs: number;
  maxIntervalMs: number;
  /**
   * Self-healing: from this poll attempt on, a record that still shows no strong sign of
   * a render since `before` ends the poll as `untouched`, so the workflow can re-judge.
   */
  stall?: { before: LipsyncSnapshot; afterAttempts: number };
}

export interface PollOutcome {
  lipsync: LipsyncSnapshot;
  /** GETs this poll made, one per attempt. */
  attempts: number;
  /** Set when the poll ended because the render never showed on the record. */
  untouched?: boolean;
}

export interface ConfirmInput {
  lipsyncId: string;
  /** GETs this confirmation may make (the activity's attempts): the first after `firstAfterMs`, then backoff. */
  maxGets: number;
  /** A wait before the first GET, when the caller has just made one. */
  firstAfterMs?: number;
}

export interface ConfirmOutcome {
  lipsync: LipsyncSnapshot;
  /** GETs made, one per attempt. */
  gets: number;
}

export interface SnapshotOutcome {
  snapshot: LipsyncSnapshot;
  /** Why the record already shows a render, if it does. */
  renderShown: string | null;
  /**
   * Whether this worker fleet runs the fleet reconciler: if so, the tracker leaves reads
   * after the webhook window to it and polls on its own only when it goes quiet. Recorded
   * in history with the snapshot, so a replay follows the same path.
   */
  reconciler?: boolean;
}

/** ApplicationFailure types raised by activities. */
export const ActivityFailureType = {
  NotTerminalYet: 'LipsyncNotTerminalYet',
  Auth: 'CreatifyAuth',
  Validation: 'CreatifyValidation',
  NotFound: 'CreatifyNotFound',
  RenderRefused: 'CreatifyRenderRefused',
  /** Creatify refused a render for want of credits (and the record shows none started). */
  InsufficientCredits: 'CreatifyInsufficientCredits',
  RateLimited: 'CreatifyRateLimited',
  Transient: 'CreatifyTransient',
} as const;

/** Activity failures that mean the request itself is wrong: retrying cannot help. */
export const INVALID_REQUEST_FAILURES: readonly string[] = [
  ActivityFailureType.Auth,
  ActivityFailureType.Validation,
  ActivityFailureType.NotFound,
  ActivityFailureType.RenderRefused,
];

/** The activities a worker registers for the tracking workflow. */
export interface LipsyncActivities {
  snapshotBeforeRender(lipsyncId: string): Promise<SnapshotOutcome>;
  renderLipsync(input: RenderInput | string): Promise<RenderOutcome>;
  fetchLipsyncStatus(lipsyncId: string): Promise<LipsyncSnapshot>;
  confirmClaim(input: ConfirmInput): Promise<ConfirmOutcome>;
  pollUntilTerminal(input: PollInput): Promise<PollOutcome>;
  /** Before the render POST: does the expected cost fit the balance and the day's budget? */
  checkCredits(input: CreditsCheckInput): Promise<CreditsCheckOutcome>;
  /** For a batch: follows a render tracked by a workflow the batch did not start, to its end. */
  awaitTrackedRender(lipsyncId: string): Promise<Pick<BatchItem, 'state' | 'outcome'>>;
}

/** The record before the render (as snapshotBeforeRender reads it) and the credits check on it. */
export interface CreditsCheckOutcome extends SnapshotOutcome {
  check: CreditsCheck;
}

export interface CreditsCheckInput {
  lipsyncId: string;
  /** This job's workflow id: left out of the day's spending. */
  workflowId: string;
}
