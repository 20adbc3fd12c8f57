import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { toDrfErrors } from './drf-errors';
import { serverErrorHtml, throttledDetail } from './faults';
import type { ArmedFault, FaultBook } from './faults';
import { dropConnection, methodNotAllowed, notFound, parseJson, readBody, sendJson, sendText } from './http';
import type { JsonReply } from './http';
import type { Endpoint, Ledger } from './ledger';
import { serializeRecord } from './record';
import { lipsyncRequestSchema, UUID_RE } from './request-schema';
import type { LipsyncRequest } from './request-schema';
import type { SandboxSettings } from './settings';
import type { OperationResult, Store } from './store';
import type { Timers } from './timers';

// The public API of creatify-api.md §2, in the order a request meets it:
// routing → call count → injected fault → auth → the endpoint itself.

export interface ApiContext {
  settings(): SandboxSettings;
  credentials: { apiId: string; apiKey: string };
  store: Store;
  ledger: Ledger;
  faults: FaultBook;
  /** Timers of in-flight requests (slow faults, preview latency). */
  requestTimers: Timers;
}

interface Route {
  endpoint: Endpoint;
  id?: string;
  /** List only: the entries of `?ids=`, or null without the parameter. */
  ids?: string[] | null;
}

const LIPSYNCS = '/api/lipsyncs_v2/';

/** Trailing slash required: a slash-less path is simply not a route (404). */
function resolve(method: string, url: URL): Route | JsonReply {
  const path = url.pathname;
  const allow = (allowed: string[], route: Route): Route | JsonReply =>
    allowed.includes(method) ? route : methodNotAllowed(method, allowed);
  if (path === '/api/remaining_credits/') return allow(['GET'], { endpoint: 'credits' });
  if (path === LIPSYNCS) {
    return allow(['GET', 'POST'], method === 'POST' ? { endpoint: 'create' } : { endpoint: 'list', ids: parseIds(url) });
  }
  if (path === `${LIPSYNCS}preview/`) return allow(['POST'], { endpoint: 'preview' });
  const match = /^\/api\/lipsyncs_v2\/([^/]+)\/(render\/)?$/.exec(path);
  if (!match || !UUID_RE.test(match[1]!)) return notFound();
  const id = match[1]!.toLowerCase();
  return match[2] ? allow(['POST'], { endpoint: 'render', id }) : allow(['GET'], { endpoint: 'get', id });
}

