/**
 * Benchmarks (they print numbers; they are not tests). Starts its own dev server from
 * the pinned CLI and a sandbox, then measures:
 *  1. webhook → workflow completion latency and end-to-end throughput for a batch of
 *     concurrent renders (webhook path, confirmation GET included);
 *  2. the same batch with webhooks dropped (polling path), GETs per render;
 *  3. the webhook receiver alone: requests/s and latency for valid deliveries to
 *     untracked ids (the full path: token check, zod, a Signal that Temporal rejects).
 * Usage: npm run bench [-- --renders 50 --requests 2000 --concurrency 20]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Runtime } from '@temporalio/worker';
import { startDevServer } from '../src/dev/temporal-server';
import { buildWorkflowBundle } from '../src/worker/workflow-source';
import { createWorkerLogger } from '../src/worker/logger';
import { webhookUrl } from '../src/contract/webhook-url';

const { values } = parseArgs({
  options: { renders: { type: 'string', default: '50' }, requests: { type: 'string', default: '2000' }, concurrency: { type: 'string', default: '20' } },
});
const RENDERS = Number(values.renders);
const REQUESTS = Number(values.requests);
const CONCURRENCY = Number(values.concurrency);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
function summary(name: string, samples: number[]): string {
  const s = [...samples].sort((a, b) => a - b);
  return `${name}: n=${s.length} p50=${percentile(s, 50).toFixed(0)} ms p95=${percentile(s, 95).toFixed(0)} ms max=${s[s.length - 1]!.toFixed(0)} ms`;
}

async function main(): Promise<void> {
  Runtime.install({ logger: createWorkerLogger('ERROR', () => undefined) });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lipsync-bench-'));
  const server = await startDevServer({ uiPort: false });
  process.env.TEST_TEMPORAL_ADDRESS = server.address;
  process.env.TEST_WORKFLOW_BUNDLE = (await buildWorkflowBundle(path.join(tmp, 'bundle.js'))).path;
  const { startTestStack } = await import('../test/support/stack');
  const stack = await startTestStack();
  console.log(`machine: ${os.cpus().length} cores, node ${process.version}; ${RENDERS} concurrent renders per batch`);
  try {
    for (const mode of ['webhook', 'polling'] as const) {
      await stack.sandbox.control.reset(mode === 'polling' ? { webhooks: { drop: 1 } } : {});
      const ids = await Promise.all(Array.from({ length: RENDERS }, (_, i) => stack.preview(`bench ${i}`)));
      const started = Date.now();
      const handles = await Promise.all(
        ids.map((id) => stack.orchestrator.startRender(id, { webhookTimeout: mode === 'polling' ? '200 ms' : '1 minute', pollInitialInterval: '250 ms', pollMaxInterval: '1 second' })),
      );
      const results = await Promise.all(handles.map((h) => h.result()));
      const wall = Date.now() - started;
      const stats = await stack.sandbox.control.stats();
      const closes = await Promise.all(handles.map(async (h) => (await h.describe()).closeTime!.getTime()));
      console.log(`\n[${mode} path] ${RENDERS} renders in ${wall} ms (${((RENDERS / wall) * 1000).toFixed(1)} renders/s; each render ~1 s in the sandbox)`);
      if (mode === 'webhook') {
        const lags = ids.map((id, i) => closes[i]! - stats.webhooks.find((w) => w.lipsyncId === id && w.status === 'done' && w.sentAt)!.sentAt!);
        console.log(summary('terminal webhook sent → workflow closed', lags));
      }
      const gets = ids.map((id) => stats.callsByLipsync[id]?.get ?? 0);
      const renders = ids.map((id) => stats.renders[id] ?? 0);
      console.log(`GETs per render: min ${Math.min(...gets)} max ${Math.max(...gets)}; paid renders per job: min ${Math.min(...renders)} max ${Math.max(...renders)}`);
      console.log(`detected by: ${[...new Set(results.map((r) => r.detectedBy))].join(', ')}`);
    }

    const url = webhookUrl(stack.webhookConfig);
    const latencies: number[] = [];
    let statusCounts: Record<number, number> = {};
    const started = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < REQUESTS) {
          next++;
          const t = performance.now();
          const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: randomUUID(), status: 'done', output: 'https://x/y.mp4' }) });
          await res.arrayBuffer();
          latencies.push(performance.now() - t);
          statusCounts = { ...statusCounts, [res.status]: (statusCounts[res.status] ?? 0) + 1 };
        }
      }),
    );
    const wall = Date.now() - started;
    console.log(`\n[webhook receiver] ${REQUESTS} deliveries for untracked ids, concurrency ${CONCURRENCY}: ${((REQUESTS / wall) * 1000).toFixed(0)} req/s; statuses ${JSON.stringify(statusCounts)}`);
    console.log(summary('delivery latency', latencies));
  } finally {
    await stack.close();
    await server.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
