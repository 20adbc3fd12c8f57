// CreatifyClient against the sandbox over real HTTP (docs/sandbox-contract.md),
// plus two throwaway servers that echo our request back, to prove the API key
// never leaks into an error.
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import {
  CreatifyClient,
  CreatifyError,
  isTerminal,
  progressFraction,
  type Lipsync,
  type LipsyncRequest,
} from '../../src/creatify';
import { DEFAULT_COOL_DOWN_MS } from '../../src/creatify/pacer';
import { judgeRenderStarted } from '../../src/creatify/render-judgement';
import { toSnapshot } from '../../src/activities';
import { startSandbox } from '../../src/sandbox';

type Sandbox = Awaited<ReturnType<typeof startSandbox>>;

const API_KEY = 'sk-live-SECRET-5d1e0c7a9b';
const UNKNOWN_ID = '7f1d3a52-3c0e-4b8e-9a6f-2d4c1b0e9f11';

let sandbox: Sandbox;
let client: CreatifyClient;

function body(text = 'Hello from the integration test. '.repeat(3)): LipsyncRequest {
  return {
    video_inputs: [
      {
        character: { type: 'avatar', avatar_id: 'avatar-1' },
        voice: { type: 'text', input_text: text, voice_id: 'voice-1' },
      },
    ],
    aspect_ratio: '16x9',
    name: 'creatify client test',
  };
}

function clientFor(overrides: Partial<ConstructorParameters<typeof CreatifyClient>[0]> = {}): CreatifyClient {
  return new CreatifyClient({ baseUrl: sandbox.url, ...sandbox.credentials, timeoutMs: 5_000, ...overrides });
}

async function failure(promise: Promise<unknown>): Promise<CreatifyError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CreatifyError) return error;
    throw error;
  }
  throw new Error('expected a CreatifyError, but the call succeeded');
}

async function until(id: string, done: (lipsync: Lipsync) => boolean): Promise<Lipsync> {
  for (const started = Date.now(); Date.now() - started < 15_000; ) {
    const lipsync = await client.get(id);
    if (done(lipsync)) return lipsync;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`lipsync ${id} did not reach the expected state`);
}

// Everything an error could show a log or a Temporal failure: message, stack, own fields.
function everythingShown(error: unknown): string {
  return [String(error), (error as Error).stack, JSON.stringify(error), inspect(error, { depth: 10, showHidden: true })].join('\n');
}

beforeAll(async () => {
  sandbox = await startSandbox({ credentials: { apiId: 'it-account', apiKey: API_KEY } });
});

beforeEach(async () => {
  // ~0.2 s from render to done.
  await sandbox.control.reset({ timeFactor: 0.001 });
  client = clientFor();
});

afterEach(async () => {
  await client.close();
});

afterAll(async () => {
  await sandbox?.close();
});

