// Creatify lipsync v2 wire shapes. Section numbers (§) refer to
// /work/shared/creatify-api.md; its tags: [D] documented, [O] observed in
// third-party code, [I] inferred, [U] unknown.
import { z } from 'zod';

// z.guid() checks the 8-4-4-4-12 hex shape but not RFC version/variant bits:
// Creatify documents ids only as "uuid" (examples are v4) [D], and we must not
// reject a real id because the server uses another UUID version [U].
export const LipsyncId = z.guid();

export function isLipsyncId(value: unknown): value is string {
  return LipsyncId.safeParse(value).success;
}

const nullableString = z.string().nullable().optional();
const nullableNumber = z.number().nullable().optional();

// Lenient where the docs disagree (§3.4, §13), strict only where every source
// agrees (`id` is a UUID, `status` is a string). Unknown fields pass through,
// so a new server field never breaks polling.
export const Lipsync = z.looseObject({
  id: LipsyncId,
  // Old docs: enum pending|in_queue|running|failed|done|rejected; new docs: any
  // string (§5, §13.2). Unknown values are kept, judged in status.ts.
  status: z.string(),
  // number in old docs, string in new docs, observed as a 0..1 fraction
  // (§3.6, §13.1): interpreted by progressFraction(), not here.
  progress: z.union([z.number(), z.string()]).nullable().optional(),
  name: nullableString,
  // Final MP4 URL; null until a render is done, also null after preview [I] (§4.2).
  output: nullableString,
  // Documented non-nullable, but absent/null before render is expected (§13.3).
  video_thumbnail: nullableString,
  preview: nullableString,
  failed_reason: nullableString,
  media_job: nullableString,
  webhook_url: nullableString,
  editor_url: nullableString,
  created_at: z.string().optional(),
  updated_at: z.string().optional(),
  // Typed integer [D] but aurora pricing is fractional (§13.7): any number.
  credits_used: nullableNumber,
  // Missing from the new GET-by-id example (§13.4).
  duration: nullableNumber,
  // Enum in the docs, but v1 used the colon form (§13.6): any string on the way in.
  aspect_ratio: nullableString,
  model_version: nullableString,
  video_inputs: z.array(z.unknown()).nullable().optional(),
});
export type Lipsync = z.infer<typeof Lipsync>;

// List is a bare array, no pagination envelope [D] (§4.5).
export const LipsyncList = z.array(Lipsync);
export type LipsyncList = z.infer<typeof LipsyncList>;

// `remaining_credits` is a double [D] (DOC-CREDITS).
export const RemainingCredits = z.looseObject({ remaining_credits: z.number() });
export type RemainingCredits = z.infer<typeof RemainingCredits>;

// Webhook payload (§7): documented as {id, status, failed_reason, output} in a
// Python-repr example; unsigned, so only a hint. Unknown fields are dropped.
export const WebhookDelivery = z.object({
  id: LipsyncId,
  status: z.string(),
  failed_reason: nullableString,
  output: nullableString,
});
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

export const LipsyncScene = z.looseObject({
  character: Character,
  voice: Voice,
  background: Background.optional(),
  caption_setting: looseRecord.optional(),
  transition_effect: looseRecord.optional(),
  visual_style: z.string().optional(),
  cta: looseRecord.optional(),
});
export type LipsyncScene = z.infer<typeof LipsyncScene>;

export const AspectRatio = z.enum(['9x16', '16x9', '1x1']);
export const ModelVersion = z.enum(['standard', 'aurora_v1', 'aurora_v1_fast']);

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
