/**
 * `lipsync_creatify_requests_total{endpoint, status_class}` and the request latency:
 * every Creatify call the worker makes, observed through undici's diagnostics channels
 * (the HTTP client is undici; nothing in src/creatify changes), counted on the runtime's
 * metric meter so it is served with the SDK's metrics. Ids in paths become `{id}`.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import { Runtime } from '@temporalio/worker';

interface UndiciRequest {
  method: string;
  path: string;
  origin: string;
}

export const CREATIFY_LATENCY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/** "GET /api/lipsyncs_v2/{id}/": bounded label values, whatever the ids. */
export function endpointLabel(method: string, path: string): string {
  return `${method} ${path.split('?')[0]!.replace(UUID, '{id}')}`;
}

export function statusClass(status: number | 'error'): string {
  return status === 'error' ? 'error' : `${Math.floor(status / 100)}xx`;
}

let observing = false;

/** Starts counting calls to `baseUrl`'s origin (once per process; the runtime must be installed). */
export function observeCreatifyCalls(baseUrl: string): void {
  if (observing) return;
  observing = true;
  const origin = new URL(baseUrl).origin;
  const meter = Runtime.instance().metricMeter;
  const requests = meter.createCounter('lipsync_creatify_requests_total', 'requests', 'Creatify API calls by endpoint and status class (2xx, 4xx, 5xx, error)');
  const latency = meter.createHistogram('lipsync_creatify_request_seconds', 'float', 's', 'Creatify API call latency, request to response headers');
  const startedAt = new WeakMap<object, number>();
  const ours = (request: UndiciRequest) => request.origin === origin || request.origin === `${origin}/`;

  diagnosticsChannel.subscribe('undici:request:create', (message) => {
    const { request } = message as { request: UndiciRequest };
    if (ours(request)) startedAt.set(request, performance.now());
  });
  const done = (request: UndiciRequest, status: number | 'error') => {
    if (!ours(request)) return;
    const endpoint = endpointLabel(request.method, request.path);
    requests.add(1, { endpoint, status_class: statusClass(status) });
    const t0 = startedAt.get(request);
    if (t0 !== undefined) latency.record((performance.now() - t0) / 1000, { endpoint });
    startedAt.delete(request);
  };
  diagnosticsChannel.subscribe('undici:request:headers', (message) => {
    const { request, response } = message as { request: UndiciRequest; response: { statusCode: number } };
    done(request, response.statusCode);
  });
  diagnosticsChannel.subscribe('undici:request:error', (message) => {
    const { request } = message as { request: UndiciRequest };
    // An error after the headers (a body cut off) was already counted with its status.
    if (startedAt.has(request)) done(request, 'error');
  });
}
