/**
 * `npm run bench -- --progress-cost`: what the fleet reconciler's progress reads cost at
 * Creatify's real proportions. The main bench runs its renders ten times faster than its
 * reconciler (renders ×0.001, intervals ×0.01), so a render there meets at most one
 * progress sweep; here both run ×0.01: a 205 s render takes ~2 s and the progress sweep
 * comes every 300 ms, ~7 sweeps per render, as every 30 s on a real one. The tracker with
 * its reconciler against the tracker without: server and worker CPU, Creatify calls, and
 * the tracker's signals and workflow tasks per render, for renders started together and
 * for renders one at a time.
 */
import type { temporal } from '@temporalio/proto';
import { apiObservationSignal } from '../src/contract/reconciler';
import type { Bench, CallMix, WorkerProcess } from './harness';
import { pool } from './measure';
import { rotatedMedians, WEBHOOK_ONLY } from './scenarios';

/** Renders at the reconciler's own scale (RECONCILER_AT_BENCH_SPEED in run.ts: ×0.01). */
export const REAL_PROPORTIONS = { timeFactor: 0.01 } as const;

export interface ProgressCost {
  label: string;
  cpuMsPerRender: number;
  serverCpuMsPerRender: number;
  callsPerRender: number;
  listsPerRender: number;
  /** The reconciler's signals (what the API said) each tracker took. */
  observationsPerRender: number;
  workflowTasksPerRender: number;
}

type Event = temporal.api.history.v1.IHistoryEvent;

async function historyCounts(bench: Bench, ids: string[]): Promise<{ observations: number; tasks: number }> {
  const counts = await pool(ids, 10, async (id) => {
    const events: Event[] = (await bench.history(id)).events ?? [];
    return {
      observations: events.filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === apiObservationSignal.name).length,
      tasks: events.filter((e) => e.workflowTaskCompletedEventAttributes).length,
    };
  });
  return { observations: counts.reduce((sum, c) => sum + c.observations, 0), tasks: counts.reduce((sum, c) => sum + c.tasks, 0) };
}

type Figures = Omit<ProgressCost, 'label'>;

/** `n` renders one batch at a time of `size` (1: one at a time), their figures per render. */
async function measure(bench: Bench, worker: WorkerProcess, n: number, size: number): Promise<Figures> {
  let cpuMs = 0;
  let serverCpuMs = 0;
  const mix: CallMix = { gets: 0, posts: 0, lists: 0, balanceReads: 0 };
  const ids: string[] = [];
  for (let done = 0; done < n; done += size) {
    const batch = await bench.batch('tracker', worker, Math.min(size, n - done), REAL_PROPORTIONS, WEBHOOK_ONLY);
    cpuMs += batch.cpuMs;
    serverCpuMs += batch.serverCpuMs;
    for (const key of Object.keys(mix) as (keyof CallMix)[]) mix[key] += batch.callMix[key] * batch.ids.length;
    ids.push(...batch.ids);
  }
  const { observations, tasks } = await historyCounts(bench, ids);
  return {
    cpuMsPerRender: cpuMs / n,
    serverCpuMsPerRender: serverCpuMs / n,
    callsPerRender: (mix.gets + mix.posts + mix.lists + mix.balanceReads) / n,
    listsPerRender: mix.lists / n,
    observationsPerRender: observations / n,
    workflowTasksPerRender: tasks / n,
  };
}

/** A tracker worker to measure, named for the table ("with the reconciler, progress every 30 s"). */
export interface ProgressWorker {
  label: string;
  worker: WorkerProcess;
}

export async function progressCosts(
  bench: Bench,
  workers: ProgressWorker[],
  plan: { atOnce: number; oneAtATime: number; rounds: number },
  progress: (line: string) => void,
): Promise<ProgressCost[]> {
  const variants = [
    ...workers.map((w) => ({ label: `${plan.atOnce} at once, ${w.label}`, worker: w.worker, n: plan.atOnce, size: plan.atOnce })),
    ...workers.map((w) => ({ label: `one at a time (${plan.oneAtATime}), ${w.label}`, worker: w.worker, n: plan.oneAtATime, size: 1 })),
  ];
  // Bundles loaded and connections warm before anything counts.
  for (const w of workers) await bench.batch('tracker', w.worker, 5, REAL_PROPORTIONS, WEBHOOK_ONLY);
  const medians = await rotatedMedians(variants, plan.rounds, (round) => progress(`progress cost: round ${round + 1}/${plan.rounds}`), (v) => measure(bench, v.worker, v.n, v.size));
  return variants.map((v, i) => ({ label: v.label, ...medians[i]! }));
}
