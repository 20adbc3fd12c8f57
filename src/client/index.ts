export { LipsyncOrchestrator, type OrchestratorDeps, type RenderStatus, type RenderSummary } from './orchestrator';
export { previewWithWebhook } from './preview';
export { RenderError, RenderNotFoundError, InvalidLipsyncIdError, InvalidTrackingOptionsError, type RenderFailureReason } from './errors';
export type { RenderResult, TrackingOptions, TrackingState, TrackedStatus } from '../workflows/messages';
