import type { RunningSandbox } from '../../src/sandbox';
import { call, preview, render, useFastSandbox } from './helpers';

describe('GET /api/remaining_credits/ readings (setting remainingCredits)', () => {
  let sandbox: RunningSandbox;
  useFastSandbox((s) => (sandbox = s));

  test('live: the balance after each per-duration charge', async () => {
    await sandbox.control.reset({ initialCredits: 100 });
    const { id, duration } = await preview(sandbox);
    const previewCost = Math.ceil(duration / 30);
    expect((await call(sandbox, 'GET', '/api/remaining_credits/')).body).toEqual({ remaining_credits: 100 - previewCost });
    expect((await render(sandbox, id)).status).toBe(200);
    expect((await call(sandbox, 'GET', '/api/remaining_credits/')).body).toEqual({ remaining_credits: 100 - previewCost * 5 });
  });

  test('stale: the balance at the last reset, whatever was spent since; absent: 404', async () => {
    await sandbox.control.reset({ initialCredits: 100, remainingCredits: 'stale' });
    await preview(sandbox);
    expect((await call(sandbox, 'GET', '/api/remaining_credits/')).body).toEqual({ remaining_credits: 100 });
    await sandbox.control.reset({ remainingCredits: 'absent' });
    expect((await call(sandbox, 'GET', '/api/remaining_credits/')).status).toBe(404);
  });
});
