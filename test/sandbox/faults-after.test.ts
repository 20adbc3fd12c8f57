import type { RunningSandbox } from '../../src/sandbox';
import { call, preview, render, sleep, useFastSandbox } from './helpers';

// Faults before vs after processing: the difference a client cannot see on the wire
// but pays for (a render charged or not), and `hang`, a timeout before any work.

describe('sandbox faults before and after processing', () => {
  let sandbox: RunningSandbox;
  useFastSandbox((s) => (sandbox = s));

  /** A previewed record held in place, so its state after a fault is easy to read. */
  async function heldPreview(): Promise<string> {
    const { id } = await preview(sandbox);
    await sandbox.control.setLipsync(id, { hold: true });
    return id;
  }
  const charged = async () => (await sandbox.control.stats()).credits.ledger.filter((e) => e.action === 'render').length;

  test('after defaults to false and is reported back; lost-response is always after', async () => {
    expect(await sandbox.control.addFault({ endpoint: 'get', kind: 'server-error' })).toMatchObject({ after: false });
    expect(await sandbox.control.addFault({ endpoint: 'get', kind: 'lost-response' })).toMatchObject({ after: true });
    expect((await sandbox.control.faults()).map((f) => f.after)).toEqual([false, true]);
  });

  test('server-error before: 5xx, render not charged; after: 5xx, render charged and started', async () => {
    const id = await heldPreview();
    await sandbox.control.addFault({ endpoint: 'render', kind: 'server-error', status: 503 });
    expect((await render(sandbox, id)).status).toBe(503);
    expect(await charged()).toBe(0);
    expect((await sandbox.control.lipsync(id)).status).toBe('done');

    await sandbox.control.addFault({ endpoint: 'render', kind: 'server-error', status: 502, after: true });
    const res = await render(sandbox, id);
    expect(res.status).toBe(502);
    expect(res.body).toContain('502 Bad Gateway');
    const stats = await sandbox.control.stats();
    expect(stats.renders).toEqual({ [id]: 1 });
    expect(await charged()).toBe(1);
    expect((await sandbox.control.lipsync(id)).status).toBe('pending');
    expect(stats.faultsInjected.map((f) => [f.kind, f.after, f.random, f.lipsyncId])).toEqual([
      ['server-error', false, false, id],
      ['server-error', true, false, id],
    ]);
  });

  test('reset after: the socket dies, but the render was charged (same as lost-response)', async () => {
    const id = await heldPreview();
    await sandbox.control.addFault({ endpoint: 'render', kind: 'reset', after: true });
    await expect(render(sandbox, id)).rejects.toThrow(/fetch failed/);
    expect((await sandbox.control.stats()).renders).toEqual({ [id]: 1 });
    expect((await sandbox.control.lipsync(id)).status).toBe('pending');
    // A retried render is then the "already rendering" case.
    expect((await render(sandbox, id)).status).toBe(400);
  });

  test('slow after: the record changes at once, the answer comes delayMs later', async () => {
    const id = await heldPreview();
    await sandbox.control.addFault({ endpoint: 'render', kind: 'slow', delayMs: 300, after: true });
    const started = Date.now();
    const answer = render(sandbox, id);
    await sleep(100);
    expect((await sandbox.control.stats()).renders).toEqual({ [id]: 1 });
    expect((await sandbox.control.lipsync(id)).status).toBe('pending');
    const res = await answer;
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(res).toMatchObject({ status: 200, body: { id, status: 'pending' } });
  });

  test('slow before (unchanged): nothing happens until the delay is over', async () => {
    const id = await heldPreview();
    await sandbox.control.addFault({ endpoint: 'render', kind: 'slow', delayMs: 300 });
    const answer = render(sandbox, id);
    await sleep(100);
    expect(await charged()).toBe(0);
    expect((await answer).status).toBe(200);
    expect(await charged()).toBe(1);
  });

  test('hang waits delayMs, then drops the connection without processing', async () => {
    const id = await heldPreview();
    await sandbox.control.addFault({ endpoint: 'render', kind: 'hang', delayMs: 200 });
    const started = Date.now();
    await expect(render(sandbox, id)).rejects.toThrow(/fetch failed/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    const stats = await sandbox.control.stats();
    expect(stats.renders).toEqual({});
    expect(stats.calls.render).toBe(1);
    expect(stats.faultsInjected).toEqual([expect.objectContaining({ endpoint: 'render', kind: 'hang', after: false, lipsyncId: id })]);
    expect((await sandbox.control.lipsync(id)).status).toBe('done');
  });

  test('hang after: processed at once, then the client times out all the same', async () => {
    const id = await heldPreview();
    await sandbox.control.addFault({ endpoint: 'render', kind: 'hang', delayMs: 200, after: true });
    const answer = render(sandbox, id);
    await sleep(50);
    expect(await charged()).toBe(1);
    await expect(answer).rejects.toThrow(/fetch failed/);
  });

  test('after on a create reports the id of the record it made', async () => {
    await sandbox.control.addFault({ endpoint: 'preview', kind: 'server-error', after: true });
    const res = await call(sandbox, 'POST', '/api/lipsyncs_v2/preview/', {
      video_inputs: [{ character: { type: 'avatar', avatar_id: 'a' }, voice: { type: 'text', input_text: 'hi', voice_id: 'v' } }],
    });
    expect(res.status).toBe(500);
    const stats = await sandbox.control.stats();
    const made = stats.credits.ledger[0]!.lipsyncId;
    expect(stats.faultsInjected).toEqual([expect.objectContaining({ kind: 'server-error', after: true, lipsyncId: made })]);
  });
});
