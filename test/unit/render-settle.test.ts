/**
 * The render activity's settle after the job's first POST is refused while the record
 * moves (an asynchronous preview that showed its link from the start, §4.2 [I]): it
 * heartbeats that it is settling, and a later attempt goes on settling instead of
 * judging the moving record against the snapshot (which would take the preview for the
 * render, and leave the job waiting for its deadline). MockActivityEnvironment, with a
 * scripted Creatify: this is the activity's own logic, attempt by attempt.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities, toSnapshot, type CreatifyApi } from '../../src/activities';
import type { RenderInput, RenderOutcome } from '../../src/contract/activities';
import { CreatifyError, Lipsync } from '../../src/creatify';

const ID = '3c90c3cc-0d44-4b50-8888-8dd25736052a';
const LINK = 'https://app.creatify.ai/preview?layout=x.json';
const record = (fields: Record<string, unknown>) => Lipsync.parse({ id: ID, output: null, preview: LINK, progress: 0, duration: 20, ...fields });

/** Creatify whose record goes through `reads` one GET at a time (the last one stays), and whose render POST is refused. */
function scripted(reads: ReturnType<typeof record>[]) {
  const calls = { get: 0, render: 0 };
  const creatify = {
    get: async () => reads[Math.min(calls.get++, reads.length - 1)]!,
    render: async () => {
      calls.render++;
      throw new CreatifyError({ kind: 'validation', status: 400, message: 'HTTP 400', detail: 'Lipsync is not in a renderable state.' });
    },
    list: async () => [],
    remainingCredits: async () => ({ remaining_credits: 100 }),
    takeTurn: async () => undefined,
  };
  return { calls, activities: createActivities(creatify as unknown as CreatifyApi, { settleMs: 10 }) };
}

const pending = record({ status: 'pending' });
const running = record({ status: 'running', progress: 0.5 });
// The preview's end: `pending` again, with a media job of its own (moves what a render would).
const previewEnded = record({ status: 'pending', media_job: 'job-preview', progress: 0 });
const firstAsk: RenderInput = { lipsyncId: ID, before: toSnapshot(pending), settlePreview: true };

describe('renderLipsync: a first POST refused on a moving record settles it, across attempts', () => {
  test('attempt 1: the refusal, the record moving, a heartbeat that says "settling", then the settled record to render on (no second POST)', async () => {
    const { calls, activities } = scripted([pending, running, running, previewEnded]);
    const env = new MockActivityEnvironment({ attempt: 1, scheduledTimestampMs: Date.now() });
    const beats: unknown[] = [];
    env.on('heartbeat', (details: unknown) => beats.push(details));
    const outcome: RenderOutcome = await env.run(activities.renderLipsync, firstAsk);
    expect(outcome).toMatchObject({ posted: false, previewSettled: true, lipsync: { status: 'pending', mediaJob: 'job-preview' } });
    expect(calls.render).toBe(1);
    expect(beats).toContainEqual({ settling: true });
  });

  test('attempt 2, told by the heartbeat that attempt 1 was settling: it settles on, never judging the moving record a render, never POSTing', async () => {
    const { calls, activities } = scripted([running, previewEnded]);
    const env = new MockActivityEnvironment({ attempt: 2, heartbeatDetails: { settling: true }, scheduledTimestampMs: Date.now() });
    const outcome: RenderOutcome = await env.run(activities.renderLipsync, firstAsk);
    expect(outcome).toMatchObject({ posted: false, previewSettled: true, lipsync: { mediaJob: 'job-preview' } });
    expect(calls.render).toBe(0);
  });

  test('a render that ends while being settled is the end, not a render to ask for (someone else\'s, already paid)', async () => {
    const { calls, activities } = scripted([running, record({ status: 'done', output: 'https://x/y.mp4', progress: 1 })]);
    const env = new MockActivityEnvironment({ attempt: 2, heartbeatDetails: { settling: true }, scheduledTimestampMs: Date.now() });
    const outcome: RenderOutcome = await env.run(activities.renderLipsync, firstAsk);
    expect(outcome).toMatchObject({ posted: false, lipsync: { status: 'done', terminal: true } });
    expect(outcome.previewSettled).toBeUndefined();
    expect(calls.render).toBe(0);
  });

  test("a refused first POST on a record that moved to a render's first stage (`pending` with a media job) is taken as started, not asked again", async () => {
    const { calls, activities } = scripted([pending, previewEnded]);
    const env = new MockActivityEnvironment({ attempt: 1, scheduledTimestampMs: Date.now() });
    const beats: unknown[] = [];
    env.on('heartbeat', (details: unknown) => beats.push(details));
    const outcome: RenderOutcome = await env.run(activities.renderLipsync, firstAsk);
    expect(outcome).toMatchObject({ posted: false, strength: 'strong' });
    expect(outcome.previewSettled).toBeUndefined();
    expect(calls.render).toBe(1);
    expect(beats).not.toContainEqual({ settling: true });
  });
});
