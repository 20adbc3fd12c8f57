import { z } from 'zod';
import {
  defaultRandomFaults,
  defaultWebhookSettings,
  RANDOM_FAULT_KINDS,
  randomFaultsSchema,
  statusName,
  webhookSettingsSchema,
} from './settings-parts';

// Every knob that creatify-api.md marks [U] is a setting here, so a test can pick the
// reading it wants to prove the client copes with. Defaults follow §15 of that file.

const outcome = z.enum(['done', 'failed', 'rejected']);
const TERMINAL_NAMES: ReadonlySet<string> = new Set(outcome.options);

export const sandboxSettingsSchema = z.strictObject({
  timeFactor: z.number().positive(),
  stageMs: z.strictObject({
    pending: z.number().min(0),
    in_queue: z.number().min(0),
    running: z.number().min(0),
  }),
  /** Random ± fraction applied to each stage duration, from the seeded PRNG. */
  stageJitter: z.number().min(0).max(1),
  /** How many progress updates a record gets while `running`. */
  runningTicks: z.number().int().min(1).max(100),
  previewLatencyMs: z.number().min(0),
  previewStatus: z.enum(['done', 'pending']),
  /** §3.4: `media_job` is "the media job associated"; whether preview already has one is [U]. */
  mediaJobAtPreview: z.boolean(),
  /** §5: the progress after preview is [U]. */
  previewProgress: z.number().min(0).max(1),
  /**
   * §4.2: `output` after preview is null [I] ('none'), the preview link itself
   * ('preview-link': a server that fills its one URL field), or the layout file that link
   * shows ('layout-file': `https://cdn…/videos/<day>/<uuid>.json`).
   */
  previewOutput: z.enum(['none', 'preview-link', 'layout-file']),
  /**
   * Whether GET and the list show the preview's link (§3.4: `preview` is a field of the
   * record, nullable): false plays a server that gives it only in the preview's answer,
   * so a previewed record reads `preview: null`, like one whose preview is still running.
   */
  previewLinkOnRecord: z.boolean(),
  /** Render assigns a new media job, or keeps the preview's (possibly null). */
  renderMediaJob: z.enum(['replace', 'keep']),
  /**
   * The render 200 body: the record after the render, or as it was just before it; a 202
   * `{"detail": "Render started."}` ('accepted'); a 200 web page (a proxy's page in
   * front of a render it passed on: 'page'); 201 with the record ('created', as DRF's
   * CreateAPIView answers); or 204 with no body ('no-content').
   */
  renderResponse: z.enum(['new', 'stale', 'accepted', 'page', 'created', 'no-content']),
  /** §5/§14: whether render resets `progress` is [U]. */
  renderResetsProgress: z.boolean(),
  /** §6: whether `credits_used` counts the render charge is [U]; the ledger always does. */
  creditsUsedOnRender: z.enum(['add', 'keep']),
  /**
   * How a price per 30 s (preview 1, render 4, create 5) is rounded (§6: per started block
   * is [I], not in the API docs): up per started block (default), pro rata (to the
   * hundredth), or to the nearest block (at least one).
   */
  priceRounding: z.enum(['block-up', 'pro-rata', 'nearest-block']),
  /** Real ms between answering a render and the record showing it (an async server). */
  renderApplyDelayMs: z.number().min(0),
  /** The wire name of the running stage (§5: clients assume `processing` too). */
  runningStatusAs: statusName.refine((s) => !TERMINAL_NAMES.has(s), 'must not be a terminal status'),
  /** Statuses on the wire (answers and deliveries) as named, or in upper case (`DONE`, `RUNNING`: an enum's names, §5 [U]). */
  statusCase: z.enum(['lower', 'upper']),
  /**
   * The wire names of the ends in API answers (GET, list, render) and deliveries: §5's
   * new docs type status as a free string, and clients guess `completed`, `error` (§5).
   */
  endStatusAs: z.strictObject({ done: statusName, failed: statusName, rejected: statusName }),
  outcome,
  failedReason: z.string(),
  /** failed_reason on `rejected`; null because the docs never say it is filled. */
  rejectedReason: z.string().nullable(),
  /**
   * `updated_at` as the record's last change ('live', default), or frozen at its creation
   * ('created': a server that never maintains it), so no judgement can lean on it.
   */
  updatedAt: z.enum(['live', 'created']),
  /** §3.6: a decimal string (new docs), a number (old docs), a number 0–100 (one observed script prints it unscaled) [I], or that with its sign ("45%"). */
  progressAs: z.enum(['string', 'number', 'percent', 'percent-string']),
  /** `credits_used`, `duration` and `remaining_credits`: numbers as documented (default), or decimal strings as a DRF DecimalField goes out by default [I]. */
  decimalsAs: z.enum(['number', 'string']),
  secondRender: z.enum(['reject', 'idempotent', 'charge']),
  /**
   * How `secondRender: 'reject'` words its refusal (§4.3 [U]): 400 "already being rendered"
   * (default), a 400 that names only the state ("not in a renderable state"), a 409
   * Conflict with an `error` field, or DRF's own 403 (a permission class) or 404 (a
   * queryset of renderable records only). Only the first says a render runs.
   */
  secondRenderRefusal: z.enum(['already', 'state', 'conflict', 'forbidden', 'not-found']),
  authFailureStatus: z.union([z.literal(401), z.literal(403)]),
  /**
   * The answer to a paid call the balance cannot cover: 400 (§15 default), 402 or 403 [U];
   * or 409 / 422 (a conflict, an unprocessable request), or a 200 that carries the refusal
   * in its body (an API that answers every call 200).
   */
  insufficientCreditsStatus: z.union([z.literal(400), z.literal(402), z.literal(403), z.literal(409), z.literal(422), z.literal(200)]),
  /**
   * Its body, also [U] (§8): DRF's `detail` (default), or the `error` / `message` field other
   * services and clients use, each worded its own way; 'lower-than' compares
   * ("Your credit balance (3.0) is lower than what this job requires."), 'success-false'
   * as `{"success": false, "message": …}`,
   * 'array' as DRF sends a ValidationError raised in a view (`["Insufficient credits"]`),
   * 'non-field' as a serializer's (`{"non_field_errors": ["Insufficient credits"]}`).
   */
  insufficientCreditsBody: z.enum(['detail', 'error', 'message', 'lower-than', 'success-false', 'array', 'non-field']),
  /**
   * A cap on jobs running at once (§9: concurrency limits are [U]): a render past it is
   * refused, nothing charged or changed, with a 429 (Retry-After: 1) or a 400 / 403.
   * Its words: "Too many concurrent jobs. Please try again later." ('too-many', the
   * default) or "You have reached the maximum number of running jobs (N). Wait for one to
   * finish." ('maximum': no "try again", no "concurrent"). null max: no cap (default).
   */
  concurrentJobs: z.strictObject({
    max: z.number().int().min(1).nullable(),
    status: z.union([z.literal(429), z.literal(400), z.literal(403)]),
    wording: z.enum(['too-many', 'maximum']).optional(),
  }),
  /**
   * A rate limit on every /api/ call (§11: none is published [U]), as a DRF throttle
   * counts it: `requests` per `perSeconds` (real seconds, not scaled by timeFactor), a
   * 429 with Retry-After past it (throttle.ts). null: none (default).
   */
  throttle: z.strictObject({ requests: z.number().int().min(1), perSeconds: z.number().positive() }).nullable(),
  initialCredits: z.number().min(0),
  /** §4.5 documents a plain array; a DRF paginated envelope `{count, next, previous, results}` is the other plausible shape. */
  listShape: z.enum(['array', 'paginated']),
  /**
   * With 'paginated': records per page (DRF PageNumberPagination's PAGE_SIZE; `?page=N`,
   * absolute `next`/`previous` links), so 100 ids may need several calls. null: one page.
   */
  listPageSize: z.number().int().min(1).max(100).nullable(),
  /** §4.5/§15: the order of `?ids=` answers is not documented. */
  listOrder: z.enum(['newest', 'asked', 'reversed']),
  /** An id the list does not know: left out (§15 [I], default), or the whole call refused with 400 as DRF's related-field check would. */
  listUnknownIds: z.enum(['omit', 'refuse']),
  /**
   * §4.4 [I]: an unknown (or deleted) id's GET is a 404 `{"detail": "Not found."}`; 200 answers
   * that body with a 200 instead, as a server whose view catches its own DoesNotExist may.
   */
  missingRecordStatus: z.union([z.literal(404), z.literal(200)]),
  /** A list serializer may be lighter than the detail one: 'summary' leaves out output, thumbnail and progress. */
  listFields: z.enum(['full', 'summary']),
  /**
   * §13.4: `duration` is documented in the list, render and new preview answers but missing
   * from the new GET-by-id example: 'get' leaves it out of GET by id, 'get-and-list' out of
   * the list too (a render's cost is then unknown to a client).
   */
  durationOmittedFrom: z.enum(['none', 'get', 'get-and-list']),
  /**
   * §4.2 [I]: preview may not block. true: it answers `pending` at once and runs
   * pending → in_queue → running like a render, then ends in the previewed shape
   * (previewStatus, no output) with its preview link and a media job of its own.
   */
  previewAsync: z.boolean(),
  /** With previewAsync: the preview link is on the record from the start, while the preview still runs (a layout URL known up front). */
  previewLinkAtOnce: z.boolean(),
  /**
   * What GET /api/remaining_credits/ answers: the balance now ('live'), the balance at the
   * last reset whatever was spent since ('stale': another tool spending between a client's
   * check and its POST), 404 ('absent': an account without the endpoint), or 403
   * ('forbidden': a key allowed lipsyncs but not the workspace's balance) [U].
   */
  remainingCredits: z.enum(['live', 'stale', 'absent', 'forbidden']),
  webhooks: webhookSettingsSchema,
  randomFaults: randomFaultsSchema,
});

