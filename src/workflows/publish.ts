/**
 * What a tracker shows the world: the Web UI's current details, its search attributes,
 * the status log line and claim metrics, and the typed failure it ends with.
 */
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { ApplicationFailure, log, setCurrentDetails, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { LIPSYNC_STATUS, STATUS_LOG_MESSAGE, type FailureDetails, type FailureType } from '../contract/messages';
import { LIPSYNC_POLL_FROM } from '../contract/reconciler';
import { ledgerAttributes } from './credits';
import { describeState } from './describe';
import { recordClaims } from './metrics';
import type { Tracker } from './tracker';

export interface PublishOptions {
  /** With it, the end of the webhook window (LipsyncPollFrom) too, once the render is accepted and the reconciler follows it. */
  webhookTimeoutMs: number | null;
  /**
   * A run of LEAN_TRACKER_REVISION: no upsert of the status its start already set, and
   * the cost estimate waits for the next upsert unless a daily budget counts it now.
   */
  lean: boolean;
}

/**
 * Web UI details on every change; search attributes, log line and claim metrics only when
 * they change.
 */
export function publisher(tracker: Tracker, options: PublishOptions): () => void {
  // Each upsert is a history event and a visibility write: only on a change of status, of
  // the ledger (since CREDITS_PATCH) or, once, the end of the webhook window; all in one event.
  let published: string | null = options.lean ? keyOf(workflowInfo().typedSearchAttributes.get(LIPSYNC_STATUS) ?? null, []) : null;
  let pollFromPublished = false;
  let loggedStatus: string | null = null;
  const counted = { ...tracker.state.claims };
  return () => {
    const { state } = tracker;
    setCurrentDetails(describeState(state));
    for (const outcome of ['confirmed', 'contradicted', 'ignored'] as const) {
      if (state.claims[outcome] > counted[outcome]) recordClaims(outcome, state.claims[outcome] - counted[outcome]);
      counted[outcome] = state.claims[outcome];
    }
    const ledger = ledgerAttributes(state);
    const pollFrom = options.webhookTimeoutMs !== null && !pollFromPublished && state.reconciler && state.renderAcceptedAt && state.phase !== 'finished'
      ? new Date(Date.parse(state.renderAcceptedAt) + options.webhookTimeoutMs)
      : null;
    if (loggedStatus !== state.status) {
      loggedStatus = state.status;
      log.info(STATUS_LOG_MESSAGE, { lipsyncId: state.lipsyncId, status: state.status, event: state.lastEvent });
    }
    const key = keyOf(state.status, ledger);
    if (published === key && !pollFrom) return;
    // Only the estimate is new, and no budget reads it before the POST: it rides with the next change.
    if (options.lean && !pollFrom && published === keyOf(state.status, []) && state.credits?.budgetPerDay === null && state.phase !== 'finished') return;
    published = key;
    pollFromPublished ||= pollFrom !== null;
    upsertSearchAttributes([{ key: LIPSYNC_STATUS, value: state.status }, ...ledger, ...(pollFrom ? [{ key: LIPSYNC_POLL_FROM, value: pollFrom }] : [])]);
  };
}

function keyOf(status: string | null, ledger: SearchAttributeUpdatePair[]): string {
  return JSON.stringify([status, ...ledger.map((pair) => pair.value)]);
}

/** The `ApplicationFailure` a tracker ends with: typed, non-retryable, the state's gist in `details[0]`. */
export function failure(type: FailureType, tracker: Tracker, message: string, cause?: string): ApplicationFailure {
  const details: FailureDetails = {
    lipsyncId: tracker.state.lipsyncId,
    status: tracker.state.status,
    failedReason: tracker.state.failedReason,
    ...(cause ? { cause } : {}),
  };
  return ApplicationFailure.create({ type, message, nonRetryable: true, details: [details] });
}
