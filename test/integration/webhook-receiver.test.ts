/**
 * The receiver over real HTTP against the real Temporal dev server. A recorder workflow
 * (test/workflow/fixtures) stands in for the tracking workflow, so what arrives as a
 * Signal can be read back with a query.
 */
import '../support/quiet-runtime';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import zlib from 'node:zlib';
import { Client, Connection, WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import type { WebhookConfig } from '../../src/config';
import { freePort } from '../../src/dev/ports';
import { createWebhookHandler, startWebhookServer, temporalSignaler, webhookToken, type RunningWebhookServer } from '../../src/webhook';
import { workflowIdFor } from '../../src/contract/lipsync-id';
import { startTestWorker, uniqueTaskQueue, type TestWorker } from '../support/temporal';
import { receivedHintsQuery, signalRecorder } from '../workflow/fixtures/signal-recorder';

const PREFIX = '/hooks/creatify';
const CURRENT = 'current-secret-for-tests-0001';
const PREVIOUS = 'previous-secret-for-tests-0002';
const RETIRED = 'retired-secret-for-tests-0003';
const MAX_BODY = 4096; // room for the over-long fields that must get a 400, not a 413
const config: WebhookConfig = {
  publicUrl: `https://hooks.example.com${PREFIX}`,
  secrets: [CURRENT, PREVIOUS],
  host: '127.0.0.1',
  port: 0,
  maxBodyBytes: MAX_BODY,
};
const routeFor = (secret: string) => `${PREFIX}/${webhookToken(secret)}`;
const ROUTE = routeFor(CURRENT);

const logs: string[] = [];
const taskQueue = uniqueTaskQueue('webhook-receiver');
const recorders: WorkflowHandle[] = [];
let client: Client;
let worker: TestWorker;
let server: RunningWebhookServer;

beforeAll(async () => {
  worker = await startTestWorker({ taskQueue, workflowsPath: require.resolve('../workflow/fixtures/signal-recorder') });
  client = worker.client;
  server = await startWebhookServer({ config, client, log: (line) => logs.push(line) });
});

afterAll(async () => {
  await Promise.allSettled(recorders.map((handle) => handle.terminate('test over')));
  await server?.close();
  await worker?.stop();
});

async function startRecorder(): Promise<{ id: string; handle: WorkflowHandle }> {
  const id = randomUUID();
  const handle = await client.workflow.start(signalRecorder, { workflowId: workflowIdFor(id), taskQueue });
  recorders.push(handle);
  return { id, handle };
}

const hintsOf = (handle: WorkflowHandle) => handle.query(receivedHintsQuery);

function post(path: string, body: unknown, init: RequestInit = {}, base = server.url): Promise<Response> {
  const payload = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  return fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: payload, ...init });
}

