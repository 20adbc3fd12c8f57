/**
 * The reconciler's sweep: who is tracked (visibility), what Creatify says about them
 * (the list endpoint, 100 ids a call), and a signal to each tracker with the answer.
 * The list endpoint's limits are respected: at most 100 ids, unknown ids left out, any
 * order, and a 429's Retry-After waited out.
 */
import { heartbeat, log } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { CreatifyError, isUnfinishedStatus, type CreatifyClient, type Lipsync } from '../creatify';
import { normalizeLipsyncId, lipsyncIdOfWorkflow } from '../contract/lipsync-id';
import { WORKFLOW_TYPE } from '../contract/messages';
import { apiObservationSignal, LIPSYNC_POLL_FROM, type SweepActivities, type SweepInput, type SweepOutcome } from '../contract/reconciler';
import { asActivity } from './failures';
import { retryInPlace } from './retry-in-place';
import { toSnapshot } from './index';

/** Documented maximum of `?ids=` (creatify-api.md §4.5). */
export const LIST_BATCH = 100;
/** Inside its webhook window a render is told its progress only when it crosses a fifth (or it ends, or shows a status we do not know). */
export const PROGRESS_STEP = 0.2;
/**
 * What a tracker inside its webhook window is told about: its fifth of progress, an
 * output, and any status but a documented stage before the end (pending, in_queue,
 * running): an end, or a name we do not know (`processing`; `done` from a list that
 * leaves the output out), which the tracker checks as a claim.
 */
function withinWindowKey(status: string, progress: number, output: string | null): string {
  return `within ${isUnfinishedStatus(status) ? 'unfinished' : status} ${Math.floor(progress / PROGRESS_STEP)} ${output ?? ''}`;
}
/** What the render POST told the tracker: not ended, in its first fifth, no output. */
const POSTED_KEY = withinWindowKey('pending', 0, null);
/** Signals sent at once. */
const SIGNAL_CONCURRENCY = 16;
/** A 429 asking for a longer wait than this fails the attempt; the reconciler's retry takes it from there. */
const MAX_INLINE_RETRY_AFTER_MS = 30_000;
const MAX_INLINE_RETRIES = 5;

interface Tracked {
  workflowId: string;
  lipsyncId: string;
  pollFrom: number;
  /** When its tracker started (ms): a render younger than a progress interval is not read for progress. */
  startedAt: number;
}

/** The smallest value, or null for none (a loop: a fleet of any size, no spread of arguments). */
function earliest(values: number[]): number | null {
  let min: number | null = null;
  for (const value of values) if (min === null || value < min) min = value;
  return min;
}

