/**
 * Thin adapters from Temporal to CreatifyClient. The workflow sees only normalised
 * snapshots; the Creatify client and its API key live in the worker process and never
 * enter workflow history.
 */
import { activityInfo, log, sleep } from '@temporalio/activity';
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import { CreatifyError, isKnownStatus, isTerminal, progressFraction, type CreatifyClient, type Lipsync } from '../creatify';
import { pageIn2xx, saysAlreadyRendering } from '../creatify/errors';
import { judgeRenderStarted, movedBetween, previewNotReady, renderShownBeforePost, renderShownOnRecord, unknownWorkStage, unsettled } from '../creatify/render-judgement';
import { legacyRenderStarted, statusAsRead } from '../creatify/status';
import { normalizeLipsyncId } from '../contract/lipsync-id';
import { pollDelayMs } from './backoff';
import { AttemptHeartbeats, withHeartbeat } from './heartbeat';
import { retryInPlace, STEADY_READ } from './retry-in-place';
import { asActivity, toActivityFailure } from './failures';
import { createCreditsActivities } from './credits';
import { DEFAULT_BALANCE_MAX_AGE_MS } from '../config';
import { ActivityFailureType, type LipsyncActivities, type ConfirmInput, type ConfirmOutcome, type LipsyncSnapshot, type PollInput, type PollOutcome, type RenderInput, type RenderOutcome, type SnapshotOutcome } from '../contract/activities';

export type CreatifyApi = Pick<CreatifyClient, 'render' | 'get' | 'list' | 'remainingCredits' | 'takeTurn'>;

export interface ActivityTuning {
  /**
   * When a render's fate is unknown and the record looks untouched, look again after this
   * long, and once more after twice as long, before POSTing: a server that applies a
   * render a moment after answering (a queue, a slow write) must not be paid twice.
   * Default 2 s (so 6 s in all).
   */
  settleMs?: number;
  /** This worker fleet runs the fleet reconciler (see SnapshotOutcome.reconciler). Default false. */
  reconciler?: boolean;
  /** LIPSYNC_CREDIT_BUDGET_PER_DAY; null or absent: no daily budget (the balance is still checked). */
  creditBudgetPerDay?: number | null;
  /** LIPSYNC_BALANCE_MAX_AGE (see loadBalanceMaxAge): how long one balance reading serves the credits checks; 0: none. Default 500 ms. */
  balanceMaxAgeMs?: number;
  /**
   * How long after a slow or unanswered render POST was sent the record is watched before
   * a render is POSTed again (SLOW_POST_SETTLE_MS, 65 s). Not an env var: it is the margin
   * that keeps a late-taken POST from being paid twice. Tests whose sandbox settles every
   * timed-out POST within a couple of seconds shorten it.
   */
  slowPostSettleMs?: number;
}

const DEFAULT_SETTLE_MS = 2_000;
/**
 * Reads of an untouched-looking record before a POST whose predecessor's fate is unknown:
 * at once, then settleMs, 3 × and 6 × settleMs later (0, 2, 6, 12 s): a server that shows
 * a render it took some seconds after (a queue between its view and its record) is seen
 * before it is paid again. Seconds more before a re-POST cost nothing next to a render of
 * minutes; a second render charged costs credits.
 */
const SETTLE_LOOKS = 4;
/** Between two looks of a long settle (SLOW_POST_SETTLE_MS): the record is read at least this often. */
const MAX_SETTLE_WAIT_MS = 10_000;
const UNKNOWN_STATUS_MEMORY = 10_000;

/** Creatify refused a GET (401, 403, 404) in its own answer: not our refusal to send. */
function refusedRead(err: unknown): boolean {
  return err instanceof CreatifyError && err.status !== undefined && (err.kind === 'auth' || err.kind === 'not-found');
}

/** A refused GET of a tracked record, asked again 1, 2, 4, 8 and 16 s later (31 s in all) before it counts. */
const REFUSED_READ = {
  tries: 6,
  maxWaitMs: 16_000,
  waitFor: (err: unknown, attempt: number): number | null => (refusedRead(err) ? 1_000 * 2 ** (attempt - 1) : null),
};

