/** The bench's one view: a table with same-run ratios and the issue's targets. */
import type { Detection } from './detection';
import type { CallMix, Kind } from './harness';
import { KIND_LABEL, KINDS } from './harness';
import { PHASES, type PhaseLatency } from './phases';
import type { ProgressCost } from './progress-cost';
import type { ReplayCost } from './replay';
import type { CommandCost, Latency, LatencyKind, LostWebhooks, Throughput, ThroughputKind, Waiting } from './scenarios';

export interface BenchResult {
  startedAt: Date;
  finishedAt: Date;
  machine: { atStart: string; atEnd: string };
  /** A run of a variant of the tracker (--per-run-modules). */
  variant?: string;
  plan: { sequentialRounds: number; inFlight: number; inFlightRounds: number; atOnce: number; throughputRounds: number; lost: number; waiting: number; quick: boolean };
  defaultCache: number;
  /** `tracker:solo` (the tracker without its reconciler) is absent from reports saved before it was measured. */
  oneInFlight: Record<Kind, Latency> & Partial<Record<LatencyKind, Latency>>;
  manyInFlight: Record<Kind, Latency> & Partial<Record<LatencyKind, Latency>>;
  /** The same number in flight, every render waiting when all their webhooks come at once (absent from reports saved before it was measured). */
  manyTogether?: Record<Kind, Latency> & Partial<Record<LatencyKind, Latency>>;
  /** `tracker:solo` is absent from reports saved before it was measured. */
  throughput: Record<'tracker' | 'bare:local', Throughput> & Partial<Record<ThroughputKind, Throughput>>;
  lost: LostWebhooks[];
  waiting: { tracker: Waiting; bare: Waiting };
  redeliveries: number;
}

export interface WaitingResult {
  startedAt: Date;
  machine: { atStart: string; atEnd: string };
  defaultCache: number;
  /** The bounds tried, then the unbounded cache (room for every render) last. */
  runs: Waiting[];
}

const LOST_MARK = ['a', 'b', 'c'];
type LatencyFigure = 'p50' | 'p95' | 'endsCpuMsPerRender';
const num = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '—');
const ratio = (a: number, b: number) => (Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : '—');

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')).join('\n');
}

