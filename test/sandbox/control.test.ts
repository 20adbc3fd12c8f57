import { randomUUID } from 'node:crypto';
import { SandboxControl, startSandbox } from '../../src/sandbox';
import type { RunningSandbox } from '../../src/sandbox';
import { startWebhookReceiver } from '../support/webhook-receiver';
import { call, FAST, preview, render } from './helpers';

describe('sandbox control routes', () => {
  test('reset clears records, counts, ledger, faults; restores start settings plus the patch', async () => {
    const sandbox = await startSandbox({ settings: { ...FAST, initialCredits: 50 } });
    try {
      const { id } = await preview(sandbox);
      await sandbox.control.settings({ secondRender: 'charge' });
      await sandbox.control.addFault({ endpoint: 'get', kind: 'server-error' });
      const settings = await sandbox.control.reset({ progressAs: 'number' });
      expect(settings).toMatchObject({ initialCredits: 50, secondRender: 'reject', progressAs: 'number', timeFactor: FAST.timeFactor });
      expect((await call(sandbox, 'GET', `/api/lipsyncs_v2/${id}/`)).status).toBe(404);
      expect(await sandbox.control.stats()).toEqual({
        calls: { create: 0, preview: 0, render: 0, get: 1, list: 0, credits: 0 },
        callsByLipsync: { [id]: { create: 0, preview: 0, render: 0, get: 1, list: 0 } },
        renders: {},
        credits: { initial: 50, remaining: 50, ledger: [] },
        webhooks: [],
        webhooksPending: 0,
        faultsInjected: [],
        endedAt: {},
        throttled: 0,
      });
    } finally {
      await sandbox.close();
    }
  });

  test('settings validate; unknown lipsync → 404; a standalone SandboxControl works by URL', async () => {
    const sandbox = await startSandbox({ settings: FAST });
    try {
      const control = new SandboxControl(`${sandbox.url}/`);
      expect((await control.settings({ webhooks: { duplicate: 1 } })).webhooks).toMatchObject({ duplicate: 1, drop: 0 });
      await expect(control.settings({ timeFactor: -1 })).rejects.toMatchObject({ status: 400 });
      await expect(control.settings({ bogus: true } as never)).rejects.toMatchObject({ status: 400 });
      await expect(control.lipsync(randomUUID())).rejects.toMatchObject({ status: 404 });
      await expect(control.setLipsync(randomUUID(), { hold: true })).rejects.toMatchObject({ status: 404 });
      const { id } = await preview(sandbox);
      await expect(control.setLipsync(id, { status: 'exploded' as never })).rejects.toMatchObject({ status: 400 });
      expect((await control.lipsync(id)).id).toBe(id);
    } finally {
      await sandbox.close();
    }
  });

  test('the request log names method, path and status, never the API key', async () => {
    const lines: string[] = [];
    const sandbox = await startSandbox({
      settings: FAST,
      credentials: { apiId: 'log-id', apiKey: 'very-secret-key' },
      log: (line) => lines.push(line),
    });
    try {
      const { id } = await preview(sandbox);
      await render(sandbox, id);
      await call(sandbox, 'GET', '/api/remaining_credits/', undefined, { 'X-API-ID': 'log-id', 'X-API-KEY': 'guess-key' });
      expect(lines).toEqual(expect.arrayContaining([
        expect.stringMatching(/^POST \/api\/lipsyncs_v2\/preview\/ 200 \d+ms$/),
        expect.stringMatching(/^GET \/api\/remaining_credits\/ 401 \d+ms$/),
      ]));
      expect(lines.join('\n')).not.toMatch(/very-secret-key|guess-key/);
    } finally {
      await sandbox.close();
    }
  });

  describe('seed determinism', () => {
    /** Which of 16 terminal webhooks a sandbox with this seed drops, in creation order. */
    async function dropPattern(sandbox: RunningSandbox, url: string): Promise<boolean[]> {
      await sandbox.control.reset({ webhooks: { drop: 0.5 } });
      const ids: string[] = [];
      for (let i = 0; i < 16; i++) ids.push((await preview(sandbox, url)).id);
      for (const id of ids) await sandbox.control.setLipsync(id, { status: 'done' });
      let attempts = (await sandbox.control.stats()).webhooks;
      for (let i = 0; i < 100 && attempts.length < ids.length; i++) {
        await new Promise((r) => setTimeout(r, 10));
        attempts = (await sandbox.control.stats()).webhooks;
      }
      return ids.map((id) => attempts.find((a) => a.lipsyncId === id)!.dropped);
    }

    test('same seed → same drops (also after reset); another seed → different drops', async () => {
      const receiver = await startWebhookReceiver();
      const [a, b, c] = await Promise.all([7, 7, 8].map((seed) => startSandbox({ seed, settings: FAST })));
      try {
        const first = await dropPattern(a!, receiver.url);
        expect(first.filter(Boolean).length).toBeGreaterThan(0);
        expect(first.filter(Boolean).length).toBeLessThan(16);
        expect(await dropPattern(b!, receiver.url)).toEqual(first);
        expect(await dropPattern(a!, receiver.url)).toEqual(first);
        expect(await dropPattern(c!, receiver.url)).not.toEqual(first);
      } finally {
        await Promise.all([a, b, c].map((s) => s!.close()));
        await receiver.close();
      }
    });
  });
});
