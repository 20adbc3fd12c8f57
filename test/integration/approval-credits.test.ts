/**
 * Money around a render: the credits check before the POST (balance and the day's
 * budget; nothing POSTed when it does not fit), the ledger it leaves in search
 * attributes, and approval before paying (approve, reject, expiry, refused decisions).
 */
import { ApprovalRefusedError, RenderError, type TrackingOptions } from '../../src/client';
import { LIPSYNC_CREDITS_ESTIMATE, LIPSYNC_CREDITS_USED, LIPSYNC_DETECTED_BY } from '../../src/contract/approval-credits';
import { LIPSYNC_STATUS, statusQuery } from '../../src/contract/messages';
import { workflowIdFor } from '../../src/contract/lipsync-id';
import type { LipsyncRequest } from '../../src/creatify';
import { demoRequest, eventually, startTestStack, useTestStack, type TestStack } from '../support/stack';

const FAST: TrackingOptions = { webhookTimeout: '2 seconds', pollInitialInterval: '200 ms', pollMaxInterval: '1 second', deadline: '2 minutes' };
// The demo text previews in one 30 s block: preview 1 credit, render 4.
const RENDER_COST = 4;

/** A preview of a script that lasts `seconds` (the sandbox reads 16 characters a second), so its price is known. */
function previewOfSeconds(stack: Pick<TestStack, 'creatify'>, seconds: number, extra: Partial<LipsyncRequest> = {}) {
  const voice = { type: 'text' as const, input_text: 'x'.repeat(seconds * 16), voice_id: 'demo-voice' };
  return stack.creatify.preview({ ...demoRequest(`${seconds} s`, 'https://unused.example/'), ...extra, video_inputs: [{ character: { type: 'avatar', avatar_id: 'demo-avatar' }, voice }] });
}

/** The run a handle stands for now (a handle from a start that found a run follows the latest). */
const runIdOf = async (handle: { describe(): Promise<{ runId: string }> }) => (await handle.describe()).runId;