export function printTable(r: BenchResult): void {
  const lines: string[] = [];
  lines.push(`lipsync-orchestrator bench, ${r.startedAt.toISOString()} (${r.plan.quick ? 'quick' : 'full'} run, ${Math.round((r.finishedAt.getTime() - r.startedAt.getTime()) / 1000)} s)${r.variant ? `, ${r.variant}` : ''}`);
  lines.push(`machine at start: ${r.machine.atStart}`);
  lines.push(`machine at end:   ${r.machine.atEnd}`);
  lines.push('');
  const header = ['', ...KINDS.map((k) => KIND_LABEL[k]), 'tracker ÷ bare local GET', 'target'];
  const latencyRow = (name: string, data: Record<Kind, Latency>, key: LatencyFigure, target: string) => [
    name,
    ...KINDS.map((k) => num(data[k][key] ?? NaN)),
    ratio(data.tracker[key] ?? NaN, data['bare:local'][key] ?? NaN),
    target,
  ];
  // A tracker figure against one bare column (the others dashed), and their ratio.
  const versus = (name: string, mine: number, theirs: number, column: Kind = 'bare:local', target = '') => [name, num(mine), ...KINDS.slice(1).map((k) => (k === column ? num(theirs) : dash)), ratio(mine, theirs), target];
  // The same figure for the tracker without its reconciler, against the same bare column.
  const soloLatencyRow = (data: BenchResult['oneInFlight'], key: LatencyFigure) => {
    const solo = data['tracker:solo'];
    return solo ? [versus('  tracker without the fleet reconciler', solo[key] ?? NaN, data['bare:local'][key] ?? NaN)] : [];
  };
  const t = r.throughput;
  const bare = t['bare:local'];
  const solo = t['tracker:solo'];
  const withCommands = t['bare:commands'];
  // Issue 9's "bare same shape": start → activity → wait for signal → activity → done.
  const named = t['bare:activity'];
  const namedRow = (name: string, mine: number, theirs: number) => versus(name, mine, theirs, 'bare:activity');
  // Which calls a budget's excess is made of: the list calls are the reconciler's (shared), the balance reads the credits checks'.
  const mixRow = (mix: CallMix, indent = '') => [`${indent}  GET ${num(mix.gets, 2)} · POST ${num(mix.posts, 2)} · list ${num(mix.lists, 2)} · balance ${num(mix.balanceReads, 2)}`, '', '', '', '', '', ''];
  const serverRow = (name: string, of: Throughput) => versus(name, of.serverCpuMsPerRender, bare.serverCpuMsPerRender);
  const w = r.waiting;
  const dash = '—';
  const rows = [
    header,
    latencyRow('webhook→closed p50, 1 in flight (ms)', r.oneInFlight, 'p50', '≤ 1.1×'),
    ...soloLatencyRow(r.oneInFlight, 'p50'),
    latencyRow('webhook→closed p95, 1 in flight (ms)', r.oneInFlight, 'p95', ''),
    latencyRow(`webhook→closed p50, ${r.plan.inFlight} in flight (ms)`, r.manyInFlight, 'p50', '≤ 1.2×'),
    ...soloLatencyRow(r.manyInFlight, 'p50'),
    latencyRow(`webhook→closed p95, ${r.plan.inFlight} in flight (ms)`, r.manyInFlight, 'p95', ''),
    ...soloLatencyRow(r.manyInFlight, 'p95'),
    ...(r.manyTogether
      ? [
          latencyRow(`webhook→closed p50, ${r.plan.inFlight} waiting, webhooks at once (ms)`, r.manyTogether, 'p50', '≤ 1.2×'),
          ...soloLatencyRow(r.manyTogether, 'p50'),
          latencyRow(`webhook→closed p95, ${r.plan.inFlight} waiting, webhooks at once (ms)`, r.manyTogether, 'p95', ''),
          ...soloLatencyRow(r.manyTogether, 'p95'),
          ...(r.manyTogether.tracker.endsCpuMsPerRender !== undefined
            ? [latencyRow('  server+worker CPU ms per render, webhook→closed', r.manyTogether, 'endsCpuMsPerRender', ''), ...soloLatencyRow(r.manyTogether, 'endsCpuMsPerRender')]
            : []),
        ]
      : []),
    versus(`renders/s, ${r.plan.atOnce} started at once`, t.tracker.rendersPerSecond, bare.rendersPerSecond, 'bare:local', '≥ 1.0×'),
    ...(solo ? [versus('  tracker without the fleet reconciler', solo.rendersPerSecond, bare.rendersPerSecond)] : []),
    ...(withCommands && solo ? [versus('  tracker alone ÷ bare with the tracker\'s commands and heartbeat', solo.rendersPerSecond, withCommands.rendersPerSecond)] : []),
    ...(named ? [namedRow('  tracker ÷ bare signal→activity GET→done (the issue\'s shape)', t.tracker.rendersPerSecond, named.rendersPerSecond)] : []),
    versus('server+worker CPU ms per render', t.tracker.cpuMsPerRender, bare.cpuMsPerRender, 'bare:local', '≤ 1.0×'),
    ...(t.tracker.serverCpuMsPerRender !== undefined ? [serverRow('  of which the Temporal server', t.tracker)] : []),
    ...(solo ? [versus('  tracker without the fleet reconciler', solo.cpuMsPerRender, bare.cpuMsPerRender), serverRow('    of which the Temporal server', solo)] : []),
    ...(withCommands && solo
      ? [
          versus('  tracker alone ÷ bare with the tracker\'s commands and heartbeat', solo.cpuMsPerRender, withCommands.cpuMsPerRender),
          versus('    of which the Temporal server', solo.serverCpuMsPerRender, withCommands.serverCpuMsPerRender),
        ]
      : []),
    ...(named
      ? [
          namedRow('  tracker ÷ bare signal→activity GET→done (the issue\'s shape)', t.tracker.cpuMsPerRender, named.cpuMsPerRender),
          namedRow('    of which the Temporal server', t.tracker.serverCpuMsPerRender, named.serverCpuMsPerRender),
        ]
      : []),
    versus('worker RSS per 1,000 waiting (MB)', w.tracker.workerMbPer1000, w.bare.workerMbPer1000),
    versus('server RSS per 1,000 waiting (MB)', w.tracker.serverMbPer1000, w.bare.serverMbPer1000),
    [`worker RSS, ${w.tracker.renders} waiting (MB; peak)`, `${num(w.tracker.workerRssAfterMb, 0)} (${num(w.tracker.workerRssPeakMb, 0)})`, dash, `${num(w.bare.workerRssAfterMb, 0)} (${num(w.bare.workerRssPeakMb, 0)})`, dash, '', ''],
    [`Creatify calls/render, webhook path (${r.plan.atOnce} at once)`, num(t.tracker.callsPerRender, 2), dash, dash, dash, '', '≤ 3'],
    ...(t.tracker.getsPerRender !== undefined ? [mixRow({ gets: t.tracker.getsPerRender, posts: t.tracker.postsPerRender, lists: t.tracker.listsPerRender, balanceReads: t.tracker.balanceReadsPerRender })] : []),
    ...(solo?.getsPerRender !== undefined ? [['  tracker without the fleet reconciler', num(solo.callsPerRender, 2), dash, dash, dash, '', '']] : []),
    ...(r.oneInFlight.tracker.callsPerRender !== undefined ? [['  one at a time (seconds apart)', num(r.oneInFlight.tracker.callsPerRender, 2), dash, dash, dash, '', '≤ 3']] : []),
    ...(r.oneInFlight.tracker.callMix ? [mixRow(r.oneInFlight.tracker.callMix, '  ')] : []),
    ...r.lost.flatMap((l, i) => [
      [`Creatify calls/render, webhooks lost (${LOST_MARK[i]})`, num(l.callsPerRender, 2), dash, dash, dash, '', '≤ 2.2'],
      ...(l.callMix ? [mixRow(l.callMix, '  ')] : []),
    ]),
    ...r.lost.map((l, i) => [`  lost webhook → closed (${LOST_MARK[i]}; real speed)${l.wallMs !== undefined ? `, batch ${num(l.wallMs / 1000, 1)} s` : ''}`, `${(l.realDetectionMs / 60_000).toFixed(1)} min`, dash, dash, dash, '', '']),
  ];
  lines.push(table(rows));
  lines.push('');
  lines.push(`webhook→closed: the sandbox sends the terminal webhook → the workflow's close time; 1 in flight: ${r.plan.sequentialRounds} renders of each kind,`);
  lines.push(`interleaved; ${r.plan.inFlight} in flight: median over ${r.plan.inFlightRounds} rounds. Bare workflows: snapshot GET (local activity), render POST (activity),`);
  lines.push('wait for the signal, then the ending named. Renders/s and CPU: median over ' + `${r.plan.throughputRounds} round(s). RSS: ${w.tracker.renders} renders waiting on a fresh worker (cache ${r.defaultCache}).`);
  lines.push(`"${r.plan.inFlight} in flight": renders of ~0.2 s started at once, so the first webhooks come while later renders are still being started;`);
  if (r.manyTogether) {
    lines.push(`"${r.plan.inFlight} waiting, webhooks at once": the same renders held at the sandbox until all are POSTed and 1 s has passed, then all ended`);
    lines.push('in one instant, as renders of minutes started together end; its CPU row counts from that instant to the last close.');
  }
  if (solo) {
    lines.push('The tracker runs with its fleet reconciler (intervals ×0.01, like the lost-webhook renders) unless said; "without" is a second worker with LIPSYNC_RECONCILER=off.');
    lines.push('At ×0.01 its progress sweeps (every 300 ms; renders younger than that are not read) run during every burst of webhooks; at real');
    lines.push('speed (every 30 s, renders of minutes) a burst of terminal webhooks meets a sweep about one time in 30. The rows "without" show');
    lines.push('what the sweeps cost here; `npm run bench -- --progress-cost` prices them at real proportions.');
  }
  if (withCommands) lines.push('"Bare with the tracker\'s commands and heartbeat": the bare local-GET shape plus a patch marker, the status search-attribute upserts (after the POST, on each stage a webhook moves it to, at the end) and two lapsing timers (the commands a tracker writes), and its render activity heartbeating before the POST.');
  r.lost.forEach((l, i) => lines.push(`(${LOST_MARK[i]}) ${l.label}; ${r.plan.lost} renders, every webhook dropped.`));
  lines.push('Past its window a render is read by the overdue sweeps, every 100 ms of wall clock here: a batch a busy machine stretches');
  lines.push('(its "batch … s") makes more list calls, shared by its renders, and a sweep slower than a tracker\'s longest poll interval');
  lines.push('(1 s in (b)) lets that tracker GET by itself. In (a) and (c) the renders end inside their window.');
  if (r.redeliveries > 0) lines.push(`${r.redeliveries} terminal webhook(s) refused by the overloaded receiver (503) were delivered again by the bench and left out of the latency samples.`);
  lines.push('Creatify calls count every call: snapshot GET, render POST, confirming GETs, list calls (shared) and the');
  lines.push('GET /api/remaining_credits/ of the credits checks (one reading shared within LIPSYNC_BALANCE_MAX_AGE).');
  lines.push('Ratios compare numbers from this same run.');
  console.log(lines.join('\n'));
}

