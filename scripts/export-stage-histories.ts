/**
 * Records the histories of a Creatify that names its running stage `processing` (a name
 * the docs do not list, creatify-api.md §5), on the webhook path and on the reconciler's,
 * into test/fixtures/histories/v5-stage-<label>-*.json for the replay test:
 * `npx ts-node --transpile-only scripts/export-stage-histories.ts <label>`.
 * `as-claim` was recorded by the code before STAGES_PATCH (such a status was checked as
 * a claim of an end every time), `learned` by the code with it.
 */
import { statusQuery } from '../src/contract/messages';
import { workflowIdFor } from '../src/contract/lipsync-id';
import { exportHistories, FAST as fast } from './history-export';

const label = process.argv[2];
if (!label || !/^[a-z-]+$/.test(label)) throw new Error('give a label: as-claim or learned');

exportHistories(`v5-stage-${label}-`, { reconciler: { overdueIntervalMs: 300, idleIntervalMs: 2_000, progressIntervalMs: 1_000 } }, async ({ stack, save, support: { eventually } }) => {
  // Webhook path: deliveries on every transition, the running one named `processing`.
  await stack.sandbox.control.reset({ runningStatusAs: 'processing', webhooks: { nonTerminal: true } });
  let id = await stack.preview('replay: processing webhooks');
  let handle = await stack.orchestrator.startRender(id, fast);
  await eventually(async () => (await stack.sandbox.control.stats()).renders[id] === 1);
  await stack.sandbox.control.setLipsync(id, { status: 'running', progress: 0.3, hold: true });
  await eventually(async () => (await handle.query(statusQuery)).claims.contradicted >= 1, 30_000);
  await stack.sandbox.control.setLipsync(id, { progress: 0.6 });
  await stack.sandbox.control.setLipsync(id, { hold: false });
  await handle.result();
  await save('webhook', workflowIdFor(id));

  // Every webhook lost: the reconciler reads `processing` past the webhook window.
  await stack.sandbox.control.reset({ runningStatusAs: 'processing', webhooks: { drop: 1 } });
  id = await stack.preview('replay: processing on the list');
  handle = await stack.orchestrator.startRender(id, { ...fast, webhookTimeout: '300 ms' });
  await eventually(async () => (await stack.sandbox.control.stats()).renders[id] === 1);
  await stack.sandbox.control.setLipsync(id, { status: 'running', progress: 0.3, hold: true });
  await eventually(async () => ((await handle.query(statusQuery)).observations ?? 0) >= 2, 30_000);
  await stack.sandbox.control.setLipsync(id, { hold: false });
  await handle.result();
  await save('reconciler', workflowIdFor(id));
});
