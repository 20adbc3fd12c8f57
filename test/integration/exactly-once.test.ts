/**
 * Every render happens exactly once, whatever Creatify's undocumented shapes (sandbox
 * readings) and whatever happens to the render POST (faults before and after the work):
 * one charged render, the job ends `done` with the right URL. Refused renders and renders
 * that show late are in exactly-once-refusals and exactly-once-shown-late.
 */
import type { Fault, SandboxSettingsPatch } from '../../src/sandbox';
import { eventually, useTestStack, type TestStack } from '../support/stack';
import { CLIENT_TIMEOUT_MS, expectVideoPaidOnce, FAST } from '../support/exactly-once';

// Each plausible reading of what a previewed lipsync looks like, and of what render does to it.
const PREVIEW_SHAPES: Array<[string, SandboxSettingsPatch]> = [
  ['done, no media_job (the docs\' example)', {}],
  ['pending, media_job set at preview and kept by render', { previewStatus: 'pending', mediaJobAtPreview: true, renderMediaJob: 'keep' }],
  ['done with media_job, replaced by render, stale render response', { mediaJobAtPreview: true, renderMediaJob: 'replace', renderResponse: 'stale' }],
  ['pending with media_job kept, credits_used not moved, progress 0.3 kept', {
    previewStatus: 'pending', mediaJobAtPreview: true, renderMediaJob: 'keep', creditsUsedOnRender: 'keep', previewProgress: 0.3, renderResetsProgress: false,
  }],
  ['as above, and the render applied 500 ms after the answer', {
    previewStatus: 'pending', mediaJobAtPreview: true, renderMediaJob: 'keep', creditsUsedOnRender: 'keep', renderApplyDelayMs: 500,
  }],
];

const SECOND_RENDER = ['reject', 'idempotent', 'charge'] as const;

// What can happen to the render POST, before Creatify does any work and after it.
const RENDER_FAULTS: Array<[string, Omit<Fault, 'endpoint' | 'lipsyncId'> | null]> = [
  ['no fault', null],
  ['500 before the work', { kind: 'server-error', status: 500 }],
  ['502 before the work', { kind: 'server-error', status: 502 }],
  ['429 with Retry-After', { kind: 'rate-limit', retryAfter: '1' }],
  ['connection reset before the work', { kind: 'reset' }],
  ['timeout before the work', { kind: 'hang', delayMs: CLIENT_TIMEOUT_MS + 500 }],
  ['504 after the work', { kind: 'server-error', status: 504, after: true }],
  ['response lost after the work', { kind: 'lost-response' }],
  ['timeout after the work', { kind: 'slow', after: true, delayMs: CLIENT_TIMEOUT_MS + 500 }],
];

describe('exactly one render, across every preview shape and render-POST fault', () => {
  // One stack per second-render policy, so the three run side by side (the waits are
  // retries and settles, not CPU). In this table a POST that timed out ends at the sandbox
  // 1.5 s after it was sent (dropped before any work, or done before the late answer), so
  // the watch after it is 10 s here, not 65: the same logic, a minute less per shape. The
  // 65 s itself is held to a POST taken up 15 s late, below.
  const stacks = SECOND_RENDER.map(() => useTestStack({}, { creatifyTimeoutMs: CLIENT_TIMEOUT_MS, slowPostSettleMs: 10_000 }));

  async function renderEveryFault(stack: TestStack, settings: SandboxSettingsPatch) {
    await stack.sandbox.control.reset(settings);
    const jobs = [];
    for (const [label, fault] of RENDER_FAULTS) {
      const id = await stack.preview(`exactly once: ${label}`);
      if (fault) await stack.sandbox.control.addFault({ ...fault, endpoint: 'render', lipsyncId: id });
      jobs.push({ label, id });
    }
    const results = await Promise.all(
      jobs.map(async ({ label, id }) => {
        const result: { output: string } | Error = await (await stack.orchestrator.startRender(id, FAST)).result().catch((err: Error) => err);
        return { label, id, result };
      }),
    );
    const stats = await stack.sandbox.control.stats();
    const outcomes = await Promise.all(
      results.map(async ({ label, id, result }) => {
        const record = await stack.sandbox.control.lipsync(id);
        const output = result instanceof Error ? `error: ${result.message}` : result.output;
        return { label, renders: stats.renders[id] ?? 0, rightUrl: output === record.output && typeof output === 'string' };
      }),
    );
    const injected = stats.faultsInjected.filter((f) => f.endpoint === 'render').length;
    return { outcomes, injected };
  }

  test.each(PREVIEW_SHAPES)('preview %s; a second render POST answered 400, idempotently, or charged again', async (_shape, settings) => {
    const runs = await Promise.all(SECOND_RENDER.map((secondRender, i) => renderEveryFault(stacks[i]!, { ...settings, secondRender })));
    // One line per policy and fault, so a failure names the combination.
    const expected = RENDER_FAULTS.map(([label]) => ({ label, renders: 1, rightUrl: true }));
    expect(runs.map((run, i) => [SECOND_RENDER[i], run.outcomes])).toEqual(SECOND_RENDER.map((policy) => [policy, expected]));
    for (const run of runs) expect(run.injected).toBe(RENDER_FAULTS.filter(([, fault]) => fault).length);
    // A POST our client timed out on may still be taken up: its retry watches the record
    // until 10 s (here) after it was sent before it POSTs again.
  }, 90_000);
});
describe('a render POST that Creatify takes up after our client gave up on it', () => {
  // The client's own 5 s timeout (the stack's default): long enough for the activity's heartbeat (2 s) to see the POST in flight.
  const stack = useTestStack();

  test.each(['charge', 'reject'] as const)('held 15 s before any work: the retry watches the record instead of POSTing again (second render: %s)', async (secondRender) => {
    await stack.sandbox.control.reset({ secondRender });
    const id = await stack.preview(`slow to be taken (${secondRender})`);
    await stack.sandbox.control.addFault({ endpoint: 'render', kind: 'slow', delayMs: 15_000, lipsyncId: id });
    const result = await (await stack.orchestrator.startRender(id, FAST)).result();
    await expectVideoPaidOnce(stack, id, result);
  }, 90_000);

  test('a passing 404 on the reads of that watch does not end the job: it watches on, and the render is tracked, paid once', async () => {
    await stack.sandbox.control.reset({ secondRender: 'charge' });
    const id = await stack.preview('slow to be taken, refused reads');
    await stack.sandbox.control.addFault({ endpoint: 'render', kind: 'slow', delayMs: 12_000, lipsyncId: id });
    const handle = await stack.orchestrator.startRender(id, FAST);
    // Armed once the POST is on its way: the snapshot before it must stay a strict read.
    await eventually(async () => ((await stack.sandbox.control.stats()).callsByLipsync[id]?.render ?? 0) >= 1 || undefined, 20_000, 'the render POST');
    await stack.sandbox.control.addFault({ endpoint: 'get', kind: 'refused', refusedStatus: 404, lipsyncId: id, times: 2 });
    const result = await handle.result();
    expect(result.output).toBe((await stack.sandbox.control.lipsync(id)).output);
    const stats = await stack.sandbox.control.stats();
    expect(stats.faultsInjected.filter((f) => f.kind === 'refused')).toHaveLength(2);
    expect(stats.renders[id]).toBe(1);
    expect(stats.callsByLipsync[id]?.render).toBe(1);
  }, 90_000);
});