export function printWaitingTable(r: WaitingResult): void {
  const label = (w: Waiting) => (Number(w.cache) > w.renders ? `cache ${w.cache} (unbounded)` : `cache ${w.cache}${Number(w.cache) === r.defaultCache ? ' (default)' : ''}`);
  const row = (name: string, cell: (w: Waiting) => string, target = '') => [name, ...r.runs.map(cell), target];
  const rows = [
    ['', ...r.runs.map(label), 'target'],
    row('waiting renders', (w) => String(w.renders)),
    row('worker RSS before (MB)', (w) => num(w.workerRssBeforeMb, 0)),
    row('worker RSS with all waiting, settled (MB)', (w) => num(w.workerRssAfterMb, 0), '≤ 500'),
    row('worker peak RSS (MB)', (w) => num(w.workerRssPeakMb, 0), '≤ 500'),
    row('worker RSS per 1,000 waiting (MB)', (w) => num(w.workerMbPer1000)),
    row('server RSS growth (MB)', (w) => num(w.serverRssDeltaMb, 0)),
    row('renders brought to the wait per second', (w) => num(w.startedPerSecond), 'bounded ≥ unbounded'),
  ];
  printTitled('--waiting', r, table(rows));
}

interface RunInfo {
  startedAt: Date;
  machine: { atStart: string; atEnd: string };
  /** A run of a variant of the tracker (--per-run-modules). */
  variant?: string;
}

