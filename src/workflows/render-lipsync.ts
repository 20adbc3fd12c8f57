/**
 * Tracks one Creatify render from the POST to its end: read the record, render exactly
 * once, wait for the webhook (a hint, confirmed by GETs), else poll with backoff, all
 * under a deadline. The rules live in Tracker; this file is only the Temporal side.
 */
import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  patched,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { ActivityFailureType, INVALID_REQUEST_FAILURES, type CreditsCheckOutcome, type LipsyncSnapshot, type PollOutcome, type RenderInput, type RenderOutcome } from '../contract/activities';
import { normalizeLipsyncId } from '../contract/lipsync-id';
import { saysInsufficientCredits } from '../creatify/errors';
import {
  FailureType,
  statusQuery,
  webhookSignal,
  type Detection,
  type RenderResult,
  type TrackingPhase,
  type TrackRenderInput,
} from '../contract/messages';
import { apiObservationSignal } from '../contract/reconciler';
import { resolveTrackingOptions, type ResolvedTrackingOptions } from '../contract/tracking-options';
import { api, confirmer, local, poller, quick } from './activity-calls';
import { ApprovalGate } from './approval';
import { checkCredits, CREDITS_PATCH } from './credits';
import { APPROVAL_HOLDS_PATCH, LIST_STAGES_PATCH, POSTED_RENDER_STANDS_PATCH, runVersion, STAGES_PATCH, type RunVersion } from './versions';
import { DeadlinePassed, lapsingWindow, untilWokenOrClosed, withDeadline } from './timers';
import { recordRenderEnded, recordRenderStarted } from './metrics';
import { failure, publisher } from './publish';
import { MAX_REJUDGEMENTS, STALL_READS, Tracker, type PendingClaim } from './tracker';

const CONFIRM_FIRST_RECHECK_MS = 1_000;

export async function trackLipsyncRender(input: TrackRenderInput): Promise<RenderResult> {
  const version = runVersion(input.revision);
  const { current, fleet, lean, lapsing } = version;
  const options = resolveTrackingOptions(input.options);
  const lipsyncId = normalizeLipsyncId(input.lipsyncId);
  const tracker = new Tracker(lipsyncId, new Date(), input.carriedOver, {
    legacyClaims: !current,
    learnStage: () => patched(STAGES_PATCH),
    checkListStages: () => patched(LIST_STAGES_PATCH),
    holdForApproval: () => patched(APPROVAL_HOLDS_PATCH),
  });
  const publish = publisher(tracker, { webhookTimeoutMs: fleet ? options.webhookTimeout.ms : null, lean });
  const approval = new ApprovalGate(tracker, publish, input.approval);
  if (!input.carriedOver) recordRenderStarted();
  setHandler(statusQuery, () => tracker.state);
  setHandler(webhookSignal, (hint) => {
    tracker.receiveWebhook(hint, new Date());
    publish();
  });
  if (fleet) {
    setHandler(apiObservationSignal, (observation) => {
      tracker.apiObserved(observation, new Date());
      publish();
    });
  }
  publish();

  const flow = new RenderFlow(tracker, options, publish, input, version, approval);
  try {
    const refused = await approval.wait();
    if (refused) {
      recordRenderEnded(tracker.state.status);
      throw failure(refused.type, tracker, refused.message);
    }
    // The deadline counts from the approval: a render approved the next morning has its whole day.
    const elapsed = Date.now() - Date.parse(approval.clockStart);
    return await withDeadline(options.deadline.ms - elapsed, () => flow.run(), { lapse: lapsing });
  } catch (err) {
    if (err instanceof DeadlinePassed) {
      tracker.end('timed_out', `deadline of ${options.deadline.text} passed`);
      publish();
      recordRenderEnded('timed_out');
      throw failure(FailureType.DeadlineExceeded, tracker, `lipsync ${lipsyncId} not finished within ${options.deadline.text}`);
    }
    if (isCancellation(err)) {
      tracker.end('cancelled', 'tracking cancelled');
      publish();
      recordRenderEnded('cancelled');
    }
    throw err;
  }
}

class RenderFlow {
  /** When the receiver took the delivery of the claim checked last (for the webhook-to-close metric). */
  private claimReceivedAt: string | null = null;

  constructor(
    private readonly tracker: Tracker,
    private readonly options: ResolvedTrackingOptions,
    private readonly publish: () => void,
    private readonly input: TrackRenderInput,
    private readonly version: RunVersion,
    private readonly approval: ApprovalGate,
  ) {}

