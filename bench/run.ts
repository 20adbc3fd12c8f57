/**
 * `npm run bench`: the tracker against bare Temporal workflows of the same shape, in one
 * run, so the ratios hold on a noisy shared machine (absolute times drift). It starts
 * its own dev server (pinned CLI), sandbox and webhook receiver, and runs the workers
 * as child processes to read their CPU time and RSS. Prints one table; --json for scripts.
 *
 *   npm run bench                       full run (~10 min on 2 cores)
 *   npm run bench -- --quick            fewer rounds, 1,000 waiting renders (~3-5 min)
 *   npm run bench -- --waiting 10000    only: 10,000 waiting renders, bounded cache vs unbounded
 *                    [--caches 500,250]  the bounds to try (default: LIPSYNC_MAX_CACHED_WORKFLOWS's default)
 *                    [--bounded-only]    without the last run that has room for all (slow: GBs of RSS)
 *                    [--worker-heap MB]  the worker's V8 old-space limit (NODE_OPTIONS=--max-old-space-size)
 *   npm run bench -- --report out.json  the table of an earlier `--json` run (any mode)
 *   npm run bench -- --quick --cpu-profile DIR   also V8 CPU profiles of the workers, and where their CPU went
 *   npm run bench -- --commands [--quick]        only: the tracker's extra commands priced one kind at a time on bare workflows
 *   npm run bench -- --replay [--quick]          only: one tracker and one bare history, each replayed in-process (workflow-side CPU)
 *                    [--save-histories DIR]  also writes the two histories there (for bench/promise-count.ts)
 *   … --per-run-modules                 the tracker's bundle loads its workflow modules per run (the SDK's default), not preloaded: an A/B
 *   npm run bench -- --phases [--quick]          only: where webhook→closed goes with 50 in flight (as renders end, and all webhooks at once on waiting renders), phase by phase from the histories
 *   npm run bench -- --progress-cost [--quick]   only: the reconciler's progress reads at real proportions (renders as slow as its sweeps)
 *   npm run bench -- --detection [--quick]       only: every webhook lost, how long after a render ends its tracker knows, against the sweep interval
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_MAX_CACHED_WORKFLOWS } from '../src/config';
import { Bench } from './harness';
import { machine } from './measure';
import { printProfiles, summarizeProfiles } from './profile';
import { DETECTION_TIME_FACTOR, detectionDelays, detectionPaths, RECONCILER_AT_DETECTION_SPEED } from './detection';
import { latencyPhases } from './phases';
import { progressCosts } from './progress-cost';
import { replayCosts } from './replay';
import { printCommandsTable, printDetectionTable, printPhasesTable, printProgressCostTable, printReplayTable, printTable, printWaitingTable } from './report';
import { commandCosts, latencyInFlight, latencyOneInFlight, lostWebhooks, throughput, waiting, warmUp } from './scenarios';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    waiting: { type: 'string' },
    caches: { type: 'string' },
    'bounded-only': { type: 'boolean', default: false },
    'worker-heap': { type: 'string' },
    report: { type: 'string' },
    'cpu-profile': { type: 'string' },
    commands: { type: 'boolean', default: false },
    replay: { type: 'boolean', default: false },
    'save-histories': { type: 'string' },
    'per-run-modules': { type: 'boolean', default: false },
    phases: { type: 'boolean', default: false },
    'progress-cost': { type: 'boolean', default: false },
    detection: { type: 'boolean', default: false },
  },
});

const plan = values.quick
  ? { sequentialRounds: 10, inFlight: 50, inFlightRounds: 2, atOnce: 200, throughputRounds: 1, lost: 50, waiting: 1000 }
  : { sequentialRounds: 30, inFlight: 50, inFlightRounds: 5, atOnce: 200, throughputRounds: 5, lost: 50, waiting: 2000 };

const say = (line: string) => process.stderr.write(`${line}\n`);

/**
 * The tracker's worker runs the fleet reconciler at its default intervals scaled like the
 * sandbox's time (×0.01: 10 s / 60 s / 30 s become 100 / 600 / 300 ms), so its list calls
 * and progress signals are in every figure. (The --waiting runs keep it off: there the
 * renders must wait, not be found done.)
 */
const RECONCILER_AT_BENCH_SPEED = {
  LIPSYNC_RECONCILER: 'on',
  LIPSYNC_RECONCILE_OVERDUE_INTERVAL: '100',
  LIPSYNC_RECONCILE_IDLE_INTERVAL: '600',
  LIPSYNC_RECONCILE_PROGRESS_INTERVAL: '300',
};

