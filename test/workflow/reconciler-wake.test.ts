/**
 * When the fleet reconciler wakes for its next progress sweep. The reconciler workflow
 * runs on the real dev server; its one activity is a stand-in that answers what a sweep
 * found, so the timer each answer leads to can be read from the history.
 */
import '../support/quiet-runtime';
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { reconcilerConfigSignal, type ReconcilerConfig, type SweepInput, type SweepOutcome } from '../../src/contract/reconciler';
import { reconcileLipsyncs } from '../../src/workflows/reconcile';
import { testWorkflowBundle } from '../support/bundle';
import { eventually } from '../support/stack';
import { startTestWorker, uniqueTaskQueue, type TestWorker } from '../support/temporal';

const config: ReconcilerConfig = { overdueIntervalMs: 1_000, idleIntervalMs: 60_000, progressIntervalMs: 2_000 };
const taskQueue = uniqueTaskQueue('reconciler-wake');
const sweeps: SweepInput[] = [];
const answers: SweepOutcome[] = [];

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
        return answer;
      },
    },
  });
  client = worker.client;
});

afterAll(async () => {
  await worker?.stop();
});

const seconds = (duration: { seconds?: unknown; nanos?: number | null } | null | undefined) => Number(duration?.seconds ?? 0) + (duration?.nanos ?? 0) / 1e9;

test('while every render inside its window is too young for a progress read, the next sweep waits until the first comes of age, not a progress interval', async () => {
  // Two renders inside their window: first both young (the older one reaches the progress
  // interval in 40 s), then one old enough (0), then an answer from a sweep that does not
  // say (as recorded before the field existed).
  const inWindow = { tracked: 2, overdue: 0, listCalls: 0, signalled: 0, nextDueInMs: 600_000 };
  answers.push({ ...inWindow, nextProgressInMs: 40_000 }, { ...inWindow, nextProgressInMs: 0 }, { ...inWindow });
  const handle = await client.workflow.start(reconcileLipsyncs, { workflowId: `reconciler-wake-${randomUUID()}`, taskQueue, args: [{ config }] });
  try {
    const timersStarted = async () => (await handle.fetchHistory()).events?.filter((e) => e.timerStartedEventAttributes).length ?? 0;
    for (const sweep of [1, 2, 3]) {
      await eventually(async () => (await timersStarted()) >= sweep, 20_000, `the wait after sweep ${sweep}`);
      if (sweep < 3) await handle.signal(reconcilerConfigSignal, config); // wakes it for the next sweep
    }
    const history = await handle.fetchHistory();
    const waits = (history.events ?? []).flatMap((e) => (e.timerStartedEventAttributes ? [seconds(e.timerStartedEventAttributes.startToFireTimeout)] : []));
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
