export { LipsyncOrchestrator, type OrchestratorDeps, type RenderStatus, type RenderSummary } from './orchestrator';
export { RenderError, RenderNotFoundError, InvalidLipsyncIdError, type RenderFailureReason } from './errors';
export type { RenderResult, TrackingOptions, TrackingState, TrackedStatus } from '../workflows/messages';
