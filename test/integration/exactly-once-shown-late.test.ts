/**
 * A render that shows on the record late, or never, is paid once: awaited when Creatify
 * said it took it, watched when nothing says, and re-judged (one more POST) only when
 * nothing ever shows; a refusal on a retry an earlier attempt may explain is not the end.
 */
import { statusQuery } from '../../src/contract/messages';
import { eventually, untilRenderAccepted, useTestStack } from '../support/stack';
import { CLIENT_TIMEOUT_MS, expectVideoPaidOnce, FAST } from '../support/exactly-once';

describe('a render that shows late, and one wrongly judged started', () => {
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
    const judged = await untilRenderAccepted(handle, 10_000, 'the judgement');
    return { handle, judged };
  }

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
    const judged = await untilRenderAccepted(handle, 30_000, 'the judgement');
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
    const judged = await untilRenderAccepted(handle, 30_000, 'the judgement');
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
    // The POST is processed but answered 504; the retry's read is slow (8 s, past the
    // client's 5 s timeout), so the render activity waits. The render finishes meanwhile
    // and its webhook must end the job. (Not a 429: that holds back every GET of the
    // worker for its Retry-After, the claim's too.) Held until the retry's read took the
    // fault: a render left to run could end (and its claim's GET take the fault instead)
    // before a retry slowed by a busy machine reads.
    await stack.sandbox.control.addFault({ endpoint: 'render', kind: 'server-error', status: 504, after: true, lipsyncId: id });
    const handle = await stack.startHeldRender(id, FAST);
    await eventually(async () => (await stack.sandbox.control.stats()).renders[id] === 1, 5_000, 'the render');
    await stack.sandbox.control.addFault({ endpoint: 'get', kind: 'slow', delayMs: 8_000, lipsyncId: id });
    await eventually(async () => (await stack.sandbox.control.stats()).faultsInjected.some((f) => f.endpoint === 'get' && f.lipsyncId === id), 10_000, "the retry's slow read");
    await stack.sandbox.control.setLipsync(id, { hold: false });
    const result = await handle.result();
    const stats = await stack.sandbox.control.stats();
    expect(result).toMatchObject({ detectedBy: 'webhook', output: (await stack.sandbox.control.lipsync(id)).output });
    expect((await handle.describe()).closeTime!.getTime() - stats.endedAt[id]!).toBeLessThan(4_000);
    expect(stats.renders[id]).toBe(1);
    expect(await handle.query(statusQuery)).toMatchObject({ renderPosted: false, renderEvidence: expect.stringMatching(/while the render POST was being retried/) });
  });
});
