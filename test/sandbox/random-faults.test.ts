import { request } from 'node:http';
import type { RunningSandbox } from '../../src/sandbox';
import { startSandbox } from '../../src/sandbox';
import { authHeaders, call, FAST, preview } from './helpers';

// settings.randomFaults: a seeded chaos soak. Rates close to the configured chances,
// and the same seed replaying the same faults after a reset.

const CHAOS = {
  rateLimit: 0.1,
  serverErrorBefore: 0.1,
  serverErrorAfter: 0.05,
  resetBefore: 0.05,
  resetAfter: 0.05,
  hang: 0.05,
  hangMs: 5,
  retryAfter: '3',
};
const N = 400;

/**
 * One GET on a fresh connection, with no client retry logic in the way: its status,
 * or 'dropped' when the socket died before an answer.
 */
function rawGet(sandbox: RunningSandbox, path: string): Promise<number | 'dropped'> {
  return new Promise((resolve) => {
    const req = request(sandbox.url + path, { headers: { ...authHeaders(sandbox), connection: 'close' }, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', () => resolve('dropped'));
    req.end();
  });
}

async function soak(sandbox: RunningSandbox, id: string): Promise<Array<number | 'dropped'>> {
  const outcomes: Array<number | 'dropped'> = [];
  for (let i = 0; i < N; i++) outcomes.push(await rawGet(sandbox, `/api/lipsyncs_v2/${id}/`));
  return outcomes;
}

describe('sandbox randomFaults', () => {
  let sandbox: RunningSandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ seed: 42, settings: FAST });
  });
  afterAll(() => sandbox.close());
  beforeEach(() => sandbox.control.reset());

  test('off by default: zero chances, the usual endpoints listed', async () => {
    expect((await sandbox.control.settings()).randomFaults).toEqual({
      rateLimit: 0, serverErrorBefore: 0, serverErrorAfter: 0, resetBefore: 0, resetAfter: 0, hang: 0,
      hangMs: 2000, retryAfter: '1', endpoints: ['render', 'get', 'list'],
    });
    const { id } = await preview(sandbox);
    for (let i = 0; i < 20; i++) expect(await rawGet(sandbox, `/api/lipsyncs_v2/${id}/`)).toBe(200);
    expect((await sandbox.control.stats()).faultsInjected).toEqual([]);
  });

  test(`~configured rates over ${N} GETs, reproducible across reset with the same seed`, async () => {
    await sandbox.control.reset({ randomFaults: CHAOS });
    const { id } = await preview(sandbox);
    const first = await soak(sandbox, id);
    const stats = await sandbox.control.stats();
    expect(stats.calls.get).toBe(N);

    const count = (pred: (o: number | 'dropped') => boolean) => first.filter(pred).length;
    // Expected counts 40/60/60; bounds are about ±4 standard deviations.
    expect(count((o) => o === 429)).toBeGreaterThan(15);
    expect(count((o) => o === 429)).toBeLessThan(65);
    expect(count((o) => typeof o === 'number' && o >= 500)).toBeGreaterThan(30);
    expect(count((o) => typeof o === 'number' && o >= 500)).toBeLessThan(90);
    expect(count((o) => o === 'dropped')).toBeGreaterThan(30);
    expect(count((o) => o === 'dropped')).toBeLessThan(90);
    expect(count((o) => o === 200)).toBe(N - stats.faultsInjected.length);
    // Server errors use several gateway statuses.
    expect(new Set(first.filter((o) => typeof o === 'number' && o >= 500)).size).toBeGreaterThan(1);

    const kinds = new Map<string, number>();
    for (const f of stats.faultsInjected) {
      expect(f).toMatchObject({ endpoint: 'get', random: true, lipsyncId: id });
      const key = `${f.kind}/${f.after ? 'after' : 'before'}`;
      kinds.set(key, (kinds.get(key) ?? 0) + 1);
    }
    for (const key of ['rate-limit/before', 'server-error/before', 'server-error/after', 'reset/before', 'reset/after', 'hang/before']) {
      expect(kinds.get(key) ?? 0).toBeGreaterThan(0);
    }

    await sandbox.control.reset({ randomFaults: CHAOS });
    const again = await preview(sandbox);
    expect(await soak(sandbox, again.id)).toEqual(first);
  });

  test('a random 429 carries retryAfter; unlisted endpoints are spared', async () => {
    await sandbox.control.settings({ randomFaults: { rateLimit: 1, endpoints: ['list'] } });
    const res = await call(sandbox, 'GET', '/api/lipsyncs_v2/');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('1');
    expect((await call(sandbox, 'GET', '/api/remaining_credits/')).status).toBe(200);
    expect((await preview(sandbox)).status).toBe('done');
  });

  test('after on a render: charged even though the answer is a 5xx', async () => {
    const { id } = await preview(sandbox);
    await sandbox.control.settings({ randomFaults: { serverErrorAfter: 1 } });
    const res = await call(sandbox, 'POST', `/api/lipsyncs_v2/${id}/render/`);
    expect([500, 502, 503, 504]).toContain(res.status);
    expect((await sandbox.control.stats()).renders).toEqual({ [id]: 1 });
  });

  test('armed faults take precedence over a draw', async () => {
    await sandbox.control.settings({ randomFaults: { serverErrorBefore: 1, endpoints: ['credits'] } });
    await sandbox.control.addFault({ endpoint: 'credits', kind: 'rate-limit' });
    expect((await call(sandbox, 'GET', '/api/remaining_credits/')).status).toBe(429);
    expect((await call(sandbox, 'GET', '/api/remaining_credits/')).status).toBeGreaterThanOrEqual(500);
    expect((await sandbox.control.stats()).faultsInjected.map((f) => [f.kind, f.random])).toEqual([
      ['rate-limit', false],
      ['server-error', true],
    ]);
  });

  test('chances over 1 in total, or unknown endpoints, are refused and change nothing', async () => {
    await expect(sandbox.control.settings({ randomFaults: { rateLimit: 0.6, hang: 0.5 } })).rejects.toMatchObject({ status: 400 });
    await expect(sandbox.control.reset({ randomFaults: { resetBefore: 0.7, resetAfter: 0.7 } })).rejects.toMatchObject({ status: 400 });
    await expect(sandbox.control.settings({ randomFaults: { endpoints: ['nope' as never] } })).rejects.toMatchObject({ status: 400 });
    expect((await sandbox.control.settings()).randomFaults.rateLimit).toBe(0);
  });
});