/** A mode's table under the run's title and machine lines, with its legend below. */
function printTitled(mode: string, r: RunInfo, body: string, legend: string[] = []): void {
  const lines = [`lipsync-orchestrator bench ${mode}${r.variant ? ` (${r.variant})` : ''}, ${r.startedAt.toISOString()}`, `machine at start: ${r.machine.atStart}`, `machine at end:   ${r.machine.atEnd}`, '', body];
  console.log([...lines, ...(legend.length > 0 ? ['', ...legend] : [])].join('\n'));
}

export function printCommandsTable(r: RunInfo & { n: number; rounds: number; costs: CommandCost[] }): void {
  const base = r.costs[0]!;
  const rows = [
    ['', 'renders/s', 'server CPU ms/render', '÷ bare', 'worker CPU ms/render', '÷ bare'],
    ...r.costs.map((c) => [
      c.label,
      num(c.rendersPerSecond),
      num(c.serverCpuMsPerRender),
      ratio(c.serverCpuMsPerRender, base.serverCpuMsPerRender),
      num(c.workerCpuMsPerRender),
      ratio(c.workerCpuMsPerRender, base.workerCpuMsPerRender),
    ]),
  ];
  printTitled('--commands', r, table(rows), [
    `${r.n} renders started at once per variant, medians over ${r.rounds} rounds, the order rotated each round. The bare variants`,
    'run the bare workflow with the tracker\'s extra commands added; the last row is `lipsync worker` without its reconciler.',
  ]);
}

