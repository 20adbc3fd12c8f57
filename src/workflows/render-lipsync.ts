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
  log,
  metricMeter,
  patched,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { INVALID_REQUEST_FAILURES, type LipsyncSnapshot, type PollOutcome, type RenderOutcome } from '../contract/activities';
import { normalizeLipsyncId } from '../contract/lipsync-id';
import {
  FailureType,
  LIPSYNC_STATUS,
  STATUS_LOG_MESSAGE,
  statusQuery,
  webhookSignal,
  type Detection,
  type FailureDetails,
  type RenderResult,
  type TrackingPhase,
  type TrackRenderInput,
} from '../contract/messages';
import { resolveTrackingOptions, type ResolvedTrackingOptions } from '../contract/tracking-options';
import { api, confirmer, local, poller, quick } from './activity-calls';
import { DeadlinePassed, withDeadline } from './deadline';
import { describeState } from './describe';
import { recordRenderEnded, recordRenderStarted } from './metrics';
import { Tracker, type PendingClaim } from './tracker';

/**
 * Runs recorded before this marker render without a snapshot and confirm a claim with
 * one GET; newer runs read the record before the POST, judge a render's fate by
 * comparison, re-check claims and re-judge a render that never shows.
 */
export const EXACTLY_ONCE_PATCH = 'render-snapshot-and-claim-rechecks';
/** A render judged started that shows no strong sign after this many polls is re-judged… */
const STALL_POLLS = 3;
/** …at most this many times per job. */
const MAX_REJUDGEMENTS = 2;
const CONFIRM_FIRST_RECHECK_MS = 1_000;

const claimsCounter = metricMeter.createCounter(
  'lipsync_webhook_claims_total',
  'claims',
  'Webhook deliveries that claimed an end, by outcome (confirmed, contradicted, ignored)',
);

