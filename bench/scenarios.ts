/** The bench's measurements, each against a same-run baseline. */
import type { RenderResult } from '../src/contract/messages';
import type { BareExtras } from './bare/workflows';
import type { TrackingOptions } from '../src/contract/tracking-options';
import type { SandboxSettingsPatch } from '../src/sandbox';
import { type BatchEnds, type Bench, type CallMix, type Kind, KINDS, type WorkerProcess } from './harness';
import { MB, median, peakRssBytes, percentile, pool, rssBytes, sleep } from './measure';

/** Sandbox renders of ~0.2 s (205 s of stages × 0.001): latency and throughput are Temporal's, not Creatify's. */
export const FAST = { timeFactor: 0.001 } as const;
/** A webhook window no render here outlasts: only the webhook ends these renders. */
export const WEBHOOK_ONLY: TrackingOptions = { webhookTimeout: '30 minutes' };

/** `trackerSolo`: a tracker worker without the fleet reconciler, to price the reconciler apart. */
export type Workers = Record<'tracker' | 'trackerSolo' | 'bare', WorkerProcess>;
const workerOf = (workers: Workers, kind: Kind) => (kind === 'tracker' ? workers.tracker : workers.bare);

/** Latency is measured for every kind and for the tracker without its reconciler ('tracker:solo'). */
export type LatencyKind = Kind | 'tracker:solo';
const LATENCY_KINDS: LatencyKind[] = [...KINDS, 'tracker:solo'];
/** One batch of a kind, on its worker: the tracker without its reconciler, and the bare shape with the tracker's commands and heartbeat, included. */
function kindBatch(bench: Bench, workers: Workers, kind: LatencyKind | 'bare:commands', n: number, ends: BatchEnds = 'natural') {
  if (kind === 'tracker:solo') return bench.batch('tracker', workers.trackerSolo, n, FAST, WEBHOOK_ONLY, undefined, ends);
  if (kind === 'bare:commands') return bench.batch('bare:local', workers.bare, n, FAST, WEBHOOK_ONLY, TRACKER_PROMISES, ends);
  return bench.batch(kind, workerOf(workers, kind), n, FAST, WEBHOOK_ONLY, undefined, ends);
}

export interface Latency {
  p50: number;
  p95: number;
  /** Creatify calls per render (one at a time only: renders seconds apart, as a steady trickle of work). */
  callsPerRender?: number;
  callMix?: CallMix;
  /** Renders ended together: server+worker CPU per render from their end to the last close (the webhook path alone), and the server's. */
  endsCpuMsPerRender?: number;
  endsServerCpuMsPerRender?: number;
}

/**
 * Each variant once per round, the order rotated round by round so that drift (a busy
 * machine, the dev server's database growing) hits them alike; each figure's median
 * over the rounds, one record per variant in the variants' order.
 */
export async function rotatedMedians<V, F extends { [K in keyof F]: number }>(variants: readonly V[], rounds: number, onRound: (round: number) => void, measure: (variant: V) => Promise<F>): Promise<F[]> {
  const runs = variants.map(() => [] as F[]);
  for (let round = 0; round < rounds; round++) {
    onRound(round);
    for (let i = 0; i < variants.length; i++) {
      const index = (round + i) % variants.length;
      runs[index]!.push(await measure(variants[index]!));
    }
  }
  return runs.map((list) => Object.fromEntries(Object.keys(list[0]!).map((key) => [key, median(list.map((figures) => figures[key as keyof F]))])) as F);
}

/** A few renders of every kind, so bundles are loaded and connections warm before anything counts. */
export async function warmUp(bench: Bench, workers: Workers): Promise<void> {
  for (const kind of KINDS) await bench.batch(kind, workerOf(workers, kind), 5, FAST, WEBHOOK_ONLY);
  await bench.batch('tracker', workers.trackerSolo, 5, FAST, WEBHOOK_ONLY);
}