export function createSweepActivities(client: Client, creatify: Pick<CreatifyClient, 'list'>): SweepActivities {
  /** What each tracker was last told, and when: unchanged records are not sent again until resendAfterMs. */
  const lastSent = new Map<string, { key: string; at: number }>();

  async function listTracked(taskQueue: string): Promise<Tracked[]> {
    const query = `WorkflowType = '${WORKFLOW_TYPE}' AND ExecutionStatus = 'Running' AND TaskQueue = '${taskQueue.replace(/'/g, "''")}' AND LipsyncPollFrom IS NOT NULL`;
    const tracked: Tracked[] = [];
    for await (const info of client.workflow.list({ query })) {
      const lipsyncId = lipsyncIdOfWorkflow(info.workflowId);
      const pollFrom = info.typedSearchAttributes.get(LIPSYNC_POLL_FROM);
      if (lipsyncId && pollFrom) tracked.push({ workflowId: info.workflowId, lipsyncId, pollFrom: pollFrom.getTime(), startedAt: info.startTime.getTime() });
      if (tracked.length % 1_000 === 0) heartbeat();
    }
    return tracked;
  }

  async function listFromCreatify(ids: string[]): Promise<{ records: Lipsync[]; calls: number }> {
    return asActivity(() => listKnown(ids));
  }

  /**
   * The records of these ids, and the list calls it took. A Creatify that refuses a call
   * for an id it does not know (§4.5 [I]: deleted at Creatify, say), instead of leaving it
   * out, would otherwise fail every sweep: the refused batch is split in halves until the
   * ids it refuses stand alone, and those are left out as unknown ids are. When both
   * halves of a refused batch are refused too (no single id explains it: a list that
   * refuses everything, say), the batch is left to its trackers' own polls rather than
   * split further: at most 3 calls for it per sweep.
   */
  async function listKnown(ids: string[]): Promise<{ records: Lipsync[]; calls: number }> {
    const records = await listOrRefused(ids);
    if (records) return { records, calls: 1 };
    const isolated = await withoutRefused(ids);
    return { records: isolated.records, calls: 1 + isolated.calls };
  }

  /** The records of a batch Creatify refused, its refused ids left out (see listKnown). */
  async function withoutRefused(ids: string[]): Promise<{ records: Lipsync[]; calls: number }> {
    if (ids.length === 1) {
      log.warn('Creatify refuses to list this lipsync; left out of the sweep', { lipsyncId: ids[0] });
      return { records: [], calls: 0 };
    }
    const half = Math.ceil(ids.length / 2);
    const halves = [ids.slice(0, half), ids.slice(half)];
    const answers = [await listOrRefused(halves[0]!), await listOrRefused(halves[1]!)];
    let calls = 2;
    if (!answers[0] && !answers[1]) {
      log.warn('Creatify refuses every part of a list call; these renders are left to their own polls', { lipsyncIds: ids.length });
      return { records: [], calls };
    }
    const records: Lipsync[] = [];
    for (const [i, answer] of answers.entries()) {
      if (answer) {
        records.push(...answer);
        continue;
      }
      const inner = await withoutRefused(halves[i]!);
      records.push(...inner.records);
      calls += inner.calls;
    }
    return { records, calls };
  }

  /** One list call (a 429 waited out in place); null when Creatify refuses it with a 4xx. */
  async function listOrRefused(ids: string[]): Promise<Lipsync[] | null> {
    try {
      return await retryInPlace(() => creatify.list(ids), {
        tries: MAX_INLINE_RETRIES + 1,
        maxWaitMs: MAX_INLINE_RETRY_AFTER_MS,
        waitFor: (err) => (err instanceof CreatifyError && err.kind === 'rate-limited' ? (err.retryAfterMs ?? 1_000) : null),
        beforeWait: heartbeat,
      });
    } catch (err) {
      if (err instanceof CreatifyError && (err.kind === 'validation' || err.kind === 'not-found') && err.status !== undefined) return null;
      throw err;
    }
  }

  return {
    async sweepLipsyncs(input: SweepInput): Promise<SweepOutcome> {
      const now = Date.now();
      const tracked = await listTracked(input.taskQueue);
      const overdue = tracked.filter((t) => t.pollFrom <= now);
      // Inside its window a render is read for progress only once it has run a progress
      // interval: before that it is in its first fifth (nothing to tell its tracker), and the
      // read would be a list call for nothing — for a render alone, a whole one.
      const progressAfterMs = input.progressAfterMs ?? input.resendAfterMs;
      const toRead = input.includeWithinWindow ? tracked.filter((t) => t.pollFrom <= now || now - t.startedAt >= progressAfterMs) : overdue;
      let listCalls = 0;
      let signalled = 0;
      for (let start = 0; start < toRead.length; start += LIST_BATCH) {
        const batch = toRead.slice(start, start + LIST_BATCH);
        const { records, calls } = await listFromCreatify(batch.map((t) => t.lipsyncId));
        listCalls += calls;
        heartbeat({ listCalls });
        const byId = new Map(records.map((record) => [normalizeLipsyncId(record.id) as string, { lipsync: toSnapshot(record), progressUnknown: record.progress == null, outputUnknown: record.outputOmitted === true }]));
        const observedAt = new Date().toISOString();
        const due = batch.flatMap((t) => {
          const read = byId.get(t.lipsyncId);
          if (!read) return []; // unknown to Creatify (left out of the answer): the tracker's own checks handle it
          const { lipsync, progressUnknown, outputUnknown } = read;
          const isOverdue = t.pollFrom <= now;
          // Past its window a tracker judges ends and stalls on every change; inside it the
          // read only shows progress or an end, and each signal costs the tracker a workflow
          // task: a step from pending to running alone is not worth one.
          const key = isOverdue
            ? `${lipsync.status} ${lipsync.progress} ${lipsync.output ?? ''} ${lipsync.updatedAt ?? ''}`
            : withinWindowKey(lipsync.status, lipsync.progress ?? 0, lipsync.output);
          const last = lastSent.get(t.lipsyncId);
          // Inside the window, what the render POST told the tracker counts as told already.
          const told = last?.key ?? (isOverdue ? undefined : POSTED_KEY);
          if (told === key && !(isOverdue && last && Date.now() - last.at >= input.resendAfterMs)) return [];
          const unknowns = { ...(progressUnknown ? { progressUnknown: true as const } : {}), ...(outputUnknown ? { outputUnknown: true as const } : {}) };
          return [{ t, observation: { lipsync, observedAt, ...unknowns }, key }];
        });
        for (let i = 0; i < due.length; i += SIGNAL_CONCURRENCY) {
          await Promise.all(
            due.slice(i, i + SIGNAL_CONCURRENCY).map(async ({ t, observation, key }) => {
              try {
                await client.workflow.getHandle(t.workflowId).signal(apiObservationSignal, observation);
                lastSent.set(t.lipsyncId, { key, at: Date.now() });
                signalled++;
              } catch (err) {
                if (!(err instanceof WorkflowNotFoundError)) throw err; // closed since the listing: nothing to tell
              }
            }),
          );
        }
      }
      // Forget trackers that are gone.
      if (lastSent.size > tracked.length) {
        const live = new Set(tracked.map((t) => t.lipsyncId));
        for (const id of lastSent.keys()) if (!live.has(id)) lastSent.delete(id);
      }
      const withinWindow = tracked.filter((t) => t.pollFrom > now);
      const end = Date.now();
      const nextDueInMs = earliest(withinWindow.map((t) => t.pollFrom - end));
      const youngest = earliest(withinWindow.map((t) => t.startedAt + progressAfterMs - end));
      const nextProgressInMs = youngest === null ? null : Math.max(youngest, 0);
      return { tracked: tracked.length, overdue: overdue.length, listCalls, signalled, nextDueInMs, nextProgressInMs };
    },
  };
}
