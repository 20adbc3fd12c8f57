import type { LipsyncSnapshot } from '../../src/activities/types';
import { pollDelayMs } from '../../src/activities/backoff';
import type { WebhookHint } from '../../src/workflows/messages';
import { Tracker } from '../../src/workflows/tracker';

const ID = '3c90c3cc-0d44-4b50-8888-8dd25736052a';
const hint = (status: string, extra: Partial<WebhookHint> = {}): WebhookHint => ({
  id: ID, status, failedReason: null, output: null, receivedAt: '2026-01-01T00:00:00Z', ...extra,
});
const snapshot = (status: string, extra: Partial<LipsyncSnapshot> = {}): LipsyncSnapshot => ({
  id: ID, status, progress: 0, terminal: false, output: null, thumbnail: null, failedReason: null, creditsUsed: null, duration: null, ...extra,
});

describe('Tracker', () => {
  const fresh = () => new Tracker(ID, new Date('2026-01-01T00:00:00Z'));

  test('status only moves forward', () => {
    const t = fresh();
    t.receiveWebhook(hint('running'));
    t.receiveWebhook(hint('pending'));
    t.observe(snapshot('in_queue'));
    expect(t.state.status).toBe('running');
    expect(t.state.webhooksIgnored).toBe(1);
  });

  test('done without output is a stale preview delivery, not a claim', () => {
    const t = fresh();
    t.receiveWebhook(hint('done'));
    expect(t.hasClaim).toBe(false);
    expect(t.state.status).toBe('rendering');
    expect(t.state.lastEvent).toMatch(/stale/);
  });

  test('done with output, failed and rejected are claims to confirm, not status changes', () => {
    for (const h of [hint('done', { output: 'https://x/y.mp4' }), hint('failed', { failedReason: 'r' }), hint('rejected')]) {
      const t = fresh();
      t.receiveWebhook(h);
      expect(t.hasClaim).toBe(true);
      expect(t.state.status).toBe('rendering');
      expect(t.takeClaim()).toEqual(h);
      expect(t.hasClaim).toBe(false);
    }
  });

  test('unknown statuses and other ids are ignored and counted', () => {
    const t = fresh();
    t.receiveWebhook(hint('processing'));
    t.receiveWebhook({ ...hint('running'), id: '00000000-0000-4000-8000-000000000000' });
    expect(t.state.status).toBe('rendering');
    expect(t.state.webhooksReceived).toBe(2);
    expect(t.state.webhooksIgnored).toBe(2);
  });

  test('nothing changes after the end', () => {
    const t = fresh();
    t.observe(snapshot('done', { terminal: true, output: 'https://x/y.mp4', progress: 1 }));
    t.receiveWebhook(hint('failed', { failedReason: 'late' }));
    expect(t.state.status).toBe('done');
    expect(t.hasClaim).toBe(false);
    expect(t.state.output).toBe('https://x/y.mp4');
  });

  test('progress never goes back within a status', () => {
    const t = fresh();
    t.observe(snapshot('running', { progress: 0.6 }));
    t.observe(snapshot('running', { progress: 0.4 }));
    expect(t.state.progress).toBe(0.6);
  });

  test('a carried-over state resumes as it was (continue-as-new)', () => {
    const t = fresh();
    t.renderAccepted({ lipsync: snapshot('pending'), posted: true, evidence: 'render POST accepted' }, new Date('2026-01-01T00:00:01Z'));
    const resumed = new Tracker(ID, new Date('2026-01-02T00:00:00Z'), t.state);
    expect(resumed.state).toEqual(t.state);
    expect(resumed.state.renderAcceptedAt).toBe('2026-01-01T00:00:01.000Z');
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
