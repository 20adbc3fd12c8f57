/**
 * `npm run soak`: the cluster soak (not part of `npm test`; test/cluster runs a small
 * cluster). N renders through the production-shaped cluster (scripts/cluster/) against
 * the sandbox with its faults on (webhooks dropped, duplicated, reordered and early;
 * 429/5xx/resets on every endpoint), while one worker and one receiver are SIGKILLed
 * and the Temporal server process is restarted mid-run. Debian's Prometheus scrapes
 * every worker and receiver each second; afterwards PromQL must agree with the truth.
 *
 * Usage: npm run soak -- [--renders 300] [--seed 1] [--concurrency 20] [--time-factor 0.02]
 *                        [--budget-seconds 900] [--json]
 * Exit 0 only for N/N done, 0 paid twice, 0 never paid, 0 still open and metrics agreeing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseSoakArgs } from './chaos/args';
import { resolveSoak, sandboxSettings } from './chaos/plan';
import { formatSummary, soakOn, type SoakReport } from './chaos/soak';
import { previewAll, type ChaosStack } from './chaos/stack';
import { startCluster, type Cluster } from './cluster/cluster';
import { startPrometheus, type RunningPrometheus } from './cluster/prometheus';

const USAGE = 'usage: npm run soak -- [--renders N] [--seed S] [--concurrency C] [--time-factor F] [--budget-seconds B] [--json]';
/** Counters summed over every process incarnation (each is a series of its own) over the run. */
const RUN = '[3h]';
const total = (metric: string) => `sum(max_over_time(${metric}${RUN}))`;

export interface MetricCheck {
  what: string;
  promql: string;
  prometheus: number;
  truth: number;
  truthFrom: string;
  /**
   * Counted again by design: a workflow's last task re-run because its completion was
   * refused (a webhook came meanwhile) runs the end, and its metrics, once more. The
   * histories say exactly how often (WorkflowTaskFailed UnhandledCommand).
   */
  reruns: number;
  /**
   * At most this many more: workflow tasks lost with the killed worker (or the Temporal
   * restart) and timed out are run again, and count again if the lost run's counts were scraped.
   */
  mayAlsoCount: number;
  /**
   * At most this many fewer: what the killed receiver counted between its last scrape and
   * the SIGKILL (the load balancer's log says how many it answered 200 then).
   */
  mayHaveLost: number;
  agrees: boolean;
}

export interface KillRecord {
  name: string;
  lastScrapeAt: number;
  killAt: number;
}