/** Handles one /api/ request; returns the status sent (0 when the socket was destroyed). */
export async function handleApi(
  ctx: ApiContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<number> {
  const method = req.method ?? 'GET';
  const route = resolve(method, url);
  if (!('endpoint' in route)) return reply(res, route);
  const askedIds = route.id ? [route.id] : wellFormedIds(route.ids ?? null);
  ctx.ledger.countCall(route.endpoint, askedIds);

  const fault = ctx.faults.take(route.endpoint, askedIds);
  if (fault && fault.kind !== 'lost-response') {
    ctx.ledger.recordFault(route.endpoint, fault.kind, fault.lipsyncId ?? askedIds[0] ?? null);
    const early = await applyFault(ctx, fault, res);
    if (early !== null) return early;
  }

  const denied = authenticate(ctx, req);
  if (denied) return reply(res, denied);

  const result = await runEndpoint(ctx, route, req);
  if (fault?.kind === 'lost-response') {
    // Processed (charged, state changed), then the answer never reaches the client.
    ctx.ledger.recordFault(route.endpoint, fault.kind, result.lipsyncId ?? fault.lipsyncId ?? null);
    dropConnection(res);
    return 0;
  }
  return reply(res, result.reply);
}

/** Answers for the fault, or null when the request should then go on (slow). */
async function applyFault(ctx: ApiContext, fault: ArmedFault, res: ServerResponse): Promise<number | null> {
  switch (fault.kind) {
    case 'rate-limit':
      return reply(res, {
        status: 429,
        body: { detail: throttledDetail(fault.retryAfter) },
        headers: { 'retry-after': fault.retryAfter },
      });
    case 'server-error':
      sendText(res, fault.status, 'text/html; charset=utf-8', serverErrorHtml(fault.status));
      return fault.status;
    case 'reset':
      dropConnection(res);
      return 0;
    default:
      await ctx.requestTimers.sleep(fault.delayMs);
      return null;
  }
}

function authenticate(ctx: ApiContext, req: IncomingMessage): JsonReply | null {
  const id = req.headers['x-api-id'];
  const key = req.headers['x-api-key'];
  const status = ctx.settings().authFailureStatus;
  if (typeof id !== 'string' || typeof key !== 'string' || id === '' || key === '') {
    return withChallenge(status, 'Authentication credentials were not provided.');
  }
  if (!sameSecret(id, ctx.credentials.apiId) || !sameSecret(key, ctx.credentials.apiKey)) {
    return withChallenge(status, 'Invalid API credentials.');
  }
  return null;
}

function withChallenge(status: number, detail: string): JsonReply {
  // DRF only answers 401 when it can name a WWW-Authenticate scheme.
  const headers: Record<string, string> = status === 401 ? { 'www-authenticate': 'X-API-KEY' } : {};
  return { status, body: { detail }, headers };
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function runEndpoint(
  ctx: ApiContext,
  route: Route,
  req: IncomingMessage,
): Promise<{ reply: JsonReply; lipsyncId?: string }> {
  const settings = ctx.settings();
  const serialize = (r: Parameters<typeof serializeRecord>[0]) => serializeRecord(r, settings.progressAs);
  const fromOperation = (result: OperationResult) =>
    result.ok
      ? { reply: { status: 200, body: serialize(result.record) }, lipsyncId: result.record.id }
      : { reply: { status: result.status, body: result.body } };

  switch (route.endpoint) {
    case 'credits':
      return { reply: { status: 200, body: { remaining_credits: ctx.ledger.balance } } };
    case 'get': {
      const record = ctx.store.get(route.id!);
      return { reply: record ? { status: 200, body: serialize(record) } : notFound(), lipsyncId: route.id };
    }
    case 'list':
      return { reply: listRecords(ctx, route.ids ?? null, serialize) };
    case 'render': {
      const result = ctx.store.render(route.id!);
      return result ? { ...fromOperation(result), lipsyncId: route.id } : { reply: notFound() };
    }
    default: {
      const endpoint = route.endpoint;
      const parsed = await parseLipsyncRequest(req);
      if ('reply' in parsed) return parsed;
      if (endpoint === 'preview' && settings.previewLatencyMs > 0) {
        await ctx.requestTimers.sleep(settings.previewLatencyMs);
      }
      const result =
        endpoint === 'preview'
          ? ctx.store.preview(parsed.request, parsed.raw)
          : ctx.store.create(parsed.request, parsed.raw);
      if (result.ok) ctx.ledger.countFor(result.record.id, endpoint);
      return fromOperation(result);
    }
  }
}

type ParsedRequest = { reply: JsonReply } | { request: LipsyncRequest; raw: unknown[] };

async function parseLipsyncRequest(req: IncomingMessage): Promise<ParsedRequest> {
  const text = await readBody(req);
  const json = parseJson(text);
  if (!json.ok) return { reply: { status: 400, body: { detail: `JSON parse error - ${json.message}` } } };
  if (json.value === null || typeof json.value !== 'object' || Array.isArray(json.value)) {
    const got = Array.isArray(json.value) ? 'list' : typeof json.value;
    return { reply: { status: 400, body: { non_field_errors: [`Invalid data. Expected a dictionary, but got ${got}.`] } } };
  }
  const result = lipsyncRequestSchema.safeParse(json.value);
  if (!result.success) {
    return { reply: { status: 400, body: toDrfErrors(result.error.issues, json.value) } };
  }
  const raw = (json.value as { video_inputs: unknown[] }).video_inputs;
  return { request: result.data, raw };
}

/** `?ids=` split once: trimmed, non-empty entries as given; null without the parameter. */
function parseIds(url: URL): string[] | null {
  const raw = url.searchParams.get('ids');
  if (raw === null) return null;
  return raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/** The well-formed ids among them, lower-cased and unique: for counting and fault matching before validation. */
function wellFormedIds(ids: string[] | null): string[] {
  return [...new Set((ids ?? []).filter((id) => UUID_RE.test(id)).map((id) => id.toLowerCase()))];
}

function listRecords(
  ctx: ApiContext,
  ids: string[] | null,
  serialize: (r: Parameters<typeof serializeRecord>[0]) => Record<string, unknown>,
): JsonReply {
  if (ids === null) {
    const records = ctx.store.all();
    for (const record of records) ctx.ledger.countFor(record.id, 'list');
    return { status: 200, body: records.map(serialize) };
  }
  if (ids.length === 0) return { status: 400, body: { ids: ['This field may not be blank.'] } };
  if (ids.length > 100) return { status: 400, body: { ids: ['Maximum 100 entries allowed.'] } };
  const invalid = ids.find((id) => !UUID_RE.test(id));
  if (invalid !== undefined) return { status: 400, body: { ids: [`“${invalid}” is not a valid UUID.`] } };
  const wanted = new Set(ids.map((id) => id.toLowerCase()));
  // Unknown ids are silently left out ([I] creatify-api.md §15).
  const records = ctx.store.all().filter((r) => wanted.has(r.id));
  return { status: 200, body: records.map(serialize) };
}

function reply(res: ServerResponse, r: JsonReply): number {
  sendJson(res, r);
  return r.status;
}
