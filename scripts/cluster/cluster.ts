/**
 * The production-shaped local cluster behind `npm run cluster`, the cluster test and the
 * cluster soak: PostgreSQL 15, the Temporal server v1.29.1 on it, the sandbox Creatify,
 * 2 × `lipsync worker` and 2 × `lipsync webhook-server` (real processes, configured only
 * through the documented environment variables, each serving /metrics) behind a
 * round-robin load balancer that is the one webhook URL Creatify is given.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { LipsyncOrchestrator } from '../../src/client';
import { RECOMMENDED_WORKER_HEAP_MB, type WebhookConfig } from '../../src/config';
import { DEFAULT_TASK_QUEUE } from '../../src/contract/messages';
import { CreatifyClient } from '../../src/creatify';
import { freePort } from '../../src/dev/ports';
import { startSandbox, type RunningSandbox, type SandboxSettingsPatch } from '../../src/sandbox';
import { buildWorkflowBundle } from '../../src/worker/workflow-source';
import { Supervised } from '../chaos/processes';
import { timed } from '../chaos/stack';
import { startBalancer, type RunningBalancer } from './balancer';
import { startPostgres, type RunningPostgres } from './postgres';
import { startTemporalServer, temporalServerBinaries, type RunningTemporalServer } from './temporal';

const READY_TIMEOUT_MS = 120_000;

export interface ClusterOptions {
  /** Where logs, config and the database go; a fresh temporary directory when absent. */
  workDir?: string;
  workers?: number;
  receivers?: number;
  /** Initial sandbox settings (time factor, faults). */
  sandbox?: SandboxSettingsPatch;
  seed?: number;
  /** A prebuilt workflow bundle; built into the work directory when absent. */
  workflowBundlePath?: string;
  taskQueue?: string;
  /** Extra environment for every worker and receiver (e.g. LIPSYNC_LOG_LEVEL). */
  serviceEnv?: Record<string, string>;
  creatifyTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface ScrapeTarget {
  job: 'lipsync-worker' | 'lipsync-webhook' | 'temporal';
  name: string;
  address: string;
}

export interface Cluster {
  workDir: string;
  postgres: RunningPostgres;
  temporal: RunningTemporalServer;
  sandbox: RunningSandbox;
  balancer: RunningBalancer;
  workers: Supervised[];
  receivers: Supervised[];
  client: Client;
  orchestrator: LipsyncOrchestrator;
  webhook: WebhookConfig;
  taskQueue: string;
  /** The environment that points `lipsync` (CLI, worker, receiver) at this cluster. */
  env: Record<string, string>;
  /** Every /metrics endpoint now, for Prometheus; a restarted process serves on a new port. */
  scrapeTargets: ScrapeTarget[];
  /** Called with the new list whenever a process comes back on a new metrics port. */
  onScrapeTargetsChange(listener: (targets: ScrapeTarget[]) => void): void;
  /** Stops everything, the project's processes first; safe after a partial start. */
  stop(): Promise<void>;
}

