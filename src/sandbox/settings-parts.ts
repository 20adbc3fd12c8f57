import { z } from 'zod';

// The nested groups of SandboxSettings (webhooks, randomFaults). They live apart from
// settings.ts only to keep each file short; settings.ts assembles and merges them.

/** A status name as a wire value: lower-case words, like the documented ones. */
export const statusName = z.string().regex(/^[a-z_]{1,40}$/, 'must be 1..40 characters of a-z and _');

export const webhookSettingsSchema = z.strictObject({
  drop: z.number().min(0).max(1),
  delayMs: z.number().min(0),
  /** Random extra delay 0..jitterMs per delivery, drawn from the seeded PRNG. */
  jitterMs: z.number().min(0),
  duplicate: z.number().int().min(0).max(20),
  /** Chance 0..1 that a delivery gets one more copy (on top of `duplicate`), drawn from the record's PRNG. */
  duplicateChance: z.number().min(0).max(1),
  reorder: z.boolean(),
  stalePreview: z.boolean(),
  /** The preview reports its own run by webhook: `pending`, then `done` without output (§7 [U]; link_to_videos does). */
  previewDeliveries: z.boolean(),
  nonTerminal: z.boolean(),
  /** How long one delivery may take before it is recorded as a timeout. */
  timeoutMs: z.number().int().positive(),
  /**
   * §7: lipsyncs document `output`; link_to_videos and custom_template_jobs send
   * `video_output` (and a thumbnail). 'sibling' plays a Creatify that reuses that shape;
   * 'minimal' one that posts only `{id, status, failed_reason}` (the URL only via GET);
   * 'output-url' the URL under `output_url`, as a third-party client expects it (§7 [O]).
   */
  style: z.enum(['documented', 'sibling', 'minimal', 'output-url']),
  /**
   * The payload as is ('none', §7), or wrapped as many webhook senders do: `{"event":
   * "lipsync.<status>", "data": {...}}` ('data'), or `{"status": "success", "data": {...}}`
   * ('status': the envelope's own status beside the record's), `{"id": "evt_…", "status":
   * "delivered", "data": {...}}` ('event': an event's own id and status), or a list of one ('list').
   */
  envelope: z.enum(['none', 'data', 'status', 'event', 'list']),
  /** A body compressed by the sender (or a proxy on its way): 'gzip' sends it with Content-Encoding: gzip. */
  compression: z.enum(['none', 'gzip']),
  /** Renames wire statuses in deliveries only (GET keeps them), e.g. done → completed. */
  statusAliases: z.record(statusName, z.string().min(1).max(40)),
  /** The docs list no `progress` in the payload; a real one may carry it, as string or number, or as a number 0–100 (§3.6 [U]). */
  progress: z.enum(['none', 'string', 'number', 'percent']),
  /** Python's uuid4 is lower-case, but nothing documents the case of the delivered id. */
  idCase: z.enum(['lower', 'upper']),
  /** Unknown fields a receiver must ignore (event name, send time, attempt meta). */
  extraFields: z.boolean(),
  /**
   * §7/§13.9 show the payload only as a Python dict: posted with `json=` it is JSON, with
   * `data=` (Python requests' form default) it is `application/x-www-form-urlencoded`,
   * where a None value is left out and every other value is text; 'python' posts the
   * dict as Python prints it (`data=str(payload)`, text/plain), 'json-string' that text
   * as a JSON string (`json=str(payload)`), 'django' the dict of a Django model as Python
   * prints it (`UUID('…')` ids, a `Decimal('…')` progress, a `datetime.datetime(…)`).
   */
  encoding: z.enum(['json', 'form', 'python', 'json-string', 'django']),
  /**
   * Real ms the terminal delivery leaves before GET shows the end: a server that posts
   * from the worker before its database commit is visible to the API.
   */
  earlyTerminalMs: z.number().min(0),
});

const probability = z.number().min(0).max(1);
export const faultEndpoint = z.enum(['create', 'preview', 'render', 'get', 'list', 'credits']);

/** Chaos soak: each request on `endpoints` draws at most one of these faults. */
export const randomFaultsSchema = z.strictObject({
  rateLimit: probability,
  serverErrorBefore: probability,
  serverErrorAfter: probability,
  resetBefore: probability,
  resetAfter: probability,
  hang: probability,
  /** How long a random `hang` waits before it destroys the socket (real ms). */
  hangMs: z.number().min(0),
  /** Retry-After of a random 429. */
  retryAfter: z.string().min(1),
  endpoints: z.array(faultEndpoint),
});

export type WebhookSettings = z.infer<typeof webhookSettingsSchema>;
export type RandomFaultSettings = z.infer<typeof randomFaultsSchema>;

/** The fault chances in the order a draw walks them (the order is part of the replay). */
export const RANDOM_FAULT_KINDS = [
  'rateLimit',
  'serverErrorBefore',
  'serverErrorAfter',
  'resetBefore',
  'resetAfter',
  'hang',
] as const;

export function defaultWebhookSettings(): WebhookSettings {
  return {
    drop: 0,
    delayMs: 0,
    jitterMs: 0,
    duplicate: 0,
    duplicateChance: 0,
    reorder: false,
    stalePreview: false,
    previewDeliveries: false,
    nonTerminal: false,
    timeoutMs: 5_000,
    style: 'documented',
    envelope: 'none',
    compression: 'none',
    statusAliases: {},
    progress: 'none',
    idCase: 'lower',
    extraFields: false,
    encoding: 'json',
    earlyTerminalMs: 0,
  };
}

export function defaultRandomFaults(): RandomFaultSettings {
  return {
    rateLimit: 0,
    serverErrorBefore: 0,
    serverErrorAfter: 0,
    resetBefore: 0,
    resetAfter: 0,
    hang: 0,
    hangMs: 2_000,
    retryAfter: '1',
    endpoints: ['render', 'get', 'list'],
  };
}