/** One render at a time, kinds interleaved round by round so drift hits them alike. */
export async function latencyOneInFlight(bench: Bench, workers: Workers, rounds: number, progress: (line: string) => void): Promise<Record<LatencyKind, Latency>> {
  const samples = Object.fromEntries(LATENCY_KINDS.map((k) => [k, [] as number[]])) as Record<LatencyKind, number[]>;
  const calls = Object.fromEntries(LATENCY_KINDS.map((k) => [k, [] as number[]])) as Record<LatencyKind, number[]>;
  const mixes = Object.fromEntries(LATENCY_KINDS.map((k) => [k, [] as CallMix[]])) as Record<LatencyKind, CallMix[]>;
  for (let round = 0; round < rounds; round++) {
    progress(`webhook→closed, 1 in flight: round ${round + 1}/${rounds}`);
    for (let i = 0; i < LATENCY_KINDS.length; i++) {
      const kind = LATENCY_KINDS[(round + i) % LATENCY_KINDS.length]!;
      const batch = await kindBatch(bench, workers, kind, 1);
      samples[kind].push(...batch.latencies);
      calls[kind].push(batch.callsPerRender);
      mixes[kind].push(batch.callMix);
    }
  }
  const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;
  const meanMix = (list: CallMix[]): CallMix => ({ gets: mean(list.map((m) => m.gets)), posts: mean(list.map((m) => m.posts)), lists: mean(list.map((m) => m.lists)), balanceReads: mean(list.map((m) => m.balanceReads)) });
  return Object.fromEntries(LATENCY_KINDS.map((k) => [k, { p50: percentile(samples[k], 50), p95: percentile(samples[k], 95), callsPerRender: mean(calls[k]), callMix: meanMix(mixes[k]) }])) as Record<LatencyKind, Latency>;
}

type InFlightFigures = Pick<Latency, 'p50' | 'p95' | 'endsCpuMsPerRender' | 'endsServerCpuMsPerRender'>;

/** `inFlight` renders started at once, ending as `ends` says; p50 and p95 of each round, medians over rounds. */
export async function latencyInFlight(bench: Bench, workers: Workers, inFlight: number, rounds: number, progress: (line: string) => void, ends: BatchEnds = 'natural'): Promise<Record<LatencyKind, Latency>> {
  const label = ends === 'together' ? `${inFlight} waiting, webhooks at once` : `${inFlight} in flight`;
  const medians = await rotatedMedians(LATENCY_KINDS, rounds, (round) => progress(`webhook→closed, ${label}: round ${round + 1}/${rounds}`), async (kind): Promise<InFlightFigures> => {
    const { latencies, endsCpu } = await kindBatch(bench, workers, kind, inFlight, ends);
    return { p50: percentile(latencies, 50), p95: percentile(latencies, 95), ...(endsCpu ? { endsCpuMsPerRender: endsCpu.cpuMs / inFlight, endsServerCpuMsPerRender: endsCpu.serverCpuMs / inFlight } : {}) };
  });
  return Object.fromEntries(LATENCY_KINDS.map((k, i) => [k, medians[i]!])) as Record<LatencyKind, Latency>;
}

export interface Throughput {
  rendersPerSecond: number;
  cpuMsPerRender: number;
  /** Of which the Temporal server's. */
  serverCpuMsPerRender: number;
  /** Creatify calls per render on the webhook path (tracker only meaningful), and by kind. */
  callsPerRender: number;
  getsPerRender: number;
  postsPerRender: number;
  listsPerRender: number;
  balanceReadsPerRender: number;
}

export type ThroughputKind = 'tracker' | 'tracker:solo' | 'bare:local' | 'bare:commands' | 'bare:activity';

/** The tracker's extra commands on the bare shape: what Temporal charges any workflow for them. */
const TRACKER_COMMANDS: BareExtras = { patch: true, upserts: true, timers: true };
/** Those commands and the heartbeat before the render POST: what the tracker's promises (safe deploys, a true Web UI, a job that ends, exactly once) cost any workflow. */
const TRACKER_PROMISES: BareExtras = { ...TRACKER_COMMANDS, heartbeat: true };

/**
 * `n` started at once: the tracker as deployed (with the fleet reconciler), the tracker
 * alone, the bare shape that ends with a local-activity GET, that shape with the
 * tracker's extra commands, and the shape issue 9 names (its GET an activity); medians
 * over rounds, the order rotated round by round.
 */
export async function throughput(bench: Bench, workers: Workers, n: number, rounds: number, progress: (line: string) => void): Promise<Record<ThroughputKind, Throughput>> {
  const kinds: ThroughputKind[] = ['tracker', 'tracker:solo', 'bare:local', 'bare:commands', 'bare:activity'];
  const medians = await rotatedMedians(kinds, rounds, (round) => progress(`throughput, ${n} at once: round ${round + 1}/${rounds}`), async (kind): Promise<Throughput> => {
    const batch = await kindBatch(bench, workers, kind, n);
    return {
      rendersPerSecond: (n / batch.wallMs) * 1000,
      cpuMsPerRender: batch.cpuMs / n,
      serverCpuMsPerRender: batch.serverCpuMs / n,
      callsPerRender: batch.callsPerRender,
      getsPerRender: batch.callMix.gets,
      postsPerRender: batch.callMix.posts,
      listsPerRender: batch.callMix.lists,
      balanceReadsPerRender: batch.callMix.balanceReads,
    };
  });
  return { tracker: medians[0]!, 'tracker:solo': medians[1]!, 'bare:local': medians[2]!, 'bare:commands': medians[3]!, 'bare:activity': medians[4]! };
}

