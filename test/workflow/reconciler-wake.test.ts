/**
 * When the fleet reconciler wakes for its next sweep. The reconciler workflow
 * runs on the real dev server; its one activity is a stand-in that answers what a sweep
 * found, so the timer each answer leads to can be read from the history.
 */
import '../support/quiet-runtime';
import { randomUUID } from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { reconcilerConfigSignal, type ReconcilerConfig, type SweepInput, type SweepOutcome } from '../../src/contract/reconciler';
import { reconcileLipsyncs } from '../../src/workflows/reconcile';
import { testWorkflowBundle } from '../support/bundle';
import { eventually } from '../support/stack';
import { startTestWorker, uniqueTaskQueue, type TestWorker } from '../support/temporal';

const config: ReconcilerConfig = { overdueIntervalMs: 1_000, idleIntervalMs: 60_000, progressIntervalMs: 2_000 };
const taskQueue = uniqueTaskQueue('reconciler-wake');
const sweeps: SweepInput[] = [];
/** What each sweep answers, and how long the stand-in takes to answer it. */
const answers: Array<SweepOutcome & { takesMs?: number }> = [];

let client: Client;
let worker: TestWorker;

beforeAll(async () => {
  worker = await startTestWorker({
    taskQueue,
    workflowBundle: testWorkflowBundle(),
    activities: {
      async sweepLipsyncs(input: SweepInput): Promise<SweepOutcome> {
        sweeps.push(input);
        const answer = answers.shift();
        if (!answer) throw new Error('the test gave no answer for this sweep');
        const { takesMs, ...outcome } = answer;
        if (takesMs) await new Promise((resolve) => setTimeout(resolve, takesMs));
        return outcome;
      },
    },
  });
  client = worker.client;
});

afterAll(async () => {
  await worker?.stop();
});

/** The reconciler's timers, in seconds, once it has started `count` of them (each sweep after the first woken by a signal). */
async function waitsAfterSweeps(handle: WorkflowHandle, count: number, sameConfig: ReconcilerConfig): Promise<number[]> {
  const timersStarted = async () => (await handle.fetchHistory()).events?.filter((e) => e.timerStartedEventAttributes).length ?? 0;
  for (let sweep = 1; sweep <= count; sweep++) {
    await eventually(async () => (await timersStarted()) >= sweep, 20_000, `the wait after sweep ${sweep}`);
    if (sweep < count) await handle.signal(reconcilerConfigSignal, sameConfig); // wakes it for the next sweep
  }
  const history = await handle.fetchHistory();
  return (history.events ?? []).flatMap((e) => (e.timerStartedEventAttributes ? [seconds(e.timerStartedEventAttributes.startToFireTimeout)] : []));
}

const seconds = (duration: { seconds?: unknown; nanos?: number | null } | null | undefined) => Number(duration?.seconds ?? 0) + (duration?.nanos ?? 0) / 1e9;

test('while every render inside its window is too young for a progress read, the next sweep waits until the first comes of age, not a progress interval', async () => {
  // Two renders inside their window: first both young (the older one reaches the progress
  // interval in 40 s), then one old enough (0), then an answer from a sweep that does not
  // say (as recorded before the field existed).
  const inWindow = { tracked: 2, overdue: 0, listCalls: 0, signalled: 0, nextDueInMs: 600_000 };
  answers.push({ ...inWindow, nextProgressInMs: 40_000 }, { ...inWindow, nextProgressInMs: 0 }, { ...inWindow });
  const handle = await client.workflow.start(reconcileLipsyncs, { workflowId: `reconciler-wake-${randomUUID()}`, taskQueue, args: [{ config }] });
  try {
    const waits = await waitsAfterSweeps(handle, 3, config);
    expect(waits).toHaveLength(3);
    expect(waits[0]).toBeGreaterThanOrEqual(40);
    expect(waits[0]).toBeLessThan(41);
    expect(waits[1]).toBeLessThanOrEqual(config.progressIntervalMs / 1000);
    expect(waits[2]).toBeLessThanOrEqual(config.progressIntervalMs / 1000);
    expect(sweeps.map((s) => s.progressAfterMs)).toEqual([2_000, 2_000, 2_000]);
  } finally {
    await handle.terminate('test over');
  }
});

test('the overdue interval counts from the start of the sweep before, so a slow sweep does not stretch the time between reads', async () => {
  // Renders past their window; the stand-in sweep takes 1.5 s, then 5 s (longer than the 4 s interval).
  const slow: ReconcilerConfig = { overdueIntervalMs: 4_000, idleIntervalMs: 60_000, progressIntervalMs: 60_000 };
  const overdue = { tracked: 2, overdue: 2, listCalls: 1, signalled: 0, nextDueInMs: null, nextProgressInMs: null };
  answers.push({ ...overdue, takesMs: 1_500 }, { ...overdue, takesMs: 5_000 });
  const handle = await client.workflow.start(reconcileLipsyncs, { workflowId: `reconciler-period-${randomUUID()}`, taskQueue, args: [{ config: slow }] });
  try {
    const waits = await waitsAfterSweeps(handle, 2, slow);
    expect(waits).toHaveLength(2);
    // 4 s less the 1.5 s the sweep took (and the tasks around it).
    expect(waits[0]).toBeLessThanOrEqual(2.5);
    expect(waits[0]).toBeGreaterThan(1.5);
    // A sweep longer than its interval: a tenth of the interval before the next, not none.
    expect(waits[1]).toBeCloseTo(0.4, 2);
  } finally {
    await handle.terminate('test over');
  }
});
