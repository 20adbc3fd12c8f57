/**
 * Every render happens exactly once, whatever Creatify's undocumented shapes (sandbox
 * readings) and whatever happens to the render POST (faults before and after the work):
 * one charged render, the job ends `done` with the right URL. Also: a refused render
 * ends as a typed failure, and a render wrongly judged started heals itself.
 */
import type { Fault, SandboxSettingsPatch } from '../../src/sandbox';
import { RenderError, type TrackingOptions } from '../../src/client';
import { statusQuery } from '../../src/contract/messages';
import { eventually, useTestStack, type TestStack } from '../support/stack';

const CLIENT_TIMEOUT_MS = 1_000;
const FAST: TrackingOptions = { webhookTimeout: '2 seconds', pollInitialInterval: '200 ms', pollMaxInterval: '1 second', deadline: '2 minutes' };

/** The job ended with the record's own video, rendered once, from one render POST. */
async function expectVideoPaidOnce(stack: TestStack, id: string, result: { output: string }): Promise<void> {
  expect(result.output).toBe((await stack.sandbox.control.lipsync(id)).output);
  const stats = await stack.sandbox.control.stats();
  expect(stats.renders[id]).toBe(1);
  expect(stats.callsByLipsync[id]?.render).toBe(1);
}

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

describe('a render Creatify refuses, and one wrongly judged started', () => {
  const stack = useTestStack({}, { creatifyTimeoutMs: CLIENT_TIMEOUT_MS });

  /**
   * A job judged "started" on weak evidence, no POST made: the first POST is throttled
   * (nothing done); while the activity waits out Retry-After, something touches the
   * record, so the retry sees only updated_at moved.
   */
  async function judgedStartedWithoutPost(id: string) {
    await stack.sandbox.control.addFault({ endpoint: 'render', kind: 'rate-limit', retryAfter: '3', lipsyncId: id });
    const handle = await stack.orchestrator.startRender(id, { ...FAST, webhookTimeout: '500 ms' });
    await eventually(async () => (await stack.sandbox.control.stats()).faultsInjected.some((f) => f.lipsyncId === id), 5_000, 'the 429');
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // updated_at has one-second resolution
    await stack.sandbox.control.setLipsync(id, { progress: 0 });
    const judged = await eventually(async () => {
      const state = await handle.query(statusQuery);
      return state.renderAcceptedAt ? state : undefined;
    }, 10_000, 'the judgement');
    return { handle, judged };
  }

  // The docs give neither status nor body for it ([U]): 400 as §15 assumes, 402, 403, 409,
  // 422 or even a 200; DRF's `detail`, or an `error` / `message` field worded another way.
  test.each([
    [400, 'detail', /Insufficient credits/],
    [402, 'detail', /Insufficient credits/],
    [403, 'detail', /Insufficient credits/],
    [400, 'message', /enough credits/],
    [403, 'error', /Insufficient balance/],
    [409, 'detail', /Insufficient credits/],
    [422, 'lower-than', /lower than what this job requires/],
    // Refused in a 200's body: the render is not taken for accepted (and awaited until the deadline).
    [200, 'error', /Insufficient balance/],
    [200, 'success-false', /Not enough credits/],
    // DRF's other shapes of a refusal: a ValidationError raised in a view, a serializer's non-field error.
    [400, 'array', /Insufficient credits/],
    [400, 'non-field', /Insufficient credits for this render/],
  ] as const)('"Insufficient credits" (%i, in `%s`) ends the job at once as a typed failure, nothing paid', async (insufficientCreditsStatus, insufficientCreditsBody, wording) => {
    // Preview costs 1 credit for this short text, render 4: 3 credits pay only the preview.
    // No balance to read (404), so the check before the POST lets it through and Creatify refuses.
    await stack.sandbox.control.reset({ initialCredits: 3, insufficientCreditsStatus, insufficientCreditsBody, remainingCredits: 'absent' });
    const id = await stack.preview('refused render');
    const started = Date.now();
    await stack.orchestrator.startRender(id, FAST);
    const error = await stack.orchestrator.waitForResult(id).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(RenderError);
    expect(error).toMatchObject({ reason: 'insufficient-credits' });
    expect((await stack.orchestrator.getStatus(id)).status).toBe('insufficient_credits');
    expect((error as Error).message).toMatch(wording);
    expect(Date.now() - started).toBeLessThan(10_000);
    const stats = await stack.sandbox.control.stats();
    expect(stats.renders[id]).toBeUndefined();
    expect(stats.callsByLipsync[id]?.render).toBe(1);
  });

  // Concurrency limits are [U] (§9): a 429, or a 400 / 403 that says "try again later".
  test.each([
    [429, 'too-many'],
    [400, 'too-many'],
    [403, 'too-many'],
    [400, 'maximum'],
    [403, 'maximum'],
  ] as const)('a cap of one job at a time (%i, worded %s) makes renders wait their turn: each renders once, none ends refused', async (status, wording) => {
    await stack.sandbox.control.reset({ concurrentJobs: { max: 1, status, wording } });
    const ids = [await stack.preview('capped 1'), await stack.preview('capped 2'), await stack.preview('capped 3')];
    for (const id of ids) await stack.orchestrator.startRender(id, FAST);
    const results = await Promise.all(ids.map((id) => stack.orchestrator.waitForResult(id)));
    results.forEach((result, i) => expect(result.output).toContain(ids[i]));
    const stats = await stack.sandbox.control.stats();
    for (const id of ids) expect(stats.renders[id]).toBe(1);
    // The cap did bite: some render was refused before it went through.
    expect(Math.max(...ids.map((id) => stats.callsByLipsync[id]?.render ?? 0))).toBeGreaterThan(1);
  }, 90_000);

  // A 200 is Creatify's word that it took the render; it may show late (a queue, a slow
  // write), here after the webhook window and the stall watch's three polls.
  test.each(['charge', 'reject'] as const)('a render answered 200 that shows on the record only 6 s later is awaited, never POSTed again (second render: %s)', async (secondRender) => {
    // Nothing shows before it applies: credits_used is not moved at the POST either.
    await stack.sandbox.control.reset({ renderApplyDelayMs: 6_000, creditsUsedOnRender: 'keep', secondRender, webhooks: { drop: 1 } });
    const id = await stack.preview('applied late');
    const handle = await stack.orchestrator.startRender(id, FAST);
    const result = await handle.result();
    await expectVideoPaidOnce(stack, id, result);
    expect((await handle.query(statusQuery)).rejudgements).toBe(0);
  }, 60_000);

  // A render taken, its answer lost, that shows on the record only 4 s later (nothing else
  // moves: pending before and after, media job and credits kept, updated_at never
  // maintained), on a server that charges a second render: the retry must look long
  // enough before it POSTs again.
  test.each([4_000, 10_000])('a lost answer to a render that shows only %i ms later is not POSTed again (second render: charge)', async (renderApplyDelayMs) => {
    await stack.sandbox.control.reset({ previewStatus: 'pending', mediaJobAtPreview: true, renderMediaJob: 'keep', creditsUsedOnRender: 'keep', updatedAt: 'created', renderApplyDelayMs, secondRender: 'charge' });
    const id = await stack.preview(`shows ${renderApplyDelayMs} ms late, answer lost`);
    await stack.sandbox.control.addFault({ endpoint: 'render', kind: 'lost-response', lipsyncId: id });
    const result = await (await stack.orchestrator.startRender(id, FAST)).result();
    await expectVideoPaidOnce(stack, id, result);
  }, 60_000);

  // The docs show the record as render's answer (§4.3); a 202 {"detail": …} without it is
  // the other plausible answer, and a render taken all the same. A web page for an answer
  // (a proxy's): taken or not, nothing says, so it is watched as maybe started. Either way a
  // render that shows (even 4 s late) is not paid again; a page read as a refusal would end
  // the job with its render paid, retried as a failure it would be POSTed twice.
  test.each([
    ['accepted with 202 and no record in the answer', 'accepted', 4_000],
    ['answered 200 with a web page', 'page', 0],
    ['answered 200 with a web page', 'page', 4_000],
    ['answered 201 with the record', 'created', 0],
    ['answered 204 with no body', 'no-content', 4_000],
  ] as const)('a render %s (renderResponse %s) is tracked to its video, POSTed once, though it shows only %i ms later (second render: charge)', async (_answer, renderResponse, renderApplyDelayMs) => {
    await stack.sandbox.control.reset({ renderResponse, renderApplyDelayMs, creditsUsedOnRender: 'keep', secondRender: 'charge', webhooks: { drop: 1 } });
    const id = await stack.preview(`render answered ${renderResponse} (${renderApplyDelayMs} ms)`);
    const result = await (await stack.orchestrator.startRender(id, { ...FAST, webhookTimeout: '10 seconds' })).result();
    await expectVideoPaidOnce(stack, id, result);
  }, 60_000);

  test('a render judged started on weak evidence that never shows is re-judged and POSTed once more', async () => {
    await stack.sandbox.control.reset({ webhooks: { drop: 0 } });
    const id = await stack.preview('self-healing');
    // No render ever shows; after a few polls the job must re-judge and POST.
    const { handle, judged } = await judgedStartedWithoutPost(id);
    expect(judged).toMatchObject({ renderPosted: false, renderEvidence: expect.stringMatching(/updated_at moved/) });

    const result = await handle.result();
    expect(result.output).toContain(id);
    const state = await handle.query(statusQuery);
    expect(state).toMatchObject({ rejudgements: 1, renderPosts: 1, renderPosted: true });
    const stats = await stack.sandbox.control.stats();
    expect(stats.renders[id]).toBe(1);
    expect(stats.callsByLipsync[id]?.render).toBe(2); // the throttled one, and the one after re-judging
  });

  // A server whose render leaves the record as it was at first (pending before and after,
  // media job and credits kept, an updated_at it never moves): the retry after a lost
  // answer sees nothing, POSTs again and is refused. How that refusal is worded is [U]
  // (§4.3): "already being rendered" says the render runs; "not in a renderable state", a
  // 409, or DRF's 403 / 404, says nothing of it. Each is a retry an earlier attempt may have preceded at
  // Creatify: tracked to its video, never ended refused.
  test.each([
    ['already', 400, /already under way/],
    ['state', 400, /earlier attempt may have reached it/],
    ['conflict', 409, /earlier attempt may have reached it/],
    ['forbidden', 403, /earlier attempt may have reached it/],
    ['not-found', 404, /earlier attempt may have reached it/],
  ] as const)('a retry refused (%s, %i), the record showing nothing yet, is tracked to its video, not ended refused', async (secondRenderRefusal, _status, evidence) => {
    await stack.sandbox.control.reset({ previewStatus: 'pending', mediaJobAtPreview: true, renderMediaJob: 'keep', creditsUsedOnRender: 'keep', updatedAt: 'created', secondRender: 'reject', secondRenderRefusal });
    const id = await stack.preview(`refused retry: ${secondRenderRefusal}`);
    await stack.sandbox.control.setLipsync(id, { hold: true });
    await stack.sandbox.control.addFault({ endpoint: 'render', kind: 'lost-response', lipsyncId: id });
    const handle = await stack.orchestrator.startRender(id, FAST);
    const judged = await eventually(async () => {
      const state = await handle.query(statusQuery);
      return state.renderAcceptedAt ? state : undefined;
    }, 30_000, 'the judgement');
    expect(judged).toMatchObject({ renderPosted: false, renderEvidence: expect.stringMatching(evidence) });
    await stack.sandbox.control.setLipsync(id, { hold: false });
    expect((await handle.result()).output).toContain(id);
    const stats = await stack.sandbox.control.stats();
    expect(stats.renders[id]).toBe(1);
    expect(stats.callsByLipsync[id]?.render).toBe(2);
    expect(stats.webhooks.some((w) => w.lipsyncId === id && w.status === 'done')).toBe(true);
  });

  // The other side of the rule above: a refusal on a retry that no render explains (the first
  // POST failed before any work) is watched, not believed at once, and ends the job as the
  // typed failure once the stall watch has seen nothing and the re-judged POST is refused
  // too, even when a re-judged POST itself needed a retry (a 503 first); nothing is paid,
  // and the job does not wait for its deadline.
  test('a retry refused for want of credits after a 503 before the work ends insufficient_credits after the stall watch, nothing paid', async () => {
    await stack.sandbox.control.reset({ initialCredits: 3, remainingCredits: 'absent' });
    const id = await stack.preview('refused retry, nothing started');
    await stack.sandbox.control.addFault({ endpoint: 'render', kind: 'server-error', status: 503, lipsyncId: id });
    const started = Date.now();
    const handle = await stack.orchestrator.startRender(id, FAST);
    const judged = await eventually(async () => {
      const state = await handle.query(statusQuery);
      return state.renderAcceptedAt ? state : undefined;
    }, 30_000, 'the judgement');
    expect(judged).toMatchObject({ renderPosted: false, renderEvidence: expect.stringMatching(/earlier attempt may have reached it/) });
    await stack.sandbox.control.addFault({ endpoint: 'render', kind: 'server-error', status: 503, lipsyncId: id });
    const error = await handle.result().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(Error);
    expect((await stack.orchestrator.getStatus(id)).status).toBe('insufficient_credits');
    expect(Date.now() - started).toBeLessThan(90_000); // the deadline is 2 minutes
    const stats = await stack.sandbox.control.stats();
    expect(stats.renders[id]).toBeUndefined();
    // The 503, the retry refused; the re-judged POST's 503, its retry refused (watched: a
    // re-judgement may follow); the last re-judged POST, refused.
    expect(stats.callsByLipsync[id]?.render).toBe(5);
  }, 120_000);

  // A re-judged POST whose answer is lost, on a server that shows nothing of the render it
  // took: its retry is refused as a second render. Another re-judgement may follow, so the
  // refusal is watched, not taken for the end: the render is tracked to its video.
  test('a re-judged POST taken with its answer lost, its retry refused, is tracked to its video, not ended refused', async () => {
    await stack.sandbox.control.reset({ previewStatus: 'pending', mediaJobAtPreview: true, renderMediaJob: 'keep', creditsUsedOnRender: 'keep', secondRender: 'reject', secondRenderRefusal: 'state', webhooks: { drop: 1 } });
    const id = await stack.preview('re-judged, answer lost');
    const { handle } = await judgedStartedWithoutPost(id);
    // The re-judged POST is taken, but held (nothing shows) and its answer lost.
    await stack.sandbox.control.setLipsync(id, { hold: true });
    await stack.sandbox.control.addFault({ endpoint: 'render', kind: 'lost-response', lipsyncId: id });
    const watched = await eventually(async () => {
      const state = await handle.query(statusQuery);
      return state.rejudgements >= 1 ? state : undefined;
    }, 20_000, 'the re-judgement');
    expect(watched).toMatchObject({ renderPosted: false, renderEvidence: expect.stringMatching(/earlier attempt may have reached it/) });
    await stack.sandbox.control.setLipsync(id, { hold: false });
    const result = await handle.result();
    expect(result.output).toBe((await stack.sandbox.control.lipsync(id)).output);
    const stats = await stack.sandbox.control.stats();
    expect(stats.renders[id]).toBe(1);
    expect(stats.callsByLipsync[id]?.render).toBe(3); // the 429; the re-judged POST (taken, answer lost); its retry, refused
  }, 60_000);

  test('an end confirmed while the render POST is still being retried closes the job at once', async () => {
    await stack.sandbox.control.reset();
    const id = await stack.preview('claim during render');
    // The POST is processed but answered 504; the retry's read is throttled for 8 s, so the
    // render activity waits. The render finishes meanwhile and its webhook must end the job.
    await stack.sandbox.control.addFault({ endpoint: 'render', kind: 'server-error', status: 504, after: true, lipsyncId: id });
    const handle = await stack.orchestrator.startRender(id, FAST);
    await eventually(async () => (await stack.sandbox.control.stats()).renders[id] === 1, 5_000, 'the render');
    await stack.sandbox.control.addFault({ endpoint: 'get', kind: 'rate-limit', retryAfter: '8', lipsyncId: id });
    const result = await handle.result();
    const stats = await stack.sandbox.control.stats();
    expect(result).toMatchObject({ detectedBy: 'webhook', output: (await stack.sandbox.control.lipsync(id)).output });
    expect((await handle.describe()).closeTime!.getTime() - stats.endedAt[id]!).toBeLessThan(4_000);
    expect(stats.renders[id]).toBe(1);
    expect(await handle.query(statusQuery)).toMatchObject({ renderPosted: false, renderEvidence: expect.stringMatching(/while the render POST was being retried/) });
  });
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
