/**
 * Bench-only workflows (bundled apart from the tracker): bare Temporal code of the
 * tracker's shape — snapshot GET as a local activity, render POST as an activity, wait
 * for the webhook signal — and then one of three endings, to price what the tracker
 * does after the signal. The workflow id is the tracker's, so the real webhook receiver
 * signals it.
 */
import type { Duration, RetryPolicy } from '@temporalio/common';
import { condition, patched, proxyActivities, proxyLocalActivities, setHandler, sleep, upsertSearchAttributes } from '@temporalio/workflow';
import { LIPSYNC_STATUS, webhookSignal } from '../../src/contract/messages';
import { UNFINISHED_STATUSES } from '../../src/creatify/status';
import type { BareActivities } from './activities';

/** What runs after the terminal webhook: nothing, a GET as a local activity, or as an activity. */
export type BareEnding = 'none' | 'local' | 'activity';

/**
 * The tracker's extra commands, to price them one kind at a time (`npm run bench --
 * --commands`): a patch marker (with the TemporalChangeVersion upsert the SDK adds), a
 * search-attribute upsert after the POST, one per stage a webhook moves the status to
 * (`in_queue`, `running`) and one at the end, a deadline timer and a webhook-window timer,
 * left to lapse as the tracker's are (TRACKER_REVISION 5).
 */
export interface BareExtras {
  patch?: boolean;
  upserts?: boolean;
  timers?: boolean;
  /** Not a command: the render activity heartbeats the POST's time before it goes out, as the tracker's does. */
  heartbeat?: boolean;
}

export interface BareInput {
  lipsyncId: string;
  ending: BareEnding;
  extras?: BareExtras;
}

const retry: RetryPolicy = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds' };
// The tracker's timeouts: a lost activity task is retried after 10 s, not 2 minutes.
const api = proxyActivities<BareActivities>({ startToCloseTimeout: '2 minutes', heartbeatTimeout: '10 seconds', retry });
const local = proxyLocalActivities<BareActivities>({ startToCloseTimeout: '30 seconds', retry });
const quick = proxyLocalActivities<BareActivities>({ startToCloseTimeout: '5 seconds', retry: { initialInterval: '200 ms', maximumAttempts: 2 } });

const TERMINAL = new Set(['done', 'failed', 'rejected']);
const stageRank = (status: string) => (UNFINISHED_STATUSES as readonly string[]).indexOf(status);

export async function bareRender({ lipsyncId, ending, extras = {} }: BareInput): Promise<string> {
  let ended: string | null = null;
  // The status search attribute as the tracker keeps it: set after the POST, moved forward by stage webhooks.
  let shown: string | null = null;
  setHandler(webhookSignal, (hint) => {
    if (hint.status && TERMINAL.has(hint.status)) ended = hint.status;
    else if (extras.upserts && shown !== null && hint.status && stageRank(hint.status) > stageRank(shown)) {
      shown = hint.status;
      upsertSearchAttributes([{ key: LIPSYNC_STATUS, value: shown }]);
    }
  });
  if (extras.patch) patched('bench-extra-marker');
  if (extras.timers) lapsingTimer('1 hour');
  await local.getStatus(lipsyncId);
  await api.render(lipsyncId, extras.heartbeat === true);
  if (extras.upserts) {
    shown = 'pending';
    upsertSearchAttributes([{ key: LIPSYNC_STATUS, value: shown }]);
  }
  if (extras.timers) lapsingTimer('30 minutes');
  await condition(() => ended !== null);
  const status = ending === 'local' ? await quick.getStatus(lipsyncId) : ending === 'activity' ? await api.getStatus(lipsyncId) : ended!;
  if (extras.upserts) upsertSearchAttributes([{ key: LIPSYNC_STATUS, value: status }]);
  return status;
}

/** A timer nothing waits on or cancels: it lapses with the run, as the tracker's do. */
function lapsingTimer(duration: Duration): void {
  sleep(duration).catch(() => undefined);
}
