import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { statusQuery } from '../../src/workflows/messages';
import { eventually, startTestStack, type TestStack } from '../support/stack';

const REPO = path.resolve(__dirname, '../..');

/** A real worker process, as `lipsync worker` runs it, so it can be SIGKILLed. */
function spawnWorkerProcess(env: Record<string, string | undefined>): ChildProcess {
  return spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', "require('./src/worker/main').runWorker()"], {
    cwd: REPO,
    env: { ...process.env, ...env, LIPSYNC_LOG_LEVEL: 'WARN' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

describe('a worker killed with SIGKILL while jobs wait', () => {
  let stack: TestStack;
  let child: ChildProcess | undefined;
  beforeAll(async () => {
    stack = await startTestStack({}, { worker: false });
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await stack?.close();
  });

  test('a new worker finishes every job, with no duplicate render', async () => {
    child = spawnWorkerProcess(stack.workerEnv());
    let childOutput = '';
    child.stdout!.on('data', (chunk) => (childOutput += chunk));
    child.stderr!.on('data', (chunk) => (childOutput += chunk));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child!.once('exit', (_code, signal) => resolve(signal)));

    const ids = await Promise.all([1, 2, 3].map((n) => stack.preview(`crash job ${n}`)));
    for (const id of ids) await stack.sandbox.control.setLipsync(id, { hold: true });
    const handles = await Promise.all(ids.map((id) => stack.orchestrator.startRender(id, { webhookTimeout: '2 minutes', deadline: '5 minutes' })));

    // Every job has its render accepted and waits for its webhook in the doomed worker.
    await eventually(async () => {
      const states = await Promise.all(handles.map((h) => h.query(statusQuery)));
      return states.every((s) => s.phase === 'waiting-for-webhook');
    }, 60_000, `all jobs waiting (worker output: ${childOutput})`);
    const { renders } = await stack.sandbox.control.stats();
    expect(ids.map((id) => renders[id])).toEqual([1, 1, 1]);

    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    // The renders finish while no worker runs: the receiver's Signals are stored by Temporal.
    for (const id of ids) await stack.sandbox.control.setLipsync(id, { hold: false });
    await eventually(async () => {
      const { webhooks } = await stack.sandbox.control.stats();
      return ids.every((id) => webhooks.some((w) => w.lipsyncId === id && w.status === 'done' && w.responseStatus === 200));
    }, 20_000, 'webhooks accepted');

    await stack.restartWorker();
    const results = await Promise.all(handles.map((h) => h.result()));
    const stats = await stack.sandbox.control.stats();
    results.forEach((result, i) => {
      expect(result.output).toContain(ids[i]);
      expect(result.detectedBy).toBe('webhook');
      expect(stats.callsByLipsync[ids[i]!]?.render).toBe(1);
      expect(stats.renders[ids[i]!]).toBe(1);
    });
  });
});
