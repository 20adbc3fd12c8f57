import {
  Lipsync,
  LipsyncRequest,
  RemainingCredits,
  WebhookDelivery,
  legacyRenderStarted,
  isKnownStatus,
  isTerminal,
  parseRetryAfter,
  progressFraction,
} from '../../src/creatify';
import { errorFromResponse, errorFromTransport, makeRedactor, pageIn2xx, refusalIn2xx, refusedReadIn2xx, responseShapeError, saysAlreadyRendering, saysInsufficientCredits } from '../../src/creatify/errors';
import { endUnderOtherName } from '../../src/creatify/status';

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

  it("reads no video in an `output` that is the preview's own: its link, its editor link, a layout file; a video file stays one", () => {
    const preview = 'https://app.creatify.ai/preview?layout=videos/20261130/abc.json';
    const editor = 'https://app.creatify.ai/editor/abc';
    const read = (output: string) => Lipsync.parse({ id: ID, status: 'done', preview, editor_url: editor, output }).output;
    expect(read(preview)).toBeNull();
    expect(read(editor)).toBeNull();
    expect(read('https://cdn.creatify.ai/videos/20261130/abc.json')).toBeNull();
    expect(read('https://cdn.creatify.ai/videos/20261130/abc.mp4')).toBe('https://cdn.creatify.ai/videos/20261130/abc.mp4');
    // A signed video URL without an extension is still a video.
    expect(read('https://cdn.example.com/v/abc?sig=1')).toBe('https://cdn.example.com/v/abc?sig=1');
  });

  it('passes extra fields through and allows a null video_thumbnail', () => {
    const parsed = Lipsync.parse({ id: ID, status: 'done', video_thumbnail: null, brand_new_field: { a: 1 } });
    expect(parsed.video_thumbnail).toBeNull();
    expect(parsed['brand_new_field']).toEqual({ a: 1 });
  });

  it('reads the sibling APIs\' video_output as output, and a field of the wrong type as absent', () => {
    expect(previewed({ status: 'done', video_output: 'https://x/v.mp4' }).output).toBe('https://x/v.mp4');
    expect(previewed({ credits_used: 'four', duration: [12], progress: { odd: true } })).toMatchObject({ credits_used: null, duration: null, progress: null });
  });

  // §4.2 [I]: output null after preview. A server that puts the preview's layout link there has rendered nothing.
  it('reads an output that is the record\'s own preview link (no video file) as no output', () => {
    const layout = 'https://app.creatify.ai/preview?layout=videos/20261129/abc.json';
    expect(Lipsync.parse({ id: ID, status: 'done', preview: layout, output: layout }).output).toBeNull();
    expect(Lipsync.parse({ id: ID, status: 'done', preview: layout, output: layout, video_output: 'https://x/v.mp4' }).output).toBe('https://x/v.mp4');
    // A video file stays a video, whatever the preview field says; another URL is the video.
    expect(Lipsync.parse({ id: ID, status: 'done', preview: 'https://x/v.mp4', output: 'https://x/v.mp4' }).output).toBe('https://x/v.mp4');
    expect(Lipsync.parse({ id: ID, status: 'done', preview: layout, output: 'https://x/final' }).output).toBe('https://x/final');
  });

  it('reads numbers written as decimal strings (DRF\'s DecimalField) as numbers', () => {
    expect(previewed({ credits_used: '4', duration: ' 12.50 ' })).toMatchObject({ credits_used: 4, duration: 12.5 });
    expect(RemainingCredits.parse({ remaining_credits: '996.25' }).remaining_credits).toBe(996.25);
    expect(RemainingCredits.parse({ credits: 10 }).remaining_credits ?? null).toBeNull();
  });

  it('is strict on id and status', () => {
    expect(Lipsync.safeParse({ id: 'not-a-uuid', status: 'done' }).success).toBe(false);
    expect(Lipsync.safeParse({ id: ID }).success).toBe(false);
    expect(Lipsync.safeParse({ id: ID, status: 3 }).success).toBe(false);
  });

  it('reads remaining credits as a double', () => {
    expect(RemainingCredits.parse({ remaining_credits: 12.5 }).remaining_credits).toBe(12.5);
    expect(RemainingCredits.parse({ remaining_credits: '12' }).remaining_credits).toBe(12);
    expect(RemainingCredits.parse({ remaining_credits: 'lots' }).remaining_credits).toBeNull();
  });
});