async function checkMetrics(prom: RunningPrometheus, cluster: Cluster, report: SoakReport, kills: KillRecord[]): Promise<{ checks: MetricCheck[]; split: Record<string, number> }> {
  const value = async (promql: string) => (await prom.query(promql)).reduce((sum, s) => sum + s.value, 0);
  const stats = await cluster.sandbox.control.stats();
  const charged = stats.credits.initial - stats.credits.remaining;
  const sandboxDone = report.renders.filter((r) => r.outcome.kind === 'done').length;
  const raced = report.renders.map((r) => ({ id: r.id, n: r.history?.completionsRaced ?? 0, done: r.outcome.kind === 'done' }));
  const chargedFor = (id: string) => stats.credits.ledger.filter((e) => e.lipsyncId === id).reduce((sum, e) => sum + e.credits, 0);
  const rerunEnds = raced.reduce((sum, r) => sum + r.n, 0);
  const rerunDone = raced.reduce((sum, r) => sum + (r.done ? r.n : 0), 0);
  const rerunCredits = raced.reduce((sum, r) => sum + (r.done ? r.n * chargedFor(r.id) : 0), 0);
  const timedOut = report.renders.reduce((sum, r) => sum + (r.history?.workflowTaskTimeouts ?? 0), 0);
  const maxCharge = Math.max(0, ...report.renders.map((r) => chargedFor(r.id)));
  // Deliveries the killed receiver answered 200 after the scrape that preceded its SIGKILL.
  const lostDeliveries = kills
    .filter((k) => k.name.startsWith('receiver-'))
    .reduce((sum, k) => {
      const upstream = Number(k.name.slice('receiver-'.length)) - 1;
      return sum + cluster.balancer.answers().filter((a) => a.upstream === upstream && a.status === 200 && a.at >= k.lastScrapeAt && a.at <= k.killAt + 100).length;
    }, 0);
  const workflowCounter = { mayAlsoCount: timedOut, mayHaveLost: 0 };
  const exact = { reruns: 0, mayAlsoCount: 0, mayHaveLost: 0 };
  const rows: Array<Omit<MetricCheck, 'prometheus' | 'agrees'>> = [
    { what: 'renders ended done', promql: total('lipsync_renders_ended_total{outcome="done"}'), truth: sandboxDone, reruns: rerunDone, ...workflowCounter, truthFrom: 'renders done (harness, checked against the sandbox)' },
    { what: 'renders started', promql: total('lipsync_renders_started_total'), truth: report.figures.renders, reruns: 0, ...workflowCounter, truthFrom: 'renders the harness started' },
    { what: 'renders ended, any outcome', promql: total('lipsync_renders_ended_total'), truth: report.renders.filter((r) => r.execution !== null && r.execution !== 'RUNNING').length, reruns: rerunEnds, ...workflowCounter, truthFrom: 'workflows closed (Temporal)' },
    { what: 'credits used', promql: total('lipsync_credits_used_total'), truth: charged, reruns: rerunCredits, mayAlsoCount: timedOut * maxCharge, mayHaveLost: 0, truthFrom: 'credits the sandbox charged' },
    {
      what: 'deliveries signalled',
      promql: total('lipsync_webhook_deliveries_total{result="signalled"}'),
      truth: report.chaos.webhooks.receiverAnswers['200'] ?? 0,
      ...exact,
      mayHaveLost: lostDeliveries,
      truthFrom: 'deliveries the sandbox saw answered 200',
    },
    {
      what: 'render POSTs',
      promql: total('lipsync_creatify_requests_total{endpoint="POST /api/lipsyncs_v2/{id}/render/"}'),
      truth: stats.calls.render ?? 0,
      ...exact,
      truthFrom: 'render POSTs the sandbox received',
    },
  ];
  const checks: MetricCheck[] = [];
  for (const row of rows) {
    const prometheus = await value(row.promql);
    const expected = row.truth + row.reruns;
    checks.push({ ...row, prometheus, agrees: prometheus >= expected - row.mayHaveLost && prometheus <= expected + row.mayAlsoCount });
  }
  const split: Record<string, number> = {};
  for (const sample of await prom.query(`sum by (process) (max_over_time(lipsync_renders_ended_total${RUN}))`)) split[sample.labels.process ?? '?'] = sample.value;
  return { checks, split };
}

/** "= 300 renders done" or "= 300 renders done + 21 re-run last tasks (+1 of ≤ 10 timed-out tasks re-run)". */
function describeCheck(k: MetricCheck): string {
  const expected = k.truth + k.reruns;
  const off = k.prometheus - expected;
  const parts = [`${k.agrees ? (off === 0 ? '=' : '≈') : '≠'} ${k.truth} ${k.truthFrom}`];
  if (k.reruns) parts.push(`+ ${k.reruns} counted again by re-run last tasks`);
  if (off > 0) parts.push(`(+${off}; allowed ≤ ${k.mayAlsoCount}: timed-out tasks run again)`);
  if (off < 0) parts.push(`(${off}; allowed ≥ -${k.mayHaveLost}: counted by the killed receiver after its last scrape)`);
  return parts.join(' ');
}

function parse() {
  return parseSoakArgs({ renders: '300', budgetSeconds: '900', out: false }, USAGE);
}

