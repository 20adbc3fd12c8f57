import { randomUUID } from 'node:crypto';
import type { Random } from './random';
import type { LipsyncRequest, ModelVersion } from './request-schema';
import type { Outcome, SandboxSettings } from './settings';

// One lipsync as the sandbox stores it, and how it is put on the wire
// (every field of creatify-api.md §3.4).

export type LipsyncStatus = 'pending' | 'in_queue' | 'running' | 'done' | 'failed' | 'rejected';
export const TERMINAL: ReadonlySet<string> = new Set(['done', 'failed', 'rejected']);

export const SANDBOX_MEDIA_BASE = 'https://sandbox.creatify.local/videos';

export interface LipsyncRecord {
  id: string;
  /** Creation order since start/reset; seeds the record's own PRNG stream. */
  seq: number;
  name: string | null;
  webhook_url: string | null;
  aspect_ratio: string;
  model_version: ModelVersion;
  video_inputs: unknown[];
  status: LipsyncStatus;
  progress: number;
  output: string | null;
  video_thumbnail: string | null;
  preview: string | null;
  failed_reason: string | null;
  media_job: string | null;
  credits_used: number;
  duration: number;
  created_at: string;
  updated_at: string;
  /** Render is accepted only in this state: previewed and never rendered since. */
  previewed: boolean;
  /** An asynchronous preview still running (previewAsync): its end is the previewed shape, not a video. */
  previewRunning: boolean;
  hold: boolean;
  outcome: Outcome | null;
  failedReason: string | null;
  /** Progress updates already made in the current `running` stage. */
  ticks: number;
  rng: Random;
  timer: NodeJS.Timeout | null;
  /**
   * A change already decided but not yet visible: a render waiting out
   * renderApplyDelayMs, or an end whose webhook went out earlyTerminalMs early.
   * While set, the lifecycle does not schedule anything else for the record.
   */
  deferred: { kind: 'render' | 'end'; timer: NodeJS.Timeout } | null;
}

export interface NewRecord {
  seq: number;
  rng: Random;
  request: LipsyncRequest;
  rawVideoInputs: unknown[];
  duration: number;
}

export function isoNow(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function touch(record: LipsyncRecord): void {
  record.updated_at = isoNow();
}

export function newRecord(init: NewRecord): LipsyncRecord {
  const now = isoNow();
  return {
    id: randomUUID(),
    seq: init.seq,
    name: init.request.name ?? null,
    webhook_url: init.request.webhook_url ?? null,
    aspect_ratio: init.request.aspect_ratio ?? '9x16',
    model_version: init.request.model_version ?? 'standard',
    video_inputs: init.rawVideoInputs,
    status: 'pending',
    progress: 0,
    output: null,
    video_thumbnail: null,
    preview: null,
    failed_reason: null,
    media_job: null,
    credits_used: 0,
    duration: init.duration,
    created_at: now,
    updated_at: now,
    previewed: false,
    previewRunning: false,
    hold: false,
    outcome: null,
    failedReason: null,
    ticks: 0,
    rng: init.rng,
    timer: null,
    deferred: null,
  };
}

/** The documented layout-link form: `…/preview?layout=videos/<yyyymmdd>/<uuid>.json`. */
export function previewUrl(): string {
  const day = new Date().toISOString().slice(0, 10).replace(/-/g, '');
  return `https://app.creatify.ai/preview?layout=videos/${day}/${randomUUID()}.json`;
}

/** `output` after a preview (settings.previewOutput): none, the preview link, or the layout file that link shows. */
export function previewOutputOf(preview: string | null, previewOutput: 'none' | 'preview-link' | 'layout-file'): string | null {
  if (previewOutput === 'none' || preview === null) return null;
  if (previewOutput === 'preview-link') return preview;
  return `https://cdn.creatify.ai/${new URL(preview).searchParams.get('layout') ?? 'layout.json'}`;
}

/** The status as the API names it: `running` may go out under another name. */
export function wireStatus(status: string, settings: Pick<SandboxSettings, 'runningStatusAs' | 'endStatusAs' | 'statusCase'>): string {
  const named = status === 'running' ? settings.runningStatusAs : status === 'done' || status === 'failed' || status === 'rejected' ? settings.endStatusAs[status] : status;
  return settings.statusCase === 'upper' ? named.toUpperCase() : named;
}

/** DRF's DecimalField goes out as a string by default (creatify-api.md §3.6). */
export function wireProgress(progress: number, as: SandboxSettings['progressAs']): string | number {
  if (as === 'percent') return Math.round(progress * 10_000) / 100;
  if (as === 'percent-string') return `${Math.round(progress * 100)}%`;
  return as === 'string' ? progress.toFixed(2) : progress;
}

/** `credits_used`, `duration` and the balance: numbers, or decimal strings as a DRF DecimalField sends them (decimalsAs). */
export function wireDecimal(value: number, as: SandboxSettings['decimalsAs']): string | number {
  return as === 'string' ? value.toFixed(2) : value;
}

export function serializeRecord(
  record: LipsyncRecord,
  settings: Pick<SandboxSettings, 'progressAs' | 'runningStatusAs' | 'endStatusAs' | 'statusCase' | 'decimalsAs' | 'updatedAt'>,
): Record<string, unknown> {
  return {
    id: record.id,
    name: record.name,
    output: record.output,
    video_thumbnail: record.video_thumbnail,
    created_at: record.created_at,
    updated_at: settings.updatedAt === 'created' ? record.created_at : record.updated_at,
    credits_used: wireDecimal(record.credits_used, settings.decimalsAs),
    duration: wireDecimal(record.duration, settings.decimalsAs),
    progress: wireProgress(record.progress, settings.progressAs),
    failed_reason: record.failed_reason,
    media_job: record.media_job,
    status: wireStatus(record.status, settings),
    webhook_url: record.webhook_url,
    preview: record.preview,
    editor_url: null,
    aspect_ratio: record.aspect_ratio,
    video_inputs: record.video_inputs,
    model_version: record.model_version,
  };
}
