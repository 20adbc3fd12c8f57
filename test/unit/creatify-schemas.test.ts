import {
  Lipsync,
  LipsyncRequest,
  RemainingCredits,
  WebhookDelivery,
  hasRenderStarted,
  isKnownStatus,
  isTerminal,
  parseRetryAfter,
  progressFraction,
} from '../../src/creatify';
import { errorFromResponse, errorFromTransport, makeRedactor } from '../../src/creatify/errors';

const ID = '3c90c3cc-0d44-4b50-8888-8dd25736052a';

// A previewed lipsync as the docs' examples describe it (§3.4, §4.2).
function previewed(overrides: Record<string, unknown> = {}): Lipsync {
  return Lipsync.parse({
    id: ID,
    status: 'done',
    progress: '1.00',
    output: null,
    video_thumbnail: null,
    preview: 'https://app.creatify.ai/preview?layout=videos/20241024/x.json',
    failed_reason: null,
    media_job: null,
    credits_used: 1,
    created_at: '2023-11-07T05:31:56Z',
    updated_at: '2023-11-07T05:31:56Z',
    ...overrides,
  });
}

function scene(inputText = 'hello'): Record<string, unknown> {
  return {
    character: { type: 'avatar', avatar_id: 'a1', scale: 1 },
    voice: { type: 'text', input_text: inputText, voice_id: 'v1' },
  };
}

describe('Lipsync schema', () => {
  it('accepts progress as a decimal string and as a number', () => {
    expect(Lipsync.parse({ id: ID, status: 'running', progress: '0.50' }).progress).toBe('0.50');
    expect(Lipsync.parse({ id: ID, status: 'running', progress: 0.5 }).progress).toBe(0.5);
  });

  it('keeps rejected and unknown statuses as they are', () => {
    expect(Lipsync.parse({ id: ID, status: 'rejected' }).status).toBe('rejected');
    const odd = Lipsync.parse({ id: ID, status: 'processing' });
    expect(odd.status).toBe('processing');
    expect(isKnownStatus(odd.status)).toBe(false);
    expect(isKnownStatus('in_queue')).toBe(true);
  });

  it('passes extra fields through and allows a null video_thumbnail', () => {
    const parsed = Lipsync.parse({ id: ID, status: 'done', video_thumbnail: null, brand_new_field: { a: 1 } });
    expect(parsed.video_thumbnail).toBeNull();
    expect(parsed['brand_new_field']).toEqual({ a: 1 });
  });

  it('is strict on id and status', () => {
    expect(Lipsync.safeParse({ id: 'not-a-uuid', status: 'done' }).success).toBe(false);
    expect(Lipsync.safeParse({ id: ID }).success).toBe(false);
    expect(Lipsync.safeParse({ id: ID, status: 3 }).success).toBe(false);
  });

  it('reads remaining credits as a double', () => {
    expect(RemainingCredits.parse({ remaining_credits: 12.5 }).remaining_credits).toBe(12.5);
    expect(RemainingCredits.safeParse({ remaining_credits: '12' }).success).toBe(false);
  });
});

describe('WebhookDelivery schema', () => {
  it('keeps the four documented fields and drops the rest', () => {
    const parsed = WebhookDelivery.parse({ id: ID, status: 'done', output: 'https://x/y.mp4', failed_reason: null, extra: 1 });
    expect(parsed).toEqual({ id: ID, status: 'done', output: 'https://x/y.mp4', failed_reason: null });
  });

  it('refuses a non-UUID id', () => {
    expect(WebhookDelivery.safeParse({ id: '../etc', status: 'done' }).success).toBe(false);
  });
});

describe('LipsyncRequest schema', () => {
  it('accepts a minimal documented body', () => {
    expect(LipsyncRequest.safeParse({ video_inputs: [scene()], aspect_ratio: '16x9', model_version: 'aurora_v1' }).success).toBe(true);
  });

  it.each([
    ['input_text over 2000 chars', { video_inputs: [scene('x'.repeat(2001))] }],
    ['webhook_url over 200 chars', { video_inputs: [scene()], webhook_url: `https://h/${'x'.repeat(200)}` }],
    ['name over 255 chars', { video_inputs: [scene()], name: 'n'.repeat(256) }],
    ['colon aspect ratio', { video_inputs: [scene()], aspect_ratio: '16:9' }],
    ['unknown model_version', { video_inputs: [scene()], model_version: 'turbo' }],
    ['scale above 2', { video_inputs: [{ ...scene(), character: { type: 'avatar', avatar_id: 'a', scale: 2.1 } }] }],
  ])('refuses %s', (_label, body) => {
    expect(LipsyncRequest.safeParse(body).success).toBe(false);
  });

  it('accepts the limits themselves', () => {
    const body = { video_inputs: [scene('x'.repeat(2000))], name: 'n'.repeat(255), webhook_url: 'h'.repeat(200) };
    expect(LipsyncRequest.safeParse(body).success).toBe(true);
  });
});

