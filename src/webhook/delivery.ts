/**
 * Body → WebhookHint. Creatify's payload is documented only as a Python-repr example
 * (creatify-api.md §7, §13.9), so neither its encoding nor the Content-Type is known: a
 * JSON object, or the form fields Python's requests sends for a dict passed as `data=`
 * (a None left out, every value text), or the dict as Python prints it (`str(payload)`,
 * single quotes and None, as the docs show it); one, or a list of them. Read tolerantly
 * (see WebhookDelivery): refused, with a reason the sender can read, is only what cannot
 * be a delivery — neither a JSON object, a Python dict nor form fields, or no UUID `id`.
 */
import type { z } from 'zod';
import { LipsyncId, WebhookDelivery } from '../creatify/schemas';
import { progressFraction } from '../creatify/status';
import { normalizeLipsyncId } from '../contract/lipsync-id';
import { type WebhookHint } from '../contract/messages';
import { readPythonLiteral } from './python-literal';
import type { RejectReason } from './stats';

export type ParsedDelivery =
  | { ok: true; hint: WebhookHint }
  | { ok: false; reason: Extract<RejectReason, 'malformed-json' | 'not-an-object' | 'invalid-delivery'>; detail: string };

/** A body: one delivery, or several in a list (each read as one). */
export type ParsedBody =
  | { ok: true; hints: WebhookHint[]; refused: string[] }
  | Extract<ParsedDelivery, { ok: false }>;

/** Deliveries one body may carry as a list: more is not a webhook (and would all go into signals). */
export const MAX_DELIVERIES_PER_BODY = 20;

export function parseDelivery(body: Buffer, receivedAt: Date): ParsedDelivery {
  const read = readBody(body);
  if (!read.ok) return read;
  return deliveryOf(read.json, receivedAt);
}

/**
 * What the receiver reads: the body as parseDelivery does, or a list of deliveries (a
 * sender that batches), each read alone. A list is refused only when none of its items
 * is a delivery; the others are named in `refused`.
 */
export function parseDeliveries(body: Buffer, receivedAt: Date): ParsedBody {
  const read = readBody(body);
  if (!read.ok) return read;
  if (!Array.isArray(read.json)) {
    const one = deliveryOf(read.json, receivedAt);
    return one.ok ? { ok: true, hints: [one.hint], refused: [] } : one;
  }
  if (read.json.length === 0 || read.json.length > MAX_DELIVERIES_PER_BODY) {
    return { ok: false, reason: 'not-an-object', detail: `body must be a JSON object or a list of 1 to ${MAX_DELIVERIES_PER_BODY}, got an array of ${read.json.length}` };
  }
  const each = read.json.map((item) => deliveryOf(item, receivedAt));
  const hints = each.flatMap((one) => (one.ok ? [one.hint] : []));
  const refused = each.flatMap((one, i) => (one.ok ? [] : [`[${i}] ${one.detail}`]));
  if (hints.length === 0) return { ok: false, reason: 'invalid-delivery', detail: refused.join('; ') };
  return { ok: true, hints, refused };
}

function readBody(body: Buffer): { ok: true; json: unknown } | Extract<ParsedDelivery, { ok: false }> {
  // A byte-order mark is no part of the text (JSON.parse refuses it; a form field would keep it).
  const text = body.toString('utf8').replace(/^\uFEFF/, '');
  try {
    const json: unknown = JSON.parse(text);
    // `json=str(payload)` in Python: a JSON string holding the dict as Python prints it.
    return { ok: true, json: typeof json === 'string' ? (readJsonOrPython(json) ?? json) : json };
  } catch (err) {
    const read = readPythonLiteral(text) ?? formFields(text);
    if (read === undefined) return { ok: false, reason: 'malformed-json', detail: `body is neither JSON, a Python dict nor form fields (${(err as Error).message})` };
    return { ok: true, json: read };
  }
}

function deliveryOf(json: unknown, receivedAt: Date): ParsedDelivery {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { ok: false, reason: 'not-an-object', detail: `body must be a JSON object, got ${describe(json)}` };
  }
  const fields = unwrapped(json as Record<string, unknown>);
  const parsed = WebhookDelivery.safeParse(fields);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((issue) => explain(issue, fields)).join('; ');
    return { ok: false, reason: 'invalid-delivery', detail };
  }
  const { id, status, failedReason, output, progress } = parsed.data;
  return {
    ok: true,
    hint: {
      id: normalizeLipsyncId(id),
      status,
      failedReason,
      output,
      ...(progress === null ? {} : { progress: progressFraction({ progress }) }),
      receivedAt: receivedAt.toISOString(),
    },
  };
}

