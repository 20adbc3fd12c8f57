/**
 * Body → WebhookHint. Creatify's payload is documented only as a Python-repr example
 * (creatify-api.md §7, §13.9), so neither its encoding nor the Content-Type is known: a
 * JSON object, or the form fields Python's requests sends for a dict passed as `data=`
 * (a None left out, every value text), or the dict as Python prints it (`str(payload)`,
 * single quotes and None, as the docs show it). Read tolerantly (see WebhookDelivery): refused,
 * with a reason the sender can read, is only what cannot be a delivery — neither a JSON
 * object, a Python dict nor form fields, no UUID `id`, or a status/URL/reason too long or oddly shaped
 * to be Creatify's.
 */
import type { z } from 'zod';
import { WebhookDelivery } from '../creatify/schemas';
import { progressFraction } from '../creatify/status';
import { normalizeLipsyncId } from '../contract/lipsync-id';
import { type WebhookHint } from '../contract/messages';
import { readPythonLiteral } from './python-literal';
import type { RejectReason } from './stats';

export type ParsedDelivery =
  | { ok: true; hint: WebhookHint }
  | { ok: false; reason: Extract<RejectReason, 'malformed-json' | 'not-an-object' | 'invalid-delivery'>; detail: string };

export function parseDelivery(body: Buffer, receivedAt: Date): ParsedDelivery {
  const text = body.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
    // `json=str(payload)` in Python: a JSON string holding the dict as Python prints it.
    if (typeof json === 'string') json = readJsonOrPython(json) ?? json;
  } catch (err) {
    const read = readPythonLiteral(text) ?? formFields(text);
    if (read === undefined) return { ok: false, reason: 'malformed-json', detail: `body is neither JSON, a Python dict nor form fields (${(err as Error).message})` };
    json = read;
  }
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
  // status without an id beside it is the envelope's (`{"status": "success", "data": {…}}`).
  for (let depth = 0; ; depth++) {
    const inner = envelopeOf(fields);
    if (!inner || ('status' in fields && ('id' in fields || 'lipsync_id' in fields))) break;
    if (depth === MAX_ENVELOPES) return {};
    fields = inner;
  }
  if (!('id' in fields) && typeof fields.lipsync_id === 'string') return { ...fields, id: fields.lipsync_id };
  return fields;
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