describe('isTerminal', () => {
  it('does not count a done preview without output', () => {
    expect(isTerminal(previewed())).toBe(false);
    expect(isTerminal({ status: 'done', output: '' })).toBe(false);
  });

  it('counts done with output, failed and rejected', () => {
    expect(isTerminal({ status: 'done', output: 'https://x/y.mp4' })).toBe(true);
    expect(isTerminal({ status: 'failed', output: null })).toBe(true);
    expect(isTerminal({ status: 'rejected' })).toBe(true);
    expect(isTerminal({ status: 'running' })).toBe(false);
    expect(isTerminal({ status: 'processing' })).toBe(false);
  });
});

describe('progressFraction', () => {
  it.each<[Lipsync['progress'], number]>([
    ['0.50', 0.5],
    [0.5, 0.5],
    ['50', 0.5],
    [100, 1],
    [1, 1],
    ['1.00', 1],
    [150, 1],
    [-3, 0],
    ['abc', 0],
    [null, 0],
    [undefined, 0],
  ])('%p → %p', (progress, expected) => {
    expect(progressFraction({ progress })).toBeCloseTo(expected, 10);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');

  it('reads delay-seconds', () => {
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter(['7', '9'], now)).toBe(7000);
  });

  it('reads an HTTP date as a delay from now, never negative', () => {
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:59:00 GMT', now)).toBe(0);
  });

  it('returns undefined when absent or unparseable', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
  });
});

describe('hasRenderStarted', () => {
  it('says not started for the previewed shape', () => {
    expect(hasRenderStarted(previewed())).toMatchObject({ started: false });
  });

  it.each([
    ['in_queue', { status: 'in_queue' }],
    ['running', { status: 'running', progress: '0.10' }],
    ['output set', { output: 'https://x/y.mp4' }],
    ['failed', { status: 'failed', failed_reason: 'boom' }],
    ['rejected without a reason', { status: 'rejected' }],
    ['failed_reason on a done record', { failed_reason: 'moderation' }],
  ])('says started on render-only evidence: %s', (_label, overrides) => {
    expect(hasRenderStarted(previewed(overrides))).toMatchObject({ started: true });
  });

  it('treats pending with no other evidence as started', () => {
    const verdict = hasRenderStarted(previewed({ status: 'pending' }));
    expect(verdict).toMatchObject({ started: true });
    expect(verdict.evidence).toMatch(/pending/);
  });

  it('treats media_job on a done-looking record as started', () => {
    const verdict = hasRenderStarted(previewed({ media_job: '11111111-2222-4333-8444-555555555555' }));
    expect(verdict).toMatchObject({ started: true });
  });

  it('treats an unknown status as started', () => {
    expect(hasRenderStarted(previewed({ status: 'processing' })).started).toBe(true);
  });
});

describe('error mapping', () => {
  const redact = makeRedactor('sk-unit-SECRET');
  const fail = (status: number, rawBody: string, retryAfter?: string) =>
    errorFromResponse({ operation: 'GET /api/x/', status, rawBody, retryAfter, redact });

  it('takes the message from detail, then error, then message, then the raw body', () => {
    expect(fail(400, '{"detail":"d","error":"e","message":"m"}').detail).toBe('d');
    expect(fail(400, '{"error":"e","message":"m"}').detail).toBe('e');
    expect(fail(400, '{"message":"m"}').detail).toBe('m');
    const raw = fail(500, 'x'.repeat(1000));
    expect(raw.detail).toBeUndefined();
    expect(raw.message.length).toBeLessThan(400);
    expect(raw.message).toContain('more chars');
  });

  it.each<[number, string, boolean]>([
    [401, 'auth', false],
    [403, 'auth', false],
    [400, 'validation', false],
    [409, 'validation', false],
    [404, 'not-found', false],
    [408, 'timeout', true],
    [429, 'rate-limited', true],
    [503, 'server', true],
    [301, 'response-shape', false],
  ])('HTTP %i → %s (retryable %p)', (status, kind, retryable) => {
    expect(fail(status, '{}')).toMatchObject({ kind, status, retryable });
  });

  it('reads Retry-After on 429 and 503 only', () => {
    expect(fail(429, '{}', '4').retryAfterMs).toBe(4000);
    expect(fail(503, '', '5').retryAfterMs).toBe(5000);
    expect(fail(400, '{}', '4').retryAfterMs).toBeUndefined();
  });

  it('redacts the key from transport error messages before truncating them', () => {
    // The cut at 300 chars falls inside the key: truncating first would leak its start.
    const undiciLike = Object.assign(new Error(`${'x'.repeat(272)} headers: x-api-key: sk-unit-SECRET`), { code: 'UND_ERR_SOCKET' });
    const error = errorFromTransport({ operation: 'POST /api/x/', error: undiciLike, redact });
    expect(error).toMatchObject({ kind: 'network', code: 'UND_ERR_SOCKET', retryable: true });
    expect(error.message).not.toContain('sk-unit');
    expect(errorFromTransport({ operation: 'GET /', error: Object.assign(new Error('t'), { code: 'UND_ERR_HEADERS_TIMEOUT' }), redact }).kind).toBe('timeout');
  });
});
