import { statusQuery } from '../../src/contract/messages';
import { reconcilerWorkflowId, type ReconcilerConfig } from '../../src/contract/reconciler';
import type { TrackingOptions } from '../../src/client';
import type { LipsyncStatus, SandboxSettingsPatch } from '../../src/sandbox';
import { eventually, useTestStack } from '../support/stack';

// The fleet reconciler: with every webhook lost, renders are read through the list
// endpoint (100 ids a call) and closed by its signals, not by per-render polls.

const RECONCILER: ReconcilerConfig = { overdueIntervalMs: 300, idleIntervalMs: 2_000, progressIntervalMs: 1_000 };
// pollMaxInterval is the silence after which a tracker polls by itself: long here, so
// only the reconciler can close these jobs.
const FOLLOWED: TrackingOptions = { webhookTimeout: '1 second', pollInitialInterval: '1 second', pollMaxInterval: '1 minute', deadline: '2 minutes' };

describe('fleet reconciliation', () => {
  const stack = useTestStack({ webhooks: { drop: 1 } }, { reconciler: RECONCILER });

  async function renderAll(count: number, options: TrackingOptions = FOLLOWED) {
    const ids = await Promise.all(Array.from({ length: count }, (_, i) => stack.preview(`fleet ${i}`)));
    const handles = await Promise.all(ids.map((id) => stack.orchestrator.startRender(id, options)));
    const results = await Promise.all(handles.map((h) => h.result()));
    return { ids, handles, results };
  }

  test.each<[string, SandboxSettingsPatch]>([
    ['a plain array (documented)', {}],
    ['a paginated envelope, in reverse order', { listShape: 'paginated', listOrder: 'reversed' }],
    ['the order asked', { listOrder: 'asked' }],
  ])('all webhooks lost, the list answering as %s: every render closes by the reconciler, ≤ 2.2 calls per render', async (_name, reading) => {
    await stack.sandbox.control.reset({ webhooks: { drop: 1 }, ...reading });
    const { ids, results } = await renderAll(12);

    const stats = await stack.sandbox.control.stats();
    for (const [i, id] of ids.entries()) {
      expect(results[i]).toMatchObject({ detectedBy: 'poll', polls: 0, output: expect.stringContaining(id) });
      expect(stats.renders[id]).toBe(1);
      expect(stats.callsByLipsync[id]?.get).toBe(1); // the snapshot before the POST, nothing more
    }
    const perRender = (stats.calls.get + stats.calls.render + stats.calls.list) / ids.length;
    expect(stats.calls.list).toBeGreaterThan(0);
    expect(perRender).toBeLessThanOrEqual(2.2 + 10 / ids.length); // a few sweeps while renders run, shared by all
  });

  // A DRF PageNumberPagination of 5 answers 12 ids in 3 pages: the sweep must read all of
  // them, not only the first page's (the others would hear nothing until their own polls).
  test('a paginated list with pages smaller than the batch: every tracker past its window hears from the reconciler', async () => {
    await stack.sandbox.control.reset({ webhooks: { drop: 1 }, listShape: 'paginated', listPageSize: 5 });
    const ids = await Promise.all(Array.from({ length: 12 }, (_, i) => stack.preview(`paged ${i}`)));
    for (const id of ids) await stack.sandbox.control.setLipsync(id, { hold: true });
    const handles = await Promise.all(ids.map((id) => stack.orchestrator.startRender(id, FOLLOWED)));
    const observed = async () => (await Promise.all(handles.map(async (h) => (await h.query(statusQuery)).observations ?? 0))).filter((n) => n > 0).length;
    await eventually(async () => (await observed()) === ids.length, 20_000, 'every held render read by the reconciler');
    for (const id of ids) await stack.sandbox.control.setLipsync(id, { hold: false });
    const results = await Promise.all(handles.map((h) => h.result()));
    const stats = await stack.sandbox.control.stats();
    for (const [i, id] of ids.entries()) {
      expect(results[i]).toMatchObject({ detectedBy: 'poll', polls: 0, output: expect.stringContaining(id) });
      expect(stats.renders[id]).toBe(1);
    }
  });

  test('a list that refuses an id it does not know (deleted at Creatify) does not stop the reconciler: the other renders still close by it', async () => {
    await stack.sandbox.control.reset({ webhooks: { drop: 1 }, listUnknownIds: 'refuse' });
    const [kept, deleted] = await Promise.all([stack.preview('fleet: kept'), stack.preview('fleet: deleted at Creatify')]);
    const keptHandle = await stack.startHeldRender(kept!, FOLLOWED);
    await stack.orchestrator.startRender(deleted!, FOLLOWED);
    await eventually(async () => (await stack.sandbox.control.stats()).renders[deleted!] === 1, 10_000, 'the render of the one to delete');
    await stack.sandbox.control.deleteLipsync(deleted!);
    const listsBefore = (await stack.sandbox.control.stats()).calls.list;
    await eventually(async () => ((await keptHandle.query(statusQuery)).observations ?? 0) >= 2, 20_000, 'reads of the kept render after the deletion');
    expect((await stack.sandbox.control.stats()).calls.list).toBeGreaterThan(listsBefore);
    await stack.sandbox.control.setLipsync(kept!, { hold: false });
    expect(await keptHandle.result()).toMatchObject({ detectedBy: 'poll', polls: 0, output: expect.stringContaining(kept!) });
    const reconciler = await stack.client.workflow.getHandle(reconcilerWorkflowId(stack.taskQueue)).describe();
    expect(reconciler.status.name).toBe('RUNNING');
    await stack.orchestrator.cancel(deleted!);
  });

  // An end under a word the docs do not name (`succeeded`) on a list without `output` looks
  // like a stage to the list alone: learned as one, the job would wait for its deadline.
  test.each<[string, SandboxSettingsPatch]>([
    ['done', {}],
    ['an end named `succeeded`', { endStatusAs: { done: 'succeeded' } }],
  ])('a list serializer without output, the end called %s: the end is confirmed by one GET per render', async (_name, reading) => {
    await stack.sandbox.control.reset({ webhooks: { drop: 1 }, listFields: 'summary', ...reading });
    const { ids, results } = await renderAll(3);
    const stats = await stack.sandbox.control.stats();
    for (const [i, id] of ids.entries()) {
      expect(results[i]).toMatchObject({ detectedBy: 'poll', polls: 0, output: expect.stringContaining(id) });
      expect(stats.renders[id]).toBe(1);
      expect(stats.callsByLipsync[id]?.get).toBe(2); // the snapshot, and the one GET that confirms
    }
  });

  test('a 429 from the list endpoint is waited out (Retry-After), and the renders still close', async () => {
    await stack.sandbox.control.reset({ webhooks: { drop: 1 } });
    await stack.sandbox.control.addFault({ endpoint: 'list', kind: 'rate-limit', retryAfter: '2', times: 1 });
    const { ids, results } = await renderAll(3);
    const stats = await stack.sandbox.control.stats();
    expect(stats.faultsInjected.filter((f) => f.endpoint === 'list')).toHaveLength(1);
    for (const [i, id] of ids.entries()) {
      expect(results[i]).toMatchObject({ detectedBy: 'poll', polls: 0 });
      expect(stats.renders[id]).toBe(1);
    }
  });

  /** A render inside a long webhook window, its record held at `record` once the POST went through. */
  async function heldInWindow(name: string, record: { status: LipsyncStatus; progress: number }, reading: SandboxSettingsPatch = {}) {
    await stack.sandbox.control.reset({ webhooks: { drop: 1 }, ...reading });
    const id = await stack.preview(name);
    const handle = await stack.startHeldRender(id, { ...FOLLOWED, webhookTimeout: '1 minute' });
    await eventually(async () => (await stack.sandbox.control.stats()).renders[id] === 1, 10_000, 'render');
    await stack.sandbox.control.setLipsync(id, { hold: true, ...record });
    return { id, handle };
  }

  /** As heldInWindow, running at `progress`, until the reconciler has told its tracker. */
  async function heldRunning(name: string, progress: number, reading: SandboxSettingsPatch = {}) {
    const { id, handle } = await heldInWindow(name, { status: 'running', progress }, reading);
    const state = await eventually(async () => {
      const s = await handle.query(statusQuery);
      return s.progress === progress ? s : undefined;
    }, 10_000, `progress ${progress} from the reconciler`);
    return { id, handle, state };
  }

  test('progress of a running render is refreshed from the list while its webhook window is open', async () => {
    const { id, handle, state } = await heldRunning('progress', 0.4);
    expect(state).toMatchObject({ status: 'running', polls: 0, webhooksReceived: 0 });
    expect(state.observations).toBeGreaterThan(0);
    await stack.sandbox.control.setLipsync(id, { status: 'done' });
    const result = await handle.result();
    expect(result.detectedBy).toBe('poll');
  });

  test('a running stage named "processing" (a name the docs do not list) read on the list is a stage: its progress shows, and no GET checks it', async () => {
    const { id, handle } = await heldRunning('processing stage', 0.4, { runningStatusAs: 'processing' });
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    await stack.sandbox.control.setLipsync(id, { progress: 0.65 });
    await eventually(async () => ((await handle.query(statusQuery)).progress === 0.65 ? true : undefined), 10_000, 'progress 0.65');
    // Checked as a claim of an end, each read of it would cost a GET.
    expect((await stack.sandbox.control.stats()).callsByLipsync[id]?.get).toBe(1); // the snapshot before the POST
    await stack.sandbox.control.setLipsync(id, { status: 'done' });
    expect((await handle.result()).detectedBy).toBe('poll');
    expect((await stack.sandbox.control.stats()).callsByLipsync[id]?.get).toBe(1);
  });

  test.each<[string, SandboxSettingsPatch]>([
    ['a decimal string (new docs)', {}],
    ['a number (old docs)', { progressAs: 'number' }],
    ['a number 0–100', { progressAs: 'percent' }],
    ['a percentage with its sign ("41%")', { progressAs: 'percent-string' }],
  ])('inside the webhook window, progress read as %s is signalled when it crosses a fifth, not on every move (each signal costs the tracker a task)', async (_name, reading) => {
    const { id, handle, state: first } = await heldRunning('progress steps', 0.41, reading);
    // Within the same fifth: three progress sweeps (1 s apart) say nothing new to the tracker.
    await stack.sandbox.control.setLipsync(id, { progress: 0.55 });
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    const same = await handle.query(statusQuery);
    expect(same).toMatchObject({ progress: 0.41, observations: first.observations });
    await stack.sandbox.control.setLipsync(id, { progress: 0.62 });
    await eventually(async () => ((await handle.query(statusQuery)).progress === 0.62 ? true : undefined), 10_000, 'progress 0.62');
    await stack.sandbox.control.setLipsync(id, { status: 'done' });
    expect((await handle.result()).detectedBy).toBe('poll');
  });

  // Creatify's readings of progress, status and the list (creatify-api.md §3.6, §5, §4.5 [I]/[U]).
  // `told`: whether the step to running at 15% is news (a status name we do not know is
  // checked as a claim); `listsProgress`: whether the list carries progress at all.
  test.each<[string, SandboxSettingsPatch, { told: boolean; listsProgress: boolean }]>([
    ['the documented list', {}, { told: false, listsProgress: true }],
    ['progress as a number', { progressAs: 'number' }, { told: false, listsProgress: true }],
    ['progress as a number 0–100', { progressAs: 'percent' }, { told: false, listsProgress: true }],
    ['running as "processing"', { runningStatusAs: 'processing' }, { told: true, listsProgress: true }],
    ['a list without progress or output', { listFields: 'summary' }, { told: false, listsProgress: false }],
  ])('inside the webhook window, a render in its first fifth at a documented stage is not signalled; a new fifth or its end is (%s)', async (_name, reading, { told, listsProgress }) => {
    const { id, handle } = await heldInWindow('first fifth', { status: 'pending', progress: 0 }, reading);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    // From pending to running at 15%: three progress sweeps (1 s apart) read it.
    await stack.sandbox.control.setLipsync(id, { status: 'running', progress: 0.15 });
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    const quiet = await handle.query(statusQuery);
    if (told) expect(quiet.observations ?? 0).toBeGreaterThan(0);
    else expect(quiet.observations ?? 0).toBe(0);
    // A stage name we do not know still carries the API's progress, which the tracker shows.
    expect(quiet.progress).toBe(told ? 0.15 : 0);
    await stack.sandbox.control.setLipsync(id, { progress: 0.25 });
    if (listsProgress) {
      const heard = await eventually(async () => {
        const s = await handle.query(statusQuery);
        return (s.observations ?? 0) > (quiet.observations ?? 0) ? s : undefined;
      }, 10_000, 'a signal at 25%');
      expect(heard.progress).toBe(0.25);
    } else {
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      expect((await handle.query(statusQuery)).observations ?? 0).toBe(0);
    }
    // The end is told inside the window too (from the light list: `done` without its output, checked by a GET).
    await stack.sandbox.control.setLipsync(id, { status: 'done' });
    expect((await handle.result()).detectedBy).toBe('poll');
  });

  // Creatify's undocumented readings (creatify-api.md [U]/[I]), each with every webhook lost.
  test.each<[string, SandboxSettingsPatch]>([
    ['a preview left pending, with a media job', { previewStatus: 'pending', mediaJobAtPreview: true, renderMediaJob: 'keep' }],
    ['a stale render answer, applied 1.5 s later', { renderResponse: 'stale', renderApplyDelayMs: 1_500 }],
    ['running as "processing", progress as a number', { runningStatusAs: 'processing', progressAs: 'number' }],
    ['progress as a number 0–100', { progressAs: 'percent' }],
    ['credits_used kept, progress not reset at render', { creditsUsedOnRender: 'keep', renderResetsProgress: false, previewProgress: 0.5 }],
    ['a second render charged again', { secondRender: 'charge' }],
  ])('reading: %s — every render closes by the reconciler, paid once', async (_name, reading) => {
    await stack.sandbox.control.reset({ webhooks: { drop: 1 }, ...reading });
    const { ids, results } = await renderAll(4);
    const stats = await stack.sandbox.control.stats();
    for (const [i, id] of ids.entries()) {
      expect(results[i]).toMatchObject({ detectedBy: 'poll', polls: 0, output: expect.stringContaining(id) });
      expect(stats.renders[id]).toBe(1);
    }
  });

  test.each<[string, SandboxSettingsPatch, number]>([
    ['the documented list', {}, 0],
    ['a list without progress, after a preview at 50%', { listFields: 'summary', previewProgress: 0.5 }, 0.5],
    ['a preview left pending', { previewStatus: 'pending' }, 0],
  ])('%s: a render whose POST never showed is re-judged on the reconciler\'s reads, and rendered once', async (_name, reading, previewProgress) => {
    await stack.sandbox.control.reset({ webhooks: { drop: 1 }, ...reading });
    const id = await stack.preview('fleet self-healing');
    // As in exactly-once.test.ts: a throttled POST, then only updated_at moves, so the
    // retry judges "started" on weak evidence. No render shows; the reconciler's reads
    // must lead to a re-judgement and one real POST.
    await stack.sandbox.control.addFault({ endpoint: 'render', kind: 'rate-limit', retryAfter: '3', lipsyncId: id });
    const handle = await stack.orchestrator.startRender(id, { ...FOLLOWED, pollInitialInterval: '300 ms' });
    await eventually(async () => (await stack.sandbox.control.stats()).faultsInjected.some((f) => f.lipsyncId === id), 5_000, 'the 429');
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // updated_at has one-second resolution
    await stack.sandbox.control.setLipsync(id, { progress: previewProgress }); // touches updated_at only
    const result = await handle.result();
    expect(result.output).toContain(id);
    const state = await handle.query(statusQuery);
    expect(state).toMatchObject({ rejudgements: 1, renderPosts: 1, polls: 0 });
    const stats = await stack.sandbox.control.stats();
    expect(stats.renders[id]).toBe(1);
  });

  test('with the reconciler gone quiet, a tracker polls by itself after pollMaxInterval', async () => {
    await stack.sandbox.control.reset({ webhooks: { drop: 1 } });
    await stack.client.workflow.getHandle(reconcilerWorkflowId(stack.taskQueue)).terminate('test: reconciler down');
    try {
      const { results } = await renderAll(1, { ...FOLLOWED, pollInitialInterval: '500 ms', pollMaxInterval: '2 seconds' });
      expect(results[0]).toMatchObject({ detectedBy: 'poll' });
      expect(results[0]!.polls).toBeGreaterThanOrEqual(1);
    } finally {
      await stack.restartWorker(); // starts the reconciler again for the tests after this one
    }
  });
});
