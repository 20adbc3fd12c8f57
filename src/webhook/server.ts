/**
 * A standalone host for the handler on node:http, plus GET /healthz. The body is read
 * against the cap as it arrives: past the cap the answer is a 413 at once, the rest of
 * the body is discarded as it arrives and the connection is closed once the sender has
 * finished (or after a short linger), so no sender can make the receiver hold an
 * unbounded body.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import type { WebhookConfig } from '../config';
import { createWebhookHandler, json, quietLog, type Signaler, type WebhookLog, type WebhookResponse } from './handler';
import { pathOf } from './route';
import type { WebhookMetrics } from './metrics';
import type { WebhookStats } from './stats';
import { temporalSignaler } from './temporal-signaler';

export interface WebhookServerOptions {
  config: WebhookConfig;
  /** Signals through this client unless a `signaler` is given. */
  client?: Client;
  signaler?: Signaler;
  /** Deadline of one Signal when signalling through `client`. */
  signalTimeoutMs?: number;
  log?: WebhookLog;
  /** Observes every answered delivery (not /healthz), e.g. createWebhookMetrics(). */
  metrics?: Pick<WebhookMetrics, 'observe'>;
}

export interface RunningWebhookServer {
  /** Where this process listens (loopback when bound to all interfaces); not the public URL. */
  url: string;
  port: number;
  stats(): WebhookStats;
  close(): Promise<void>;
}

export const HEALTH_PATH = '/healthz';
// Deliveries are small; a slow sender must not pin a socket for Node's 5-minute default.
const REQUEST_TIMEOUT_MS = 30_000;
const CLOSE_GRACE_MS = 5_000;
// How long a refused body may go on arriving (discarded) before the connection is cut.
const LINGER_MS = 2_000;

export async function startWebhookServer(options: WebhookServerOptions): Promise<RunningWebhookServer> {
  const { config } = options;
  const signaler =
    options.signaler ?? (options.client && temporalSignaler(options.client, { timeoutMs: options.signalTimeoutMs }));
  if (!signaler) throw new Error('startWebhookServer needs a Temporal client or a signaler');
  // The handler makes its own log safe; this copy is for the host's one line below.
  const handler = createWebhookHandler({ config, signaler, log: options.log });
  const log = quietLog(options.log);

  async function serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const head = { method: req.method ?? '', path: req.url ?? '/', headers: req.headers };
    if (pathOf(head.path) === HEALTH_PATH) {
      const health =
        head.method === 'GET' ? json(200, { ok: true, ...handler.stats() }) : json(405, { ok: false, error: 'method-not-allowed' }, { Allow: 'GET' });
      return send(req, res, health);
    }
    const arrived = performance.now();
    const answer = (response: WebhookResponse) => {
      options.metrics?.observe(response, (performance.now() - arrived) / 1000);
      send(req, res, response);
    };
    const early = handler.precheck(head);
    if (early) return answer(early);
    const body = await readCapped(req, config.maxBodyBytes);
    if (body === 'aborted') return;
    answer(body === 'too-large' ? handler.tooLarge(head) : await handler.handle({ ...head, body }));
  }

  const server = http.createServer((req, res) => {
    serve(req, res).catch((err: unknown) => {
      // Only a bug gets here; answer it and keep serving everyone else.
      log(`webhook 500 internal error: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) send(req, res, json(500, { ok: false, error: 'internal' }));
      else res.destroy();
    });
  });
  server.requestTimeout = REQUEST_TIMEOUT_MS;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${loopbackFor(config.host)}:${port}`,
    port,
    stats: handler.stats,
    close: () => closeServer(server),
  };
}

function send(req: http.IncomingMessage, res: http.ServerResponse, response: WebhookResponse): void {
  const headers: Record<string, string | number> = { ...response.headers, 'Content-Length': Buffer.byteLength(response.body) };
  if (req.complete) {
    res.writeHead(response.status, headers);
    res.end(response.body);
    return;
  }
  // Answered before the body was read (refused, or past the cap). The answer goes out
  // now, complete (Content-Length), but the socket closes only once the sender has
  // finished: closing on unread data makes the kernel send a reset, which a client
  // still writing sees as EPIPE/ECONNRESET instead of this answer. The rest of the
  // body is discarded as it arrives, never buffered; a sender still going after
  // LINGER_MS is cut off.
  headers.Connection = 'close';
  res.writeHead(response.status, headers);
  res.write(response.body);
  const close = () => {
    clearTimeout(linger);
    if (!res.writableEnded) res.end();
  };
  const linger = setTimeout(close, LINGER_MS);
  linger.unref();
  req.once('end', close).once('error', close);
  res.once('close', () => clearTimeout(linger));
  req.resume();
}

function readCapped(req: http.IncomingMessage, cap: number): Promise<Buffer | 'too-large' | 'aborted'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: Buffer | 'too-large' | 'aborted') => {
      req.off('data', onData).off('end', onEnd).off('error', onAbort).off('close', onAbort);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= cap) return void chunks.push(chunk);
      // Keep the stream flowing with no listener: the rest is discarded, not buffered.
      req.resume();
      finish('too-large');
    };
    const onEnd = () => finish(Buffer.concat(chunks, size));
    const onAbort = () => finish('aborted');
    req.on('data', onData).on('end', onEnd).on('error', onAbort).on('close', onAbort);
  });
}

function loopbackFor(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

async function closeServer(server: http.Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  // In-flight deliveries get a moment to finish their Signal; then the rest are cut.
  const force = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
  force.unref();
  await closed;
  clearTimeout(force);
}
