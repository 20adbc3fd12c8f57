import type { LipsyncSnapshot } from '../../src/contract/activities';
import { pollDelayMs } from '../../src/activities/backoff';
import type { WebhookHint } from '../../src/contract/messages';
import { CLAIM_GET_BUDGET, CONFIRM_BURST_GETS, NO_URL_RECHECK_MS, Tracker } from '../../src/workflows/tracker';

const ID = '3c90c3cc-0d44-4b50-8888-8dd25736052a';
const URL = 'https://x/y.mp4';
const T0 = new Date('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const hint = (status: string | null, extra: Partial<WebhookHint> = {}): WebhookHint => ({
  id: ID, status, failedReason: null, output: null, receivedAt: '2026-01-01T00:00:00Z', ...extra,
});
const snapshot = (status: string, extra: Partial<LipsyncSnapshot> = {}): LipsyncSnapshot => ({
  id: ID, status, progress: 0, terminal: false, output: null, thumbnail: null, failedReason: null,
  mediaJob: null, creditsUsed: null, duration: null, updatedAt: null, ...extra,
});

describe('Tracker', () => {
  const fresh = (legacyClaims = false) => new Tracker(ID, new Date('2026-01-01T00:00:00Z'), undefined, { legacyClaims });

  test('status only moves forward; progress from a delivery counts', () => {
    const t = fresh();
    t.receiveWebhook(hint('running', { progress: 0.4 }), T0);
    t.receiveWebhook(hint('pending'), T0);
    t.observe(snapshot('in_queue'));
    expect(t.state.status).toBe('running');
    expect(t.state.progress).toBe(0.4);
    expect(t.state.webhooksIgnored).toBe(1);
  });

  test('a reading of exactly 100 % before the end (a wire 1 on a 0–100 scale: 1 %) leaves progress where it was; the end sets it', () => {
    const t = fresh();
    t.renderAccepted({ lipsync: snapshot('pending'), posted: true, evidence: 'render POST accepted' }, T0);
    t.receiveWebhook(hint('running', { progress: 1 }), at(1));
    expect(t.state).toMatchObject({ status: 'running', progress: 0 });
    t.polled({ lipsync: snapshot('running', { progress: 1 }), attempts: 1 });
    t.apiObserved({ lipsync: snapshot('running', { progress: 1 }), observedAt: at(2).toISOString() }, at(2));
    expect(t.state.progress).toBe(0);
    t.observe(snapshot('running', { progress: 0.05 }));
    expect(t.state.progress).toBe(0.05);
    t.observe(snapshot('done', { terminal: true, output: URL, progress: 1 }));
    expect(t.state).toMatchObject({ status: 'done', progress: 1 });
  });

  test.each<[string, WebhookHint, 'url' | 'no-url', number]>([
    ['done with a URL', hint('done', { output: URL }), 'url', CONFIRM_BURST_GETS],
    ['failed', hint('failed', { failedReason: 'r' }), 'url', CONFIRM_BURST_GETS],
    ['rejected', hint('rejected'), 'url', CONFIRM_BURST_GETS],
    ['an unknown status (completed)', hint('completed'), 'url', CONFIRM_BURST_GETS],
    ['an unknown status (error)', hint('error'), 'url', CONFIRM_BURST_GETS],
    ['no status at all', hint(null), 'url', CONFIRM_BURST_GETS],
    ['done without a URL (the stale preview delivery)', hint('done'), 'no-url', 1],
  ])('%s is a claim to confirm, not a status change', (_label, h, kind, maxGets) => {
    const t = fresh();
    t.receiveWebhook(h, T0);
    expect(t.state.status).toBe('rendering');
    expect(t.takeClaim()).toEqual({ hint: h, kind, maxGets, source: 'webhook' });
    expect(t.hasClaim).toBe(false);
  });

  test('a stale done costs one GET per job, however often it comes', () => {
    const t = fresh();
    t.receiveWebhook(hint('done'), T0);
    const claim = t.takeClaim()!;
    expect(t.claimChecked(claim, 1, snapshot('running'))).toBe(false);
    for (let i = 0; i < 5; i++) t.receiveWebhook(hint('done'), T0);
    expect(t.hasClaim).toBe(false);
    expect(t.state.claims).toEqual({ confirmed: 0, contradicted: 1, ignored: 5 });
  });

  test('a done without a URL minutes after the stale one is checked again (a real end reported without its URL)', () => {
    const t = fresh();
    t.receiveWebhook(hint('done'), T0);
    t.claimChecked(t.takeClaim()!, 1, snapshot('pending'));
    t.receiveWebhook(hint('done'), at(NO_URL_RECHECK_MS - 1));
    expect(t.hasClaim).toBe(false);
    t.receiveWebhook(hint('done'), at(4 * 60_000));
    expect(t.takeClaim()).toMatchObject({ kind: 'no-url', maxGets: 1 });
  });

  test('a flood of forged claims costs at most CLAIM_GET_BUDGET GETs', () => {
    const t = fresh();
    let gets = 0;
    for (let i = 0; i < 100; i++) {
      t.receiveWebhook(hint('done', { output: `https://forged.example/${i}.mp4` }), T0);
      const claim = t.takeClaim();
      if (!claim) continue;
      gets += claim.maxGets;
      t.claimChecked(claim, claim.maxGets, snapshot('running'));
    }
    expect(gets).toBe(CLAIM_GET_BUDGET);
    expect(t.state.confirmations).toBe(CLAIM_GET_BUDGET);
    expect(t.state.claims.ignored).toBeGreaterThan(90);
  });

  test('duplicates of a queued claim are merged; a claim with a URL outranks one without', () => {
    const t = fresh();
    t.receiveWebhook(hint('done'), T0);
    t.receiveWebhook(hint('done', { output: URL }), T0);
    t.receiveWebhook(hint('done', { output: URL }), T0);
    t.receiveWebhook(hint('done'), T0);
    expect(t.takeClaim()).toMatchObject({ kind: 'url' });
    expect(t.state.claims.ignored).toBe(3);
  });

  test('a confirmed claim ends; a contradicted one is counted and says why', () => {
    const t = fresh();
    t.receiveWebhook(hint('done', { output: URL }), T0);
    const claim = t.takeClaim()!;
    expect(t.claimChecked(claim, 3, snapshot('running', { progress: 0.5 }))).toBe(false);
    expect(t.state.lastEvent).toMatch(/API says running after 3 GET/);
    t.receiveWebhook(hint('done', { output: URL }), T0);
    expect(t.hasClaim).toBe(false); // the same claim was already checked
    t.receiveWebhook(hint('failed'), T0);
    expect(t.claimChecked(t.takeClaim()!, 1, snapshot('failed', { terminal: true, failedReason: 'r' }))).toBe(true);
    expect(t.state).toMatchObject({ status: 'failed', failedReason: 'r', confirmations: 4, claims: { confirmed: 1, contradicted: 1, ignored: 1 } });
  });

  test('legacy runs ignore a done without output and unknown statuses, as their histories did', () => {
    const t = fresh(true);
    t.receiveWebhook(hint('done'), T0);
    t.receiveWebhook(hint('processing'), T0);
    expect(t.hasClaim).toBe(false);
    expect(t.state.webhooksIgnored).toBe(2);
    t.receiveWebhook(hint('done', { output: URL }), T0);
    expect(t.takeClaim()).toMatchObject({ maxGets: 1 });
  });

  test('other ids are ignored; an upper-case id is the same lipsync', () => {
    const t = fresh();
    t.receiveWebhook({ ...hint('running'), id: '00000000-0000-4000-8000-000000000000' }, T0);
    t.receiveWebhook({ ...hint('running'), id: ID.toUpperCase() }, T0);
    expect(t.state.status).toBe('running');
    expect(t.state.webhooksIgnored).toBe(1);
  });

  test('a stage the docs do not name (processing) shows its progress once the render is accepted, never its status', () => {
    const t = fresh();
    // Before the render, a progress belongs to the preview, not to this job.
    t.observe(snapshot('processing', { progress: 0.3 }));
    expect(t.state.progress).toBe(0);
    t.renderAccepted({ lipsync: snapshot('processing', { progress: 0.1 }), posted: true, evidence: 'render POST accepted' }, T0);
    t.polled({ lipsync: snapshot('processing', { progress: 0.6 }), attempts: 1 });
    t.observe(snapshot('processing', { progress: 0.4 }));
    expect(t.state).toMatchObject({ status: 'rendering', progress: 0.6 });
    t.observe(snapshot('done', { terminal: true, output: URL, progress: 1 }));
    t.observe(snapshot('processing', { progress: 0.2 }));
    expect(t.state).toMatchObject({ status: 'done', progress: 1 });
  });

  test.each([
    [true, 'awaiting_approval', 1],
    [false, 'pending', 0],
  ] as const)('a stage delivery while awaiting approval (the preview\'s own run) leaves the status when the run may hold it (%p)', (hold, status, ignored) => {
    const t = new Tracker(ID, T0, undefined, { holdForApproval: () => hold });
    t.awaitApproval({ preview: null, expiresAt: at(60_000).toISOString(), decision: null, decidedAt: null, reason: null, by: null });
    t.receiveWebhook(hint('pending'), at(1));
    expect(t.state.status).toBe(status);
    expect(t.state.webhooksIgnored).toBe(ignored);
    t.approvalDecided({ approve: true }, at(2));
    t.receiveWebhook(hint('pending'), at(3));
    expect(t.state.status).toBe('pending');
  });

  describe('a status the docs do not name, shown by the API as not ended (processing)', () => {
    const accepted = (learn: boolean) => {
      const asked: string[] = [];
      const t = new Tracker(ID, T0, undefined, { learnStage: () => (asked.push('asked'), learn) });
      t.renderAccepted({ lipsync: snapshot('pending'), posted: true, evidence: 'render POST accepted' }, T0);
      return { t, asked };
    };

    test('a delivery of it whose first GET shows it too is a stage: learned once, then its deliveries are progress, not claims', () => {
      const { t, asked } = accepted(true);
      t.receiveWebhook(hint('processing', { progress: 0.2 }), at(1));
      // Asked when the delivery came, in the task that took it, not after the GET.
      expect(asked).toHaveLength(1);
      const claim = t.takeClaim()!;
      expect(t.claimIsStage(claim, snapshot('processing', { progress: 0.3 }))).toBe(true);
      expect(t.claimChecked(claim, 1, snapshot('processing', { progress: 0.3 }))).toBe(false);
      expect(t.state.lastEvent).toBe('"processing" is a stage, not an end: the API shows it too');
      t.receiveWebhook(hint('processing', { progress: 0.7 }), at(2));
      expect(t.hasClaim).toBe(false);
      expect(t.state).toMatchObject({ progress: 0.7, status: 'pending', lastEvent: 'webhook: processing' });
      // The reconciler's read of it is no claim either; the run asked only once.
      t.apiObserved({ lipsync: snapshot('processing', { progress: 0.8 }), observedAt: at(3).toISOString() }, at(3));
      expect(t.hasClaim).toBe(false);
      expect(t.state.progress).toBe(0.8);
      expect(asked).toHaveLength(1);
      // It travels with continue-as-new.
      const next = new Tracker(ID, T0, t.carryOver(), { learnStage: () => false });
      next.receiveWebhook(hint('processing', { progress: 0.9 }), at(4));
      expect(next.hasClaim).toBe(false);
    });

    test('learned from the reconciler\'s read alone: no claim, no GET', () => {
      const { t, asked } = accepted(true);
      t.apiObserved({ lipsync: snapshot('processing', { progress: 0.4 }), observedAt: at(1).toISOString() }, at(1));
      expect(t.hasClaim).toBe(false);
      expect(asked).toHaveLength(1);
      t.receiveWebhook(hint('processing', { progress: 0.5 }), at(2));
      expect(t.hasClaim).toBe(false);
      expect(t.state.progress).toBe(0.5);
    });

    // A list that leaves `output` out cannot show that `succeeded` is not an end: the read
    // is checked by one GET. Shown by the GET too, not ended, it is a stage, learned then:
    // later reads of it cost nothing (the claim budget is not spent one GET every 30 s).
    test('read on a list without output: checked by one GET, learned from that GET, then no claim', () => {
      const asked: string[] = [];
      const t = new Tracker(ID, T0, undefined, { learnStage: () => (asked.push('stages'), true), checkListStages: () => (asked.push('list'), true) });
      t.renderAccepted({ lipsync: snapshot('pending'), posted: true, evidence: 'render POST accepted' }, T0);
      const listed = (ms: number, status = 'processing') => t.apiObserved({ lipsync: snapshot(status), observedAt: at(ms).toISOString(), outputUnknown: true }, at(ms));
      listed(1);
      expect(asked).toEqual(['list', 'stages']);
      const claim = t.takeClaim()!;
      expect(claim).toMatchObject({ kind: 'no-url', source: 'reconciler', maxGets: 1 });
      expect(t.claimChecked(claim, 1, snapshot('processing', { progress: 0.3 }))).toBe(false);
      expect(t.state.lastEvent).toMatch(/is a stage/);
      listed(NO_URL_RECHECK_MS + 1_000);
      expect(t.hasClaim).toBe(false);
      // Another word on the same list is still checked (an end named `succeeded`, say).
      listed(2 * NO_URL_RECHECK_MS + 2_000, 'succeeded');
      expect(t.takeClaim()).toMatchObject({ kind: 'no-url', hint: { status: 'succeeded' } });
      expect(asked).toEqual(['list', 'stages']);
    });

    test('read on a list without output by a run recorded before LIST_STAGES_PATCH: learned from the list, as then', () => {
      const t = new Tracker(ID, T0, undefined, { learnStage: () => true, checkListStages: () => false });
      t.renderAccepted({ lipsync: snapshot('pending'), posted: true, evidence: 'render POST accepted' }, T0);
      t.apiObserved({ lipsync: snapshot('succeeded'), observedAt: at(1).toISOString(), outputUnknown: true }, at(1));
      expect(t.hasClaim).toBe(false);
    });

    test('not learned when the API names another status, when it shows an end, or when the run may not (older histories)', () => {
      const { t, asked } = accepted(true);
      t.receiveWebhook(hint('completed', { output: URL }), at(1));
      expect(asked).toHaveLength(0); // a name with a video is never a stage: no marker for it
      expect(t.claimIsStage(t.takeClaim()!, snapshot('running', { progress: 0.5 }))).toBe(false);
      t.receiveWebhook(hint('processing'), at(2));
      expect(t.claimIsStage(t.takeClaim()!, snapshot('processing', { terminal: true, output: URL }))).toBe(false);
      // An unknown name carrying a video or a failure may be an end under another word.
      for (const [name, carried] of [['completed', { output: URL }], ['error', { failedReason: 'r' }]] as const) {
        const other = accepted(true).t;
        other.receiveWebhook(hint(name), at(2));
        expect(other.claimIsStage(other.takeClaim()!, snapshot(name, carried))).toBe(false);
      }
      // Asked once, when the first such delivery came; nothing learned.
      expect(asked).toHaveLength(1);
      t.receiveWebhook(hint('processing', { progress: 0.5 }), at(3));
      expect(t.hasClaim).toBe(false); // the same claim was already checked
      expect(t.state.progress).toBe(0);
      const older = accepted(false);
      older.t.receiveWebhook(hint('processing'), at(1));
      expect(older.t.claimIsStage(older.t.takeClaim()!, snapshot('processing'))).toBe(false);
      older.t.apiObserved({ lipsync: snapshot('processing'), observedAt: at(2).toISOString() }, at(2));
      expect(older.t.takeClaim()).toMatchObject({ kind: 'no-url', source: 'reconciler' });
    });
  });

  test('nothing changes after the end', () => {
    const t = fresh();
    t.observe(snapshot('done', { terminal: true, output: URL, progress: 1 }));
    t.receiveWebhook(hint('failed', { failedReason: 'late' }), T0);
    expect(t.state.status).toBe('done');
    expect(t.hasClaim).toBe(false);
    expect(t.state.output).toBe(URL);
  });

  test('progress never goes back within a status', () => {
    const t = fresh();
    t.observe(snapshot('running', { progress: 0.6 }));
    t.observe(snapshot('running', { progress: 0.4 }));
    expect(t.state.progress).toBe(0.6);
  });

  test('a trusted claim ends only with a URL, or failed/rejected', () => {
    const t = fresh();
    t.receiveWebhook(hint('done'), T0);
    expect(t.trustClaim(t.takeClaim()!)).toBeNull();
    t.receiveWebhook(hint('done', { output: URL }), T0);
    expect(t.trustClaim(t.takeClaim()!)).toMatchObject({ terminal: true, output: URL });
    expect(t.state.status).toBe('done');
  });

  test('a trusted claim under a name the docs do not use ends as the end it names; a stage name does not', () => {
    const stopped = fresh();
    stopped.receiveWebhook(hint('cancelled'), T0);
    expect(stopped.trustClaim(stopped.takeClaim()!)).toMatchObject({ terminal: true, status: 'rejected' });
    expect(stopped.state.status).toBe('rejected');
    const stage = fresh();
    stage.receiveWebhook(hint('processing'), T0);
    expect(stage.trustClaim(stage.takeClaim()!)).toBeNull();
  });

  test('a carried-over state resumes as it was, claim budget included (continue-as-new)', () => {
    const t = fresh();
    t.renderAccepted({ lipsync: snapshot('pending'), posted: true, evidence: 'render POST accepted' }, new Date('2026-01-01T00:00:01Z'));
    t.receiveWebhook(hint('done'), T0);
    t.claimChecked(t.takeClaim()!, 1, snapshot('running'));
    const resumed = new Tracker(ID, new Date('2026-01-02T00:00:00Z'), t.carryOver());
    expect(resumed.state).toEqual(t.state);
    expect(resumed.state.renderAcceptedAt).toBe('2026-01-01T00:00:01.000Z');
    resumed.receiveWebhook(hint('done'), T0);
    expect(resumed.hasClaim).toBe(false);
  });

  test('a state carried over from an older version gets the new fields', () => {
    const { claims: _claims, preRender: _p, renderPosts: _r, rejudgements: _j, ...old } = fresh().state;
    const resumed = new Tracker(ID, new Date(), old as never);
    expect(resumed.state).toMatchObject({ claims: { confirmed: 0, contradicted: 0, ignored: 0 }, renderPosts: 0, rejudgements: 0 });
  });

  test('the render judged and re-judged is told in the state', () => {
    const t = fresh();
    t.renderAccepted({ lipsync: snapshot('pending'), posted: false, evidence: 'updated_at moved', strength: 'weak' }, new Date());
    t.rejudged({ lipsync: snapshot('pending'), posted: true, evidence: 'render POSTed again after re-judging' });
    expect(t.state).toMatchObject({ renderPosts: 1, rejudgements: 1, renderPosted: true });
    expect(t.state.lastEvent).toMatch(/re-judged and POSTed again/);
  });
});

