/**
 * A batch of renders with a cap on how many render at once. Each render is the usual
 * tracking workflow, started as a child under its own tracker id (workflowIdFor), so a
 * render already tracked (an earlier run of the same batch, a `lipsync render`) is never
 * started twice: its start is refused by its id and the batch follows it to its end
 * instead. The cap lives in this workflow's state, so it survives worker crashes.
 */
import {
  ApplicationFailure,
  ChildWorkflowFailure,
  condition,
  ParentClosePolicy,
  proxyActivities,
  setHandler,
  startChild,
  WorkflowIdReusePolicy,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { batchProgressQuery, MAX_BATCH_SIZE, type BatchInput, type BatchItem, type BatchProgress } from '../contract/approval-credits';
import type { LipsyncActivities } from '../contract/activities';
import { normalizeLipsyncId, workflowIdFor } from '../contract/lipsync-id';
import { LIPSYNC_STATUS, TRACKER_REVISION, type RenderResult } from '../contract/messages';
import { trackLipsyncRender } from './render-lipsync';

// Following a render someone else started: as long as a render may take, heartbeating.
const follower = proxyActivities<LipsyncActivities>({
  startToCloseTimeout: '7 days',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

export async function renderBatch(input: BatchInput): Promise<BatchProgress> {
  const ids = [...new Set(input.lipsyncIds.map(normalizeLipsyncId))];
  if (ids.length === 0 || ids.length > MAX_BATCH_SIZE) {
    throw ApplicationFailure.create({ type: 'LipsyncBatchInvalid', message: `a batch holds 1 to ${MAX_BATCH_SIZE} lipsyncs, not ${ids.length}`, nonRetryable: true });
  }
  const concurrency = Math.max(1, Math.floor(input.concurrency));
  const items: BatchItem[] = ids.map((lipsyncId) => ({ lipsyncId, state: 'queued', outcome: null, started: null, startedAt: null, endedAt: null }));
  const startedAt = new Date().toISOString();
  let finishedAt: string | null = null;
  const progress = (): BatchProgress => ({
    total: items.length,
    concurrency,
    queued: count(items, 'queued'),
    rendering: count(items, 'rendering'),
    done: count(items, 'done'),
    failed: count(items, 'failed'),
    startedAt,
    finishedAt,
    items,
  });
  setHandler(batchProgressQuery, progress);

  let running = 0;
  const all: Promise<void>[] = [];
  for (const item of items) {
    await condition(() => running < concurrency);
    running++;
    item.state = 'rendering';
    item.startedAt = new Date().toISOString();
    all.push(
      renderOne(item, input)
        .then((end) => void Object.assign(item, end))
        .finally(() => {
          item.endedAt = new Date().toISOString();
          running--;
        }),
    );
  }
  await Promise.all(all);
  finishedAt = new Date().toISOString();
  return progress();
}

async function renderOne(item: BatchItem, input: BatchInput): Promise<Pick<BatchItem, 'state' | 'outcome'>> {
  let child;
  try {
    child = await startChild(trackLipsyncRender, {
      workflowId: workflowIdFor(item.lipsyncId),
      args: [{ lipsyncId: item.lipsyncId, ...(input.options ? { options: input.options } : {}), revision: TRACKER_REVISION }],
      typedSearchAttributes: [{ key: LIPSYNC_STATUS, value: 'rendering' }],
      // One workflow per lipsync, ever; a render goes on if its batch is cancelled or ends.
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      parentClosePolicy: ParentClosePolicy.ABANDON,
      staticSummary: `Render of Creatify lipsync ${item.lipsyncId}`,
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    item.started = false;
    return follower.awaitTrackedRender.executeWithOptions({ summary: `follow the render of ${item.lipsyncId}` }, [item.lipsyncId]);
  }
  item.started = true;
  try {
    const result: RenderResult = await child.result();
    return { state: 'done', outcome: result.output };
  } catch (err) {
    if (err instanceof ChildWorkflowFailure) return { state: 'failed', outcome: err.cause?.message ?? err.message };
    throw err;
  }
}

function count(items: readonly BatchItem[], state: BatchItem['state']): number {
  return items.filter((item) => item.state === state).length;
}
