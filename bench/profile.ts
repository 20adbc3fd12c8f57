/**
 * `--cpu-profile DIR`: each worker process writes V8 CPU profiles (one per thread) into
 * DIR/<worker>; this reads them back into a few figures per worker: where its CPU went,
 * and how much of it the workflow SDK's promise hook took (it records a stack for every
 * promise workflow code makes, for the Web UI's stack trace: the bigger a workflow's
 * promise count, the bigger this share).
 */
import fs from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface WorkerProfile {
  worker: string;
  /** Renders this worker took through the measured scenarios (warm-up included). */
  renders: number;
  busyMs: number;
  promiseHookMs: number;
  garbageCollectorMs: number;
}

/** The SDK's promise `init` hook (@temporalio/worker lib/workflow/vm-shared.js). */
const isPromiseHook = (node: ProfileNode) => node.callFrame.functionName === 'init' && node.callFrame.url.endsWith('/workflow/vm-shared.js');

function readProfile(file: string): { busyMs: number; promiseHookMs: number; garbageCollectorMs: number } {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const parent = new Map<number, number>();
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  // A node's time is its samples'; a sample under the hook counts for the hook.
  const underHook = new Map<number, boolean>();
  const hooked = (id: number): boolean => {
    const known = underHook.get(id);
    if (known !== undefined) return known;
    const node = byId.get(id)!;
    const up = parent.get(id);
    const result = isPromiseHook(node) || (up !== undefined && hooked(up));
    underHook.set(id, result);
    return result;
  };
  let busy = 0;
  let hook = 0;
  let gc = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    const name = byId.get(id)?.callFrame.functionName;
    if (name === '(idle)') return;
    busy += us;
    if (name === '(garbage collector)') gc += us;
    if (hooked(id)) hook += us;
  });
  return { busyMs: busy / 1000, promiseHookMs: hook / 1000, garbageCollectorMs: gc / 1000 };
}

/** Every worker's threads added up; `renders` by worker folder name. */
export function summarizeProfiles(dir: string, renders: Record<string, number>): WorkerProfile[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((worker) => fs.statSync(path.join(dir, worker)).isDirectory())
    .map((worker) => {
      const files = fs.readdirSync(path.join(dir, worker)).filter((f) => f.endsWith('.cpuprofile'));
      const total = { busyMs: 0, promiseHookMs: 0, garbageCollectorMs: 0 };
      for (const file of files) {
        const one = readProfile(path.join(dir, worker, file));
        total.busyMs += one.busyMs;
        total.promiseHookMs += one.promiseHookMs;
        total.garbageCollectorMs += one.garbageCollectorMs;
      }
      return { worker, renders: renders[worker] ?? 0, ...total };
    });
}

export function printProfiles(dir: string, profiles: WorkerProfile[]): void {
  if (profiles.length === 0) return;
  const lines = ['', `CPU profiles (V8, every thread of each worker process; files in ${dir}):`];
  for (const p of profiles) {
    const perRender = p.renders > 0 ? `${(p.promiseHookMs / p.renders).toFixed(1)} ms per render` : `${(p.promiseHookMs / 1000).toFixed(1)} s`;
    lines.push(
      `  ${p.worker.padEnd(13)} ${String(p.renders).padStart(5)} renders: busy ${(p.busyMs / 1000).toFixed(1)} s (start-up included), garbage collector ${(p.garbageCollectorMs / 1000).toFixed(1)} s; the SDK's promise hook ${perRender} (${((100 * p.promiseHookMs) / p.busyMs).toFixed(0)}% of busy)`,
    );
  }
  console.log(lines.join('\n'));
}
