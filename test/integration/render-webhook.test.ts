import { statusQuery, type TrackingOptions } from '../../src/workflows/messages';
import { webhookUrl } from '../../src/webhook/token';
import { eventually, useTestStack } from '../support/stack';

const FAST: TrackingOptions = { webhookTimeout: '30 seconds', pollInitialInterval: '200 ms', pollMaxInterval: '1 second', deadline: '1 minute' };

describe('tracking a render through the webhook', () => {
  const stack = useTestStack();
  beforeEach(async () => {
    await stack.sandbox.control.reset();
  });

  test('completes within 1 s of the terminal webhook; one render POST, one confirming GET, charged once', async () => {
    const id = await stack.preview();
    const before = await stack.sandbox.control.stats();
    const handle = await stack.orchestrator.startRender(id, FAST);
    const result = await handle.result();

    expect(result.detectedBy).toBe('webhook');
    expect(result.output).toMatch(new RegExp(`^https://.*${id}.*\\.mp4$`));
    expect(result.polls).toBe(0);
    expect(result.confirmations).toBe(1);

    const stats = await stack.sandbox.control.stats();
    expect(stats.callsByLipsync[id]?.render).toBe(1);
    expect(stats.callsByLipsync[id]?.get ?? 0).toBe(1);
    expect(stats.renders[id]).toBe(1);
    const renderCharges = stats.credits.ledger.filter((entry) => entry.lipsyncId === id && entry.action === 'render');
    expect(renderCharges).toHaveLength(1);
    expect(stats.credits.remaining).toBe(before.credits.remaining - renderCharges[0]!.credits);

    const doneDelivery = stats.webhooks.find((w) => w.lipsyncId === id && w.status === 'done' && w.sentAt !== null);
    expect(doneDelivery).toBeDefined();
    const closeTime = (await handle.describe()).closeTime!.getTime();
    expect(closeTime - doneDelivery!.sentAt!).toBeLessThan(1_000);
    expect(closeTime).toBeGreaterThanOrEqual(doneDelivery!.sentAt! - 50);
  });

  test('the status query and LipsyncStatus follow the render', async () => {
    const id = await stack.preview();
    await stack.sandbox.control.setLipsync(id, { hold: true });
    const handle = await stack.orchestrator.startRender(id, FAST);
    const state = await eventually(async () => {
      const s = await handle.query('status' as never).catch(() => undefined) as { status: string } | undefined;
      return s && s.status === 'pending' ? s : undefined;
    }, 10_000, 'status pending');
    expect(state.status).toBe('pending');
    await stack.sandbox.control.setLipsync(id, { hold: false });
    await handle.result();
    const description = await handle.describe();
    const { LIPSYNC_STATUS } = await import('../../src/workflows/messages');
    expect(description.typedSearchAttributes.get(LIPSYNC_STATUS)).toBe('done');
  });

  const renderWith = async (webhooks: Record<string, unknown>) => {
    await stack.sandbox.control.reset({ webhooks });
    const id = await stack.preview();
    const handle = await stack.orchestrator.startRender(id, FAST);
    const result = await handle.result();
    const state = await handle.query(statusQuery);
    const stats = await stack.sandbox.control.stats();
    return { id, result, state, stats };
  };

  test('duplicate deliveries: one render, one confirmation, the rest ignored', async () => {
    const { id, result, stats } = await renderWith({ duplicate: 2 });
    expect(result.detectedBy).toBe('webhook');
    expect(stats.webhooks.filter((w) => w.lipsyncId === id && w.kind === 'duplicate').length).toBeGreaterThanOrEqual(2);
    expect(stats.callsByLipsync[id]?.render).toBe(1);
    expect(stats.callsByLipsync[id]?.get).toBe(1);
  });

  test('non-terminal deliveries move the status forward only, then the terminal one completes', async () => {
    const { id, result, state, stats } = await renderWith({ nonTerminal: true });
    const statuses = stats.webhooks.filter((w) => w.lipsyncId === id).map((w) => w.status);
    expect(statuses).toEqual(expect.arrayContaining(['pending', 'in_queue', 'running', 'done']));
    expect(result.detectedBy).toBe('webhook');
    expect(state.status).toBe('done');
    expect(state.webhooksReceived).toBeGreaterThanOrEqual(4);
    expect(stats.callsByLipsync[id]?.get).toBe(1); // non-terminal hints cost no GET
  });

  test('reordered deliveries (newest first): done wins, the late ones change nothing', async () => {
    const { id, result, state, stats } = await renderWith({ nonTerminal: true, reorder: true });
    const sent = stats.webhooks.filter((w) => w.lipsyncId === id).map((w) => w.status);
    expect(sent[0]).toBe('done');
    expect(result.output).toContain(id);
    expect(state.status).toBe('done');
    expect(stats.renders[id]).toBe(1);
  });

  test('a stale preview delivery (done, no output) is ignored', async () => {
    await stack.sandbox.control.reset({ webhooks: { stalePreview: true } });
    const id = await stack.preview();
    await stack.sandbox.control.setLipsync(id, { hold: true });
    const handle = await stack.orchestrator.startRender(id, FAST);
    const staleSeen = await eventually(async () => {
      const state = await handle.query(statusQuery);
      return state.webhooksIgnored >= 1 ? state : undefined;
    }, 10_000, 'the stale delivery');
    expect(staleSeen.status).not.toBe('done');
    expect((await handle.describe()).status.name).toBe('RUNNING');
    await stack.sandbox.control.setLipsync(id, { hold: false });
    const result = await handle.result();
    expect(result.output).toContain(id);
    const stats = await stack.sandbox.control.stats();
    expect(stats.webhooks.some((w) => w.lipsyncId === id && w.kind === 'stale-preview')).toBe(true);
    expect(stats.renders[id]).toBe(1);
  });

  test('a terminal webhook that the API contradicts does not complete the workflow', async () => {
    const id = await stack.preview();
    const handle = await stack.orchestrator.startRender(id, FAST);
    await eventually(async () => (await stack.sandbox.control.stats()).renders[id] === 1, 10_000, 'render');
    await stack.sandbox.control.setLipsync(id, { status: 'running', hold: true });
    const forged = await fetch(webhookUrl(stack.webhookConfig), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id, status: 'done', failed_reason: null, output: 'https://evil.example/forged.mp4' }),
    });
    expect(forged.status).toBe(200);
    const state = await eventually(async () => {
      const s = await handle.query(statusQuery);
      return s.confirmations >= 1 && s.phase !== 'confirming' ? s : undefined;
    }, 10_000, 'the confirmation');
    expect(state.status).toBe('running');
    expect(state.output).toBeNull();
    expect(state.lastEvent).toMatch(/not trusted/);
    expect((await handle.describe()).status.name).toBe('RUNNING');

    await stack.sandbox.control.setLipsync(id, { hold: false });
    const result = await handle.result();
    expect(result.output).not.toContain('evil');
  });

  test('with confirmWebhook: false the payload is trusted and no GET is made', async () => {
    const id = await stack.preview();
    const handle = await stack.orchestrator.startRender(id, { ...FAST, confirmWebhook: false });
    const result = await handle.result();
    expect(result.detectedBy).toBe('webhook');
    expect(result.confirmations).toBe(0);
    expect((await stack.sandbox.control.stats()).callsByLipsync[id]?.get ?? 0).toBe(0);
  });
});
