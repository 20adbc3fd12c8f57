/**
 * The webhook receiver as a plain function from request to response, so a backend can
 * mount it in its own Express/Fastify/node:http server; server.ts is one such host.
 * Rules: DESIGN.md "Webhook receiver". Bad input is always a 4xx, never a 500.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import type { WebhookConfig } from '../config';
import type { WebhookHint } from '../contract/messages';
import { decodeBody } from './body-encoding';
import { parseDeliveries } from './delivery';
import { matchRoute, redactPath, routePrefix } from './route';
import { StatsCounter, type RejectReason, type WebhookStats } from './stats';
import { matchToken } from './token';

export interface WebhookRequestHead {
  method: string;
  /** The request target as received (query string allowed, ignored). */
  path: string;
  headers: Record<string, string | string[] | undefined>;
}

export interface WebhookRequest extends WebhookRequestHead {
  body: Buffer;
}

export interface WebhookResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Delivers a hint to the lipsync's workflow. Throws WorkflowNotFoundError when none runs. */
export interface Signaler {
  signal(lipsyncId: string, hint: WebhookHint): Promise<void>;
}

export type WebhookLog = (line: string) => void;

export interface WebhookHandlerOptions {
  config: WebhookConfig;
  signaler: Signaler;
  log?: WebhookLog;
}

export interface WebhookHandler {
  handle(request: WebhookRequest): Promise<WebhookResponse>;
  /**
   * For hosts that stream the body: the answer that needs no body (unknown path, bad
   * token, wrong method, a declared Content-Length over the cap), or null to read on.
   * Lets a host refuse without reading a byte. A non-null answer is final and counted.
   */
  precheck(head: WebhookRequestHead): WebhookResponse | null;
  /** The final answer when a host stops reading because the body passed the cap. */
  tooLarge(head: WebhookRequestHead): WebhookResponse;
  stats(): WebhookStats;
}

/** Long enough for a Temporal restart, short enough to be inside polling's first wait. */
export const RETRY_AFTER_SECONDS = 30;

