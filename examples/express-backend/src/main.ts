/**
 * Starts the example backend from the environment, like any deployed backend:
 * TEMPORAL_* and LIPSYNC_TASK_QUEUE (where renders are tracked), CREATIFY_* (previews),
 * WEBHOOK_PUBLIC_URL / WEBHOOK_SECRET / WEBHOOK_MAX_BODY_BYTES (the mounted webhook
 * route), PORT and HOST (where this server listens). A worker must run somewhere for
 * renders to progress: `npm start`'s stack has one, production runs `lipsync worker`.
 * SIGINT/SIGTERM: stop accepting, let requests in flight finish, close, exit 0.
 */
import type { Server } from 'node:http';
import { ConfigError, LipsyncOrchestrator } from 'lipsync-orchestrator';
import { createWebhookHandler, loadWebhookConfig, temporalSignaler } from 'lipsync-orchestrator/webhook';
import { createApp } from './app';

/** How long requests in flight get on shutdown before their connections are cut. */
const SHUTDOWN_GRACE_MS = 5_000;

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 3000);
  const host = process.env.HOST ?? '127.0.0.1';
  // Checked before connecting: a bad WEBHOOK_* stops the start with one line.
  const webhookConfig = loadWebhookConfig(process.env);
  const orchestrator = await LipsyncOrchestrator.connect(process.env);
  const handler = createWebhookHandler({
    config: webhookConfig,
    // The orchestrator's own Temporal client: one connection for the whole backend.
    signaler: temporalSignaler(orchestrator.client),
    log: (line) => console.log(`[webhook] ${line}`),
  });
  const app = createApp({ orchestrator, webhook: { handler, config: webhookConfig } });
  const server = await listen(app, port, host);
  console.log(`example backend listening on http://${host}:${port}; webhook route ${new URL(webhookConfig.publicUrl).pathname}/<token>`);

  const signal = await new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  console.log(`${signal}: stopping`);
  await close(server);
  // After the server: a webhook still being handled needs the connection for its Signal.
  await orchestrator.close();
  console.log('stopped');
}

function listen(app: ReturnType<typeof createApp>, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (err?: Error) => (err ? reject(err) : resolve(server)));
  });
}

async function close(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const cut = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
  await closed;
  clearTimeout(cut);
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? `configuration: ${err.message}` : err);
  process.exitCode = 1;
});
