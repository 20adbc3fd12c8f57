export { LipsyncOrchestrator, type OrchestratorDeps, type RenderStatus, type RenderSummary } from './orchestrator';
export { previewWithWebhook } from './preview';
export type { WatchEvent, WatchOptions } from './watch';
export { RenderError, RenderNotFoundError, InvalidLipsyncIdError, InvalidTrackingOptionsError, type RenderFailureReason } from './errors';
export type { RenderResult, TrackingState, TrackedStatus } from '../contract/messages';
export type { TrackingOptions } from '../contract/tracking-options';
