/**
 * What the tracking workflow shares with its callers about the money around a render:
 * the approval Update (a person says yes or no before anything is paid), the credits
 * check before the render POST, and the ledger's search attributes. Free of I/O (the
 * workflow bundle imports it).
 */
import type { Duration } from '@temporalio/common';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { TrackingOptions } from './tracking-options';

/** Default time a render waits for a decision before it ends as `expired`. */
export const DEFAULT_APPROVAL_TIMEOUT = '24 hours';

/** How a render waits for approval; part of the workflow's input. */
export interface ApprovalRequest {
  /** No decision within this long: the job ends `expired`, nothing paid. Default 24 h. */
  timeout?: Duration;
  /** The preview link a person looks at before deciding. */
  preview?: string | null;
}

/** What a render that does not fit the balance or the day's budget does: end, or wait for a person to approve it anyway. */
export type OverBudget = 'fail' | 'await-approval';
export const OVER_BUDGET_CHOICES: readonly OverBudget[] = ['fail', 'await-approval'];

export interface ApprovalDecision {
  approve: boolean;
  /** Why (a rejection needs one). */
  reason?: string;
  /** Who decided (free text, shown in status and the Web UI). */
  by?: string;
}

export interface ApprovalState {
  preview: string | null;
  /** When the wait ends without a decision (ISO). */
  expiresAt: string;
  decision: 'approved' | 'rejected' | 'expired' | null;
  decidedAt: string | null;
  reason: string | null;
  by: string | null;
}

/** The approval Update: durable in history before anything is paid; a validator refuses what cannot apply. */
export const approvalUpdate = defineUpdate<ApprovalState, [ApprovalDecision]>('decideApproval');

/** What the check before the render POST found (the activity's answer, kept in history). */
export interface CreditsCheck {
  /** The render's expected cost (4 credits per started 30 s of the previewed video, standard model); null when the record has no duration. */
  estimate: number | null;
  /**
   * GET /api/remaining_credits/ as this check relied on it (less what other renders checked
   * on the same reading reserved); null when Creatify did not say.
   */
  remaining: number | null;
  /**
   * Age of that balance reading in ms: 0 for a read made for this check, more for a
   * reading shared within LIPSYNC_BALANCE_MAX_AGE. Absent when no balance was read
   * (and in checks recorded before readings were shared).
   */
  balanceAgeMs?: number;
  /** LIPSYNC_CREDIT_BUDGET_PER_DAY of the worker, when set. */
  budgetPerDay: number | null;
  /** Estimates of the other renders started today (UTC) that were not refused, when a budget is set. */
  spentToday: number | null;
  fits: boolean;
  /** One line: why it fits or why not. */
  reason: string;
}

export interface CreditsState extends CreditsCheck {
  /** `credits_used` of the record when the render ended. */
  used: number | null;
  /** How the end was detected: webhook, poll or render-response. */
  detectedBy: string | null;
}

/** Double: the expected cost, set before the render POST (the day's budget counts these). */
export const LIPSYNC_CREDITS_ESTIMATE = defineSearchAttributeKey('LipsyncCreditsEstimate', SearchAttributeType.DOUBLE);
/** Double: `credits_used` of the record when the render ended. */
export const LIPSYNC_CREDITS_USED = defineSearchAttributeKey('LipsyncCreditsUsed', SearchAttributeType.DOUBLE);
/** Keyword: how the end was detected (webhook, poll, render-response). */
export const LIPSYNC_DETECTED_BY = defineSearchAttributeKey('LipsyncDetectedBy', SearchAttributeType.KEYWORD);

// --- batches ---------------------------------------------------------------------------

export const BATCH_WORKFLOW_TYPE = 'renderBatch';
export const DEFAULT_BATCH_CONCURRENCY = 5;
/** One batch workflow keeps every child's start and end in its history: this bounds it. */
export const MAX_BATCH_SIZE = 1_000;

export interface BatchInput {
  lipsyncIds: string[];
  concurrency: number;
  /** Tracking options for every render, already validated. */
  options?: TrackingOptions;
}

export type BatchItemState = 'queued' | 'rendering' | 'done' | 'failed';

export interface BatchItem {
  lipsyncId: string;
  state: BatchItemState;
  /** The video URL, or why there is none. */
  outcome: string | null;
  /** False when the render was already tracked (by an earlier batch or start): followed, not started. */
  started: boolean | null;
  startedAt: string | null;
  endedAt: string | null;
}

export interface BatchProgress {
  total: number;
  concurrency: number;
  queued: number;
  rendering: number;
  done: number;
  failed: number;
  startedAt: string;
  finishedAt: string | null;
  items: BatchItem[];
}

export const batchProgressQuery = defineQuery<BatchProgress>('batchProgress');