export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const log = options.log ?? (() => undefined);
  const workDir = options.workDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'lipsync-cluster-'));
  fs.mkdirSync(workDir, { recursive: true });
  const cleanups: Array<() => Promise<unknown>> = [];
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
      cleanups.length = 0;
    })());

  try {
    const [binaries, bundlePath] = await Promise.all([
      timed(log, 'Temporal server binaries', () => temporalServerBinaries((line) => log(line))),
      options.workflowBundlePath ?? timed(log, 'workflow bundle', async () => (await buildWorkflowBundle(path.join(workDir, 'workflow-bundle.js'))).path),
    ]);
    const postgres = await timed(log, 'PostgreSQL 15', () => startPostgres({ dir: path.join(workDir, 'postgres'), logFile: path.join(workDir, 'postgres.log') }));
    cleanups.push(() => postgres.stop());
    const temporal = await timed(log, 'Temporal server v1.29.1 (schema, namespace, search attributes)', () =>
      startTemporalServer({ binaries, postgres, dir: workDir, logFile: path.join(workDir, 'temporal.log') }),
    );
    cleanups.push(() => temporal.stop());
    const connection = await Connection.connect({ address: temporal.address });
    cleanups.push(() => connection.close());
    const client = new Client({ connection, namespace: temporal.namespace });

    const sandbox = await startSandbox({ seed: options.seed ?? 1, settings: options.sandbox ?? { timeFactor: 0.05 } });
    cleanups.push(() => sandbox.close());
    const creatifyTimeoutMs = options.creatifyTimeoutMs ?? 10_000;
    const creatify = new CreatifyClient({ baseUrl: sandbox.url, ...sandbox.credentials, timeoutMs: creatifyTimeoutMs });
    cleanups.push(() => creatify.close());

    const receiverPorts = await Promise.all(Array.from({ length: options.receivers ?? 2 }, () => freePort()));
    const balancer = await startBalancer(receiverPorts.map((port) => `http://127.0.0.1:${port}`));
    cleanups.push(() => balancer.close());
    const webhook: WebhookConfig = {
      publicUrl: `${balancer.url}/hooks/creatify`,
      secrets: [randomBytes(24).toString('base64url')],
      host: '127.0.0.1',
      port: balancer.port,
      maxBodyBytes: 16 * 1024,
    };
    const taskQueue = options.taskQueue ?? DEFAULT_TASK_QUEUE;
    const env: Record<string, string> = {
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: temporal.namespace,
      LIPSYNC_TASK_QUEUE: taskQueue,
      CREATIFY_API_BASE_URL: sandbox.url,
      CREATIFY_API_ID: sandbox.credentials.apiId,
      CREATIFY_API_KEY: sandbox.credentials.apiKey,
      WEBHOOK_PUBLIC_URL: webhook.publicUrl,
      WEBHOOK_SECRET: webhook.secrets[0]!,
    };
    const scrapeTargets: ScrapeTarget[] = temporal.metricsAddress ? [{ job: 'temporal', name: 'temporal-server', address: temporal.metricsAddress }] : [];
    let targetsListener: (targets: ScrapeTarget[]) => void = () => undefined;
    const service = async (kind: 'worker' | 'webhook-server', n: number, extra: Record<string, string>) => {
      const name = `${kind === 'worker' ? 'worker' : 'receiver'}-${n}`;
      const target: ScrapeTarget = { job: kind === 'worker' ? 'lipsync-worker' : 'lipsync-webhook', name, address: '' };
      scrapeTargets.push(target);
      const ready = kind === 'worker' ? /worker polling task queue/ : /webhook receiver listening/;
      // Each incarnation on a port of its own: to Prometheus a restart is a new series, not a counter reset.
      const serviceEnv = async () => {
        target.address = `127.0.0.1:${await freePort()}`;
        targetsListener([...scrapeTargets]);
        return { ...env, ...extra, LIPSYNC_METRICS_ADDRESS: target.address, ...options.serviceEnv };
      };
      return new Supervised(name, kind, serviceEnv, workDir, ready, READY_TIMEOUT_MS, log);
    };
    const receivers = await Promise.all(receiverPorts.map((port, i) => service('webhook-server', i + 1, { WEBHOOK_HOST: '127.0.0.1', WEBHOOK_PORT: String(port) })));
    // The heap bound docs/deploy.md recommends for every worker.
    const workerEnv = { WORKFLOW_BUNDLE_PATH: bundlePath, CREATIFY_TIMEOUT_MS: String(creatifyTimeoutMs), NODE_OPTIONS: `--max-old-space-size=${RECOMMENDED_WORKER_HEAP_MB}` };
    const workers = await Promise.all(Array.from({ length: options.workers ?? 2 }, (_, i) => service('worker', i + 1, workerEnv)));
    // Stopped together (each drains on its own), before anything they depend on.
    cleanups.push(() => Promise.all([...workers, ...receivers].map((s) => s.stop())));
    await timed(log, `${receivers.length} webhook receivers and ${workers.length} workers`, () => Promise.all([...receivers, ...workers].map((s) => s.start())));

    const orchestrator = new LipsyncOrchestrator({ client, taskQueue, webhook, creatify });
    const onScrapeTargetsChange = (listener: (targets: ScrapeTarget[]) => void) => (targetsListener = listener);
    return { workDir, postgres, temporal, sandbox, balancer, workers, receivers, client, orchestrator, webhook, taskQueue, env, scrapeTargets, onScrapeTargetsChange, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
