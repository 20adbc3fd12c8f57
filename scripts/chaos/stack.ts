/**
 * The stack the soak runs against, all on loopback: a SQLite-backed Temporal dev server
 * (so it can be restarted without losing anything), the sandbox Creatify, and the real
 * `lipsync webhook-server` and two `lipsync worker` processes (so a SIGKILL is a real one).
 * The harness itself is the backend: it previews and starts renders through the library.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { LipsyncOrchestrator } from '../../src/client';
import type { WebhookConfig } from '../../src/config';
import { CreatifyClient } from '../../src/creatify';
import { demoRequest } from '../../src/dev/demo';
import { freePort } from '../../src/dev/ports';
import { startDevServer, type RunningDevServer } from '../../src/dev/temporal-server';
import { startSandbox, type RunningSandbox, type SandboxSettingsPatch } from '../../src/sandbox';
import { buildWorkflowBundle } from '../../src/worker/workflow-source';
import { sleep, Supervised } from './processes';

const READY_TIMEOUT_MS = 120_000;
const CREATIFY_TIMEOUT_MS = 10_000;

export interface ChaosStack {
  client: Client;
  sandbox: RunningSandbox;
  orchestrator: LipsyncOrchestrator;
  receiver: Supervised;
  workers: Supervised[];
  /** Log files so far (one per process incarnation). */
  logs: { temporal: string; receiver: string[]; workers: string[] };
  /** Starts the receiver and both workers (in parallel) and resolves once all are ready. */
  startServices(): Promise<void>;
  /** Stops the dev server, waits `downMs`, starts it again on the same port and SQLite file. */
  restartTemporal(downMs: number): Promise<{ port: number }>;
  /** Previews `count` lipsyncs (with our webhook URL), 8 at a time; their ids in order. */
  previewAll(count: number): Promise<string[]>;
  /** Stops everything, processes first; safe to call after a partial start. */
  close(): Promise<void>;
  /** Called just before a process is SIGKILLed (the cluster soak waits for a fresh metrics scrape). */
  beforeKill?(name: string): Promise<void>;
}

export interface ChaosStackOptions {
  workDir: string;
  seed: number;
  sandbox: SandboxSettingsPatch;
  workflowBundlePath?: string;
  log: (line: string) => void;
}

export async function startChaosStack(options: ChaosStackOptions): Promise<ChaosStack> {
  const { workDir, log } = options;
  const dbFile = path.join(workDir, 'temporal.sqlite');
  const temporalLog = path.join(workDir, 'temporal.log');
  const cleanups: Array<() => Promise<unknown>> = [];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    cleanups.length = 0;
  };

  try {
    const bundlePath = options.workflowBundlePath ?? (await timed(log, 'workflow bundle', async () => (await buildWorkflowBundle(path.join(workDir, 'workflow-bundle.js'))).path));
    let server: RunningDevServer = await timed(log, 'Temporal dev server (SQLite)', () => startDevServer({ dbFile, uiPort: false, logFile: temporalLog }));
    cleanups.push(() => server.stop());
    const connection = await Connection.connect({ address: server.address });
    cleanups.push(() => connection.close());
    const client = new Client({ connection, namespace: server.namespace });

    const sandbox = await startSandbox({ seed: options.seed, settings: options.sandbox });
    cleanups.push(() => sandbox.close());
    const creatify = new CreatifyClient({ baseUrl: sandbox.url, ...sandbox.credentials, timeoutMs: CREATIFY_TIMEOUT_MS });
    cleanups.push(() => creatify.close());

    const webhookPort = await freePort();
    const webhook: WebhookConfig = {
      publicUrl: `http://127.0.0.1:${webhookPort}/hooks/creatify`,
      secrets: [`chaos-secret-${randomUUID()}`],
      host: '127.0.0.1',
      port: webhookPort,
      maxBodyBytes: 16 * 1024,
    };
    const taskQueue = `lipsync-chaos-${process.pid}-${Date.now()}`;
    const temporalEnv = { TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: server.namespace, LIPSYNC_TASK_QUEUE: taskQueue };
    const webhookEnv = { ...temporalEnv, WEBHOOK_PUBLIC_URL: webhook.publicUrl, WEBHOOK_SECRET: webhook.secrets[0] };
    const receiver = new Supervised('webhook-server', 'webhook-server', { ...webhookEnv, WEBHOOK_HOST: '127.0.0.1', WEBHOOK_PORT: String(webhookPort) }, workDir, /webhook receiver listening/, READY_TIMEOUT_MS, log);
    const workerEnv = {
      ...webhookEnv,
      CREATIFY_API_BASE_URL: sandbox.url,
      CREATIFY_API_ID: sandbox.credentials.apiId,
      CREATIFY_API_KEY: sandbox.credentials.apiKey,
      CREATIFY_TIMEOUT_MS: String(CREATIFY_TIMEOUT_MS),
      WORKFLOW_BUNDLE_PATH: bundlePath,
      LIPSYNC_LOG_LEVEL: 'WARN',
      // The fleet reconciler reads renders whose webhook was lost, at the soak's pace.
      LIPSYNC_RECONCILE_OVERDUE_INTERVAL: '1s',
      LIPSYNC_RECONCILE_IDLE_INTERVAL: '5s',
      LIPSYNC_RECONCILE_PROGRESS_INTERVAL: '3s',
    };
    const workers = [1, 2].map((n) => new Supervised(`worker-${n}`, 'worker', workerEnv, workDir, /worker polling task queue/, READY_TIMEOUT_MS, log));
    cleanups.push(() => receiver.stop());
    for (const worker of workers) cleanups.push(() => worker.stop());
    const orchestrator = new LipsyncOrchestrator({ client, taskQueue, webhook, creatify });
    const logs = {
      temporal: temporalLog,
      get receiver() {
        return receiver.logFiles;
      },
      get workers() {
        return workers.flatMap((w) => w.logFiles);
      },
    };

    return {
      client,
      sandbox,
      orchestrator,
      receiver,
      workers,
      logs,
      async restartTemporal(downMs) {
        const { port } = server;
        await server.stop();
        await sleep(downMs);
        server = await startDevServer({ dbFile, port, uiPort: false, logFile: temporalLog });
        return { port };
      },
      async startServices() {
        await timed(log, 'webhook receiver and 2 workers', () => Promise.all([receiver.start(), ...workers.map((w) => w.start())]));
      },
      previewAll: (count) => previewAll(orchestrator, count),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

export async function previewAll(orchestrator: LipsyncOrchestrator, count: number): Promise<string[]> {
  const ids: string[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(8, count) }, async () => {
      while (next < count) {
        const n = next++;
        const lipsync = await orchestrator.preview(demoRequest(`chaos ${n + 1}`, `Chaos soak render number ${n + 1}: it must happen exactly once.`));
        ids[n] = lipsync.id;
      }
    }),
  );
  return ids;
}

export async function timed<T>(log: (line: string) => void, what: string, work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const value = await work();
  log(`${what}: ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return value;
}
