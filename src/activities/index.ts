/**
 * Thin adapters from Temporal to CreatifyClient. The workflow sees only normalised
 * snapshots; the Creatify client and its API key live in the worker process and never
 * enter workflow history.
 */
import { activityInfo, log } from '@temporalio/activity';
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import { CreatifyError, hasRenderStarted, isTerminal, progressFraction, type CreatifyClient, type Lipsync } from '../creatify';
import { pollDelayMs } from './backoff';
import { asActivity, toActivityFailure } from './failures';
import { ActivityFailureType, type LipsyncSnapshot, type PollInput, type PollOutcome, type RenderOutcome } from './types';

export type CreatifyApi = Pick<CreatifyClient, 'render' | 'get'>;

export function createActivities(creatify: CreatifyApi) {
  /** One GET; the lipsync as it is if a render has already started (so no POST is due), else null. */
  async function renderAlreadyStarted(lipsyncId: string): Promise<RenderOutcome | null> {
    const current = await asActivity(() => creatify.get(lipsyncId));
    const verdict = hasRenderStarted(current);
    return verdict.started ? { lipsync: toSnapshot(current), posted: false, evidence: verdict.evidence } : null;
  }

  return {
    /**
     * POSTs the render at most once per job. A retry may follow a POST whose response
     * was lost, so every attempt after the first reads the lipsync first and POSTs only
     * if no render has started.
     */
    async renderLipsync(lipsyncId: string): Promise<RenderOutcome> {
      if (activityInfo().attempt > 1) {
        const started = await renderAlreadyStarted(lipsyncId);
        if (started) return started;
      }
      try {
        const lipsync = await creatify.render(lipsyncId);
        return { lipsync: toSnapshot(lipsync), posted: true, evidence: 'render POST accepted' };
      } catch (err) {
        // A 400 may mean "already rendering": a POST of ours (or someone's) got through.
        if (err instanceof CreatifyError && err.kind === 'validation') {
          const started = await renderAlreadyStarted(lipsyncId);
          if (started) return started;
        }
        throw toActivityFailure(err);
      }
    },

    /** One GET: the confirmation of a webhook that claims the render ended. */
    async fetchLipsyncStatus(lipsyncId: string): Promise<LipsyncSnapshot> {
      return toSnapshot(await asActivity(() => creatify.get(lipsyncId)));
    },

    /**
     * One GET per attempt; Temporal's retries are the poll loop, so waiting adds no
     * history. "Not finished yet" is a benign failure with our own jittered delay.
     */
    async pollUntilTerminal(input: PollInput): Promise<PollOutcome> {
      const { attempt } = activityInfo();
      const lipsync = toSnapshot(await asActivity(() => creatify.get(input.lipsyncId)));
      if (lipsync.terminal) return { lipsync, attempts: attempt };
      const delay = pollDelayMs(attempt, input.initialIntervalMs, input.maxIntervalMs);
      log.debug('lipsync not finished', { lipsyncId: input.lipsyncId, status: lipsync.status, attempt, nextPollMs: delay });
      throw ApplicationFailure.create({
        type: ActivityFailureType.NotTerminalYet,
        message: `${lipsync.status} ${Math.round(lipsync.progress * 100)}% (poll ${attempt}; next in ${delay} ms)`,
        details: [lipsync],
        nextRetryDelay: delay,
        category: ApplicationFailureCategory.BENIGN,
      });
    },
  };
}

export function toSnapshot(lipsync: Lipsync): LipsyncSnapshot {
  return {
    id: lipsync.id,
    status: lipsync.status,
    progress: progressFraction(lipsync),
    terminal: isTerminal(lipsync),
    output: lipsync.output ?? null,
    thumbnail: lipsync.video_thumbnail ?? null,
    failedReason: lipsync.failed_reason ?? null,
    creditsUsed: lipsync.credits_used ?? null,
    duration: lipsync.duration ?? null,
  };
}