export function createActivities(creatify: CreatifyApi, tuning: ActivityTuning = {}): LipsyncActivities {
  const settleMs = tuning.settleMs ?? DEFAULT_SETTLE_MS;
  const slowPostSettleMs = tuning.slowPostSettleMs ?? SLOW_POST_SETTLE_MS;
  const unknownStatusesLogged = new Set<string>();

  /**
   * A GET of a record the job has already read (a poll, a claim's check): a 401, 403 or 404
   * now is not the answer it was at the start (a wrong key, a wrong id: the job ends
   * invalid before any POST), but most likely a passing one (a firewall, a replica behind),
   * and ending the job on it would lose a render that is paid and running. So it is asked
   * again in place for about half a minute (REFUSED_READ) before it ends the job. A local
   * activity (a claim's first check, in a short workflow task) does not wait: it fails as
   * transient, and the claim's re-checks or the poll take it from there.
   */
  async function readTracked(lipsyncId: string): Promise<LipsyncSnapshot> {
    try {
      return snapshotOf(await (activityInfo().isLocal ? creatify.get(lipsyncId) : retryInPlace(() => creatify.get(lipsyncId), REFUSED_READ)));
    } catch (err) {
      if (activityInfo().isLocal && refusedRead(err)) throw ApplicationFailure.create({ type: ActivityFailureType.Transient, message: `${(err as Error).message} (a record read before: checked again by the next read)` });
      throw toActivityFailure(err);
    }
  }

  function snapshotOf(record: Lipsync): LipsyncSnapshot {
    const snapshot = toSnapshot(record);
    noteUnknownStatus(snapshot);
    return snapshot;
  }

  /**
   * A GET that a judgement rests on (the snapshot, "has the render started?"), retried
   * here on a transient error: GETs are free and idempotent, and every attempt of the
   * render activity that fails on one would cost a whole retry interval.
   */
  async function readSteadily(lipsyncId: string): Promise<LipsyncSnapshot> {
    return snapshotOf(await readRecordSteadily(lipsyncId));
  }

  /**
   * readSteadily for a record the job has read before (a settle, a judgement after a POST):
   * a 401/403/404 is also asked again (REFUSED_READ), as readTracked does.
   */
  async function readKnownSteadily(lipsyncId: string): Promise<LipsyncSnapshot> {
    return snapshotOf(
      await asActivity(() =>
        retryInPlace(() => creatify.get(lipsyncId), {
          ...REFUSED_READ,
          // No heartbeat of its own here: withHeartbeat's ticker sends the activity's details (a bare one would erase them).
          waitFor: (err, attempt) => REFUSED_READ.waitFor(err, attempt) ?? STEADY_READ.waitFor(err, attempt),
        }),
      ),
    );
  }

  async function readRecordSteadily(lipsyncId: string): Promise<Lipsync> {
    return asActivity(() =>
      retryInPlace(() => creatify.get(lipsyncId), STEADY_READ),
    );
  }

  /** An unknown status is polled on, and said once per lipsync and status, not at every poll. */
  function noteUnknownStatus(snapshot: LipsyncSnapshot): void {
    if (isKnownStatus(snapshot.status)) return;
    const key = `${snapshot.id} ${snapshot.status}`;
    if (unknownStatusesLogged.has(key)) return;
    if (unknownStatusesLogged.size >= UNKNOWN_STATUS_MEMORY) unknownStatusesLogged.clear();
    unknownStatusesLogged.add(key);
    log.warn('Creatify reports a status this tracker does not know; polling on', { lipsyncId: snapshot.id, status: snapshot.status });
  }

  /**
   * The render's fate when it is unknown (a retry, a 400, a re-judgement): the record now
   * against the pre-render snapshot (see render-judgement.ts): the outcome when a render
   * started, else the last read, which shows none.
   */
  async function alreadyStarted(input: RenderInput, looks = SETTLE_LOOKS, lookUntil = 0): Promise<{ started: RenderOutcome } | { unchanged: LipsyncSnapshot }> {
    for (let look = 1; ; look++) {
      const now = await readKnownSteadily(input.lipsyncId);
      if (!input.before) {
        const legacy = legacyRenderStarted(now);
        return legacy ? { started: { lipsync: now, posted: false, evidence: legacy, strength: 'strong' } } : { unchanged: now };
      }
      const judged = judgeRenderStarted(input.before, now);
      // A re-judgement exists because weak evidence was not borne out: only strong evidence counts then.
      if (judged.started && (judged.strength === 'strong' || !input.rejudge)) {
        return { started: { lipsync: now, posted: false, evidence: judged.evidence, strength: judged.strength } };
      }
      if ((look >= looks && Date.now() >= lookUntil) || settleMs <= 0) return { unchanged: now };
      // The usual looks first; then, after a slow POST, a look at least every MAX_SETTLE_WAIT_MS until lookUntil.
      await sleep(look < looks ? settleMs * look : Math.max(Math.min(lookUntil - Date.now(), MAX_SETTLE_WAIT_MS), 0));
    }
  }

  /**
   * The record after a render Creatify accepted without showing it: one steady GET, or,
   * if Creatify cannot answer it now, the snapshot as the render leaves it (not ended):
   * the POST is done and must not be retried for want of a read.
   */
  async function recordAfterAcceptedRender(input: RenderInput): Promise<LipsyncSnapshot> {
    try {
      return await readSteadily(input.lipsyncId);
    } catch (err) {
      log.warn('render accepted without its record, and the record could not be read; tracking goes on', { lipsyncId: input.lipsyncId, error: String(err) });
      const base = input.before ?? toSnapshot({ id: input.lipsyncId, status: 'pending', output: null });
      return { ...base, status: 'pending', terminal: false, output: null };
    }
  }

  /**
   * A record unsettled at the snapshot (see unsettled: a preview still running, a job made
   * by create, a job running on it): read until it settles, and never POST. Ends in a
   * render on the record (an output, a failure; still running after the wait), or in the
   * record ready to render, which the workflow takes as its snapshot before asking for the
   * render again. Past PREVIEW_WAIT_MS in all it is taken as ready: a job must not wait for
   * ever on a preview link the API never shows.
   */
  async function untilPreviewReady(lipsyncId: string): Promise<RenderOutcome> {
    const info = activityInfo();
    const attemptStarted = Date.now();
    let previous: LipsyncSnapshot | undefined;
    let stillSince = Date.now();
    for (let look = 1; ; look++) {
      const now = await readKnownSteadily(lipsyncId);
      if (now.terminal || now.output || now.failedReason) {
        return { lipsync: now, posted: false, evidence: `the record ended while its preview was awaited (${now.status})`, strength: 'strong' };
      }
      const waitedTooLong = Date.now() - info.scheduledTimestampMs > PREVIEW_WAIT_MS;
      if (previous === undefined || movedBetween(previous, now)) stillSince = Date.now();
      // A status the docs do not name is a stage while it moves, a resting state once it stops;
      // a record without its preview link that shows no change for PREVIEW_REST_MS is the
      // previewed record of a server that keeps the link out of GET (§3.4: nullable), not a preview at work.
      const linkless = previewNotReady(now) && now.status !== 'in_queue' && now.status !== 'running' && !unknownWorkStage(now);
      const resting = (unknownWorkStage(now) && previous !== undefined && !movedBetween(previous, now)) || (linkless && Date.now() - stillSince >= PREVIEW_REST_MS);
      previous = now;
      if (!unsettled(now) || resting || waitedTooLong) {
        // Its preview ready, the record already shows a render (queued or running): someone's, or an earlier attempt's.
        const shown = renderShownOnRecord(now);
        if (shown) return { lipsync: now, posted: false, evidence: `a render showed while its preview was awaited: ${shown}`, strength: 'strong' };
        // No POST here: the render is asked again with this record as its snapshot (RenderOutcome.previewSettled).
        return { lipsync: now, posted: false, evidence: `preview ready (${now.status})`, previewSettled: true };
      }
      if (Date.now() - attemptStarted > PREVIEW_WAIT_PER_ATTEMPT_MS) throw notTerminalYet(now, 'preview not ready yet; render waits');
      await sleep(Math.min(1_000 * look, 5_000));
    }
  }

  return {
    ...createCreditsActivities(creatify, {
      creditBudgetPerDay: tuning.creditBudgetPerDay ?? null,
      balanceMaxAgeMs: tuning.balanceMaxAgeMs ?? DEFAULT_BALANCE_MAX_AGE_MS,
      readRecord: readRecordSteadily,
      snapshotOf,
      reconciler: tuning.reconciler === true,
    }),

    /** The record before the first render POST: the baseline every later judgement compares with. */
    async snapshotBeforeRender(lipsyncId: string): Promise<SnapshotOutcome> {
      const snapshot = await readSteadily(lipsyncId);
      return { snapshot, renderShown: renderShownBeforePost(snapshot) ?? null, ...(tuning.reconciler ? { reconciler: true } : {}) };
    },

    /** POSTs the render, exactly once per job (see renderOnce). */
    renderLipsync: (raw: RenderInput | string) => {
      const progress = progressCarriedOver();
      const beats = new AttemptHeartbeats(() => progress);
      return withHeartbeat(() => renderOnce(typeof raw === 'string' ? { lipsyncId: raw } : raw, progress, beats), undefined, beats.tick);
    },

    /** One GET: a claim's first check (a local activity in the task that took it), or the confirmation of runs started before re-checks. */
    fetchLipsyncStatus: (lipsyncId: string) => withHeartbeat(() => readTracked(lipsyncId)),

    /**
     * Confirms a delivery that claims an end: one GET per attempt, the first at once,
     * the retry policy's backoff between them, at most `maxGets`. Returns the last
     * answer, terminal or not.
     */
    confirmClaim: (input: ConfirmInput) =>
      withHeartbeat(async (): Promise<ConfirmOutcome> => {
        const { attempt } = activityInfo();
        if (attempt === 1 && input.firstAfterMs) await sleep(input.firstAfterMs);
        const lipsync = await readTracked(input.lipsyncId);
        if (lipsync.terminal || attempt >= input.maxGets) return { lipsync, gets: attempt };
        throw notTerminalYet(lipsync, `confirmation ${attempt} of ${input.maxGets}`);
      }),

    /**
     * One GET per attempt; Temporal's retries are the poll loop, so waiting adds no
     * history. "Not finished yet" is a benign failure with our own jittered delay.
     */
    pollUntilTerminal: (input: PollInput) =>
      withHeartbeat(async (): Promise<PollOutcome> => {
        const { attempt } = activityInfo();
        const lipsync = await readTracked(input.lipsyncId);
        if (lipsync.terminal) return { lipsync, attempts: attempt };
        if (input.stall && attempt >= input.stall.afterAttempts) {
          const judged = judgeRenderStarted(input.stall.before, lipsync);
          if (!(judged.started && judged.strength === 'strong')) return { lipsync, attempts: attempt, untouched: true };
        }
        const delay = pollDelayMs(attempt, input.initialIntervalMs, input.maxIntervalMs);
        log.debug('lipsync not finished', { lipsyncId: input.lipsyncId, status: lipsync.status, attempt, nextPollMs: delay });
        throw notTerminalYet(lipsync, `poll ${attempt}; next in ${delay} ms`, delay);
      }),
  };

  /**
   * POSTs the render, exactly once per job. Any attempt whose predecessor's fate is
   * unknown first compares the record with the snapshot and POSTs only if nothing
   * changed. A 4xx is judged the same way: "already rendering" if the record moved,
   * a refusal (insufficient credits, say) if it did not. (A string input is a run
   * started before snapshots existed.)
   */
  async function renderOnce(asked: RenderInput, progress: RenderProgress, beats: AttemptHeartbeats): Promise<RenderOutcome> {
    let input = asked;
    // An earlier attempt's first POST was refused on a moving record, and its settle ran out
    // of time: the settle goes on (the snapshot is no baseline; see the refusal below).
    if (progress.settling && input.settlePreview) return untilPreviewReady(input.lipsyncId);
    // A snapshot taken while the preview ran is no baseline: its own end moves the fields a render would.
    if (input.before && !input.rejudge && !input.previewWaited && unsettled(input.before)) {
      const settled = await untilPreviewReady(input.lipsyncId);
      if (input.settlePreview || !settled.previewSettled) return settled;
      // Asked by a workflow of the code before previewSettled (a deploy under way): it would
      // take that answer for a render started, so POST here, on the settled record.
      input = { ...input, before: settled.lipsync };
    } else if (activityInfo().attempt > 1 || input.rejudge) {
      // A re-judgement's first look follows the stall watch's: the record has long shown nothing, no settle needed.
      const lookUntil = activityInfo().attempt > 1 && progress.postSentAt !== undefined ? progress.postSentAt + slowPostSettleMs : 0;
      const fate = await alreadyStarted(input, activityInfo().attempt > 1 ? SETTLE_LOOKS : 1, lookUntil);
      if ('started' in fate) return fate.started;
    }
    // The POST's turn first (this worker's pacing, a 429's hold on render POSTs): its time below is when it goes out.
    await asActivity(() => creatify.takeTurn('render', 'POST render'));
    // On the server before the POST goes out: a worker killed right after it still leaves
    // its time to the next attempt (a retry has heartbeated by then: see untilSentAtOnce).
    await beats.untilSentAtOnce(sleep);
    const sentAt = Date.now();
    progress.postSentAt = sentAt;
    beats.beat();
    try {
      const answer = await creatify.render(input.lipsyncId, { turnTaken: true });
      const lipsync = answer ? toSnapshot(answer) : await recordAfterAcceptedRender(input);
      return { lipsync, posted: true, evidence: input.rejudge ? 'render POSTed again after re-judging' : 'render POST accepted', strength: 'strong' };
    } catch (err) {
      // Answered, and not by a gateway that gave up on its upstream: Creatify is not still
      // working on it. Or failed fast, and not by our own timeout (a reset, a refused
      // connection, a quick 502): the next attempt's short settle covers a server that took
      // it. Either way the next attempt reads the last details: not this POST's time.
      // (A 2xx web page is no answer of Creatify's: taken or not, no one can say.)
      const answered = err instanceof CreatifyError && err.status !== undefined && err.status !== 502 && err.status !== 504 && !pageIn2xx(err);
      const fastFailure = Date.now() - sentAt < SLOW_POST_MS && !(err instanceof CreatifyError && err.kind === 'timeout');
      if (answered || fastFailure) {
        delete progress.postSentAt;
        beats.beat();
      }
      if (!(err instanceof CreatifyError) || err.status === undefined) throw toActivityFailure(err);
      // A 2xx that is a page, not Creatify's answer: taken or not, no one can say. Watched as
      // maybe started: the stall watch re-judges it (comparing first) if it never shows.
      if (pageIn2xx(err)) {
        const fate = await alreadyStarted(input);
        if ('started' in fate) return fate.started;
        return { lipsync: fate.unchanged, posted: false, evidence: `Creatify answered the render POST with HTTP ${err.status} and a web page: watched as maybe started`, strength: 'weak' };
      }
      // An earlier attempt may have reached Creatify (its answer lost, a 5xx, a reset), and
      // how a second render is refused is [U] (§4.3): a refusal now may be its word for
      // "that one runs" on a record that shows nothing yet. Not on the last re-judgement (a
      // refusal then ends the job, or it would wait for its deadline once the re-judgements
      // are spent), nor for a run without a snapshot (no stall watch to re-judge it).
      const earlierMayHaveLanded = activityInfo().attempt > 1 && input.before !== undefined && (!input.rejudge || input.rejudgeMayFollow === true);
      // The job's first POST, refused: no render of ours was taken, so anything that moved
      // since the snapshot is someone else's job, most likely a preview still running though
      // it showed its link (§4.2 [I]). Such a record settles first, and the render is then
      // asked on it (previewSettled), once.
      const firstPost = activityInfo().attempt === 1 && input.settlePreview === true && !input.rejudge;
      // A 4xx from the server (not our own refusal to send): was it "already rendering", or a
      // refusal? A 403 or 404 may be that too, in DRF's words (a permission class, a queryset
      // of renderable records), on a retry or on a record still moving: the GET below still shows it.
      const judged = err.kind === 'validation' || err.kind === 'insufficient-credits' || ((err.kind === 'auth' || err.kind === 'not-found') && (earlierMayHaveLanded || firstPost));
      if (!judged) throw toActivityFailure(err);
      // One settle, not the full one: a retry's full settle ran before this POST.
      const fate = await alreadyStarted(input, 2);
      // Moving now (a preview's own run; not a render's `pending` first stage, which a
      // refused POST cannot have started): settled first, across attempts (the heartbeat says so).
      if ('started' in fate && firstPost && unsettled(fate.started.lipsync)) {
        progress.settling = true;
        beats.beat();
        return untilPreviewReady(input.lipsyncId);
      }
      if ('started' in fate) return fate.started;
      const refusal = err.detail ?? err.message;
      // The record shows nothing yet (a server that applies a render later, an updated_at it never moves), but the refusal says one runs.
      if (err.kind === 'validation' && saysAlreadyRendering(refusal)) {
        return { lipsync: fate.unchanged, posted: false, evidence: `Creatify refused the render as one already under way: ${refusal}`, strength: 'weak' };
      }
      // Ended refused, a paid render would be lost (and an `insufficient_credits` end asked
      // again would pay it twice): watched as maybe started; the stall watch re-judges one
      // that never shows, and a refusal of that re-judged POST ends the job.
      if (earlierMayHaveLanded) {
        return { lipsync: fate.unchanged, posted: false, evidence: `Creatify refused a retried render POST, and an earlier attempt may have reached it: watched as maybe started (${refusal})`, strength: 'weak' };
      }
      if (err.kind === 'insufficient-credits') {
        throw ApplicationFailure.create({
          type: ActivityFailureType.InsufficientCredits,
          message: `Creatify refused the render for want of credits and the record shows none started: ${refusal}`,
          nonRetryable: true,
        });
      }
      if (err.kind !== 'validation') throw toActivityFailure(err);
      throw ApplicationFailure.create({
        type: ActivityFailureType.RenderRefused,
        message: `Creatify refused the render and the record shows none started: ${refusal}`,
        nonRetryable: true,
      });
    }
  }
}

