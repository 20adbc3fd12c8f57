// HTTP client for Creatify lipsync v2 (§2 of docs/creatify-api.md).
// Knows the wire format and nothing of Temporal; callers decide about retries.
import { Agent, request, type Dispatcher } from 'undici';
import type { z } from 'zod';
import {
  CreatifyError,
  errorFromResponse,
  errorFromTransport,
  localValidationError,
  makeRedactor,
  pageIn2xx,
  refusalIn2xx,
  refusedReadIn2xx,
  responseShapeError,
  truncate,
} from './errors';
import { CallPacer, TurnTooFar } from './pacer';
import {
  Lipsync,
  LipsyncId,
  LipsyncListPage,
  type LipsyncList,
  LipsyncRequest,
  RemainingCredits,
} from './schemas';

export interface CreatifyClientOptions {
  /** e.g. https://api.creatify.ai (a path prefix is kept; a trailing slash is ignored). */
  baseUrl: string;
  apiId: string;
  apiKey: string;
  /** Whole-call deadline (connect + headers + body) for every call but preview. Default 30 s. */
  timeoutMs?: number;
  /** Preview probably blocks until the layout is ready (§4.2 [I]). Default 180 s. */
  previewTimeoutMs?: number;
  /** Bring your own pool/agent; it is then yours to close. */
  dispatcher?: Dispatcher;
  /**
   * At most this many calls per second from this client, one every 1/rate s, whatever
   * calls them (pacer.ts); unset: no limit. Either way a 429 holds back the client's calls
   * to the same endpoint for its Retry-After.
   */
  callsPerSecond?: number | null;
  /** The pacing itself (tests give one with a fake clock); built from callsPerSecond otherwise. */
  pacer?: CallPacer;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_PREVIEW_TIMEOUT_MS = 180_000;
// "Maximum 100 entries allowed" for `?ids=` [D] (§4.5).
const MAX_LIST_IDS = 100;
// A page of the list holds at least 10 [I: DRF's usual smallest PAGE_SIZE]: 100 ids fit in 10 pages.
const MAX_LIST_PAGES = 10;

/**
 * The list's next page as a path on our own base URL: DRF writes `next` as an absolute
 * URL built from the host it was asked on (which may be an internal name behind a
 * proxy), so only its query is taken. Null for the last page, for a link elsewhere, and
 * for one that lost the `ids` filter (it would page through the whole workspace).
 */
function nextListPage(next: string | null): string | null {
  if (next === null) return null;
  let url: URL;
  try {
    url = new URL(next, 'http://base.invalid');
  } catch {
    return null;
  }
  if (!url.pathname.endsWith(LIPSYNCS) || !url.searchParams.has('ids')) return null;
  return `${LIPSYNCS}${url.search}`;
}

// Every documented curl URL ends in '/'; a slash-less POST may be redirected by
// Django's APPEND_SLASH and lose its body (§1 [I]), so paths always carry it.
const LIPSYNCS = '/api/lipsyncs_v2/';

/** Which of Creatify's endpoints a call is: a 429 holds back the calls to the same one. */
export type CreatifyEndpoint = 'create' | 'preview' | 'render' | 'get' | 'list' | 'credits';

interface CallSpec<T> {
  endpoint: CreatifyEndpoint;
  method: 'GET' | 'POST';
  path: string;
  schema: z.ZodType<T>;
  body?: unknown;
  timeoutMs: number;
  /** The caller took this call's turn already (takeTurn). */
  turnTaken?: boolean;
}

export class CreatifyClient {
  private readonly urlPrefix: string;
  // An ES private field: util.inspect/JSON of a client never show the key.
  readonly #headers: Record<string, string>;
  private readonly redact: (text: string) => string;
  private readonly timeoutMs: number;
  private readonly previewTimeoutMs: number;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly pacer: CallPacer;

