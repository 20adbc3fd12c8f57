/**
 * The workflow's memory of one render and the only writer of it: events in, state out,
 * no Temporal calls, so the rules (status only moves forward, `done` needs an output,
 * a delivery is a hint that a GET confirms, claims cost a bounded number of GETs) can be
 * read and unit-tested in one place.
 */
import type { LipsyncSnapshot, PollOutcome, RenderOutcome } from '../contract/activities';
import type { ApiObservation } from '../contract/reconciler';
import { judgeRenderStarted } from '../creatify/render-judgement';
import { endUnderOtherName, isKnownStatus, isTerminal, isUnfinishedStatus, statusAsRead } from '../creatify/status';
import { normalizeLipsyncId } from '../contract/lipsync-id';
import type { ApprovalDecision, ApprovalState, CreditsCheck } from '../contract/approval-credits';
import { type CarriedState, type ClaimMemory, type Detection, type TrackedStatus, type TrackingPhase, type TrackingState, type WebhookHint } from '../contract/messages';

const RANK: Record<string, number> = {
  awaiting_approval: -1,
  rendering: 0,
  pending: 1,
  in_queue: 2,
  running: 3,
  done: 4,
  failed: 4,
  rejected: 4,
  timed_out: 5,
  cancelled: 5,
  invalid: 5,
  declined: 5,
  expired: 5,
  insufficient_credits: 5,
};

/**
 * GETs that deliveries may cause per job, whatever their number: a flood of forged
 * claims costs at most this many. A claim with a video URL (or `failed`/`rejected`, or
 * an unknown status) gets up to CONFIRM_BURST_GETS GETs, the first at once and then
 * 1 s, 2 s, 4 s, 4 s … apart, so an end reported before the API shows it closes within
 * seconds; a `done` without a URL (the preview's stale delivery) gets one GET, and
 * another such claim is taken up only NO_URL_RECHECK_MS later: the stale delivery and
 * its copies cost one GET, while a real end reported without a URL minutes later is
 * still checked.
 */
export const CLAIM_GET_BUDGET = 20;
export const CONFIRM_BURST_GETS = 8;
export const NO_URL_RECHECK_MS = 30_000;
/** A render judged started that shows no strong sign after this many reads (polls or the reconciler's) is re-judged… */
export const STALL_READS = 3;
/** …at most this many times per job. */
export const MAX_REJUDGEMENTS = 2;
/** Distinct claims remembered so that their duplicates cost nothing. */
const REMEMBERED_CLAIMS = 16;

export type ClaimKind = 'url' | 'no-url';

export interface PendingClaim {
  hint: WebhookHint;
  kind: ClaimKind;
  /** A webhook delivery, or a reconciler read that named an end without its details. */
  source: 'webhook' | 'reconciler';
  /** GETs this claim may spend. */
  maxGets: number;
}

export interface TrackerOptions {
  /**
   * Runs started before claims were re-checked: a `done` without output and unknown
   * statuses are ignored, and a claim costs one GET, as those runs' histories recorded.
   */
  legacyClaims?: boolean;
  /**
   * Asked once, when a status the docs do not name first comes (a delivery or the
   * reconciler's read): true lets this run learn such a status as a stage once the API
   * shows it not ended. The workflow answers with STAGES_PATCH (older histories checked
   * such a status as a claim every time, and must replay that).
   */
  learnStage?: () => boolean;
  /**
   * Asked once, when the reconciler's list leaves `output` out and shows a status the docs
   * do not name that this run has not learned: true checks it by a GET (LIST_STAGES_PATCH;
   * older histories learned it from the list).
   */
  checkListStages?: () => boolean;
  /** Asked when a stage delivery comes while awaiting approval: true keeps the status (APPROVAL_HOLDS_PATCH). */
  holdForApproval?: () => boolean;
}

export class Tracker {
  readonly state: TrackingState;
  private claim: PendingClaim | null = null;
  private readonly memory: ClaimMemory;
  /** An end the reconciler read on the API, waiting for the workflow to close on it. */
  private observedEnd: LipsyncSnapshot | null = null;
  /** The reconciler's reads since the last one that showed a render (strong evidence). */
  private untouchedReads: { count: number; since: number } | null = null;
  /** The answer of options.learnStage, once asked. */
  private stagesAllowed: boolean | undefined;
  /** The answer of options.checkListStages, once asked. */
  private checkListStages: boolean | undefined;

