/**
 * A worker SIGKILLed between the approval and the render: the decision is in history
 * (an Update), so a new worker renders exactly once, without asking again, and the job
 * is not lost.
 */
import type { ChildProcess } from 'node:child_process';
import type { TrackingOptions } from '../../src/client';
import { statusQuery } from '../../src/contract/messages';
import { demoRequest, eventually } from '../support/stack';
import { useProcessWorkerStack } from '../support/worker-process';

const FAST: TrackingOptions = { webhookTimeout: '2 seconds', pollInitialInterval: '200 ms', pollMaxInterval: '1 second', deadline: '2 minutes' };

describe('a worker killed between approval and render', () => {
  const workers = useProcessWorkerStack();

  async function kill(child: ChildProcess): Promise<void> {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  test('killed right after the approval: a new worker renders once', async () => {
    const { stack } = workers;
    const child = workers.spawnWorker();
    // The deadline leaves room for the watch below (65 s after the killed POST) on a busy
    // machine: with 2 minutes, a CI run with three test files side by side ran out of it.
    const { lipsync, handle } = await stack.orchestrator.previewForApproval(demoRequest('crash after approval', 'https://x.example/'), { tracking: { ...FAST, deadline: '4 minutes' } });
    await eventually(async () => (await stack.orchestrator.getStatus(lipsync.id)).state?.status === 'awaiting_approval', 30_000, 'awaiting approval');
    // The render POST is held, so the kill lands before Creatify has done anything.
    await stack.sandbox.control.addFault({ endpoint: 'render', kind: 'hang', delayMs: 3_000, lipsyncId: lipsync.id });
    await stack.orchestrator.approve(lipsync.id, { by: 'crash test' });
    await kill(child);

    workers.spawnWorker();
    const result = await handle.result();
    expect(result.output).toContain(lipsync.id);
    const state = await handle.query(statusQuery);
    expect(state.approval).toMatchObject({ decision: 'approved', by: 'crash test' });
    const stats = await stack.sandbox.control.stats();
    expect(stats.renders[lipsync.id]).toBe(1);
    // The killed worker's POST may have been in flight at its heartbeat: then the new one
    // watches the record until 65 s after that POST was sent before it POSTs (it may still
    // be taken up), so this takes up to a minute and a half, and longer on a busy machine.
  }, 300_000);

  test('killed while the render POST is being answered (after Creatify did the work): never paid twice', async () => {
    const { stack } = workers;
    const child = workers.spawnWorker();
    const { lipsync, handle } = await stack.orchestrator.previewForApproval(demoRequest('crash during render', 'https://x.example/'), { tracking: FAST });
    await eventually(async () => (await stack.orchestrator.getStatus(lipsync.id)).state?.status === 'awaiting_approval', 30_000, 'awaiting approval');
    await stack.sandbox.control.addFault({ endpoint: 'render', kind: 'slow', after: true, delayMs: 10_000, lipsyncId: lipsync.id });
    await stack.orchestrator.approve(lipsync.id);
    await eventually(async () => (await stack.sandbox.control.stats()).renders[lipsync.id] === 1, 20_000, 'the render done by Creatify');
    await kill(child);

    workers.spawnWorker();
    const result = await handle.result();
    expect(result.output).toContain(lipsync.id);
    const stats = await stack.sandbox.control.stats();
    expect(stats.renders[lipsync.id]).toBe(1);
    expect((await handle.query(statusQuery)).approval?.decision).toBe('approved');
  }, 180_000); // two worker processes start (ts-node) and the killed attempt's heartbeat times out
});
