import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDevServer, type RunningDevServer } from '../../src/dev/temporal-server';
import { statusQuery } from '../../src/contract/messages';
import { eventually, startTestStack, type TestStack } from '../support/stack';

// The Temporal server itself crashes (SIGKILL) while a render is being polled, and the
// webhook arrives while it is down: after a restart on the same SQLite file the job
// still ends, by polling, with one paid render.
describe('the Temporal server killed mid-render', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lipsync-restart-'));
  const dbFile = path.join(dir, 'temporal.sqlite');
  let server: RunningDevServer;
  let stack: TestStack;
  beforeAll(async () => {
    server = await startDevServer({ dbFile, uiPort: false });
    // Longer than the receiver's 3 s Signal deadline, so its 503 is what the sandbox sees.
    stack = await startTestStack({ webhooks: { timeoutMs: 10_000 } }, { temporalAddress: server.address });
  });
  afterAll(async () => {
    await stack?.close();
    await server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the job survives, the lost webhook is covered by polling, one render', async () => {
    const id = await stack.preview();
    const handle = await stack.startHeldRender(id, { webhookTimeout: '300 ms', pollInitialInterval: '2 seconds', pollMaxInterval: '2 seconds' });
    await eventually(async () => (await stack.sandbox.control.stats()).renders[id] === 1, 10_000, 'render');
    await eventually(async () => (await handle.query(statusQuery)).phase === 'polling', 10_000, 'polling');
    // Killed between two polls: an attempt in flight at the crash would only be retried after
    // its 1-minute start-to-close timeout (correct, but slow for a test).
    await eventually(async () => ((await stack.sandbox.control.stats()).callsByLipsync[id]?.get ?? 0) >= 2, 10_000, 'a poll'); // after the snapshot
    await new Promise((resolve) => setTimeout(resolve, 300));

    server.kill();
    await stack.sandbox.control.setLipsync(id, { hold: false });
    const refused = await eventually(async () => {
      const { webhooks } = await stack.sandbox.control.stats();
      return webhooks.find((w) => w.lipsyncId === id && w.status === 'done' && (w.responseStatus !== null || w.error !== null));
    }, 20_000, 'the done webhook, sent while Temporal is down');
    expect(refused.responseStatus).toBe(503);

    server = await startDevServer({ dbFile, port: server.port, uiPort: false });
    const result = await handle.result();
    expect(result.output).toContain(id);
    expect(result.detectedBy).toBe('poll');
    const stats = await stack.sandbox.control.stats();
    expect(stats.callsByLipsync[id]?.render).toBe(1);
    expect(stats.renders[id]).toBe(1);
  }, 180_000);
});