  constructor(lipsyncId: string, now: Date, carried?: CarriedState, private readonly options: TrackerOptions = {}) {
    const fresh: TrackingState = {
      lipsyncId,
      status: 'rendering',
      progress: 0,
      phase: 'rendering',
      renderPosted: null,
      renderEvidence: null,
      webhooksReceived: 0,
      webhooksIgnored: 0,
      polls: 0,
      confirmations: 0,
      observations: 0,
      lastObservedAt: null,
      claims: { confirmed: 0, contradicted: 0, ignored: 0 },
      preRender: null,
      renderPosts: 0,
      rejudgements: 0,
      startedAt: now.toISOString(),
      renderAcceptedAt: null,
      finishedAt: null,
      failedReason: null,
      output: null,
      lastEvent: 'tracking started',
    };
    // A state carried over by continue-as-new may come from an older version: fill what it lacks.
    const { claimMemory, ...state }: CarriedState = carried ?? fresh;
    this.state = { ...fresh, ...state, claims: { ...fresh.claims, ...state.claims } };
    this.memory = claimMemory ? { ...claimMemory, checked: [...claimMemory.checked], ...(claimMemory.stages ? { stages: [...claimMemory.stages] } : {}) } : { checked: [], getsSpent: 0 };
  }

  /** What continue-as-new carries: the state and the claim budget already spent. */
  carryOver(): CarriedState {
    return { ...this.state, claimMemory: { ...this.memory } };
  }

  get hasClaim(): boolean {
    return this.claim !== null;
  }

  get isFinished(): boolean {
    return (RANK[this.state.status] ?? 0) >= 4;
  }

  get endObserved(): LipsyncSnapshot | null {
    return this.observedEnd;
  }

  /**
   * What the fleet reconciler read on the API. An end is the truth (as a poll's would be);
   * a `done` without its URL (a list serializer may leave it out) is checked by one GET,
   * as a claim; anything else moves status and progress forward and feeds the stall watch.
   */
  apiObserved(observation: ApiObservation, now: Date): void {
    if (this.isFinished || this.observedEnd) return;
    const { lipsync } = observation;
    this.state.observations = (this.state.observations ?? 0) + 1;
    this.state.lastObservedAt = now.toISOString();
    if (lipsync.terminal) {
      this.observedEnd = lipsync;
      this.state.lastEvent = `reconciler: API shows ${lipsync.status}`;
      return;
    }
    if (!isUnfinishedStatus(lipsync.status) && this.state.renderAcceptedAt && !this.stageOnList(lipsync, observation.outputUnknown === true)) {
      const hint: WebhookHint = { id: lipsync.id, status: lipsync.status.toLowerCase(), failedReason: lipsync.failedReason, output: null, receivedAt: now.toISOString() };
      this.queueClaim(hint, 'no-url', now, 'reconciler');
    }
    // Progress only moves forward, so a list without it (read as 0) changes nothing.
    this.observe(lipsync);
    this.state.lastEvent = `reconciler: API shows ${lipsync.status}${observation.progressUnknown ? '' : ` ${Math.round(lipsync.progress * 100)}%`}`;
    const before = this.state.preRender;
    if (!before || !this.state.renderAcceptedAt) return;
    // A progress the list left out is no reading: it must not pass for "progress went down".
    const judged = judgeRenderStarted(before, observation.progressUnknown ? { ...lipsync, progress: before.progress } : lipsync);
    if (judged.started && judged.strength === 'strong') this.untouchedReads = null;
    else {
      this.untouchedReads ??= { count: 0, since: now.getTime() };
      this.untouchedReads.count++;
    }
  }