export function createWebhookHandler({ config, signaler, log: rawLog }: WebhookHandlerOptions): WebhookHandler {
  const log = quietLog(rawLog);
  const prefix = routePrefix(config.publicUrl);
  const counter = new StatsCounter();

  function reject(head: WebhookRequestHead, reason: RejectReason, status: number, detail?: string): WebhookResponse {
    counter.count('received');
    counter.reject(reason);
    const logged = detail ? `: ${oneLineText(detail)}` : '';
    log(`webhook ${status} ${reason} ${safeMethod(head.method)} ${redactPath(head.path, prefix)}${logged}`);
    const headers: Record<string, string> = status === 405 ? { Allow: 'POST' } : {};
    return json(status, { ok: false, error: reason, ...(detail ? { detail } : {}) }, headers);
  }

  // Auth before method and body: without the token a prober learns nothing about what
  // the route accepts. The prefix itself is not hidden: 401 under it vs 404 elsewhere
  // tells a prober where it is (DESIGN.md allows 401 or 404; 401 tells a sender with a
  // stale secret that its token is the problem).
  function headProblem(head: WebhookRequestHead): WebhookResponse | null {
    const route = matchRoute(head.path, prefix);
    if (route.kind === 'elsewhere') return reject(head, 'unknown-path', 404);
    if (!matchToken(route.token, config.secrets)) return reject(head, 'bad-token', 401);
    if (head.method.toUpperCase() !== 'POST') return reject(head, 'method-not-allowed', 405, `${safeMethod(head.method)} is not POST`);
    const declared = Number(header(head, 'content-length'));
    if (Number.isFinite(declared) && declared > config.maxBodyBytes) return tooLarge(head);
    return null;
  }

  function tooLarge(head: WebhookRequestHead): WebhookResponse {
    return reject(head, 'too-large', 413, `body over ${config.maxBodyBytes} bytes`);
  }

  async function handle(request: WebhookRequest): Promise<WebhookResponse> {
    const early = headProblem(request);
    if (early) return early;
    if (request.body.length > config.maxBodyBytes) return tooLarge(request);
    const decoded = decodeBody(request.body, header(request, 'content-encoding'), config.maxBodyBytes);
    if ('refused' in decoded && decoded.refused !== 'malformed-json') return decoded.refused === 'too-large' ? tooLarge(request) : reject(request, decoded.refused, decoded.status, decoded.detail);
    // Not the coding it names: a host's body parser (express.raw) may have inflated it already, header left in place.
    const parsed = parseDeliveries('body' in decoded ? decoded.body : request.body, new Date());
    if (!parsed.ok) return reject(request, parsed.reason, 400, 'refused' in decoded ? `${decoded.detail}; as sent: ${parsed.detail}` : parsed.detail);
    counter.count('received');
    if (parsed.refused.length > 0) log(`webhook: ${parsed.refused.length} item(s) of a list left out: ${oneLineText(parsed.refused.join('; ')).slice(0, 300)}`);

    // Each delivery of a list is signalled; one that could not be recorded makes the
    // sender retry them all (a Signal again is harmless: the trackers dedupe).
    const outcomes = await Promise.all(parsed.hints.map((hint) => signalOne(hint)));
    if (outcomes.includes('unavailable')) return json(503, { ok: false, error: 'temporal-unavailable' }, { 'Retry-After': String(RETRY_AFTER_SECONDS) });
    if (!outcomes.includes('signalled')) return json(202, { ok: true, ignored: 'untracked lipsync' });
    return json(200, { ok: true });
  }

  async function signalOne(hint: WebhookHint): Promise<'signalled' | 'untracked' | 'unavailable'> {
    const what = `lipsync ${hint.id} status ${JSON.stringify(hint.status).slice(0, 40)}`;
    try {
      await signaler.signal(hint.id, hint);
    } catch (err) {
      // A 2xx here: the sender cannot fix it by retrying. Either the lipsync was never
      // tracked (or the id is forged), or its workflow has already finished.
      if (err instanceof WorkflowNotFoundError) {
        counter.count('untracked');
        log(`webhook 202 untracked ${what}`);
        return 'untracked';
      }
      // Nothing was recorded, so the sender should retry; polling covers it if it doesn't.
      counter.count('unavailable');
      log(`webhook 503 signal failed for ${what}: ${oneLine(err)}`);
      return 'unavailable';
    }
    counter.count('signalled');
    log(`webhook 200 signalled ${what}`);
    return 'signalled';
  }

  return { handle, precheck: headProblem, tooLarge, stats: () => counter.snapshot() };
}

/** A logger that cannot throw: a broken log sink must not change what a sender is told. */
export function quietLog(log: WebhookLog | undefined): WebhookLog {
  return (line) => {
    try {
      log?.(line);
    } catch {
      // Nowhere left to report it.
    }
  };
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): WebhookResponse {
  return {
    status,
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}

function header(head: WebhookRequestHead, name: string): string | undefined {
  const entry = Object.entries(head.headers).find(([key]) => key.toLowerCase() === name);
  const value = entry?.[1];
  return Array.isArray(value) ? value[0] : value;
}

/** Sender-chosen text (a JSON.parse message quotes the body) as one log line. */
function oneLineText(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ');
}

// The method is attacker-chosen text that ends up in a log line.
function safeMethod(method: string): string {
  return /^[A-Za-z-]{1,16}$/.test(method) ? method.toUpperCase() : '[odd method]';
}

// The client's ServiceError says only "Failed to signal Workflow"; the gRPC cause says why.
function oneLine(err: unknown): string {
  const describe = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));
  const cause = err instanceof Error && err.cause !== undefined ? ` (${describe(err.cause)})` : '';
  return `${describe(err)}${cause}`.replace(/\s+/g, ' ').slice(0, 300);
}