describe('Tracker and the fleet reconciler', () => {
  const accepted = () => {
    const t = new Tracker(ID, T0);
    t.preRenderRead(snapshot('done', { progress: 1, updatedAt: '2026-01-01T00:00:00Z' }), true);
    t.renderAccepted({ lipsync: snapshot('pending'), posted: true, evidence: 'render POST accepted' }, T0);
    return t;
  };
  const observed = (lipsync: LipsyncSnapshot, ms: number) => ({ lipsync, observedAt: at(ms).toISOString() });

  test('a read showing the end is kept for the workflow to close on; later reads change nothing', () => {
    const t = accepted();
    t.apiObserved(observed(snapshot('running', { progress: 0.5 }), 1_000), at(1_000));
    expect(t.state).toMatchObject({ status: 'running', progress: 0.5, observations: 1, lastObservedAt: at(1_000).toISOString() });
    expect(t.endObserved).toBeNull();
    const end = snapshot('done', { progress: 1, terminal: true, output: URL });
    t.apiObserved(observed(end, 2_000), at(2_000));
    t.apiObserved(observed(snapshot('running'), 3_000), at(3_000));
    expect(t.endObserved).toEqual(end);
    expect(t.state.observations).toBe(2);
  });

  test('a read naming an end without its URL becomes a one-GET claim, counted as a reconciler read', () => {
    const t = accepted();
    t.apiObserved(observed(snapshot('done'), 1_000), at(1_000));
    expect(t.endObserved).toBeNull();
    expect(t.takeClaim()).toMatchObject({ kind: 'no-url', maxGets: 1, source: 'reconciler' });
  });

  test('reads that show no render since the snapshot raise a stall only after STALL_READS of them and the minimum span', () => {
    const t = accepted();
    const untouched = snapshot('done', { progress: 1, updatedAt: '2026-01-01T00:00:00Z' });
    t.apiObserved(observed(untouched, 1_000), at(1_000));
    t.apiObserved(observed(untouched, 2_000), at(2_000));
    expect(t.stallSuspected(at(2_000), 0)).toBe(false);
    t.apiObserved(observed(untouched, 3_000), at(3_000));
    expect(t.stallSuspected(at(3_000), 5_000)).toBe(false);
    expect(t.stallSuspected(at(6_000), 5_000)).toBe(true);
    // A read showing the render (status moved) clears the watch.
    t.apiObserved(observed(snapshot('running', { progress: 0.2 }), 7_000), at(7_000));
    expect(t.stallSuspected(at(60_000), 0)).toBe(false);
  });

  test('a re-judgement clears the stall watch', () => {
    const t = accepted();
    const untouched = snapshot('done', { progress: 1, updatedAt: '2026-01-01T00:00:00Z' });
    for (const ms of [1_000, 2_000, 3_000]) t.apiObserved(observed(untouched, ms), at(ms));
    expect(t.stallSuspected(at(3_000), 0)).toBe(true);
    t.rejudged({ lipsync: snapshot('pending'), posted: true, evidence: 'render POSTed again after re-judging' });
    expect(t.stallSuspected(at(3_000), 0)).toBe(false);
  });
});

describe('pollDelayMs', () => {
  test('doubles from the initial interval up to the cap, within ±20% jitter', () => {
    const mid = (attempt: number) => pollDelayMs(attempt, 1_000, 5_000, () => 0.5);
    expect([1, 2, 3, 4, 5].map(mid)).toEqual([1_000, 2_000, 4_000, 5_000, 5_000]);
    expect(pollDelayMs(1, 1_000, 5_000, () => 0)).toBe(800);
    expect(pollDelayMs(1, 1_000, 5_000, () => 1)).toBe(1_200);
    expect(pollDelayMs(10, 1_000, 5_000, () => 1)).toBe(6_000);
  });
});