export async function trackLipsyncRender(input: TrackRenderInput): Promise<RenderResult> {
  const current = patched(EXACTLY_ONCE_PATCH);
  const options = resolveTrackingOptions(input.options);
  const lipsyncId = normalizeLipsyncId(input.lipsyncId);
  const tracker = new Tracker(lipsyncId, new Date(), input.carriedOver, { legacyClaims: !current });
  const publish = publisher(tracker);
  if (!input.carriedOver) recordRenderStarted();
  setHandler(statusQuery, () => tracker.state);
  setHandler(webhookSignal, (hint) => {
    tracker.receiveWebhook(hint, new Date());
    publish();
  });
  publish();

  const elapsed = Date.now() - Date.parse(tracker.state.startedAt);
  const flow = new RenderFlow(tracker, options, publish, input, current);
  try {
    return await withDeadline(options.deadline.ms - elapsed, () => flow.run());
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

/** Web UI details on every change; search attribute, log line and claim metrics only when they change. */
function publisher(tracker: Tracker): () => void {
  let published: string | null = null;
  const counted = { ...tracker.state.claims };
  return () => {
    const { state } = tracker;
    setCurrentDetails(describeState(state));
    for (const outcome of ['confirmed', 'contradicted', 'ignored'] as const) {
      if (state.claims[outcome] > counted[outcome]) claimsCounter.add(state.claims[outcome] - counted[outcome], { outcome });
      counted[outcome] = state.claims[outcome];
    }
    // Each upsert is a history event: only on a status change.
    if (published === state.status) return;
    published = state.status;
    upsertSearchAttributes([{ key: LIPSYNC_STATUS, value: state.status }]);
    log.info(STATUS_LOG_MESSAGE, { lipsyncId: state.lipsyncId, status: state.status, event: state.lastEvent });
  };
}

class RenderFlow {
  /** When the receiver took the delivery of the claim checked last (for the webhook-to-close metric). */
  private claimReceivedAt: string | null = null;

  constructor(
    private readonly tracker: Tracker,
    private readonly options: ResolvedTrackingOptions,
    private readonly publish: () => void,
    private readonly input: TrackRenderInput,
    /** False while replaying a run recorded before EXACTLY_ONCE_PATCH. */
    private readonly current: boolean,
  ) {}

  private get id(): string {
    return this.tracker.state.lipsyncId;
  }

  async run(): Promise<RenderResult> {
    const state = this.tracker.state;
    if (!state.renderAcceptedAt) {
      const { outcome, detectedBy } = await this.render();
      this.tracker.renderAccepted(outcome, new Date());
      this.publish();
      if (outcome.lipsync.terminal) return this.finish(outcome.lipsync, detectedBy);
    }

    this.phase('waiting-for-webhook');
    const webhookDeadline = Date.parse(state.renderAcceptedAt!) + this.options.webhookTimeout.ms;
    for (;;) {
      const remaining = webhookDeadline - Date.now();
      if (remaining <= 0 || !(await condition(() => this.tracker.hasClaim || historyTooLong(), remaining))) break;
      const checked = await this.checkClaim();
      if (checked.ended) return this.finish(checked.ended, 'webhook');
      // A claim with a URL that the API does not yet show: Creatify never re-sends, so poll from now on.
      if (checked.pollNow) break;
      await this.continueAsNewIfSuggested();
    }

    for (;;) {
      this.phase('polling');
      const polled = await this.pollUntilTerminalOrInterrupted();
      if (polled?.untouched) {
        const outcome = await this.rejudge();
        if (outcome.lipsync.terminal) return this.finish(outcome.lipsync, 'render-response');
        continue;
      }
      if (polled) return this.finish(polled.lipsync, 'poll');
      const checked = await this.checkClaim();
      if (checked.ended) return this.finish(checked.ended, 'webhook');
      await this.continueAsNewIfSuggested();
    }
  }

  /** Reads the record, then POSTs once unless the record already shows a render. */
  private async render(): Promise<{ outcome: RenderOutcome; detectedBy: Detection }> {
    const summary = `render lipsync ${this.id}`;
    if (!this.current) {
      return { outcome: await this.activity(() => api.renderLipsync.executeWithOptions({ summary }, [this.id])), detectedBy: 'render-response' };
    }
    const { snapshot, renderShown } = await this.activity(() => local.snapshotBeforeRender(this.id));
    this.tracker.preRenderRead(snapshot);
    if (renderShown) {
      return { outcome: { lipsync: snapshot, posted: false, evidence: `rendered before this job: ${renderShown}`, strength: 'strong' }, detectedBy: 'render-response' };
    }
    // While the POST is retried (its answer lost, Creatify failing), the render may be
    // done already: a claim of an end is confirmed meanwhile, and a confirmed end wins.
    const renderScope = new CancellationScope();
    const posting = renderScope.run(() => this.activity(() => api.renderLipsync.executeWithOptions({ summary }, [{ lipsyncId: this.id, before: snapshot }])));
    posting.catch(() => undefined);
    for (;;) {
      const claimScope = new CancellationScope();
      const claim = claimScope.run(() => condition(() => this.tracker.hasClaim));
      claim.catch(() => undefined);
      const first = await Promise.race([posting.then((outcome) => ({ outcome })), claim.then(() => null)]).finally(() => claimScope.cancel());
      if (first) return { outcome: first.outcome, detectedBy: 'render-response' };
      const { ended } = await this.checkClaim();
      if (ended) {
        renderScope.cancel();
        return { outcome: { lipsync: ended, posted: false, evidence: 'the API showed the end while the render POST was being retried', strength: 'strong' }, detectedBy: 'webhook' };
      }
    }
  }

  /** Self-healing: a render judged started never showed on the record, so judge (and maybe POST) again. */
  private async rejudge(): Promise<RenderOutcome> {
    this.phase('rendering');
    const outcome = await this.activity(() =>
      api.renderLipsync.executeWithOptions({ summary: `re-judge the render of ${this.id}` }, [
        { lipsyncId: this.id, before: this.tracker.state.preRender!, rejudge: true },
      ]),
    );
    this.tracker.rejudged(outcome);
    this.publish();
    return outcome;
  }

  /**
   * Resolves with the poll's outcome, or null when a webhook claim (or a history grown
   * long enough to continue as new) interrupted it.
   */
  private async pollUntilTerminalOrInterrupted(): Promise<PollOutcome | null> {
    const { preRender, rejudgements } = this.tracker.state;
    const stall = this.current && preRender && rejudgements < MAX_REJUDGEMENTS ? { before: preRender, afterAttempts: STALL_POLLS } : undefined;
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
    const claim = claimScope.run(() => condition(() => this.tracker.hasClaim || historyTooLong()));
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
  private async checkClaim(): Promise<{ ended?: LipsyncSnapshot; pollNow?: boolean }> {
    const claim = this.tracker.takeClaim();
    if (!claim) return {};
    this.claimReceivedAt = claim.hint.receivedAt;
    if (!this.options.confirmWebhook) {
      const trusted = this.tracker.trustClaim(claim);
      if (trusted) return { ended: trusted };
    }
    const previousPhase = this.tracker.state.phase;
    this.phase('confirming');
    const { gets, lipsync } = await this.confirm(claim);
    if (this.tracker.claimChecked(claim, gets, lipsync)) return { ended: lipsync! };
    // No end: back to where the workflow was.
    this.tracker.enterPhase(previousPhase);
    this.publish();
    return { pollNow: this.current && claim.kind === 'url' };
  }

  private async confirm(claim: PendingClaim): Promise<{ gets: number; lipsync: LipsyncSnapshot | null }> {
    const summary = `confirm webhook "${claim.hint.status ?? '(no status)'}" for ${this.id}`;
    if (!this.current) {
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
    tracker.finished(detectedBy, new Date());
    this.publish();
    const state = tracker.state;
    recordRenderEnded(lipsync.status, { detectedBy, creditsUsed: lipsync.creditsUsed, webhookReceivedAt: this.claimReceivedAt });
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

  private async activity<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      throw this.mapActivityError(err);
    }
  }

  /** A non-retryable Creatify error (auth, validation, not found, a refused render) ends tracking as an invalid request. */
  private mapActivityError(err: unknown): unknown {
    // A local activity's failure arrives as the ApplicationFailure itself, not wrapped.
    const cause = err instanceof ActivityFailure ? err.cause : err instanceof ApplicationFailure ? err : undefined;
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

function failure(type: FailureType, tracker: Tracker, message: string, cause?: string): ApplicationFailure {
  const details: FailureDetails = {
    lipsyncId: tracker.state.lipsyncId,
    status: tracker.state.status,
    failedReason: tracker.state.failedReason,
    ...(cause ? { cause } : {}),
  };
  return ApplicationFailure.create({ type, message, nonRetryable: true, details: [details] });
}
