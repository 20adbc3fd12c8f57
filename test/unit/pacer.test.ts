/**
 * The pacing of one worker's Creatify calls (src/creatify/pacer.ts) on a fake clock, the
 * sandbox's DRF throttle (src/sandbox/throttle.ts), and the client that sends through
 * the pacer against a real sandbox that throttles.
 */
import { CreatifyClient, CreatifyError } from '../../src/creatify';
import { CallPacer, TurnTooFar } from '../../src/creatify/pacer';
import { startSandbox, type RunningSandbox } from '../../src/sandbox';
import { Throttle } from '../../src/sandbox/throttle';

/** A clock that moves only when a call sleeps (each sleep runs to its end at once). */
function fakeClock() {
  const clock = { now: 1_000_000, slept: [] as number[] };
  return {
    clock,
    now: () => clock.now,
    sleep: async (ms: number) => {
      clock.slept.push(ms);
      clock.now += ms;
    },
  };
}

/** When each of `n` calls, asked one after another at the same moment, goes out (ms after the first ask). */
async function sendTimes(pacer: CallPacer, clock: { now: number }, n: number): Promise<number[]> {
  const start = clock.now;
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    clock.now = start; // all asked at once: each waits from the same moment
    await pacer.turn('get');
    times.push(clock.now - start);
  }
  return times;
}

describe('CallPacer', () => {
  test('without a limit every call goes at once', async () => {
    const { clock, now, sleep } = fakeClock();
    const pacer = new CallPacer({ now, sleep });
    expect(await sendTimes(pacer, clock, 50)).toEqual(Array(50).fill(0));
  });

  test('5 calls per second: one every 200 ms from the first, and a pause gives back no burst', async () => {
    const { clock, now, sleep } = fakeClock();
    const pacer = new CallPacer({ callsPerSecond: 5, now, sleep });
    expect(await sendTimes(pacer, clock, 6)).toEqual([0, 200, 400, 600, 800, 1000]);
    clock.now += 5_000;
    expect(await sendTimes(pacer, clock, 3)).toEqual([0, 200, 400]);
  });

  test('calls asked together are released one spacing apart even when every wake-up comes late (a busy event loop)', async () => {
    const clock = { now: 1_000_000 };
    // Every sleep overshoots by 150 ms; the clock moves only once what a release set off has run.
    const sleep = async (ms: number) => {
      await new Promise((resolve) => setImmediate(resolve));
      clock.now += ms + 150;
    };
    const pacer = new CallPacer({ callsPerSecond: 5, maxWaitMs: 10_000, now: () => clock.now, sleep });
    const released: number[] = [];
    await Promise.all(Array.from({ length: 5 }, () => pacer.turn('get').then(() => released.push(clock.now))));
    const gaps = released.slice(1).map((at, i) => at - released[i]!);
    expect(gaps).toEqual([350, 350, 350, 350]);
  });

  test('a call whose turn is further than maxWaitMs away is refused without taking a turn', async () => {
    const { clock, now, sleep } = fakeClock();
    const pacer = new CallPacer({ callsPerSecond: 2, maxWaitMs: 1_000, now, sleep });
    expect(await sendTimes(pacer, clock, 3)).toEqual([0, 500, 1000]);
    const start = clock.now - 1_000;
    clock.now = start;
    const refused = await pacer.turn('get').catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(TurnTooFar);
    expect((refused as TurnTooFar).waitMs).toBe(1_500);
    // The refused call left its turn to the next one.
    clock.now = start + 500;
    await pacer.turn('get');
    expect(clock.now - start).toBe(1_500);
  });

  test("a 429 holds back every call to its endpoint for its Retry-After (a missing one: a second), and no other endpoint's", async () => {
    const { clock, now, sleep } = fakeClock();
    const pacer = new CallPacer({ now, sleep });
    pacer.rateLimited('get', 3_000);
    const start = clock.now;
    await pacer.turn('get');
    expect(clock.now - start).toBe(3_000);
    await pacer.turn('get');
    expect(clock.now - start).toBe(3_000);
    pacer.rateLimited('get', undefined);
    await pacer.turn('get');
    expect(clock.now - start).toBe(4_000);
    // Another endpoint is not held.
    pacer.rateLimited('get', 3_000);
    await pacer.turn('list');
    expect(clock.now - start).toBe(4_000);
  });

  test('a hold longer than maxWaitMs refuses calls with the hold as their wait; a huge Retry-After is capped', async () => {
    const { clock, now, sleep } = fakeClock();
    const pacer = new CallPacer({ maxWaitMs: 4_000, maxCoolDownMs: 60_000, now, sleep });
    pacer.rateLimited('get', 3_600_000);
    const refused = await pacer.turn('get').catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(TurnTooFar);
    expect((refused as TurnTooFar).waitMs).toBe(60_000);
    clock.now += 60_000;
    await expect(pacer.turn('get')).resolves.toBeUndefined();
  });
});

