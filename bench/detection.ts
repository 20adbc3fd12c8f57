/**
 * `npm run bench -- --detection`: how long after a render ends the tracker knows it when
 * every webhook is lost, against the sweep interval that should bound it (issue 9:
 * "detection delay ≤ the sweep interval"). The main bench's lost-webhook rows run the
 * reconciler ×0.01, where a sweep's fixed cost on a busy machine (a visibility query, a
 * list call, the signals, ~0.1–0.3 s of wall clock) is multiplied by 100 when read at
 * Creatify's speed. Here renders and reconciler both run ×0.1, and each delay is measured
 * from the moment the sandbox's GET started showing the end to the workflow's close.
 *
 * Two paths, each with its own bound: renders that end inside their webhook window are
 * found by the progress sweeps (every LIPSYNC_RECONCILE_PROGRESS_INTERVAL once a render
 * has run that long), renders that end past it by the overdue sweeps
 * (LIPSYNC_RECONCILE_OVERDUE_INTERVAL).
 */
import type { TrackingOptions } from '../src/contract/tracking-options';
import type { Bench, WorkerProcess } from './harness';
import { median, percentile } from './measure';

/** Renders and reconciler both ×0.1: a 205 s render in ~20 s, sweeps every 3 s (progress) and 1 s (overdue). */
export const DETECTION_TIME_FACTOR = 0.1;
/** The reconciler's default intervals (30 s progress, 10 s overdue, 60 s idle) scaled like the renders. */
export const RECONCILER_AT_DETECTION_SPEED = {
  LIPSYNC_RECONCILER: 'on',
  LIPSYNC_RECONCILE_OVERDUE_INTERVAL: '1000',
  LIPSYNC_RECONCILE_IDLE_INTERVAL: '6000',
  LIPSYNC_RECONCILE_PROGRESS_INTERVAL: '3000',
};
const PROGRESS_INTERVAL_MS = Number(RECONCILER_AT_DETECTION_SPEED.LIPSYNC_RECONCILE_PROGRESS_INTERVAL);
const OVERDUE_INTERVAL_MS = Number(RECONCILER_AT_DETECTION_SPEED.LIPSYNC_RECONCILE_OVERDUE_INTERVAL);

/** The tracker's defaults (10 min window, polls 30 s–5 min) ×0.1: the trackers leave the finding to the reconciler. */
const DEFAULTS_SCALED: TrackingOptions = { webhookTimeout: '60 seconds', pollInitialInterval: '3 seconds', pollMaxInterval: '30 seconds' };

export interface Detection {
  label: string;
  renders: number;
  /** The sweep interval that bounds this path, wall ms. */
  intervalMs: number;
  /** Sandbox's GET shows the end → the workflow closed, wall ms. */
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  /** Creatify calls per render, and of which list calls. */
  callsPerRender: number;
  listsPerRender: number;
}

interface Path {
  label: string;
  options: TrackingOptions;
  intervalMs: number;
  /** Renders per batch, and batches. */
  size: number;
  batches: number;
}

export function detectionPaths(quick: boolean): Path[] {
  // Renders started together end together, so one batch is one sample of where the end
  // falls between two sweeps: several batches sample it.
  const batches = quick ? 2 : 4;
  return [
    { label: 'ended inside the window (progress sweeps)', options: DEFAULTS_SCALED, intervalMs: PROGRESS_INTERVAL_MS, size: 20, batches },
    // A 5 s window (50 s at Creatify's speed) that every render outlives.
    { label: 'ended past the window (overdue sweeps)', options: { ...DEFAULTS_SCALED, webhookTimeout: '5 seconds' }, intervalMs: OVERDUE_INTERVAL_MS, size: 20, batches },
    { label: 'one at a time, inside the window', options: DEFAULTS_SCALED, intervalMs: PROGRESS_INTERVAL_MS, size: 1, batches },
  ];
}

export async function detectionDelays(bench: Bench, worker: WorkerProcess, paths: Path[], progress: (line: string) => void): Promise<Detection[]> {
  const out: Detection[] = [];
  for (const path of paths) {
    const delays: number[] = [];
    let calls = 0;
    let lists = 0;
    for (let b = 0; b < path.batches; b++) {
      progress(`detection: ${path.label}, batch ${b + 1}/${path.batches}`);
      const batch = await bench.batch('tracker', worker, path.size, { timeFactor: DETECTION_TIME_FACTOR, webhooks: { drop: 1 } }, path.options);
      batch.ids.forEach((id, i) => {
        const endedAt = batch.stats.endedAt[id];
        if (endedAt === undefined) throw new Error(`the sandbox never showed the end of ${id}`);
        delays.push(batch.closedAt[i]! - endedAt);
      });
      calls += batch.callsPerRender * path.size;
      lists += batch.callMix.lists * path.size;
    }
    const renders = path.size * path.batches;
    out.push({
      label: path.label,
      renders,
      intervalMs: path.intervalMs,
      p50Ms: median(delays),
      p95Ms: percentile(delays, 95),
      maxMs: Math.max(...delays),
      callsPerRender: calls / renders,
      listsPerRender: lists / renders,
    });
  }
  return out;
}