describe('the credits check before the render POST', () => {
  const stack = useTestStack();

  // DRF sends a DecimalField as a string by default: the balance may come as "2.00".
  test.each(['number', 'string'] as const)('a render the balance cannot pay ends insufficient_credits without a POST (balance as a %s)', async (decimalsAs) => {
    await stack.sandbox.control.reset({ initialCredits: 3, decimalsAs });
    const id = await stack.preview('too little balance');
    const error = await (await stack.orchestrator.startRender(id, FAST)).result().catch((err: unknown) => err);
    expect(error).toBeDefined();
    const typed = await stack.orchestrator.waitForResult(id).catch((err: unknown) => err);
    expect(typed).toBeInstanceOf(RenderError);
    expect(typed).toMatchObject({ reason: 'insufficient-credits', message: expect.stringMatching(/needs 4 credits, 2 remain/) });
    const stats = await stack.sandbox.control.stats();
    expect(stats.callsByLipsync[id]?.render ?? 0).toBe(0);
    const status = await stack.orchestrator.getStatus(id);
    expect(status.status).toBe('insufficient_credits');
    expect(status.state?.credits).toMatchObject({ estimate: RENDER_COST, remaining: 2, fits: false });
  });

  // Nothing was paid: asking again after a top-up must render, once; a paid or refused-for-good end stays final.
  test('a render refused for want of credits renders when asked again after a top-up, and only once', async () => {
    await stack.sandbox.control.reset({ initialCredits: 3 });
    const id = await stack.preview('top up and ask again');
    const first = await stack.orchestrator.startRender(id, FAST);
    await expect(first.result()).rejects.toBeDefined();
    expect((await stack.orchestrator.getStatus(id)).status).toBe('insufficient_credits');
    const firstRun = await runIdOf(first);

    // Asked again before the top-up: a new run, refused again, still nothing POSTed.
    const second = await stack.orchestrator.startRender(id, FAST);
    await expect(second.result()).rejects.toBeDefined();
    const secondRun = await runIdOf(second);
    expect(secondRun).not.toBe(firstRun);
    expect((await stack.sandbox.control.stats()).callsByLipsync[id]?.render ?? 0).toBe(0);

    await stack.sandbox.control.addCredits(100);
    const third = await stack.orchestrator.startRender(id, FAST);
    const result = await third.result();
    const thirdRun = await runIdOf(third);
    expect(thirdRun).not.toBe(secondRun);
    expect(result.output).toContain(id);
    // Asked once more: the finished render is followed, not rendered again.
    const fourth = await stack.orchestrator.startRender(id, FAST);
    expect(await runIdOf(fourth)).toBe(thirdRun);
    expect((await fourth.result()).output).toBe(result.output);
    expect((await stack.sandbox.control.stats()).renders[id]).toBe(1);
  });

  test('a render that failed at Creatify is not rendered again when asked again', async () => {
    await stack.sandbox.control.reset({ outcome: 'failed', secondRender: 'charge' });
    const id = await stack.preview('failed stays failed');
    const first = await stack.orchestrator.startRender(id, FAST);
    await expect(first.result()).rejects.toBeDefined();
    const firstRun = await runIdOf(first);
    const again = await stack.orchestrator.startRender(id, FAST);
    expect(await runIdOf(again)).toBe(firstRun);
    expect((await stack.sandbox.control.stats()).renders[id]).toBe(1);
  });

  test('a balance endpoint that keeps failing (503) does not hold the render: the check goes on without it, and renders once', async () => {
    await stack.sandbox.control.reset();
    const id = await stack.preview('balance endpoint down');
    await stack.sandbox.control.addFault({ endpoint: 'credits', kind: 'server-error', status: 503, times: 1_000 });
    const result = await (await stack.orchestrator.startRender(id, FAST)).result();
    expect(result.output).toContain(id);
    expect((await stack.orchestrator.getStatus(id)).state!.credits).toMatchObject({ fits: true, remaining: null });
    const stats = await stack.sandbox.control.stats();
    expect(stats.renders[id]).toBe(1);
    expect(stats.faultsInjected.filter((fault) => fault.endpoint === 'credits').length).toBeGreaterThanOrEqual(4);
  }, 30_000);

  // Who may read the balance is undocumented: a key allowed lipsyncs but not the
  // workspace's balance gets a 403 there. The record's GET worked with the same key, so the
  // job is not wrong: the check goes on without the balance (Creatify's own refusal remains).
  test('a balance endpoint the key may not read (403) does not end the job: the check goes on without it, and renders once', async () => {
    await stack.sandbox.control.reset({ remainingCredits: 'forbidden' });
    const id = await stack.preview('balance forbidden');
    const result = await (await stack.orchestrator.startRender(id, FAST)).result();
    expect(result.output).toContain(id);
    expect((await stack.orchestrator.getStatus(id)).state!.credits).toMatchObject({ fits: true, remaining: null });
    const stats = await stack.sandbox.control.stats();
    expect(stats.renders[id]).toBe(1);
    expect(stats.calls.credits).toBeGreaterThanOrEqual(1);
  }, 30_000);

  // §6: an aurora model's render price is [U]: its per-second create price (60 credits
  // for 60 s) or the documented render price (8). The balance is held to the least.
  test('an aurora render the balance pays at the documented render price is not refused for its per-second price', async () => {
    await stack.sandbox.control.reset({ initialCredits: 2 + 20 });
    const lipsync = await previewOfSeconds(stack, 60, { model_version: 'aurora_v1' });
    expect(lipsync.duration).toBe(60);
    const result = await (await stack.orchestrator.startRender(lipsync.id, FAST)).result();
    expect(result.output).toContain(lipsync.id);
    expect((await stack.orchestrator.getStatus(lipsync.id)).state!.credits).toMatchObject({ fits: true, estimate: 60, remaining: 20 });
    expect((await stack.sandbox.control.stats()).renders[lipsync.id]).toBe(1);
  });

  // §6: the rounding of a price per 30 s is [I]. A Creatify that charges pro rata, or per
  // nearest block, shows it in the preview's own charge, and a balance that pays the render
  // at its price is not refused for the price per started block.
  test.each([
    ['pro-rata', 1.33, 5.33],
    ['nearest-block', 1, 4],
  ] as const)('a Creatify that rounds %s: a balance of exactly the render price renders, once', async (priceRounding, previewPrice, renderPrice) => {
    await stack.sandbox.control.reset({ priceRounding, initialCredits: previewPrice + renderPrice });
    const lipsync = await previewOfSeconds(stack, 40);
    expect(lipsync.duration).toBe(40);
    const result = await (await stack.orchestrator.startRender(lipsync.id, FAST)).result();
    expect(result.output).toContain(lipsync.id);
    const stats = await stack.sandbox.control.stats();
    expect(stats.renders[lipsync.id]).toBe(1);
    expect(stats.credits.remaining).toBeCloseTo(0, 5);
    // The ledger's estimate stays the most it may cost (8: two started blocks), as a budget needs.
    expect((await stack.orchestrator.getStatus(lipsync.id)).state!.credits).toMatchObject({ fits: true, estimate: 8 });
  });

  test("a render already running when the job starts (someone else's, paid) is tracked to its video, not refused for the balance it spent", async () => {
    await stack.sandbox.control.reset({ initialCredits: 1 + RENDER_COST });
    const id = await stack.preview('rendered by someone else');
    await stack.creatify.render(id);
    expect((await stack.creatify.remainingCredits()).remaining_credits).toBe(0);
    // Running: only a job shows that (a render's first stage, `pending`, looks like the previewed record).
    await eventually(async () => ((await stack.sandbox.control.lipsync(id)).status === 'running' ? true : undefined), 10_000, 'the render running');
    const result = await (await stack.orchestrator.startRender(id, FAST)).result();
    expect(result.output).toBe((await stack.sandbox.control.lipsync(id)).output);
    const stats = await stack.sandbox.control.stats();
    expect(stats.callsByLipsync[id]?.render).toBe(1);
    expect(stats.renders[id]).toBe(1);
    // A POST may follow once a job running on the record settles (a preview's own run): the day's budget counts its cost.
    expect((await stack.orchestrator.getStatus(id)).state!.credits).toMatchObject({ estimate: RENDER_COST, reason: expect.stringMatching(/no render POST needed/) });
  });

  // §6: "Job creation or processing returns an insufficient credits error": the render
  // may be taken and then fail for want of credits.
  test('a render Creatify takes and then fails for want of credits ends insufficient_credits, as its refusal of the POST would', async () => {
    await stack.sandbox.control.reset();
    const id = await stack.preview('failed for want of credits');
    await stack.sandbox.control.setLipsync(id, { outcome: 'failed', failedReason: "You don't have enough credits to finish this video." });
    await stack.orchestrator.startRender(id, FAST);
    const error = await stack.orchestrator.waitForResult(id).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(RenderError);
    expect(error).toMatchObject({ reason: 'insufficient-credits', message: expect.stringMatching(/enough credits/) });
    expect((await stack.orchestrator.getStatus(id)).status).toBe('insufficient_credits');
    expect((await stack.sandbox.control.stats()).renders[id]).toBe(1);
  });

  test("Creatify's own refusal (the balance read stale) is the same typed failure, never a job left waiting", async () => {
    // 5 credits, two previews (1 each): 3 left, while the balance still reads 5.
    await stack.sandbox.control.reset({ initialCredits: 5, remainingCredits: 'stale', insufficientCreditsStatus: 402 });
    await stack.preview('spent elsewhere');
    const id = await stack.preview('stale balance');
    await stack.orchestrator.startRender(id, FAST);
    const error = await stack.orchestrator.waitForResult(id).catch((err: unknown) => err);
    expect(error).toMatchObject({ reason: 'insufficient-credits', message: expect.stringMatching(/Insufficient credits/) });
    const stats = await stack.sandbox.control.stats();
    expect(stats.callsByLipsync[id]?.render).toBe(1);
    expect(stats.renders[id]).toBeUndefined();
  });

  test('a GET without `duration` (§13.4): the cost comes from one list call, and the render goes on', async () => {
    await stack.sandbox.control.reset({ durationOmittedFrom: 'get' });
    const id = await stack.preview('no duration on GET');
    await (await stack.orchestrator.startRender(id, FAST)).result();
    expect((await stack.orchestrator.getStatus(id)).state?.credits).toMatchObject({ estimate: RENDER_COST, fits: true });
    const stats = await stack.sandbox.control.stats();
    expect(stats.callsByLipsync[id]?.list).toBeGreaterThanOrEqual(1);
    expect(stats.renders[id]).toBe(1);
  });

  test('a done render records its estimate, credits used and detection in search attributes; credits() sums them', async () => {
    await stack.sandbox.control.reset();
    const id = await stack.preview('ledger');
    const result = await (await stack.orchestrator.startRender(id, FAST)).result();
    const record = await stack.sandbox.control.lipsync(id);
    const attributes = await eventually(async () => {
      const found = (await stack.client.workflow.getHandle(workflowIdFor(id)).describe()).typedSearchAttributes;
      return found.get(LIPSYNC_CREDITS_USED) !== undefined ? found : undefined;
    }, 10_000, 'the ledger attributes');
    expect(attributes.get(LIPSYNC_CREDITS_ESTIMATE)).toBe(RENDER_COST);
    expect(attributes.get(LIPSYNC_CREDITS_USED)).toBe(record.credits_used);
    expect(attributes.get(LIPSYNC_DETECTED_BY)).toBe(result.detectedBy);

    const report = await eventually(async () => {
      const r = await stack.orchestrator.credits({ since: new Date(Date.now() - 60_000) });
      return r.byOutcome.done?.creditsUsed ? r : undefined;
    }, 10_000, 'the report');
    expect(report.byOutcome.done).toMatchObject({ creditsEstimated: expect.any(Number), creditsUsed: expect.any(Number) });
    expect(report.byOutcome.done!.renders).toBeGreaterThanOrEqual(1);
    expect(report.byOutcome.insufficient_credits?.renders ?? 0).toBeGreaterThanOrEqual(1);
    expect(report.remainingCredits).toBe((await stack.creatify.remainingCredits()).remaining_credits);
    expect(report.medianTimeToDoneMs).toEqual(expect.any(Number));
    expect(Object.keys(report.detectedBy)).toContain(result.detectedBy);
    expect(report.byDay.at(-1)!.day).toBe(new Date().toISOString().slice(0, 10));
  });
});

