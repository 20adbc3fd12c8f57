import fs from 'node:fs';
import { demoRequest } from '../../src/dev/demo';
import { LIPSYNC_STATUS } from '../../src/contract/messages';
import type { TrackingOptions } from '../../src/contract/tracking-options';
import { startCluster, type Cluster } from '../../scripts/cluster/cluster';

// The production-shaped cluster of `npm run cluster` (PostgreSQL 15, the Temporal server
// v1.29.1 with SQL visibility, 2 workers and 2 receivers as processes behind a load
// balancer), small: a handful of renders, one worker SIGKILLed while they run. The rest
// of the suite runs on the dev server; this proves the production shape on every change.
const RENDERS = 6;
const TRACKING: TrackingOptions = { webhookTimeout: '3 seconds', pollInitialInterval: '500 ms', pollMaxInterval: '2 seconds', deadline: '90 seconds' };

describe(`the cluster: PostgreSQL, Temporal server, 2 workers, 2 receivers (${RENDERS} renders, one worker SIGKILLed)`, () => {
  let cluster: Cluster | undefined;
  let passed = false;

  beforeAll(async () => {
    cluster = await startCluster({
      workflowBundlePath: process.env.TEST_WORKFLOW_BUNDLE,
      // A render takes ~1 s in the sandbox.
      sandbox: { timeFactor: 0.005 },
      serviceEnv: { LIPSYNC_LOG_LEVEL: 'WARN' },
      log: process.env.LIPSYNC_TEST_LOG ? (line) => console.log(`[cluster] ${line}`) : undefined,
    });
  }, 240_000);

  afterAll(async () => {
    await cluster?.stop();
    // The logs stay for a post-mortem when it failed (or with LIPSYNC_TEST_KEEP=1).
    if (cluster && passed && !process.env.LIPSYNC_TEST_KEEP) fs.rmSync(cluster.workDir, { recursive: true, force: true });
    else if (cluster) console.log(`cluster logs kept in ${cluster.workDir}`);
  }, 60_000);

  test('every render is done and paid once, the search attribute is visible, a killed worker leaves the other to finish', async () => {
    const c = cluster!;
    const ids: string[] = [];
    for (let n = 1; n <= RENDERS; n++) ids.push((await c.orchestrator.preview(demoRequest(`cluster ${n}`, `Cluster render ${n}.`))).id);
    const handles = await Promise.all(ids.map((id) => c.orchestrator.startRender(id, TRACKING)));

    // While the renders are in flight, worker-1 dies without a drain and stays dead.
    const killed = c.workers[0]!.process!;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const exit = await killed.sigkill();
    expect(exit.signal).toBe('SIGKILL');

    const results = await Promise.all(handles.map((h) => h.result()));
    expect(results.map((r) => r.output)).toEqual(ids.map((id) => expect.stringContaining(id)));

    const stats = await c.sandbox.control.stats();
    expect(ids.map((id) => stats.renders[id])).toEqual(ids.map(() => 1));
    // SQL visibility on PostgreSQL answers the project's search attribute.
    const query = `${LIPSYNC_STATUS.name} = "done" AND TaskQueue = "${c.taskQueue}"`;
    const listed = async () => {
      const found: string[] = [];
      for await (const execution of c.client.workflow.list({ query })) found.push(execution.workflowId);
      return found.length;
    };
    let count = 0;
    for (const deadline = Date.now() + 15_000; Date.now() < deadline && count < RENDERS; ) {
      count = await listed();
      if (count < RENDERS) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(count).toBe(RENDERS);
    // Every surviving process serves its metrics: the worker that finished the renders counts
    // them, the receivers count the deliveries they signalled.
    const scrape = async (name: string, metric: string) => {
      const target = c.scrapeTargets.find((t) => t.name === name)!;
      const text = await (await fetch(`http://${target.address}/metrics`)).text();
      return text
        .split('\n')
        .filter((line) => line.startsWith(`${metric}{`) || line.startsWith(`${metric} `))
        .reduce((sum, line) => sum + Number(line.trim().split(/\s+/).pop()), 0);
    };
    expect(await scrape('worker-2', 'lipsync_renders_ended_total')).toBeGreaterThan(0);
    expect(await scrape('worker-2', 'temporal_workflow_task_execution_latency_count')).toBeGreaterThan(0);
    const signalled = (await scrape('receiver-1', 'lipsync_webhook_deliveries_total')) + (await scrape('receiver-2', 'lipsync_webhook_deliveries_total'));
    expect(signalled).toBeGreaterThanOrEqual(RENDERS);
    expect(c.workers[1]!.unexpectedExits).toEqual([]);
    expect(c.receivers.flatMap((r) => r.unexpectedExits)).toEqual([]);
    passed = true;
  }, 120_000);
});
