/**
 * Batches: many renders, at most `concurrency` at once, in a parent workflow; every
 * render is the usual tracker under its own id, so the same batch again (or a render
 * already tracked) starts nothing twice.
 */
import { batchIdFor } from '../../src/client/orchestrator';
import type { BatchProgress, TrackingOptions } from '../../src/client';
import { eventually, useTestStack } from '../support/stack';

const FAST: TrackingOptions = { webhookTimeout: '2 seconds', pollInitialInterval: '200 ms', pollMaxInterval: '1 second', deadline: '2 minutes' };

describe('render batches', () => {
  const stack = useTestStack();

  async function finished(batchId: string): Promise<BatchProgress> {
    return eventually(async () => {
      const progress = await stack.orchestrator.batchProgress(batchId);
      return progress.finishedAt ? progress : undefined;
    }, 60_000, 'the batch to finish');
  }

  test('renders every id with at most `concurrency` at once, reports the failed one, and starts nothing twice when re-run', async () => {
    await stack.sandbox.control.reset();
    const ids = await Promise.all([1, 2, 3, 4, 5].map((n) => stack.preview(`batch ${n}`)));
    await stack.sandbox.control.setLipsync(ids[2]!, { outcome: 'failed' });
    // One is already tracked before the batch: the batch follows it, never starts it.
    const tracked = await stack.orchestrator.startRender(ids[4]!, FAST);

    const { batchId } = await stack.orchestrator.startRenders(ids, { concurrency: 2, tracking: FAST });
    expect(batchId).toBe(batchIdFor([...ids].reverse()));
    const seen: number[] = [];
    const progress = await eventually(async () => {
      const p = await stack.orchestrator.batchProgress(batchId);
      seen.push(p.rendering);
      return p.finishedAt ? p : undefined;
    }, 60_000, 'the batch to finish');
    await tracked.result();

    expect(Math.max(...seen)).toBeLessThanOrEqual(2);
    expect(progress).toMatchObject({ total: 5, done: 4, failed: 1, queued: 0, rendering: 0 });
    expect(progress.items.find((i) => i.lipsyncId === ids[2])).toMatchObject({ state: 'failed', outcome: expect.stringMatching(/failed/) });
    expect(progress.items.find((i) => i.lipsyncId === ids[4])).toMatchObject({ state: 'done', started: false });
    // The cap, from the items' own times: never more than two overlapping.
    const spans = progress.items.map((i) => [Date.parse(i.startedAt!), Date.parse(i.endedAt!)] as const);
    for (const [start] of spans) expect(spans.filter(([s, e]) => s <= start && start < e).length).toBeLessThanOrEqual(2);

    const again = await stack.orchestrator.startRenders([...ids].reverse(), { concurrency: 2, tracking: FAST });
    expect(again.batchId).toBe(batchId);
    expect(await finished(again.batchId)).toMatchObject({ done: 4, failed: 1 });
    // A different batch holding the same ids follows them all, starting none.
    const other = await stack.orchestrator.startRenders(ids.slice(0, 2), { concurrency: 1 });
    expect((await finished(other.batchId)).items.map((i) => [i.state, i.started])).toEqual([['done', false], ['done', false]]);

    const stats = await stack.sandbox.control.stats();
    for (const id of ids) expect(stats.callsByLipsync[id]?.render).toBe(1);
  });
});
