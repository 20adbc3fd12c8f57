/**
 * The credits check before the render POST, and the ledger: every render that checked
 * records its estimate (before the POST: the day's budget counts it) and, at its end,
 * the credits it used and how its end was detected, as search attributes next to
 * LipsyncStatus (`lipsync credits` reads them).
 */
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { workflowInfo } from '@temporalio/workflow';
import { LIPSYNC_CREDITS_ESTIMATE, LIPSYNC_CREDITS_USED, LIPSYNC_DETECTED_BY } from '../contract/approval-credits';
import type { CreditsCheckOutcome } from '../contract/activities';
import type { TrackingState } from '../contract/messages';
import { local } from './activity-calls';

/**
 * Runs recorded before this marker POST without checking credits and record no ledger;
 * newer runs check the balance (and the worker's daily budget) before the POST.
 */
export const CREDITS_PATCH = 'credits-check-before-render';

/** The read before the render (it is the snapshot the render judges by) and the credits check on it. */
export function checkCredits(lipsyncId: string): Promise<CreditsCheckOutcome> {
  return local.checkCredits({ lipsyncId, workflowId: workflowInfo().workflowId });
}

/** The ledger's search attributes for this state: none for runs without a credits check. */
export function ledgerAttributes(state: TrackingState): SearchAttributeUpdatePair[] {
  const credits = state.credits;
  if (!credits) return [];
  const pairs: SearchAttributeUpdatePair[] = [];
  if (credits.estimate !== null) pairs.push({ key: LIPSYNC_CREDITS_ESTIMATE, value: credits.estimate });
  if (credits.used !== null) pairs.push({ key: LIPSYNC_CREDITS_USED, value: credits.used });
  if (credits.detectedBy !== null) pairs.push({ key: LIPSYNC_DETECTED_BY, value: credits.detectedBy });
  return pairs;
}
