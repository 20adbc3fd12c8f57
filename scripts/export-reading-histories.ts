/**
 * Records the histories of Creatify readings that changed the tracker's path, for the
 * replay test: `npx ts-node --transpile-only scripts/export-reading-histories.ts <reading> <label>`.
 * - `stages` → test/fixtures/histories/v5-stage-<label>-*.json: a running stage named
 *   `processing` (a name the docs do not list, creatify-api.md §5), on the webhook path and
 *   on the reconciler's. `as-claim` was recorded by the code before STAGES_PATCH (such a
 *   status checked as a claim of an end every time), `learned` by the code with it.
 * - `approval` → v5-approval-<label>-preview-webhooks.json: a preview that reports its own
 *   run by webhook while the job awaits approval. `moved` was recorded by the code before
 *   APPROVAL_HOLDS_PATCH (the preview's `pending` moved the status), `held` with it.
 * - `late` → v5-late-render-<label>-{polling,reconciler}.json: a render answered 200 that
 *   shows on the record only 6 s later, past the webhook window and the stall watch.
 *   `rejudged` was recorded by the code before POSTED_RENDER_STANDS_PATCH (the stall
 *   watch re-judged it into a second POST), `stands` with it.
 * - `credits` → v5-credits-<label>-webhook.json: a render Creatify takes, then fails
 *   with "Insufficient credits" (§6 "or processing"). `failed` was recorded by the code
 *   that ended it `failed`, `insufficient` by the code that ends it `insufficient_credits`
 *   (no patch: only the end's search attribute and failure type differ, which replay
 *   does not compare; the replay test holds it to that).
 * - `preview` → v5-preview-<label>-reset.json: a render asked while an asynchronous
 *   preview still runs (as `processing`), its first POST reset. `in-render` was recorded
 *   by the code that waited for the preview inside the render activity (and, judging the
 *   preview's own end against the old snapshot, took it for the render: never paid, held
 *   until its deadline), `settled` by the code that takes the settled record as the
 *   snapshot and asks for the render again (no patch: the activity's answer says which).
 * - `sweeps` → v5-reconciler-<label>-sweeps.json: the fleet reconciler itself, over a
 *   render inside its webhook window and one past it, every webhook lost. `paced` was
 *   recorded by the code that waits for a render to come of age before a progress sweep
 *   (PROGRESS_WAKE_PATCH) and counts each interval from the start of the sweep before
 *   (SWEEP_PERIOD_PATCH).
 */
import { statusQuery } from '../src/contract/messages';
import { reconcilerWorkflowId } from '../src/contract/reconciler';
import { workflowIdFor } from '../src/contract/lipsync-id';
import { exportHistories, FAST as fast, type Exporter } from './history-export';

const [reading, label] = process.argv.slice(2);
if (!reading || !label || !/^[a-z-]+$/.test(label)) throw new Error('give a reading (stages, approval, late-polling, late-reconciler, credits, preview or sweeps) and a label');

async function stages({ stack, save, support: { eventually } }: Exporter): Promise<void> {
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
}

async function approval({ stack, save, support: { demoRequest, eventually } }: Exporter): Promise<void> {
  // Delayed, so that they find the job started.
  await stack.sandbox.control.reset({ webhooks: { previewDeliveries: true, delayMs: 1_500 } });
  const { lipsync, handle } = await stack.orchestrator.previewForApproval(demoRequest('replay: preview webhooks', 'https://replaced.example/'), { tracking: fast });
  await eventually(async () => ((await handle.query(statusQuery)).webhooksReceived === 2 ? true : undefined), 30_000);
  // The code before APPROVAL_HOLDS_PATCH refuses every decision once the status moved: cancel it then.
  const approved = await stack.orchestrator.approve(lipsync.id, { by: 'replay' }).then(() => true, () => false);
  if (!approved) await stack.orchestrator.cancel(lipsync.id);
  await handle.result().catch(() => undefined);
  await save('preview-webhooks', handle.workflowId);
}

