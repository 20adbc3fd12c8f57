/**
 * Bench-only workflows (bundled apart from the tracker): bare Temporal code of the
 * tracker's shape — snapshot GET as a local activity, render POST as an activity, wait
 * for the webhook signal — and then one of three endings, to price what the tracker
 * does after the signal. The workflow id is the tracker's, so the real webhook receiver
 * signals it.
 */
import type { RetryPolicy } from '@temporalio/common';
import { condition, proxyActivities, proxyLocalActivities, setHandler } from '@temporalio/workflow';
import { webhookSignal } from '../../src/contract/messages';
import type { BareActivities } from './activities';

/** What runs after the terminal webhook: nothing, a GET as a local activity, or as an activity. */
export type BareEnding = 'none' | 'local' | 'activity';

export interface BareInput {
  lipsyncId: string;
  ending: BareEnding;
}

const retry: RetryPolicy = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds' };
// The tracker's timeouts: a lost activity task is retried after 10 s, not 2 minutes.
const api = proxyActivities<BareActivities>({ startToCloseTimeout: '2 minutes', heartbeatTimeout: '10 seconds', retry });
const local = proxyLocalActivities<BareActivities>({ startToCloseTimeout: '30 seconds', retry });
const quick = proxyLocalActivities<BareActivities>({ startToCloseTimeout: '5 seconds', retry: { initialInterval: '200 ms', maximumAttempts: 2 } });

const TERMINAL = new Set(['done', 'failed', 'rejected']);

export async function bareRender({ lipsyncId, ending }: BareInput): Promise<string> {
  let ended: string | null = null;
  setHandler(webhookSignal, (hint) => {
    if (hint.status && TERMINAL.has(hint.status)) ended = hint.status;
  });
  await local.getStatus(lipsyncId);
  await api.render(lipsyncId);
  await condition(() => ended !== null);
  if (ending === 'local') return quick.getStatus(lipsyncId);
  if (ending === 'activity') return api.getStatus(lipsyncId);
  return ended!;
}
