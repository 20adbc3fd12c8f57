import { startWebhookReceiver } from '../support/webhook-receiver';
import { call, isFinished, lipsyncBody, preview, render, sleep, useSandboxWithReceiver, waitForLipsync, webhooksSettled } from './helpers';

describe('sandbox webhooks against a real receiver', () => {
  const ctx = useSandboxWithReceiver();

  test('a terminal transition posts {id, status, failed_reason, output} as JSON', async () => {
    const id = await ctx.renderToEnd();
    const delivery = await ctx.receiver.waitFor((d) => d.body.id === id);
    expect(delivery.body).toEqual({
      id,
      status: 'done',
      failed_reason: null,
      output: `https://sandbox.creatify.local/videos/${id}.mp4`,
    });
    expect(delivery.headers['content-type']).toBe('application/json');
    await webhooksSettled(ctx.sandbox);
    expect(ctx.receiver.deliveries).toHaveLength(1); // previews and non-terminal steps are silent by default
    const stats = await ctx.sandbox.control.stats();
    expect(stats.webhooks).toEqual([
      expect.objectContaining({ lipsyncId: id, status: 'done', kind: 'normal', responseStatus: 200, error: null }),
    ]);
  });

  test('failed deliveries carry failed_reason; create posts too', async () => {
    await ctx.sandbox.control.settings({ outcome: 'failed', failedReason: 'boom' });
    const res = await call(ctx.sandbox, 'POST', '/api/lipsyncs_v2/', lipsyncBody({ webhookUrl: ctx.receiver.url }));
    const delivery = await ctx.receiver.waitFor((d) => d.body.id === res.body.id);
    expect(delivery.body).toEqual({ id: res.body.id, status: 'failed', failed_reason: 'boom', output: null });
  });

  test('drop: 1 drops every delivery and records it as dropped', async () => {
    await ctx.sandbox.control.settings({ webhooks: { drop: 1 } });
    const id = await ctx.renderToEnd();
    await webhooksSettled(ctx.sandbox);
    expect(ctx.receiver.deliveries).toHaveLength(0);
    const { webhooks } = await ctx.sandbox.control.stats();
    expect(webhooks).toEqual([expect.objectContaining({ lipsyncId: id, dropped: true, error: 'dropped', sentAt: null })]);
  });

  test('delayMs holds each delivery back', async () => {
    await ctx.sandbox.control.settings({ webhooks: { delayMs: 200 } });
    const { id } = await preview(ctx.sandbox, ctx.receiver.url);
    const forcedAt = Date.now();
    await ctx.sandbox.control.setLipsync(id, { status: 'done' });
    await sleep(100);
    expect(ctx.receiver.deliveries).toHaveLength(0);
    const delivery = await ctx.receiver.waitFor((d) => d.body.id === id);
    expect(delivery.at - forcedAt).toBeGreaterThanOrEqual(200);
    expect(delivery.body).toMatchObject({ status: 'done', output: expect.stringContaining(id) });
  });

  test('duplicate sends extra identical copies', async () => {
    await ctx.sandbox.control.settings({ webhooks: { duplicate: 2 } });
    const id = await ctx.renderToEnd();
    const all = await ctx.receiver.waitForCount(3);
    expect(all.map((d) => d.body)).toEqual([0, 1, 2].map(() => all[0]!.body));
    expect(all[0]!.body).toMatchObject({ id, status: 'done' });
    const kinds = (await ctx.sandbox.control.stats()).webhooks.map((w) => w.kind);
    expect(kinds).toEqual(['normal', 'duplicate', 'duplicate']);
  });

  test('nonTerminal also posts pending, in_queue and running, in order', async () => {
    await ctx.sandbox.control.settings({ webhooks: { nonTerminal: true } });
    await ctx.renderToEnd();
    const all = await ctx.receiver.waitForCount(4);
    expect(all.map((d) => d.body.status)).toEqual(['pending', 'in_queue', 'running', 'done']);
    expect(all.slice(0, 3).every((d) => d.body.output === null)).toBe(true);
  });

  test('reorder sends a lipsync\'s deliveries newest first at its terminal state', async () => {
    await ctx.sandbox.control.settings({ webhooks: { nonTerminal: true, reorder: true } });
    await ctx.renderToEnd();
    const all = await ctx.receiver.waitForCount(4);
    expect(all.map((d) => d.body.status)).toEqual(['done', 'running', 'in_queue', 'pending']);
  });

  test('stalePreview delivers the preview\'s done with output null after render is accepted', async () => {
    await ctx.sandbox.control.settings({ webhooks: { stalePreview: true } });
    const id = await ctx.renderToEnd();
    const all = await ctx.receiver.waitForCount(2);
    expect(all.map((d) => d.body)).toEqual([
      { id, status: 'done', failed_reason: null, output: null },
      { id, status: 'done', failed_reason: null, output: `https://sandbox.creatify.local/videos/${id}.mp4` },
    ]);
    expect((await ctx.sandbox.control.stats()).webhooks.map((w) => w.kind)).toEqual(['stale-preview', 'normal']);
  });

  test('a failing receiver is recorded and never breaks the sandbox', async () => {
    ctx.receiver.respondWith(500);
    const first = await ctx.renderToEnd();
    await ctx.receiver.waitFor((d) => d.body.id === first);
    // Nothing listens on this one: connection refused.
    const dead = await startWebhookReceiver();
    const deadUrl = dead.url;
    await dead.close();
    const { id } = await preview(ctx.sandbox, deadUrl);
    await render(ctx.sandbox, id);
    await waitForLipsync(ctx.sandbox, id, isFinished);
    let webhooks = (await ctx.sandbox.control.stats()).webhooks;
    for (let i = 0; i < 50 && webhooks.length < 2; i++) {
      await sleep(10);
      webhooks = (await ctx.sandbox.control.stats()).webhooks;
    }
    expect(webhooks[0]).toMatchObject({ lipsyncId: first, responseStatus: 500, error: 'HTTP 500' });
    expect(webhooks[1]).toMatchObject({ lipsyncId: id, responseStatus: null });
    expect(webhooks[1]!.error).toMatch(/ECONNREFUSED/);
    expect((await call(ctx.sandbox, 'GET', '/api/remaining_credits/')).status).toBe(200);
  });
});

describe('sandbox webhooks.duplicateChance', () => {
  const ctx = useSandboxWithReceiver();

  test('about that share of deliveries gets one extra copy, the same ones for the same seed', async () => {
    const countDuplicates = async () => {
      await ctx.sandbox.control.reset({ webhooks: { duplicateChance: 0.3 } });
      for (let i = 0; i < 40; i++) await ctx.renderToEnd();
      await webhooksSettled(ctx.sandbox);
      const { webhooks } = await ctx.sandbox.control.stats();
      return webhooks.filter((w) => w.kind === 'duplicate').length;
    };
    const first = await countDuplicates();
    expect(first).toBeGreaterThanOrEqual(4);
    expect(first).toBeLessThanOrEqual(22);
    expect(await countDuplicates()).toBe(first);
  });
});
