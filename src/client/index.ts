/**
 * `lipsync-orchestrator`: the library backend code imports. Nothing here (nor in the
 * types it names) reaches @temporalio/worker, so a backend that only starts and follows
 * renders neither loads nor type-checks the worker SDK; the worker is
 * `lipsync-orchestrator/worker`, the mountable webhook `lipsync-orchestrator/webhook`.
 */
export { LipsyncOrchestrator, type OrchestratorDeps, type RenderStatus, type RenderSummary } from './orchestrator';
export { previewWithWebhook } from './preview';
export type { WatchEvent, WatchOptions } from './watch';
export {
  RenderError,
  RenderNotFoundError,
  InvalidLipsyncIdError,
  InvalidListFilterError,
  InvalidTrackingOptionsError,
  ApprovalRefusedError,
  InvalidBatchError,
  type RenderFailureReason,
} from './errors';
export type { CreditsReport, CreditsBucket } from './credits';
export type { ApprovalState, BatchItem, BatchProgress, CreditsState, OverBudget } from '../contract/approval-credits';
export type { RenderResult, TrackingState, TrackedStatus } from '../contract/messages';
export type { TrackingOptions } from '../contract/tracking-options';
// What preview() takes, returns and throws, and what connect() throws on a bad variable.
export { CreatifyError, type CreatifyErrorKind, type Lipsync, type LipsyncRequest } from '../creatify';
export { ConfigError, type WebhookConfig } from '../config';