/** What one attempt of the render activity tells the next, in its heartbeat details. */
interface RenderProgress {
  /** The job's first POST was refused on a moving record: the attempts settle it, and never POST. */
  settling: boolean;
  /**
   * When an attempt sent its POST (ms): heartbeated as it is sent, and taken back when the
   * POST is answered (not by a gateway's 502/504) or fails within SLOW_POST_MS (not by our
   * timeout); so in the next attempt's details only when that POST was slow to fail or its
   * worker died with it in flight: Creatify may still be working on it.
   */
  postSentAt?: number;
}

/**
 * What the last attempt told this one (none on the first). Its POST went out before this
 * attempt was scheduled (the server's clock): a worker whose clock ran ahead must not make
 * the watch longer than that.
 */
function progressCarriedOver(): RenderProgress {
  const info = activityInfo();
  const carried = info.heartbeatDetails as RenderProgress | undefined;
  const sent = typeof carried?.postSentAt === 'number' ? Math.min(carried.postSentAt, info.currentAttemptScheduledTimestampMs) : undefined;
  return { settling: carried?.settling === true, ...(sent !== undefined ? { postSentAt: sent } : {}) };
}

/** A POST that failed unanswered within this long gets the short settle (the heartbeat interval it replaced). */
const SLOW_POST_MS = 2_000;

