/**
 * `npm run bench -- --replay`: the workflow side of a render's cost, without the server,
 * the network or the machine's other load: one webhook-path history of the tracker and
 * one of the bare "signal → local GET → done" shape are recorded, then each is replayed
 * many times in this process (`Worker.runReplayHistories`: workflow code and Core's
 * replay), rounds rotated, CPU time per replay. Far steadier than the live figures. The
 * tracker's history is also replayed on a bundle that loads the workflow modules per run
 * (the SDK's default) instead of preloading them (workflow-source.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { historyToJSON, type History } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { KIND_LABEL, perRunModulesBundle, type Bench, type WorkerProcess } from './harness';
import { FAST, rotatedMedians, WEBHOOK_ONLY } from './scenarios';

export interface ReplayCost {
  label: string;
  events: number;
  cpuMsPerReplay: number;
}

interface Recorded {
  label: string;
  bundlePath: string;
  history: History;
}

async function record(bench: Bench, kind: 'tracker' | 'bare:local', worker: WorkerProcess, label: string, bundlePath: string): Promise<Recorded> {
  const { ids } = await bench.batch(kind, worker, 1, FAST, WEBHOOK_ONLY);
  return { label, bundlePath, history: await bench.history(ids[0]!) };
}

async function replayMany(recorded: Recorded, count: number): Promise<number> {
  const histories = async function* () {
    for (let i = 0; i < count; i++) yield { workflowId: `replay-${i}`, history: recorded.history };
  };
  const before = process.cpuUsage();
  for await (const result of Worker.runReplayHistories({ workflowBundle: { codePath: recorded.bundlePath } }, histories())) {
    if (result.error) throw result.error;
  }
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / count;
}

export async function replayCosts(bench: Bench, workers: { trackerSolo: WorkerProcess; bare: WorkerProcess }, perRound: number, rounds: number, progress: (line: string) => void, saveTo?: string): Promise<ReplayCost[]> {
  progress('recording one history of each…');
  const recorded = [
    await record(bench, 'tracker', workers.trackerSolo, 'tracker (reconciler off)', process.env.TEST_WORKFLOW_BUNDLE!),
    await record(bench, 'bare:local', workers.bare, KIND_LABEL['bare:local'], bench.bareBundle),
  ];
  const [tracker, bare] = recorded as [Recorded, Recorded];
  if (saveTo) {
    fs.mkdirSync(saveTo, { recursive: true });
    for (const [name, r] of [['tracker', tracker], ['bare-local', bare]] as const) {
      const file = path.join(saveTo, `${name}-webhook-path.json`);
      fs.writeFileSync(file, historyToJSON(r.history));
      progress(`${r.label}: history written to ${file}`);
    }
  }
  // The same tracker history on a bundle whose workflow modules are loaded per run (the SDK's default), not preloaded.
  const perRun = await perRunModulesBundle(path.dirname(tracker.bundlePath));
  recorded.splice(1, 0, { label: 'tracker, modules loaded per run', bundlePath: perRun, history: tracker.history });
  for (const r of recorded) await replayMany(r, 50); // warm-up: bundles compiled, code optimized
  const medians = await rotatedMedians(recorded, rounds, (round) => progress(`replays, ${perRound} per history: round ${round + 1}/${rounds}`), async (r) => ({
    cpuMsPerReplay: await replayMany(r, perRound),
  }));
  return recorded.map((r, i) => ({ label: r.label, events: r.history.events?.length ?? 0, cpuMsPerReplay: medians[i]!.cpuMsPerReplay }));
}