const late = (path: 'polling' | 'reconciler') => async ({ stack, save }: Exporter): Promise<void> => {
  // Nothing shows before the render applies, credits_used included; webhooks lost.
  await stack.sandbox.control.reset({ renderApplyDelayMs: 6_000, creditsUsedOnRender: 'keep', webhooks: { drop: 1 } });
  const id = await stack.preview('replay: a render applied late');
  const handle = await stack.orchestrator.startRender(id, { ...fast, webhookTimeout: '1 second' });
  await handle.result().catch(() => undefined);
  await save(path, workflowIdFor(id));
};

async function creditsFailure({ stack, save }: Exporter): Promise<void> {
  await stack.sandbox.control.reset();
  const id = await stack.preview('replay: failed for want of credits');
  await stack.sandbox.control.setLipsync(id, { outcome: 'failed', failedReason: 'Insufficient credits to complete this render.' });
  await (await stack.orchestrator.startRender(id, fast)).result().catch(() => undefined);
  await save('webhook', workflowIdFor(id));
}

async function previewRunning({ stack, save }: Exporter): Promise<void> {
  // The preview still runs (under a name the docs do not use) at the snapshot and ends
  // `pending`; the first render POST is reset before the server does anything.
  await stack.sandbox.control.reset({ previewAsync: true, previewStatus: 'pending', mediaJobAtPreview: true, runningStatusAs: 'processing', webhooks: { drop: 1 } });
  const id = await stack.preview('replay: render asked while the preview runs');
  await stack.sandbox.control.addFault({ endpoint: 'render', lipsyncId: id, kind: 'reset' });
  await (await stack.orchestrator.startRender(id, { ...fast, webhookTimeout: '300 ms', deadline: '40 seconds' })).result().catch(() => undefined);
  await save('reset', workflowIdFor(id));
}

async function sweeps({ stack, save }: Exporter): Promise<void> {
  // Renders of ~3 s: a few progress sweeps (every 1 s) and overdue sweeps (every 300 ms) each.
  await stack.sandbox.control.reset({ timeFactor: 0.015, webhooks: { drop: 1 } });
  const inWindow = await stack.preview('replay: read for progress inside the window');
  const overdue = await stack.preview('replay: read past the window');
  const handles = await Promise.all([
    stack.orchestrator.startRender(inWindow, { ...fast, webhookTimeout: '1 minute', pollMaxInterval: '1 minute' }),
    stack.orchestrator.startRender(overdue, { ...fast, webhookTimeout: '300 ms', pollMaxInterval: '1 minute' }),
  ]);
  await Promise.all(handles.map((handle) => handle.result()));
  const reconciler = stack.client.workflow.getHandle(reconcilerWorkflowId(stack.taskQueue));
  await reconciler.terminate('history export');
  await save('sweeps', reconciler.workflowId);
}

const RECONCILER = { reconciler: { overdueIntervalMs: 300, idleIntervalMs: 2_000, progressIntervalMs: 1_000 } };
if (reading === 'stages') exportHistories(`v5-stage-${label}-`, RECONCILER, stages);
else if (reading === 'approval') exportHistories(`v5-approval-${label}-`, {}, approval);
else if (reading === 'late-polling') exportHistories(`v5-late-render-${label}-`, {}, late('polling'));
else if (reading === 'late-reconciler') exportHistories(`v5-late-render-${label}-`, RECONCILER, late('reconciler'));
else if (reading === 'credits') exportHistories(`v5-credits-${label}-`, {}, creditsFailure);
else if (reading === 'preview') exportHistories(`v5-preview-${label}-`, {}, previewRunning);
else if (reading === 'sweeps') exportHistories(`v5-reconciler-${label}-`, RECONCILER, sweeps);
else throw new Error(`unknown reading ${reading}: stages, approval, late-polling, late-reconciler, credits, preview or sweeps`);
