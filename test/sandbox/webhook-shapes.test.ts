import { defaultSettings } from '../../src/sandbox';
import { call, isFinished, preview, render, useSandboxWithReceiver, waitForLipsync, webhooksSettled } from './helpers';

// Payload shapes a real Creatify might send instead of §7's {id, status,
// failed_reason, output}, and a terminal webhook that outruns the record (earlyTerminalMs).

describe('sandbox webhook payload settings', () => {
  const ctx = useSandboxWithReceiver();
  const video = (id: string) => `https://sandbox.creatify.local/videos/${id}.mp4`;

  test('defaults: the documented four fields, nothing else', async () => {
    expect(defaultSettings().webhooks).toMatchObject({
      style: 'documented', statusAliases: {}, progress: 'none', idCase: 'lower', extraFields: false, earlyTerminalMs: 0,
    });
    const id = await ctx.renderToEnd();
    const { body } = await ctx.receiver.waitFor((d) => d.body.id === id);
    expect(body).toEqual({ id, status: 'done', failed_reason: null, output: video(id) });
    expect((await ctx.sandbox.control.stats()).webhooks[0]!.body).toEqual(body);
  });

  test('style sibling sends video_output and video_thumbnail instead of output', async () => {
    await ctx.sandbox.control.settings({ webhooks: { style: 'sibling' } });
    const id = await ctx.renderToEnd();
    const { body } = await ctx.receiver.waitFor((d) => d.body.id === id);
    expect(body).toEqual({
      id, status: 'done', failed_reason: null, video_output: video(id),
      video_thumbnail: `https://sandbox.creatify.local/videos/${id}.jpg`,
    });
    // The attempt log names the URL whichever field carried it.
    expect((await ctx.sandbox.control.stats()).webhooks[0]).toMatchObject({ output: video(id), status: 'done' });
  });

  test('statusAliases rename statuses in deliveries only', async () => {
    await ctx.sandbox.control.settings({
      runningStatusAs: 'processing',
      webhooks: { nonTerminal: true, statusAliases: { done: 'completed', pending: 'queued' } },
    });
    const id = await ctx.renderToEnd();
    const all = await ctx.receiver.waitForCount(4);
    expect(all.map((d) => d.body.status)).toEqual(['queued', 'in_queue', 'processing', 'completed']);
    expect((await call(ctx.sandbox, 'GET', `/api/lipsyncs_v2/${id}/`)).body.status).toBe('done');
    expect((await ctx.sandbox.control.stats()).webhooks.map((w) => w.status)).toEqual(['queued', 'in_queue', 'processing', 'completed']);
    // A patch replaces the whole map.
    expect((await ctx.sandbox.control.settings({ webhooks: { statusAliases: { failed: 'error' } } })).webhooks.statusAliases)
      .toEqual({ failed: 'error' });
  });

  test('progress as string or number; idCase upper', async () => {
    await ctx.sandbox.control.settings({ webhooks: { progress: 'string', idCase: 'upper' } });
    const a = await ctx.renderToEnd();
    expect((await ctx.receiver.waitFor((d) => d.body.status === 'done')).body).toMatchObject({ id: a.toUpperCase(), progress: '1.00' });
    await ctx.sandbox.control.settings({ webhooks: { progress: 'number', idCase: 'lower', nonTerminal: true } });
    const b = await ctx.renderToEnd();
    await ctx.receiver.waitForCount(5);
    expect(ctx.receiver.deliveries.filter((d) => d.body.id === b).map((d) => d.body.progress)).toEqual([0, 0, 0, 1]);
  });

  test('extraFields adds unknown fields; duplicates count their attempt', async () => {
    await ctx.sandbox.control.settings({ webhooks: { extraFields: true, duplicate: 1 } });
    const id = await ctx.renderToEnd();
    const [first, copy] = await ctx.receiver.waitForCount(2);
    expect(first!.body).toEqual({
      id, status: 'done', failed_reason: null, output: video(id),
      event: 'lipsync.status', sent_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/), meta: { attempt: 1 },
    });
    expect(Math.abs(Date.parse(first!.body.sent_at) - first!.at)).toBeLessThan(1_000);
    expect(copy!.body.meta).toEqual({ attempt: 2 });
  });

  test.each([
    ['number', 0.2],
    ['percent', 20], // a 0–100 scale (§3.6 [U])
  ] as const)('a stale preview delivery takes the same shape (progress as %s)', async (progressAs, progress) => {
    await ctx.sandbox.control.settings({ previewProgress: 0.2, webhooks: { stalePreview: true, style: 'sibling', progress: progressAs } });
    const id = await ctx.renderToEnd();
    const [stale] = await ctx.receiver.waitForCount(2);
    expect(stale!.body).toEqual({ id, status: 'done', failed_reason: null, video_output: null, video_thumbnail: null, progress });
  });
});

