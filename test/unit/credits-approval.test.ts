/**
 * The pure parts of the money around a render: the cost estimate, how Creatify's
 * "Insufficient credits" is recognised, and the tracker's approval and credits states.
 */
import { errorFromResponse } from '../../src/creatify/errors';
import { renderCostRange } from '../../src/creatify/pricing';
import { Tracker } from '../../src/workflows/tracker';

const ID = '3c90c3cc-0d44-4b50-8888-8dd25736052a';
const T0 = new Date('2026-01-01T00:00:00Z');
const pending = { preview: 'https://p/1', expiresAt: '2026-01-02T00:00:00Z', decision: null, decidedAt: null, reason: null, by: null };

describe('renderCostRange: 4 credits per started 30 s (standard); aurora between that and its per-second create price', () => {
  test.each([
    [{ duration: 1 }, { least: 4, most: 4 }],
    [{ duration: 30 }, { least: 4, most: 4 }],
    [{ duration: 30.5 }, { least: 8, most: 8 }],
    [{ duration: 95, model_version: 'standard' }, { least: 16, most: 16 }],
    [{ duration: 10.2, model_version: 'aurora_v1' }, { least: 4, most: 11 }],
    [{ duration: 60, model_version: 'aurora_v1' }, { least: 8, most: 60 }],
    [{ duration: 3, model_version: 'aurora_v1' }, { least: 3, most: 4 }],
    [{ duration: 10, model_version: 'aurora_v1_fast' }, { least: 4, most: 5 }],
    // The preview's charge on the record (1 credit a block) shows how this Creatify rounds (§6 [I]).
    [{ duration: 10, credits_used: 1 }, { least: 4, most: 4 }],
    [{ duration: 10, credits_used: 0.33 }, { least: 1.32, most: 4 }],
    [{ duration: 40, credits_used: 2 }, { least: 8, most: 8 }],
    [{ duration: 40, credits_used: 1 }, { least: 4, most: 8 }],
    [{ duration: 40, credits_used: 1.33 }, { least: 5.32, most: 8 }],
    [{ duration: 40, credits_used: 7 }, { least: 8, most: 8 }],
    [{ duration: 40, credits_used: 0 }, { least: 8, most: 8 }],
    [{ duration: null }, null],
    [{ duration: 0 }, null],
    [{}, null],
  ])('%j → %p', (record, expected) => {
    expect(renderCostRange(record)).toEqual(expected);
  });
});

describe('"Insufficient credits" from Creatify', () => {
  const redact = (text: string) => text;
  test.each([400, 402, 403])('%i with a credits message is its own kind, not retried', (status) => {
    const err = errorFromResponse({ operation: 'POST /render/', status, rawBody: '{"detail":"Insufficient credits"}', retryAfter: undefined, redact });
    expect(err).toMatchObject({ kind: 'insufficient-credits', retryable: false });
  });
  test('other 400s and 403s keep their kinds', () => {
    expect(errorFromResponse({ operation: 'x', status: 400, rawBody: '{"detail":"bad"}', retryAfter: undefined, redact }).kind).toBe('validation');
    expect(errorFromResponse({ operation: 'x', status: 403, rawBody: '{"detail":"forbidden"}', retryAfter: undefined, redact }).kind).toBe('auth');
    expect(errorFromResponse({ operation: 'x', status: 500, rawBody: 'Insufficient credits', retryAfter: undefined, redact }).kind).toBe('server');
  });
});

describe('Tracker: approval and credits', () => {
  test('awaiting_approval → approved moves on to rendering; the decision is kept', () => {
    const t = new Tracker(ID, T0);
    t.awaitApproval({ ...pending });
    expect(t.state.status).toBe('awaiting_approval');
    t.approvalDecided({ approve: true, by: 'ana' }, T0);
    expect(t.state).toMatchObject({ status: 'rendering', approval: { decision: 'approved', by: 'ana', decidedAt: T0.toISOString() } });
  });

  test('a rejection ends declined, an expiry expired: both final', () => {
    const rejected = new Tracker(ID, T0);
    rejected.awaitApproval({ ...pending });
    rejected.approvalDecided({ approve: false, reason: 'no' }, T0);
    expect(rejected.state).toMatchObject({ status: 'declined', phase: 'finished', approval: { decision: 'rejected', reason: 'no' } });
    expect(rejected.isFinished).toBe(true);
    const expired = new Tracker(ID, T0);
    expired.awaitApproval({ ...pending });
    expired.approvalExpired(T0);
    expect(expired.state).toMatchObject({ status: 'expired', approval: { decision: 'expired' } });
  });

  test('a check that does not fit ends insufficient_credits; what the render used is settled only after a check', () => {
    const t = new Tracker(ID, T0);
    t.creditsSettled(5, 'poll');
    expect(t.state.credits).toBeUndefined();
    t.creditsChecked({ estimate: 4, remaining: 2, budgetPerDay: null, spentToday: null, fits: false, reason: 'needs 4, 2 remain' });
    expect(t.state).toMatchObject({ status: 'insufficient_credits', credits: { estimate: 4, used: null, fits: false } });
    const ok = new Tracker(ID, T0);
    ok.creditsChecked({ estimate: 4, remaining: 100, budgetPerDay: null, spentToday: null, fits: true, reason: 'fits' });
    ok.creditsSettled(5, 'webhook');
    expect(ok.state).toMatchObject({ status: 'rendering', credits: { used: 5, detectedBy: 'webhook' } });
  });
});
