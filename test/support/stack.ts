/**
 * A whole tracker on loopback for integration tests: sandbox Creatify, webhook receiver,
 * worker, client library, all against the dev server the global setup started.
 */
import { randomUUID } from 'node:crypto';
import type { Client, Connection, WorkflowHandle } from '@temporalio/client';
import type { NativeConnection, Worker } from '@temporalio/worker';
import { LipsyncOrchestrator, type TrackingOptions } from '../../src/client';
import { statusQuery, type TrackingState } from '../../src/contract/messages';
import type { WebhookConfig, WorkerTuning } from '../../src/config';
import { CreatifyClient } from '../../src/creatify';
import { freePort } from '../../src/dev/ports';
import { startSandbox, type RunningSandbox } from '../../src/sandbox';
import type { SandboxSettingsPatch } from '../../src/sandbox';
import { startWebhookServer, type RunningWebhookServer } from '../../src/webhook/server';
import { webhookUrl } from '../../src/contract/webhook-url';
import { createLipsyncWorker } from '../../src/worker/worker';
import type { ReconcilerConfig } from '../../src/contract/reconciler';
import { demoRequest as demoBody } from '../../src/dev/demo';
import { testClient, testNamespace, testNativeConnection, uniqueTaskQueue } from './temporal';
import { testWorkflowBundle } from './bundle';

/** Stage durations scaled so a render takes ~1 s (5 s + 20 s + 180 s at 0.005). */
export const FAST_TIME_FACTOR = 0.005;

export interface TestStack {
  sandbox: RunningSandbox;
  creatify: CreatifyClient;
  webhookConfig: WebhookConfig;
  webhookServer: RunningWebhookServer;
  client: Client;
  orchestrator: LipsyncOrchestrator;
  taskQueue: string;
  worker: Worker;
  /** Creates a previewed lipsync whose webhook points at our receiver; returns its id. */
  preview(name?: string): Promise<string>;
  /**
   * Holds the record, then starts its render: at test speed a render ends ~1 s after its
   * POST, which a busy machine could outrun if the test held it only once it saw the POST.
   */
  startHeldRender(lipsyncId: string, options?: TrackingOptions): ReturnType<LipsyncOrchestrator['startRender']>;
  /** Stops the in-process worker if any (awaits its drain) and starts a new one on the same queue. */
  restartWorker(): Promise<void>;
  /** Environment for a `lipsync worker` / webhook process serving this stack. */
  workerEnv(): Record<string, string | undefined>;
  close(): Promise<void>;
}

export interface TestStackOptions {
  /** Start an in-process worker (default true); crash tests bring their own. */
  worker?: boolean;
  /** Another Temporal server than the one the global setup started. */
  temporalAddress?: string;
  /** The worker's Creatify call deadline (default 5 s); short to make a hung POST time out quickly. */
  creatifyTimeoutMs?: number;
  /**
   * The fleet reconciler the stack's workers run (in process and through workerEnv()).
   * Off by default, so most suites see each tracker poll by itself.
   */
  reconciler?: ReconcilerConfig;
  /** The worker's LIPSYNC_CREDIT_BUDGET_PER_DAY. */
  creditBudgetPerDay?: number;
  /** The worker's LIPSYNC_BALANCE_MAX_AGE in ms (default 500). */
  balanceMaxAgeMs?: number;
  /** The watch after a slow render POST (default 65 s): shorter where the sandbox takes a POST up only a moment late. */
  slowPostSettleMs?: number;
  /** The in-process worker's sizing and rate limit (the defaults otherwise). */
  tuning?: Partial<WorkerTuning>;
}

