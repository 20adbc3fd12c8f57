/**
 * Tracking options: what a start may set, the defaults, and the one resolver to
 * milliseconds that the client's schema and the workflow both use. Free of I/O and of
 * zod (the workflow bundle imports it); the zod schema is in ./schemas.
 */
import type { Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';

export interface TrackingOptions {
  /** How long to wait for the webhook before polling. Default 10 min. */
  webhookTimeout?: Duration;
  /** First poll retry interval. Default 30 s. */
  pollInitialInterval?: Duration;
  /** Cap of the poll backoff. Default 5 min. */
  pollMaxInterval?: Duration;
  /** Give up tracking after this long. Default 24 h. */
  deadline?: Duration;
  /** Confirm a webhook's claim of an end with GETs before trusting it. Default true. */
  confirmWebhook?: boolean;
}

export const DEFAULT_TRACKING_OPTIONS = {
  webhookTimeout: '10 minutes',
  pollInitialInterval: '30 seconds',
  pollMaxInterval: '5 minutes',
  deadline: '24 hours',
  confirmWebhook: true,
} as const satisfies Required<TrackingOptions>;

type DurationKey = Exclude<keyof TrackingOptions, 'confirmWebhook'>;
const DURATION_OPTIONS: readonly DurationKey[] = ['webhookTimeout', 'pollInitialInterval', 'pollMaxInterval', 'deadline'];

/** Options with defaults applied: each duration in ms, and as given (for messages). */
export type ResolvedTrackingOptions = { [K in DurationKey]: { ms: number; text: string } } & { confirmWebhook: boolean };

/** Why options cannot be used, one line per problem; empty when they can. */
export function trackingOptionsProblems(options: TrackingOptions): string[] {
  const problems: string[] = [];
  for (const key of DURATION_OPTIONS) {
    const value = options[key];
    if (value !== undefined && !(durationMs(value) > 0)) {
      problems.push(`${key}: not a duration (e.g. "30 seconds", "5m", 1500), or not more than 0`);
    }
  }
  if (problems.length === 0) {
    const initial = durationMs(options.pollInitialInterval ?? DEFAULT_TRACKING_OPTIONS.pollInitialInterval);
    const max = durationMs(options.pollMaxInterval ?? DEFAULT_TRACKING_OPTIONS.pollMaxInterval);
    if (max < initial) {
      problems.push(`pollMaxInterval: must not be shorter than pollInitialInterval (${formatDuration(options.pollInitialInterval ?? DEFAULT_TRACKING_OPTIONS.pollInitialInterval)})`);
    }
  }
  return problems;
}

/**
 * Defaults applied, durations in ms. Clients refuse bad options (trackingOptionsProblems),
 * but a start from elsewhere (the Web UI, another SDK) must not wedge the workflow:
 * Temporal rejects a retry policy whose maximum is below its initial interval, which
 * would fail the workflow task forever, so the cap is raised to the start there.
 */
export function resolveTrackingOptions(options: TrackingOptions = {}): ResolvedTrackingOptions {
  const merged = { ...DEFAULT_TRACKING_OPTIONS, ...options };
  const resolve = (key: DurationKey) => ({ ms: durationMs(merged[key]), text: formatDuration(merged[key]) });
  const resolved: ResolvedTrackingOptions = {
    webhookTimeout: resolve('webhookTimeout'),
    pollInitialInterval: resolve('pollInitialInterval'),
    pollMaxInterval: resolve('pollMaxInterval'),
    deadline: resolve('deadline'),
    confirmWebhook: merged.confirmWebhook,
  };
  if (resolved.pollMaxInterval.ms < resolved.pollInitialInterval.ms) resolved.pollMaxInterval = resolved.pollInitialInterval;
  return resolved;
}

/** Milliseconds of a Temporal duration ("30s", "5 minutes", 1500), or NaN if it is none. */
export function durationMs(value: Duration): number {
  try {
    return msToNumber(value);
  } catch {
    return Number.NaN;
  }
}

/** A duration as a person wrote it: strings as given, milliseconds as `40s`, `10m`, `1h30m`. */
export function formatDuration(duration: Duration): string {
  if (typeof duration === 'string') return duration;
  const ms = Number(duration);
  if (ms < 1000) return `${ms}ms`;
  const parts: string[] = [];
  let rest = Math.round(ms / 1000);
  for (const [unit, size] of [['d', 86_400], ['h', 3_600], ['m', 60], ['s', 1]] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join('');
}
