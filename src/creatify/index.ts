// The public surface of the Creatify wire layer. Nothing here knows Temporal.
export { CreatifyClient, type CreatifyClientOptions } from './client';
export {
  CreatifyError,
  parseRetryAfter,
  type CreatifyErrorKind,
} from './errors';
export {
  Lipsync,
  LipsyncId,
  LipsyncListPage,
  type LipsyncList,
  LipsyncRequest,
  RemainingCredits,
  WebhookDelivery,
} from './schemas';
export {
  legacyRenderStarted,
  isKnownStatus,
  isUnfinishedStatus,
  isTerminal,
  progressFraction,
} from './status';
export { judgeRenderStarted, renderShownOnRecord, type RenderFields, type RenderJudgement } from './render-judgement';