async function main(): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse();
  } catch (err) {
    process.stderr.write(`soak: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const runStarted = Date.now();
  const log = args.json ? () => undefined : (line: string) => process.stderr.write(`[soak +${((Date.now() - runStarted) / 1000).toFixed(1)}s] ${line}\n`);
  const soak = resolveSoak({
    ...args,
    workDir: fs.mkdtempSync(path.join(os.tmpdir(), 'lipsync-soak-')),
    // One worker and one receiver SIGKILLed, the Temporal server restarted, all mid-run.
    chaos: { workerKills: 1, receiverKills: 1, temporalRestarts: 1, temporalDownMs: 2_000 },
    log,
  });
  log(`work dir ${soak.workDir}`);
  let cluster: Cluster | undefined;
  let prom: RunningPrometheus | undefined;
  try {
    cluster = await startCluster({ workDir: soak.workDir, seed: soak.seed, sandbox: sandboxSettings(soak), serviceEnv: { LIPSYNC_LOG_LEVEL: 'WARN' }, log });
    prom = await startPrometheus(path.join(soak.workDir, 'prometheus'), cluster.scrapeTargets, path.join(soak.workDir, 'prometheus.log'));
    cluster.onScrapeTargetsChange((targets) => prom!.setTargets(targets));
    log(`Prometheus on ${prom.url}, scraping ${cluster.scrapeTargets.length} targets every second`);
    const c = cluster;
    const p = prom;
    const kills: KillRecord[] = [];
    const stack: ChaosStack = {
      client: c.client,
      sandbox: c.sandbox,
      orchestrator: c.orchestrator,
      receiver: c.receivers[0]!,
      workers: c.workers,
      logs: {
        temporal: path.join(c.workDir, 'temporal.log'),
        get receiver() {
          return c.receivers.flatMap((r) => r.logFiles);
        },
        get workers() {
          return c.workers.flatMap((w) => w.logFiles);
        },
      },
      startServices: async () => undefined,
      async restartTemporal(downMs) {
        await c.temporal.restart(downMs);
        return { port: c.temporal.ports.frontend };
      },
      previewAll: (count) => previewAll(c.orchestrator, count),
      close: () => c.stop(),
      // What a process counted since its last scrape dies with it: kill right after one.
      beforeKill: async (name) => {
        const lastScrapeAt = await p.freshScrape(name).catch((err: Error) => (log(err.message), 0));
        kills.push({ name, lastScrapeAt, killAt: Date.now() });
      },
    };
    const run = await soakOn(stack, soak, runStarted);
    const killRecords = kills;
    // The last increments reach Prometheus with the next scrape or two.
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    const metrics = await checkMetrics(prom, cluster, run.report, killRecords);
    const agree = metrics.checks.every((check) => check.agrees);
    const passed = run.report.passed && agree;
    fs.writeFileSync(path.join(soak.workDir, 'soak-metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
    if (args.json) {
      process.stdout.write(`${JSON.stringify({ passed, report: run.report, metrics }, null, 2)}\n`);
    } else {
      const lines = [
        formatSummary(run.report, run.reportPath).replace(/^chaos soak:/, 'cluster soak (PostgreSQL, Temporal server v1.29.1, 2 workers, 2 receivers):'),
        'Prometheus (PromQL over the run, every process incarnation a series of its own):',
        ...metrics.checks.map((k) => `  ${k.agrees ? '✓' : '✗'} ${k.what.padEnd(26)} ${String(k.prometheus).padStart(6)}  ${describeCheck(k)}   [${k.promql}]`),
        `  renders ended per worker process: ${Object.entries(metrics.split).sort().map(([proc, n]) => `${proc} ${n}`).join(', ')}`,
        `  receiver-2 exits not asked for: ${cluster.receivers[1]?.unexpectedExits.length ?? 0}; load balancer: ${cluster.balancer.counts().perUpstream.map((n, i) => `receiver-${i + 1} ${n}`).join(', ')}, none available ${cluster.balancer.counts().failed}`,
        passed ? 'PASSED: every render exactly once, and the metrics agree' : agree ? 'FAILED: not every render happened exactly once' : 'FAILED: the metrics disagree with the truth',
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    }
    return passed ? 0 : 1;
  } finally {
    await cluster?.stop();
    await prom?.stop();
    for (const dir of ['postgres', 'prometheus/data']) fs.rmSync(path.join(soak.workDir, dir), { recursive: true, force: true });
    fs.rmSync(path.join(soak.workDir, 'workflow-bundle.js'), { force: true });
  }
}

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    // The processes are SIGKILLed by their exit hooks.
    if (stopping) return;
    stopping = true;
    process.stderr.write('soak: interrupted\n');
    process.exit(130);
  });
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`soak: the soak could not run: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