export function printPhasesTable(r: RunInfo & { inFlight: number; rounds: number; phases: PhaseLatency[] }): void {
  // Pairs of (tracker, bare), one pair per way the renders ended.
  const rows: string[][] = [];
  for (let i = 0; i + 1 < r.phases.length; i += 2) {
    const [tracker, bare] = [r.phases[i]!, r.phases[i + 1]!];
    const ends = tracker.ends === 'together' ? 'webhooks at once on waiting renders' : 'webhooks as renders end';
    rows.push([`p50 (ms), ${ends}`, tracker.label, bare.label, 'tracker ÷ bare']);
    rows.push(...PHASES.map((phase) => [`  ${phase}`, num(tracker.p50[phase]), num(bare.p50[phase]), ratio(tracker.p50[phase], bare.p50[phase])]));
  }
  printTitled('--phases', r, table(rows), [
    `${r.inFlight} renders started at once per kind; each phase's p50 over a round's renders, read from their histories; medians over ${r.rounds} rounds.`,
    '"As renders end": ~0.2 s renders, so the first webhooks come while later renders are still starting; "at once": held until every',
    'render is POSTed and 1 s has passed, then all ended in one instant.',
    'The phases are measured one by one, so their p50s need not add up to the last row.',
  ]);
}

export function printReplayTable(r: RunInfo & { perRound: number; rounds: number; costs: ReplayCost[] }): void {
  const base = r.costs[r.costs.length - 1]!;
  const rows = [['', 'history events', 'CPU ms per replay', '÷ bare'], ...r.costs.map((c) => [c.label, String(c.events), num(c.cpuMsPerReplay, 2), ratio(c.cpuMsPerReplay, base.cpuMsPerReplay)])];
  printTitled('--replay', r, table(rows), [
    `One recorded webhook-path history of each, replayed ${r.perRound} times per round in the bench process (workflow code and Core's`,
    `replay; no server, no network); medians over ${r.rounds} rounds, the order rotated each round.`,
  ]);
}

export function printProgressCostTable(r: RunInfo & { rounds: number; costs: ProgressCost[] }): void {
  const rows = [
    ['', 'server+worker CPU ms/render', 'of which server', 'Creatify calls/render', 'of which list', 'reconciler signals/render', 'workflow tasks/render'],
    ...r.costs.map((c) => [c.label, num(c.cpuMsPerRender), num(c.serverCpuMsPerRender), num(c.callsPerRender, 2), num(c.listsPerRender, 2), num(c.observationsPerRender, 2), num(c.workflowTasksPerRender, 2)]),
  ];
  printTitled('--progress-cost', r, table(rows), [
    'Renders and the reconciler both at ×0.01: a 205 s render in ~2 s, progress sweeps every 300 ms (or 600 ms), as every 30 s (60 s)',
    'on a real render; the main bench runs renders ×0.001, so there a render meets at most one sweep. Only the webhook ends a render.',
    'CPU per render one at a time includes what the machine idles on between renders (the other workers\' reconcilers too), alike for every row.',
    `Medians over ${r.rounds} rounds, the order rotated each round. "With the reconciler" counts its sweeps' CPU (they run in the same worker).`,
  ]);
}

export function printDetectionTable(r: RunInfo & { timeFactor: number; detections: Detection[] }): void {
  const real = (ms: number) => `${num(ms / r.timeFactor / 1000, 1)} s`;
  const rows = [
    ['every webhook lost', 'renders', 'sweep interval', 'p50', 'p95', 'max', 'max ÷ interval', 'max − interval (bench ms)', 'Creatify calls/render', 'of which list'],
    ...r.detections.map((d) => [
      d.label,
      String(d.renders),
      real(d.intervalMs),
      real(d.p50Ms),
      real(d.p95Ms),
      real(d.maxMs),
      ratio(d.maxMs, d.intervalMs),
      num(d.maxMs - d.intervalMs),
      num(d.callsPerRender, 2),
      num(d.listsPerRender, 2),
    ]),
  ];
  printTitled('--detection', r, table(rows), [
    `Render ended (the sandbox's GET first shows it) → its tracker closed. Renders and the reconciler both ran ×${r.timeFactor} (a 205 s render`,
    `in ~${num(205 * r.timeFactor, 1)} s, the default sweep intervals ×${r.timeFactor}); the delays are shown ÷${r.timeFactor}, at Creatify's speed. Target: detection ≤ the sweep interval.`,
    'What a sweep costs from its read to the close (visibility query, list call, signal, the tracker\'s task) does not grow with the',
    `interval, so "max − interval" in bench ms is what a real render waits beyond the interval; shown ÷${r.timeFactor} it is counted ${num(1 / r.timeFactor)} times over.`,
    'Renders started together end together: each batch is one sample of where an end falls between two sweeps.',
  ]);
}