describe('endpoints', () => {
  it('previews, renders, gets and lists a lipsync to done, charging the ledger', async () => {
    const before = await client.remainingCredits();
    expect(before.remaining_credits).toBe(1000);

    const previewed = await client.preview(body());
    expect(previewed).toMatchObject({ status: 'done', output: null });
    expect(previewed.preview).toEqual(expect.any(String));
    expect(isTerminal(previewed)).toBe(false);

    const rendering = (await client.render(previewed.id))!;
    expect(rendering.id).toBe(previewed.id);
    expect(['pending', 'in_queue', 'running']).toContain(rendering.status);
    expect(judgeRenderStarted(toSnapshot(previewed), toSnapshot(rendering))).toMatchObject({ started: true, strength: 'strong' });

    const done = await until(previewed.id, isTerminal);
    expect(done.status).toBe('done');
    expect(done.output).toMatch(/^https?:\/\//);
    expect(progressFraction(done)).toBe(1);

    const [listed] = await client.list([previewed.id]);
    expect(listed).toMatchObject({ id: previewed.id, status: 'done', output: done.output });

    const stats = await sandbox.control.stats();
    expect(stats.renders[previewed.id]).toBe(1);
    expect(stats.credits.ledger.map((entry) => entry.action)).toEqual(['preview', 'render']);
    const after = await client.remainingCredits();
    expect(after.remaining_credits).toBe(stats.credits.remaining);
    expect(after.remaining_credits).toBeLessThan(before.remaining_credits!);
  });

  it('creates directly and lists several ids in one call', async () => {
    const first = await client.create(body());
    const second = await client.create(body());
    expect(first.id).not.toBe(second.id);
    const listed = await client.list([first.id, second.id, UNKNOWN_ID]);
    expect(listed.map((lipsync) => lipsync.id).sort()).toEqual([first.id, second.id].sort());
    expect((await sandbox.control.stats()).calls.create).toBe(2);
  });

  it('follows a paginated list to its last page (pages smaller than the ids asked)', async () => {
    await sandbox.control.settings({ listShape: 'paginated', listPageSize: 2 });
    try {
      const made = await Promise.all(Array.from({ length: 5 }, () => client.create(body())));
      const before = (await sandbox.control.stats()).calls.list;
      const listed = await client.list([...made.map((lipsync) => lipsync.id), UNKNOWN_ID]);
      expect(listed.map((lipsync) => lipsync.id).sort()).toEqual(made.map((lipsync) => lipsync.id).sort());
      expect((await sandbox.control.stats()).calls.list - before).toBe(3);
    } finally {
      await sandbox.control.settings({ listShape: 'array', listPageSize: null });
    }
  });

  it('follows a next link only to the filtered list: not elsewhere, not to the whole workspace', async () => {
    const asked: string[] = [];
    const links = ['http://internal:8000/api/lipsyncs_v2/?ids=a&page=2', 'http://internal:8000/api/lipsyncs_v2/?page=3', null];
    const paged = createHttpServer((req, res) => {
      asked.push(req.url ?? '');
      const next = asked.length === 1 ? links[0] : asked.length === 2 ? links[1] : links[2];
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ count: 9, next, previous: null, results: [{ id: UNKNOWN_ID, status: 'running' }] }));
    });
    await new Promise<void>((resolve) => paged.listen(0, '127.0.0.1', resolve));
    const pagedClient = new CreatifyClient({ baseUrl: `http://127.0.0.1:${(paged.address() as AddressInfo).port}`, apiId: 'p', apiKey: API_KEY });
    const notListed = '0b1c2d3e-4f50-4617-8283-94a5b6c7d8e9';
    try {
      expect(await pagedClient.list([UNKNOWN_ID, notListed])).toEqual([expect.objectContaining({ id: UNKNOWN_ID })]);
      // The second page on our own host (the link's host is the server's internal name); the unfiltered third never.
      expect(asked).toEqual([`/api/lipsyncs_v2/?ids=${UNKNOWN_ID},${notListed}`, '/api/lipsyncs_v2/?ids=a&page=2']);
      // Every id asked on the first page: no page after it is read (a list that ignores `ids` would go on through the workspace).
      asked.length = 0;
      expect(await pagedClient.list([UNKNOWN_ID])).toEqual([expect.objectContaining({ id: UNKNOWN_ID })]);
      expect(asked).toEqual([`/api/lipsyncs_v2/?ids=${UNKNOWN_ID}`]);
    } finally {
      await pagedClient.close();
      await new Promise((resolve) => paged.close(resolve));
    }
  });

  it('reads progress whether the server sends it as a string or a number', async () => {
    await sandbox.control.settings({ progressAs: 'number' });
    const { id } = await client.preview(body());
    await client.render(id);
    await sandbox.control.setLipsync(id, { hold: true, status: 'running' });
    await sandbox.control.setLipsync(id, { progress: 0.4 });
    const running = await client.get(id);
    expect(running.progress).toBe(0.4);
    await sandbox.control.settings({ progressAs: 'string' });
    const again = await client.get(id);
    expect(typeof again.progress).toBe('string');
    expect(progressFraction(again)).toBeCloseTo(0.4, 5);
  });

  it('sees failed and rejected renders as terminal', async () => {
    for (const outcome of ['failed', 'rejected'] as const) {
      const { id } = await client.preview(body());
      await sandbox.control.setLipsync(id, { outcome, failedReason: 'policy' });
      await client.render(id);
      const final = await until(id, isTerminal);
      expect(final.status).toBe(outcome);
    }
  });

  it('gives preview its own, longer deadline', async () => {
    await sandbox.control.settings({ previewLatencyMs: 600 });
    const patient = clientFor({ timeoutMs: 200, previewTimeoutMs: 5_000 });
    const impatient = clientFor({ timeoutMs: 5_000, previewTimeoutMs: 200 });
    try {
      expect((await patient.preview(body())).preview).toEqual(expect.any(String));
      expect((await failure(impatient.preview(body()))).kind).toBe('timeout');
    } finally {
      await Promise.all([patient.close(), impatient.close()]);
    }
  });
});

