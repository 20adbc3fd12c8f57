/**
 * What one attempt of the render activity tells the next in its heartbeat details, and
 * what a retry makes of them: the POST's time goes to the server before the POST does,
 * so a worker killed with its POST in flight leaves the next attempt watching the record
 * (a POST may be taken up late) instead of POSTing again; a POST answered or failed fast
 * is taken back, so the next attempt settles briefly and POSTs. MockActivityEnvironment,
 * with a scripted Creatify: the activity's own logic, attempt by attempt.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities, toSnapshot, type CreatifyApi } from '../../src/activities';
import type { RenderInput, RenderOutcome } from '../../src/contract/activities';
import { CreatifyError, Lipsync } from '../../src/creatify';

const ID = '5d2a8a9e-7c1b-4c3e-9a55-0c1f5b7e2d10';
const previewed = Lipsync.parse({ id: ID, status: 'done', output: null, preview: 'https://app.creatify.ai/preview?x', progress: 1, duration: 20, media_job: null });
const rendering = Lipsync.parse({ ...previewed, status: 'pending', progress: 0, media_job: 'job-render' });
const ask: RenderInput = { lipsyncId: ID, before: toSnapshot(previewed), settlePreview: true };

/** The watch after a POST of unknown fate, short for the test. */
const WATCH_MS = 600;

/** Creatify whose record shows nothing until a render is POSTed (or `showsRenderAfterMs`), and whose POST is accepted (or fails with `postFails`). */
function scripted(options: { showsRenderAfterMs?: number; onPost?: () => void; postFails?: () => Error; turn?: () => Promise<void> } = {}) {
  const startedAt = Date.now();
  const calls = { get: 0, render: 0, renderAt: [] as number[], turns: 0 };
  const shown = () => calls.render > 0 || (options.showsRenderAfterMs !== undefined && Date.now() - startedAt >= options.showsRenderAfterMs);
  const post = async () => {
    options.onPost?.();
    calls.render++;
    calls.renderAt.push(Date.now());
    if (options.postFails) throw options.postFails();
    return rendering;
  };
  const creatify = {
    get: async () => {
      calls.get++;
      return shown() ? rendering : previewed;
    },
    render: async (_id: string, renderOptions?: { turnTaken?: boolean }) => {
      if (!renderOptions?.turnTaken) throw new Error('the render POST was sent without its turn taken first');
      return post();
    },
    list: async () => [],
    remainingCredits: async () => ({ remaining_credits: 100 }),
    takeTurn: async () => {
      calls.turns++;
      await options.turn?.();
    },
  };
  const activities = createActivities(creatify as unknown as CreatifyApi, { settleMs: 20, slowPostSettleMs: WATCH_MS });
  return { calls, activities };
}

/** An attempt's environment, and copies of its heartbeats as they were sent. */
function attempt(n: number, heartbeatDetails?: unknown) {
  const scheduledTimestampMs = Date.now();
  const env = new MockActivityEnvironment({ attempt: n, scheduledTimestampMs, currentAttemptScheduledTimestampMs: scheduledTimestampMs, ...(heartbeatDetails !== undefined ? { heartbeatDetails } : {}) });
  const beats: Record<string, unknown>[] = [];
  env.on('heartbeat', (details: unknown) => beats.push(JSON.parse(JSON.stringify(details ?? null))));
  return { env, beats, scheduledTimestampMs };
}

describe('renderLipsync: what an attempt tells the next', () => {
  test('the POST\'s time is heartbeated before the POST goes out', async () => {
    let beatsAtPost: Record<string, unknown>[] = [];
    const { env, beats } = attempt(1);
    const { activities } = scripted({ onPost: () => (beatsAtPost = [...beats]) });
    const outcome: RenderOutcome = await env.run(activities.renderLipsync, ask);
    expect(outcome).toMatchObject({ posted: true });
    expect(beatsAtPost).toHaveLength(1);
    expect(beatsAtPost[0]!.postSentAt).toEqual(expect.any(Number));
  });

  test("the POST's turn (the worker's pacing, a 429's hold) is taken before its time is heartbeated: a turn that waits is no POST in flight", async () => {
    let beatsAtTurnEnd = -1;
    const { env, beats } = attempt(1);
    const { calls, activities } = scripted({
      turn: async () => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        beatsAtTurnEnd = beats.filter((beat) => 'postSentAt' in beat).length;
      },
    });
    await env.run(activities.renderLipsync, ask);
    expect(calls.turns).toBe(1);
    expect(beatsAtTurnEnd).toBe(0);
    expect(calls.render).toBe(1);
  });

  test('a retry told of a POST in flight watches the record until the watch after that POST ends, then POSTs', async () => {
    const { calls, activities } = scripted();
    const sent = Date.now();
    const { env } = attempt(2, { settling: false, postSentAt: sent });
    const outcome: RenderOutcome = await env.run(activities.renderLipsync, ask);
    expect(outcome).toMatchObject({ posted: true });
    expect(calls.renderAt[0]! - sent).toBeGreaterThanOrEqual(WATCH_MS);
    expect(calls.get).toBeGreaterThan(4); // more than the short settle's looks
  });

  test('…and finds that POST\'s render, shown late: no second POST', async () => {
    const { calls, activities } = scripted({ showsRenderAfterMs: WATCH_MS / 2 });
    const { env } = attempt(2, { settling: false, postSentAt: Date.now() });
    const outcome: RenderOutcome = await env.run(activities.renderLipsync, ask);
    expect(outcome).toMatchObject({ posted: false, lipsync: { mediaJob: 'job-render' } });
    expect(calls.render).toBe(0);
  });

  test('a POST time later than when the retry was scheduled (a clock ahead) is read as that schedule: the watch is not stretched', async () => {
    const { calls, activities } = scripted();
    const { env, scheduledTimestampMs } = attempt(2, { settling: false, postSentAt: Date.now() + 60_000 });
    await env.run(activities.renderLipsync, ask);
    expect(calls.renderAt[0]! - scheduledTimestampMs).toBeLessThan(WATCH_MS + 1_000);
  });

  test('a retry told no POST is in flight settles briefly and POSTs, no long watch', async () => {
    const { calls, activities } = scripted();
    const { env, scheduledTimestampMs } = attempt(2, { settling: false });
    await env.run(activities.renderLipsync, ask);
    expect(calls.render).toBe(1);
    expect(calls.renderAt[0]! - scheduledTimestampMs).toBeLessThan(WATCH_MS);
  });

  test.each([
    ['answered with a 503', false, () => new CreatifyError({ kind: 'server', status: 503, message: 'HTTP 503' })],
    ['failed fast unanswered (a reset)', false, () => new CreatifyError({ kind: 'network', message: 'socket hang up' })],
    ['timed out by our own client', true, () => new CreatifyError({ kind: 'timeout', message: 'headers timeout' })],
  ] as const)('a POST %s: the next attempt is told it may be in flight: %s', async (_what, inFlight, error) => {
    const { env, beats } = attempt(1);
    const { activities } = scripted({ postFails: error });
    await expect(env.run(activities.renderLipsync, ask)).rejects.toThrow();
    expect('postSentAt' in beats[beats.length - 1]!).toBe(inFlight);
  });
});