describe('the daily budget (LIPSYNC_CREDIT_BUDGET_PER_DAY)', () => {
  const stack = useTestStack({}, { creditBudgetPerDay: 1_000_000 });

  test('renders fit until the day\'s estimates would pass the budget; the next is refused before the POST', async () => {
    await stack.sandbox.control.reset();
    const first = await stack.preview('budget 1');
    await (await stack.orchestrator.startRender(first, FAST)).result();
    const checked = (await stack.orchestrator.getStatus(first)).state!.credits!;
    expect(checked).toMatchObject({ fits: true, budgetPerDay: 1_000_000, spentToday: expect.any(Number) });
    await untilCounted(first);
    // Renders of other tests today count too: a budget with room for exactly one more render.
    const budget = checked.spentToday! + RENDER_COST + RENDER_COST + 2;
    const budgeted = await startTestStack({}, { creditBudgetPerDay: budget });
    try {
      const second = await budgeted.preview('budget 2');
      await (await budgeted.orchestrator.startRender(second, FAST)).result();
      await untilCounted(second);
      const third = await budgeted.preview('budget 3');
      const error = await (await budgeted.orchestrator.startRender(third, FAST)).result().catch((err: unknown) => err);
      expect(error).toBeDefined();
      const state = (await budgeted.orchestrator.getStatus(third)).state!;
      expect(state).toMatchObject({ status: 'insufficient_credits', credits: { fits: false, budgetPerDay: budget } });
      expect(state.credits!.reason).toMatch(/LIPSYNC_CREDIT_BUDGET_PER_DAY/);
      expect((await budgeted.sandbox.control.stats()).callsByLipsync[third]?.render ?? 0).toBe(0);
    } finally {
      await budgeted.close();
    }
  });

  test('durations, credits and the balance as decimal strings ("12.00", a DRF DecimalField) are read as numbers: the budget is kept and the ledger filled', async () => {
    await stack.sandbox.control.reset({ decimalsAs: 'string' });
    const id = await stack.preview('decimals as strings');
    expect(typeof (await stack.sandbox.control.lipsync(id)).duration).toBe('string');
    const result = await (await stack.orchestrator.startRender(id, FAST)).result();
    expect(result.creditsUsed).toEqual(expect.any(Number));
    const state = (await stack.orchestrator.getStatus(id)).state!;
    expect(state.credits).toMatchObject({ fits: true, estimate: RENDER_COST, remaining: expect.any(Number), used: result.creditsUsed });
    expect((await stack.sandbox.control.stats()).renders[id]).toBe(1);
  });

  test('a render whose cost nobody gives (no `duration` on GET or list) is refused before the POST: the budget cannot be kept', async () => {
    await stack.sandbox.control.reset({ durationOmittedFrom: 'get-and-list' });
    const id = await stack.preview('cost unknown');
    const error = await (await stack.orchestrator.startRender(id, FAST)).result().catch((err: unknown) => err);
    expect(error).toBeDefined();
    const state = (await stack.orchestrator.getStatus(id)).state!;
    expect(state).toMatchObject({ status: 'insufficient_credits', credits: { fits: false, estimate: null } });
    expect(state.credits!.reason).toMatch(/cost is unknown/);
    expect((await stack.sandbox.control.stats()).callsByLipsync[id]?.render ?? 0).toBe(0);
  });

  test('a job on a lipsync already rendered POSTs nothing and counts nothing against the day\'s budget', async () => {
    await stack.sandbox.control.reset();
    const id = await stack.preview('rendered before the job');
    await stack.sandbox.control.setLipsync(id, { status: 'done' });
    const result = await (await stack.orchestrator.startRender(id, FAST)).result();
    expect(result.output).toBe((await stack.sandbox.control.lipsync(id)).output);
    expect((await stack.sandbox.control.stats()).callsByLipsync[id]?.render ?? 0).toBe(0);
    expect((await stack.orchestrator.getStatus(id)).state!.credits).toMatchObject({ estimate: 0, reason: expect.stringMatching(/no render POST needed/) });
    const attributes = (await stack.client.workflow.getHandle(workflowIdFor(id)).describe()).typedSearchAttributes;
    expect(attributes.get(LIPSYNC_CREDITS_ESTIMATE) ?? 0).toBe(0);
  });

  /** Visibility trails the workflow: a render's estimate must be countable before the next check. */
  async function untilCounted(lipsyncId: string): Promise<void> {
    await eventually(async () => {
      for await (const _ of stack.client.workflow.list({ query: `WorkflowId = '${workflowIdFor(lipsyncId)}' AND LipsyncCreditsEstimate > 0` })) return true;
      return false;
    }, 10_000, 'the estimate in visibility');
  }
});

