import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { LAPSING_TIMERS_REVISION, LEAN_TRACKER_REVISION, TRACKER_REVISION } from '../../src/contract/messages';
import { testWorkflowBundle } from '../support/bundle';

// Histories recorded from real runs by scripts/export-histories.ts. A change to the
// workflow that cannot replay them would break every render in flight during a deploy.
const HISTORY_DIR = path.resolve(__dirname, '../fixtures/histories');
const histories = fs.readdirSync(HISTORY_DIR).filter((f) => f.endsWith('.json')).sort();

const load = (file: string) => JSON.parse(fs.readFileSync(path.join(HISTORY_DIR, file), 'utf8'));

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
