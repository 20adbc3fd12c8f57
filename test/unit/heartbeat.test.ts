/**
 * withHeartbeat: a Creatify call that ends before the first interval sends no heartbeat
 * (each would be a server call and a write per render POST); a long one heartbeats every
 * interval, so the heartbeat timeout still finds a dead worker. MockActivityEnvironment.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { AttemptHeartbeats, HEARTBEAT_THROTTLE_MS, withHeartbeat } from '../../src/activities/heartbeat';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function environment() {
  const env = new MockActivityEnvironment();
  const beats: number[] = [];
  const started = Date.now();
  env.on('heartbeat', () => beats.push(Date.now() - started));
  return { env, beats };
}

describe('withHeartbeat', () => {
  test('a call that ends within the interval heartbeats never', async () => {
    const { env, beats } = environment();
    // 1 s of room for a 20 ms call: a busy machine does not turn it into a heartbeat.
    await expect(env.run(() => withHeartbeat(async () => (await sleep(20), 'answer'), 1_000))).resolves.toBe('answer');
    await sleep(1_200); // the ticker was cleared: nothing comes later either
    expect(beats).toEqual([]);
  });

  test('a long call heartbeats every interval, the first one interval after the start', async () => {
    const { env, beats } = environment();
    await env.run(() => withHeartbeat(() => sleep(650), 100));
    expect(beats.length).toBeGreaterThanOrEqual(2);
    expect(beats[0]).toBeGreaterThanOrEqual(90);
  });

  test('a failing call stops the heartbeats too', async () => {
    const { env, beats } = environment();
    await expect(env.run(() => withHeartbeat(async () => { await sleep(250); throw new Error('Creatify 503'); }, 100))).rejects.toThrow('Creatify 503');
    const count = beats.length;
    await sleep(300);
    expect(beats.length).toBe(count);
  });
});

describe('AttemptHeartbeats', () => {
  test('the first heartbeat of an attempt is sent at once: nothing to wait out', async () => {
    const { env, beats } = environment();
    const waits: number[] = [];
    await env.run(async () => {
      const attempt = new AttemptHeartbeats(() => ({ postSentAt: 1 }));
      await attempt.untilSentAtOnce(async (ms) => void waits.push(ms));
      attempt.beat();
    });
    expect(waits).toEqual([]);
    expect(beats).toHaveLength(1);
  });

  test('after a tick, the next heartbeat that must go out at once waits past the throttle window', async () => {
    const { env } = environment();
    const waits: number[] = [];
    await env.run(async () => {
      const attempt = new AttemptHeartbeats(() => ({}));
      attempt.tick(); // the ticker asked a heartbeat just now
      await attempt.untilSentAtOnce(async (ms) => {
        waits.push(ms);
        await sleep(ms);
      });
    });
    // One wait past the window. A timer may fire a fraction of a millisecond before the
    // monotonic clock says the window closed: the loop then waits that fraction again.
    expect(waits.length).toBeGreaterThanOrEqual(1);
    expect(waits[0]).toBeGreaterThan(HEARTBEAT_THROTTLE_MS);
    expect(waits.slice(1).reduce((sum, ms) => sum + ms, 0)).toBeLessThan(20);
  });
});
