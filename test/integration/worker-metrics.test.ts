import { freePort } from '../../src/dev/ports';
import { statusQuery } from '../../src/contract/messages';
import { webhookUrl } from '../../src/contract/webhook-url';
import { eventually } from '../support/stack';
import { useProcessWorkerStack } from '../support/worker-process';

/** Sum of a counter's samples that carry `label` (Prometheus text format). */
function counter(text: string, name: string, label: string): number {
  return text
    .split('\n')
    .filter((line) => line.startsWith(name) && line.includes(label))
    .reduce((sum, line) => sum + Number(line.trim().split(/\s+/).pop()), 0);
}

describe('the worker serves Prometheus metrics: renders started and ended, claims of an end, credits, Creatify calls', () => {
  const workers = useProcessWorkerStack();

  test('confirmed, contradicted and ignored claims are counted as the status query tells them', async () => {
    const address = `127.0.0.1:${await freePort()}`;
    workers.spawnWorker({ LIPSYNC_METRICS_ADDRESS: address }, 'ignore');
    // The stale preview `done` is contradicted, a copy of it is ignored, the real `done` is
    // confirmed. (Held until the copy is counted: a delivery landing just as the job
    // completes makes the server retry that task, and metrics are not transactional.)
    await workers.stack.sandbox.control.reset({ webhooks: { stalePreview: true } });
    const id = await workers.stack.preview('metrics');
    await workers.stack.sandbox.control.setLipsync(id, { hold: true });
    const handle = await workers.stack.orchestrator.startRender(id, { webhookTimeout: '1 minute' });
    const claimsNow = async () => (await handle.query(statusQuery)).claims;
    await eventually(async () => (await claimsNow()).contradicted === 1, 15_000, 'the stale delivery checked');
    await fetch(webhookUrl(workers.stack.webhookConfig), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id, status: 'done', output: null }),
    });
    await eventually(async () => (await claimsNow()).ignored === 1, 15_000, 'the copy ignored');
    await workers.stack.sandbox.control.setLipsync(id, { hold: false });
    await handle.result();
    expect(await claimsNow()).toEqual({ confirmed: 1, contradicted: 1, ignored: 1 });

    const metrics = await eventually(async () => {
      const text = await fetch(`http://${address}/metrics`).then((r) => r.text()).catch(() => '');
      return counter(text, 'lipsync_webhook_claims_total', 'outcome="confirmed"') >= 1 ? text : undefined;
    }, 15_000, 'the metrics endpoint');
    expect(counter(metrics, 'lipsync_webhook_claims_total', 'outcome="confirmed"')).toBe(1);
    expect(counter(metrics, 'lipsync_webhook_claims_total', 'outcome="contradicted"')).toBe(1);
    expect(counter(metrics, 'lipsync_webhook_claims_total', 'outcome="ignored"')).toBe(1);
    // The render's own figures: started, ended done by the webhook, its credits, the Creatify calls.
    expect(counter(metrics, 'lipsync_renders_started_total', '')).toBe(1);
    expect(counter(metrics, 'lipsync_renders_ended_total', 'outcome="done"')).toBe(1);
    expect(counter(metrics, 'lipsync_renders_ended_total', 'detected_by="webhook"')).toBe(1);
    expect(counter(metrics, 'lipsync_credits_used_total', '')).toBe((await handle.result()).creditsUsed);
    expect(counter(metrics, 'lipsync_webhook_to_close_seconds_count', '')).toBe(1);
    expect(counter(metrics, 'lipsync_creatify_requests_total', 'endpoint="POST /api/lipsyncs_v2/{id}/render/",status_class="2xx"')).toBe(1);
    expect(counter(metrics, 'lipsync_creatify_requests_total', 'endpoint="GET /api/lipsyncs_v2/{id}/"')).toBeGreaterThanOrEqual(3);
  });
});
