import type { ChildProcess } from 'node:child_process';
import { statusQuery } from '../../src/contract/messages';
import type { Fault } from '../../src/sandbox';
import { eventually } from '../support/stack';
import { useProcessWorkerStack } from '../support/worker-process';

describe('a worker killed with SIGKILL while jobs wait', () => {
  const workers = useProcessWorkerStack();

  async function kill(child: ChildProcess): Promise<void> {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  // Killed right after a render POST that Creatify holds and takes up 25 s later. The retry
  // (after the 10 s heartbeat timeout) must not POST again on a record that shows nothing
  // yet: with second renders charged, that is a double payment. It watches the record
  // until 65 s after the retry was scheduled instead. On the first attempt the kill lands
  // before the activity's first tick (2 s); on a retry, heartbeats are throttled (8 s) by
  // then, so only the attempt's first one, sent at once, can say a POST may follow.
  test.each([
    ['its first render POST', [] as Fault[]],
    ['the render POST of a retry (the first POST failed fast)', [{ endpoint: 'render', kind: 'server-error', status: 503 }] as Fault[]],
  ])('killed right after %s, which Creatify takes up later: paid once', async (what, before) => {
    const { stack } = workers;
    await stack.sandbox.control.reset({ secondRender: 'charge' });
    const first = workers.spawnWorker();
    const id = await stack.preview(`killed mid-POST: ${what}`);
    for (const fault of before) await stack.sandbox.control.addFault({ ...fault, lipsyncId: id });
    await stack.sandbox.control.addFault({ endpoint: 'render', kind: 'slow', delayMs: 25_000, lipsyncId: id });
    const handle = await stack.orchestrator.startRender(id, { webhookTimeout: '2 seconds', pollInitialInterval: '200 ms', pollMaxInterval: '1 second', deadline: '3 minutes' });
    const posts = before.length + 1;
    await eventually(async () => ((await stack.sandbox.control.stats()).callsByLipsync[id]?.render ?? 0) >= posts, 60_000, 'the held render POST');
    await kill(first);

    const second = workers.spawnWorker();
    try {
      const result = await handle.result();
      expect(result.output).toBe((await stack.sandbox.control.lipsync(id)).output);
      const stats = await stack.sandbox.control.stats();
      expect({ posts: stats.callsByLipsync[id]?.render, renders: stats.renders[id] }).toEqual({ posts, renders: 1 });
    } finally {
      // The next test counts on the worker it kills being the only one.
      await kill(second);
    }
  }, 180_000);

  test('a new worker finishes every job, with no duplicate render', async () => {
    const child = workers.spawnWorker();
    let childOutput = '';
    child.stdout!.on('data', (chunk) => (childOutput += chunk));
    child.stderr!.on('data', (chunk) => (childOutput += chunk));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child!.once('exit', (_code, signal) => resolve(signal)));

    const ids = await Promise.all([1, 2, 3].map((n) => workers.stack.preview(`crash job ${n}`)));
    for (const id of ids) await workers.stack.sandbox.control.setLipsync(id, { hold: true });
    const handles = await Promise.all(ids.map((id) => workers.stack.orchestrator.startRender(id, { webhookTimeout: '2 minutes', deadline: '5 minutes' })));

    // Every job has its render accepted and waits for its webhook in the doomed worker.
    await eventually(async () => {
      const states = await Promise.all(handles.map((h) => h.query(statusQuery)));
      return states.every((s) => s.phase === 'waiting-for-webhook');
    }, 60_000, `all jobs waiting (worker output: ${childOutput})`);
    const { renders } = await workers.stack.sandbox.control.stats();
    expect(ids.map((id) => renders[id])).toEqual([1, 1, 1]);

    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    // The renders finish while no worker runs: the receiver's Signals are stored by Temporal.
    for (const id of ids) await workers.stack.sandbox.control.setLipsync(id, { hold: false });
    await eventually(async () => {
      const { webhooks } = await workers.stack.sandbox.control.stats();
      return ids.every((id) => webhooks.some((w) => w.lipsyncId === id && w.status === 'done' && w.responseStatus === 200));
    }, 20_000, 'webhooks accepted');

    await workers.stack.restartWorker();
    const results = await Promise.all(handles.map((h) => h.result()));
    const stats = await workers.stack.sandbox.control.stats();
    results.forEach((result, i) => {
      expect(result.output).toContain(ids[i]);
      expect(result.detectedBy).toBe('webhook');
      expect(stats.callsByLipsync[ids[i]!]?.render).toBe(1);
      expect(stats.renders[ids[i]!]).toBe(1);
    });
  }, 180_000); // two worker processes start (ts-node) and a crashed attempt is timed out
});