describe('WebhookDelivery schema (a tolerant reader)', () => {
  const URL = 'https://x/y.mp4';

  it('keeps the four documented fields, normalised, and drops the rest', () => {
    const parsed = WebhookDelivery.parse({ id: ID, status: 'done', output: URL, failed_reason: null, extra: 1 });
    expect(parsed).toEqual({ id: ID, status: 'done', output: URL, failedReason: null, progress: null });
  });

  it.each<[string, Record<string, unknown>, Partial<WebhookDelivery>]>([
    ['the sibling APIs\' video_output', { id: ID, status: 'done', video_output: URL }, { output: URL }],
    ['an upper-case id, padded', { id: ` ${ID.toUpperCase()} `, status: 'done' }, { id: ID.toUpperCase() }],
    ['an upper-case status', { id: ID, status: 'DONE' }, { status: 'done' }],
    ['progress as a decimal string', { id: ID, status: 'running', progress: '0.40' }, { progress: '0.40' }],
    ['progress as a number', { id: ID, status: 'running', progress: 0.4 }, { progress: 0.4 }],
    ['no status at all', { id: ID, output: URL }, { status: null, output: URL }],
    ['a status of another type', { id: ID, status: 3 }, { status: null }],
    ['an output of another type, and an empty reason', { id: ID, status: 'failed', output: 42, failed_reason: '' }, { output: null, failedReason: null }],
    ['null vs missing', { id: ID, status: 'done', output: null }, { output: null, failedReason: null }],
  ])('reads %s', (_label, body, expected) => {
    expect(WebhookDelivery.parse(body)).toMatchObject(expected);
  });

  it.each<[string, Record<string, unknown>]>([
    ['a non-UUID id', { id: '../etc', status: 'done' }],
    ['no id', { status: 'done' }],
  ])('refuses %s', (_label, body) => {
    expect(WebhookDelivery.safeParse(body).success).toBe(false);
  });

  it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    ['a 10,000-character status as none', { id: ID, status: 'x'.repeat(10_000) }, { status: null }],
    ['a status that is not a word as none', { id: ID, status: '<script>' }, { status: null }],
    ['a status with spaces around it, trimmed', { id: ID, status: ' Running ' }, { status: 'running' }],
    ['an output URL longer than any real one as none', { id: ID, status: 'done', output: `https://x/${'y'.repeat(3000)}` }, { status: 'done', output: null }],
    ['a failed_reason of 5,000 characters, cut to 2,000', { id: ID, status: 'failed', failed_reason: 'r'.repeat(5000) }, { failedReason: `${'r'.repeat(1999)}…` }],
  ])('reads %s', (_label, body, expected) => {
    expect(WebhookDelivery.parse(body)).toMatchObject(expected);
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

  it('reads a status the docs do not name as an end only when the record carries its video or its failure', () => {
    expect(endUnderOtherName({ status: 'completed', output: 'https://x/y.mp4' })).toBe('done');
    expect(endUnderOtherName({ status: 'error', output: null, failed_reason: 'moderation' })).toBe('failed');
    expect(endUnderOtherName({ status: 'processing', output: null, failed_reason: null })).toBeNull();
    expect(endUnderOtherName({ status: 'queued', output: null, failed_reason: null })).toBeNull();
  });

  it('reads a name that says the job failed or was stopped as that end, with nothing else on the record', () => {
    expect(endUnderOtherName({ status: 'error', output: null, failed_reason: null })).toBe('failed');
    expect(endUnderOtherName({ status: 'FAILED', output: null, failed_reason: null })).toBe('failed');
    expect(endUnderOtherName({ status: 'cancelled', output: null, failed_reason: null })).toBe('rejected');
    expect(endUnderOtherName({ status: 'Canceled', output: null })).toBe('rejected');
    expect(endUnderOtherName({ status: 'REJECTED', output: null })).toBe('rejected');
    // A video on it outranks the word; a reason on it does not (a rejection may give one).
    expect(endUnderOtherName({ status: 'cancelled', output: 'https://x/y.mp4' })).toBe('done');
    expect(endUnderOtherName({ status: 'cancelled', output: null, failed_reason: 'Content policy.' })).toBe('rejected');
    // Words a preview that merely aged might carry are not ends: a render would be skipped.
    expect(endUnderOtherName({ status: 'expired', output: null, failed_reason: null })).toBeNull();
    // Documented names say what they say, whatever else is on the record.
    expect(endUnderOtherName({ status: 'running', output: 'https://x/old.mp4' })).toBeNull();
    expect(endUnderOtherName({ status: 'done', output: null })).toBeNull();
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
    ['45%', 0.45],
    ['1%', 0.01],
    [' 100 % ', 1],
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

describe('legacyRenderStarted (runs recorded before the snapshot)', () => {
  it('says not started only for the previewed shape', () => {
    expect(legacyRenderStarted(previewed())).toBeUndefined();
    expect(legacyRenderStarted(previewed({ status: 'pending' }))).toMatch(/pending/);
    expect(legacyRenderStarted(previewed({ media_job: '11111111-2222-4333-8444-555555555555' }))).toMatch(/media_job/);
    expect(legacyRenderStarted(previewed({ output: 'https://x/y.mp4' }))).toMatch(/output/);
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
    [301, 'response-shape', true],
  ])('HTTP %i → %s (retryable %p)', (status, kind, retryable) => {
    expect(fail(status, '{}')).toMatchObject({ kind, status, retryable });
  });

  it.each<[number, string]>([
    [400, '{"detail":"Insufficient credits"}'],
    [403, '{"detail":"Insufficient credits"}'],
    [400, '{"message":"You don\'t have enough credits to render this video."}'],
    [400, '{"error":"Insufficient balance: 2 credits left, 4 needed"}'],
    [403, '{"detail":"Your credit balance is too low."}'],
    [400, '{"detail":"Credits exhausted"}'],
    // Wordings nobody documents (§6 [U]): an error code, funds, "sufficient", "no credits left".
    [400, '{"code":"insufficient_credits","detail":"Request failed."}'],
    [400, '{"error":"INSUFFICIENT_FUNDS"}'],
    [403, '{"detail":"Your account does not have sufficient credits."}'],
    [400, '{"detail":"No credits left on this workspace."}'],
    [400, '{"message":"Credit limit exceeded."}'],
    [400, '{"detail":"You need more credits to render this video."}'],
    [402, '{"detail":"Payment required"}'],
    [402, ''],
  ])('HTTP %i %s → insufficient-credits, not retried', (status, body) => {
    expect(fail(status, body)).toMatchObject({ kind: 'insufficient-credits', retryable: false });
  });

  it.each<[number, string]>([
    [400, '{"detail":"text: Ensure this field has no more than 2000 characters."}'],
    [400, '{"detail":"Lipsync already rendering"}'],
    [403, '{"detail":"You do not have permission to perform this action."}'],
    [400, '{"detail":"credit_limit must be a number"}'],
    [400, '{"detail":"Invalid avatar_id; no credits were charged."}'],
    [400, '{"detail":"Invalid voice","insufficient_credits":false}'],
    [400, '{"detail":"Nothing to do.","errors":{"insufficient_balance_check":"skipped"}}'],
  ])('HTTP %i %s is not read as insufficient credits', (status, body) => {
    expect(fail(status, body).kind).not.toBe('insufficient-credits');
  });

  it.each<[string, boolean]>([
    ['This lipsync is already being rendered.', true],
    ['This lipsync has already been rendered.', true],
    ['Render already in progress', true],
    ['Lipsync already rendering', true],
    ['The preview is already being processed; render it when it is done.', false],
    ['Invalid voice_id, please try again with a valid one.', false],
    ['Insufficient credits', false],
    ['You have already reached your monthly render limit.', false],
    ['You already have 3 renders running.', false],
    ['Already processing the maximum number of renders.', false],
  ])('"%s" says a render is already under way: %p', (detail, says) => {
    expect(saysAlreadyRendering(detail)).toBe(says);
  });

  it.each<[number, string]>([
    [400, '{"detail":"Invalid voice_id, please try again with a valid one."}'],
    [403, '{"detail":"Your account is temporarily suspended."}'],
    [400, '{"detail":"Maximum video length exceeded."}'],
    [400, '{"detail":"Maximum render duration is 5 minutes."}'],
    [400, '{"detail":"Maximum number of characters exceeded for the script."}'],
    [400, '{"detail":"Maximum number of renders reached for your plan."}'],
    [400, '{"detail":"Render already in progress. Please wait for it to complete."}'],
  ])('HTTP %i %s is a refusal, not a "not now"', (status, body) => {
    expect(fail(status, body).retryable).toBe(false);
  });

  it.each<[number, string]>([
    [400, '{"detail":"Too many concurrent jobs. Please try again later."}'],
    [403, '{"error":"Concurrency limit reached"}'],
    [409, '{"message":"Request was throttled."}'],
    // A cap on jobs at once in words without "concurrent" or "try again" (§9 [U]).
    [400, '{"detail":"You have reached the maximum number of running jobs (1). Wait for one to finish."}'],
    [403, '{"detail":"Max active renders reached for your plan."}'],
    [400, '{"error":"Job limit reached"}'],
    [409, '{"detail":"Render queue is full."}'],
    [400, '{"detail":"Please wait for your current jobs to finish."}'],
  ])('HTTP %i %s is a "not now": retried like a 429', (status, body) => {
    expect(fail(status, body)).toMatchObject({ kind: 'rate-limited', retryable: true });
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

describe('a 2xx render answer that is not the record (refusalIn2xx)', () => {
  const redact = makeRedactor('sk-unit-SECRET');
  const answer = (status: number, rawBody: string) => refusalIn2xx(responseShapeError('POST /api/lipsyncs_v2/x/render/', status, rawBody, 'not the record', redact));

  it.each([
    [200, ''],
    [202, '{"detail":"Render started."}'],
    [200, 'OK'],
    [200, '{"id":"job-1","status":"queued"}'],
    [200, '{"error":null,"detail":"queued"}'],
    [200, '{"errors":[]}'],
    [200, '{"success":true,"error":false,"message":"Render started"}'],
    [200, '{"errors":{},"detail":"ok"}'],
    // Words alone are no refusal: an acceptance may speak of credits or of waiting.
    [200, '{"detail":"Render started. This render requires 4 credits but will only be charged when done"}'],
    [200, '{"detail":"Render started. Please wait for it to complete."}'],
    [200, '{"detail":"Insufficient credits"}'],
    // A page is neither: the caller tells it by pageIn2xx.
    [200, '<html><body>Down for maintenance</body></html>'],
  ])('%i %s: no refusal (null)', (status, body) => {
    expect(answer(status, body)).toBeNull();
  });

  it.each([
    [200, '{"error":"Insufficient balance: top up to continue"}', 'insufficient-credits'],
    [200, '{"success":false,"message":"Not enough credits."}', 'insufficient-credits'],
    [200, '{"status":"error","message":"Lipsync is not ready"}', 'validation'],
    [200, '{"errors":["video_inputs: invalid"]}', 'validation'],
    [200, '{"error":"Too many concurrent jobs. Please try again later."}', 'rate-limited'],
  ])('%i %s: a refusal of kind %s, keeping the 2xx status', (status, body, kind) => {
    const refused = answer(status, body);
    expect(refused).toMatchObject({ kind, status });
    expect(refused!.message).toMatch(/^Creatify POST \/api\/lipsyncs_v2\/x\/render\/: HTTP 200 /);
  });

  it('a record GET answered 2xx with a refusal in DRF\'s shape is read as that refusal (refusedReadIn2xx)', () => {
    const read = (rawBody: string) => refusedReadIn2xx(responseShapeError('GET /api/lipsyncs_v2/x/', 200, rawBody, 'not a record', redact));
    expect(read('{"detail":"Not found."}')).toMatchObject({ kind: 'not-found', status: 200, detail: 'Not found.' });
    expect(read('{"detail":"No Lipsync matches the given query.","code":"not_found"}')).toMatchObject({ kind: 'not-found' });
    expect(read('{"detail":"Invalid token."}')).toMatchObject({ kind: 'auth' });
    expect(read('{"detail":"API key not found."}')).toMatchObject({ kind: 'auth' });
    expect(read('{"detail":"You do not have permission to perform this action."}')).toMatchObject({ kind: 'auth' });
    expect(read('{"detail":"Request was throttled. Expected available in 3 seconds."}')).toMatchObject({ kind: 'rate-limited' });
    // Not a refusal it can name: a record of another shape, other words, an empty body, a page.
    for (const body of ['{"id":"x","detail":"Not found."}', '{"status":"done","detail":"not found"}', '{"detail":"Processing."}', '{"detail":"Not found.","results":[]}', '', '<html>Not found</html>']) {
      expect([body, read(body)]).toEqual([body, null]);
    }
  });

  it('a page (HTML) in a 2xx is told apart: pageIn2xx', () => {
    const page = responseShapeError('POST /r/', 200, '<html><body>Down for maintenance</body></html>', 'not JSON', redact);
    expect(pageIn2xx(page)).toBe(true);
    expect(pageIn2xx(responseShapeError('POST /r/', 202, '{"detail":"Render started."}', 'not the record', redact))).toBe(false);
    expect(pageIn2xx(responseShapeError('POST /r/', 502, '<html></html>', 'x', redact))).toBe(false);
  });

  it('"Insufficient credits" in the words of 409, 422 and balances compared with numbers', () => {
    const fail = (status: number, detail: string) => errorFromResponse({ operation: 'POST /r/', status, rawBody: JSON.stringify({ detail }), retryAfter: undefined, redact });
    expect(fail(409, 'Insufficient credits').kind).toBe('insufficient-credits');
    expect(fail(422, 'Your credit balance (3.0) is lower than what this job requires.').kind).toBe('insufficient-credits');
    for (const words of ['credit balance (2) is lower than required (4)', 'You have 0 credits', 'This render requires 4 credits but only 2 remain']) {
      expect(saysInsufficientCredits(words)).toBe(true);
    }
    // Not about the credits: a length, an audio balance, credits not charged.
    for (const words of ['Video duration is lower than the minimum of 1 s', 'Audio balance check: loudness less than -40 dB', 'Face not detected. You have no credits charged.', 'This render requires 4 credits but will only be charged when done']) {
      expect(saysInsufficientCredits(words)).toBe(false);
    }
    expect(fail(422, 'Video duration is lower than the minimum of 1 s').kind).toBe('validation');
  });
});