  /**
   * Self-healing on the reconciler's reads: STALL_READS of them, at least `minSpanMs`
   * apart in all, show no render since the snapshot. The re-judgement compares afresh
   * before any POST, so a false alarm costs GETs, never a second render.
   */
  stallSuspected(now: Date, minSpanMs: number): boolean {
    const reads = this.untouchedReads;
    if (!reads || this.state.rejudgements >= MAX_REJUDGEMENTS || this.stallOff) return false;
    return reads.count >= STALL_READS && now.getTime() - reads.since >= minSpanMs;
  }

  /** Hands the queued claim over for confirmation, reserving its GETs from the budget. */
  takeClaim(): PendingClaim | null {
    const claim = this.claim;
    this.claim = null;
    if (claim && !this.options.legacyClaims) {
      this.memory.getsSpent += claim.maxGets;
      if (claim.kind === 'url') {
        this.memory.checked.push(this.claimKey(claim));
        if (this.memory.checked.length > REMEMBERED_CLAIMS) this.memory.checked.shift();
      }
    }
    return claim;
  }

  /** A delivery: progress moves forward; a claim of an end is queued for confirmation, within budget. */
  receiveWebhook(hint: WebhookHint, now: Date): void {
    this.state.webhooksReceived++;
    const status = hint.status;
    if (normalizeLipsyncId(hint.id) !== this.state.lipsyncId || this.isFinished) return this.ignore(`webhook ignored (${describeStatus(status)})`);
    if (status !== null && isUnfinishedStatus(status)) return this.progressHint(status as TrackedStatus, hint.progress);
    if (status !== null && this.knowsStage(status)) return this.stageHint(status, hint.progress);
    const kind: ClaimKind = status === 'done' && !hint.output ? 'no-url' : 'url';
    if (this.options.legacyClaims && !(status === 'failed' || status === 'rejected' || (status === 'done' && hint.output))) {
      return this.ignore(status === 'done' ? 'stale webhook ignored (done without output)' : `webhook with unknown status "${status}" ignored`);
    }
    // Asked here, in the task that took the delivery, not after the GET that answers the
    // claim: a patch asked right after a local activity's result can fall into another
    // workflow task on replay than it did live, which replay reports as nondeterminism.
    if (status !== null && mayBeStage(status, hint.output, hint.failedReason)) this.mayLearnStages();
    this.queueClaim(hint, kind, now);
  }

  private progressHint(status: TrackedStatus, progress: number | null | undefined): void {
    // Nothing of ours renders before a person approves: this is the preview's own run.
    if (this.state.status === 'awaiting_approval' && this.options.holdForApproval?.()) return this.ignore(`webhook ignored while awaiting approval (${status}: the preview's)`);
    const moved = this.moveTo(status);
    if ((moved || status === this.state.status) && typeof progress === 'number') this.advanceProgress(progress);
    this.state.lastEvent = moved ? `webhook: ${status}` : `out-of-order webhook ignored (${status})`;
    if (!moved) this.state.webhooksIgnored++;
  }

  /** A delivery of a stage the API showed under a name the docs do not list: its progress counts, as a documented stage's would. */
  private stageHint(status: string, progress: number | null | undefined): void {
    if (this.state.renderAcceptedAt && typeof progress === 'number') this.advanceProgress(progress);
    this.state.lastEvent = `webhook: ${describeStatus(status)}`;
  }

  /**
   * Whether the API's read shows a status the docs do not name as a stage this run knows
   * (or may now learn): not ended, and not a documented name. A learned stage is never
   * again a claim of an end: the API, the only truth, has shown what it is.
   */
  private learnedStage(lipsync: LipsyncSnapshot, mayAsk = true): boolean {
    const status = lipsync.status.toLowerCase();
    if (lipsync.terminal || this.options.legacyClaims || !mayBeStage(status, lipsync.output, lipsync.failedReason)) return false;
    if (this.knowsStage(status)) return true;
    if (!(mayAsk ? this.mayLearnStages() : this.stagesAllowed)) return false;
    (this.memory.stages ??= []).push(status);
    return true;
  }

