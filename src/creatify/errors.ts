// One taxonomy for every way a Creatify call can fail. Creatify documents no
// error responses for lipsyncs (§8 [D by absence]); the mapping follows DRF
// conventions [I] and the field order clients in the wild read [O].

export type CreatifyErrorKind =
  | 'auth'
  | 'validation'
  | 'not-found'
  | 'insufficient-credits'
  | 'rate-limited'
  | 'server'
  | 'network'
  | 'timeout'
  | 'response-shape';

// `retryable` says the failure is transient, not that repeating the call is
// safe: create/preview/render charge credits and have no idempotency key (§10),
// so after a network error or timeout the request may well have been processed.
// The one source of truth for retries: the activities retry exactly these. A
// malformed answer (a proxy's error page with 200, a half-written body) is most
// often passing, and a job's deadline bounds the retries if it is not.
const RETRYABLE: Readonly<Record<CreatifyErrorKind, boolean>> = {
  auth: false,
  validation: false,
  'not-found': false,
  'insufficient-credits': false,
  'rate-limited': true,
  server: true,
  network: true,
  timeout: true,
  'response-shape': true,
};

export interface CreatifyErrorDetails {
  kind: CreatifyErrorKind;
  message: string;
  status?: number;
  /** Raw response body, secret-redacted and truncated. */
  body?: string;
  /** The server's own message (`detail`, `error` or `message`). */
  detail?: string;
  /** A 400's parsed body (DRF field map or `{detail}`), or local validation issues by path. */
  fields?: Record<string, unknown>;
  /** From `Retry-After` on 429/5xx. */
  retryAfterMs?: number;
  /** Transport error code, e.g. ECONNRESET or UND_ERR_SOCKET. */
  code?: string;
}

export class CreatifyError extends Error {
  override readonly name = 'CreatifyError';
  readonly kind: CreatifyErrorKind;
  readonly retryable: boolean;
  readonly status?: number;
  readonly body?: string;
  readonly detail?: string;
  readonly fields?: Record<string, unknown>;
  readonly retryAfterMs?: number;
  readonly code?: string;

  constructor(details: CreatifyErrorDetails) {
    // No `cause`: a transport error from undici could carry request headers,
    // and with them the API key. Only its code and redacted message are kept.
    super(details.message);
    this.kind = details.kind;
    this.retryable = RETRYABLE[details.kind];
    this.status = details.status;
    this.body = details.body;
    this.detail = details.detail;
    this.fields = details.fields;
    this.retryAfterMs = details.retryAfterMs;
    this.code = details.code;
  }
}