describe('approval before paying', () => {
  const stack = useTestStack();
  const body = (name: string) => demoRequest(name, 'https://replaced.example/');

  test('approve: holds in awaiting_approval with the preview link, then renders once', async () => {
    await stack.sandbox.control.reset();
    const { lipsync, handle } = await stack.orchestrator.previewForApproval(body('approve me'), { tracking: FAST });
    const waiting = await eventually(async () => {
      const s = await stack.orchestrator.getStatus(lipsync.id);
      return s.status === 'awaiting_approval' ? s : undefined;
    }, 10_000, 'awaiting_approval');
    expect(waiting.state?.approval).toMatchObject({ preview: lipsync.preview, decision: null });
    expect((await stack.client.workflow.getHandle(handle.workflowId).describe()).typedSearchAttributes.get(LIPSYNC_STATUS)).toBe('awaiting_approval');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await stack.sandbox.control.stats()).callsByLipsync[lipsync.id]?.render ?? 0).toBe(0);

    const decision = await stack.orchestrator.approve(lipsync.id, { by: 'ana' });
    expect(decision).toMatchObject({ decision: 'approved', by: 'ana' });
    const result = await handle.result();
    expect(result.output).toContain(lipsync.id);
    expect((await stack.sandbox.control.stats()).renders[lipsync.id]).toBe(1);

    // Deciding again, or deciding on the ended job: refused, nothing paid.
    await expect(stack.orchestrator.approve(lipsync.id)).rejects.toThrow(ApprovalRefusedError);
    await expect(stack.orchestrator.reject(lipsync.id, 'too late')).rejects.toThrow(/ended/);
    expect((await stack.sandbox.control.stats()).renders[lipsync.id]).toBe(1);
  });

  test('a preview that reports its own run by webhook (pending, then done without output) leaves the job awaiting approval; approved, it renders once', async () => {
    // Delayed, so that they find the job started (a delivery before it would be ignored as untracked).
    await stack.sandbox.control.reset({ webhooks: { previewDeliveries: true, delayMs: 1_500 } });
    const { lipsync, handle } = await stack.orchestrator.previewForApproval(body('preview webhooks'), { tracking: FAST });
    await eventually(async () => {
      const sent = (await stack.sandbox.control.stats()).webhooks.filter((w) => w.lipsyncId === lipsync.id && w.kind === 'preview' && w.responseStatus === 200);
      return sent.length === 2 ? true : undefined;
    }, 10_000, 'the preview\'s deliveries taken');
    const state = await handle.query(statusQuery);
    expect(state).toMatchObject({ status: 'awaiting_approval', webhooksReceived: 2 });
    expect((await stack.client.workflow.getHandle(handle.workflowId).describe()).typedSearchAttributes.get(LIPSYNC_STATUS)).toBe('awaiting_approval');
    expect(await stack.orchestrator.approve(lipsync.id, { by: 'ana' })).toMatchObject({ decision: 'approved' });
    const result = await handle.result();
    expect(result.output).toContain(lipsync.id);
    expect((await stack.sandbox.control.stats()).renders[lipsync.id]).toBe(1);
  });

  test('reject: ends declined, nothing paid; approving twice and rejecting after approval are refused', async () => {
    await stack.sandbox.control.reset();
    const rejected = await stack.orchestrator.previewForApproval(body('reject me'), { tracking: FAST });
    await expect(stack.orchestrator.reject(rejected.lipsync.id, '  ')).rejects.toThrow(/needs a reason/);
    const decision = await stack.orchestrator.reject(rejected.lipsync.id, 'wrong avatar', { by: 'bo' });
    expect(decision).toMatchObject({ decision: 'rejected', reason: 'wrong avatar', by: 'bo' });
    const error = await stack.orchestrator.waitForResult(rejected.lipsync.id).catch((err: unknown) => err);
    expect(error).toMatchObject({ reason: 'declined', message: expect.stringMatching(/wrong avatar/) });
    expect((await stack.orchestrator.getStatus(rejected.lipsync.id)).status).toBe('declined');

    // Approved while held at the balance read: a second approve and a reject are refused.
    const approved = await stack.orchestrator.previewForApproval(body('approve once'), { tracking: FAST });
    await stack.sandbox.control.setLipsync(approved.lipsync.id, { hold: true });
    await stack.orchestrator.approve(approved.lipsync.id);
    await expect(stack.orchestrator.approve(approved.lipsync.id)).rejects.toThrow(/already approved/);
    await expect(stack.orchestrator.reject(approved.lipsync.id, 'changed my mind')).rejects.toThrow(/render has started/);
    await stack.sandbox.control.setLipsync(approved.lipsync.id, { hold: false });
    await approved.handle.result();
    const stats = await stack.sandbox.control.stats();
    expect(stats.callsByLipsync[rejected.lipsync.id]?.render ?? 0).toBe(0);
    expect(stats.renders[approved.lipsync.id]).toBe(1);
  });

  test('no decision in time: expired, nothing paid; a render started without approval refuses a decision', async () => {
    await stack.sandbox.control.reset();
    const { lipsync } = await stack.orchestrator.previewForApproval(body('expire'), { approvalTimeout: '1 second', tracking: FAST });
    const error = await stack.orchestrator.waitForResult(lipsync.id).catch((err: unknown) => err);
    expect(error).toMatchObject({ reason: 'expired' });
    expect((await stack.orchestrator.getStatus(lipsync.id)).status).toBe('expired');
    expect((await stack.sandbox.control.stats()).callsByLipsync[lipsync.id]?.render ?? 0).toBe(0);
    await expect(stack.orchestrator.approve(lipsync.id)).rejects.toThrow(/ended/);

    const plain = await stack.preview('no approval');
    await stack.sandbox.control.setLipsync(plain, { hold: true });
    const handle = await stack.orchestrator.startRender(plain, FAST);
    await eventually(async () => (await handle.query(statusQuery)).renderAcceptedAt, 10_000, 'the render');
    await expect(stack.orchestrator.approve(plain)).rejects.toThrow(/does not wait for approval/);
    await stack.sandbox.control.setLipsync(plain, { hold: false });
    await handle.result();
  });
});