  constructor(options: CreatifyClientOptions) {
    if (options.apiId === '' || options.apiKey === '') throw new Error('CreatifyClient: apiId and apiKey are required');
    const base = new URL(options.baseUrl);
    this.urlPrefix = `${base.origin}${base.pathname.replace(/\/+$/, '')}`;
    // Only the key is secret; the id names the account, like a user name.
    this.redact = makeRedactor(options.apiKey);
    this.#headers = { 'x-api-id': options.apiId, 'x-api-key': options.apiKey, accept: 'application/json' };
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.previewTimeoutMs = options.previewTimeoutMs ?? DEFAULT_PREVIEW_TIMEOUT_MS;
    this.pacer = options.pacer ?? new CallPacer({ callsPerSecond: options.callsPerSecond });
    this.ownsDispatcher = options.dispatcher === undefined;
    // Our own AbortSignal enforces the deadline; undici's per-phase timers are
    // set just above it so they never fire first with a less precise error.
    const phaseTimeout = Math.max(this.timeoutMs, this.previewTimeoutMs) + 1_000;
    this.dispatcher = options.dispatcher ?? new Agent({ headersTimeout: phaseTimeout, bodyTimeout: phaseTimeout });
  }

  /** POST /api/lipsyncs_v2/ — create and render in one step (charges 5 credits/30 s, standard). */
  async create(body: LipsyncRequest): Promise<Lipsync> {
    const operation = `POST ${LIPSYNCS}`;
    return this.call({ endpoint: 'create', method: 'POST', path: LIPSYNCS, schema: Lipsync, body: this.checkRequest(operation, body), timeoutMs: this.timeoutMs });
  }

  /** POST /api/lipsyncs_v2/preview/ — creates a new record with `preview` set; slow. */
  async preview(body: LipsyncRequest): Promise<Lipsync> {
    const path = `${LIPSYNCS}preview/`;
    return this.call({ endpoint: 'preview', method: 'POST', path, schema: Lipsync, body: this.checkRequest(`POST ${path}`, body), timeoutMs: this.previewTimeoutMs });
  }

  /**
   * POST /api/lipsyncs_v2/{id}/render/ — not idempotent, charges credits (see
   * render-judgement.ts). Null: accepted (a 2xx) without the record in the answer (a 202,
   * a 204, `{"detail": "Render started"}`; documented is the record, §4.3): the render was
   * taken all the same, and must not be taken for a failure and POSTed again.
   */
  async render(id: string, options: { turnTaken?: boolean } = {}): Promise<Lipsync | null> {
    const path = `${LIPSYNCS}${this.checkId(`POST ${LIPSYNCS}{id}/render/`, id)}/render/`;
    try {
      return await this.call({ endpoint: 'render', method: 'POST', path, schema: Lipsync, timeoutMs: this.timeoutMs, turnTaken: options.turnTaken });
    } catch (err) {
      if (err instanceof CreatifyError && err.kind === 'response-shape' && err.status !== undefined && err.status >= 200 && err.status <= 299) {
        const refused = refusalIn2xx(err);
        if (refused) throw refused;
        // A page is neither: the render activity watches the record as maybe started.
        if (pageIn2xx(err)) throw err;
        return null;
      }
      throw err;
    }
  }

  /** GET /api/lipsyncs_v2/{id}/ — free. */
  async get(id: string): Promise<Lipsync> {
    const path = `${LIPSYNCS}${this.checkId(`GET ${LIPSYNCS}{id}/`, id)}/`;
    try {
      return await this.call({ endpoint: 'get', method: 'GET', path, schema: Lipsync, timeoutMs: this.timeoutMs });
    } catch (err) {
      // `200 {"detail": "Not found."}`: the refusal it is, not a record to wait for.
      throw (err instanceof CreatifyError && err.kind === 'response-shape' && refusedReadIn2xx(err)) || err;
    }
  }

  /** GET /api/lipsyncs_v2/?ids=… — free; unknown ids are presumably omitted (§15 [I]). */
  async list(ids: readonly string[]): Promise<LipsyncList> {
    const operation = `GET ${LIPSYNCS}`;
    if (ids.length === 0 || ids.length > MAX_LIST_IDS) {
      throw localValidationError(operation, [{ path: ['ids'], message: `between 1 and ${MAX_LIST_IDS} ids are allowed, got ${ids.length}` }]);
    }
    ids.forEach((id, index) => this.checkId(operation, id, ['ids', index]));
    // By id: a record that moved between pages while they were read (newest first, say) counts once, as last read.
    const lipsyncs = new Map<string, Lipsync>();
    let path: string | null = `${LIPSYNCS}?ids=${ids.join(',')}`;
    for (let pages = 0; path !== null && pages < MAX_LIST_PAGES; pages += 1) {
      let page: z.output<typeof LipsyncListPage>;
      try {
        page = await this.call({ endpoint: 'list', method: 'GET', path, schema: LipsyncListPage, timeoutMs: this.timeoutMs });
      } catch (err) {
        // A later page gone ("Invalid page.": the list shrank as it was read): what was read stands.
        if (pages > 0 && err instanceof CreatifyError && err.kind === 'not-found') break;
        throw err;
      }
      for (const lipsync of page.results) lipsyncs.set(lipsync.id.toLowerCase(), lipsync);
      // Every id asked is read: the pages after (a list that ignores `ids` goes on through the workspace) add none.
      if (ids.every((id) => lipsyncs.has(id.toLowerCase()))) break;
      path = nextListPage(page.next);
    }
    return [...lipsyncs.values()];
  }

