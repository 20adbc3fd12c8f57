import { startDevServer, type RunningDevServer } from '../../src/dev/temporal-server';
import { webhookUrl } from '../../src/contract/webhook-url';
import { statusQuery } from '../../src/contract/messages';
import { eventually, startTestStack, type TestStack } from '../support/stack';

// A server that suggests continue-as-new after a few dozen events, so a flood of
// deliveries shows that one run's history stays bounded.
const SUGGEST_AFTER_EVENTS = 40;

describe('a flood of webhook deliveries', () => {
  let server: RunningDevServer;
  let stack: TestStack;
  beforeAll(async () => {
    server = await startDevServer({ uiPort: false, dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': SUGGEST_AFTER_EVENTS } });
    stack = await startTestStack({}, { temporalAddress: server.address });
  });
  afterAll(async () => {
    await stack?.close();
    await server?.stop();
  });

  test('continues as new with its state, keeps history bounded, still renders once', async () => {
    const id = await stack.preview();
    await stack.sandbox.control.setLipsync(id, { hold: true });
    const handle = await stack.orchestrator.startRender(id, { webhookTimeout: '1 minute' });
    await eventually(async () => (await handle.query(statusQuery)).phase === 'waiting-for-webhook', 10_000, 'waiting');

    // Each continue-as-new holds up the Signal that meets it for ~1.5 s: keep the flood modest.
    const deliveries = 50;
    for (let i = 0; i < deliveries; i++) {
      const res = await fetch(webhookUrl(stack.webhookConfig), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id, status: i % 2 ? 'running' : 'pending' }),
      });
      expect(res.status).toBe(200);
    }
    await stack.sandbox.control.setLipsync(id, { hold: false });
    const result = await stack.orchestrator.waitForResult(id);

    expect(result.output).toContain(id);
    expect(result.webhooksReceived).toBeGreaterThanOrEqual(deliveries); // carried across runs
    const runs: number[] = [];
    for await (const info of stack.client.workflow.list({ query: `WorkflowId = 'lipsync-render-${id}'` })) runs.push(info.historyLength);
    expect(runs.length).toBeGreaterThan(1);
    expect(Math.max(...runs)).toBeLessThan(SUGGEST_AFTER_EVENTS + 20);
    expect((await stack.sandbox.control.stats()).callsByLipsync[id]?.render).toBe(1);
  });
});
