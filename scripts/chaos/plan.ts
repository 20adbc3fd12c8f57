/**
 * What the soak throws at the tracker and with which options, resolved once: the chaos
 * plan, the tracking options that fit the sandbox's time factor, and the two sandbox
 * settings patches that switch the chaos on.
 */
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import type { TrackingOptions } from '../../src/client';
import type { SandboxSettingsPatch } from '../../src/sandbox';
import { drawReadings } from './readings';

/** What is thrown at the run. Probabilities are per request / per delivery. */
export interface ChaosPlan {
  /** Webhook deliveries dropped. */
  webhookDrop: number;
  /** Chance that a delivery gets one extra copy. */
  webhookDuplicateChance: number;
  /** A lipsync's deliveries held and sent newest-first at its end (with non-terminal ones to reorder). */
  webhookReorder: boolean;
  /** The terminal delivery goes out this long (real ms) before GET shows the end. */
  earlyTerminalMs: number;
  /** Extra random delay per delivery (real ms). */
  webhookJitterMs: number;
  /** 429 with Retry-After, on every endpoint. */
  rateLimit: number;
  /** 5xx without doing the work. */
  serverErrorBefore: number;
  /** 5xx after the work was done (a render is charged, the answer is an error page). */
  serverErrorAfter: number;
  /** Connection reset without doing the work. */
  resetBefore: number;
  /** Connection reset after the work was done. */
  resetAfter: number;
  /** Retry-After of the 429s, seconds. */
  retryAfter: string;
  /** Worker processes SIGKILLed mid-run (each restarted at once). */
  workerKills: number;
  /** Webhook receiver processes SIGKILLed mid-run (each restarted at once), at the window's middle. */
  receiverKills?: number;
  /** Restarts of the Temporal dev server mid-run (same port and SQLite file). */
  temporalRestarts: number;
  /** How long Temporal stays down between stop and start. */
  temporalDownMs: number;
  /**
   * The kills and restarts are spread evenly over this window, as fractions of the
   * renders closed: [1/3, 2/3] puts 2 kills and a restart at 1/3, 1/2 and 2/3.
   */
  chaosWindow: [number, number];
}

export const DEFAULT_CHAOS: ChaosPlan = {
  webhookDrop: 0.3,
  webhookDuplicateChance: 0.2,
  webhookReorder: true,
  earlyTerminalMs: 0, // set from the render's length in resolveSoak unless given
  webhookJitterMs: 0, // likewise
  rateLimit: 0.05,
  serverErrorBefore: 0.1,
  serverErrorAfter: 0.1,
  resetBefore: 0.03,
  resetAfter: 0.03,
  retryAfter: '1',
  workerKills: 2,
  temporalRestarts: 1,
  temporalDownMs: 1_000,
  chaosWindow: [1 / 3, 2 / 3],
};

/** Every endpoint of the public API: faults hit whatever the tracker calls. */
export const ALL_ENDPOINTS = ['create', 'preview', 'render', 'get', 'list', 'credits'] as const;

export interface SoakOptions {
  /** How many renders (default 200). */
  renders?: number;
  /** Seeds the sandbox: webhook drops, duplicates, jitter, faults (default 1). */
  seed?: number;
  /** Renders in flight at a time (default 20). */
  concurrency?: number;
  /** Sandbox time factor: a render lasts 205 s × this (default 0.02, about 4 s). */
  timeFactor?: number;
  /** Tracking options per start; defaults fit the time factor (webhook a few s, poll 500 ms → 5 s). */
  tracking?: TrackingOptions;
  chaos?: Partial<ChaosPlan>;
  /** Bound on the whole run, from the first start to the last close (default 10 min). */
  budgetMs?: number;
  /** Where logs, the SQLite file and the report go (default: a new temp dir). */
  workDir?: string;
  /** A prebuilt workflow bundle (the jest global setup's); else one is built into workDir. */
  workflowBundlePath?: string;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
  /** Seed of a drawn Creatify (readings.ts): every unknown read its own way; unset: the sandbox's defaults. */
  readings?: number;
}

export type ResolvedSoak = Required<Omit<SoakOptions, 'chaos' | 'workflowBundlePath' | 'readings'>> & {
  chaos: ChaosPlan;
  workflowBundlePath?: string;
  readings?: { seed: number; settings: SandboxSettingsPatch };
};

/** The sandbox's three stages at time factor 1 (5 s + 20 s + 180 s). */
const RENDER_STAGES_MS = 5_000 + 20_000 + 180_000;

export function resolveSoak(options: SoakOptions): ResolvedSoak {
  const renders = options.renders ?? 200;
  const timeFactor = options.timeFactor ?? 0.02;
  const renderMs = RENDER_STAGES_MS * timeFactor;
  const workDir = options.workDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'lipsync-chaos-'));
  fs.mkdirSync(workDir, { recursive: true });
  return {
    renders,
    seed: options.seed ?? 1,
    concurrency: Math.max(1, Math.min(options.concurrency ?? 20, renders)),
    timeFactor,
    chaos: {
      ...DEFAULT_CHAOS,
      // An early end must still reach a tracker that is waiting, and jitter must be able to reorder.
      earlyTerminalMs: Math.round(Math.max(300, renderMs / 4)),
      webhookJitterMs: Math.round(Math.max(100, renderMs / 10)),
      ...options.chaos,
    },
    tracking: {
      webhookTimeout: `${Math.round(renderMs + 2_000)} ms`,
      pollInitialInterval: '500 ms',
      pollMaxInterval: '5 seconds',
      deadline: '5 minutes',
      ...options.tracking,
    },
    budgetMs: options.budgetMs ?? 10 * 60_000,
    workDir,
    workflowBundlePath: options.workflowBundlePath,
    log: options.log ?? (() => undefined),
    ...(options.readings !== undefined ? { readings: { seed: options.readings, settings: drawReadings(options.readings, renderMs) } } : {}),
  };
}

/**
 * The sandbox at start: fast renders, credits for all, and every webhook misbehaviour
 * from the start (a preview sends no webhook, so the set-up is not affected). A setting
 * the sandbox does not know fails the start: the soak never runs with less chaos than it says.
 */
export function sandboxSettings(soak: ResolvedSoak): SandboxSettingsPatch {
  const { chaos } = soak;
  const readings = soak.readings?.settings ?? {};
  return {
    ...readings,
    timeFactor: soak.timeFactor,
    stageJitter: 0.3,
    initialCredits: 10_000_000,
    webhooks: {
      ...readings.webhooks,
      drop: chaos.webhookDrop,
      duplicateChance: chaos.webhookDuplicateChance,
      reorder: chaos.webhookReorder,
      earlyTerminalMs: chaos.earlyTerminalMs,
      jitterMs: chaos.webhookJitterMs,
      // Reordering needs more than one delivery per lipsync: the progress ones and the stale preview `done`.
      nonTerminal: true,
      stalePreview: true,
    },
  };
}

/** The API faults, switched on once every preview exists, so the soak's own set-up needs no retries. */
export function apiFaults(chaos: ChaosPlan): SandboxSettingsPatch {
  return {
    randomFaults: {
      rateLimit: chaos.rateLimit,
      serverErrorBefore: chaos.serverErrorBefore,
      serverErrorAfter: chaos.serverErrorAfter,
      resetBefore: chaos.resetBefore,
      resetAfter: chaos.resetAfter,
      hang: 0,
      retryAfter: chaos.retryAfter,
      endpoints: [...ALL_ENDPOINTS],
    },
  };
}
