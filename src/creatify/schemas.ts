// Creatify lipsync v2 wire shapes. Section numbers (§) refer to
// docs/creatify-api.md; its tags: [D] documented, [O] observed in
// third-party code, [I] inferred, [U] unknown.
import { z } from 'zod';

// z.guid() checks the 8-4-4-4-12 hex shape but not RFC version/variant bits:
// Creatify documents ids only as "uuid" (examples are v4) [D], and we must not
// reject a real id because the server uses another UUID version [U].
export const LipsyncId = z.guid();

// A field of the wrong type reads as absent instead of failing the whole answer: a
// poll must never crash on a shape the docs did not promise (§13).
const nullableString = z.string().nullable().optional().catch(null);
// A number, or one written as a decimal string: DRF sends a DecimalField as a string by
// default (COERCE_DECIMAL_TO_STRING), as `progress` already is in the new docs (§3.6).
const DECIMAL_TEXT = /^-?\d+(?:\.\d+)?$/;
const numeric = z.union([z.number(), z.string().trim().regex(DECIMAL_TEXT).transform(Number)]);
const nullableNumber = numeric.nullable().optional().catch(null);

// Lenient where the docs disagree (§3.4, §13), strict only where every source
// agrees (`id` is a UUID, `status` is a string). Unknown fields pass through,
// so a new server field never breaks polling.
export const Lipsync = z
  .looseObject({
    id: LipsyncId,
    // Old docs: enum pending|in_queue|running|failed|done|rejected; new docs: any
    // string (§5, §13.2). Unknown values are kept, judged in status.ts.
    status: z.string(),
    // number in old docs, string in new docs, observed as a 0..1 fraction
    // (§3.6, §13.1): interpreted by progressFraction(), not here.
    progress: z.union([z.number(), z.string()]).nullable().optional().catch(null),
    name: nullableString,
    // Final MP4 URL; null until a render is done, also null after preview [I] (§4.2).
    output: nullableString,
    // Sibling APIs name it `video_output` (§7, §13.8): read as an alias of `output`.
    video_output: nullableString,
    // Documented non-nullable, but absent/null before render is expected (§13.3).
    video_thumbnail: nullableString,
    preview: nullableString,
    failed_reason: nullableString,
    media_job: nullableString,
    webhook_url: nullableString,
    editor_url: nullableString,
    created_at: z.string().optional().catch(undefined),
    updated_at: z.string().optional().catch(undefined),
    // Typed integer [D] but aurora pricing is fractional (§13.7): any number.
    credits_used: nullableNumber,
    // Missing from the new GET-by-id example (§13.4).
    duration: nullableNumber,
    // Enum in the docs, but v1 used the colon form (§13.6): any string on the way in.
    aspect_ratio: nullableString,
    model_version: nullableString,
    video_inputs: z.array(z.unknown()).nullable().optional().catch(null),
  })
  .transform((lipsync): typeof lipsync & { output: string | null; outputOmitted?: true } => ({
    ...lipsync,
    output: videoUrl(lipsync.output, lipsync) ?? videoUrl(lipsync.video_output, lipsync),
    // A lighter (list) serializer may leave the URL out: no field is not "no video yet".
    ...(lipsync.output === undefined && lipsync.video_output === undefined ? { outputOmitted: true as const } : {}),
  }));
export type Lipsync = z.infer<typeof Lipsync>;