/**
 * After a POST that was slow to answer (or never did), the record is watched until this
 * long after it was sent before a render is POSTed again: a server can go on with a
 * request its client gave up on (a proxy's upstream timeout is commonly 60 s).
 */
const SLOW_POST_SETTLE_MS = 65_000;

/** How long a render waits, in all, for a record whose preview is not ready before it POSTs anyway. */
const PREVIEW_WAIT_MS = 10 * 60_000;
/**
 * A record awaited for its preview link that shows no change (status, progress, updated_at,
 * media_job) for this long is taken as settled: a preview at work moves through its stages
 * well within it, and a server that never shows the link on GET must not cost every render
 * PREVIEW_WAIT_MS. Within one attempt (PREVIEW_WAIT_PER_ATTEMPT_MS).
 */
const PREVIEW_REST_MS = 45_000;
/** …and within one attempt (the render activity's start-to-close is 2 minutes). */
const PREVIEW_WAIT_PER_ATTEMPT_MS = 80_000;

function notTerminalYet(lipsync: LipsyncSnapshot, what: string, nextRetryDelay?: number): ApplicationFailure {
  return ApplicationFailure.create({
    type: ActivityFailureType.NotTerminalYet,
    message: `${lipsync.status} ${Math.round(lipsync.progress * 100)}% (${what})`,
    details: [lipsync],
    nextRetryDelay,
    category: ApplicationFailureCategory.BENIGN,
  });
}

export function toSnapshot(lipsync: Lipsync): LipsyncSnapshot {
  const status = statusAsRead(lipsync);
  return {
    id: normalizeLipsyncId(lipsync.id),
    status,
    progress: progressFraction(lipsync),
    terminal: isTerminal({ status, output: lipsync.output }),
    output: lipsync.output ?? null,
    thumbnail: lipsync.video_thumbnail ?? null,
    failedReason: lipsync.failed_reason ?? null,
    mediaJob: lipsync.media_job ?? null,
    creditsUsed: lipsync.credits_used ?? null,
    duration: lipsync.duration ?? null,
    updatedAt: lipsync.updated_at ?? null,
    ...(lipsync.preview !== undefined ? { preview: lipsync.preview } : {}),
  };
}
