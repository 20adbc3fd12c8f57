import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { toDrfErrors } from './drf-errors';
import { faultAfter, faultBefore } from './fault-response';
import type { FaultHit } from './fault-response';
import type { FaultBook } from './faults';
import { forbidden, methodNotAllowed, notFound, parseJson, readBody, sendJson } from './http';
import type { JsonReply } from './http';
import type { Endpoint, Ledger } from './ledger';
import { serializeRecord, wireDecimal } from './record';
import { lipsyncRequestSchema, UUID_RE } from './request-schema';
import type { LipsyncRequest } from './request-schema';
import type { RandomFaults } from './random-faults';
import type { SandboxSettings } from './settings';
import { listRecords, parseIds, wellFormedIds, type ListPaging } from './list';
import type { OperationResult, Store } from './store';
import type { Throttle } from './throttle';
import type { Timers } from './timers';
import type { Webhooks } from './webhooks';

// The public API of creatify-api.md §2, in the order a request meets it:
// routing → call count → injected fault → auth → the endpoint itself; a fault with
// `after` (armed or random) comes last instead, once the request has been processed.

export interface ApiContext {
  settings(): SandboxSettings;
  credentials: { apiId: string; apiKey: string };
  store: Store;
  ledger: Ledger;
  faults: FaultBook;
  randomFaults: RandomFaults;
  /** Timers of in-flight requests (slow faults, preview latency). */
  requestTimers: Timers;
  webhooks: Pick<Webhooks, 'onPreviewed'>;
  throttle: Throttle;
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

  const fault = pickFault(ctx, route.endpoint, askedIds);
  const recordFault = (lipsyncId: string | null | undefined) =>
    ctx.ledger.recordFault({
      endpoint: route.endpoint,
      kind: fault!.kind,
      lipsyncId: fault!.lipsyncId ?? lipsyncId ?? askedIds[0] ?? null,
      after: fault!.after,
      random: fault!.random,
    });
  if (fault && !fault.after) {
    recordFault(null);
    const early = await faultBefore(fault, res, ctx.requestTimers);
    if (early !== null) return early;
  }

  // As DRF: authentication, then the throttle, then the view.
  const denied = authenticate(ctx, req) ?? ctx.throttle.check(ctx.settings().throttle);
  const result = denied ? { reply: denied } : await runEndpoint(ctx, route, req);
  if (fault?.after) {
    // Processed (charged, state changed); only now does the answer go wrong. For a
    // create/preview the id is the record just made, which the client never learns.
    recordFault(result.lipsyncId);
    return faultAfter(fault, res, ctx.requestTimers, result.reply);
  }
  return reply(res, result.reply);
}

/**
 * An armed fault wins; a random one is drawn for every request anyway, so arming a
 * fault does not shift which later requests the chaos stream hits.
 */
function pickFault(ctx: ApiContext, endpoint: Endpoint, askedIds: readonly string[]): FaultHit | null {
  const drawn = ctx.randomFaults.draw(ctx.settings().randomFaults, endpoint);
  const armed = ctx.faults.take(endpoint, askedIds);
  return armed ? { ...armed, random: false } : drawn;
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

/** DRF's page links: the request's own URL on the host it was asked on, with `page` set. */
function listPaging(req: IncomingMessage): ListPaging {
  const url = new URL(req.url ?? LIPSYNCS, `http://${req.headers.host ?? 'localhost'}`);
  return {
    page: url.searchParams.get('page'),
    linkTo: (page) => {
      const link = new URL(url);
      link.searchParams.set('page', String(page));
      return link.toString();
    },
  };
}

async function runEndpoint(
  ctx: ApiContext,
  route: Route,
  req: IncomingMessage,
): Promise<{ reply: JsonReply; lipsyncId?: string }> {
  const settings = ctx.settings();
  const serialize = (r: Parameters<typeof serializeRecord>[0]) => serializeRecord(r, settings);
  // §13.4: GET by id (and, read so, the list) may leave `duration` out.
  const serializeFor = (answer: 'get' | 'list') => (r: Parameters<typeof serializeRecord>[0]) => {
    const body = serialize(r);
    if (settings.durationOmittedFrom === 'get-and-list' || settings.durationOmittedFrom === answer) delete body.duration;
    // A server that gives the layout link only in the preview's own answer.
    if (settings.previewLinkOnRecord === false) body.preview = null;
    return body;
  };
  const fromOperation = (result: OperationResult) =>
    result.ok
      ? { reply: result.answer ?? { status: result.okStatus ?? 200, body: serialize(result.record) }, lipsyncId: result.record.id }
      : { reply: { status: result.status, body: result.body, ...(result.headers ? { headers: result.headers } : {}) } };

  switch (route.endpoint) {
    case 'credits':
      if (settings.remainingCredits === 'absent') return { reply: notFound() };
      if (settings.remainingCredits === 'forbidden') return { reply: forbidden() };
      return { reply: { status: 200, body: { remaining_credits: wireDecimal(settings.remainingCredits === 'stale' ? settings.initialCredits : ctx.ledger.balance, settings.decimalsAs) } } };
    case 'get': {
      const record = ctx.store.get(route.id!);
      return { reply: record ? { status: 200, body: serializeFor('get')(record) } : { ...notFound(), status: settings.missingRecordStatus }, lipsyncId: route.id };
    }
    case 'list':
      return { reply: listRecords(ctx, route.ids ?? null, serializeFor('list'), settings, listPaging(req)) };
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
      if (result.ok) {
        ctx.ledger.countFor(result.record.id, endpoint);
        if (endpoint === 'preview') ctx.webhooks.onPreviewed(result.record);
      }
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

function reply(res: ServerResponse, r: JsonReply): number {
  sendJson(res, r);
  return r.status;
}