/** A video file's URL (`.mp4`, `.mov`, `.webm`, `.m4v`), query and fragment aside. */
const VIDEO_FILE = /\.(?:mp4|mov|webm|m4v)(?:[?#]|$)/i;

/** A preview's layout link (`…/preview?layout=videos/…/<uuid>.json`, §3.4), or the layout file itself. */
const LAYOUT_LINK = /[?&]layout=|\.json(?:[?#]|$)/i;

/**
 * The URL, unless it is no video file but the preview's own: its link (or editor link),
 * or a layout link. `output` null after preview is only inferred (§4.2 [I]); a server that
 * puts the preview's layout there has rendered nothing, and taken for a video, the render
 * would never be sent.
 */
function videoUrl(url: string | null | undefined, record: { preview?: string | null; editor_url?: string | null }): string | null {
  if (!url) return null;
  const link = url.trim();
  if (VIDEO_FILE.test(link)) return url;
  const previewsOwn = [record.preview, record.editor_url].some((own) => own && own.trim() === link);
  return previewsOwn || LAYOUT_LINK.test(link) ? null : url;
}

// Documented as a plain array (§4.5); a DRF paginated envelope `{count, next, results}`,
// as /api/personas/ answers, is read too, with the link to its next page (a page size
// below the 100 ids asked leaves the rest there).
export const LipsyncListPage = z.union([
  z.array(Lipsync).transform((results) => ({ results, next: null })),
  z.looseObject({ results: z.array(Lipsync), next: z.string().nullable().optional().catch(null) }).transform((page) => ({ results: page.results, next: page.next ?? null })),
]);
export type LipsyncList = Lipsync[];

// `remaining_credits` is a double [D] (DOC-CREDITS), maybe written as a decimal string.
// An answer without a readable balance reads as null: no balance offered, as a 404 is.
export const RemainingCredits = z.looseObject({ remaining_credits: nullableNumber });
export type RemainingCredits = z.infer<typeof RemainingCredits>;

// Webhook payload (§7): documented as {id, status, failed_reason, output} in a
// Python-repr example; unsigned, so only a hint. Read tolerantly (a tolerant reader):
// sibling APIs send `video_output` (§13.8), progress may be a number or a decimal
// string (§13.1), ids may come in any case, unknown fields are ignored, and a field of
// the wrong type reads as absent. Refused only without a UUID id: every other field is a
// claim the tracker checks with a GET, so a field that cannot be Creatify's is read as
// absent (a status too long or not a word, a URL too long to be a video's) and a long
// failed_reason (a traceback) is cut. Bounded either way: it is signalled into history.
const WEBHOOK_LIMITS = { status: 64, url: 2048, reason: 2000 } as const;

// Creatify statuses are short snake_case words (§5); anything else is not one.
const STATUS_SHAPE = /^[A-Za-z][A-Za-z0-9_.\- ]*$/;

/** Text cut to `max` chars (marked with an ellipsis) when longer; '' reads as null; other types read as absent. */
function clippedText(max: number) {
  return z.unknown().optional().transform((value): string | null => {
    if (typeof value !== 'string' || value === '') return null;
    return value.length > max ? `${value.slice(0, max - 1)}…` : value;
  });
}

/** A status word, lower-cased; null (an unknown claim, checked like any other) when absent or not a word. */
const deliveryStatus = z.unknown().optional().transform((value): string | null => {
  if (typeof value !== 'string') return null;
  const word = value.trim();
  if (word === '' || word.length > WEBHOOK_LIMITS.status || !STATUS_SHAPE.test(word)) return null;
  return word.toLowerCase();
});

/** A URL when it fits; else left out (a claim without one, checked by a GET): never a reason to refuse the delivery. */
const deliveryUrl = z.unknown().optional().transform((value): string | null => (typeof value === 'string' && value !== '' && value.length <= WEBHOOK_LIMITS.url ? value : null));

function notLayout(url: string | null): string | null {
  return url !== null && !VIDEO_FILE.test(url.trim()) && LAYOUT_LINK.test(url.trim()) ? null : url;
}

export const WebhookDelivery = z
  .looseObject({
    // Normalised (trimmed, lower-cased) by the receiver, in the one place ids are.
    id: z.string().trim().pipe(LipsyncId),
    status: deliveryStatus,
    output: deliveryUrl,
    video_output: deliveryUrl,
    // Other names senders and clients give the video's URL (OwnerFi's `output_url`, §7 [O]): a hint all the same, confirmed by a GET.
    output_url: deliveryUrl,
    result_url: deliveryUrl,
    video_url: deliveryUrl,
    failed_reason: clippedText(WEBHOOK_LIMITS.reason),
    progress: z.union([z.number(), z.string()]).nullable().optional().catch(null),
  })
  .transform(({ id, status, output, video_output, output_url, result_url, video_url, failed_reason, progress }) => ({
    id,
    /** null when the delivery names none: an unknown claim, confirmed like any other. */
    status,
    // A layout link is the preview's, never a video (as videoUrl reads GET's answer): a claim without a URL.
    output: notLayout(output ?? video_output ?? output_url ?? result_url ?? video_url),
    failedReason: failed_reason,
    progress: progress ?? null,
  }));
export type WebhookDelivery = z.infer<typeof WebhookDelivery>;

const Offset = z.object({ x: z.number(), y: z.number() });

// Request side (§3.1): only the limits and enums the docs state are enforced
// here; anything else is the server's call. Nested objects whose full shape is
// not documented (caption_setting, cta, cta_end, ...) pass through unchecked.
const Character = z.looseObject({
  type: z.literal('avatar'),
  avatar_id: z.string().min(1),
  avatar_style: z.enum(['normal', 'circle']).optional(),
  scale: z.number().min(0).max(2).optional(),
  offset: Offset.optional(),
  hidden: z.boolean().optional(),
});

const Voice = z.looseObject({
  // "currently only 'text' is supported" [D]
  type: z.literal('text'),
  input_text: z.string().min(1).max(2000),
  // Per OWNERFI this is the accent id [O].
  voice_id: z.string().min(1),
  volume: z.number().optional(),
  duration: z.number().optional(),
});

const Background = z.looseObject({
  type: z.enum(['image', 'video']),
  url: z.string().min(1),
  fit: z.enum(['crop', 'contain', 'cover']).optional(),
  effect: z
    .enum(['imageSlideLeft', 'imageZoomIn', 'imageZoomOut', 'imageWobbling', 'imageThrob'])
    .nullable()
    .optional(),
});

const looseRecord = z.record(z.string(), z.unknown());

const LipsyncScene = z.looseObject({
  character: Character,
  voice: Voice,
  background: Background.optional(),
  caption_setting: looseRecord.optional(),
  transition_effect: looseRecord.optional(),
  visual_style: z.string().optional(),
  cta: looseRecord.optional(),
});

const AspectRatio = z.enum(['9x16', '16x9', '1x1']);
const ModelVersion = z.enum(['standard', 'aurora_v1', 'aurora_v1_fast']);

// Body of create (POST /api/lipsyncs_v2/) and preview (…/preview/), which share it [D].
// An empty `video_inputs` is deliberately not refused here: that 400 is only
// inferred (§3.1 [I]), so the server decides. Unknown top-level fields pass
// through: DRF ignores what it does not know, and new documented fields need no release.
export const LipsyncRequest = z.looseObject({
  video_inputs: z.array(LipsyncScene),
  aspect_ratio: AspectRatio.optional(),
  background_music: z.looseObject({ url: z.string(), volume: z.number().optional() }).optional(),
  cta_end: looseRecord.optional(),
  webhook_url: z.string().max(200).nullable().optional(),
  name: z.string().max(255).nullable().optional(),
  model_version: ModelVersion.optional(),
});
export type LipsyncRequest = z.infer<typeof LipsyncRequest>;
