import { z } from 'zod';

// Every knob that creatify-api.md marks [U] is a setting here, so a test can pick the
// reading it wants to prove the client copes with. Defaults follow §15 of that file.

const outcome = z.enum(['done', 'failed', 'rejected']);

const webhookSettingsSchema = z.strictObject({
  drop: z.number().min(0).max(1),
  delayMs: z.number().min(0),
  /** Random extra delay 0..jitterMs per delivery, drawn from the seeded PRNG. */
  jitterMs: z.number().min(0),
  duplicate: z.number().int().min(0).max(20),
  reorder: z.boolean(),
  stalePreview: z.boolean(),
  nonTerminal: z.boolean(),
  /** How long one delivery may take before it is recorded as a timeout. */
  timeoutMs: z.number().int().positive(),
});

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
  outcome,
  failedReason: z.string(),
  /** failed_reason on `rejected`; null because the docs never say it is filled. */
  rejectedReason: z.string().nullable(),
  progressAs: z.enum(['string', 'number']),
  secondRender: z.enum(['reject', 'idempotent', 'charge']),
  authFailureStatus: z.union([z.literal(401), z.literal(403)]),
  initialCredits: z.number().min(0),
  webhooks: webhookSettingsSchema,
});

export type SandboxSettings = z.infer<typeof sandboxSettingsSchema>;
export type Outcome = z.infer<typeof outcome>;
export const outcomeSchema = outcome;

export const settingsPatchSchema = sandboxSettingsSchema
  .extend({
    stageMs: sandboxSettingsSchema.shape.stageMs.partial(),
    webhooks: webhookSettingsSchema.partial(),
  })
  .partial();

export type SandboxSettingsPatch = z.infer<typeof settingsPatchSchema>;

export function defaultSettings(): SandboxSettings {
  return {
    timeFactor: 1,
    // Real renders take 3–5 minutes for ~30 s of video (creatify-api.md §4.1).
    stageMs: { pending: 5_000, in_queue: 20_000, running: 180_000 },
    stageJitter: 0,
    runningTicks: 4,
    previewLatencyMs: 0,
    previewStatus: 'done',
    outcome: 'done',
    failedReason: 'Video generation failed.',
    rejectedReason: null,
    progressAs: 'string',
    secondRender: 'reject',
    authFailureStatus: 401,
    initialCredits: 1000,
    webhooks: {
      drop: 0,
      delayMs: 0,
      jitterMs: 0,
      duplicate: 0,
      reorder: false,
      stalePreview: false,
      nonTerminal: false,
      timeoutMs: 5_000,
    },
  };
}

/** Applies a validated patch; nested objects merge key by key. */
export function applySettingsPatch(
  base: SandboxSettings,
  patch: SandboxSettingsPatch,
): SandboxSettings {
  const { stageMs, webhooks, ...flat } = patch;
  const merged = {
    ...base,
    ...stripUndefined(flat),
    stageMs: { ...base.stageMs, ...stripUndefined(stageMs ?? {}) },
    webhooks: { ...base.webhooks, ...stripUndefined(webhooks ?? {}) },
  };
  // Re-validate so an out-of-range merged value can never reach the lifecycle.
  return sandboxSettingsSchema.parse(merged);
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, v]) => v !== undefined),
  ) as Partial<T>;
}