  private get id(): string {
    return this.tracker.state.lipsyncId;
  }

  async run(): Promise<RenderResult> {
    const state = this.tracker.state;
    if (!state.renderAcceptedAt) {
      let before: CreditsCheckOutcome | undefined;
      if (this.version.lean || patched(CREDITS_PATCH)) {
        before = await this.activity(() => checkCredits(this.id));
        const ask = this.input.overBudget === 'await-approval';
        this.tracker.creditsChecked(before.check, { askIfOver: ask });
        this.publish();
        if (!before.check.fits) {
          // Approved over budget: rendered on that say-so (Creatify may still refuse, as a typed failure).
          const refused = ask ? await this.approval.askAgain(before.check.reason) : { type: FailureType.InsufficientCredits, message: `lipsync ${this.id} not rendered: ${before.check.reason}` };
          if (refused) {
            recordRenderEnded(this.tracker.state.status);
            throw failure(refused.type, this.tracker, refused.message);
          }
          before = undefined; // decided later: the record is read again right before the POST
        }
      }
      const { outcome, detectedBy } = await this.render(before);
      this.tracker.renderAccepted(outcome, new Date());
      this.publish();
      if (outcome.lipsync.terminal) return this.finish(outcome.lipsync, detectedBy);
    }

    this.phase('waiting-for-webhook');
    const webhookDeadline = Date.parse(state.renderAcceptedAt!) + this.options.webhookTimeout.ms;
    const wake = () => this.tracker.hasClaim || this.tracker.endObserved !== null || historyTooLong();
    const windowOpen = this.version.lapsing ? lapsingWindow(webhookDeadline - Date.now()) : undefined;
    let pollNow = false;
    for (;;) {
      const remaining = webhookDeadline - Date.now();
      const woke = windowOpen ? await untilWokenOrClosed(wake, windowOpen) : remaining > 0 && (await condition(wake, remaining));
      // The reconciler's progress sweep may read the end before any webhook says it.
      if (this.version.fleet && this.tracker.endObserved) return this.finish(this.tracker.endObserved, 'poll');
      if (!woke) break;
      const checked = await this.checkClaim();
      if (checked.ended) return this.finish(checked.ended, checked.by ?? 'webhook');
      // A claim with a URL that the API does not yet show: Creatify never re-sends, so poll from now on.
      if (checked.pollNow) {
        pollNow = true;
        break;
      }
      await this.continueAsNewIfSuggested();
    }
    if (this.version.fleet && state.reconciler) return this.followReconciler(pollNow);

    for (;;) {
      this.phase('polling');
      const polled = await this.pollUntilTerminalOrInterrupted();
      if (polled?.untouched) {
        const outcome = await this.rejudge();
        if (outcome?.lipsync.terminal) return this.finish(outcome.lipsync, 'render-response');
        continue;
      }
      if (polled) return this.finish(polled.lipsync, 'poll');
      const checked = await this.checkClaim();
      if (checked.ended) return this.finish(checked.ended, checked.by ?? 'webhook');
      await this.continueAsNewIfSuggested();
    }
  }

  /** Reads the record (unless the credits check just did), then POSTs once unless the record already shows a render. */
  private async render(before?: CreditsCheckOutcome): Promise<{ outcome: RenderOutcome; detectedBy: Detection }> {
    const summary = `render lipsync ${this.id}`;
    if (!this.version.current) {
      return { outcome: await this.activity(() => api.renderLipsync.executeWithOptions({ summary }, [this.id])), detectedBy: 'render-response' };
    }
    const { snapshot, renderShown, reconciler } = before ?? (await this.activity(() => local.snapshotBeforeRender(this.id)));
    this.tracker.preRenderRead(snapshot, this.version.fleet && reconciler === true);
    if (renderShown) {
      return { outcome: { lipsync: snapshot, posted: false, evidence: `rendered before this job: ${renderShown}`, strength: 'strong' }, detectedBy: 'render-response' };
    }
    const first = await this.postRender({ lipsyncId: this.id, before: snapshot, settlePreview: true });
    if (!first.outcome.previewSettled) return first;
    // The preview was still running at the snapshot: the record it settled on is the snapshot now.
    const settled = first.outcome.lipsync;
    this.tracker.preRenderRead(settled, this.version.fleet && reconciler === true);
    return this.postRender({ lipsyncId: this.id, before: settled, previewWaited: true });
  }

