/**
 * The receiver's Prometheus metrics (prom-client), served apart from the webhook port
 * on LIPSYNC_METRICS_ADDRESS so the public side never exposes them:
 * `lipsync_webhook_deliveries_total{result, reason}` (signalled, untracked, unavailable,
 * rejected with its reason) and `lipsync_webhook_handling_seconds{result}`, plus the
 * process's own (CPU, memory, event loop lag) under `lipsync_webhook_process_…`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { WebhookResponse } from './handler';

export type DeliveryResult = 'signalled' | 'untracked' | 'unavailable' | 'rejected';

/** What an answer says happened: the handler's statuses are one per outcome (see handler.ts). */
export function resultOf(response: WebhookResponse): { result: DeliveryResult; reason: string } {
  if (response.status === 200) return { result: 'signalled', reason: '' };
  if (response.status === 202) return { result: 'untracked', reason: '' };
  if (response.status === 503) return { result: 'unavailable', reason: '' };
  let reason = 'other';
  try {
    const body = JSON.parse(response.body) as { error?: unknown };
    if (typeof body.error === 'string') reason = body.error;
  } catch {
    // Not ours to fix here: counted as `other`.
  }
  return { result: 'rejected', reason };
}

export interface WebhookMetrics {
  registry: Registry;
  /** One answered delivery and the seconds it took to handle. */
  observe(response: WebhookResponse, seconds: number): void;
}

export function createWebhookMetrics(): WebhookMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'lipsync_webhook_' });
  const deliveries = new Counter({
    name: 'lipsync_webhook_deliveries_total',
    help: 'Webhook requests answered, by result (signalled, untracked, unavailable, rejected) and, for rejected, reason',
    labelNames: ['result', 'reason'] as const,
    registers: [registry],
  });
  const handling = new Histogram({
    name: 'lipsync_webhook_handling_seconds',
    help: 'Time from a request arriving to its answer, by result (a signalled one includes the Signal to Temporal)',
    labelNames: ['result'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return {
    registry,
    observe(response, seconds) {
      const { result, reason } = resultOf(response);
      deliveries.inc({ result, reason });
      handling.observe({ result }, seconds);
    },
  };
}

export interface RunningMetricsServer {
  url: string;
  close(): Promise<void>;
}

/** GET /metrics on `address` (host:port) in the Prometheus text format. */
export async function serveMetrics(registry: Registry, address: string): Promise<RunningMetricsServer> {
  const separator = address.lastIndexOf(':');
  const host = address.slice(0, separator);
  const port = Number(address.slice(separator + 1));
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found; try /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${bound}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