  /**
   * learnedStage for the reconciler's read. A list that leaves `output` out cannot show
   * that a status the docs do not name is not an end (`succeeded`, its URL left out):
   * only a stage already learned counts, and a new word is checked by the claim's GET
   * (which may learn it; the patch that allows that is asked here, in this task).
   */
  private stageOnList(lipsync: LipsyncSnapshot, outputUnknown: boolean): boolean {
    if (!outputUnknown || lipsync.terminal || this.options.legacyClaims || this.knowsStage(lipsync.status)) return this.learnedStage(lipsync);
    if (!mayBeStage(lipsync.status.toLowerCase(), lipsync.output, lipsync.failedReason)) return false;
    this.checkListStages ??= this.options.checkListStages?.() ?? false;
    if (!this.checkListStages) return this.learnedStage(lipsync);
    // The claim's GET decides (claimChecked learns it when the API shows it there too, not ended).
    this.mayLearnStages();
    return false;
  }

  private knowsStage(status: string): boolean {
    return this.memory.stages?.includes(status.toLowerCase()) ?? false;
  }

  private mayLearnStages(): boolean {
    if (this.options.legacyClaims) return false;
    this.stagesAllowed ??= this.options.learnStage?.() ?? false;
    return this.stagesAllowed;
  }

  /**
   * A claim whose first GET shows the API at the very status the delivery named, one the
   * docs do not list, and not ended: the delivery told a stage, not an end ahead of the
   * API, so there is nothing to re-check. True when this run learned it; never asks
   * learnStage (asked when the delivery came: see receiveWebhook).
   */
  claimIsStage(claim: PendingClaim, lipsync: LipsyncSnapshot): boolean {
    return claim.hint.status === lipsync.status.toLowerCase() && this.learnedStage(lipsync, false);
  }

  private queueClaim(hint: WebhookHint, kind: ClaimKind, now: Date, source: PendingClaim['source'] = 'webhook'): void {
    const what = `${describeStatus(hint.status)}${hint.output ? ' with a URL' : ''}`;
    if (this.options.legacyClaims) {
      this.claim = { hint, kind, maxGets: 1, source };
      this.state.lastEvent = `webhook claims ${what}`;
      return;
    }
    const key = kind === 'no-url' ? 'done (no url)' : `${hint.status ?? ''} ${hint.output ?? ''}`;
    const remaining = CLAIM_GET_BUDGET - this.memory.getsSpent;
    const lastNoUrl = this.memory.noUrlCheckedAt ? Date.parse(this.memory.noUrlCheckedAt) : -Infinity;
    const seen = kind === 'no-url' ? now.getTime() - lastNoUrl < NO_URL_RECHECK_MS : this.memory.checked.includes(key);
    if (seen || (this.claim && this.claimKey(this.claim) === key)) {
      return this.ignoreClaim(`duplicate claim of ${what} ignored`);
    }
    if (remaining <= 0) return this.ignoreClaim(`claim of ${what} ignored: this job's ${CLAIM_GET_BUDGET} confirmation GETs are spent`);
    // A claim with a URL outranks one without: it is the likelier real end.
    if (this.claim && this.claim.kind === 'url' && kind === 'no-url') return this.ignoreClaim(`claim of ${what} ignored (a stronger one is queued)`);
    if (this.claim) this.state.claims.ignored++;
    const maxGets = Math.min(remaining, kind === 'no-url' ? 1 : CONFIRM_BURST_GETS);
    if (kind === 'no-url') this.memory.noUrlCheckedAt = now.toISOString();
    this.claim = { hint, kind, maxGets, source };
    this.state.lastEvent = `webhook claims ${what}`;
  }

  private claimKey(claim: PendingClaim): string {
    return claim.kind === 'no-url' ? 'done (no url)' : `${claim.hint.status ?? ''} ${claim.hint.output ?? ''}`;
  }