  /** The render activity, while a claim of an end is confirmed meanwhile (see render). */
  private async postRender(input: RenderInput): Promise<{ outcome: RenderOutcome; detectedBy: Detection }> {
    const summary = `render lipsync ${this.id}`;
    // While the POST is retried (its answer lost, Creatify failing), the render may be
    // done already: a claim of an end is confirmed meanwhile, and a confirmed end wins.
    // One condition over plain state, not a race of scoped promises: the SDK records a
    // stack for every promise a workflow makes, and this runs for every render.
    const renderScope = new CancellationScope();
    let posted: { outcome: RenderOutcome } | { error: unknown } | undefined;
    renderScope
      .run(() => api.renderLipsync.executeWithOptions({ summary }, [input]))
      .then(
        (outcome) => (posted = { outcome }),
        (error) => (posted = { error: this.mapActivityError(error) }),
      );
    for (;;) {
      await condition(() => posted !== undefined || this.tracker.hasClaim);
      // Both at once: the POST's answer first; the claim stays queued for the wait that follows.
      if (posted) {
        if ('error' in posted) throw posted.error;
        return { outcome: posted.outcome, detectedBy: 'render-response' };
      }
      const { ended } = await this.checkClaim();
      if (ended) {
        renderScope.cancel();
        return { outcome: { lipsync: ended, posted: false, evidence: 'the API showed the end while the render POST was being retried', strength: 'strong' }, detectedBy: 'webhook' };
      }
    }
  }

  /**
   * After the webhook window, when the fleet runs a reconciler: its reads (shared list
   * calls) end the job, move progress and feed the stall watch. The tracker polls by
   * itself only while the reconciler says nothing about this render for pollMaxInterval
   * (or at once after a claim the API did not show), and stops when it speaks again.
   */
  private async followReconciler(pollFirst: boolean): Promise<RenderResult> {
    const { tracker } = this;
    const stallSpanMs = STALL_READS * this.options.pollInitialInterval.ms;
    const silenceMs = this.options.pollMaxInterval.ms;
    let quietSince = Date.now();
    const lastHeard = () => Math.max(quietSince, tracker.state.lastObservedAt ? Date.parse(tracker.state.lastObservedAt) : 0);
    let selfPoll = pollFirst;
    for (;;) {
      this.phase('polling');
      if (!selfPoll) {
        const actionable = () => tracker.endObserved !== null || tracker.hasClaim || tracker.stallSuspected(new Date(), stallSpanMs) || historyTooLong();
        const woke = await condition(actionable, Math.max(lastHeard() + silenceMs - Date.now(), 1));
        const end = tracker.endObserved;
        if (end) return this.finish(end, 'poll');
        if (tracker.hasClaim) {
          const checked = await this.checkClaim();
          if (checked.ended) return this.finish(checked.ended, checked.by ?? 'webhook');
          selfPoll = checked.pollNow === true;
        } else if (tracker.stallSuspected(new Date(), stallSpanMs)) {
          const outcome = await this.rejudge();
          if (outcome?.lipsync.terminal) return this.finish(outcome.lipsync, 'render-response');
          quietSince = Date.now();
        } else if (!woke) {
          // Heard from the reconciler meanwhile: a new quiet period starts from then.
          selfPoll = lastHeard() + silenceMs <= Date.now();
        }
      }
      if (selfPoll) {
        selfPoll = false;
        const since = Date.now();
        const polled = await this.pollUntilTerminalOrInterrupted(() => tracker.endObserved !== null || lastHeard() > since);
        if (polled?.untouched) {
          const outcome = await this.rejudge();
          if (outcome?.lipsync.terminal) return this.finish(outcome.lipsync, 'render-response');
        } else if (polled) {
          return this.finish(polled.lipsync, 'poll');
        }
        quietSince = Date.now();
      }
      await this.continueAsNewIfSuggested();
    }
  }

  /**
   * Self-healing: a render judged started never showed on the record, so judge (and maybe
   * POST) again. Null when the render stands as it is: Creatify answered our POST with
   * 200, so a render that shows late (a queue, a slow write) is not paid for again
   * (POSTED_RENDER_STANDS_PATCH; asked only here, after the poll's result or a timer).
   */
  private async rejudge(): Promise<RenderOutcome | null> {
    if (this.tracker.state.renderPosted && patched(POSTED_RENDER_STANDS_PATCH)) {
      this.tracker.stallDismissed();
      this.publish();
      return null;
    }
    this.phase('rendering');
    const outcome = await this.activity(() =>
      api.renderLipsync.executeWithOptions({ summary: `re-judge the render of ${this.id}` }, [
        { lipsyncId: this.id, before: this.tracker.state.preRender!, rejudge: true, ...(this.tracker.state.rejudgements + 1 < MAX_REJUDGEMENTS ? { rejudgeMayFollow: true as const } : {}) },
      ]),
    );
    this.tracker.rejudged(outcome);
    this.publish();
    return outcome;
  }

