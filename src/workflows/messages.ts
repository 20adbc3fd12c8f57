/**
 * Everything the tracking workflow shares with its callers (client, webhook receiver,
 * CLI): names, message definitions, input/output shapes and failure types. Imported by
 * the workflow bundle, so it must stay free of I/O.
 */
import { defineSearchAttributeKey, SearchAttributeType, type Duration } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { LipsyncSnapshot } from '../activities/types';

export const WORKFLOW_TYPE = 'trackLipsyncRender';
export const DEFAULT_TASK_QUEUE = 'lipsync-render';

/**
 * UUIDs compare case-insensitively; workflow ids and signal payloads do not. Every id
 * that enters (start, webhook, CLI) goes through here, so one spelling is used.
 */
export function normalizeLipsyncId(lipsyncId: string): string {
  return lipsyncId.trim().toLowerCase();
}

export function workflowIdFor(lipsyncId: string): string {
  return `lipsync-render-${normalizeLipsyncId(lipsyncId)}`;
}

/** Keyword search attribute; register it on every cluster that runs the worker. */
export const LIPSYNC_STATUS = defineSearchAttributeKey('LipsyncStatus', SearchAttributeType.KEYWORD);

/** What the workflow believes about the lipsync. Creatify's statuses plus our own ends. */
export type TrackedStatus =
  | 'rendering' // render not yet accepted by Creatify
  | 'pending'
  | 'in_queue'
  | 'running'
  | 'done'
  | 'failed'
  | 'rejected'
  | 'timed_out'
  | 'cancelled'
  | 'invalid';

export const TRACKED_STATUSES: readonly TrackedStatus[] = [
  'rendering', 'pending', 'in_queue', 'running', 'done', 'failed', 'rejected', 'timed_out', 'cancelled', 'invalid',
];

export interface TrackingOptions {
  /** How long to wait for the webhook before polling. Default 10 min. */
  webhookTimeout?: Duration;
  /** First poll retry interval. Default 30 s. */
  pollInitialInterval?: Duration;
  /** Cap of the poll backoff. Default 5 min. */
  pollMaxInterval?: Duration;
  /** Give up tracking after this long. Default 24 h. */
  deadline?: Duration;
  /** Confirm a terminal webhook with one GET before trusting it. Default true. */
  confirmWebhook?: boolean;
}

/** A duration as a person wrote it: strings as given, milliseconds as `40s`, `10m`, `1h30m`. */
export function formatDuration(duration: Duration): string {
  if (typeof duration === 'string') return duration;
  const ms = Number(duration);
  if (ms < 1000) return `${ms}ms`;
  const parts: string[] = [];
  let rest = Math.round(ms / 1000);
  for (const [unit, size] of [['d', 86_400], ['h', 3_600], ['m', 60], ['s', 1]] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join('');
}

export const DEFAULT_TRACKING_OPTIONS = {
  webhookTimeout: '10 minutes',
  pollInitialInterval: '30 seconds',
  pollMaxInterval: '5 minutes',
  deadline: '24 hours',
  confirmWebhook: true,
} as const satisfies Required<TrackingOptions>;

export interface TrackRenderInput {
  lipsyncId: string;
  options?: TrackingOptions;
  /** Set only by continue-as-new: the render was already accepted in an earlier run. */
  carriedOver?: CarriedState;
}

/** Claims already checked (status + URL keys, newest last) and the confirmation GETs spent on them. */
export interface ClaimMemory {
  checked: string[];
  getsSpent: number;
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
