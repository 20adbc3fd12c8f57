import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { TRACKER_REVISION } from '../../src/contract/messages';
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
    for (const version of ['v3-', 'v4-']) {
      const fleetAndMoney = [...paths, 'rejudged-render.json', 'reconciled-path.json', 'reconciler.json', 'approved-render.json', 'insufficient-credits.json', 'batch.json'];
      expect(histories).toEqual(expect.arrayContaining(fleetAndMoney.map((p) => `${version}${p}`)));
    }
  });

  test.each(histories)('%s replays against the current workflow', async (file) => {
    await expect(Worker.runReplayHistory({ workflowBundle: testWorkflowBundle() }, load(file))).resolves.toBeUndefined();
  });

  // A deploy that updates the starters (the client library in a backend) before the
  // workers: an older worker takes the first task of a start that asks for a lean run and
  // records what it knows (patch markers, every upsert). The new code must replay that.
  test.each(['v3-webhook-path.json', 'v3-polling-path.json', 'v3-approved-render.json', 'v3-reconciled-path.json'])(
    '%s, with a lean start input but run by the older worker, replays against the current workflow',
    async (file) => {
      const history = load(file);
      const payload = history.events[0].workflowExecutionStartedEventAttributes.input.payloads[0];
      const input = JSON.parse(Buffer.from(payload.data, 'base64').toString('utf8'));
      expect(input.revision).toBeUndefined();
      payload.data = Buffer.from(JSON.stringify({ ...input, revision: TRACKER_REVISION })).toString('base64');
      await expect(Worker.runReplayHistory({ workflowBundle: testWorkflowBundle() }, history)).resolves.toBeUndefined();
    },
  );

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