/** Keys a sender might wrap the record in (`{"event": "…", "data": {...}}`, as many webhook senders do). */
const ENVELOPES = ['data', 'payload', 'lipsync', 'object', 'record'] as const;
/** Envelopes read inside one another: real senders use one or two; a body nested deeper is refused as a delivery, not unwound. */
const MAX_ENVELOPES = 4;

/**
 * The delivery's own fields. The documented payload is flat with an `id`; a sender that
 * wraps the record in an envelope, or names the id `lipsync_id`, is read the same way
 * (an undocumented shape costs a lost webhook otherwise, and the job waits for a poll).
 */
function unwrapped(body: Record<string, unknown>): Record<string, unknown> {
  let fields = body;
  // The documented payload always has a status: an `id` beside none may be an event's own
  // id (`{"id": <event>, "type": …, "data": {"id": …}}`), and the record is inside. A
  // status without an id beside it is the envelope's (`{"status": "success", "data": {…}}`),
  // and so are an id and status beside a record when that id is no lipsync's (an event's
  // `evt_1`, `"status": "delivered"`).
  for (let depth = 0; ; depth++) {
    const inner = envelopeOf(fields);
    if (!inner || ('status' in fields && isLipsyncId(idOf(fields)))) break;
    if (depth === MAX_ENVELOPES) return {};
    fields = inner;
  }
  // `lipsync_id` names the lipsync where `id` is absent or is something else's (an event's, a number).
  if (!isLipsyncId(fields.id) && isLipsyncId(fields.lipsync_id)) return { ...fields, id: fields.lipsync_id };
  return fields;
}

/** The id a record carries, under either name. */
function idOf(fields: Record<string, unknown>): unknown {
  return isLipsyncId(fields.id) ? fields.id : fields.lipsync_id;
}

function isLipsyncId(value: unknown): boolean {
  return LipsyncId.safeParse(typeof value === 'string' ? value.trim() : value).success;
}

function envelopeOf(body: Record<string, unknown>): Record<string, unknown> | undefined {
  for (const key of ENVELOPES) {
    const inner = asObject(body[key]);
    if (inner && ('id' in inner || 'lipsync_id' in inner)) return inner;
  }
  return undefined;
}

/** An envelope's content: an object, or (a form field, `data=<json>`) the JSON text of one. */
function asObject(value: unknown): Record<string, unknown> | undefined {
  if (typeof value === 'string' && value.startsWith('{')) value = readJsonOrPython(value);
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function readJsonOrPython(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return readPythonLiteral(text);
  }
}

/** How a form encoder writes a missing value (JavaScript's null, Python's None): as absent. */
const NO_VALUE = new Set(['null', 'None', 'undefined']);

/**
 * `a=1&b=2` as an object, or undefined when the text is not form fields: form data has
 * no syntax errors, so only a body whose fields include an `id` (or an envelope whose
 * value is the record as JSON, `data={...}`) is taken for one.
 */
function formFields(text: string): Record<string, string> | undefined {
  if (!/^[^\s{[=&]+=/.test(text)) return undefined;
  const fields = Object.fromEntries([...new URLSearchParams(text)].filter(([, value]) => !NO_VALUE.has(value)));
  // An envelope is only looked for here, not read: unwrapped parses it once, as for JSON bodies.
  return 'id' in fields || 'lipsync_id' in fields || ENVELOPES.some((key) => fields[key]?.startsWith('{')) ? fields : undefined;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

// Zod's own wording ("Invalid GUID", "expected string, received undefined") is
// rephrased where a sender would otherwise have to guess what we meant.
function explain(issue: z.core.$ZodIssue, body: Record<string, unknown>): string {
  const field = issue.path.join('.') || 'body';
  const key = issue.path[0];
  if (issue.path.length === 1 && typeof key === 'string' && !(key in body)) return `${field}: is required`;
  if (issue.code === 'invalid_format' && (issue.format === 'guid' || issue.format === 'uuid')) return `${field}: must be a UUID`;
  return `${field}: ${issue.message}`;
}