  /**
   * Resolves with the poll's outcome, or null when a webhook claim, a history grown
   * long enough to continue as new, or `interrupted` stopped it.
   */
  private async pollUntilTerminalOrInterrupted(interrupted: () => boolean = () => false): Promise<PollOutcome | null> {
    const { preRender, rejudgements } = this.tracker.state;
    const stall = this.version.current && preRender && rejudgements < MAX_REJUDGEMENTS && !this.tracker.stallOff ? { before: preRender, afterAttempts: STALL_READS } : undefined;
    const pollScope = new CancellationScope();
    const poll = pollScope.run(() =>
      poller(this.options).pollUntilTerminal.executeWithOptions({ summary: `poll lipsync ${this.id} until it ends` }, [
        {
          lipsyncId: this.id,
          initialIntervalMs: this.options.pollInitialInterval.ms,
          maxIntervalMs: this.options.pollMaxInterval.ms,
          ...(stall ? { stall } : {}),
        },
      ]),
    );
    const claimScope = new CancellationScope();
    const claim = claimScope.run(() => condition(() => this.tracker.hasClaim || historyTooLong() || interrupted()));
    claim.catch(() => undefined);
    poll.catch(() => undefined);
    const first = await Promise.race([poll.then((outcome) => ({ outcome })), claim.then(() => null)]).catch((err) => {
      claimScope.cancel();
      throw this.mapActivityError(err);
    });
    if (first) {
      claimScope.cancel();
      this.tracker.polled(first.outcome);
      this.publish();
      return first.outcome;
    }
    // A webhook claims the end: stop the poll now (the server cancels a retry wait at once).
    pollScope.cancel();
    return null;
  }

  /** Confirms the queued claim with GETs (unless trusted). `ended` when the API shows the end. */
  private async checkClaim(): Promise<{ ended?: LipsyncSnapshot; by?: Detection; pollNow?: boolean }> {
    const claim = this.tracker.takeClaim();
    if (!claim) return {};
    const by: Detection = claim.source === 'reconciler' ? 'poll' : 'webhook';
    this.claimReceivedAt = claim.hint.receivedAt;
    if (!this.options.confirmWebhook) {
      const trusted = this.tracker.trustClaim(claim);
      if (trusted) return { ended: trusted, by };
    }
    const previousPhase = this.tracker.state.phase;
    this.phase('confirming');
    const { gets, lipsync, stage } = await this.confirm(claim);
    if (this.tracker.claimChecked(claim, gets, lipsync)) return { ended: lipsync!, by };
    // No end: back to where the workflow was.
    this.tracker.enterPhase(previousPhase);
    this.publish();
    return { pollNow: this.version.current && claim.kind === 'url' && !stage };
  }

  private async confirm(claim: PendingClaim): Promise<{ gets: number; lipsync: LipsyncSnapshot | null; stage?: true }> {
    const summary = `confirm webhook "${claim.hint.status ?? '(no status)'}" for ${this.id}`;
    if (!this.version.current) {
      return { gets: 1, lipsync: await this.activity(() => api.fetchLipsyncStatus.executeWithOptions({ summary }, [this.id])) };
    }
    // The first GET runs as a local activity, inside the workflow task that took the
    // signal: a real end closes the job in that same task, with no round trip through
    // the server and no activity events in history.
    let first: LipsyncSnapshot | null = null;
    try {
      first = await quick.fetchLipsyncStatus(this.id);
    } catch (err) {
      const mapped = this.mapActivityError(err);
      if (mapped !== err || isCancellation(err)) throw mapped;
    }
    if (first?.terminal || claim.maxGets <= 1) return { gets: 1, lipsync: first };
    if (first && this.tracker.claimIsStage(claim, first)) return { gets: 1, lipsync: first, stage: true };
    // The API does not agree yet: re-checks 1 s, 2 s, 4 s, 4 s … later, as retries (no history per GET).
    try {
      const recheck = { lipsyncId: this.id, maxGets: claim.maxGets - 1, firstAfterMs: CONFIRM_FIRST_RECHECK_MS };
      const outcome = await confirmer(this.options, recheck.maxGets).confirmClaim.executeWithOptions({ summary: `re-check ${summary}` }, [recheck]);
      return { gets: 1 + outcome.gets, lipsync: outcome.lipsync };
    } catch (err) {
      const mapped = this.mapActivityError(err);
      if (mapped !== err || isCancellation(err)) throw mapped;
      // Creatify failed every re-check: the claim stays unconfirmed, polling goes on.
      return { gets: claim.maxGets, lipsync: first };
    }
  }