describe('HTTP errors', () => {
  it('401 with a DRF detail is an auth error that names neither key', async () => {
    const wrongKey = 'sk-WRONG-4a8c1f';
    const stranger = clientFor({ apiKey: wrongKey });
    try {
      const error = await failure(stranger.get(UNKNOWN_ID));
      expect(error).toMatchObject({ kind: 'auth', status: 401, retryable: false });
      expect(error.detail).toEqual(expect.any(String));
      expect(error.message).toContain(error.detail);
      expect(everythingShown(error)).not.toContain(wrongKey);
      expect(everythingShown(error)).not.toContain(API_KEY);
    } finally {
      await stranger.close();
    }
  });

  it('403, when the server answers auth failures that way, is an auth error too', async () => {
    await sandbox.control.settings({ authFailureStatus: 403 });
    const stranger = clientFor({ apiKey: 'nope' });
    try {
      expect(await failure(stranger.remainingCredits())).toMatchObject({ kind: 'auth', status: 403 });
    } finally {
      await stranger.close();
    }
  });

  it('400 with a DRF field map carries the map', async () => {
    const error = await failure(client.create({ ...body(), video_inputs: [] }));
    expect(error).toMatchObject({ kind: 'validation', status: 400, retryable: false });
    expect(Object.keys(error.fields ?? {})).toContain('video_inputs');
    expect(error.message).toContain('video_inputs');
  });

  it('400 with a detail (second render) carries the detail', async () => {
    const { id } = await client.preview(body());
    await client.render(id);
    const error = await failure(client.render(id));
    expect(error).toMatchObject({ kind: 'validation', status: 400 });
    expect(error.detail).toEqual(expect.any(String));
    expect((await sandbox.control.stats()).renders[id]).toBe(1);
  });

  it('404 is not-found with the DRF detail', async () => {
    const error = await failure(client.get(UNKNOWN_ID));
    expect(error).toMatchObject({ kind: 'not-found', status: 404, detail: 'Not found.', retryable: false });
  });

  it('429 hands Retry-After (seconds) to the caller as retryAfterMs', async () => {
    await sandbox.control.addFault({ endpoint: 'get', kind: 'rate-limit', retryAfter: '3' });
    const error = await failure(client.get(UNKNOWN_ID));
    expect(error).toMatchObject({ kind: 'rate-limited', status: 429, retryAfterMs: 3000, retryable: true });
  });

  it('429 without Retry-After: no delay handed on, and the next call to that endpoint waits the default second', async () => {
    await sandbox.control.addFault({ endpoint: 'get', kind: 'rate-limit', retryAfter: null });
    const error = await failure(client.get(UNKNOWN_ID));
    expect(error).toMatchObject({ kind: 'rate-limited', status: 429, retryable: true, detail: 'Request was throttled.' });
    expect(error.retryAfterMs).toBeUndefined();
    const started = Date.now();
    expect((await failure(client.get(UNKNOWN_ID))).kind).toBe('not-found');
    expect(Date.now() - started).toBeGreaterThanOrEqual(DEFAULT_COOL_DOWN_MS - 50);
  });

  it('429 hands Retry-After (an HTTP date) to the caller as a delay', async () => {
    const at = new Date(Date.now() + 10_000).toUTCString();
    await sandbox.control.addFault({ endpoint: 'list', kind: 'rate-limit', retryAfter: at });
    const error = await failure(client.list([UNKNOWN_ID]));
    expect(error.kind).toBe('rate-limited');
    // The HTTP date has whole seconds (up to 1 s lost), and the request takes some time
    // on a loaded machine: 10 s from now reads as 5..10 s.
    expect(error.retryAfterMs).toBeGreaterThanOrEqual(5_000);
    expect(error.retryAfterMs).toBeLessThanOrEqual(10_000);
  });

  it.each([500, 502, 503, 504] as const)('%i is a retryable server error, HTML body and all', async (status) => {
    await sandbox.control.addFault({ endpoint: 'credits', kind: 'server-error', status });
    const error = await failure(client.remainingCredits());
    expect(error).toMatchObject({ kind: 'server', status, retryable: true });
    expect(error.body).toMatch(/<html/i);
  });
});