export async function startTestStack(settings: SandboxSettingsPatch = {}, options: TestStackOptions = {}): Promise<TestStack> {
  const log = process.env.TEST_SANDBOX_LOG ? (line: string) => console.log(`${Date.now()} ${line}`) : undefined;
  const sandbox = await startSandbox({ settings: { timeFactor: FAST_TIME_FACTOR, ...settings }, log });
  const creatify = new CreatifyClient({ baseUrl: sandbox.url, ...sandbox.credentials, timeoutMs: options.creatifyTimeoutMs ?? 5_000 });
  const { client, connection } = await testClient(options.temporalAddress);
  const port = await freePort();
  const webhookConfig: WebhookConfig = {
    publicUrl: `http://127.0.0.1:${port}/hooks/creatify`,
    secrets: [`test-secret-${randomUUID()}`],
    host: '127.0.0.1',
    port,
    maxBodyBytes: 16 * 1024,
  };
  const webhookServer = await startWebhookServer({ config: webhookConfig, client });
  const nativeConnection = await testNativeConnection(options.temporalAddress);
  const taskQueue = uniqueTaskQueue('render');
  const orchestrator = new LipsyncOrchestrator({ client, taskQueue, webhook: webhookConfig, creatify });

  const newWorker = async () =>
    createLipsyncWorker({
      connection: nativeConnection,
      namespace: testNamespace(options.temporalAddress),
      taskQueue,
      creatify,
      workflows: { workflowBundle: testWorkflowBundle() },
      shutdownGraceTime: '1 second',
      reconciler: options.reconciler ?? false,
      creditBudgetPerDay: options.creditBudgetPerDay ?? null,
      ...(options.balanceMaxAgeMs !== undefined ? { balanceMaxAgeMs: options.balanceMaxAgeMs } : {}),
      ...(options.slowPostSettleMs !== undefined ? { slowPostSettleMs: options.slowPostSettleMs } : {}),
      ...(options.tuning ? { tuning: options.tuning } : {}),
    });
  let worker: Worker | undefined = options.worker === false ? undefined : await newWorker();
  let running: Promise<void> = worker ? worker.run() : Promise.resolve();

  const stack: TestStack = {
    sandbox,
    creatify,
    webhookConfig,
    webhookServer,
    client,
    orchestrator,
    taskQueue,
    get worker() {
      if (!worker) throw new Error('this stack has no in-process worker');
      return worker;
    },
    async preview(name = 'test render') {
      const lipsync = await creatify.preview(demoRequest(name, webhookUrl(webhookConfig)));
      return lipsync.id;
    },
    async startHeldRender(lipsyncId, options) {
      await sandbox.control.setLipsync(lipsyncId, { hold: true });
      return orchestrator.startRender(lipsyncId, options);
    },
    async restartWorker() {
      if (worker?.getState() === 'RUNNING') worker.shutdown();
      await running;
      worker = await newWorker();
      running = worker.run();
    },
    workerEnv() {
      return {
        TEMPORAL_ADDRESS: options.temporalAddress ?? process.env.TEST_TEMPORAL_ADDRESS,
        TEMPORAL_NAMESPACE: testNamespace(options.temporalAddress),
        LIPSYNC_TASK_QUEUE: taskQueue,
        CREATIFY_API_BASE_URL: sandbox.url,
        CREATIFY_API_ID: sandbox.credentials.apiId,
        CREATIFY_API_KEY: sandbox.credentials.apiKey,
        WEBHOOK_PUBLIC_URL: webhookConfig.publicUrl,
        WEBHOOK_SECRET: webhookConfig.secrets[0],
        WORKFLOW_BUNDLE_PATH: testWorkflowBundle().codePath,
        ...reconcilerEnv(options.reconciler),
      };
    },
    async close() {
      if (worker?.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => undefined);
      await webhookServer.close();
      await sandbox.close();
      await creatify.close();
      await nativeConnection.close();
      await (connection as Connection).close();
    },
  };
  return stack;
}

function reconcilerEnv(config: ReconcilerConfig | undefined): Record<string, string> {
  if (!config) return { LIPSYNC_RECONCILER: 'off' };
  return {
    LIPSYNC_RECONCILER: 'on',
    LIPSYNC_RECONCILE_OVERDUE_INTERVAL: String(config.overdueIntervalMs),
    LIPSYNC_RECONCILE_IDLE_INTERVAL: String(config.idleIntervalMs),
    LIPSYNC_RECONCILE_PROGRESS_INTERVAL: String(config.progressIntervalMs),
  };
}

/** The demo's request body, pointed at `webhook_url`. */
export function demoRequest(name: string, webhook_url: string) {
  return { ...demoBody(name, 'Hello from the lipsync orchestrator test suite.'), webhook_url };
}

export function unknownLipsyncId(): string {
  return randomUUID();
}

/** Polls `check` until it returns a truthy value or `timeoutMs` passes. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Until the tracker has its render POST's answer: a delivery sent after this is judged as
 * the render's. (Before it, a delivery's progress may be the preview's and is not taken; on
 * a busy machine the answer can reach the workflow after a delivery the test triggers.)
 */
export async function untilRenderAccepted(handle: Pick<WorkflowHandle, 'query'>, timeoutMs = 10_000, what = 'the render accepted'): Promise<TrackingState> {
  return eventually(async () => {
    const state = await handle.query(statusQuery);
    return state.renderAcceptedAt ? state : undefined;
  }, timeoutMs, what);
}

export type { NativeConnection };

/**
 * One stack per test file: started before its tests, closed after. Returns a stand-in
 * that forwards to the running stack, so tests read `stack.sandbox` as usual.
 */
export function useTestStack(settings: SandboxSettingsPatch = {}, options: TestStackOptions = {}): TestStack {
  let current: TestStack | undefined;
  beforeAll(async () => {
    current = await startTestStack(settings, options);
  });
  afterAll(async () => {
    await current?.close();
  });
  return new Proxy({} as TestStack, {
    get(_target, key) {
      if (!current) throw new Error('the test stack is used before beforeAll started it');
      return Reflect.get(current, key);
    },
  });
}
