/**
 * The activities around a render's money: the credits check before the render POST
 * (balance from GET /api/remaining_credits/, one reading shared by the checks of a short
 * window (balance.ts), and the worker's daily budget against the estimates other renders
 * recorded today), and following a render a batch did not start. Both only read; neither pays.
 */
import { Context, log } from '@temporalio/activity';
import { WorkflowFailedError } from '@temporalio/client';
import { CreatifyError, type CreatifyClient, type Lipsync } from '../creatify';
import { renderCostRange, type CostRange } from '../creatify/pricing';
import { previewNotReady, renderShownBeforePost, renderShownOnRecord } from '../creatify/render-judgement';
import { LIPSYNC_CREDITS_ESTIMATE, type BatchItem, type CreditsCheck } from '../contract/approval-credits';
import type { CreditsCheckInput, CreditsCheckOutcome, LipsyncSnapshot } from '../contract/activities';
import { normalizeLipsyncId, workflowIdFor } from '../contract/lipsync-id';
import { LIPSYNC_STATUS, WORKFLOW_TYPE } from '../contract/messages';
import { balanceCovers, SharedBalance, type BalanceHold } from './balance';
import { retryInPlace, STEADY_READ } from './retry-in-place';
import { withHeartbeat } from './heartbeat';

export type CreditsApi = Pick<CreatifyClient, 'get' | 'list' | 'remainingCredits'>;

/** Ends that paid nothing: their estimates do not count against the day's budget. */
const UNPAID_ENDS = new Set(['insufficient_credits', 'declined', 'expired', 'awaiting_approval']);

export interface CreditsOptions {
  creditBudgetPerDay: number | null;
  /** The record, read as the snapshot before a render is (retried on a transient error). */
  readRecord: (lipsyncId: string) => Promise<Lipsync>;
  snapshotOf: (lipsync: Lipsync) => LipsyncSnapshot;
  /** This worker fleet runs the fleet reconciler (SnapshotOutcome.reconciler). */
  reconciler: boolean;
  /** LIPSYNC_BALANCE_MAX_AGE: how long a balance reading serves other renders' checks (0: none). */
  balanceMaxAgeMs: number;
}