describe('webhook receiver', () => {
  it('turns a valid delivery into a Signal and answers 200', async () => {
    const { id, handle } = await startRecorder();
    const before = Date.now();
    const output = `https://cdn.example.com/${id}.mp4`;
    const res = await post(`${ROUTE}?ignored=1`, { id, status: 'done', failed_reason: null, output, surprise: { new: 'field' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
    const hints = await hintsOf(handle);
    expect(hints).toEqual([{ id, status: 'done', failedReason: null, output, receivedAt: expect.any(String) }]);
    expect(Date.parse(hints[0]!.receivedAt)).toBeGreaterThanOrEqual(before - 1_000);
  });

  it('passes failed_reason through and treats missing optional fields as null', async () => {
    const { id, handle } = await startRecorder();
    expect((await post(ROUTE, { id, status: 'failed', failed_reason: 'avatar not found' })).status).toBe(200);
    expect(await hintsOf(handle)).toEqual([expect.objectContaining({ status: 'failed', failedReason: 'avatar not found', output: null })]);
  });

  it('answers 401 to a wrong or missing token and signals nothing', async () => {
    const { id, handle } = await startRecorder();
    const delivery = { id, status: 'done', output: 'https://cdn.example.com/x.mp4' };
    for (const path of [`${PREFIX}/${'A'.repeat(32)}`, `${PREFIX}/`, PREFIX, `${ROUTE}/extra`, `${PREFIX}/x/${webhookToken(CURRENT)}`]) {
      const res = await post(path, delivery);
      expect([path, res.status]).toEqual([path, 401]);
    }
    expect(await hintsOf(handle)).toEqual([]);
  });

  it('answers 404 outside the prefix', async () => {
    for (const path of ['/', '/elsewhere', `/hooks/creatifyX/${webhookToken(CURRENT)}`, `/${webhookToken(CURRENT)}`]) {
      expect([path, (await post(path, {})).status]).toEqual([path, 404]);
    }
  });

  it('accepts the tokens of both configured secrets and refuses a retired one', async () => {
    const { id, handle } = await startRecorder();
    expect((await post(routeFor(RETIRED), { id, status: 'retired' })).status).toBe(401);
    expect((await post(routeFor(CURRENT), { id, status: 'running' })).status).toBe(200);
    expect((await post(routeFor(PREVIOUS), { id, status: 'done' })).status).toBe(200);
    expect((await hintsOf(handle)).map((hint) => hint.status)).toEqual(['running', 'done']);
  });

  it('answers 400 naming the problem for bad bodies, and signals nothing', async () => {
    const { id, handle } = await startRecorder();
    const cases: Array<[body: string, error: string, detail: RegExp]> = [
      ['{"id":', 'malformed-json', /neither JSON, a Python dict nor form fields/],
      ['', 'malformed-json', /neither JSON, a Python dict nor form fields/],
      ['{"id":\nnope}', 'malformed-json', /neither JSON, a Python dict nor form fields/],
      ['status=done&output=x', 'malformed-json', /neither JSON, a Python dict nor form fields/],
      ['id=not-a-uuid&status=done', 'invalid-delivery', /^id: must be a UUID$/],
      ['[]', 'not-an-object', /an array/],
      ['null', 'not-an-object', /null/],
      ['"done"', 'not-an-object', /a string/],
      [JSON.stringify({ id: 'not-a-uuid', status: 'done' }), 'invalid-delivery', /^id: must be a UUID$/],
      [JSON.stringify({ status: 'done' }), 'invalid-delivery', /^id: is required$/],
      [JSON.stringify([{ id: 'not-a-uuid', status: 'done' }, { status: 'done' }]), 'invalid-delivery', /^\[0\] id: must be a UUID; \[1\] id: is required$/],
      // More deliveries in one body than a sender batches: none is signalled.
      [JSON.stringify(Array.from({ length: 21 }, () => ({ id, status: 'done' }))), 'not-an-object', /a list of 1 to 20, got an array of 21/],
    ];
    for (const [body, error, detail] of cases) {
      const res = await post(ROUTE, body);
      const answer = (await res.json()) as { ok: boolean; error: string; detail: string };
      expect([body, res.status, answer.ok, answer.error]).toEqual([body, 400, false, error]);
      expect(answer.detail).toMatch(detail);
    }
    expect(await hintsOf(handle)).toEqual([]);
  });

  it('reads every plausible payload shape tolerantly, and signals it normalised', async () => {
    const { id, handle } = await startRecorder();
    const bodies = [
      { id: id.toUpperCase(), status: 'DONE', video_output: 'https://cdn.example/v.mp4', video_thumbnail: 'https://cdn.example/v.jpg', extra: { nested: true } },
      { id, status: 'running', progress: '0.40' },
      { id, status: 'running', progress: 55 },
      { id, output: 'https://cdn.example/v.mp4' },
      { id, status: 7, output: 42, failed_reason: '' },
    ];
    for (const body of bodies) expect((await post(ROUTE, JSON.stringify(body))).status).toBe(200);
    // Form fields, as Python's requests posts a dict given as `data=` (None left out).
    expect((await post(ROUTE, `id=${id}&status=done&output=${encodeURIComponent('https://cdn.example/v.mp4?a=1&b=2')}&progress=1.0`)).status).toBe(200);
    const hints = await hintsOf(handle);
    expect(hints.map(({ receivedAt: _at, ...hint }) => hint)).toEqual([
      { id, status: 'done', output: 'https://cdn.example/v.mp4', failedReason: null },
      { id, status: 'running', output: null, failedReason: null, progress: 0.4 },
      { id, status: 'running', output: null, failedReason: null, progress: 0.55 },
      { id, status: null, output: 'https://cdn.example/v.mp4', failedReason: null },
      { id, status: null, output: null, failedReason: null },
      { id, status: 'done', output: 'https://cdn.example/v.mp4?a=1&b=2', failedReason: null, progress: 1 },
    ]);
  });

  it('reads a field that cannot be Creatify\'s as absent (a long reason is cut), never refusing a delivery with its id', async () => {
    const { id, handle } = await startRecorder();
    const bodies = [
      { id, status: 'x'.repeat(1_000), output: 'https://cdn.example/v.mp4' },
      { id, status: '<img src=x>' },
      { id, status: ' Done ', output: `https://x/${'y'.repeat(2100)}` },
      { id, status: 'done', video_output: `https://x/${'y'.repeat(2100)}` },
      { id, status: 'failed', failed_reason: `Traceback (most recent call last):\n${'r'.repeat(2100)}` },
    ];
    for (const body of bodies) expect((await post(ROUTE, JSON.stringify(body))).status).toBe(200);
    const hints = (await hintsOf(handle)).map(({ receivedAt: _at, ...hint }) => hint);
    expect(hints.slice(0, 4)).toEqual([
      { id, status: null, output: 'https://cdn.example/v.mp4', failedReason: null },
      { id, status: null, output: null, failedReason: null },
      { id, status: 'done', output: null, failedReason: null },
      { id, status: 'done', output: null, failedReason: null },
    ]);
    expect(hints[4]).toMatchObject({ status: 'failed', failedReason: expect.stringMatching(/^Traceback \(most recent call last\):\nr+…$/) });
    expect(hints[4]!.failedReason).toHaveLength(2000);
  });

  it('reads what a sender or a proxy may add around a delivery: a BOM, a compression, a list, an event envelope, a slash', async () => {
    const { id, handle } = await startRecorder();
    const other = await startRecorder();
    const delivery = (status: string) => JSON.stringify({ id, status, failed_reason: null, output: status === 'done' ? 'https://cdn.example/v.mp4' : null });
    expect((await post(ROUTE, `\uFEFF${delivery('running')}`)).status).toBe(200);
    expect((await post(ROUTE, zlib.gzipSync(delivery('in_queue')), { headers: { 'content-encoding': 'gzip' } })).status).toBe(200);
    expect((await post(ROUTE, zlib.deflateSync(delivery('pending')), { headers: { 'content-encoding': 'deflate' } })).status).toBe(200);
    expect((await post(ROUTE, zlib.brotliCompressSync(delivery('running')), { headers: { 'content-encoding': 'br' } })).status).toBe(200);
    // Two deliveries in one list, one of them not a delivery: the other is signalled all the same.
    const list = JSON.stringify([{ id: other.id, status: 'done', output: 'https://cdn.example/o.mp4' }, { id: 'evt_1' }, { id, status: 'failed', failed_reason: 'x' }]);
    expect((await post(ROUTE, list)).status).toBe(200);
    // An event's own id and status around the record; an id that is a number beside the lipsync's.
    expect((await post(ROUTE, { id: 'evt_1', status: 'delivered', data: { id, status: 'rejected' } })).status).toBe(200);
    expect((await post(ROUTE, { id: 123, lipsync_id: id, status: 'done', output: 'https://cdn.example/v.mp4' })).status).toBe(200);
    expect((await post(`${ROUTE}/`, delivery('done'))).status).toBe(200);
    expect((await post(`${PREFIX}//${webhookToken(CURRENT)}`, delivery('done'))).status).toBe(200);
    // A host whose body parser inflated it already (express.raw), its Content-Encoding left in place.
    expect((await post(ROUTE, delivery('done'), { headers: { 'content-encoding': 'gzip' } })).status).toBe(200);
    expect((await hintsOf(handle)).map((hint) => hint.status)).toEqual(['running', 'in_queue', 'pending', 'running', 'failed', 'rejected', 'done', 'done', 'done', 'done']);
    expect((await hintsOf(other.handle)).map((hint) => [hint.status, hint.output])).toEqual([['done', 'https://cdn.example/o.mp4']]);
  });

  it('refuses a compressed body it cannot read: 415 for an unknown coding or a stack of them, 400 for a broken one, 413 past the cap once inflated', async () => {
    const { id, handle } = await startRecorder();
    const body = JSON.stringify({ id, status: 'done', output: 'https://cdn.example/v.mp4' });
    const cases: Array<[encoding: string, payload: Buffer, status: number, error: string]> = [
      ['compress', Buffer.from(body), 415, 'unsupported-encoding'],
      ['gzip, gzip, gzip', zlib.gzipSync(zlib.gzipSync(zlib.gzipSync(body))), 415, 'unsupported-encoding'],
      ['gzip', Buffer.concat([zlib.gzipSync(body).subarray(0, 12), Buffer.from('broken')]), 400, 'malformed-json'],
      ['gzip', zlib.gzipSync(JSON.stringify({ id, status: 'done', pad: ' '.repeat(MAX_BODY * 50) })), 413, 'too-large'],
    ];
    for (const [encoding, payload, status, error] of cases) {
      const res = await post(ROUTE, payload, { headers: { 'content-encoding': encoding } });
      expect([encoding, res.status, ((await res.json()) as { error: string }).error]).toEqual([encoding, status, error]);
    }
    expect(await hintsOf(handle)).toEqual([]);
  });

  it('accepts a body of exactly the cap and answers 413 one byte over', async () => {
    const { id, handle } = await startRecorder();
    const bodyOf = (size: number) => {
      const base = JSON.stringify({ id, status: 'running', pad: '' });
      return base.replace('"pad":""', `"pad":"${'x'.repeat(size - base.length)}"`);
    };
    expect((await post(ROUTE, bodyOf(MAX_BODY))).status).toBe(200);
    const res = await post(ROUTE, bodyOf(MAX_BODY + 1));
    expect(res.status).toBe(413);
    expect(await hintsOf(handle)).toHaveLength(1);
  });

  it('answers 413 while an undeclared (chunked) body is still being sent', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${server.url}${ROUTE}`, { method: 'POST' }, (res) => {
        clearInterval(feeding);
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      // Never ends: only a receiver that stops at the cap can answer at all.
      const feeding = setInterval(() => req.write(Buffer.alloc(256, 32)), 5);
      setTimeout(() => {
        clearInterval(feeding);
        req.destroy(new Error('no answer while the body was still streaming'));
      }, 5_000).unref();
    });
    expect(status).toBe(413);
  });

  it('answers 405 with Allow: POST to another method on the route, 401 without the token', async () => {
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const res = await fetch(`${server.url}${ROUTE}`, { method, body: method === 'GET' ? undefined : '{}' });
      expect([method, res.status, res.headers.get('allow')]).toEqual([method, 405, 'POST']);
    }
    expect((await fetch(`${server.url}${PREFIX}/wrong`, { method: 'GET' })).status).toBe(401);
  });

  it('answers 202 for an untracked or finished lipsync without creating a workflow', async () => {
    const untrackedBefore = server.stats().untracked;
    const untracked = randomUUID();
    const res = await post(ROUTE, { id: untracked, status: 'done', output: 'https://cdn.example.com/forged.mp4' });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ ok: true, ignored: 'untracked lipsync' });
    await expect(client.workflow.getHandle(workflowIdFor(untracked)).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);

    const { id, handle } = await startRecorder();
    await handle.terminate('finished before the webhook');
    expect((await post(ROUTE, { id, status: 'done' })).status).toBe(202);
    expect(server.stats().untracked - untrackedBefore).toBe(2);
  });

  it('answers 503 with Retry-After within seconds when Temporal is unreachable', async () => {
    const deadConnection = Connection.lazy({ address: `127.0.0.1:${await freePort()}`, connectTimeout: 1_000 });
    const down = await startWebhookServer({
      config,
      client: new Client({ connection: deadConnection }),
      signalTimeoutMs: 2_000,
      log: (line) => logs.push(line),
    });
    try {
      const started = Date.now();
      const res = await post(ROUTE, { id: randomUUID(), status: 'done' }, {}, down.url);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('30');
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(down.stats()).toMatchObject({ received: 1, unavailable: 1, signalled: 0 });
    } finally {
      await down.close();
      await deadConnection.close();
    }
  });

  it('can be mounted without the standalone server', async () => {
    const handler = createWebhookHandler({ config, signaler: temporalSignaler(client) });
    const { id, handle } = await startRecorder();
    const request = (body: string) => handler.handle({ method: 'POST', path: ROUTE, headers: {}, body: Buffer.from(body) });
    expect(await request(JSON.stringify({ id, status: 'running' }))).toMatchObject({ status: 200, body: '{"ok":true}' });
    expect((await request(' '.repeat(MAX_BODY + 1))).status).toBe(413);
    expect(await hintsOf(handle)).toHaveLength(1);
    expect(handler.stats()).toMatchObject({ received: 2, signalled: 1, rejected: { 'too-large': 1 } });
  });

  it('answers 500 to a handler bug and keeps serving', async () => {
    let broken = false;
    const fragile = { ...config };
    Object.defineProperty(fragile, 'maxBodyBytes', {
      get: () => {
        if (broken) throw new Error('bug');
        return MAX_BODY;
      },
    });
    const other = await startWebhookServer({ config: fragile, client, log: (line) => logs.push(line) });
    try {
      broken = true;
      expect((await post(ROUTE, { id: randomUUID(), status: 'done' }, {}, other.url)).status).toBe(500);
      broken = false;
      expect((await fetch(`${other.url}/healthz`)).status).toBe(200);
    } finally {
      await other.close();
    }
  });

  it('never logs a token or a secret', async () => {
    const { id } = await startRecorder();
    const from = logs.length;
    const requests: Array<[path: string, body: string]> = [
      [ROUTE, JSON.stringify({ id, status: 'running' })],
      [routeFor(PREVIOUS), JSON.stringify({ id, status: 'done' })],
      [routeFor(RETIRED), JSON.stringify({ id, status: 'done' })],
      [`/elsewhere/${webhookToken(CURRENT)}`, '{}'],
      // A body whose parse error could start a new log line.
      [ROUTE, '{"id":\n"forged log line'],
    ];
    for (const [path, body] of requests) await (await post(path, body)).text();
    expect(logs.length - from).toBeGreaterThanOrEqual(requests.length);
    // Everything logged so far, by this test and any before it.
    const secrets = [CURRENT, PREVIOUS, RETIRED];
    const leaked = logs.filter((line) => [...secrets, ...secrets.map(webhookToken)].some((s) => line.includes(s)));
    expect(leaked).toEqual([]);
    // One line per event: a body or path quoted in a log must not forge another line.
    expect(logs.filter((line) => /[\r\n]/.test(line))).toEqual([]);
    expect(logs.slice(from)).toContainEqual(expect.stringContaining(`${PREFIX}/[token]`));
  });

  it('counts every outcome in /healthz', async () => {
    const health = async () => {
      const res = await fetch(`${server.url}/healthz`);
      expect(res.status).toBe(200);
      const text = await res.text();
      for (const secret of [CURRENT, PREVIOUS]) expect(text).not.toContain(webhookToken(secret));
      return JSON.parse(text) as { ok: boolean } & ReturnType<RunningWebhookServer['stats']>;
    };
    const { id } = await startRecorder();
    const before = await health();

    expect((await post('/elsewhere', {})).status).toBe(404);
    expect((await post(routeFor(RETIRED), { id, status: 'done' })).status).toBe(401);
    expect((await fetch(`${server.url}${ROUTE}`, { method: 'GET' })).status).toBe(405);
    expect((await post(ROUTE, ' '.repeat(MAX_BODY + 1))).status).toBe(413);
    expect((await post(ROUTE, '{"id":')).status).toBe(400);
    expect((await post(ROUTE, '[]')).status).toBe(400);
    expect((await post(ROUTE, { id: 'not-a-uuid', status: 'done' })).status).toBe(400);
    expect((await post(ROUTE, { id: randomUUID(), status: 'done' })).status).toBe(202);
    expect((await post(ROUTE, { id, status: 'running' })).status).toBe(200);

    const after = await health();
    expect(after.ok).toBe(true);
    const rejected = Object.fromEntries(
      Object.entries(after.rejected).map(([reason, count]) => [reason, count - before.rejected[reason as keyof typeof before.rejected]]),
    );
    expect({
      received: after.received - before.received,
      signalled: after.signalled - before.signalled,
      untracked: after.untracked - before.untracked,
      unavailable: after.unavailable - before.unavailable,
      rejected,
    }).toEqual({
      received: 9,
      signalled: 1,
      untracked: 1,
      unavailable: 0,
      rejected: {
        'unknown-path': 1,
        'bad-token': 1,
        'method-not-allowed': 1,
        'too-large': 1,
        'malformed-json': 1,
        'not-an-object': 1,
        'invalid-delivery': 1,
        'unsupported-encoding': 0,
      },
    });
    expect((await fetch(`${server.url}/healthz`, { method: 'POST' })).status).toBe(405);
  });
});
