import type { RunningSandbox } from '../../src/sandbox';
import { call, preview, render, useFastSandbox } from './helpers';

describe('sandbox injected faults', () => {
  let sandbox: RunningSandbox;
  useFastSandbox((s) => (sandbox = s));

  test('rate-limit: 429 with Retry-After in seconds, DRF throttle detail, then normal again', async () => {
    await sandbox.control.addFault({ endpoint: 'credits', kind: 'rate-limit', retryAfter: '7', times: 2 });
    for (let i = 0; i < 2; i++) {
      const res = await call(sandbox, 'GET', '/api/remaining_credits/');
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('7');
      expect(res.body).toEqual({ detail: 'Request was throttled. Expected available in 7 seconds.' });
    }
    expect((await call(sandbox, 'GET', '/api/remaining_credits/')).body).toEqual({ remaining_credits: 1000 });
    const stats = await sandbox.control.stats();
    expect(stats.calls.credits).toBe(3);
    expect(stats.faultsInjected.map((f) => [f.endpoint, f.kind])).toEqual([
      ['credits', 'rate-limit'],
      ['credits', 'rate-limit'],
    ]);
  });

  test('rate-limit with Retry-After as an HTTP date', async () => {
    const when = new Date(Date.now() + 30_000).toUTCString();
    await sandbox.control.addFault({ endpoint: '*', kind: 'rate-limit', retryAfter: when });
    const res = await call(sandbox, 'GET', '/api/lipsyncs_v2/');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe(when);
    // The date has whole seconds (up to 1 s lost) and the answer comes some time later:
    // anything from 25 to 30 s is right.
    const seconds = Number(/Expected available in (\d+) seconds/.exec(res.body.detail)?.[1]);
    expect(seconds).toBeGreaterThanOrEqual(25);
    expect(seconds).toBeLessThanOrEqual(30);
  });

  test('server-error answers the given 5xx with an HTML body', async () => {
    await sandbox.control.addFault({ endpoint: 'preview', kind: 'server-error', status: 502 });
    const res = await call(sandbox, 'POST', '/api/lipsyncs_v2/preview/', {});
    expect(res.status).toBe(502);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.body).toContain('502 Bad Gateway');
    // Not processed: nothing charged, nothing stored.
    expect((await sandbox.control.stats()).credits.ledger).toEqual([]);
  });

  test('slow delays the answer, which is then normal', async () => {
    await sandbox.control.addFault({ endpoint: 'credits', kind: 'slow', delayMs: 200 });
    const started = Date.now();
    const res = await call(sandbox, 'GET', '/api/remaining_credits/');
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(res.status).toBe(200);
  });

  test('reset destroys the connection without processing', async () => {
    const { id } = await preview(sandbox);
    await sandbox.control.addFault({ endpoint: 'render', kind: 'reset' });
    await expect(render(sandbox, id)).rejects.toThrow(/fetch failed/);
    const stats = await sandbox.control.stats();
    expect(stats.renders).toEqual({});
    expect(stats.credits.ledger.map((e) => e.action)).toEqual(['preview']);
    expect((await sandbox.control.lipsync(id)).status).toBe('done');
  });

  test('lost-response: render is processed and charged, the client sees a dead socket', async () => {
    const { id } = await preview(sandbox);
    await sandbox.control.addFault({ endpoint: 'render', kind: 'lost-response', lipsyncId: id });
    await expect(render(sandbox, id)).rejects.toThrow(/fetch failed/);
    const stats = await sandbox.control.stats();
    expect(stats.renders).toEqual({ [id]: 1 });
    expect(stats.credits.ledger.map((e) => [e.lipsyncId, e.action, e.credits])).toEqual([
      [id, 'preview', 1],
      [id, 'render', 4],
    ]);
    expect(stats.faultsInjected).toEqual([expect.objectContaining({ endpoint: 'render', kind: 'lost-response', lipsyncId: id })]);
    const now = await call(sandbox, 'GET', `/api/lipsyncs_v2/${id}/`);
    expect(now.body.media_job).not.toBeNull();
    // The retry a careless client would send is refused by default: never paid twice.
    expect((await render(sandbox, id)).status).toBe(400);
    expect((await sandbox.control.stats()).renders).toEqual({ [id]: 1 });
  });

  test('a fault bound to one lipsync id spares the others; faults come before auth', async () => {
    const a = await preview(sandbox);
    const b = await preview(sandbox);
    await sandbox.control.addFault({ endpoint: 'get', kind: 'server-error', lipsyncId: b.id });
    expect((await call(sandbox, 'GET', `/api/lipsyncs_v2/${a.id}/`)).status).toBe(200);
    expect((await call(sandbox, 'GET', `/api/lipsyncs_v2/${b.id}/`, undefined, {})).status).toBe(500);
    expect((await call(sandbox, 'GET', `/api/lipsyncs_v2/${b.id}/`)).status).toBe(200);
  });

  test('clearFaults disarms everything; bad faults are refused', async () => {
    await sandbox.control.addFault({ endpoint: '*', kind: 'server-error', times: 5 });
    expect(await sandbox.control.faults()).toHaveLength(1);
    await sandbox.control.clearFaults();
    expect((await call(sandbox, 'GET', '/api/remaining_credits/')).status).toBe(200);
    await expect(sandbox.control.addFault({ endpoint: 'nope' as never, kind: 'reset' })).rejects.toThrow(/400/);
  });
});