export interface LostWebhooks {
  label: string;
  callsPerRender: number;
  /** Render finished in the sandbox → tracker closed, median, in the sandbox's scaled time. */
  detectionMs: number;
  /** The same delay at Creatify's real speed (divided by the time factor). */
  realDetectionMs: number;
  /** The calls by kind (absent in reports saved before it). */
  callMix?: CallMix;
  /** Start of the batch → its last close: the overdue sweeps run on the wall clock, so their list calls grow with it. */
  wallMs?: number;
}

/** Every webhook dropped: what the tracker's own polling (and, once it lands, the reconciler) costs per render. */
export async function lostWebhooks(bench: Bench, workers: Workers, n: number): Promise<LostWebhooks[]> {
  const STAGES_MS = 5_000 + 20_000 + 180_000;
  const defaults: TrackingOptions = { webhookTimeout: '6 seconds', pollInitialInterval: '300 ms', pollMaxInterval: '3 seconds' };
  const variants: Array<{ label: string; timeFactor: number; options: TrackingOptions; settings?: SandboxSettingsPatch }> = [
    // The defaults (10 min window, polls 30 s → 5 min) with time scaled like the sandbox's.
    { label: 'default options (10 min window, polls 30 s–5 min) with time ×0.01', timeFactor: 0.01, options: defaults },
    // The "faulty run with short options".
    { label: 'short options (200 ms window, polls 250 ms–1 s), time ×0.005', timeFactor: 0.005, options: { webhookTimeout: '200 ms', pollInitialInterval: '250 ms', pollMaxInterval: '1 second' } },
    // A Creatify that names its running stage `processing` (creatify-api.md §5): the list's reads of it must cost no GETs.
    { label: 'as (a), the running stage named "processing" (a name the docs do not list)', timeFactor: 0.01, options: defaults, settings: { runningStatusAs: 'processing' } },
  ];
  const out: LostWebhooks[] = [];
  for (const variant of variants) {
    const batch = await bench.batch('tracker', workers.tracker, n, { ...variant.settings, timeFactor: variant.timeFactor, webhooks: { drop: 1 } }, variant.options);
    const delays = (batch.results as RenderResult[]).map(
      (r) => Date.parse(r.timings.finishedAt) - Date.parse(r.timings.renderAcceptedAt ?? r.timings.startedAt) - STAGES_MS * variant.timeFactor,
    );
    const detectionMs = median(delays);
    out.push({ label: variant.label, callsPerRender: batch.callsPerRender, detectionMs, realDetectionMs: detectionMs / variant.timeFactor, callMix: batch.callMix, wallMs: batch.wallMs });
  }
  return out;
}

/** Renders started but not yet rendered, at most, while bringing renders to the wait. */
const WINDOW = 200;

export interface Waiting {
  renders: number;
  cache: string;
  workerRssBeforeMb: number;
  workerRssAfterMb: number;
  /** The worker's highest RSS over its life (VmHWM), start-up and warm-up included. */
  workerRssPeakMb: number;
  serverRssDeltaMb: number;
  /** Renders that reached the wait (render POSTed) per second while they were started. */
  startedPerSecond: number;
  workerMbPer1000: number;
  serverMbPer1000: number;
}

/**
 * `n` renders that wait for a webhook that never comes (all dropped, a 2-hour window),
 * on a fresh worker process of their own: RSS of worker and server before and after.
 */
