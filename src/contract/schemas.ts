/**
 * The zod side of the contract, for the boundaries (library API, CLI, webhook): one
 * schema per value, built on the same functions the workflow uses. Not imported by the
 * workflow bundle.
 */
import type { Duration } from '@temporalio/common';
import { z } from 'zod';
import { LipsyncId } from '../creatify/schemas';
import { normalizeLipsyncId, type LipsyncId as BrandedLipsyncId } from './lipsync-id';
import { TRACKED_STATUSES } from './messages';
import { durationMs, trackingOptionsProblems, type TrackingOptions } from './tracking-options';

/** A lipsync id in any case, normalised; the UUID shape is Creatify's wire schema's. */
export const LipsyncIdSchema = z
  .string()
  .trim()
  .refine((value) => LipsyncId.safeParse(value).success, 'not a lipsync id (a UUID is expected)')
  .transform((id): BrandedLipsyncId => normalizeLipsyncId(id));

/** A positive Temporal duration: milliseconds, or a string such as "30 seconds" / "5m". Kept as given. */
export const DurationSchema = z
  .union([z.number(), z.string()])
  .refine((value) => durationMs(value as Duration) > 0, 'not a duration (e.g. "30 seconds", "5m", 1500), or not more than 0')
  .transform((value) => value as Duration);

/** Each option alone, and together (the poll backoff cannot cap below where it starts). */
export const TrackingOptionsSchema = z
  .strictObject({
    webhookTimeout: DurationSchema.optional(),
    pollInitialInterval: DurationSchema.optional(),
    pollMaxInterval: DurationSchema.optional(),
    deadline: DurationSchema.optional(),
    confirmWebhook: z.boolean().optional(),
  })
  .superRefine((options, ctx) => {
    for (const problem of trackingOptionsProblems(options as TrackingOptions)) {
      const [path, message] = problem.split(/: (.*)/s);
      ctx.addIssue({ code: 'custom', path: [path!], message: message ?? problem });
    }
  })
  // Unset options are absent, not undefined: the workflow spreads them over its defaults.
  .transform((options) => Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as TrackingOptions);

export const TrackedStatusSchema = z.enum(TRACKED_STATUSES as [string, ...string[]]);
