import { pollDelayMs } from '../../src/activities/backoff';
import { LipsyncOrchestrator, RenderError, type TrackingOptions } from '../../src/client';
import { CreatifyClient } from '../../src/creatify';
import { webhookToken } from '../../src/contract/webhook-url';
import { createLipsyncWorker } from '../../src/worker/worker';
import { testWorkflowBundle } from '../support/bundle';
import { testNativeConnection, uniqueTaskQueue } from '../support/temporal';
import { demoRequest, eventually, useTestStack } from '../support/stack';

describe('tracking a render without its webhook', () => {
  const stack = useTestStack();
  beforeEach(async () => {
    // Creatify's webhook never comes in this file unless a test says otherwise.
    await stack.sandbox.control.reset({ webhooks: { drop: 1 } });
  });

  const getsFor = async (id: string) => (await stack.sandbox.control.stats()).callsByLipsync[id]?.get ?? 0;

  test('completes by polling; the number of GETs is what the backoff schedule predicts; one render', async () => {
    const initialMs = 200;
    const maxMs = 10_000;
    const releaseAtMs = 2_000;
    const id = await stack.preview();
    const handle = await stack.startHeldRender(id, {
      webhookTimeout: '300 ms', pollInitialInterval: initialMs, pollMaxInterval: maxMs, deadline: '1 minute',
    });
    await eventually(async () => (await stack.sandbox.control.stats()).renders[id] === 1, 10_000, 'render');

    // Attempt n+1 starts sum(delays 1..n) after the first; with ±20% jitter each.
    const earliest: number[] = [0];
    const latest: number[] = [0];
    for (let n = 1; n < 20; n++) {
      earliest.push(earliest[n - 1]! + pollDelayMs(n, initialMs, maxMs, () => 0));
      latest.push(latest[n - 1]! + pollDelayMs(n, initialMs, maxMs, () => 1));
    }
    const surelyBefore = latest.filter((t) => t < releaseAtMs).length;
    const possiblyBefore = earliest.filter((t) => t < releaseAtMs).length;
    expect(surelyBefore).toBe(possiblyBefore); // the schedule leaves no doubt with these numbers
    const predicted = surelyBefore + 1; // every attempt before the release, plus the one that sees `done`
    expect(predicted).toBe(5);

    // The release follows the polls, not the wall clock (a busy machine only makes them
    // later): after the last poll the schedule puts before releaseAtMs, and long before the
    // next. That poll may not come sooner than the schedule allows.
    const firstPollAt = await eventually(async () => ((await getsFor(id)) >= 2 ? Date.now() : undefined), 10_000, 'first poll');
    const lastBeforeAt = await eventually(async () => ((await getsFor(id)) >= 1 + surelyBefore ? Date.now() : undefined), 20_000, `poll ${surelyBefore}`);
    // (The first poll may be seen only with the second: the bound counts from the second.)
    expect(lastBeforeAt - firstPollAt).toBeGreaterThanOrEqual(earliest[surelyBefore - 1]! - earliest[1]! - 100);
    await stack.sandbox.control.setLipsync(id, { status: 'done' });
    const result = await handle.result();

    expect(result.detectedBy).toBe('poll');
    expect(result.polls).toBe(predicted);
    const stats = await stack.sandbox.control.stats();
    expect(stats.callsByLipsync[id]?.get).toBe(predicted + 1); // the polls, and the snapshot before the POST
    expect(stats.callsByLipsync[id]?.render).toBe(1);
    expect(stats.renders[id]).toBe(1);
  });

  test('a webhook arriving during polling ends the wait at once', async () => {
    const id = await stack.preview();
    const handle = await stack.startHeldRender(id, {
      webhookTimeout: '200 ms', pollInitialInterval: '20 seconds', pollMaxInterval: '20 seconds', deadline: '1 minute',
    });
    await eventually(async () => (await stack.sandbox.control.stats()).renders[id] === 1, 10_000, 'render');
    // The first GET is the snapshot before the POST: the second is the first poll, once the 200 ms window closed.
    await eventually(async () => (await getsFor(id)) >= 2, 10_000, 'first poll');
    await stack.sandbox.control.settings({ webhooks: { drop: 0 } });
    const releasedAt = Date.now();
    await stack.sandbox.control.setLipsync(id, { status: 'done' });
    const result = await handle.result();

    expect(result.detectedBy).toBe('webhook');
    expect(Date.now() - releasedAt).toBeLessThan(3_000); // the next poll was 20 s away
    const stats = await stack.sandbox.control.stats();
    expect(stats.callsByLipsync[id]?.get).toBe(3); // the snapshot, one poll, one confirmation
    expect(stats.renders[id]).toBe(1);
  });

  test.each([
    ['render', 'rate-limit'],
    ['render', 'server-error'],
    ['get', 'rate-limit'],
    ['get', 'server-error'],
  ] as const)('%s answering %s is retried to the right outcome', async (endpoint, kind) => {
    const id = await stack.preview();
    await stack.sandbox.control.addFault({ endpoint, kind, times: 2, lipsyncId: id, retryAfter: '1', status: 503 });
    const started = Date.now();
    const result = await stack.orchestrator
      .startRender(id, { webhookTimeout: '100 ms', pollInitialInterval: '100 ms', pollMaxInterval: '500 ms', deadline: '1 minute' })
      .then((h) => h.result());
    expect(result.output).toContain(id);
    const stats = await stack.sandbox.control.stats();
    expect(stats.faultsInjected.filter((f) => f.lipsyncId === id)).toHaveLength(2);
    expect(stats.renders[id]).toBe(1);
    if (kind === 'rate-limit') expect(Date.now() - started).toBeGreaterThanOrEqual(2_000); // two Retry-After: 1
  });

  test('render processed but its response lost: exactly one paid render', async () => {
    const id = await stack.preview();
    await stack.sandbox.control.addFault({ endpoint: 'render', kind: 'lost-response', lipsyncId: id });
    const handle = await stack.orchestrator.startRender(id, { webhookTimeout: '100 ms', pollInitialInterval: '100 ms', pollMaxInterval: '500 ms' });
    const result = await handle.result();
    expect(result.output).toContain(id);
    const stats = await stack.sandbox.control.stats();
    expect(stats.callsByLipsync[id]?.render).toBe(1); // the retry read first and did not POST
    expect(stats.renders[id]).toBe(1);
    expect(stats.credits.ledger.filter((e) => e.lipsyncId === id && e.action === 'render')).toHaveLength(1);
    const state = await handle.query('status');
    expect(state).toMatchObject({ renderPosted: false });
  });

  test.each(['failed', 'rejected'] as const)('%s ends in the typed failure with the reason', async (outcome) => {
    const id = await stack.preview();
    await stack.sandbox.control.setLipsync(id, { outcome, failedReason: `sandbox says ${outcome}` });
    await stack.orchestrator.startRender(id, { webhookTimeout: '100 ms', pollInitialInterval: '100 ms', pollMaxInterval: '300 ms' });
    const error = await stack.orchestrator.waitForResult(id).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(RenderError);
    expect(error).toMatchObject({ reason: outcome, failedReason: outcome === 'failed' ? `sandbox says ${outcome}` : expect.anything() });
    expect((await stack.orchestrator.getStatus(id)).status).toBe(outcome);
  });

  test.each([404, 200] as const)('an unknown id fails fast, without a retry storm (its GET answered %i {"detail": "Not found."})', async (missingRecordStatus) => {
    await stack.sandbox.control.reset({ webhooks: { drop: 1 }, missingRecordStatus });
    const { randomUUID } = await import('node:crypto');
    const id = randomUUID();
    const started = Date.now();
    await stack.orchestrator.startRender(id);
    const error = await stack.orchestrator.waitForResult(id).catch((err: unknown) => err);
    expect(error).toMatchObject({ reason: 'invalid-request' });
    expect(Date.now() - started).toBeLessThan(5_000);
    // The read before the render already says 404: nothing is POSTed.
    expect((await stack.sandbox.control.stats()).callsByLipsync[id]?.render ?? 0).toBe(0);
  });

  test.each([403, 404, 401] as const)('a passing %i on the polls after the render was accepted: the job goes on, ends done, rendered once', async (refusedStatus) => {
    const id = await stack.preview();
    const handle = await stack.startHeldRender(id, { webhookTimeout: '100 ms', pollInitialInterval: '200 ms', pollMaxInterval: '500 ms', deadline: '1 minute' });
    await eventually(async () => (await stack.sandbox.control.stats()).renders[id] === 1, 10_000, 'render');
    await eventually(async () => (await getsFor(id)) >= 3, 10_000, 'polls');
    // A firewall's or a lagging replica's refusal, three reads in a row (7 s of waits in place).
    await stack.sandbox.control.addFault({ endpoint: 'get', kind: 'refused', refusedStatus, lipsyncId: id, times: 3 });
    await eventually(async () => (await stack.sandbox.control.stats()).faultsInjected.filter((f) => f.kind === 'refused').length >= 3, 15_000, 'the refusals');
    expect((await handle.describe()).status.name).toBe('RUNNING');
    await stack.sandbox.control.setLipsync(id, { status: 'done' });
    const result = await handle.result();
    expect(result).toMatchObject({ detectedBy: 'poll', output: expect.stringContaining(id) });
    expect((await stack.sandbox.control.stats()).renders[id]).toBe(1);
  });

  test('a passed deadline ends in the timeout failure', async () => {
    const id = await stack.preview();
    // Given in milliseconds, said as a person would: "within 2s", not "within 2000".
    await stack.startHeldRender(id, { webhookTimeout: '100 ms', pollInitialInterval: '200 ms', pollMaxInterval: '200 ms', deadline: 2_000 });
    await eventually(async () => (await stack.sandbox.control.stats()).renders[id] === 1, 10_000, 'render');
    const error = await stack.orchestrator.waitForResult(id).catch((err: unknown) => err);
    expect(error).toMatchObject({ reason: 'deadline' });
    expect((error as Error).message).toMatch(/not finished within 2s$/);
    expect((await stack.orchestrator.getStatus(id)).state?.lastEvent).toBe('deadline of 2s passed');
    expect((await stack.orchestrator.getStatus(id)).status).toBe('timed_out');
  });

  test('statuses in upper case (PENDING, RUNNING, DONE) are read as the statuses they name: the render ends by polling, once', async () => {
    await stack.sandbox.control.reset({ webhooks: { drop: 1 }, statusCase: 'upper' });
    const id = await stack.preview('upper-case statuses');
    const handle = await stack.orchestrator.startRender(id, { webhookTimeout: '100 ms', pollInitialInterval: '100 ms', pollMaxInterval: '300 ms', deadline: '1 minute' });
    const result = await handle.result();
    expect(result).toMatchObject({ detectedBy: 'poll', output: expect.stringContaining(id) });
    expect((await stack.orchestrator.getStatus(id)).status).toBe('done');
    const stats = await stack.sandbox.control.stats();
    expect(stats.renders[id]).toBe(1);
    expect(stats.callsByLipsync[id]?.render).toBe(1);
  });

  test('an API status this tracker does not know ("processing") never crashes a poll; the render ends by polling', async () => {
    await stack.sandbox.control.reset({ webhooks: { drop: 1 }, runningStatusAs: 'processing', progressAs: 'number' });
    const id = await stack.preview();
    const handle = await stack.startHeldRender(id, { webhookTimeout: '100 ms', pollInitialInterval: '100 ms', pollMaxInterval: '300 ms', deadline: '1 minute' });
    await eventually(async () => (await stack.sandbox.control.stats()).renders[id] === 1, 10_000, 'render');
    await stack.sandbox.control.setLipsync(id, { status: 'running', hold: true });
    expect((await stack.sandbox.control.lipsync(id)).status).toBe('processing');
    await eventually(async () => (await getsFor(id)) >= 4, 10_000, 'polls seeing "processing"');
    expect((await handle.describe()).status.name).toBe('RUNNING');
    await stack.sandbox.control.setLipsync(id, { status: 'done' });
    const result = await handle.result();
    expect(result).toMatchObject({ detectedBy: 'poll', output: expect.stringContaining(id) });
  });

  test.each([
    ['done named "completed"', { done: 'completed' }],
    ['failed named "error"', { failed: 'error' }],
    // Nothing on the record but the word: no failed_reason (the sandbox's default for rejected).
    ['rejected named "cancelled"', { rejected: 'cancelled' }],
  ] as const)('an end the API names with a word the docs do not use (%s) ends the job by polling, not at its deadline', async (name, endStatusAs) => {
    await stack.sandbox.control.reset({ webhooks: { drop: 1 }, endStatusAs });
    const id = await stack.preview(name);
    if ('failed' in endStatusAs) await stack.sandbox.control.setLipsync(id, { outcome: 'failed', failedReason: 'avatar could not be rendered' });
    if ('rejected' in endStatusAs) await stack.sandbox.control.setLipsync(id, { outcome: 'rejected' });
    const handle = await stack.orchestrator.startRender(id, { webhookTimeout: '300 ms', pollInitialInterval: '200 ms', pollMaxInterval: '500 ms', deadline: '30 seconds' });
    const outcome = await handle.result().then((result) => ({ result }), (error: unknown) => ({ error }));
    if ('done' in endStatusAs) expect(outcome).toMatchObject({ result: { detectedBy: 'poll', output: expect.stringContaining(id) } });
    else expect(await stack.orchestrator.waitForResult(id).catch((err: unknown) => err)).toMatchObject({ reason: Object.keys(endStatusAs)[0] });
    expect((await stack.sandbox.control.lipsync(id)).status).toBe(Object.values(endStatusAs)[0]);
    expect((await stack.sandbox.control.stats()).renders[id]).toBe(1);
  });

  test('an asynchronous preview (§4.2 [I]) still running when the render is asked is followed, then rendered once when it ends as a preview', async () => {
    await stack.sandbox.control.reset({ webhooks: { drop: 1 }, previewAsync: true });
    const id = await stack.preview('asynchronous preview');
    await eventually(async () => ((await stack.sandbox.control.lipsync(id)).status === 'running' ? true : undefined), 10_000, 'the preview running');
    await stack.sandbox.control.setLipsync(id, { hold: true });
    // The snapshot shows a job running: a render, for all the tracker can tell. No POST.
    const handle = await stack.orchestrator.startRender(id, { webhookTimeout: '300 ms', pollInitialInterval: '200 ms', pollMaxInterval: '500 ms', deadline: '1 minute' });
    await eventually(async () => ((await getsFor(id)) >= 3 ? true : undefined), 10_000, 'polls of the running preview');
    expect((await stack.sandbox.control.stats()).callsByLipsync[id]?.render ?? 0).toBe(0);
    // It ends as a preview does (done, no output), with a media job of its own: no proof of a render.
    await stack.sandbox.control.setLipsync(id, { hold: false });
    const result = await handle.result();
    expect(result.output).toContain(id);
    const stats = await stack.sandbox.control.stats();
    expect(stats.renders[id]).toBe(1);
    expect(stats.callsByLipsync[id]?.render).toBe(1);
  });

  // `output` null after preview is only inferred (§4.2 [I]): a server that puts the preview
  // link there too has rendered nothing. Taken for the video, the render would never be sent.
  test.each([
    ['preview-link', false],
    ['preview-link', true],
    ['layout-file', false],
    ['layout-file', true],
  ] as const)('a preview whose `output` is its own %s is rendered, once, to its real video (preview asynchronous: %p)', async (previewOutput, previewAsync) => {
    await stack.sandbox.control.reset({ previewOutput, previewAsync });
    const id = await stack.preview(`output holds the ${previewOutput}`);
    const previewed = await eventually(async () => {
      const record = await stack.sandbox.control.lipsync(id);
      return record.preview && record.output ? record : undefined;
    }, 10_000, 'the preview');
    if (previewOutput === 'preview-link') expect(previewed.output).toBe(previewed.preview);
    else expect(previewed.output).toMatch(/^https:\/\/cdn\.creatify\.ai\/videos\/\d{8}\/[0-9a-f-]{36}\.json$/);
    const result = await (await stack.orchestrator.startRender(id, { webhookTimeout: '2 seconds', pollInitialInterval: '200 ms', pollMaxInterval: '500 ms', deadline: '1 minute' })).result();
    const record = await stack.sandbox.control.lipsync(id);
    expect(result.output).toBe(record.output);
    expect(result.output).not.toBe(previewed.preview);
    const stats = await stack.sandbox.control.stats();
    expect(stats.renders[id]).toBe(1);
    expect(stats.callsByLipsync[id]?.render).toBe(1);
  });

  // Render on a record whose preview is not ready is [U] (§4.3): refused ("already
  // rendering"), or charged as a second job. The render waits for the preview instead.
  test.each(['reject', 'charge'] as const)('a render asked while an asynchronous preview is still pending waits for it, then renders once (second render: %s)', async (secondRender) => {
    await stack.sandbox.control.reset({ webhooks: { drop: 1 }, previewAsync: true, secondRender });
    const id = await stack.preview('asynchronous preview, rendered at once');
    expect((await stack.sandbox.control.lipsync(id)).status).toBe('pending');
    const handle = await stack.orchestrator.startRender(id, { webhookTimeout: '300 ms', pollInitialInterval: '200 ms', pollMaxInterval: '500 ms', deadline: '1 minute' });
    const result = await handle.result();
    expect(result.output).toContain(id);
    const stats = await stack.sandbox.control.stats();
    expect(stats.renders[id]).toBe(1);
    expect(stats.callsByLipsync[id]?.render).toBe(1);
  });

  // `preview` is a nullable field of the record (§3.4): a server may give the link only in
  // the preview's own answer. The previewed record then reads like one whose preview has
  // not begun; once it shows no change for a while it is taken as settled and rendered,
  // in about a minute, not after PREVIEW_WAIT_MS (10 minutes) of waiting for a link.
  test.each(['pending', 'done'] as const)('a previewed record whose GET never shows the preview link (status %s) is rendered once, long before the 10-minute wait for a link', async (previewStatus) => {
    await stack.sandbox.control.reset({ webhooks: { drop: 1 }, previewLinkOnRecord: false, previewStatus, secondRender: 'charge' });
    const id = await stack.preview('link only in the preview answer');
    expect((await stack.sandbox.control.lipsync(id)).preview).not.toBeNull();
    const started = Date.now();
    const handle = await stack.orchestrator.startRender(id, { webhookTimeout: '300 ms', pollInitialInterval: '200 ms', pollMaxInterval: '500 ms', deadline: '2 minutes' });
    const result = await handle.result();
    expect(result.output).toContain(id);
    // 45 s of rest and a render: far from the 10 minutes of waiting for a link, with room for a busy machine.
    expect(Date.now() - started).toBeLessThan(90_000);
    const stats = await stack.sandbox.control.stats();
    expect(stats.renders[id]).toBe(1);
    expect(stats.callsByLipsync[id]?.render).toBe(1);
  }, 150_000);

  // The snapshot was read while the preview ran: its end (→ pending with a media job of its
  // own, progress reset) moves every field a render would. A POST whose fate is unknown must
  // be judged against the settled record, not that snapshot, or the preview's end passes for
  // the render and no render is ever sent.
  test.each([
    ['a reset before the server did anything', { kind: 'reset' as const }, 1],
    ['an answer lost after the render was taken', { kind: 'lost-response' as const }, 1],
  ])('an asynchronous preview that ends `pending`, its render POST failing once with %s: rendered once', async (_name, fault, paid) => {
    await stack.sandbox.control.reset({ webhooks: { drop: 1 }, previewAsync: true, previewStatus: 'pending', mediaJobAtPreview: true, runningStatusAs: 'processing', secondRender: 'charge' });
    const id = await stack.preview('asynchronous preview, render POST failing once');
    await stack.sandbox.control.addFault({ endpoint: 'render', lipsyncId: id, ...fault });
    const handle = await stack.orchestrator.startRender(id, { webhookTimeout: '300 ms', pollInitialInterval: '200 ms', pollMaxInterval: '500 ms', deadline: '1 minute' });
    const result = await handle.result();
    expect(result.output).toContain(id);
    expect((await stack.sandbox.control.stats()).renders[id]).toBe(paid);
  });

  // An asynchronous preview may show its link from the start (a layout URL known up front):
  // a record running with a link is then a preview as much as a render. Its end (`pending`
  // again, a media job of its own) must not pass for a render, nor be taken for a baseline.
  test.each([
    ['charge', 'running'],
    ['reject', 'running'],
    ['charge', 'processing'],
  ] as const)('an asynchronous preview showing its link from the start, running when the render is asked and ending `pending`, is awaited, then rendered once (second render: %s; running stage named %s)', async (secondRender, runningStatusAs) => {
    await stack.sandbox.control.reset({ webhooks: { drop: 1 }, previewAsync: true, previewLinkAtOnce: true, previewStatus: 'pending', mediaJobAtPreview: true, secondRender, runningStatusAs });
    const id = await stack.preview('preview link at once, running');
    await eventually(async () => ((await stack.sandbox.control.lipsync(id)).status === runningStatusAs ? true : undefined), 10_000, 'the preview running');
    // A render POST that fails before the work: its retry must not judge the moving record against the snapshot.
    await stack.sandbox.control.addFault({ endpoint: 'render', lipsyncId: id, kind: 'reset' });
    expect((await stack.sandbox.control.lipsync(id)).preview).toBeTruthy();
    const result = await (await stack.orchestrator.startRender(id, { webhookTimeout: '300 ms', pollInitialInterval: '200 ms', pollMaxInterval: '500 ms', deadline: '1 minute' })).result();
    expect(result.output).toContain(id);
    const stats = await stack.sandbox.control.stats();
    expect(stats.renders[id]).toBe(1);
    // The reset POST and the one that went through.
    expect(stats.callsByLipsync[id]?.render).toBe(2);
  });

  test.each(['state', 'forbidden'] as const)('the first render POST refused (%s) while such a preview was still pending, the record moving since: it settles, then the render is asked again and paid once', async (secondRenderRefusal) => {
    await stack.sandbox.control.reset({ webhooks: { drop: 1 }, previewAsync: true, previewLinkAtOnce: true, previewStatus: 'pending', mediaJobAtPreview: true, secondRender: 'reject', secondRenderRefusal, stageMs: { pending: 300_000 } });
    const id = await stack.preview('preview link at once, pending');
    expect((await stack.sandbox.control.lipsync(id)).status).toBe('pending');
    const result = await (await stack.orchestrator.startRender(id, { webhookTimeout: '300 ms', pollInitialInterval: '200 ms', pollMaxInterval: '500 ms', deadline: '1 minute' })).result();
    expect(result.output).toContain(id);
    const stats = await stack.sandbox.control.stats();
    expect(stats.renders[id]).toBe(1);
    expect(stats.callsByLipsync[id]?.render).toBe(2);
  });

  test('a job made by create (#1), still pending, is followed to its video and never rendered again (second render: charge)', async () => {
    await stack.sandbox.control.reset({ webhooks: { drop: 1 }, secondRender: 'charge' });
    const created = await stack.creatify.create(demoRequest('made by create', 'https://unused.example/'));
    await stack.sandbox.control.setLipsync(created.id, { hold: true });
    expect((await stack.sandbox.control.lipsync(created.id)).status).toBe('pending');
    const handle = await stack.orchestrator.startRender(created.id, { webhookTimeout: '300 ms', pollInitialInterval: '200 ms', pollMaxInterval: '500 ms', deadline: '1 minute' });
    await eventually(async () => ((await getsFor(created.id)) >= 3 ? true : undefined), 10_000, 'reads of the pending job');
    await stack.sandbox.control.setLipsync(created.id, { hold: false });
    const result = await handle.result();
    expect(result.output).toBe((await stack.sandbox.control.lipsync(created.id)).output);
    expect((await stack.sandbox.control.stats()).callsByLipsync[created.id]?.render ?? 0).toBe(0);
  });

  test('cancelling stops tracking cleanly', async () => {
    const id = await stack.preview();
    const handle = await stack.startHeldRender(id, { webhookTimeout: '100 ms', pollInitialInterval: '200 ms', pollMaxInterval: '200 ms' });
    await eventually(async () => (await stack.sandbox.control.stats()).renders[id] === 1, 10_000, 'render');
    await eventually(async () => (await getsFor(id)) >= 2, 10_000, 'polling'); // the snapshot, then a poll
    await stack.orchestrator.cancel(id);
    const error = await stack.orchestrator.waitForResult(id).catch((err: unknown) => err);
    expect(error).toMatchObject({ reason: 'cancelled' });
    expect((await handle.describe()).status.name).toBe('CANCELLED');
    expect((await stack.orchestrator.getStatus(id)).status).toBe('cancelled');
    // A canary on the same schedule shows time for three more polls has passed, without guessing a delay.
    const canary = await stack.preview('canary');
    await stack.startHeldRender(canary, { webhookTimeout: '100 ms', pollInitialInterval: '200 ms', pollMaxInterval: '200 ms' });
    await eventually(async () => (await stack.sandbox.control.stats()).renders[canary] === 1, 10_000, 'canary render');
    const canaryGets = await eventually(async () => ((await getsFor(canary)) >= 2 ? getsFor(canary) : undefined), 10_000, 'canary polling');
    // Counted only now: a poll attempt already handed to the worker at the cancel may still land.
    const getsAfterCancel = await getsFor(id);
    await eventually(async () => (await getsFor(canary)) >= canaryGets + 3, 10_000, 'three canary polls');
    expect(await getsFor(id)).toBe(getsAfterCancel); // no poll went on after the cancel
    await stack.orchestrator.cancel(canary);
  });

  test('starting the same lipsync twice gives one workflow and one render', async () => {
    const id = await stack.preview();
    const options: TrackingOptions = { webhookTimeout: '100 ms', pollInitialInterval: '100 ms', pollMaxInterval: '300 ms' };
    const [a, b] = await Promise.all([stack.orchestrator.startRender(id, options), stack.orchestrator.startRender(id, options)]);
    const first = await a.result();
    const c = await stack.orchestrator.startRender(id, options); // after it finished, too
    const runId = (await a.describe()).runId;
    expect((await b.describe()).runId).toBe(runId);
    expect((await c.describe()).runId).toBe(runId);
    expect((await c.result()).output).toBe(first.output);
    expect((await stack.sandbox.control.stats()).callsByLipsync[id]?.render).toBe(1);
  });

  // The docs disagree on 401 vs 403 for bad credentials (creatify-api.md §8, §13): both end the job.
  test.each([401, 403] as const)('bad credentials (%i) fail fast as an invalid request, and no secret reaches the history', async (authFailureStatus) => {
    await stack.sandbox.control.settings({ authFailureStatus });
    const id = await stack.preview();
    const wrongKey = 'wrong-key-7f3a9c2e51';
    const creatify = new CreatifyClient({ baseUrl: stack.sandbox.url, apiId: stack.sandbox.credentials.apiId, apiKey: wrongKey, timeoutMs: 5_000 });
    const connection = await testNativeConnection();
    const taskQueue = uniqueTaskQueue('bad-credentials');
    const worker = await createLipsyncWorker({ connection, namespace: stack.client.options.namespace, taskQueue, creatify, workflows: { workflowBundle: testWorkflowBundle() } });
    const orchestrator = new LipsyncOrchestrator({ client: stack.client, taskQueue });
    try {
      const started = Date.now();
      const error = await worker.runUntil(async () => {
        await orchestrator.startRender(id);
        return orchestrator.waitForResult(id).catch((err: unknown) => err);
      });
      expect(error).toMatchObject({ reason: 'invalid-request' });
      expect(Date.now() - started).toBeLessThan(5_000);
      expect((await stack.sandbox.control.stats()).renders[id]).toBeUndefined();
      const history = readableHistory(await stack.client.workflow.getHandle(`lipsync-render-${id}`).fetchHistory());
      expect(history).toMatch(new RegExp(`${authFailureStatus}|[Aa]uth`));
      expect(history).not.toContain(wrongKey);
    } finally {
      await creatify.close();
      await connection.close();
    }
  });

  test('a finished history holds neither the Creatify key nor the webhook token', async () => {
    await stack.sandbox.control.settings({ webhooks: { drop: 0 } });
    const id = await stack.preview();
    const handle = await stack.orchestrator.startRender(id, { webhookTimeout: '30 seconds' });
    await handle.result();
    const history = readableHistory(await handle.fetchHistory());
    expect(history).toContain(`${id}.mp4`); // payloads are decoded: the result is there
    expect(history).not.toContain(stack.sandbox.credentials.apiKey);
    expect(history).not.toContain(webhookToken(stack.webhookConfig.secrets[0]!));
    expect(history).not.toContain(stack.webhookConfig.secrets[0]!);
  });
});

/** The history as text with every payload decoded, as the Web UI would show it. */
function readableHistory(history: unknown): string {
  return JSON.stringify(history, (key, value) => {
    if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
    if (key === 'data' && typeof value === 'string') return Buffer.from(value, 'base64').toString('utf8');
    return value;
  });
}
