/**
 * The reconciler's progress sweep reads a render inside its webhook window only once its
 * tracker has run a progress interval: before that it is in its first fifth, and the read
 * would be a list call for nothing (for a render alone, a whole call). Renders past their
 * window are read whatever their age. The sweep activity on a fake visibility listing and
 * a fake Creatify list.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import type { Client } from '@temporalio/client';
import { createSweepActivities } from '../../src/activities/sweep';
import { workflowIdFor } from '../../src/contract/lipsync-id';
import { LIPSYNC_POLL_FROM, type SweepInput, type SweepOutcome } from '../../src/contract/reconciler';
import type { CreatifyClient, Lipsync } from '../../src/creatify';

const PROGRESS_MS = 60_000;
const YOUNG = '0a4c3c1e-2d39-4c5a-9d55-6f6f0c1a0001';
const OLD = '0a4c3c1e-2d39-4c5a-9d55-6f6f0c1a0002';
const OVERDUE_YOUNG = '0a4c3c1e-2d39-4c5a-9d55-6f6f0c1a0003';

interface TrackedRender {
  id: string;
  startedMsAgo: number;
  pollFromIn: number;
}
const young: TrackedRender = { id: YOUNG, startedMsAgo: 5_000, pollFromIn: 600_000 };
const old: TrackedRender = { id: OLD, startedMsAgo: 90_000, pollFromIn: 600_000 };
// Past its (short) window: read for what it shows, young or not.
const overdueYoung: TrackedRender = { id: OVERDUE_YOUNG, startedMsAgo: 5_000, pollFromIn: -1_000 };

function fleet(now: number, tracked: TrackedRender[] = [young, old, overdueYoung]) {
  const infos = tracked.map((t) => ({
    workflowId: workflowIdFor(t.id),
    startTime: new Date(now - t.startedMsAgo),
    typedSearchAttributes: { get: (key: { name: string }) => (key.name === LIPSYNC_POLL_FROM.name ? new Date(now + t.pollFromIn) : undefined) },
  }));
  const signalled: string[] = [];
  const client = {
    workflow: {
      async *list() {
        yield* infos;
      },
      getHandle: (workflowId: string) => ({ signal: async () => void signalled.push(workflowId) }),
    },
  } as unknown as Client;
  const listed: string[][] = [];
  const creatify: Pick<CreatifyClient, 'list'> = {
    list: async (ids) => {
      listed.push([...ids]);
      return ids.map((id) => ({ id, status: 'running', progress: 0.5, output: null }) as unknown as Lipsync);
    },
  };
  return { activities: createSweepActivities(client, creatify), listed, signalled };
}

describe('the progress sweep and young renders', () => {
  const input = (includeWithinWindow: boolean): SweepInput => ({ taskQueue: 'q', includeWithinWindow, resendAfterMs: PROGRESS_MS });

  test('a progress sweep reads the render that has run a progress interval, and the overdue one, not the one started 5 s ago', async () => {
    const { activities, listed, signalled } = fleet(Date.now());
    const outcome = await new MockActivityEnvironment().run(activities.sweepLipsyncs, input(true));
    expect(listed).toEqual([[OLD, OVERDUE_YOUNG]]);
    expect(outcome).toMatchObject({ tracked: 3, overdue: 1, listCalls: 1 });
    expect(signalled.sort()).toEqual([workflowIdFor(OLD), workflowIdFor(OVERDUE_YOUNG)].sort());
  });

  test('a sweep that is not a progress sweep reads only the overdue render', async () => {
    const { activities, listed } = fleet(Date.now());
    await new MockActivityEnvironment().run(activities.sweepLipsyncs, input(false));
    expect(listed).toEqual([[OVERDUE_YOUNG]]);
  });

  test('the age a render needs before a progress read is the input\'s progressAfterMs when given', async () => {
    const { activities, listed } = fleet(Date.now());
    await new MockActivityEnvironment().run(activities.sweepLipsyncs, { ...input(true), progressAfterMs: 3_000 });
    expect(listed).toEqual([[YOUNG, OLD, OVERDUE_YOUNG]]);
  });

  test('the sweep says how long until the first render inside its window is old enough for a progress read', async () => {
    const env = new MockActivityEnvironment();
    const sweep = (tracked: TrackedRender[] | undefined, within: boolean) => env.run(fleet(Date.now(), tracked).activities.sweepLipsyncs, input(within)) as Promise<SweepOutcome>;
    const onlyYoung = await sweep([young, overdueYoung], true);
    expect(onlyYoung.nextProgressInMs).toBeGreaterThan(PROGRESS_MS - 5_000 - 2_000);
    expect(onlyYoung.nextProgressInMs).toBeLessThanOrEqual(PROGRESS_MS - 5_000);
    const withOld = await sweep(undefined, true);
    expect(withOld.nextProgressInMs).toBe(0);
    const noneInWindow = await sweep([overdueYoung], false);
    expect(noneInWindow.nextProgressInMs).toBeNull();
  });
});
