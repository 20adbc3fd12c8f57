import { z } from 'zod';

// The create/preview body of creatify-api.md §3.1. Objects are loose because DRF
// ignores fields it does not know; limits are the documented ones.

const offset = z.looseObject({ x: z.number(), y: z.number() });
const nullableString = z.string().nullable().optional();
const nullableNumber = z.number().nullable().optional();

const character = z.looseObject({
  type: z.enum(['avatar']),
  avatar_id: z.string().min(1).max(50),
  avatar_style: z.enum(['normal', 'circle']).optional(),
  scale: z.number().min(0).max(2).optional(),
  offset: offset.optional(),
  hidden: z.boolean().optional(),
});

const voice = z.looseObject({
  type: z.enum(['text']),
  input_text: z.string().min(1).max(2000),
  voice_id: z.string().min(1),
  volume: z.number().optional(),
  // [U] meaning; the sandbox reads it as the scene's spoken duration in seconds.
  duration: z.number().positive().optional(),
});

const background = z.looseObject({
  type: z.enum(['image', 'video']).optional(),
  url: z.string().min(1),
  fit: z.enum(['crop', 'contain', 'cover']).optional(),
  effect: z
    .enum(['imageSlideLeft', 'imageZoomIn', 'imageZoomOut', 'imageWobbling', 'imageThrob'])
    .nullable()
    .optional(),
});

const captionSetting = z.looseObject({
  style: z.string().optional(),
  offset: offset.optional(),
  font_family: z.string().optional(),
  font_size: z.number().optional(),
  font_style: nullableString,
  background_color: nullableString,
  text_color: nullableString,
  highlight_text_color: nullableString,
  text_shadow: nullableString,
  max_width: nullableNumber,
  line_height: nullableNumber,
  hidden: z.boolean().optional(),
  override_visual_style: z.boolean().optional(),
});

const scene = z.looseObject({
  character,
  voice,
  background: background.optional(),
  caption_setting: captionSetting.optional(),
  transition_effect: z
    .looseObject({ transition_in: nullableString, transition_out: nullableString })
    .optional(),
  visual_style: z.string().optional(),
  cta: z.looseObject({}).optional(),
});

export const lipsyncRequestSchema = z.looseObject({
  video_inputs: z.array(scene).min(1),
  aspect_ratio: z.enum(['9x16', '16x9', '1x1']).optional(),
  background_music: z.looseObject({ url: z.string(), volume: z.number().optional() }).optional(),
  cta_end: z.looseObject({}).optional(),
  webhook_url: z.string().max(200).nullable().optional(),
  name: z.string().max(255).nullable().optional(),
  model_version: z.enum(['standard', 'aurora_v1', 'aurora_v1_fast']).optional(),
});

export type LipsyncRequest = z.infer<typeof lipsyncRequestSchema>;
export type ModelVersion = NonNullable<LipsyncRequest['model_version']>;

/**
 * One UUID in the canonical 8-4-4-4-12 hex form, either case, any version or variant.
 * Checks a single id: a lipsync id in an API or control path, or one entry of the list
 * endpoint's `?ids=` (the 100-entry limit and comma splitting live in routes.ts, §4.5).
 */
export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
