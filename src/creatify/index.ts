// The public surface of the Creatify wire layer. Nothing here knows Temporal.
export { CreatifyClient, MAX_LIST_IDS, type CreatifyClientOptions } from './client';
export {
  CreatifyError,
  isCreatifyError,
  parseRetryAfter,
  type CreatifyErrorDetails,
  type CreatifyErrorKind,
} from './errors';
export {
  AspectRatio,
  Lipsync,
  LipsyncId,
  LipsyncList,
  LipsyncRequest,
  LipsyncScene,
  ModelVersion,
  RemainingCredits,
  WebhookDelivery,
  isLipsyncId,
} from './schemas';
export {
  KNOWN_STATUSES,
  legacyRenderStarted,
  isKnownStatus,
  isTerminal,
  progressFraction,
  type KnownStatus,
} from './status';
export { judgeRenderStarted, renderShownOnRecord, type RenderFields, type RenderJudgement } from './render-judgement';
