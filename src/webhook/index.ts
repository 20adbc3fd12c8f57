/**
 * `lipsync-orchestrator/webhook`: the receiver as a handler to mount in a backend's own
 * HTTP server (Express, Fastify, node:http), plus the standalone server `lipsync
 * webhook-server` runs. Mounting: createWebhookHandler({ config: loadWebhookConfig(),
 * signaler: temporalSignaler(client) }); see examples/express-backend.
 */
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
export { createWebhookMetrics, serveMetrics, type RunningMetricsServer, type WebhookMetrics } from './metrics';
export { redactPath } from './route';
export { HEALTH_PATH, startWebhookServer, type RunningWebhookServer, type WebhookServerOptions } from './server';
export { REJECT_REASONS, type RejectReason, type WebhookStats } from './stats';
export { connectWithLazyFallback, refuseUnknownNamespace } from './temporal-connection';
export { DEFAULT_SIGNAL_TIMEOUT_MS, temporalSignaler, type TemporalSignalerOptions } from './temporal-signaler';
export { matchToken } from './token';
export { webhookToken, webhookUrl } from '../contract/webhook-url';
export { ConfigError, loadTemporalConfig, loadWebhookConfig, type TemporalConfig, type WebhookConfig } from '../config';
