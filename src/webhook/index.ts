export {
  createWebhookHandler,
  RETRY_AFTER_SECONDS,
  type Signaler,
  type WebhookHandler,
  type WebhookHandlerOptions,
  type WebhookLog,
  type WebhookRequest,
  type WebhookRequestHead,
  type WebhookResponse,
} from './handler';
export { runWebhookServerCommand, runWebhookUrlCommand } from './main';
export { redactPath } from './route';
export { HEALTH_PATH, startWebhookServer, type RunningWebhookServer, type WebhookServerOptions } from './server';
export { REJECT_REASONS, type RejectReason, type WebhookStats } from './stats';
export { DEFAULT_SIGNAL_TIMEOUT_MS, temporalSignaler, type TemporalSignalerOptions } from './temporal-signaler';
export { matchToken, webhookToken, webhookUrl } from './token';
