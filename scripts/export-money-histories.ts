/**
 * Records the histories of the paths around a render's money (credits check, approval,
 * batch) into test/fixtures/histories/v5-*.json (v4-* from revision 4, v3-* from the code before TRACKER_REVISION), which the replay test replays next to
 * v1/v2: `npx ts-node --transpile-only scripts/export-money-histories.ts`.
 */
import { statusQuery } from '../src/contract/messages';
import { exportHistories, FAST as fast } from './history-export';

exportHistories('v5-', {}, async ({ stack, save, support: { startTestStack, demoRequest, eventually } }) => {
  const body = (name: string) => demoRequest(name, 'https://replaced.example/');
  // Approved, then rendered (credits check, ledger attributes, webhook path).
  await stack.sandbox.control.reset();
  const approved = await stack.orchestrator.previewForApproval(body('replay: approved'), { tracking: fast });
  await stack.orchestrator.approve(approved.lipsync.id, { by: 'replay' });
  await approved.handle.result();
  await save('approved-render', approved.handle.workflowId);

  // Rejected: declined, nothing paid.
  const rejected = await stack.orchestrator.previewForApproval(body('replay: rejected'), { tracking: fast });
  await stack.orchestrator.reject(rejected.lipsync.id, 'replay');
  await rejected.handle.result().catch(() => undefined);
  await save('declined', rejected.handle.workflowId);

  // The balance cannot pay: insufficient_credits before the POST.
  await stack.sandbox.control.reset({ initialCredits: 3 });
  const poor = await stack.preview('replay: insufficient credits');
  await (await stack.orchestrator.startRender(poor, fast)).result().catch(() => undefined);
  await save('insufficient-credits', `lipsync-render-${poor}`);

  // Over the day's budget, approved anyway, rendered.
  const budgeted = await startTestStack({}, { creditBudgetPerDay: 1 });
  try {
    const over = await budgeted.preview('replay: over budget');
    const handle = await budgeted.orchestrator.startRender(over, fast, { overBudget: 'await-approval' });
    await eventually(async () => (await handle.query(statusQuery)).status === 'awaiting_approval');
    await budgeted.orchestrator.approve(over);
    await handle.result();
    await save('over-budget-approved', handle.workflowId);
  } finally {
    await budgeted.close();
  }

  // A batch of two, one already tracked.
  await stack.sandbox.control.reset();
  const ids = [await stack.preview('replay: batch 1'), await stack.preview('replay: batch 2')];
  await (await stack.orchestrator.startRender(ids[1]!, fast)).result();
  const { batchId } = await stack.orchestrator.startRenders(ids, { concurrency: 1, tracking: fast });
  await stack.client.workflow.getHandle(batchId).result();
  await save('batch', batchId);
});
