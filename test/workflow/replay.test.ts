import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { LAPSING_TIMERS_REVISION, LEAN_TRACKER_REVISION, TRACKER_REVISION } from '../../src/contract/messages';
import { APPROVAL_HOLDS_PATCH, POSTED_RENDER_STANDS_PATCH, STAGES_PATCH } from '../../src/workflows/versions';
import { PROGRESS_WAKE_PATCH, SWEEP_PERIOD_PATCH } from '../../src/workflows/reconcile';
import { testWorkflowBundle } from '../support/bundle';

// Histories recorded from real runs by scripts/export-histories.ts. A change to the
// workflow that cannot replay them would break every render in flight during a deploy.
const HISTORY_DIR = path.resolve(__dirname, '../fixtures/histories');
const histories = fs.readdirSync(HISTORY_DIR).filter((f) => f.endsWith('.json')).sort();

const load = (file: string) => JSON.parse(fs.readFileSync(path.join(HISTORY_DIR, file), 'utf8'));

/** Whether a history (as `temporal workflow show` writes it) records a patch marker of this id. */
function hasPatch(events: Array<Record<string, any>>, patchId: string): boolean {
  return events
    .filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')
    .map((e) => Buffer.from(e.markerRecordedEventAttributes.details['patch-data'].payloads[0].data, 'base64').toString('utf8'))
    .some((marker) => JSON.parse(marker).id === patchId);
}

