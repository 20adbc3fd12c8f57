/**
 * One balance read shared by the credits checks of a worker (LIPSYNC_BALANCE_MAX_AGE,
 * src/activities/balance.ts), counted where it happens: the sandbox's
 * GET /api/remaining_credits/ calls (`stats().calls.credits`).
 */
import type { TrackingOptions } from '../../src/client';
import type { CreditsCheck } from '../../src/contract/approval-credits';
import { statusQuery } from '../../src/contract/messages';
import { eventually, startTestStack, useTestStack, type TestStack } from '../support/stack';

const FAST: TrackingOptions = { webhookTimeout: '2 seconds', pollInitialInterval: '200 ms', pollMaxInterval: '1 second', deadline: '2 minutes' };
// The demo text previews in one 30 s block: preview 1 credit, render 4.
const C = 4;

describe('renders started at once share the balance read (default LIPSYNC_BALANCE_MAX_AGE, 500 ms)', () => {
  const stack = useTestStack();

  test('8 renders started at once make fewer balance reads than renders, and each renders once', async () => {
    const N = 8;
    await stack.sandbox.control.reset();
    const ids = await Promise.all(Array.from({ length: N }, (_, i) => stack.preview(`shared balance ${i}`)));
    const handles = await Promise.all(ids.map((id) => stack.orchestrator.startRender(id, FAST)));
    await Promise.all(handles.map((h) => h.result()));
    const stats = await stack.sandbox.control.stats();
    console.log(`${N} renders started at once: ${stats.calls.credits} balance read(s) (GET /api/remaining_credits/)`);
    expect(stats.calls.credits).toBeGreaterThanOrEqual(1);
    // Shared: unshared, each of the 8 would read. A busy machine may spread the checks over
    // several 500 ms windows, so the bound leaves room for that.
    expect(stats.calls.credits).toBeLessThanOrEqual(N - 2);
    for (const id of ids) expect(stats.renders[id]).toBe(1);
    const checks = await Promise.all(ids.map(async (id) => (await stack.orchestrator.getStatus(id)).state!.credits!));
    expect(checks.every((c) => c.fits && c.remaining !== null && c.balanceAgeMs !== undefined)).toBe(true);
  });
});

describe('the shared reading runs out of room: the next check reads afresh', () => {
  // A max age no test step outlasts, so what is counted is the room rule, not the clock.
  const options = { balanceMaxAgeMs: 60_000, creatifyTimeoutMs: 15_000 };

  test('balance for 3 renders: the 2nd check reuses the reading, the 3rd (no room to spare) reads again', async () => {
    await withStack(async (stack) => {
      await stack.sandbox.control.reset({ initialCredits: 3 * C + 3 });
      const ids = [await stack.preview('room 1'), await stack.preview('room 2'), await stack.preview('room 3')];
      const checks: CreditsCheck[] = [];
      for (const id of ids) checks.push(await checkedOne(stack, id));
      expect((await stack.sandbox.control.stats()).calls.credits).toBe(2);
      expect(checks[0]).toMatchObject({ fits: true, balanceAgeMs: 0 });
      // Served by the first reading, less the first render's reservation.
      expect(checks[1]).toMatchObject({ fits: true, remaining: 2 * C });
      expect(checks[1]!.balanceAgeMs).toBeGreaterThan(0);
      expect(checks[1]!.reason).toMatch(/\d+ remain \(read \d+\.\d s ago; 4 of 12 reserved by other renders checked on this reading\)/);
      expect(checks[2]).toMatchObject({ fits: true, balanceAgeMs: 0 });
      await Promise.all(ids.map((id) => stack.orchestrator.waitForResult(id)));
      const stats = await stack.sandbox.control.stats();
      for (const id of ids) expect(stats.renders[id]).toBe(1);
    });
  });

  test('balance for exactly 2: every check reads (no room to spare); unpaid renders are not seen, so Creatify refuses the 3rd (documented limit)', async () => {
    await withStack(async (stack) => {
      await stack.sandbox.control.reset({ initialCredits: 2 * C + 3 });
      const ids = [await stack.preview('exact 1'), await stack.preview('exact 2'), await stack.preview('exact 3')];
      // The POSTs wait: no balance is spent while the three are checked.
      // (12 s: the three checks, one after another, end well before the first POST is answered, under the client's 15 s timeout.)
      await stack.sandbox.control.addFault({ endpoint: 'render', kind: 'slow', delayMs: 12_000, times: 3 });
      const checks: CreditsCheck[] = [];
      for (const id of ids) checks.push(await checkedOne(stack, id));
      expect((await stack.sandbox.control.stats()).calls.credits).toBe(3);
      // Each fresh read shows the whole balance: the renders before are not paid yet.
      for (const check of checks) expect(check).toMatchObject({ fits: true, remaining: 2 * C, balanceAgeMs: 0 });
      const ends = await Promise.all(ids.map((id) => stack.orchestrator.waitForResult(id).then(() => 'done', (err: { reason?: string }) => err.reason)));
      expect(ends.sort()).toEqual(['done', 'done', 'insufficient-credits']);
      const stats = await stack.sandbox.control.stats();
      expect(ids.map((id) => stats.callsByLipsync[id]?.render)).toEqual([1, 1, 1]);
      expect(Object.values(stats.renders).reduce((a, b) => a + b, 0)).toBe(2);
    });
  });

  async function withStack(run: (stack: TestStack) => Promise<void>): Promise<void> {
    // A stack each: a reading from the test before (another balance, after a reset) must not serve this one.
    const stack = await startTestStack({}, options);
    try {
      await run(stack);
    } finally {
      await stack.close();
    }
  }
});

/** Starts the render and waits until its credits check is in the workflow's state. */
async function checkedOne(stack: TestStack, lipsyncId: string): Promise<CreditsCheck> {
  const handle = await stack.orchestrator.startRender(lipsyncId, FAST);
  return eventually(async () => (await handle.query(statusQuery)).credits ?? undefined, 10_000, `the credits check of ${lipsyncId}`);
}