describe('over budget: ask for approval instead of ending (overBudget: await-approval)', () => {
  // A budget no render fits: every check says no.
  const stack = useTestStack({}, { creditBudgetPerDay: 1 });

  test('waits in awaiting_approval with the reason; approved, it renders once; rejected, nothing is paid', async () => {
    await stack.sandbox.control.reset();
    const id = await stack.preview('over budget, approved');
    const handle = await stack.orchestrator.startRender(id, FAST, { overBudget: 'await-approval' });
    const waiting = await eventually(async () => {
      const state = await handle.query(statusQuery);
      return state.status === 'awaiting_approval' ? state : undefined;
    }, 10_000, 'awaiting approval over budget');
    expect(waiting.lastEvent).toMatch(/over budget .*LIPSYNC_CREDIT_BUDGET_PER_DAY.*approve to render anyway/);
    expect(waiting.credits).toMatchObject({ fits: false, budgetPerDay: 1 });
    expect((await stack.sandbox.control.stats()).callsByLipsync[id]?.render ?? 0).toBe(0);
    await stack.orchestrator.approve(id, { by: 'finance' });
    expect((await handle.result()).output).toContain(id);
    expect((await stack.sandbox.control.stats()).renders[id]).toBe(1);

    const other = await stack.preview('over budget, rejected');
    await stack.orchestrator.startRender(other, FAST, { overBudget: 'await-approval' });
    await eventually(async () => (await stack.orchestrator.getStatus(other)).state?.status === 'awaiting_approval', 10_000, 'awaiting approval');
    await stack.orchestrator.reject(other, 'not this month');
    expect(await stack.orchestrator.waitForResult(other).catch((err: unknown) => err)).toMatchObject({ reason: 'declined' });
    expect((await stack.sandbox.control.stats()).callsByLipsync[other]?.render ?? 0).toBe(0);
  });
});