describe('transport errors', () => {
  it('a slow answer past the client deadline is a retryable timeout', async () => {
    await sandbox.control.addFault({ endpoint: 'get', kind: 'slow', delayMs: 2_000 });
    const hasty = clientFor({ timeoutMs: 200 });
    try {
      const startedAt = Date.now();
      const error = await failure(hasty.get(UNKNOWN_ID));
      expect(error).toMatchObject({ kind: 'timeout', retryable: true });
      expect(Date.now() - startedAt).toBeLessThan(1_500);
    } finally {
      await hasty.close();
    }
  });

  it('a connection reset is a retryable network error', async () => {
    await sandbox.control.addFault({ endpoint: 'get', kind: 'reset' });
    const error = await failure(client.get(UNKNOWN_ID));
    expect(error).toMatchObject({ kind: 'network', retryable: true });
    expect((await sandbox.control.stats()).calls.get).toBe(1);
  });

  it('a refused connection is a retryable network error', async () => {
    const closed = createTcpServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const nowhere = clientFor({ baseUrl: `http://127.0.0.1:${port}` });
    try {
      expect(await failure(nowhere.remainingCredits())).toMatchObject({ kind: 'network', code: 'ECONNREFUSED', retryable: true });
    } finally {
      await nowhere.close();
    }
  });

  it('a render processed but its response lost: network error to us, one render in the ledger', async () => {
    const previewed = await client.preview(body());
    const { id } = previewed;
    await sandbox.control.addFault({ endpoint: 'render', kind: 'lost-response', lipsyncId: id });
    const error = await failure(client.render(id));
    expect(error).toMatchObject({ kind: 'network', retryable: true });

    const stats = await sandbox.control.stats();
    expect(stats.renders[id]).toBe(1);
    expect(stats.credits.ledger.filter((entry) => entry.lipsyncId === id && entry.action === 'render')).toHaveLength(1);
    // What a retried render activity would conclude: do not POST again.
    expect(judgeRenderStarted(toSnapshot(previewed), toSnapshot(await client.get(id))).started).toBe(true);
  });
});

