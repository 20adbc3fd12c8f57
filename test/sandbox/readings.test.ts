import type { RunningSandbox } from '../../src/sandbox';
import { defaultSettings } from '../../src/sandbox';
import { call, isFinished, preview, render, sleep, useFastSandbox, waitForLipsync } from './helpers';

// The readings of preview and render that creatify-api.md leaves open (§4.2, §4.3, §5,
// §6): each setting's effect, next to what the default does.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('sandbox readings of preview and render', () => {
  let sandbox: RunningSandbox;
  useFastSandbox((s) => (sandbox = s));
  const get = async (id: string) => (await call(sandbox, 'GET', `/api/lipsyncs_v2/${id}/`)).body;

  test('defaults are today\'s behaviour', () => {
    expect(defaultSettings()).toMatchObject({
      mediaJobAtPreview: false,
      renderMediaJob: 'replace',
      renderResponse: 'new',
      previewProgress: 0,
      renderResetsProgress: true,
      creditsUsedOnRender: 'add',
      renderApplyDelayMs: 0,
      runningStatusAs: 'running',
    });
  });

  test('mediaJobAtPreview: preview already carries a media_job; render replaces it by default', async () => {
    expect((await preview(sandbox)).media_job).toBeNull();
    await sandbox.control.settings({ mediaJobAtPreview: true });
    const previewed = await preview(sandbox);
    expect(previewed.media_job).toMatch(UUID);
    const rendered = await render(sandbox, previewed.id);
    expect(rendered.body.media_job).toMatch(UUID);
    expect(rendered.body.media_job).not.toBe(previewed.media_job);
  });

  test('renderMediaJob keep: render leaves the preview\'s media_job, null included', async () => {
    await sandbox.control.settings({ renderMediaJob: 'keep' });
    const bare = await preview(sandbox);
    expect((await render(sandbox, bare.id)).body).toMatchObject({ status: 'pending', media_job: null });
    expect(await waitForLipsync(sandbox, bare.id, isFinished)).toMatchObject({ status: 'done', media_job: null });

    await sandbox.control.settings({ mediaJobAtPreview: true });
    const withJob = await preview(sandbox);
    expect((await render(sandbox, withJob.id)).body.media_job).toBe(withJob.media_job);
  });

  test('renderResponse stale: the 200 body is the record as it was just before the render', async () => {
    const fresh = await preview(sandbox);
    expect((await render(sandbox, fresh.id)).body).toMatchObject({ status: 'pending', credits_used: 5 });

    await sandbox.control.settings({ renderResponse: 'stale', mediaJobAtPreview: true });
    const previewed = await preview(sandbox);
    await sandbox.control.setLipsync(previewed.id, { hold: true });
    const rendered = await render(sandbox, previewed.id);
    expect(rendered.status).toBe(200);
    expect(rendered.body).toEqual(previewed);
    // The render did happen: charged, restarted, a new media job.
    expect(await get(previewed.id)).toMatchObject({ status: 'pending', credits_used: 5 });
    expect((await get(previewed.id)).media_job).not.toBe(previewed.media_job);
    expect((await sandbox.control.stats()).renders).toEqual({ [fresh.id]: 1, [previewed.id]: 1 });
  });

  test('previewProgress and renderResetsProgress', async () => {
    expect((await preview(sandbox)).progress).toBe('0.00');
    await sandbox.control.settings({ previewProgress: 0.3 });
    const reset = await preview(sandbox);
    expect(reset.progress).toBe('0.30');
    expect((await render(sandbox, reset.id)).body.progress).toBe('0.00');

    await sandbox.control.settings({ renderResetsProgress: false });
    const kept = await preview(sandbox);
    await sandbox.control.setLipsync(kept.id, { hold: true });
    expect((await render(sandbox, kept.id)).body).toMatchObject({ status: 'pending', progress: '0.30' });
    await sleep(50);
    expect((await get(kept.id)).progress).toBe('0.30');
    // `running` starts its own ticks from 0.
    expect(await sandbox.control.setLipsync(kept.id, { status: 'running' })).toMatchObject({ progress: '0.00' });
  });

  test('creditsUsedOnRender keep: credits_used stays at the preview\'s, the ledger still charges', async () => {
    await sandbox.control.settings({ creditsUsedOnRender: 'keep' });
    const { id } = await preview(sandbox);
    expect((await render(sandbox, id)).body.credits_used).toBe(1);
    expect(await waitForLipsync(sandbox, id, isFinished)).toMatchObject({ status: 'done', credits_used: 1 });
    const stats = await sandbox.control.stats();
    expect(stats.renders).toEqual({ [id]: 1 });
    expect(stats.credits.ledger.map((e) => [e.action, e.credits])).toEqual([['preview', 1], ['render', 4]]);
    expect(stats.credits.remaining).toBe(995);
  });

  test('runningStatusAs renames the running stage on the API; the lifecycle is unchanged', async () => {
    await sandbox.control.settings({ runningStatusAs: 'processing' });
    const { id } = await preview(sandbox);
    await sandbox.control.setLipsync(id, { hold: true });
    await render(sandbox, id);
    expect(await sandbox.control.setLipsync(id, { status: 'running', progress: 0.5 })).toMatchObject({ status: 'processing' });
    expect(await get(id)).toMatchObject({ status: 'processing', progress: '0.50' });
    expect((await call(sandbox, 'GET', `/api/lipsyncs_v2/?ids=${id}`)).body[0].status).toBe('processing');
    await sandbox.control.setLipsync(id, { hold: false });
    expect(await waitForLipsync(sandbox, id, isFinished)).toMatchObject({ status: 'done', progress: '1.00' });
    // Wire names only, and never a terminal one (the sandbox could not tell them apart).
    await expect(sandbox.control.settings({ runningStatusAs: 'done' })).rejects.toMatchObject({ status: 400 });
    await expect(sandbox.control.settings({ runningStatusAs: 'In-Progress' })).rejects.toMatchObject({ status: 400 });
    await expect(sandbox.control.settings({ runningStatusAs: 'x'.repeat(41) })).rejects.toMatchObject({ status: 400 });
  });

  test('secondRender charge composes with renderMediaJob keep', async () => {
    await sandbox.control.settings({ secondRender: 'charge', renderMediaJob: 'keep', mediaJobAtPreview: true });
    const previewed = await preview(sandbox);
    await render(sandbox, previewed.id);
    await waitForLipsync(sandbox, previewed.id, isFinished);
    const again = await render(sandbox, previewed.id);
    expect(again.body).toMatchObject({ status: 'pending', media_job: previewed.media_job, credits_used: 9 });
    expect((await sandbox.control.stats()).renders).toEqual({ [previewed.id]: 2 });
  });
});