  /**
   * The API's answer to a claim (lipsync null: no answer, Creatify kept failing). Returns
   * true when it confirms an end.
   */
  claimChecked(claim: PendingClaim, gets: number, lipsync: LipsyncSnapshot | null): boolean {
    this.state.confirmations += gets;
    // Give back what the confirmation reserved but did not use.
    if (!this.options.legacyClaims) this.memory.getsSpent -= claim.maxGets - Math.min(gets, claim.maxGets);
    if (lipsync) this.observe(lipsync);
    if (lipsync?.terminal) {
      this.state.claims.confirmed++;
      return true;
    }
    this.state.claims.contradicted++;
    // The reconciler's read of a status the docs do not name, its list without `output`: learned when the GET shows it too, not ended.
    if (lipsync && claim.source === 'reconciler' && this.checkListStages === true) this.claimIsStage(claim, lipsync);
    if (lipsync && claim.hint.status === lipsync.status.toLowerCase() && this.knowsStage(lipsync.status)) {
      this.state.lastEvent = `"${describeStatus(claim.hint.status)}" is a stage, not an end: the API shows it too`;
      return false;
    }
    const says = lipsync ? `API says ${lipsync.status}` : 'API did not answer';
    this.state.lastEvent = `webhook claimed ${describeStatus(claim.hint.status)}, ${says} after ${gets} GET(s): not trusted`;
    return false;
  }

  /**
   * A claim taken on trust (confirmWebhook: false): only one with a URL, or failed/rejected
   * (under those names or another word for them, read as an API answer is), ends the job.
   */
  trustClaim(claim: PendingClaim): LipsyncSnapshot | null {
    const { hint } = claim;
    if (hint.status === null) return null;
    const status = statusAsRead({ status: hint.status, output: hint.output, failed_reason: hint.failedReason });
    if (!isTerminal({ status, output: hint.output })) return null;
    const trusted: LipsyncSnapshot = {
      id: hint.id, status, progress: 1, terminal: true, output: hint.output, thumbnail: null,
      failedReason: hint.failedReason, mediaJob: null, creditsUsed: null, duration: null, updatedAt: null,
    };
    this.state.claims.confirmed++;
    this.observe(trusted);
    return trusted;
  }

  /** Held until a person decides: a render started with approval, or one over budget that may be approved anyway. */
  awaitApproval(approval: ApprovalState, why = 'awaiting approval'): void {
    this.state.status = 'awaiting_approval';
    this.state.approval = approval;
    this.state.lastEvent = why;
  }

  approvalDecided(decision: ApprovalDecision, now: Date): void {
    const approval = this.state.approval!;
    approval.decision = decision.approve ? 'approved' : 'rejected';
    approval.decidedAt = now.toISOString();
    approval.reason = decision.reason ?? null;
    approval.by = decision.by ?? null;
    const who = decision.by ? ` by ${decision.by}` : '';
    if (decision.approve) {
      this.moveTo('rendering');
      this.state.lastEvent = `approved${who}`;
    } else {
      this.end('declined', `rejected${who}: ${decision.reason ?? ''}`);
    }
  }

  approvalExpired(now: Date): void {
    this.state.approval!.decision = 'expired';
    this.state.approval!.decidedAt = now.toISOString();
    this.end('expired', 'no approval decision in time: nothing paid');
  }

  /** The credits check before the render POST; one that does not fit ends the job unless a person is to be asked. */
  creditsChecked(check: CreditsCheck, options: { askIfOver?: boolean } = {}): void {
    this.state.credits = { ...check, used: null, detectedBy: null };
    if (check.fits || options.askIfOver) this.state.lastEvent = `credits check: ${check.reason}`;
    else this.end('insufficient_credits', `insufficient credits: ${check.reason}`);
  }

  /** What the ended render used, for the ledger (runs that checked credits only). */
  creditsSettled(used: number | null, detectedBy: Detection): void {
    if (!this.state.credits) return;
    this.state.credits.used = used;
    this.state.credits.detectedBy = detectedBy;
  }

  preRenderRead(snapshot: LipsyncSnapshot, reconciler = false): void {
    this.state.preRender = snapshot;
    if (reconciler) this.state.reconciler = true;
    this.state.lastEvent = `read before render: ${snapshot.status}`;
  }

  renderAccepted(outcome: RenderOutcome, now: Date): void {
    this.state.renderPosted = outcome.posted;
    this.state.renderEvidence = outcome.evidence;
    if (outcome.posted) this.state.renderPosts++;
    this.state.renderAcceptedAt ??= now.toISOString();
    this.state.lastEvent = outcome.posted ? 'render accepted' : `render already started (${outcome.evidence})`;
    this.observe(outcome.lipsync);
  }

