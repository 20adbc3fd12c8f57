/**
 * Tracks one Creatify render from the POST to its end: render once, wait for the
 * webhook (a hint, confirmed by one GET), else poll with backoff, all under a deadline.
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
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { msToNumber } from '@temporalio/common/lib/time';
import type { createActivities } from '../activities';
import type { LipsyncSnapshot, PollOutcome } from '../activities/types';
import { INVALID_REQUEST_FAILURES } from '../activities/types';
import {
  DEFAULT_TRACKING_OPTIONS,
  FailureType,
  LIPSYNC_STATUS,
  STATUS_LOG_MESSAGE,
  statusQuery,
  webhookSignal,
  type Detection,
  type FailureDetails,
  type RenderResult,
  type TrackingOptions,
  type TrackRenderInput,
} from './messages';
import { DeadlinePassed, withDeadline } from './deadline';
import { describeState } from './describe';
import { Tracker } from './tracker';

type Activities = ReturnType<typeof createActivities>;

const api = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    nonRetryableErrorTypes: [...INVALID_REQUEST_FAILURES],
  },
});

export async function trackLipsyncRender(input: TrackRenderInput): Promise<RenderResult> {
  const options = withDefaults(input.options);
  const tracker = new Tracker(input.lipsyncId, new Date(), input.carriedOver);
  // Search attribute and log line only on a status change: each upsert is a history event.
  let published: string | null = null;
  const publish = () => {
    setCurrentDetails(describeState(tracker.state));
    if (published === tracker.state.status) return;
    published = tracker.state.status;
    upsertSearchAttributes([{ key: LIPSYNC_STATUS, value: tracker.state.status }]);
    log.info(STATUS_LOG_MESSAGE, { lipsyncId: tracker.state.lipsyncId, status: tracker.state.status, event: tracker.state.lastEvent });
  };
  setHandler(statusQuery, () => tracker.state);
  setHandler(webhookSignal, (hint) => {
    tracker.receiveWebhook(hint);
    publish();
  });
  publish();

  const elapsed = Date.now() - Date.parse(tracker.state.startedAt);
  const flow = new RenderFlow(tracker, options, publish, input);
  try {
    return await withDeadline(msToNumber(options.deadline) - elapsed, () => flow.run());
  } catch (err) {
    if (err instanceof DeadlinePassed) {
      tracker.end('timed_out', `deadline of ${options.deadline} passed`);
      publish();
      throw failure(FailureType.DeadlineExceeded, tracker, `lipsync ${input.lipsyncId} not finished within ${options.deadline}`);
    }
    if (isCancellation(err)) {
      tracker.end('cancelled', 'tracking cancelled');
      publish();
    }
    throw err;
  }
}

class RenderFlow {
  constructor(
    private readonly tracker: Tracker,
    private readonly options: Required<TrackingOptions>,
    private readonly publish: () => void,
    private readonly input: TrackRenderInput,
  ) {}

  private get id(): string {
    return this.tracker.state.lipsyncId;
  }

  async run(): Promise<RenderResult> {
    const state = this.tracker.state;
    if (!state.renderAcceptedAt) {
      const outcome = await this.activity(() =>
        api.renderLipsync.executeWithOptions({ summary: `render lipsync ${this.id}` }, [this.id]),
      );
      this.tracker.renderAccepted(outcome, new Date());
      this.publish();
      if (outcome.lipsync.terminal) return this.finish(outcome.lipsync, 'render-response');
    }

    this.phase('waiting-for-webhook');
    const webhookDeadline = Date.parse(state.renderAcceptedAt!) + msToNumber(this.options.webhookTimeout);
    for (;;) {
      const remaining = webhookDeadline - Date.now();
      if (remaining <= 0 || !(await condition(() => this.tracker.hasClaim || historyTooLong(), remaining))) break;
      const confirmed = await this.confirmClaim();
      if (confirmed) return this.finish(confirmed, 'webhook');
      await this.continueAsNewIfSuggested();
    }

    for (;;) {
      this.phase('polling');
      const polled = await this.pollUntilTerminalOrInterrupted();
      if (polled) return this.finish(polled, 'poll');
      const confirmed = await this.confirmClaim();
      if (confirmed) return this.finish(confirmed, 'webhook');
      await this.continueAsNewIfSuggested();
    }
  }

  /**
   * Resolves with the terminal lipsync, or null when a webhook claim (or a history grown
   * long enough to continue as new) interrupted the poll.
   */
  private async pollUntilTerminalOrInterrupted(): Promise<LipsyncSnapshot | null> {
    const pollScope = new CancellationScope();
    const poll = pollScope.run(() =>
      proxyActivities<Activities>({
        startToCloseTimeout: '1 minute',
        retry: {
          initialInterval: this.options.pollInitialInterval,
          backoffCoefficient: 2,
          maximumInterval: this.options.pollMaxInterval,
          nonRetryableErrorTypes: [...INVALID_REQUEST_FAILURES],
        },
      }).pollUntilTerminal.executeWithOptions({ summary: `poll lipsync ${this.id} until it ends` }, [
        {
          lipsyncId: this.id,
          initialIntervalMs: msToNumber(this.options.pollInitialInterval),
          maxIntervalMs: msToNumber(this.options.pollMaxInterval),
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
      return this.pollDone(first.outcome);
    }
    // A webhook claims the end: stop the poll now (the server cancels a retry wait at once).
    pollScope.cancel();
    return null;
  }

  private pollDone(outcome: PollOutcome): LipsyncSnapshot {
    this.tracker.state.polls += outcome.attempts;
    this.tracker.observe(outcome.lipsync);
    this.publish();
    return outcome.lipsync;
  }

  /** A terminal webhook is confirmed by one GET (unless trusted); null when the API disagrees. */
  private async confirmClaim(): Promise<LipsyncSnapshot | null> {
    const hint = this.tracker.takeClaim();
    if (!hint) return null;
    if (!this.options.confirmWebhook) {
      const trusted: LipsyncSnapshot = {
        id: hint.id, status: hint.status, progress: 1, terminal: true, output: hint.output,
        thumbnail: null, failedReason: hint.failedReason, creditsUsed: null, duration: null,
      };
      this.tracker.observe(trusted);
      this.publish();
      return trusted;
    }
    const previousPhase = this.tracker.state.phase;
    this.phase('confirming');
    const lipsync = await this.activity(() =>
      api.fetchLipsyncStatus.executeWithOptions(
        { summary: `confirm webhook "${hint.status}" for ${this.id}` },
        [this.id],
      ),
    );
    this.tracker.state.confirmations++;
    this.tracker.observe(lipsync);
    if (lipsync.terminal) return lipsync;
    this.tracker.state.lastEvent = `webhook claimed ${hint.status}, API says ${lipsync.status}: not trusted`;
    this.tracker.state.phase = previousPhase;
    this.publish();
    return null;
  }

  private finish(lipsync: LipsyncSnapshot, detectedBy: Detection): RenderResult {
    const state = this.tracker.state;
    state.phase = 'finished';
    state.finishedAt = new Date().toISOString();
    state.lastEvent = `detected by ${detectedBy}`;
    this.publish();
    if (lipsync.status === 'failed' || lipsync.status === 'rejected') {
      const type = lipsync.status === 'failed' ? FailureType.RenderFailed : FailureType.RenderRejected;
      throw failure(type, this.tracker, `lipsync ${this.id} ${lipsync.status}: ${lipsync.failedReason ?? 'no reason given'}`);
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
        finishedAt: state.finishedAt,
        totalMs: Date.parse(state.finishedAt) - Date.parse(state.startedAt),
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

  /** A non-retryable Creatify error (auth, validation, not found) ends tracking as an invalid request. */
  private mapActivityError(err: unknown): unknown {
    const cause = err instanceof ActivityFailure ? err.cause : undefined;
    if (cause instanceof ApplicationFailure && cause.type && INVALID_REQUEST_FAILURES.includes(cause.type)) {
      this.tracker.end('invalid', cause.message);
      this.publish();
      return failure(FailureType.InvalidRequest, this.tracker, cause.message, cause.type);
    }
    return err;
  }

  private phase(phase: typeof this.tracker.state.phase): void {
    this.tracker.state.phase = phase;
    this.publish();
  }

  /** Every delivery is a history event; a flood of them must not grow one run without bound. */
  private async continueAsNewIfSuggested(): Promise<void> {
    if (!historyTooLong() || this.tracker.hasClaim) return;
    this.tracker.state.lastEvent = `continued as new after ${workflowInfo().historyLength} history events`;
    await condition(allHandlersFinished);
    await continueAsNew<typeof trackLipsyncRender>({ ...this.input, carriedOver: this.tracker.state });
  }
}

/**
 * Clients validate options, but a start from elsewhere (the Web UI, another SDK) must not
 * wedge the workflow: Temporal rejects a retry policy whose maximum is below its initial
 * interval, which would fail the workflow task forever.
 */
function withDefaults(options: TrackingOptions = {}): Required<TrackingOptions> {
  const merged: Required<TrackingOptions> = { ...DEFAULT_TRACKING_OPTIONS, ...options };
  if (msToNumber(merged.pollMaxInterval) < msToNumber(merged.pollInitialInterval)) {
    merged.pollMaxInterval = merged.pollInitialInterval;
  }
  return merged;
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