  /** GET /api/remaining_credits/ — `{remaining_credits: double}` [D]. */
  async remainingCredits(): Promise<RemainingCredits> {
    return this.call({ endpoint: 'credits', method: 'GET', path: '/api/remaining_credits/', schema: RemainingCredits, timeoutMs: this.timeoutMs });
  }

  /**
   * Waits for the next call's turn (the pacing above), for a caller that must know the
   * call can go out at once before it sends it (the render POST heartbeats its time
   * first); that call is then made with `turnTaken`. A turn too far away is a
   * rate-limited error with that wait as its Retry-After, and nothing is sent.
   */
  async takeTurn(endpoint: CreatifyEndpoint, operation: string): Promise<void> {
    try {
      await this.pacer.turn(endpoint);
    } catch (err) {
      if (!(err instanceof TurnTooFar)) throw err;
      throw new CreatifyError({ kind: 'rate-limited', message: `${operation}: ${err.message}`, retryAfterMs: err.waitMs });
    }
  }

  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  // Called inside the async public methods, so a refusal is a rejected promise
  // and no request is sent.
  private checkRequest(operation: string, body: LipsyncRequest): LipsyncRequest {
    const parsed = LipsyncRequest.safeParse(body);
    if (!parsed.success) throw localValidationError(operation, parsed.error.issues);
    return parsed.data;
  }

  private checkId(operation: string, id: string, path: PropertyKey[] = ['id']): string {
    if (!LipsyncId.safeParse(id).success) {
      throw localValidationError(operation, [{ path, message: `not a UUID: ${truncate(this.redact(JSON.stringify(String(id))), 60)}` }]);
    }
    return id;
  }

  private async call<T>(spec: CallSpec<T>): Promise<T> {
    const operation = `${spec.method} ${spec.path.split('?')[0]}`;
    if (!spec.turnTaken) await this.takeTurn(spec.endpoint, operation);
    const headers = spec.body === undefined ? this.#headers : { ...this.#headers, 'content-type': 'application/json' };
    const deadline = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      deadline.abort();
    }, spec.timeoutMs);
    let status: number;
    let retryAfter: string | string[] | undefined;
    let rawBody: string;
    try {
      const response = await request(`${this.urlPrefix}${spec.path}`, {
        method: spec.method,
        headers,
        body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
        signal: deadline.signal,
        dispatcher: this.dispatcher,
      });
      status = response.statusCode;
      retryAfter = response.headers['retry-after'];
      rawBody = await response.body.text();
    } catch (error) {
      throw errorFromTransport({ operation, error, redact: this.redact, timedOutAfterMs: timedOut ? spec.timeoutMs : undefined });
    } finally {
      clearTimeout(timer);
    }
    if (status < 200 || status > 299) {
      const error = errorFromResponse({ operation, status, retryAfter, rawBody, redact: this.redact });
      // Every call of this client to the endpoint holds back, not only this one's retry.
      if (status === 429) this.pacer.rateLimited(spec.endpoint, error.retryAfterMs);
      throw error;
    }
    return this.parseBody(operation, status, rawBody, spec.schema);
  }

  private parseBody<T>(operation: string, status: number, rawBody: string, schema: z.ZodType<T>): T {
    let json: unknown;
    try {
      json = JSON.parse(rawBody);
    } catch {
      throw responseShapeError(operation, status, rawBody, 'not JSON', this.redact);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const problem = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
      throw responseShapeError(operation, status, rawBody, problem, this.redact);
    }
    return parsed.data;
  }
}