describe('replaying recorded histories', () => {
  test('the fixtures cover the webhook and polling paths of every workflow version', () => {
    const paths = ['webhook-path.json', 'polling-path.json', 'contradicted-webhook.json', 'failed-render.json'];
    expect(histories).toEqual(expect.arrayContaining([...paths.map((p) => `v1-${p}`), ...paths.map((p) => `v2-${p}`)]));
    expect(histories).toEqual(expect.arrayContaining(['v2-lost-render-response.json', 'v2-rejudged-render.json']));
    for (const version of ['v3-', 'v4-', 'v5-']) {
      const fleetAndMoney = [...paths, 'rejudged-render.json', 'reconciled-path.json', 'reconciler.json', 'approved-render.json', 'insufficient-credits.json', 'batch.json'];
      expect(histories).toEqual(expect.arrayContaining(fleetAndMoney.map((p) => `${version}${p}`)));
    }
  });

  // A running stage named `processing` (creatify-api.md §5): histories from before STAGES_PATCH
  // checked it as a claim of an end (a re-check burst); newer ones learn it as a stage.
  test.each([
    ['v5-stage-as-claim-webhook.json', false],
    ['v5-stage-as-claim-reconciler.json', false],
    ['v5-stage-learned-webhook.json', true],
    ['v5-stage-learned-reconciler.json', true],
  ])('%s records the stage path it stands for (learned: %p)', (file, learned) => {
    const events: Array<Record<string, any>> = load(file).events;
    expect(hasPatch(events, STAGES_PATCH)).toBe(learned);
    const claimGets = events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'confirmClaim').length
      + events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity').length;
    // On the webhook path, as a claim: the credits check's read, the first GET, the re-check burst, the end's GET.
    if (file.endsWith('webhook.json')) expect(claimGets).toBe(learned ? 3 : 5);
  });

  // A preview that reports its own run by webhook while the job awaits approval: before
  // APPROVAL_HOLDS_PATCH its `pending` moved the status (and every decision was refused).
  test.each([
    ['v5-approval-moved-preview-webhooks.json', false, 'CANCELED'],
    ['v5-approval-held-preview-webhooks.json', true, 'COMPLETED'],
  ])('%s records the approval path it stands for (held: %p)', (file, held, end) => {
    const events: Array<Record<string, any>> = load(file).events;
    expect(hasPatch(events, APPROVAL_HOLDS_PATCH)).toBe(held);
    expect(events.at(-1)!.eventType).toBe(`EVENT_TYPE_WORKFLOW_EXECUTION_${end}`);
  });

  // A render answered 200 that shows on the record only 6 s later, past the stall watch:
  // before POSTED_RENDER_STANDS_PATCH it was re-judged into a second render POST.
  test.each([
    ['v5-late-render-rejudged-polling.json', false],
    ['v5-late-render-rejudged-reconciler.json', false],
    ['v5-late-render-stands-polling.json', true],
    ['v5-late-render-stands-reconciler.json', true],
  ])('%s records the late-render path it stands for (stands: %p)', (file, stands) => {
    const events: Array<Record<string, any>> = load(file).events;
    expect(hasPatch(events, POSTED_RENDER_STANDS_PATCH)).toBe(stands);
    const renderPosts = events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'renderLipsync').length;
    expect(renderPosts).toBe(stands ? 1 : 2);
  });

  // A render Creatify takes and then fails for want of credits: recorded when it ended
  // `failed`, and since it ends `insufficient_credits`. No patch: only the end's search
  // attribute and failure differ, which replay does not compare; the replays below hold it.
  test.each([
    ['v5-credits-failed-webhook.json', 'RenderFailed'],
    ['v5-credits-insufficient-webhook.json', 'InsufficientCredits'],
  ])('%s records the end it stands for (%s)', (file, type) => {
    const events: Array<Record<string, any>> = load(file).events;
    expect(events.at(-1)!.workflowExecutionFailedEventAttributes.failure.applicationFailureInfo.type).toContain(type);
  });

  // A render asked while an asynchronous preview still ran, its first POST reset: the code
  // that waited inside the render activity took the preview's end for the render (held to
  // the deadline, never paid); the current code asks again on the settled record. No patch:
  // the render activity's answer (previewSettled) decides, and the old one replays as it was.
  test.each([
    ['v5-preview-in-render-reset.json', 1, 'FAILED'],
    ['v5-preview-settled-reset.json', 2, 'COMPLETED'],
  ])('%s records the preview path it stands for (%p render activities, %s)', (file, renders, end) => {
    const events: Array<Record<string, any>> = load(file).events;
    expect(events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'renderLipsync')).toHaveLength(renders);
    expect(events.at(-1)!.eventType).toBe(`EVENT_TYPE_WORKFLOW_EXECUTION_${end}`);
  });

  // The reconciler's pacing: v5-reconciler.json was recorded before both patches (a
  // progress sweep every interval, each wait the whole interval after a sweep's end).
  test.each([
    ['v5-reconciler.json', false],
    ['v5-reconciler-paced-sweeps.json', true],
  ])('%s records the reconciler pacing it stands for (paced: %p)', (file, paced) => {
    const events: Array<Record<string, any>> = load(file).events;
    expect(hasPatch(events, PROGRESS_WAKE_PATCH)).toBe(paced);
    expect(hasPatch(events, SWEEP_PERIOD_PATCH)).toBe(paced);
    expect(events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'sweepLipsyncs').length).toBeGreaterThan(2);
  });

  test.each(histories)('%s replays against the current workflow', async (file) => {
    await expect(Worker.runReplayHistory({ workflowBundle: testWorkflowBundle() }, load(file))).resolves.toBeUndefined();
  });

  // A deploy that updates the starters (the client library in a backend) before the
  // workers: an older worker takes the first task of a start of a newer revision and
  // records what it knows (patch markers, upserts, timer cancels). The new code must
  // replay that. Each case: the history an older worker recorded, and the revision its
  // input had and is given here.
  const olderWorkerCases: Array<[file: string, recorded: number | undefined, started: number]> = [
    // Before lean runs: every patch marker and upsert.
    ...['v3-webhook-path.json', 'v3-polling-path.json', 'v3-approved-render.json', 'v3-reconciled-path.json'].map((f): [string, undefined, number] => [f, undefined, TRACKER_REVISION]),
    ['v3-webhook-path.json', undefined, LEAN_TRACKER_REVISION],
    // A revision 4 worker: the lean-runs marker, timers cancelled.
    ...['v4-webhook-path.json', 'v4-polling-path.json', 'v4-approved-render.json', 'v4-contradicted-webhook.json'].map((f): [string, number, number] => [f, LEAN_TRACKER_REVISION, LAPSING_TIMERS_REVISION]),
  ];
  test.each(olderWorkerCases)('%s (revision %p), started as revision %p but run by the older worker, replays against the current workflow', async (file, recorded, started) => {
    const history = load(file);
    const payload = history.events[0].workflowExecutionStartedEventAttributes.input.payloads[0];
    const input = JSON.parse(Buffer.from(payload.data, 'base64').toString('utf8'));
    expect(input.revision).toBe(recorded);
    payload.data = Buffer.from(JSON.stringify({ ...input, revision: started })).toString('base64');
    await expect(Worker.runReplayHistory({ workflowBundle: testWorkflowBundle() }, history)).resolves.toBeUndefined();
  });

  test('an incompatible workflow change is caught', async () => {
    const bundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('./fixtures/reordered-workflow'),
      logger: new DefaultLogger('WARN'),
    });
    await expect(Worker.runReplayHistory({ workflowBundle: bundle }, load('v1-webhook-path.json'))).rejects.toBeInstanceOf(
      DeterminismViolationError,
    );
  });
});
