/**
 * The receiver's /metrics: each answered delivery counted by result (and reason), with
 * its handling time, on a port of its own. The signaler is a stand-in: what Temporal
 * does with a Signal is webhook-receiver.test.ts's business.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import type { WebhookConfig } from '../../src/config';
import { freePort } from '../../src/dev/ports';
import { createWebhookMetrics, serveMetrics, startWebhookServer, webhookToken, type Signaler } from '../../src/webhook';

const SECRET = 'metrics-secret-for-tests-0001';
const config: WebhookConfig = { publicUrl: 'https://hooks.example.com/hooks/creatify', secrets: [SECRET], host: '127.0.0.1', port: 0, maxBodyBytes: 4096 };
const TRACKED = '3f1b0c7e-5a0d-4c1e-9a51-1b2c3d4e5f60';
const DOWN = '3f1b0c7e-5a0d-4c1e-9a51-1b2c3d4e5f61';

const signaler: Signaler = {
  async signal(id) {
    if (id === DOWN) throw new Error('temporal unavailable');
    if (id !== TRACKED) throw new WorkflowNotFoundError('no workflow', id, undefined);
  },
};

/** The value of one sample line, e.g. `lipsync_webhook_deliveries_total{reason="",result="signalled"}`. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return line === undefined ? undefined : Number(line.trim().split(/\s+/).pop());
}

test('deliveries are counted by result and reason, with their handling time, on the metrics port only', async () => {
  const metrics = createWebhookMetrics();
  const metricsServer = await serveMetrics(metrics.registry, `127.0.0.1:${await freePort()}`);
  const server = await startWebhookServer({ config, signaler, metrics });
  try {
    const post = (path: string, body: unknown) =>
      fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const route = `/hooks/creatify/${webhookToken(SECRET)}`;
    expect((await post(route, { id: TRACKED, status: 'running' })).status).toBe(200);
    expect((await post(route, { id: TRACKED, status: 'done', output: 'https://x.example/v.mp4' })).status).toBe(200);
    expect((await post(route, { id: '3f1b0c7e-5a0d-4c1e-9a51-1b2c3d4e5f62', status: 'done' })).status).toBe(202);
    expect((await post(route, { id: DOWN, status: 'done' })).status).toBe(503);
    expect((await post('/hooks/creatify/wrong-token-000000000000000000000', { id: TRACKED })).status).toBe(401);
    expect((await fetch(`${server.url}${route}`, { method: 'POST', body: '{not json' })).status).toBe(400);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);

    const text = await (await fetch(metricsServer.url)).text();
    expect(sample(text, 'lipsync_webhook_deliveries_total', { result: 'signalled' })).toBe(2);
    expect(sample(text, 'lipsync_webhook_deliveries_total', { result: 'untracked' })).toBe(1);
    expect(sample(text, 'lipsync_webhook_deliveries_total', { result: 'unavailable' })).toBe(1);
    expect(sample(text, 'lipsync_webhook_deliveries_total', { result: 'rejected', reason: 'bad-token' })).toBe(1);
    expect(sample(text, 'lipsync_webhook_deliveries_total', { result: 'rejected', reason: 'malformed-json' })).toBe(1);
    expect(sample(text, 'lipsync_webhook_handling_seconds_count', { result: 'signalled' })).toBe(2);
    expect(text).toMatch(/^lipsync_webhook_process_cpu_seconds_total /m);
    // Not on the public port.
    expect((await fetch(`${server.url}/metrics`)).status).toBe(404);
  } finally {
    await server.close();
    await metricsServer.close();
  }
});
