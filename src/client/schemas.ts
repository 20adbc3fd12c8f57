import { z } from 'zod';
import { TRACKED_STATUSES } from '../workflows/messages';

/** A Temporal duration: milliseconds, or a string such as "30 seconds" / "5m". */
const Duration = z.union([
  z.number().int().positive(),
  z.string().regex(/^\s*\d+(\.\d+)?\s*(ms|milliseconds?|s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?)?\s*$/i, 'not a duration (e.g. "30 seconds", "5m", 1500)'),
]);

export const TrackingOptionsSchema = z.strictObject({
  webhookTimeout: Duration.optional(),
  pollInitialInterval: Duration.optional(),
  pollMaxInterval: Duration.optional(),
  deadline: Duration.optional(),
  confirmWebhook: z.boolean().optional(),
});

// guid, not uuid: a real id is not refused over its version bits (as in src/creatify).
export const LipsyncIdSchema = z.guid();

export const TrackedStatusSchema = z.enum(TRACKED_STATUSES as [string, ...string[]]);
