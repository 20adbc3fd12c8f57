/**
 * The HTTP surface of a backend that renders lipsyncs:
 *
 *   POST /previews            a Creatify preview with our webhook URL filled in → { id }
 *   POST /renders             { "lipsyncId": id } → 202; idempotent (one render per lipsync, ever)
 *   GET  /renders/:id         the tracker's view of that render
 *   GET  /healthz             liveness, with the webhook route's counters
 *   <WEBHOOK_PUBLIC_URL path>/<token>   Creatify's webhook, handled by the library
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import {
  CreatifyError,
  InvalidLipsyncIdError,
  InvalidTrackingOptionsError,
  RenderNotFoundError,
  type LipsyncOrchestrator,
} from 'lipsync-orchestrator';
import type { WebhookConfig, WebhookHandler } from 'lipsync-orchestrator/webhook';
import { webhookRouter } from './webhook-route';

export interface AppOptions {
  orchestrator: LipsyncOrchestrator;
  webhook: { handler: WebhookHandler; config: WebhookConfig };
  log?: (line: string) => void;
}

/** The app's own JSON bodies are small; the webhook route has its own cap (WEBHOOK_MAX_BODY_BYTES). */
const API_BODY_LIMIT = '64kb';

export function createApp({ orchestrator, webhook, log = console.error }: AppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');

  // Mounted where WEBHOOK_PUBLIC_URL says Creatify will post, and before any JSON parser.
  app.use(new URL(webhook.config.publicUrl).pathname, webhookRouter(webhook.handler, webhook.config.maxBodyBytes));

  const json = express.json({ limit: API_BODY_LIMIT });

  app.post('/previews', json, async (req: Request, res: Response) => {
    // Creatify calls only the webhook given at preview time: preview() puts ours in.
    const lipsync = await orchestrator.preview(req.body);
    res.status(201).json({ id: lipsync.id, status: lipsync.status });
  });

  app.post('/renders', json, async (req: Request, res: Response) => {
    const lipsyncId: unknown = req.body?.lipsyncId;
    if (typeof lipsyncId !== 'string') {
      res.status(400).json({ error: 'body must be {"lipsyncId": "<uuid>"}' });
      return;
    }
    // Safe to call again (a client retry, a double click): the same workflow comes back
    // and nothing is rendered, or paid for, twice.
    const handle = await orchestrator.startRender(lipsyncId);
    res.status(202).location(`/renders/${lipsyncId}`).json({ lipsyncId, workflowId: handle.workflowId });
  });

  app.get('/renders/:id', async (req: Request<{ id: string }>, res: Response) => {
    const { lipsyncId, execution, status, state } = await orchestrator.getStatus(req.params.id);
    res.json({
      lipsyncId,
      execution,
      status,
      progress: state?.progress ?? null,
      output: state?.output ?? null,
      failedReason: state?.failedReason ?? null,
      webhooksReceived: state?.webhooksReceived ?? null,
    });
  });

  app.get('/healthz', (_req: Request, res: Response) => {
    res.json({ ok: true, webhook: webhook.handler.stats() });
  });

  // Express 5 hands rejected promises from the routes above to this.
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const [status, message] = describe(err);
    if (status >= 500) log(`error: ${err instanceof Error ? err.stack : String(err)}`);
    res.status(status).json({ error: message });
  });
  return app;
}

function describe(err: unknown): [number, string] {
  if (err instanceof InvalidLipsyncIdError || err instanceof InvalidTrackingOptionsError) return [400, err.message];
  if (err instanceof RenderNotFoundError) return [404, err.message];
  // A body Creatify (or the library's check of it) refuses is the caller's to fix.
  if (err instanceof CreatifyError) return err.kind === 'validation' ? [422, err.message] : [502, `Creatify: ${err.message}`];
  // body-parser's own errors (malformed JSON, too large) carry a 4xx status.
  const status = (err as { status?: unknown }).status;
  if (typeof status === 'number' && status >= 400 && status < 500) return [status, (err as Error).message];
  // Most likely Temporal is unreachable; the render itself is safe either way.
  return [503, 'temporarily unavailable'];
}