async function main(): Promise<void> {
  if (values.report) {
    const text = fs.readFileSync(values.report, 'utf8');
    // `npm run` prints its banner to stdout before the JSON.
    const saved = JSON.parse(text.slice(text.indexOf('{')), (key, value) => (/At$/.test(key) && typeof value === 'string' ? new Date(value) : value));
    // Each mode's JSON has its own shape: the key it alone has picks its table.
    if ('runs' in saved) printWaitingTable(saved);
    else if ('phases' in saved) printPhasesTable(saved);
    else if ('detections' in saved) printDetectionTable(saved);
    else if ('perRound' in saved) printReplayTable(saved);
    else if ('costs' in saved && 'n' in saved) printCommandsTable(saved);
    else if ('costs' in saved) printProgressCostTable(saved);
    else printTable(saved);
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lipsync-bench-'));
  const startedAt = new Date();
  const machineAtStart = machine();
  const bench = await Bench.start(dir, say, { perRunModules: values['per-run-modules'] });
  const runInfo = () => ({ startedAt, machine: { atStart: machineAtStart, atEnd: machine() }, ...(values['per-run-modules'] ? { variant: "the tracker's workflow modules loaded per run" } : {}) });
  const profileDir = values['cpu-profile'] ? path.resolve(values['cpu-profile']) : undefined;
  bench.cpuProfileDir = profileDir;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      setTimeout(() => process.exit(130), 10_000).unref();
      void bench.stopProcesses().finally(() => process.exit(130));
    });
  }
  try {
    if (values.waiting) {
      const n = Number(values.waiting);
      if (!Number.isInteger(n) || n <= 0) throw new Error('--waiting takes a number of renders, e.g. --waiting 10000');
      const caches = (values.caches ?? String(DEFAULT_MAX_CACHED_WORKFLOWS)).split(',').map(Number);
      if (!caches.every((c) => Number.isInteger(c) && c >= 0)) throw new Error('--caches takes cache sizes, e.g. --caches 500,250');
      const runs = [];
      const heap: Record<string, string> = values['worker-heap'] ? { NODE_OPTIONS: `--max-old-space-size=${Number(values['worker-heap'])}` } : {};
      for (const cache of values['bounded-only'] ? caches : [...caches, n + 1000]) {
        const run = await waiting(bench, 'tracker', n, { LIPSYNC_MAX_CACHED_WORKFLOWS: String(cache), ...heap }, say);
        say(`cache ${cache}: worker RSS ${run.workerRssBeforeMb.toFixed(0)} MB before, ${run.workerRssAfterMb.toFixed(0)} MB with ${n} waiting (peak ${run.workerRssPeakMb.toFixed(0)} MB); ${run.startedPerSecond.toFixed(1)} renders/s to the wait`);
        runs.push(run);
      }
      const result = { ...runInfo(), defaultCache: DEFAULT_MAX_CACHED_WORKFLOWS, runs };
      if (values.json) console.log(JSON.stringify(result, null, 2));
      else printWaitingTable(result);
      return;
    }
    // The single-purpose modes compare the tracker without its reconciler with bare workflows.
    const trackerSolo = () => bench.spawnWorker('tracker', { LIPSYNC_RECONCILER: 'off' }, 'tracker-solo');
    const soloAndBare = () => ({ trackerSolo: trackerSolo(), bare: bench.spawnWorker('bare') });
    if (values.commands) {
      const workers = soloAndBare();
      const rounds = values.quick ? 2 : 4;
      const costs = await commandCosts(bench, workers, plan.atOnce, rounds, say);
      const result = { ...runInfo(), n: plan.atOnce, rounds, costs };
      if (values.json) console.log(JSON.stringify(result, null, 2));
      else printCommandsTable(result);
      return;
    }
    if (values.replay) {
      const workers = soloAndBare();
      const rounds = values.quick ? 3 : 7;
      const perRound = values.quick ? 200 : 500;
      const costs = await replayCosts(bench, workers, perRound, rounds, say, values['save-histories']);
      const result = { ...runInfo(), perRound, rounds, costs };
      if (values.json) console.log(JSON.stringify(result, null, 2));
      else printReplayTable(result);
      return;
    }
    if (values.phases) {
      const rounds = values.quick ? 2 : 5;
      const phases = await latencyPhases(bench, soloAndBare(), plan.inFlight, rounds, say);
      const result = { ...runInfo(), inFlight: plan.inFlight, rounds, phases };
      if (values.json) console.log(JSON.stringify(result, null, 2));
      else printPhasesTable(result);
      return;
    }
    if (values['progress-cost']) {
      // Progress every 30 s (the default) and every 60 s at real speed (LIPSYNC_RECONCILE_PROGRESS_INTERVAL=60s), no reconciler, and two workers on one queue.
      const workers = [
        { label: 'reconciler, progress every 30 s', worker: bench.spawnWorker('tracker', RECONCILER_AT_BENCH_SPEED) },
        { label: 'reconciler, progress every 60 s', worker: bench.spawnWorker('tracker', { ...RECONCILER_AT_BENCH_SPEED, LIPSYNC_RECONCILE_PROGRESS_INTERVAL: '600' }, 'tracker-progress-60s') },
        { label: 'reconciler off', worker: trackerSolo() },
        // A fleet of two: each sweep runs on either worker.
        { label: 'two workers, progress every 30 s', worker: bench.spawnPair('tracker', RECONCILER_AT_BENCH_SPEED) },
      ];
      const plan = { atOnce: 50, oneAtATime: values.quick ? 3 : 5, rounds: values.quick ? 2 : 3 };
      const costs = await progressCosts(bench, workers, plan, say);
      const result = { ...runInfo(), rounds: plan.rounds, costs };
      if (values.json) console.log(JSON.stringify(result, null, 2));
      else printProgressCostTable(result);
      return;
    }
    if (values.detection) {
      const worker = bench.spawnWorker('tracker', RECONCILER_AT_DETECTION_SPEED, 'tracker-detection');
      const detections = await detectionDelays(bench, worker, detectionPaths(values.quick), say);
      const result = { ...runInfo(), timeFactor: DETECTION_TIME_FACTOR, detections };
      if (values.json) console.log(JSON.stringify(result, null, 2));
      else printDetectionTable(result);
      return;
    }
    const workers = {
      tracker: bench.spawnWorker('tracker', RECONCILER_AT_BENCH_SPEED),
      trackerSolo: trackerSolo(),
      bare: bench.spawnWorker('bare'),
    };
    say('warming up…');
    await warmUp(bench, workers);
    const oneInFlight = await latencyOneInFlight(bench, workers, plan.sequentialRounds, say);
    const manyInFlight = await latencyInFlight(bench, workers, plan.inFlight, plan.inFlightRounds, say);
    const manyTogether = await latencyInFlight(bench, workers, plan.inFlight, plan.inFlightRounds, say, 'together');
    const atOnce = await throughput(bench, workers, plan.atOnce, plan.throughputRounds, say);
    say(`webhooks lost: ${plan.lost} renders per variant…`);
    const lost = await lostWebhooks(bench, workers, plan.lost);
    for (const worker of Object.values(workers)) await worker.stop();
    // The waiting runs' workers are not profiled (their renders wait, they are measured for memory).
    bench.cpuProfileDir = undefined;
    const waitingTracker = await waiting(bench, 'tracker', plan.waiting, {}, say);
    const waitingBare = await waiting(bench, 'bare:local', plan.waiting, {}, say);
    const result = {
      ...runInfo(),
      finishedAt: new Date(),
      plan: { ...plan, quick: values.quick },
      defaultCache: DEFAULT_MAX_CACHED_WORKFLOWS,
      oneInFlight,
      manyInFlight,
      manyTogether,
      throughput: atOnce,
      lost,
      waiting: { tracker: waitingTracker, bare: waitingBare },
      redeliveries: bench.redeliveries,
      ...(profileDir ? { profiles: summarizeProfiles(profileDir, bench.rendersByWorker) } : {}),
    };
    if (values.json) console.log(JSON.stringify(result, null, 2));
    else {
      printTable(result);
      if (profileDir) printProfiles(profileDir, result.profiles ?? []);
    }
  } finally {
    await bench.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// --replay replays both bundles side by side already; with the variant its two tracker rows would be the same bundle.
if (values.replay && values['per-run-modules']) {
  console.error('bench: --replay already replays the tracker with its modules loaded per run; leave out --per-run-modules');
  process.exit(2);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err instanceof Error ? err.stack : err);
    process.exit(1);
  },
);
