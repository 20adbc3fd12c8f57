/**
 * The chaos soak: N renders against the sandbox Creatify while webhooks are dropped,
 * duplicated, reordered and sent early, the API answers 429/5xx/resets (before and after
 * doing the work), two worker processes are SIGKILLed and the SQLite-backed Temporal dev
 * server is restarted, all mid-run. It proves (or disproves) that every render happens
 * exactly once: ended `done` with the right URL, paid once, none left open.
 *
 * Used by `npm run chaos` (scripts/chaos.ts) and by test/chaos/chaos.test.ts. The parts:
 * plan.ts (options, chaos plan, sandbox settings), stack.ts (the processes),
 * schedule.ts (kills and restarts), track.ts (starting and waiting), collect.ts
 * (Temporal's view afterwards), report.ts and summary.ts (the figures).
 */
import fs from 'node:fs';
import path from 'node:path';
import { msToNumber } from '@temporalio/common/lib/time';
import { inspectWorkflows, saveHistories, webhooksSettled, type WorkflowFacts } from './collect';
import { apiFaults, resolveSoak, sandboxSettings, type ResolvedSoak, type SoakOptions } from './plan';
import type { SandboxStats } from '../../src/sandbox';
import { buildReport, type SoakReport } from './report';
import { ChaosDriver } from './schedule';
import { startChaosStack, timed, type ChaosStack } from './stack';
import { Progress, trackAll, trackOne, type RenderRecord } from './track';

export { formatSummary } from './summary';
export type { SoakReport } from './report';
export type { SoakOptions, ChaosPlan } from './plan';

export interface SoakRun {
  report: SoakReport;
  reportPath: string;
  workDir: string;
}

/** How long the figures may take to collect once the renders are over (Temporal just restarted, say). */
const COLLECT_MS = 60_000;
/** How long late webhook deliveries (jitter, reordered copies) get to land before the stats are read. */
const WEBHOOK_SETTLE_MS = 10_000;
/** How many of the slowest renders' histories are kept (where a latency tail is explained). */
const SLOWEST = 5;

export async function runSoak(options: SoakOptions = {}): Promise<SoakRun> {
  const soak = resolveSoak(options);
  const runStarted = Date.now();
  soak.log(`work dir ${soak.workDir}`);
  if (soak.readings) soak.log(`readings ${soak.readings.seed}: ${JSON.stringify(soak.readings.settings)}`);
  let stack: ChaosStack | undefined;
  try {
    // A setting the sandbox refuses throws here: the soak never runs with less chaos than it reports.
    stack = await startChaosStack({ workDir: soak.workDir, seed: soak.seed, sandbox: sandboxSettings(soak), workflowBundlePath: soak.workflowBundlePath, log: soak.log });
    return await soakOn(stack, soak, runStarted);
  } finally {
    await stack?.close();
    // The SQLite file and bundle are large and of no use after the run; logs, histories and the report stay.
    for (const file of fs.readdirSync(soak.workDir)) {
      if (file.startsWith('temporal.sqlite') || file === 'workflow-bundle.js') fs.rmSync(path.join(soak.workDir, file), { force: true });
    }
  }
}

/** The run itself, on a stack already started (the chaos stack, or the cluster's). */
export async function soakOn(stack: ChaosStack, soak: ResolvedSoak, runStarted: number): Promise<SoakRun> {
  const { renders, concurrency, tracking, chaos, log, workDir } = soak;
  // Previews need only the sandbox: made while the worker and receiver processes boot.
  const [ids] = await Promise.all([timed(log, `${renders} previews (API faults off)`, () => stack.previewAll(renders)), stack.startServices()]);
  await stack.sandbox.control.settings(apiFaults(chaos));

  const records: RenderRecord[] = ids.map((id) => ({ id, workflowId: null, outcome: { kind: 'not-started' }, startedAt: null, startAttempts: 0, resultRetries: 0 }));
  const progress = new Progress();
  const driver = new ChaosDriver(stack, chaos, renders, progress, log);
  const firstStart = Date.now();
  const budgetEnd = firstStart + soak.budgetMs;
  await trackAll(stack.orchestrator, records, progress, {
    concurrency,
    tracking,
    until: budgetEnd,
    perRenderWaitMs: msToNumber(tracking.deadline ?? '24 hours') + 90_000,
    onClosed: () => driver.onClosed(),
    log,
  });
  const events = await driver.finish();

  // Renders whose own wait ran out still get until the budget ends to close.
  const open = records.filter((r) => r.outcome.kind === 'open');
  if (open.length > 0) log(`${open.length} render(s) still open; waiting for them until the budget ends`);
  await Promise.all(open.map((record) => trackOne(stack.orchestrator, record, tracking, budgetEnd, false)));
  const runMs = Date.now() - firstStart;

  const unsent = await webhooksSettled(stack.sandbox, Date.now() + WEBHOOK_SETTLE_MS);
  if (unsent > 0) log(`${unsent} webhook deliveries still unsent after ${WEBHOOK_SETTLE_MS / 1000} s`);
  const stats = await stack.sandbox.control.stats();
  const workflows = await inspectWorkflows(stack.client, records, Date.now() + COLLECT_MS);
  // The SQLite file goes with the run: the histories of renders with a problem, and of the slowest, stay.
  saveHistories(workflows, postMortemIds(records, workflows, stats), path.join(workDir, 'histories'));
  const sandboxRecords = await Promise.all(ids.map((id) => stack.sandbox.control.lipsync(id)));

  const report = buildReport({
    config: { renders, seed: soak.seed, concurrency, timeFactor: soak.timeFactor, tracking, chaos, budgetMs: soak.budgetMs, workDir, ...(soak.readings ? { readings: soak.readings } : {}) },
    records,
    workflows,
    expectedOutputs: sandboxRecords.map((r) => (typeof r.output === 'string' ? r.output : null)),
    expectedEnd: soak.readings?.settings.outcome ?? 'done',
    stats,
    events,
    unexpectedExits: [stack.receiver, ...stack.workers].flatMap((s) => s.unexpectedExits.map((e) => `${e.name} pid ${e.pid}: code ${e.exit.code} signal ${e.exit.signal}`)),
    logs: { ...stack.logs },
    timings: { setupMs: firstStart - runStarted, runMs },
  });
  const reportPath = path.join(workDir, 'chaos-report.json');
  fs.writeFileSync(reportPath, `${JSON.stringify(report, null, 2)}\n`);
  return { report, reportPath, workDir };
}

/** Renders not done, not COMPLETED or not paid exactly once, and the SLOWEST closes. */
function postMortemIds(records: RenderRecord[], workflows: Map<string, WorkflowFacts>, stats: SandboxStats): Set<string> {
  const ids = new Set(records.filter((r) => r.outcome.kind !== 'done' || workflows.get(r.id)?.execution?.status !== 'COMPLETED' || stats.renders[r.id] !== 1).map((r) => r.id));
  const closeMs = (r: RenderRecord) => (workflows.get(r.id)?.execution?.closeTime ?? Infinity) - (r.startedAt ?? 0);
  for (const r of [...records].sort((a, b) => closeMs(b) - closeMs(a)).slice(0, SLOWEST)) ids.add(r.id);
  return ids;
}
