import { msToNumber } from '@temporalio/common/lib/time';
import type { Duration } from '@temporalio/common';
import { z } from 'zod';
import { DEFAULT_TRACKING_OPTIONS, TRACKED_STATUSES } from '../workflows/messages';

/** Milliseconds of a Temporal duration ("30s", "5 minutes", 1500), or NaN if it is none. */
export function durationMs(value: Duration): number {
  try {
    return msToNumber(value);
  } catch {
    return Number.NaN;
  }
}

/** A positive Temporal duration: milliseconds, or a string such as "30 seconds" / "5m". Kept as given. */
export const DurationSchema = z
  .union([z.number(), z.string()])
  .refine((value) => durationMs(value as Duration) > 0, 'not a duration (e.g. "30 seconds", "5m", 1500), or not more than 0');

/** Each option alone, and together: the poll backoff cannot cap below where it starts. */
export const TrackingOptionsSchema = z
  .strictObject({
    webhookTimeout: DurationSchema.optional(),
    pollInitialInterval: DurationSchema.optional(),
    pollMaxInterval: DurationSchema.optional(),
    deadline: DurationSchema.optional(),
    confirmWebhook: z.boolean().optional(),
  })
  .superRefine((options, ctx) => {
    const initial = durationMs((options.pollInitialInterval ?? DEFAULT_TRACKING_OPTIONS.pollInitialInterval) as Duration);
    const max = durationMs((options.pollMaxInterval ?? DEFAULT_TRACKING_OPTIONS.pollMaxInterval) as Duration);
    if (max < initial) {
      ctx.addIssue({
        code: 'custom',
        path: ['pollMaxInterval'],
        message: `must not be shorter than pollInitialInterval (${initial} ms; default ${DEFAULT_TRACKING_OPTIONS.pollInitialInterval})`,
      });
    }
  });

// guid, not uuid: a real id is not refused over its version bits (as in src/creatify).
export const LipsyncIdSchema = z.guid();

export const TrackedStatusSchema = z.enum(TRACKED_STATUSES as [string, ...string[]]);
