import { statusQuery } from '../../src/contract/messages';
import { eventually } from '../support/stack';
import { useProcessWorkerStack } from '../support/worker-process';

describe('a worker killed with SIGKILL while jobs wait', () => {
  const workers = useProcessWorkerStack();

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
  });
});