  private finish(lipsync: LipsyncSnapshot, detectedBy: Detection): RenderResult {
    const { tracker } = this;
    // Taken, then failed for want of credits (§6: "creation or processing" may refuse):
    // the same typed end as Creatify's refusal of the POST.
    const outOfCredits = lipsync.status === 'failed' && saysInsufficientCredits(lipsync.failedReason);
    tracker.finished(detectedBy, new Date());
    if (outOfCredits) tracker.end('insufficient_credits', `Creatify failed the render for want of credits (detected by ${detectedBy})`);
    tracker.creditsSettled(lipsync.creditsUsed, detectedBy);
    this.publish();
    const state = tracker.state;
    recordRenderEnded(outOfCredits ? 'insufficient_credits' : lipsync.status, { detectedBy, creditsUsed: lipsync.creditsUsed, webhookReceivedAt: this.claimReceivedAt });
    if (outOfCredits) throw failure(FailureType.InsufficientCredits, tracker, `lipsync ${this.id} failed for want of credits: ${lipsync.failedReason}`);
    if (lipsync.status === 'failed' || lipsync.status === 'rejected') {
      const type = lipsync.status === 'failed' ? FailureType.RenderFailed : FailureType.RenderRejected;
      throw failure(type, tracker, `lipsync ${this.id} ${lipsync.status}: ${lipsync.failedReason ?? 'no reason given'}`);
    }
    return {
      lipsyncId: this.id,
      output: lipsync.output!,
      thumbnail: lipsync.thumbnail,
      creditsUsed: lipsync.creditsUsed,
      duration: lipsync.duration,
      detectedBy,
      webhooksReceived: state.webhooksReceived,
      polls: state.polls,
      confirmations: state.confirmations,
      timings: {
        startedAt: state.startedAt,
        renderAcceptedAt: state.renderAcceptedAt,
        finishedAt: state.finishedAt!,
        totalMs: Date.parse(state.finishedAt!) - Date.parse(state.startedAt),
      },
    };
  }

  private activity<T>(call: () => Promise<T>): Promise<T> {
    return call().catch((err: unknown) => {
      throw this.mapActivityError(err);
    });
  }

  /** A non-retryable Creatify error (auth, validation, not found, a refused render) ends tracking as an invalid request. */
  private mapActivityError(err: unknown): unknown {
    // A local activity's failure arrives as the ApplicationFailure itself, not wrapped.
    const cause = err instanceof ActivityFailure ? err.cause : err instanceof ApplicationFailure ? err : undefined;
    if (cause instanceof ApplicationFailure && cause.type === ActivityFailureType.InsufficientCredits) {
      this.tracker.end('insufficient_credits', cause.message);
      this.publish();
      recordRenderEnded('insufficient_credits');
      return failure(FailureType.InsufficientCredits, this.tracker, cause.message, cause.type);
    }
    if (cause instanceof ApplicationFailure && cause.type && INVALID_REQUEST_FAILURES.includes(cause.type)) {
      this.tracker.end('invalid', cause.message);
      this.publish();
      recordRenderEnded('invalid');
      return failure(FailureType.InvalidRequest, this.tracker, cause.message, cause.type);
    }
    return err;
  }

  private phase(phase: TrackingPhase): void {
    this.tracker.enterPhase(phase);
    this.publish();
  }

  /** Every delivery is a history event; a flood of them must not grow one run without bound. */
  private async continueAsNewIfSuggested(): Promise<void> {
    if (!historyTooLong() || this.tracker.hasClaim) return;
    this.tracker.continuedAsNew(workflowInfo().historyLength);
    await condition(allHandlersFinished);
    await continueAsNew<typeof trackLipsyncRender>({ ...this.input, carriedOver: this.tracker.carryOver() });
  }
}

function historyTooLong(): boolean {
  return workflowInfo().continueAsNewSuggested;
}