export function createCreditsActivities(creatify: CreditsApi, options: CreditsOptions) {
  const budget = options.creditBudgetPerDay;

  async function remainingCredits(): Promise<number | null> {
    return (await optionalRead('the balance', () => creatify.remainingCredits()))?.remaining_credits ?? null;
  }

  /** One per worker (createActivities runs once per worker): shared by all its renders' checks. */
  const balance = new SharedBalance(remainingCredits, { maxAgeMs: options.balanceMaxAgeMs });

  /** Estimates of today's (UTC) other renders that may have been paid, from visibility (which can trail by a moment). */
  async function spentToday(ownWorkflowId: string): Promise<number> {
    const midnight = new Date();
    midnight.setUTCHours(0, 0, 0, 0);
    const query = `WorkflowType = '${WORKFLOW_TYPE}' AND StartTime >= '${midnight.toISOString()}' AND ${LIPSYNC_CREDITS_ESTIMATE.name} > 0`;
    let sum = 0;
    for await (const info of Context.current().client.workflow.list({ query })) {
      if (info.workflowId === ownWorkflowId) continue;
      const status = info.typedSearchAttributes.get(LIPSYNC_STATUS);
      if (status && UNPAID_ENDS.has(status)) continue;
      sum += info.typedSearchAttributes.get(LIPSYNC_CREDITS_ESTIMATE) ?? 0;
    }
    return sum;
  }

  /**
   * The read before the render (the snapshot every later judgement compares with, as
   * snapshotBeforeRender reads it), and whether the render's expected cost fits.
   */
  async function checkCredits(input: CreditsCheckInput): Promise<CreditsCheckOutcome> {
    const record = await options.readRecord(input.lipsyncId);
    const snapshot = options.snapshotOf(record);
    const renderShown = renderShownBeforePost(snapshot) ?? null;
    // A job running on a record with its preview link (someone's render, or a preview that
    // shows it early) is paid or free: nothing to check, and a balance it just spent must
    // not end a job that only tracks it. The render waits for it to settle (unsettled).
    const jobRunning = previewNotReady(snapshot) ? null : (renderShownOnRecord(snapshot) ?? null);
    return { snapshot, renderShown, check: await check(input, record, jobRunning, renderShown !== null), ...(options.reconciler ? { reconciler: true } : {}) };
  }

  async function check(input: CreditsCheckInput, record: Lipsync, shown: string | null, noPost: boolean): Promise<CreditsCheck> {
    // A render already on the record is not POSTed again: nothing to refuse. The day's
    // budget counts what this job may spend: nothing when the render is already shown
    // (no POST follows); the render's cost when a job runs on a record that settles first
    // (a preview at work, say), for a POST may follow once it has.
    if (shown) return { estimate: noPost ? 0 : (renderCostRange(record)?.most ?? null), remaining: null, budgetPerDay: budget, spentToday: null, fits: true, reason: `no render POST needed (${shown})` };
    const range = renderCostRange(record) ?? (await costFromList(input.lipsyncId));
    const held = await balance.hold(range?.least ?? 0);
    try {
      const checked = await decide(input, range, held);
      // Refused (by the budget): its reservation is not spent.
      if (!checked.fits) held.release();
      return checked;
    } catch (err) {
      held.release();
      throw err;
    }
  }

  /**
   * §13.4: the new GET-by-id example has no `duration`, which the list documents: one
   * list call for the render's cost, only when GET left it out. Null when the list has no
   * duration either, or no list can be had (then a daily budget refuses the render, as
   * it must: its cost is unknown).
   */
  async function costFromList(lipsyncId: string): Promise<CostRange | null> {
    const listed = await optionalRead("the render's cost", () => creatify.list([lipsyncId]));
    const found = listed?.find((lipsync) => normalizeLipsyncId(lipsync.id) === lipsyncId);
    return found ? renderCostRange(found) : null;
  }

  async function decide(input: CreditsCheckInput, range: CostRange | null, held: BalanceHold): Promise<CreditsCheck> {
    const { remaining } = held;
    const estimate = range?.most ?? null;
    const cost = estimate ?? 0;
    const spent = budget === null ? null : await spentToday(input.workflowId);
    const base = { estimate, remaining, budgetPerDay: budget, spentToday: spent, balanceAgeMs: held.ageMs };
    const costText = range === null ? 'an unknown cost (the record has no duration)' : range.least === range.most ? `${range.most} credits` : `${range.least} to ${range.most} credits`;
    // Only on a fresh read: a shared reading is reused only when it covers the render with room to spare.
    if (remaining !== null && !balanceCovers(remaining, range?.least ?? 0)) {
      return { ...base, fits: false, reason: `the render needs ${costText}, ${remaining} remain on the Creatify account${readingNote(held)}` };
    }
    // A budget is a promise never to overspend: a render of unknown cost cannot be held to it.
    if (budget !== null && estimate === null) {
      return { ...base, fits: false, reason: `the render's cost is unknown (neither GET nor the list gives its duration), so today's budget of ${budget} cannot be kept (LIPSYNC_CREDIT_BUDGET_PER_DAY)` };
    }
    if (budget !== null && spent !== null && spent + cost > budget) {
      return { ...base, fits: false, reason: `the render needs ${costText}; ${spent} of today's budget of ${budget} are spent (LIPSYNC_CREDIT_BUDGET_PER_DAY)` };
    }
    const parts = [`the render needs ${costText}`, remaining === null ? 'the balance is not known' : `${remaining} remain${readingNote(held)}`];
    if (budget !== null) parts.push(`${spent} of today's ${budget} spent`);
    return { ...base, fits: true, reason: parts.join('; ') };
  }

  return {
    checkCredits,

    /** Waits (heartbeating) for the end of a render tracked by another start; never starts anything. */
    awaitTrackedRender: (lipsyncId: string) =>
      withHeartbeat(async (): Promise<Pick<BatchItem, 'state' | 'outcome'>> => {
        const handle = Context.current().client.workflow.getHandle(workflowIdFor(lipsyncId));
        try {
          const result = (await handle.result()) as { output?: string };
          return { state: 'done', outcome: result.output ?? null };
        } catch (err) {
          if (err instanceof WorkflowFailedError) return { state: 'failed', outcome: err.cause?.message ?? err.message };
          throw err;
        }
      }, 5_000),
  };
}

/**
 * A read the credits check can do without: null when Creatify does not offer it (a 404,
 * another 4xx) or keeps failing to give it (still failing after STEADY_READ's tries): the
 * check before the POST is a courtesy (Creatify's own refusal of the POST remains), and a
 * job must not wait until its deadline on an endpoint that is down, its render unsent.
 * A 401/403 here is this endpoint's own (a key allowed lipsyncs but not the workspace's
 * balance, say: who may call it is undocumented): the record's GET just worked with the
 * same key, so the job is not wrong, and goes on without the read.
 */
async function optionalRead<T>(what: string, read: () => Promise<T>): Promise<T | null> {
  try {
    return await retryInPlace(read, STEADY_READ);
  } catch (err) {
    if (!(err instanceof CreatifyError)) throw err;
    if (err.retryable || err.kind === 'auth') log.warn(`Creatify did not give ${what}; the credits check goes on without it`, { error: err.message });
    return null;
  }
}

/** Where the balance a check relied on came from, when not simply a read made for it: " (read 0.3 s ago; 8 of 100 reserved by other renders)". */
function readingNote(held: BalanceHold): string {
  const notes: string[] = [];
  if (!held.fresh) notes.push(`read ${(held.ageMs / 1000).toFixed(1)} s ago`);
  if (held.reservedByOthers > 0) notes.push(`${held.reservedByOthers} of ${held.read} reserved by other renders checked on this reading`);
  return notes.length > 0 ? ` (${notes.join('; ')})` : '';
}