export async function waiting(bench: Bench, kind: 'tracker' | 'bare:local', n: number, env: Record<string, string>, progress: (line: string) => void): Promise<Waiting> {
  const worker = bench.spawnWorker(kind === 'tracker' ? 'tracker' : 'bare', env);
  try {
    await bench.batch(kind, worker, 10, FAST, WEBHOOK_ONLY);
    await bench.resetSandbox({ ...FAST, webhooks: { drop: 1 } });
    const ids = await bench.previews(n);
    await bench.settle(worker);
    const workerBefore = rssBytes(worker.pid);
    const serverBefore = rssBytes(bench.server.pid);
    const started = performance.now();
    // Starts are kept at most WINDOW ahead of the renders the sandbox has seen: a deep
    // backlog of first workflow tasks drained at ~3 per second here (the SDK gives most
    // workflow pollers to the sticky queue), which would time that backlog, not the worker.
    let startedCount = 0;
    let rendered = 0;
    const starting = pool(ids, 20, async (id) => {
      while (startedCount - rendered >= WINDOW) await sleep(200);
      startedCount++;
      await bench.start(kind, worker, id, { webhookTimeout: '2 hours' }).catch(() => startedCount--);
    });
    // Done once every render is paid for (its POST is the last step before the wait), or
    // when none more came for a minute after the last start (a start refused under load).
    let lastSaid = 0;
    let startsDone = false;
    void starting.finally(() => (startsDone = true)).catch(() => undefined);
    let lastProgress = performance.now();
    while (rendered < n && !(startsDone && performance.now() - lastProgress > 60_000)) {
      await sleep(1_000);
      const now = Object.keys((await bench.stack.sandbox.control.stats()).renders).length;
      if (now > rendered) lastProgress = performance.now();
      rendered = now;
      if (performance.now() - lastSaid > 10_000) {
        lastSaid = performance.now();
        progress(`${n} waiting renders (${kind}, cache ${env.LIPSYNC_MAX_CACHED_WORKFLOWS ?? 'default'}): ${rendered} waiting, worker RSS ${(rssBytes(worker.pid) / MB).toFixed(0)} MB`);
      }
    }
    const elapsed = performance.now() - started;
    await starting.catch((err) => progress(`a start failed: ${err instanceof Error ? err.message : String(err)}`));
    await bench.settle(worker);
    const workerAfter = rssBytes(worker.pid);
    const serverAfter = rssBytes(bench.server.pid);
    return {
      renders: rendered,
      cache: env.LIPSYNC_MAX_CACHED_WORKFLOWS ?? 'default',
      workerRssBeforeMb: workerBefore / MB,
      workerRssAfterMb: workerAfter / MB,
      workerRssPeakMb: peakRssBytes(worker.pid) / MB,
      serverRssDeltaMb: (serverAfter - serverBefore) / MB,
      startedPerSecond: (rendered / elapsed) * 1000,
      workerMbPer1000: ((workerAfter - workerBefore) / MB / rendered) * 1000,
      serverMbPer1000: ((serverAfter - serverBefore) / MB / rendered) * 1000,
    };
  } finally {
    await worker.stop();
  }
}

/** The tracker's extra commands, given to bare workflows one kind at a time, and the tracker itself. */
export const COMMAND_VARIANTS: Array<{ label: string; extras: BareExtras | 'tracker' }> = [
  { label: 'bare signal→local GET→done', extras: {} },
  { label: '+ a patch marker (and its TemporalChangeVersion upsert)', extras: { patch: true } },
  { label: '+ the status upserts (after the POST, per stage, at the end)', extras: { upserts: true } },
  { label: '+ deadline and window timers, left to lapse', extras: { timers: true } },
  { label: '+ all three', extras: TRACKER_COMMANDS },
  { label: '+ all three and the heartbeat before the render POST', extras: TRACKER_PROMISES },
  { label: 'tracker (reconciler off)', extras: 'tracker' },
];

export interface CommandCost {
  label: string;
  rendersPerSecond: number;
  serverCpuMsPerRender: number;
  workerCpuMsPerRender: number;
}

/** `n` renders at once per variant (rotated rounds, medians). */
export async function commandCosts(bench: Bench, workers: Pick<Workers, 'trackerSolo' | 'bare'>, n: number, rounds: number, progress: (line: string) => void): Promise<CommandCost[]> {
  progress('warming up…');
  await bench.batch('tracker', workers.trackerSolo, 5, FAST, WEBHOOK_ONLY);
  await bench.batch('bare:local', workers.bare, 5, FAST, WEBHOOK_ONLY, TRACKER_PROMISES);
  const medians = await rotatedMedians(COMMAND_VARIANTS, rounds, (round) => progress(`commands, ${n} at once: round ${round + 1}/${rounds}`), async ({ extras }) => {
    const batch = extras === 'tracker'
      ? await bench.batch('tracker', workers.trackerSolo, n, FAST, WEBHOOK_ONLY)
      : await bench.batch('bare:local', workers.bare, n, FAST, WEBHOOK_ONLY, extras);
    return {
      rendersPerSecond: (n / batch.wallMs) * 1000,
      serverCpuMsPerRender: batch.serverCpuMs / n,
      workerCpuMsPerRender: (batch.cpuMs - batch.serverCpuMs) / n,
    };
  });
  return COMMAND_VARIANTS.map(({ label }, i) => ({ label, ...medians[i]! }));
}
