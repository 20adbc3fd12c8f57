import { eventually, startTestStack, type TestStack } from '../support/stack';

const FAST = { webhookTimeout: '30 seconds', pollInitialInterval: '200 ms', pollMaxInterval: '1 second', deadline: '1 minute' };

describe('tracking a render through the webhook', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack?.close();
  });
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
});
