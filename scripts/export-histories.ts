/**
 * Re-records the workflow histories that the replay test replays
 * (test/fixtures/histories/*.json). Run it after a deliberate, versioned change to the
 * workflow: `npx ts-node --transpile-only scripts/export-histories.ts`. It runs real
 * renders against a fresh dev server and the sandbox.
 */
import { statusQuery } from '../src/contract/messages';
import { webhookUrl } from '../src/contract/webhook-url';
import { reconcilerWorkflowId } from '../src/contract/reconciler';
import { workflowIdFor } from '../src/contract/lipsync-id';
import { exportHistories, FAST as fast } from './history-export';

// One prefix per workflow version: older histories stay, so every version in flight keeps replaying.
// v3: the fleet reconciler follows renders past their webhook window.
// v4: runs started with TRACKER_REVISION 4 ask patched() nothing and upsert only changes.
// v5: runs of TRACKER_REVISION 5 leave their deadline and webhook window timers to lapse.
exportHistories('v5-', { reconciler: { overdueIntervalMs: 300, idleIntervalMs: 2_000, progressIntervalMs: 1_000 } }, async ({ stack, save, support: { eventually } }) => {
  const saveFor = (name: string, id: string) => save(name, workflowIdFor(id));
  // Webhook path, with non-terminal, duplicate and stale preview deliveries on the way.
  await stack.sandbox.control.reset({ webhooks: { nonTerminal: true, duplicate: 1, stalePreview: true } });
  let id = await stack.preview('replay: webhook');
  await (await stack.orchestrator.startRender(id, fast)).result();
  await saveFor('webhook-path', id);

  // Polling path: no webhook, a 429 on one poll.
  await stack.sandbox.control.reset({ webhooks: { drop: 1 } });
  id = await stack.preview('replay: polling');
  await stack.sandbox.control.addFault({ endpoint: 'get', kind: 'rate-limit', retryAfter: '1', lipsyncId: id });
  await (await stack.orchestrator.startRender(id, { ...fast, webhookTimeout: '300 ms' })).result();
  await saveFor('polling-path', id);

  // A forged terminal webhook contradicted by the API through all its re-checks, then the real one; during polling.
  await stack.sandbox.control.reset({ webhooks: { drop: 1 } });
  id = await stack.preview('replay: contradicted');
  const handle = await stack.orchestrator.startRender(id, { ...fast, webhookTimeout: '300 ms' });
  await eventually(async () => (await stack.sandbox.control.stats()).renders[id] === 1);
  await stack.sandbox.control.setLipsync(id, { status: 'running', hold: true });
  await eventually(async () => (await handle.query(statusQuery)).phase === 'polling');
  await fetch(webhookUrl(stack.webhookConfig), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id, status: 'done', output: 'https://forged.example/x.mp4' }),
  });
  await eventually(async () => (await handle.query(statusQuery)).claims.contradicted === 1, 30_000);
  await stack.sandbox.control.settings({ webhooks: { drop: 0 } });
  await stack.sandbox.control.setLipsync(id, { hold: false });
  await handle.result();
  await saveFor('contradicted-webhook', id);

  // A failed render.
  await stack.sandbox.control.reset();
  id = await stack.preview('replay: failed');
  await stack.sandbox.control.setLipsync(id, { outcome: 'failed', failedReason: 'avatar could not be rendered' });
  await (await stack.orchestrator.startRender(id, fast)).result().catch(() => undefined);
  await saveFor('failed-render', id);

  // The render's answer lost after the work: the retry judges it started by comparison.
  await stack.sandbox.control.reset();
  id = await stack.preview('replay: lost response');
  await stack.sandbox.control.addFault({ endpoint: 'render', kind: 'lost-response', lipsyncId: id });
  await (await stack.orchestrator.startRender(id, fast)).result();
  await saveFor('lost-render-response', id);

  // Weak evidence not borne out: the render is re-judged after a few polls and POSTed again.
  await stack.sandbox.control.reset();
  id = await stack.preview('replay: re-judged');
  await stack.sandbox.control.addFault({ endpoint: 'render', kind: 'rate-limit', retryAfter: '3', lipsyncId: id });
  const healing = await stack.orchestrator.startRender(id, { ...fast, webhookTimeout: '500 ms' });
  await eventually(async () => (await stack.sandbox.control.stats()).faultsInjected.some((f) => f.lipsyncId === id));
  await new Promise((resolve) => setTimeout(resolve, 1_100));
  await stack.sandbox.control.setLipsync(id, { progress: 0 });
  await healing.result();
  await saveFor('rejudged-render', id);

  // Every webhook lost, long self-poll silence: the reconciler's reads close the job.
  await stack.sandbox.control.reset({ webhooks: { drop: 1 } });
  id = await stack.preview('replay: reconciled');
  await (await stack.orchestrator.startRender(id, { ...fast, webhookTimeout: '500 ms', pollMaxInterval: '1 minute' })).result();
  await saveFor('reconciled-path', id);

  // The reconciler itself, ended by hand (it runs forever).
  const reconciler = stack.client.workflow.getHandle(reconcilerWorkflowId(stack.taskQueue));
  await reconciler.terminate('history export');
  await save('reconciler', reconciler.workflowId);
});