  /** No stall watch: the render Creatify accepted stands, however late it shows (carried over continue-as-new). */
  get stallOff(): boolean {
    return this.memory.postedRenderStands === true;
  }

  /** The stall watch fired on a render Creatify accepted with a 200: it stands, and is awaited. */
  stallDismissed(): void {
    this.memory.postedRenderStands = true;
    this.untouchedReads = null;
    this.state.lastEvent = 'render accepted by Creatify but not on the record yet: awaited, not POSTed again';
  }

  /** A render judged started showed nothing on the record for several polls: judged again. */
  rejudged(outcome: RenderOutcome): void {
    this.state.rejudgements++;
    this.untouchedReads = null;
    this.state.renderPosted = outcome.posted;
    this.state.renderEvidence = outcome.evidence;
    if (outcome.posted) this.state.renderPosts++;
    this.observe(outcome.lipsync);
    this.state.lastEvent = outcome.posted
      ? 'render never showed on the record: re-judged and POSTed again'
      : `render re-judged: started after all (${outcome.evidence})`;
  }

  polled(outcome: PollOutcome): void {
    this.state.polls += outcome.attempts;
    this.observe(outcome.lipsync);
    if (outcome.untouched) this.state.lastEvent = `record shows no render after ${outcome.attempts} polls`;
  }

  /** An answer from Creatify's API: the truth, but still only forward. */
  observe(lipsync: LipsyncSnapshot): void {
    if (lipsync.terminal) {
      this.state.output = lipsync.output;
      this.state.failedReason = lipsync.failedReason;
      this.moveTo(lipsync.status as TrackedStatus);
    } else if (isUnfinishedStatus(lipsync.status)) {
      if (this.moveTo(lipsync.status as TrackedStatus) || lipsync.status === this.state.status) this.advanceProgress(lipsync.progress);
    } else if (!isKnownStatus(lipsync.status) && this.state.renderAcceptedAt && !this.isFinished) {
      // A stage the docs do not name (`processing`, §5): no rank to move the status to,
      // but the API's progress is still a reading, and `render --wait` should show it.
      this.advanceProgress(lipsync.progress);
    }
  }

  /**
   * Progress before the end only moves forward, and a reading of exactly 100 % moves it
   * not at all: on a 0–100 scale (creatify-api.md §3.6 [U]) a wire `1` is 1 %, which
   * taken for 100 % would show a finished bar for the rest of the render. On a 0–1 scale
   * the end comes moments later and sets it.
   */
  private advanceProgress(progress: number): void {
    if (progress < 1) this.state.progress = Math.max(this.state.progress, progress);
  }

  enterPhase(phase: TrackingPhase): void {
    this.state.phase = phase;
  }

  finished(detectedBy: Detection, now: Date): void {
    this.state.phase = 'finished';
    this.state.finishedAt = now.toISOString();
    this.state.lastEvent = `detected by ${detectedBy}`;
  }

  /** Our own ends: timed out, cancelled, invalid. */
  end(status: TrackedStatus, event: string): void {
    this.moveTo(status);
    this.state.lastEvent = event;
    this.state.phase = 'finished';
  }

  continuedAsNew(historyLength: number): void {
    this.state.lastEvent = `continued as new after ${historyLength} history events`;
  }

  private moveTo(status: TrackedStatus): boolean {
    if ((RANK[status] ?? -1) <= (RANK[this.state.status] ?? 0)) return false;
    this.state.status = status;
    if (status === 'done') this.state.progress = 1;
    return true;
  }

  private ignore(event: string): void {
    this.state.webhooksIgnored++;
    this.state.lastEvent = event;
  }

  private ignoreClaim(event: string): void {
    this.state.claims.ignored++;
    this.ignore(event);
  }
}

/**
 * Whether a status may be a stage the docs do not name: not a documented one, and not an
 * end under another word (a video or a failure on it: endUnderOtherName).
 */
function mayBeStage(status: string, output: string | null, failedReason: string | null): boolean {
  return !isKnownStatus(status) && endUnderOtherName({ status, output, failed_reason: failedReason }) === null;
}

function describeStatus(status: string | null): string {
  return (status ?? '(no status)').slice(0, 40);
}