describe('sandbox webhooks.earlyTerminalMs and stats.endedAt', () => {
  const ctx = useSandboxWithReceiver();
  // Long enough for the test's few HTTP round trips to see the record still running on a busy machine.
  const EARLY = 1_000;

  test('the terminal webhook arrives first; GET shows the end about earlyTerminalMs later', async () => {
    await ctx.sandbox.control.settings({ webhooks: { earlyTerminalMs: EARLY } });
    const { id } = await preview(ctx.sandbox, ctx.receiver.url);
    await render(ctx.sandbox, id);
    const delivery = await ctx.receiver.waitFor((d) => d.body.id === id);
    expect(delivery.body).toEqual({ id, status: 'done', failed_reason: null, output: `https://sandbox.creatify.local/videos/${id}.mp4` });
    const meanwhile = (await call(ctx.sandbox, 'GET', `/api/lipsyncs_v2/${id}/`)).body;
    expect(meanwhile).toMatchObject({ status: 'running', output: null });
    expect((await ctx.sandbox.control.stats()).endedAt[id]).toBeUndefined();
    const ended = await waitForLipsync(ctx.sandbox, id, isFinished, 3 * EARLY);
    expect(ended).toMatchObject({ status: 'done', output: delivery.body.output });
    const { endedAt, webhooks } = await ctx.sandbox.control.stats();
    // From the sandbox's own send time (the hop to the receiver may pause), with room for
    // the send's own queueing: a webhook sent at the end would give 0 or less.
    expect(endedAt[id]! - webhooks[0]!.sentAt!).toBeGreaterThanOrEqual(EARLY / 2);
    expect(endedAt[id]! - delivery.at).toBeLessThan(2 * EARLY);
    await webhooksSettled(ctx.sandbox);
    expect(ctx.receiver.deliveries).toHaveLength(1);
  });

  test('an early failure too; holding does not stop a decided end', async () => {
    await ctx.sandbox.control.settings({ outcome: 'failed', failedReason: 'nope', webhooks: { earlyTerminalMs: EARLY } });
    const { id } = await preview(ctx.sandbox, ctx.receiver.url);
    await render(ctx.sandbox, id);
    const delivery = await ctx.receiver.waitFor((d) => d.body.id === id);
    expect(delivery.body).toMatchObject({ status: 'failed', failed_reason: 'nope' });
    await ctx.sandbox.control.setLipsync(id, { hold: true });
    expect((await call(ctx.sandbox, 'GET', `/api/lipsyncs_v2/${id}/`)).body).toMatchObject({ status: 'running', failed_reason: null });
    expect(await waitForLipsync(ctx.sandbox, id, isFinished, 3 * EARLY)).toMatchObject({ status: 'failed', failed_reason: 'nope' });
  });

  test('natural and forced ends record endedAt at once (a forced status is never early)', async () => {
    const { id } = await preview(ctx.sandbox, ctx.receiver.url);
    await render(ctx.sandbox, id);
    await waitForLipsync(ctx.sandbox, id, isFinished);
    const natural = (await ctx.sandbox.control.stats()).endedAt[id]!;
    const delivery = await ctx.receiver.waitFor((d) => d.body.id === id);
    expect(natural).toBeLessThanOrEqual(delivery.at);

    await ctx.sandbox.control.settings({ webhooks: { earlyTerminalMs: EARLY } });
    const forced = await preview(ctx.sandbox, ctx.receiver.url);
    const before = Date.now();
    expect(await ctx.sandbox.control.setLipsync(forced.id, { status: 'done' })).toMatchObject({ status: 'done' });
    const { endedAt } = await ctx.sandbox.control.stats();
    expect(endedAt[forced.id]).toBeGreaterThanOrEqual(before);
    expect(endedAt[forced.id]).toBeLessThanOrEqual(Date.now());
    // A preview's own `done` is not an end.
    expect(endedAt[(await preview(ctx.sandbox)).id]).toBeUndefined();
  });
});
