import type { RunningSandbox } from '../../src/sandbox';
import { call, isFinished, lipsyncBody, preview, render, sleep, useFastSandbox, waitForLipsync } from './helpers';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('sandbox lifecycle', () => {
  let sandbox: RunningSandbox;
  useFastSandbox((s) => (sandbox = s));

  test('preview answers previewed: done, output null, preview link, every §3.4 field', async () => {
    const body = await preview(sandbox, 'http://127.0.0.1:1/hook');
    expect(body.id).toMatch(UUID);
    expect(body.status).toBe('done');
    expect(body.output).toBeNull();
    expect(body.preview).toMatch(/^https:\/\/app\.creatify\.ai\/preview\?layout=videos\/\d{8}\/[0-9a-f-]{36}\.json$/);
    expect(body.progress).toBe('0.00');
    expect(body.media_job).toBeNull();
    expect(body.webhook_url).toBe('http://127.0.0.1:1/hook');
    expect(body.aspect_ratio).toBe('9x16');
    expect(body.model_version).toBe('standard');
    expect(body.video_inputs).toEqual(lipsyncBody().video_inputs);
    expect(body.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Object.keys(body).sort()).toEqual(
      [
        'aspect_ratio', 'created_at', 'credits_used', 'duration', 'editor_url', 'failed_reason', 'id',
        'media_job', 'model_version', 'name', 'output', 'preview', 'progress', 'status', 'updated_at',
        'video_inputs', 'video_thumbnail', 'webhook_url',
      ].sort(),
    );
  });

  test('render goes pending → in_queue → running (progress rising) → done with output', async () => {
    // Every state (and each running tick) lasts 400 ms: polling sees each one even when
    // a GET is slow on a loaded machine.
    const STAGE = 400;
    await sandbox.control.reset({
      timeFactor: 1,
      stageJitter: 0,
      stageMs: { pending: STAGE, in_queue: STAGE, running: 4 * STAGE },
      runningTicks: 4,
    });
    const { id } = await preview(sandbox);
    const rendered = await render(sandbox, id);
    expect(rendered.status).toBe(200);
    expect(rendered.body.status).toBe('pending');
    expect(rendered.body.media_job).toMatch(UUID);
    const seen = new Set<string>();
    const progress: number[] = [];
    const final = await waitForLipsync(
      sandbox,
      id,
      (b) => {
        seen.add(b.status);
        if (b.status === 'running') progress.push(Number(b.progress));
        return isFinished(b);
      },
      20 * STAGE,
    );
    expect([...seen]).toEqual(expect.arrayContaining(['pending', 'in_queue', 'running', 'done']));
    expect(new Set(progress).size).toBeGreaterThan(1);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(final).toMatchObject({
      status: 'done',
      progress: '1.00',
      output: `https://sandbox.creatify.local/videos/${id}.mp4`,
      video_thumbnail: `https://sandbox.creatify.local/videos/${id}.jpg`,
      failed_reason: null,
      duration: 1,
      credits_used: 5,
    });
  });

  test('outcome failed carries failed_reason; rejected ends rejected', async () => {
    await sandbox.control.settings({ outcome: 'failed', failedReason: 'Avatar not found' });
    const failed = await preview(sandbox);
    await render(sandbox, failed.id);
    expect(await waitForLipsync(sandbox, failed.id, isFinished)).toMatchObject({
      status: 'failed',
      failed_reason: 'Avatar not found',
      output: null,
    });

    await sandbox.control.settings({ outcome: 'done' });
    const rejected = await preview(sandbox);
    await sandbox.control.setLipsync(rejected.id, { outcome: 'rejected', failedReason: 'moderation' });
    await render(sandbox, rejected.id);
    expect(await waitForLipsync(sandbox, rejected.id, isFinished)).toMatchObject({
      status: 'rejected',
      failed_reason: 'moderation',
      output: null,
    });
  });

  test('hold freezes the lifecycle; force sets a status now', async () => {
    const { id } = await preview(sandbox);
    // Held before the render, so the fast lifecycle cannot get ahead of the hold.
    await sandbox.control.setLipsync(id, { hold: true });
    expect((await render(sandbox, id)).body.status).toBe('pending');
    await sleep(200); // twice the whole fast lifecycle
    expect((await call(sandbox, 'GET', `/api/lipsyncs_v2/${id}/`)).body).toMatchObject({ status: 'pending', output: null });

    const forced = await sandbox.control.setLipsync(id, { status: 'running', progress: 0.5 });
    expect(forced).toMatchObject({ status: 'running', progress: '0.50' });
    await sleep(200);
    expect((await sandbox.control.lipsync(id)).status).toBe('running');

    await sandbox.control.setLipsync(id, { hold: false });
    expect(await waitForLipsync(sandbox, id, isFinished)).toMatchObject({ status: 'done' });

    const other = await preview(sandbox);
    await render(sandbox, other.id);
    const done = await sandbox.control.setLipsync(other.id, { status: 'failed', failedReason: 'forced' });
    expect(done).toMatchObject({ status: 'failed', failed_reason: 'forced' });
  });

  test('create goes straight to processing and charges 5 per 30 s', async () => {
    const text = 'x'.repeat(16 * 45); // ~45 s → two 30 s blocks
    const res = await call(sandbox, 'POST', '/api/lipsyncs_v2/', lipsyncBody({ text }));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'pending', preview: null, duration: 45, credits_used: 10 });
    expect(await waitForLipsync(sandbox, res.body.id, isFinished)).toMatchObject({ status: 'done' });
    expect((await sandbox.control.stats()).credits).toMatchObject({ initial: 1000, remaining: 990 });
  });

  test('progressAs number and previewStatus pending', async () => {
    await sandbox.control.settings({ progressAs: 'number', previewStatus: 'pending' });
    const body = await preview(sandbox);
    expect(body).toMatchObject({ status: 'pending', progress: 0, output: null });
    expect(body.preview).toContain('https://app.creatify.ai/preview?layout=');
    await sleep(100); // a pending preview stays there until rendered
    expect((await call(sandbox, 'GET', `/api/lipsyncs_v2/${body.id}/`)).body.status).toBe('pending');
    await render(sandbox, body.id);
    expect(await waitForLipsync(sandbox, body.id, isFinished)).toMatchObject({ status: 'done', progress: 1 });
  });

  test('progressAs percent: a number from 0 to 100', async () => {
    await sandbox.control.settings({ progressAs: 'percent' });
    const body = await preview(sandbox);
    await render(sandbox, body.id);
    expect(await waitForLipsync(sandbox, body.id, isFinished)).toMatchObject({ status: 'done', progress: 100 });
  });

  test('previewLatencyMs delays the preview answer', async () => {
    await sandbox.control.settings({ previewLatencyMs: 150 });
    const started = Date.now();
    await preview(sandbox);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });
});
