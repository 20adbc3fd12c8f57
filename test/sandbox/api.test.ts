import { randomUUID } from 'node:crypto';
import type { RunningSandbox } from '../../src/sandbox';
import { call, isFinished, lipsyncBody, preview, render, useFastSandbox, waitForLipsync } from './helpers';

describe('sandbox public API surface', () => {
  let sandbox: RunningSandbox;
  useFastSandbox((s) => (sandbox = s), { credentials: { apiId: 'acct-1', apiKey: 'secret-key-1' } });

  describe('auth', () => {
    test('missing headers → 401 "not provided"; wrong key → 401 "Invalid"', async () => {
      const none = await call(sandbox, 'GET', '/api/remaining_credits/', undefined, {});
      expect(none.status).toBe(401);
      expect(none.body).toEqual({ detail: 'Authentication credentials were not provided.' });
      const onlyId = await call(sandbox, 'GET', '/api/remaining_credits/', undefined, { 'X-API-ID': 'acct-1' });
      expect(onlyId.status).toBe(401);
      const wrong = await call(sandbox, 'GET', '/api/lipsyncs_v2/', undefined, {
        'X-API-ID': 'acct-1',
        'X-API-KEY': 'secret-key-2',
      });
      expect(wrong.status).toBe(401);
      expect(wrong.body).toEqual({ detail: 'Invalid API credentials.' });
    });

    test('authFailureStatus 403; nothing is processed without auth', async () => {
      await sandbox.control.settings({ authFailureStatus: 403 });
      const res = await call(sandbox, 'POST', '/api/lipsyncs_v2/preview/', lipsyncBody(), { 'X-API-ID': 'x', 'X-API-KEY': 'y' });
      expect(res.status).toBe(403);
      expect(res.body).toEqual({ detail: 'Invalid API credentials.' });
      expect((await sandbox.control.stats()).credits.ledger).toEqual([]);
    });
  });

  describe('routing', () => {
    test('unknown id, missing trailing slash, non-UUID id → 404 {"detail": "Not found."}', async () => {
      const { id } = await preview(sandbox);
      for (const path of [
        `/api/lipsyncs_v2/${randomUUID()}/`,
        `/api/lipsyncs_v2/${id}`,
        `/api/lipsyncs_v2/${id}/render`,
        '/api/lipsyncs_v2',
        '/api/lipsyncs_v2/not-a-uuid/',
        '/api/remaining_credits',
      ]) {
        const res = await call(sandbox, 'GET', path);
        expect([path, res.status, res.body]).toEqual([path, 404, { detail: 'Not found.' }]);
      }
      expect((await render(sandbox, randomUUID())).status).toBe(404);
      expect((await call(sandbox, 'GET', `/api/lipsyncs_v2/${id}/`)).status).toBe(200);
    });

    test('wrong method → 405 with DRF body and Allow', async () => {
      const res = await call(sandbox, 'GET', `/api/lipsyncs_v2/${randomUUID()}/render/`);
      expect(res.status).toBe(405);
      expect(res.body).toEqual({ detail: 'Method "GET" not allowed.' });
      expect(res.headers.get('allow')).toBe('POST');
      expect((await call(sandbox, 'DELETE', '/api/lipsyncs_v2/')).body).toEqual({ detail: 'Method "DELETE" not allowed.' });
    });
  });

  describe('validation', () => {
    test('DRF field maps for missing and invalid fields', async () => {
      const missing = await call(sandbox, 'POST', '/api/lipsyncs_v2/preview/', {});
      expect(missing.status).toBe(400);
      expect(missing.body).toEqual({ video_inputs: ['This field is required.'] });
      const empty = await call(sandbox, 'POST', '/api/lipsyncs_v2/', { video_inputs: [] });
      expect(empty.body).toEqual({ video_inputs: ['This list may not be empty.'] });
      const long = lipsyncBody({ text: 'a'.repeat(2001), extra: { aspect_ratio: '4x3', name: 'n'.repeat(256) } });
      const bad = await call(sandbox, 'POST', '/api/lipsyncs_v2/preview/', long);
      expect(bad.status).toBe(400);
      expect(bad.body).toEqual({
        video_inputs: [{ voice: { input_text: ['Ensure this field has no more than 2000 characters.'] } }],
        aspect_ratio: ['"4x3" is not a valid choice.'],
        name: ['Ensure this field has no more than 255 characters.'],
      });
      const secondScene = { video_inputs: [lipsyncBody().video_inputs[0], { character: { type: 'avatar' } }] };
      const nested = await call(sandbox, 'POST', '/api/lipsyncs_v2/preview/', secondScene);
      expect(nested.body).toEqual({
        video_inputs: [{}, { character: { avatar_id: ['This field is required.'] }, voice: ['This field is required.'] }],
      });
      const notJson = await fetch(`${sandbox.url}/api/lipsyncs_v2/preview/`, {
        method: 'POST',
        headers: { 'X-API-ID': 'acct-1', 'X-API-KEY': 'secret-key-1', 'content-type': 'application/json' },
        body: '{nope',
      });
      expect(notJson.status).toBe(400);
      expect(((await notJson.json()) as { detail: string }).detail).toMatch(/^JSON parse error/);
      expect((await sandbox.control.stats()).credits.ledger).toEqual([]);
    });
  });

  describe('list', () => {
    test('?ids= returns known ids newest first, omits unknown; no ids lists all', async () => {
      const a = await preview(sandbox);
      const b = await preview(sandbox);
      const res = await call(sandbox, 'GET', `/api/lipsyncs_v2/?ids=${a.id},${randomUUID()},${b.id}`);
      expect(res.status).toBe(200);
      expect(res.body.map((r: any) => r.id)).toEqual([b.id, a.id]);
      const all = await call(sandbox, 'GET', '/api/lipsyncs_v2/');
      expect(all.body.map((r: any) => r.id)).toEqual([b.id, a.id]);
      const stats = await sandbox.control.stats();
      expect(stats.calls.list).toBe(2);
      expect(stats.callsByLipsync[a.id]).toEqual({ create: 0, preview: 1, render: 0, get: 0, list: 2 });
    });

    test('more than 100 ids or a non-UUID → 400', async () => {
      const many = Array.from({ length: 101 }, () => randomUUID()).join(',');
      const tooMany = await call(sandbox, 'GET', `/api/lipsyncs_v2/?ids=${many}`);
      expect(tooMany.status).toBe(400);
      expect(tooMany.body).toEqual({ ids: ['Maximum 100 entries allowed.'] });
      const hundred = Array.from({ length: 100 }, () => randomUUID()).join(',');
      expect((await call(sandbox, 'GET', `/api/lipsyncs_v2/?ids=${hundred}`)).body).toEqual([]);
      const invalid = await call(sandbox, 'GET', '/api/lipsyncs_v2/?ids=abc');
      expect(invalid.status).toBe(400);
      expect(invalid.body.ids[0]).toMatch(/not a valid UUID/);
    });
  });

  describe('credits', () => {
    test('preview 1, render 4 per started 30 s; voice.duration wins over text length', async () => {
      const body = lipsyncBody({ text: 'short' });
      body.video_inputs[0]!.voice = { ...body.video_inputs[0]!.voice, duration: 61 } as never;
      const p = await call(sandbox, 'POST', '/api/lipsyncs_v2/preview/', body);
      expect(p.body).toMatchObject({ duration: 61, credits_used: 3 });
      const r = await render(sandbox, p.body.id);
      expect(r.body.credits_used).toBe(3 + 12);
      expect((await call(sandbox, 'GET', '/api/remaining_credits/')).body).toEqual({ remaining_credits: 985 });
      const { credits } = await sandbox.control.stats();
      expect(credits.ledger.map((e) => [e.action, e.credits])).toEqual([['preview', 3], ['render', 12]]);
    });

    test('insufficient credits → 400 {"detail": "Insufficient credits"}, nothing changes', async () => {
      await sandbox.control.reset({ initialCredits: 4 });
      const p = await preview(sandbox); // 1 credit, 3 left: not enough for a 4-credit render
      const r = await render(sandbox, p.id);
      expect(r.status).toBe(400);
      expect(r.body).toEqual({ detail: 'Insufficient credits' });
      expect((await sandbox.control.lipsync(p.id)).status).toBe('done');
      expect((await sandbox.control.stats()).credits).toMatchObject({ initial: 4, remaining: 3 });
      await sandbox.control.reset({ initialCredits: 0 });
      expect((await call(sandbox, 'POST', '/api/lipsyncs_v2/', lipsyncBody())).status).toBe(400);
    });
  });

  describe('second render', () => {
    async function renderedOnce(): Promise<string> {
      const { id } = await preview(sandbox);
      expect((await render(sandbox, id)).status).toBe(200);
      return id;
    }

    test('reject (default): 400 with detail, no second charge', async () => {
      const id = await renderedOnce();
      const again = await render(sandbox, id);
      expect(again.status).toBe(400);
      expect(typeof again.body.detail).toBe('string');
      const created = await call(sandbox, 'POST', '/api/lipsyncs_v2/', lipsyncBody());
      expect((await render(sandbox, created.body.id)).status).toBe(400); // never previewed
      expect((await sandbox.control.stats()).renders).toEqual({ [id]: 1 });
    });

    test('idempotent: 200 with the current object, no charge', async () => {
      await sandbox.control.settings({ secondRender: 'idempotent' });
      const id = await renderedOnce();
      await waitForLipsync(sandbox, id, isFinished);
      const again = await render(sandbox, id);
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ id, status: 'done', credits_used: 5 });
      const stats = await sandbox.control.stats();
      expect(stats.renders).toEqual({ [id]: 1 });
      expect(stats.calls.render).toBe(2);
      expect(stats.callsByLipsync[id]!.render).toBe(2);
    });

    test('charge: charged again and processing restarts', async () => {
      await sandbox.control.settings({ secondRender: 'charge' });
      const id = await renderedOnce();
      await waitForLipsync(sandbox, id, isFinished);
      const again = await render(sandbox, id);
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ status: 'pending', output: null, credits_used: 9 });
      expect(await waitForLipsync(sandbox, id, isFinished)).toMatchObject({ status: 'done' });
      expect((await sandbox.control.stats()).renders).toEqual({ [id]: 2 });
    });
  });
});
