/**
 * The bench's stack: a dev server from the pinned CLI, the test stack's sandbox, webhook
 * receiver and client (test/support/stack.ts), and the workers as child processes —
 * `lipsync worker` compiled (dist/, as deployed: no TypeScript compiler in its memory)
 * for the tracker, bench/bare/worker.ts for the bare workflows — so their CPU time and
 * RSS are their own.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, Runtime } from '@temporalio/worker';
import { workflowIdFor } from '../src/contract/lipsync-id';
import { webhookSignal, type WebhookHint } from '../src/contract/messages';
import type { TrackingOptions } from '../src/contract/tracking-options';
import { LipsyncOrchestrator } from '../src/client';
import { startDevServer, type RunningDevServer } from '../src/dev/temporal-server';
import type { SandboxSettingsPatch, SandboxStats } from '../src/sandbox';
import { buildWorkflowBundle, workflowsEntry } from '../src/worker/workflow-source';
import { createWorkerLogger } from '../src/worker/logger';
import type { TestStack } from '../test/support/stack';
import type { BareEnding, BareExtras } from './bare/workflows';
import { cpuMs, pool, sleep } from './measure';

const REPO = path.resolve(__dirname, '..');
/** `lipsync worker` from dist/, as an installed package runs it (bin/lipsync.js would take src/ through ts-node here). */
const TRACKER_WORKER = "require('./dist/cli/main.js').main(['worker']).then((code) => process.exit(code))";

const TERMINAL = new Set(['done', 'failed', 'rejected']);

export type Kind = 'tracker' | `bare:${BareEnding}`;

/** When the sandbox sent a render's `done` webhook (the start of webhook→closed); undefined when none went out. */
export function doneWebhookSentAt(stats: SandboxStats, lipsyncId: string): number | undefined {
  return stats.webhooks.find((w) => w.lipsyncId === lipsyncId && w.status === 'done' && w.sentAt !== null)?.sentAt ?? undefined;
}
export const KINDS: Kind[] = ['tracker', 'bare:none', 'bare:local', 'bare:activity'];
export const KIND_LABEL: Record<Kind, string> = {
  tracker: 'tracker',
  'bare:none': 'bare signal→done',
  'bare:local': 'bare signal→local GET→done',
  'bare:activity': 'bare signal→activity GET→done',
};

/**
 * How a batch's renders end: `natural`, each when the sandbox's (scaled) stages have run,
 * so with ×0.001 the first webhooks come while later renders are still starting;
 * `together`, held at Creatify until every render has been POSTed and has sat
 * QUIET_BEFORE_ENDS_MS, then all ended at once: a burst of webhooks on renders that wait,
 * as renders of minutes started together meet it.
 */
export type BatchEnds = 'natural' | 'together';
const QUIET_BEFORE_ENDS_MS = 1_000;

/** One worker process and the task queue it serves. */
export interface WorkerProcess {
  child: ChildProcess;
  taskQueue: string;
  pid: number;
  /** Every process serving taskQueue (a pair shares one: spawnPair); CPU is summed over them. */
  pids: number[];
  /** Its folder under the bench's CPU profile folder; also the key of rendersByWorker. */
  profileName: string;
  stop(): Promise<void>;
}

/** Creatify calls per render, by kind: which call a budget's excess is made of. */
export interface CallMix {
  gets: number;
  posts: number;
  lists: number;
  balanceReads: number;
}

export interface BatchResult {
  ids: string[];
  /** Terminal webhook sent → workflow closed, ms, one per render that got a webhook. */
  latencies: number[];
  wallMs: number;
  /** Server + worker CPU time spent during the batch. */
  cpuMs: number;
  /** Of which the server's. */
  serverCpuMs: number;
  /** Creatify calls the workers made (GET, render, list, balance), per render. */
  callsPerRender: number;
  /** The same, call by call. */
  callMix: CallMix;
  stats: SandboxStats;
  results: unknown[];
  /** Terminal webhooks the receiver refused (a 503 when the signal missed its 3 s deadline) that the bench delivered again. */
  redelivered: number;
  /** Each workflow's close time (epoch ms), in the order of ids. */
  closedAt: number[];
  /** Ends `together`: CPU from the moment the renders ended to the last close (the webhook path alone), and the server's share. */
  endsCpu?: { cpuMs: number; serverCpuMs: number };
}

