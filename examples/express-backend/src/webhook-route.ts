/**
 * Creatify's webhook, mounted in this app. The library's handler does all the checking
 * (token, method, size, payload) and the Signal to Temporal; this file only adapts
 * Express to it. It must be mounted before any app-wide body parser: the handler wants
 * the raw bytes, under its own cap.
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { WebhookHandler, WebhookRequestHead, WebhookResponse } from 'lipsync-orchestrator/webhook';

export function webhookRouter(handler: WebhookHandler, maxBodyBytes: number): Router {
  const router = express.Router();
  // A wrong token, method or declared Content-Length is answered before a byte is read.
  router.use((req: Request, res: Response, next: NextFunction) => {
    const early = handler.precheck(headOf(req));
    if (early) return send(res, early);
    next();
  });
  // Any content type: Creatify does not document its own, and the handler parses the JSON.
  router.use(express.raw({ type: () => true, limit: maxBodyBytes }));
  router.use(async (req: Request, res: Response) => {
    // body-parser leaves req.body undefined when a request has no body at all.
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    // body-parser has inflated a gzip/deflate/br body already: the handler must not inflate it again.
    const { 'content-encoding': _inflated, ...headers } = req.headers;
    send(res, await handler.handle({ ...headOf(req), headers, body }));
  });
  // A chunked body that grows past the cap: the handler's 413, not Express's HTML page.
  router.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    if ((err as { type?: unknown }).type === 'entity.too.large') return send(res, handler.tooLarge(headOf(req)));
    next(err);
  });
  return router;
}

function headOf(req: Request): WebhookRequestHead {
  // originalUrl, not url: the handler matches the whole path (prefix and token) against
  // WEBHOOK_PUBLIC_URL, and inside a mounted router `url` has lost the prefix.
  return { method: req.method, path: req.originalUrl, headers: req.headers };
}

function send(res: Response, answer: WebhookResponse): void {
  res.status(answer.status).set(answer.headers).send(answer.body);
}
