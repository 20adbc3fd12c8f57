/**
 * What a tracker shows the world: the Web UI's current details, its search attributes,
 * the status log line and claim metrics, and the typed failure it ends with.
 */
import { ApplicationFailure, log, setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import { LIPSYNC_STATUS, STATUS_LOG_MESSAGE, type FailureDetails, type FailureType } from '../contract/messages';
import { LIPSYNC_POLL_FROM } from '../contract/reconciler';
import { ledgerAttributes } from './credits';
import { describeState } from './describe';
import { recordClaims } from './metrics';
import type { Tracker } from './tracker';

/**
 * Web UI details on every change; search attributes, log line and claim metrics only when
 * they change. With `webhookTimeoutMs`, the end of the webhook window (LipsyncPollFrom)
 * too, once the render is accepted and the reconciler follows it.
 */
export function publisher(tracker: Tracker, webhookTimeoutMs: number | null): () => void {
  let published: string | null = null;
  let pollFromPublished = false;
  let publishedStatus: string | null = null;
  const counted = { ...tracker.state.claims };
  return () => {
    const { state } = tracker;
    setCurrentDetails(describeState(state));
    for (const outcome of ['confirmed', 'contradicted', 'ignored'] as const) {
      if (state.claims[outcome] > counted[outcome]) recordClaims(outcome, state.claims[outcome] - counted[outcome]);
      counted[outcome] = state.claims[outcome];
    }
    // Each upsert is a history event: only on a change of status, of the ledger (since
    // CREDITS_PATCH) or, once, the end of the webhook window; all in one event.
    const ledger = ledgerAttributes(state);
    const pollFrom = webhookTimeoutMs !== null && !pollFromPublished && state.reconciler && state.renderAcceptedAt && state.phase !== 'finished'
      ? new Date(Date.parse(state.renderAcceptedAt) + webhookTimeoutMs)
      : null;
    const key = JSON.stringify([state.status, ...ledger.map((pair) => pair.value)]);
    if (published === key && !pollFrom) return;
    published = key;
    pollFromPublished ||= pollFrom !== null;
    upsertSearchAttributes([{ key: LIPSYNC_STATUS, value: state.status }, ...ledger, ...(pollFrom ? [{ key: LIPSYNC_POLL_FROM, value: pollFrom }] : [])]);
    if (publishedStatus === state.status) return;
    publishedStatus = state.status;
    log.info(STATUS_LOG_MESSAGE, { lipsyncId: state.lipsyncId, status: state.status, event: state.lastEvent });
  };
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
