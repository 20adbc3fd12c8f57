/**
 * Everything the tracking workflow shares with its callers (client, webhook receiver,
 * CLI): names, message definitions, input/output shapes and failure types. Imported by
 * the workflow bundle, so it must stay free of I/O.
 */
import { defineSearchAttributeKey, SearchAttributeType, type Duration } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';

export const WORKFLOW_TYPE = 'trackLipsyncRender';
export const DEFAULT_TASK_QUEUE = 'lipsync-render';

/** UUIDs compare case-insensitively; workflow ids do not, so one spelling is used. */
export function workflowIdFor(lipsyncId: string): string {
  return `lipsync-render-${lipsyncId.toLowerCase()}`;
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
  carriedOver?: TrackingState;
}

/** A webhook delivery, already validated by the receiver. A hint, not the truth. */
export interface WebhookHint {
  id: string;
  status: string;
  failedReason: string | null;
  output: string | null;
  receivedAt: string;
}

export type Detection = 'webhook' | 'poll' | 'render-response';

export interface TrackingState {
  lipsyncId: string;
  status: TrackedStatus;
  /** 0..1, as last reported by Creatify. */
  progress: number;
  phase: 'rendering' | 'waiting-for-webhook' | 'polling' | 'confirming' | 'finished';
  renderPosted: boolean | null;
  renderEvidence: string | null;
  webhooksReceived: number;
  webhooksIgnored: number;
  /** Poll GETs, counted from the poll activity's attempts. */
  polls: number;
  confirmations: number;
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