const MESSAGE_BODY_CHARS = 300;
const STORED_BODY_CHARS = 8192;

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more chars)`;
}

/** Replaces every spelling of the secret a body or message could carry: raw, JSON-escaped, URL-encoded. */
export function makeRedactor(secret: string): (text: string) => string {
  if (secret === '') return (text) => text;
  const spellings = [...new Set([secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)])];
  return (text) => spellings.reduce((acc, spelling) => acc.split(spelling).join('[REDACTED]'), text);
}

/**
 * `Retry-After` is either delay-seconds or an HTTP date (RFC 9110 §10.2.3).
 * Returns a non-negative delay in ms, or undefined when absent or unparseable.
 */
export function parseRetryAfter(header: string | string[] | undefined, nowMs = Date.now()): number | undefined {
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  // HTTP dates always name a month; without that guard V8 reads "-5" as a year.
  const at = /[a-z]{3}/i.test(value) ? Date.parse(value) : Number.NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// `detail` is DRF's key; `error` is what another Creatify service uses
// (DOC-TEXTGEN); `message` is what TSAVO-TS reads [O].
function serverMessage(parsed: unknown): string | undefined {
  if (!isRecord(parsed)) return undefined;
  for (const key of ['detail', 'error', 'message']) {
    const value = parsed[key];
    if (typeof value === 'string' && value !== '') return value;
    if (value !== undefined && value !== null && typeof value !== 'string') return JSON.stringify(value);
  }
  return undefined;
}

/**
 * "Insufficient credits": status and body are [U] (§6, §8). A 402 (Payment Required) is
 * one whatever it says; a 400 or 403 whose message says the credits or the balance fall
 * short is one too (ALPHAPARK's rule, widened to 403 and to the ways it can be worded:
 * "Insufficient credits", "You don't have enough credits", "credit balance too low").
 */
const INSUFFICIENT_CREDITS = [
  /(?:\binsufficient|\bnot enough|n't have enough|\bnot have enough|\bout of|\bno more|\bno remaining)\s+(?:\w+\s+)?(?:credit|balance)/i,
  /\b(?:credit|balance)s?\b[^.]{0,30}?\b(?:exhausted|insufficient|too low|depleted|not enough)/i,
  // As an error code (`insufficient_credits`, `INSUFFICIENT_FUNDS`), and funds for credits.
  /\binsufficient[_\s-]+(?:credit|balance|fund)/i,
  // "does not have sufficient credits", "lacks sufficient credits"
  /(?:\bnot|n't|\black(?:s|ing)?)\s+(?:have\s+)?(?:\w+\s+)?sufficient\s+(?:credit|balance|fund)/i,
  // "No credits left", "0 credits remaining", "credit limit exceeded", "you need more credits"
  /\b(?:no|0|zero)\s+(?:\w+\s+)?credits?\s+(?:left|remaining|available)\b/i,
  /\bcredit\s+limit\s+(?:exceeded|reached)/i,
  /\bneed\s+more\s+credits?\b/i,
  // "credit balance (2) is lower than required (4)", "You have 0 credits.", "requires 4 credits but only 2 remain"
  // (not "Audio balance … less than -40 dB", nor "You have no credits charged")
  /\b(?:credit\s+balance|credits?)\b(?:[^.]|\.\d){0,40}?\b(?:lower|less|smaller)\s+than\b/i,
  /\byou\s+have\s+(?:only\s+)?(?:0|zero|no)\s+credits?(?:\s+(?:left|remaining|available))?\s*(?:[.!,;]|$)/i,
  /\brequires?\s+\d+(?:\.\d+)?\s+credits?\b[^.]{0,40}?\bonly\s+\d/i,
];

/**
 * "Not now": a concurrency or rate limit sent as a 400, 403 or 409 instead of a 429
 * (limits are [U], §9): retried like a 429, never read as a refusal of the call. The
 * render activity compares the record with its snapshot before each POST, so a retry
 * cannot pay twice, and a permanent refusal worded this way is bounded by the deadline.
 */
const NOT_NOW = new RegExp(
  [
    /too many|concurren|rate.?limit|throttl|(?:try|retry) (?:again )?later|temporarily unavailable|at capacity/,
    // "the maximum number of running jobs", "max active renders": a cap on jobs at once, not
    // on a job's size ("maximum video length") nor a plan's quota ("maximum number of renders for your plan")
    /\bmax(?:imum)?\s+(?:number\s+of\s+)?(?:running|active|parallel|simultaneous|queued|pending|in[- ]progress)\s+(?:jobs?|tasks?|renders?)\b/,
    /\b(?:running|active|parallel|simultaneous)\s+(?:jobs?|tasks?|renders?)\s+(?:limit|cap)\b/,
    /\b(?:jobs?|tasks?)\s+(?:limit|cap)\s+(?:reached|exceeded|hit)\b/,
    /\bqueue\s+(?:is\s+)?full\b|\bwait\s+for\s+(?:\w+\s+){0,4}(?:to\s+)?(?:finish|complete)\b/,
  ].map((wording) => wording.source).join('|'),
  'i',
);

/** Whether Creatify's words say the credits or the balance fall short (a refusal's detail, a job's failed_reason). */
export function saysInsufficientCredits(message: string | null | undefined): boolean {
  return !!message && INSUFFICIENT_CREDITS.some((wording) => wording.test(message));
}

/**
 * Whether a refusal of the render says a render already exists ("This lipsync is already
 * being rendered", "has already been rendered", "render already in progress"): §4.3
 * leaves a second render [U], and a 400 that says so is the API's own word that the
 * render it refuses is under way. Not when it speaks of the preview (a preview still
 * running is no render).
 */
export function saysAlreadyRendering(message: string | null | undefined): boolean {
  if (!message || /preview|limit|quota|maximum|reached|too many/i.test(message)) return false;
  return ALREADY_RENDERING.some((wording) => wording.test(message));
}

/** "is already being rendered", "has already been rendered", "already rendering"; "render already in progress / started". */
const ALREADY_RENDERING = [
  /\balready\s+(?:being\s+|been\s+)?(?:rendered|rendering|processed|processing|queued|submitted)\b/i,
  /\brender(?:ing)?\s+(?:is\s+|has\s+|was\s+)?already\s+(?:in progress|started|running|queued|submitted|requested|done)\b/i,
];

/**
 * An error code for the want of credits as a value anywhere in the answer (`"code":
 * "insufficient_credits"`, `"error": "INSUFFICIENT_FUNDS"`): a refusal may name it only
 * there, beside a `detail` that says nothing of credits. A key of that name is no code.
 */
const CREDITS_CODE = /"\s*:\s*"(?:insufficient[_-]?(?:credits?|balance|funds?)|not[_-]enough[_-]credits?|no[_-]credits?(?:[_-]left)?)"/i;

/** `body`: the whole answer, for a refusal that names the want of credits only in an error code (CREDITS_CODE). */
function kindForStatus(status: number, message: string | undefined, body = ''): CreatifyErrorKind {
  if (status === 402) return 'insufficient-credits';
  if ((status === 400 || status === 403 || status === 409 || status === 422) && (saysInsufficientCredits(message) || CREDITS_CODE.test(body))) return 'insufficient-credits';
  // "Already in progress, please wait for it to complete" is a second render refused, not a limit (saysAlreadyRendering reads it).
  if ((status === 400 || status === 403 || status === 409) && message && NOT_NOW.test(message) && !saysAlreadyRendering(message)) return 'rate-limited';
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'not-found';
  if (status === 408) return 'timeout';
  if (status === 429) return 'rate-limited';
  if (status >= 500) return 'server';
  if (status >= 400) return 'validation';
  // 1xx/3xx: we always send the trailing slash, so a redirect is unexpected.
  return 'response-shape';
}

export interface HttpFailure {
  operation: string;
  status: number;
  retryAfter: string | string[] | undefined;
  rawBody: string;
  redact: (text: string) => string;
}

export function errorFromResponse(failure: HttpFailure): CreatifyError {
  const body = failure.redact(failure.rawBody);
  const parsed = parseJson(body);
  const detail = serverMessage(parsed);
  const kind = kindForStatus(failure.status, detail ?? body, body);
  const shown = detail ?? (body.trim() === '' ? '(empty body)' : body);
  const hasRetryAfter = kind === 'rate-limited' || kind === 'server';
  return new CreatifyError({
    kind,
    status: failure.status,
    message: `Creatify ${failure.operation}: HTTP ${failure.status}: ${truncate(shown, MESSAGE_BODY_CHARS)}`,
    body: truncate(body, STORED_BODY_CHARS),
    detail,
    fields: kind === 'validation' && isRecord(parsed) ? parsed : undefined,
    retryAfterMs: hasRetryAfter ? parseRetryAfter(failure.retryAfter) : undefined,
  });
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT']);

export interface TransportFailure {
  operation: string;
  error: unknown;
  /** Our own deadline fired (the abort error itself says nothing useful). */
  timedOutAfterMs?: number;
  redact: (text: string) => string;
}

export function errorFromTransport(failure: TransportFailure): CreatifyError {
  const { error, operation, redact } = failure;
  const code = isRecord(error) && typeof error.code === 'string' ? error.code : undefined;
  if (failure.timedOutAfterMs !== undefined) {
    return new CreatifyError({ kind: 'timeout', code, message: `Creatify ${operation}: no complete response within ${failure.timedOutAfterMs} ms` });
  }
  // Redact before truncating, so a cut can never leave half a key behind.
  const text = truncate(redact(error instanceof Error ? error.message : String(error)), MESSAGE_BODY_CHARS);
  const kind = code !== undefined && TIMEOUT_CODES.has(code) ? 'timeout' : 'network';
  return new CreatifyError({ kind, code, message: `Creatify ${operation}: ${kind} error${code ? ` (${code})` : ''}: ${text}` });
}

export interface Issue {
  path: readonly PropertyKey[];
  message: string;
}

/** Zod issues as a flat `{ "video_inputs.0.voice.input_text": [msg] }` map, the nearest thing to a DRF field map. */
export function localValidationError(operation: string, issues: readonly Issue[]): CreatifyError {
  const fields: Record<string, string[]> = {};
  for (const issue of issues) {
    const key = issue.path.length === 0 ? 'non_field_errors' : issue.path.map(String).join('.');
    (fields[key] ??= []).push(issue.message);
  }
  const summary = Object.entries(fields).map(([key, messages]) => `${key}: ${messages.join(' ')}`).join('; ');
  return new CreatifyError({
    kind: 'validation',
    fields,
    message: `Creatify ${operation}: refused before sending: ${truncate(summary, MESSAGE_BODY_CHARS)}`,
  });
}

/**
 * A 2xx answer to the render POST that is not the record (see CreatifyClient.render) but
 * says, by an explicit mark, that it was refused: a non-empty `error`/`errors` (text, or a
 * list or object with something in it), `success: false` / `ok: false`, or `status:
 * "error"`/`"failed"`. Read as the 4xx it means (the render activity then compares the
 * record before it believes it). Words alone are not read: an acceptance may speak of
 * credits or of waiting ("requires 4 credits", "please wait for it to complete"), and an
 * acceptance read as a refusal would end a job whose render is paid. Null: an acceptance
 * (`{"detail": "Render started."}`, an empty body, plain text) or a page (HTML), which the
 * caller tells by its body (pageIn2xx).
 */
export function refusalIn2xx(answer: CreatifyError): CreatifyError | null {
  const body = (answer.body ?? '').trim();
  const parsed = parseJson(body);
  if (!isRecord(parsed)) return null;
  const detail = serverMessage(parsed);
  const errorField = (['error', 'errors'] as const).some((key) => hasContent(parsed[key]));
  const saysFailed = parsed.success === false || parsed.ok === false || (typeof parsed.status === 'string' && /^(?:error|fail(?:ed|ure)?)$/i.test(parsed.status));
  if (!errorField && !saysFailed) return null;
  return refusedIn2xx(answer, kindForStatus(400, detail ?? body, body), body, detail);
}

/** The 2xx `answer`, as the refusal of kind `kind` its body says it is (keeping the 2xx status). */
function refusedIn2xx(answer: CreatifyError, kind: CreatifyErrorKind, body: string, detail: string | undefined): CreatifyError {
  const status = answer.status ?? 200;
  return new CreatifyError({
    kind,
    status,
    body,
    detail,
    message: `${answer.message.split(': HTTP')[0]}: HTTP ${status} that says it was refused: ${truncate(detail ?? body, MESSAGE_BODY_CHARS)}`,
    retryAfterMs: kind === 'rate-limited' ? 1_000 : undefined,
  });
}

/** Words of DRF's own refusals of a record read (its 404, 401, 403 and 429 details). */
const REFUSED_READ_WORDS: ReadonlyArray<[RegExp, number]> = [
  // The key's words first: "API key not found" is a refused key, not an unknown lipsync.
  [/credentials|authenticat|invalid\s+(?:api\s+)?(?:token|key)|api[\s_-]?key/i, 401],
  [/\bnot\s+found\b|does\s+not\s+exist|no\s+\w+\s+matches/i, 404],
  [/permission/i, 403],
  [/throttled|too\s+many\s+requests/i, 429],
];

/**
 * A 2xx answer to a record's GET that is no record but a refusal in DRF's shape
 * (`{"detail": "Not found."}`, with at most a `code` beside it), read as the error its
 * words name: a server that answers an unknown id with 200 must not have the job retry
 * that read until its deadline. Null for anything else (a record of an unexpected shape
 * stays a response-shape error, retried as passing).
 */
export function refusedReadIn2xx(answer: CreatifyError): CreatifyError | null {
  const body = (answer.body ?? '').trim();
  const parsed = parseJson(body);
  if (!isRecord(parsed) || 'id' in parsed || 'status' in parsed) return null;
  const keys = Object.keys(parsed);
  if (!keys.every((key) => ['detail', 'code', 'error', 'message', 'status_code'].includes(key))) return null;
  const detail = serverMessage(parsed);
  const means = detail === undefined ? undefined : REFUSED_READ_WORDS.find(([words]) => words.test(detail))?.[1];
  if (means === undefined) return null;
  return refusedIn2xx(answer, kindForStatus(means, detail, body), body, detail);
}

/** A 2xx whose body is a web page (a proxy's, a maintenance page): neither Creatify's acceptance nor its refusal. */
export function pageIn2xx(answer: CreatifyError): boolean {
  return answer.kind === 'response-shape' && answer.status !== undefined && answer.status >= 200 && answer.status <= 299 && /^\s*</.test(answer.body ?? '');
}

/** An error field that says something: text, a non-empty list, an object with a key (not `false`, `0`, `{}`). */
function hasContent(value: unknown): boolean {
  if (typeof value === 'string') return value.trim() !== '';
  if (Array.isArray(value)) return value.length > 0;
  return isRecord(value) && Object.keys(value).length > 0;
}

export function responseShapeError(operation: string, status: number, rawBody: string, problem: string, redact: (text: string) => string): CreatifyError {
  return new CreatifyError({
    kind: 'response-shape',
    status,
    body: truncate(redact(rawBody), STORED_BODY_CHARS),
    message: `Creatify ${operation}: HTTP ${status} body is not the expected shape: ${truncate(redact(problem), MESSAGE_BODY_CHARS)}`,
  });
}