describe('the sandbox throttle (DRF SimpleRateThrottle)', () => {
  test('3 per 10 s: the fourth request in the window is refused with a Retry-After of what is left, and does not count', () => {
    const throttle = new Throttle();
    const rate = { requests: 3, perSeconds: 10 };
    expect(throttle.check(rate, 0)).toBeNull();
    expect(throttle.check(rate, 1_000)).toBeNull();
    expect(throttle.check(rate, 2_000)).toBeNull();
    const refused = throttle.check(rate, 4_000)!;
    expect(refused.status).toBe(429);
    // The oldest leaves the window at 10 s: 6 s from now, shared by the 1 request free then.
    expect(refused.headers).toEqual({ 'retry-after': '6' });
    expect(refused.body).toEqual({ detail: 'Request was throttled. Expected available in 6 seconds.' });
    expect(throttle.check(rate, 9_999)).not.toBeNull();
    expect(throttle.check(rate, 10_000)).toBeNull();
    expect(throttle.refused).toBe(2);
    expect(throttle.check(null, 10_001)).toBeNull();
  });
});

describe('CreatifyClient through its pacer, against a sandbox that throttles', () => {
  let sandbox: RunningSandbox;

  beforeAll(async () => {
    sandbox = await startSandbox();
  });
  afterAll(async () => {
    await sandbox.close();
  });

  async function burst(client: CreatifyClient, n: number): Promise<{ ok: number; rateLimited: number }> {
    const outcomes = await Promise.all(
      Array.from({ length: n }, () => client.remainingCredits().then(
        () => 'ok' as const,
        (err: unknown) => (err instanceof CreatifyError && err.kind === 'rate-limited' ? ('limited' as const) : Promise.reject(err)),
      )),
    );
    return { ok: outcomes.filter((o) => o === 'ok').length, rateLimited: outcomes.filter((o) => o === 'limited').length };
  }

  test('paced at the throttle\'s rate, 12 calls at once all pass and the sandbox refuses none', async () => {
    await sandbox.control.reset({ throttle: { requests: 4, perSeconds: 1 } });
    const client = new CreatifyClient({ baseUrl: sandbox.url, ...sandbox.credentials, callsPerSecond: 3.5 });
    // 12 calls one every 286 ms: ~3.1 s, never more than 4 in a second.
    try {
      const started = Date.now();
      expect(await burst(client, 12)).toEqual({ ok: 12, rateLimited: 0 });
      expect(Date.now() - started).toBeGreaterThanOrEqual(3_000);
      expect((await sandbox.control.stats()).throttled).toBe(0);
    } finally {
      await client.close();
    }
  });

  test('unpaced, the first 429 holds back the calls to its endpoint that follow it: they are not sent into the throttle', async () => {
    await sandbox.control.reset({ throttle: { requests: 2, perSeconds: 1 } });
    const client = new CreatifyClient({ baseUrl: sandbox.url, ...sandbox.credentials });
    try {
      expect(await burst(client, 3)).toEqual({ ok: 2, rateLimited: 1 });
      // Within the Retry-After (1 s): sent later, and answered.
      const started = Date.now();
      expect(await client.remainingCredits()).toEqual({ remaining_credits: expect.any(Number) });
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      expect((await sandbox.control.stats()).throttled).toBe(1);
    } finally {
      await client.close();
    }
  });
});