export type SandboxSettings = z.infer<typeof sandboxSettingsSchema>;
export type Outcome = z.infer<typeof outcome>;
export const outcomeSchema = outcome;

export const settingsPatchSchema = sandboxSettingsSchema
  .extend({
    stageMs: sandboxSettingsSchema.shape.stageMs.partial(),
    webhooks: webhookSettingsSchema.partial(),
    randomFaults: randomFaultsSchema.partial(),
    endStatusAs: sandboxSettingsSchema.shape.endStatusAs.partial(),
  })
  .partial();

export type SandboxSettingsPatch = z.infer<typeof settingsPatchSchema>;

/** Rules across fields, checked on the merged settings (a patch alone cannot know them). */
const mergedSettingsSchema = sandboxSettingsSchema.superRefine((settings, ctx) => {
  const chances = RANDOM_FAULT_KINDS.reduce((sum, kind) => sum + settings.randomFaults[kind], 0);
  // One draw picks at most one fault, so the chances must fit in [0, 1).
  if (chances > 1 + 1e-9) {
    ctx.addIssue({ code: 'custom', path: ['randomFaults'], message: `fault chances add up to ${chances}, more than 1` });
  }
});

export function defaultSettings(): SandboxSettings {
  return {
    timeFactor: 1,
    // Real renders take 3–5 minutes for ~30 s of video (creatify-api.md §4.1).
    stageMs: { pending: 5_000, in_queue: 20_000, running: 180_000 },
    stageJitter: 0,
    runningTicks: 4,
    previewLatencyMs: 0,
    previewStatus: 'done',
    mediaJobAtPreview: false,
    previewProgress: 0,
    previewOutput: 'none',
    previewLinkOnRecord: true,
    renderMediaJob: 'replace',
    renderResponse: 'new',
    renderResetsProgress: true,
    creditsUsedOnRender: 'add',
    priceRounding: 'block-up',
    renderApplyDelayMs: 0,
    runningStatusAs: 'running',
    statusCase: 'lower',
    endStatusAs: { done: 'done', failed: 'failed', rejected: 'rejected' },
    outcome: 'done',
    failedReason: 'Video generation failed.',
    rejectedReason: null,
    updatedAt: 'live',
    progressAs: 'string',
    decimalsAs: 'number',
    secondRender: 'reject',
    secondRenderRefusal: 'already',
    authFailureStatus: 401,
    insufficientCreditsStatus: 400,
    insufficientCreditsBody: 'detail',
    concurrentJobs: { max: null, status: 429 },
    throttle: null,
    initialCredits: 1000,
    listShape: 'array',
    listPageSize: null,
    listUnknownIds: 'omit',
    missingRecordStatus: 404,
    listOrder: 'newest',
    listFields: 'full',
    durationOmittedFrom: 'none',
    previewAsync: false,
    previewLinkAtOnce: false,
    remainingCredits: 'live',
    webhooks: defaultWebhookSettings(),
    randomFaults: defaultRandomFaults(),
  };
}

/**
 * Applies a validated patch; nested objects merge key by key (a map or list inside
 * them, like `statusAliases` or `endpoints`, is replaced whole). Throws a ZodError
 * when the merged settings break a cross-field rule.
 */
export function applySettingsPatch(
  base: SandboxSettings,
  patch: SandboxSettingsPatch,
): SandboxSettings {
  const { stageMs, webhooks, randomFaults, endStatusAs, ...flat } = patch;
  const merged = {
    ...base,
    ...stripUndefined(flat),
    stageMs: { ...base.stageMs, ...stripUndefined(stageMs ?? {}) },
    webhooks: { ...base.webhooks, ...stripUndefined(webhooks ?? {}) },
    randomFaults: { ...base.randomFaults, ...stripUndefined(randomFaults ?? {}) },
    endStatusAs: { ...base.endStatusAs, ...stripUndefined(endStatusAs ?? {}) },
  };
  // Re-validate so an out-of-range merged value can never reach the lifecycle.
  return mergedSettingsSchema.parse(merged);
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, v]) => v !== undefined),
  ) as Partial<T>;
}
