import { wireProgress, wireStatus } from './record';
import type { SandboxSettings } from './settings';

// The body of one delivery. §7 documents {id, status, failed_reason, output}; the
// settings here play the shapes a real Creatify might send instead (sibling field
// names, other status words, a progress field, upper-case ids, unknown extras).

/** The documented payload (§7): what style 'documented' sends without extras. */
export interface WebhookPayload {
  id: string;
  status: string;
  failed_reason: string | null;
  output: string | null;
}

/** What a delivery is about, before it is put into a wire shape. */
export interface DeliveryFacts {
  id: string;
  /** The sandbox's own status name (`running`, not runningStatusAs). */
  status: string;
  failed_reason: string | null;
  output: string | null;
  video_thumbnail: string | null;
  progress: number;
}

export const EXTRA_EVENT_NAME = 'lipsync.status';

/**
 * The JSON object to POST. `attempt` numbers the copies of one delivery (1 = the
 * first, then duplicates); `sent_at` of extraFields is stamped at send time.
 */
export function deliveryBody(facts: DeliveryFacts, settings: SandboxSettings, attempt: number): Record<string, unknown> {
  const hooks = settings.webhooks;
  const status = wireStatus(facts.status, settings);
  const body: Record<string, unknown> = {
    id: hooks.idCase === 'upper' ? facts.id.toUpperCase() : facts.id,
    status: hooks.statusAliases[status] ?? status,
    failed_reason: facts.failed_reason,
  };
  if (hooks.style === 'sibling') {
    body.video_output = facts.output;
    body.video_thumbnail = facts.video_thumbnail;
  } else if (hooks.style === 'documented') {
    body.output = facts.output;
  } else if (hooks.style === 'output-url') {
    body.output_url = facts.output;
  }
  if (hooks.progress !== 'none') body.progress = wireProgress(facts.progress, hooks.progress);
  if (hooks.extraFields) {
    body.event = EXTRA_EVENT_NAME;
    body.sent_at = null;
    body.meta = { attempt };
  }
  return body;
}

/** The body as it goes out: as is, or wrapped as many webhook senders do (settings.webhooks.envelope). */
export function inEnvelope(body: Record<string, unknown>, envelope: SandboxSettings['webhooks']['envelope']): Record<string, unknown> | unknown[] {
  if (envelope === 'status') return { status: 'success', data: body };
  // An event's own id and status beside the record, as event-bus senders write them.
  if (envelope === 'event') return { id: `evt_${String(body.sent_at ?? Date.now()).replace(/\W/g, '')}`, status: 'delivered', data: body };
  if (envelope === 'list') return [body];
  return envelope === 'data' ? { event: `lipsync.${String(body.status)}`, data: body } : body;
}

/**
 * The POST's content type and body: JSON; form fields as Python's requests sends a dict
 * with `data=`; the dict as Python prints it (`data=str(payload)`, as the docs show the
 * payload); or that text as a JSON string (`json=str(payload)`).
 */
export function encodeDelivery(body: Record<string, unknown> | unknown[], encoding: SandboxSettings['webhooks']['encoding']): { contentType: string; text: string } {
  // Form fields hold no list: a list goes as JSON whatever the encoding asked.
  if (encoding === 'json' || (encoding === 'form' && Array.isArray(body))) return { contentType: 'application/json', text: JSON.stringify(body) };
  if (encoding === 'python') return { contentType: 'text/plain', text: pythonRepr(body) };
  if (encoding === 'json-string') return { contentType: 'application/json', text: JSON.stringify(pythonRepr(body)) };
  if (encoding === 'django') return { contentType: 'text/plain', text: djangoRepr(body) };
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(body)) {
    if (value === null || value === undefined) continue;
    form.append(key, typeof value === 'object' ? JSON.stringify(value) : String(value));
  }
  return { contentType: 'application/x-www-form-urlencoded', text: form.toString() };
}

/** Fills extraFields' `sent_at` with the moment the POST goes out. */
export function stampSentAt(body: Record<string, unknown>, at: number): Record<string, unknown> {
  if (!('sent_at' in body)) return body;
  return { ...body, sent_at: new Date(at).toISOString() };
}

/** Python's repr of a JSON-like value: single quotes (double when the text holds one), None/True/False. */
export function pythonRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') {
    const quote = value.includes("'") && !value.includes('"') ? '"' : "'";
    const escaped = value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(new RegExp(quote, 'g'), `\\${quote}`);
    return `${quote}${escaped}${quote}`;
  }
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(', ')}]`;
  return `{${Object.entries(value as Record<string, unknown>).map(([k, v]) => `${pythonRepr(k)}: ${pythonRepr(v)}`).join(', ')}}`;
}

/**
 * A Django model's dict as Python prints it: the id a `UUID`, progress a `Decimal`, and the
 * time it was sent a `datetime` (every other value as pythonRepr writes it).
 */
export function djangoRepr(value: unknown): string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return pythonRepr(value);
  const now = new Date();
  const fields = Object.entries(value as Record<string, unknown>).map(([key, v]) => {
    if (key === 'id' && typeof v === 'string') return `'id': UUID('${v}')`;
    if (key === 'progress' && v !== null && v !== undefined) return `'progress': Decimal('${String(v)}')`;
    return `${pythonRepr(key)}: ${typeof v === 'object' && v !== null && !Array.isArray(v) ? djangoRepr(v) : pythonRepr(v)}`;
  });
  const stamp = `datetime.datetime(${now.getUTCFullYear()}, ${now.getUTCMonth() + 1}, ${now.getUTCDate()}, ${now.getUTCHours()}, ${now.getUTCMinutes()}, ${now.getUTCSeconds()}, ${now.getUTCMilliseconds() * 1000}, tzinfo=datetime.timezone.utc)`;
  if ('status' in (value as Record<string, unknown>)) fields.push(`'updated_at': ${stamp}`);
  return `{${fields.join(', ')}}`;
}