describe('refused before any request', () => {
  it('list with 101 ids, or none, sends nothing', async () => {
    const ids = Array.from({ length: 101 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    const before = await sandbox.control.stats();
    expect(await failure(client.list(ids))).toMatchObject({ kind: 'validation', status: undefined });
    expect(await failure(client.list([]))).toMatchObject({ kind: 'validation' });
    expect((await sandbox.control.stats()).calls).toEqual(before.calls);
    // 100 is allowed.
    await expect(client.list(ids.slice(0, 100))).resolves.toEqual([]);
  });

  it('non-UUID ids and bodies over documented limits send nothing', async () => {
    const before = await sandbox.control.stats();
    expect(await failure(client.get('../remaining_credits'))).toMatchObject({ kind: 'validation' });
    expect(await failure(client.render('not-a-uuid'))).toMatchObject({ kind: 'validation' });
    expect(await failure(client.list([UNKNOWN_ID, 'x']))).toMatchObject({ kind: 'validation', fields: { 'ids.1': [expect.any(String)] } });
    const tooLong = await failure(client.preview(body('x'.repeat(2001))));
    expect(tooLong.fields).toHaveProperty(['video_inputs.0.voice.input_text']);
    expect((await sandbox.control.stats()).calls).toEqual(before.calls);
  });
});

describe('the API key never shows in an error', () => {
  // A key with characters that JSON and URL encoding spell differently.
  const NASTY_KEY = 'sk/"SECRET"+key\\42 é';
  let echo: Server;
  let echoClient: CreatifyClient;

  beforeAll(async () => {
    echo = createHttpServer((req, res) => {
      const headers = JSON.stringify(req.headers);
      const key = String(req.headers['x-api-key']);
      if (req.url?.endsWith('/preview/')) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(`{"id":"${UNKNOWN_ID}","status":{"odd":true},"echo":${headers}}`);
      } else if (req.url?.startsWith('/api/lipsyncs_v2/?')) {
        res.writeHead(502, { 'content-type': 'text/plain' }).end(`upstream said: ${key} / ${encodeURIComponent(key)}`);
      } else {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ detail: `invalid key ${key}`, headers: req.headers }));
      }
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    echoClient = new CreatifyClient({ baseUrl: `http://127.0.0.1:${(echo.address() as AddressInfo).port}`, apiId: 'echo-id', apiKey: NASTY_KEY });
  });

  afterAll(async () => {
    await echoClient.close();
    await new Promise((resolve) => echo.close(resolve));
  });

  function expectNoKey(error: CreatifyError): void {
    const shown = everythingShown(error);
    for (const spelling of [NASTY_KEY, JSON.stringify(NASTY_KEY).slice(1, -1), encodeURIComponent(NASTY_KEY), 'SECRET']) {
      expect(shown).not.toContain(spelling);
    }
    expect(shown).toContain('[REDACTED]');
  }

  it('when a 400 echoes the request headers into detail and body', async () => {
    const error = await failure(echoClient.get(UNKNOWN_ID));
    expect(error).toMatchObject({ kind: 'validation', status: 400 });
    expect(error.detail).toBe('invalid key [REDACTED]');
    expectNoKey(error);
  });

  it('when a 2xx echoes headers into a body of the wrong shape', async () => {
    const error = await failure(echoClient.preview(body('echoed')));
    expect(error).toMatchObject({ kind: 'response-shape', status: 200, retryable: true });
    expect(error.message).toContain('status');
    expectNoKey(error);
  });

  it('when a 5xx echoes the key raw and URL-encoded', async () => {
    const error = await failure(echoClient.list([UNKNOWN_ID]));
    expect(error).toMatchObject({ kind: 'server', status: 502 });
    expectNoKey(error);
  });

  it('nor in the client object itself, after use', () => {
    expect(inspect(echoClient, { depth: 10, showHidden: true })).not.toContain('SECRET');
    expect(JSON.stringify(echoClient)).not.toContain('SECRET');
  });

  it('when the server echoes the raw request bytes and undici fails to parse them', async () => {
    const mirror = createTcpServer((socket) => socket.on('data', (bytes) => socket.end(bytes)));
    await new Promise<void>((resolve) => mirror.listen(0, '127.0.0.1', resolve));
    const mirrored = new CreatifyClient({ baseUrl: `http://127.0.0.1:${(mirror.address() as AddressInfo).port}`, apiId: 'm', apiKey: API_KEY });
    try {
      const error = await failure(mirrored.get(UNKNOWN_ID));
      expect(error).toMatchObject({ kind: 'network', retryable: true });
      // undici's own error carries the mirrored request (headers included) in its fields.
      const raw = await import('undici').then(({ request }) => request(`http://127.0.0.1:${(mirror.address() as AddressInfo).port}/`, { headers: { 'x-api-key': API_KEY } })).catch((e: unknown) => e);
      expect(inspect(raw, { depth: 10 })).toContain(API_KEY);
      expect(everythingShown(error)).not.toContain(API_KEY);
    } finally {
      await mirrored.close();
      await new Promise((resolve) => mirror.close(resolve));
    }
  });
});