describe('sandbox renderApplyDelayMs (a server that applies render asynchronously)', () => {
  let sandbox: RunningSandbox;
  useFastSandbox((s) => (sandbox = s));
  // Long enough for the few HTTP round trips each test makes inside it on a busy machine.
  const DELAY = 1_500;
  const get = async (id: string) => (await call(sandbox, 'GET', `/api/lipsyncs_v2/${id}/`)).body;

  test('charged and answered at once; the record changes only after the delay', async () => {
    await sandbox.control.settings({ renderApplyDelayMs: DELAY });
    const previewed = await preview(sandbox);
    await sandbox.control.setLipsync(previewed.id, { hold: true });
    const started = Date.now();
    const rendered = await render(sandbox, previewed.id);
    expect(Date.now() - started).toBeLessThan(DELAY - 50);
    // 'new' answers with the record as it will be.
    expect(rendered.body).toMatchObject({ status: 'pending', progress: '0.00', credits_used: 5 });
    expect(rendered.body.media_job).toMatch(UUID);
    expect((await sandbox.control.stats()).renders).toEqual({ [previewed.id]: 1 });
    // Meanwhile GET still shows the preview (credits_used moved with the charge).
    expect(await get(previewed.id)).toMatchObject({
      status: 'done', output: null, media_job: null, updated_at: previewed.updated_at, credits_used: 5,
    });
    const applied = await waitForLipsync(sandbox, previewed.id, (b) => b.status === 'pending', 2 * DELAY);
    expect(Date.now() - started).toBeGreaterThanOrEqual(DELAY - 10);
    expect(applied.media_job).toBe(rendered.body.media_job);
    await sandbox.control.setLipsync(previewed.id, { hold: false });
    expect(await waitForLipsync(sandbox, previewed.id, isFinished)).toMatchObject({ status: 'done' });
  });

  test('a second render during the delay is "already rendering" under secondRender', async () => {
    await sandbox.control.settings({ renderApplyDelayMs: DELAY });
    const { id } = await preview(sandbox);
    expect((await render(sandbox, id)).status).toBe(200);
    const second = await render(sandbox, id);
    expect(second).toMatchObject({ status: 400, body: { detail: 'This lipsync is already being rendered.' } });

    await sandbox.control.settings({ secondRender: 'idempotent' });
    const idem = await render(sandbox, id);
    expect(idem.body).toMatchObject({ status: 'done', output: null }); // what GET shows now

    await sandbox.control.settings({ secondRender: 'charge' });
    expect((await render(sandbox, id)).status).toBe(200);
    expect((await sandbox.control.stats()).renders).toEqual({ [id]: 2 });
    expect(await waitForLipsync(sandbox, id, isFinished, 3 * DELAY)).toMatchObject({ status: 'done' });
  });

  test('with renderResponse stale the answer is the untouched preview', async () => {
    await sandbox.control.settings({ renderApplyDelayMs: DELAY, renderResponse: 'stale' });
    const previewed = await preview(sandbox);
    expect((await render(sandbox, previewed.id)).body).toEqual(previewed);
  });
});