/** CPU time of every process serving the worker's task queue (one, or a pair's two). */
function workerCpuMs(worker: WorkerProcess): number {
  return worker.pids.reduce((sum, pid) => sum + cpuMs(pid), 0);
}

export class Bench {
  private readonly children: WorkerProcess[] = [];
  /** Refused terminal webhooks the bench delivered again, over the whole run. */
  redeliveries = 0;
  /** Renders each worker took, by its profile name (for per-render profile figures). */
  readonly rendersByWorker: Record<string, number> = {};
  private queues = 0;

  private constructor(
    readonly dir: string,
    readonly server: RunningDevServer,
    readonly stack: TestStack,
    readonly bareBundle: string,
  ) {}

  /** `perRunModules`: the tracker's bundle loads its workflow modules per run (the SDK's default), for an A/B against the preloaded bundle. */
  static async start(dir: string, say: (line: string) => void, options: { perRunModules?: boolean } = {}): Promise<Bench> {
    // The bench process only runs clients; the SDK's INFO lines are noise here.
    Runtime.install({ logger: createWorkerLogger('ERROR', () => undefined) });
    say('compiling src/ to dist/, starting the dev server, bundling the workflows…');
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: REPO, stdio: 'inherit' });
    const server = await startDevServer({ uiPort: false, logFile: path.join(dir, 'temporal.log') });
    process.env.TEST_TEMPORAL_ADDRESS = server.address;
    process.env.TEST_WORKFLOW_BUNDLE = options.perRunModules ? await perRunModulesBundle(dir) : (await buildWorkflowBundle(path.join(dir, 'workflow-bundle.js'))).path;
    const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('./bare/workflows'), logger: new DefaultLogger('WARN') });
    const bareBundle = path.join(dir, 'bare-bundle.js');
    fs.writeFileSync(bareBundle, code);
    const { startTestStack } = await import('../test/support/stack');
    const stack = await startTestStack({}, { worker: false });
    return new Bench(dir, server, stack, bareBundle);
  }

  /** A new task queue for the stack (each worker process gets its own). */
  newQueue(prefix: string): string {
    return `${this.stack.taskQueue}-${prefix}-${++this.queues}`;
  }

  /** Where worker processes write V8 CPU profiles (`--cpu-profile DIR`), one folder per worker; unset: none. */
  cpuProfileDir: string | undefined;

  /**
   * `lipsync worker` (tracker) or the bare worker, in a child process, with extra env on
   * top. `profileName` names its folder under cpuProfileDir when profiling.
   */
  spawnWorker(kind: 'tracker' | 'bare', env: Record<string, string> = {}, profileName: string = kind, taskQueue = this.newQueue(kind)): WorkerProcess {
    const log = fs.openSync(path.join(this.dir, `worker-${taskQueue}.log`), 'a');
    const fullEnv = { ...process.env, ...this.stack.workerEnv(), LIPSYNC_LOG_LEVEL: 'WARN', LIPSYNC_TASK_QUEUE: taskQueue, BENCH_BARE_BUNDLE: this.bareBundle, ...env };
    const args = kind === 'tracker' ? ['-e', TRACKER_WORKER] : ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'bare', 'worker.ts')];
    // A profile is written when the process exits on its own: such a worker is stopped with SIGINT.
    const profiled = this.cpuProfileDir !== undefined;
    const profileArgs = profiled ? ['--cpu-prof', `--cpu-prof-dir=${path.join(this.cpuProfileDir!, profileName)}`] : [];
    const child = spawn(process.execPath, [...profileArgs, ...args], { cwd: REPO, env: fullEnv, stdio: ['ignore', log, log] });
    fs.closeSync(log);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const worker: WorkerProcess = {
      child,
      taskQueue,
      pid: child.pid!,
      pids: [child.pid!],
      profileName,
      async stop() {
        if (child.exitCode !== null || child.signalCode !== null) return exited;
        if (profiled) {
          child.kill('SIGINT');
          const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
          await exited;
          clearTimeout(killer);
          return;
        }
        child.kill('SIGKILL');
        await exited;
      },
    };
    this.children.push(worker);
    return worker;
  }

  /**
   * Two worker processes on one task queue, as a production fleet runs them: the
   * reconciler's sweeps land on either. Measured as one (CPU summed over both).
   */
  spawnPair(kind: 'tracker' | 'bare', env: Record<string, string> = {}, profileName: string = `${kind}-pair`): WorkerProcess {
    const first = this.spawnWorker(kind, env, `${profileName}-1`);
    const second = this.spawnWorker(kind, env, `${profileName}-2`, first.taskQueue);
    return {
      ...first,
      pids: [first.pid, second.pid],
      profileName,
      async stop() {
        await Promise.all([first.stop(), second.stop()]);
      },
    };
  }

  orchestrator(taskQueue: string): LipsyncOrchestrator {
    const { client, webhookConfig, creatify } = this.stack;
    return new LipsyncOrchestrator({ client, taskQueue, webhook: webhookConfig, creatify });
  }

  async start(kind: Kind, worker: WorkerProcess, id: string, options: TrackingOptions, extras?: BareExtras): Promise<WorkflowHandle> {
    if (kind === 'tracker') return this.orchestrator(worker.taskQueue).startRender(id, options);
    return this.stack.client.workflow.start('bareRender', {
      taskQueue: worker.taskQueue,
      workflowId: workflowIdFor(id),
      args: [{ lipsyncId: id, ending: kind.slice('bare:'.length) as BareEnding, ...(extras ? { extras } : {}) }],
    });
  }

  previews(n: number): Promise<string[]> {
    return pool(Array.from({ length: n }, (_, i) => i), 20, (i) => this.stack.preview(`bench ${i}`));
  }

  /** A fresh sandbox (records, counts, ledger) with credits for any number of renders. */
  async resetSandbox(settings: SandboxSettingsPatch): Promise<void> {
    await this.stack.sandbox.control.reset({ initialCredits: 1e9, ...settings });
  }

  /**
   * `n` renders of one kind started at once, each awaited to its end, on a freshly reset
   * sandbox. `extras`: the tracker's extra commands given to bare workflows (BareExtras).
   */
  async batch(kind: Kind, worker: WorkerProcess, n: number, settings: SandboxSettingsPatch, options: TrackingOptions = {}, extras?: BareExtras, ends: BatchEnds = 'natural'): Promise<BatchResult> {
    await this.resetSandbox(settings);
    this.rendersByWorker[worker.profileName] = (this.rendersByWorker[worker.profileName] ?? 0) + n;
    const ids = await this.previews(n);
    const control = this.stack.sandbox.control;
    if (ends === 'together') await pool(ids, 20, (id) => control.setLipsync(id, { hold: true }));
    const serverBefore = cpuMs(this.server.pid);
    const workerBefore = workerCpuMs(worker);
    const started = performance.now();
    const handles = await Promise.all(ids.map((id) => this.start(kind, worker, id, options, extras)));
    let endsAt: { server: number; worker: number } | undefined;
    if (ends === 'together') {
      // Every render POSTed and its workflow back to waiting, then all end in the same instant.
      const giveUpAt = Date.now() + 120_000;
      while ((await control.stats()).calls.render < n) {
        if (Date.now() > giveUpAt) throw new Error(`bench: ${n} renders held, but the sandbox saw fewer render POSTs within 2 minutes`);
        await sleep(50);
      }
      await sleep(QUIET_BEFORE_ENDS_MS);
      endsAt = { server: cpuMs(this.server.pid), worker: workerCpuMs(worker) };
      await Promise.all(ids.map((id) => control.setLipsync(id, { status: 'done' })));
    }
    const finished = Promise.all(handles.map((handle) => handle.result() as Promise<unknown>));
    const redelivered = await this.redeliverRefused(finished);
    const results = await finished;
    const wallMs = performance.now() - started;
    const [serverAfter, workerAfter] = [cpuMs(this.server.pid), workerCpuMs(worker)];
    const serverCpu = serverAfter - serverBefore;
    const cpu = serverCpu + workerAfter - workerBefore;
    const endsCpu = endsAt && { serverCpuMs: serverAfter - endsAt.server, cpuMs: serverAfter - endsAt.server + workerAfter - endsAt.worker };
    const stats = await control.stats();
    const closes = await pool(handles, 20, async (handle) => (await handle.describe()).closeTime!.getTime());
    const latencies: number[] = [];
    ids.forEach((id, i) => {
      const sentAt = doneWebhookSentAt(stats, id);
      if (sentAt !== undefined && !redelivered.has(id)) latencies.push(closes[i]! - sentAt);
    });
    // Every Creatify call counts, the balance read of the credits check before each render POST included.
    const calls = stats.calls.get + stats.calls.render + stats.calls.list + stats.calls.credits;
    const callMix: CallMix = { gets: stats.calls.get / n, posts: stats.calls.render / n, lists: stats.calls.list / n, balanceReads: stats.calls.credits / n };
    return { ids, latencies, wallMs, cpuMs: cpu, serverCpuMs: serverCpu, callsPerRender: calls / n, callMix, stats, results, redelivered: redelivered.size, closedAt: closes, ...(endsCpu ? { endsCpu } : {}) };
  }

  /** The recorded history of a render the bench tracked (tracker or bare). */
  history(lipsyncId: string) {
    return this.stack.client.workflow.getHandle(workflowIdFor(lipsyncId)).fetchHistory();
  }

  /**
   * Until `finished`, signals again every terminal webhook the receiver refused: on an
   * overloaded machine a Signal can miss its 3 s deadline (503), and Creatify — like the
   * sandbox — never re-sends, so a bare workflow would wait forever. Those renders are
   * left out of the latency samples.
   */
  private async redeliverRefused(finished: Promise<unknown>): Promise<Set<string>> {
    const redelivered = new Set<string>();
    let done = false;
    void finished.then(() => (done = true), () => (done = true));
    while (!done) {
      await Promise.race([finished.catch(() => undefined), sleep(2_000)]);
      if (done) break;
      const { webhooks } = await this.stack.sandbox.control.stats();
      for (const w of webhooks) {
        const refused = w.sentAt !== null && (w.responseStatus === null || w.responseStatus >= 300) && TERMINAL.has(w.status);
        if (!refused || redelivered.has(w.lipsyncId) || Date.now() - w.sentAt! < 5_000) continue;
        redelivered.add(w.lipsyncId);
        this.redeliveries++;
        const hint: WebhookHint = { id: w.lipsyncId, status: w.status, failedReason: w.failed_reason ?? null, output: w.output ?? null, receivedAt: new Date().toISOString() };
        await this.stack.client.workflow.getHandle(workflowIdFor(w.lipsyncId)).signal(webhookSignal, hint).catch(() => undefined);
      }
    }
    return redelivered;
  }

  /** Waits until the worker and server have been nearly idle (< 3% of a core) for a second. */
  async settle(worker: WorkerProcess, timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const before = workerCpuMs(worker) + cpuMs(this.server.pid);
      await sleep(1_000);
      if (workerCpuMs(worker) + cpuMs(this.server.pid) - before < 30) return;
    }
  }

  async close(): Promise<void> {
    for (const worker of this.children) await worker.stop();
    await this.stack.close();
    await this.server.stop();
  }

  /** On Ctrl-C: the child processes go first, nothing waits for connections to drain. */
  async stopProcesses(): Promise<void> {
    for (const worker of this.children) await worker.stop();
    await this.server.stop();
  }
}

/** The tracker's bundle with its workflow modules loaded per run (the SDK's default), written into `dir`. */
export async function perRunModulesBundle(dir: string): Promise<string> {
  const { code } = await bundleWorkflowCode({ workflowsPath: workflowsEntry(), logger: new DefaultLogger('WARN') });
  const file = path.join(dir, 'workflow-bundle-per-run.js');
  fs.writeFileSync(file, code);
  return file;
}
