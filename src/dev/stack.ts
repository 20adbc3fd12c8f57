/**
 * `npm start`: the whole tracker on this machine — pinned Temporal dev server (SQLite in
 * .data/, Web UI on 8233), the sandbox unless Creatify credentials are set, a worker and
 * the webhook receiver — and, in sandbox mode, a demo batch. It runs until `until`
 * resolves (the CLI passes SIGINT/SIGTERM) and throws what stops its start-up; exit codes
 * are the CLI's business (src/cli/exit-codes.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { LipsyncOrchestrator } from '../client';
import { hasCreatifyCredentials, loadBalanceMaxAge, loadCreatifyConfig, loadCreditBudget, loadTemporalConfig, loadWebhookConfig, loadWorkerTuning, type CreatifyConfig, type WebhookConfig } from '../config';
import { CreatifyClient } from '../creatify';
import { startSandbox } from '../sandbox';
import { createWebhookMetrics, serveMetrics } from '../webhook/metrics';
import { startWebhookServer } from '../webhook/server';
import { observeCreatifyCalls } from '../worker/creatify-metrics';
import { installRuntimeOnce } from '../worker/runtime';
import { workflowSource } from '../worker/workflow-source';
import { createLipsyncWorker } from '../worker/worker';
import { routeWorkerLog } from '../worker/logger';
import { lineReporter, runDemo, type DemoReporter } from './demo';
import { openComponentLogs, type Component } from './logs';
import { dataDir, localPorts, localWebhookSecret, writeEnvFile } from './local-env';
import { isPortInUse } from './ports';
import { PortInUseError, startDevServer } from './temporal-server';

export interface LocalStackOptions {
  demo: boolean;
  env?: NodeJS.ProcessEnv;
  say?: (line: string) => void;
  /** Resolves when the stack should stop (the CLI: SIGINT or SIGTERM). */
  until: Promise<unknown>;
  /** Gets the stack's addresses once it is up; without it they are said line by line. */
  onReady?: (info: StackInfo) => void;
  /** Follows the demo's renders; without it each status change is said as a `demo:` line. */
  demoReporter?: DemoReporter;
  /** Also gets every component log line (the CLI's --verbose); they always go to .data/logs/. */
  echoLogs?: (component: Component, line: string) => void;
}

/** Where everything is, for a person to open or copy. */
export interface StackInfo {
  webUi: string;
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  /** Without its secret token, which is in .data/env. */
  webhookUrl: string;
  /** Null when the real Creatify API is used. */
  sandboxUrl: string | null;
  creatifyUrl: string;
  envFile: string;
  logsDir: string;
  /** Prometheus endpoints (worker, receiver); a taken port leaves its entry out. */
  metrics: string[];
}

const SANDBOX_TIME_FACTOR = 0.05; // a render takes ~10 s instead of minutes

/** Thrown out of start-up when Ctrl-C comes before the stack is up. */
class StopRequested extends Error {}

/**
 * Resolves once stopped after `until`. A start-up failure (a port in use, a ConfigError,
 * anything else) is thrown after whatever had started is stopped again.
 */
export async function runLocalStack(options: LocalStackOptions): Promise<void> {
  const env = options.env ?? process.env;
  const say = options.say ?? ((line: string) => process.stdout.write(`${line}\n`));
  const until = options.until;
  let stopRequested = false;
  const stopped = until.then(() => {
    stopRequested = true;
    throw new StopRequested();
  });
  stopped.catch(() => undefined);
  // Each start-up step gives way to Ctrl-C, so stopping never waits for a bundle or a server.
  const step = <T>(work: Promise<T>): Promise<T> => {
    work.catch(() => undefined);
    return Promise.race([work, stopped]);
  };
  const stops: Array<() => Promise<unknown>> = [];
  try {
    const ports = localPorts(env);
    const tuning = loadWorkerTuning(env);
    // Every variable is read before anything starts: a bad one stops start-up with its one line.
    const credits = { creditBudgetPerDay: loadCreditBudget(env), balanceMaxAgeMs: loadBalanceMaxAge(env) };
    const sandboxMode = !hasCreatifyCredentials(env);
    const wanted: Array<[string, number]> = [['Temporal gRPC', ports.temporal], ['Temporal Web UI', ports.ui], ['webhook receiver', ports.webhook]];
    if (sandboxMode) wanted.push(['sandbox Creatify', ports.sandbox]);
    for (const [what, port] of wanted) if (await isPortInUse(port)) throw new PortInUseError(port, what);

    const data = dataDir(env);
    fs.mkdirSync(data, { recursive: true });
    const logs = openComponentLogs(data, options.echoLogs);
    // The worker's status lines are detail for the log file; the CLI draws renders itself.
    routeWorkerLog((line) => logs.write('worker', line));
    stops.push(async () => routeWorkerLog(null));
    say('starting the Temporal dev server (pinned CLI v1.5.1)...');
    const serverStarting = startDevServer({
      dbFile: path.join(data, 'temporal.sqlite'),
      port: ports.temporal,
      uiPort: ports.ui,
      logFile: logs.file('temporal'),
      onBuildProgress: say,
    });
    // Registered before waiting, so a server that comes up after Ctrl-C is still stopped.
    stops.push(() => serverStarting.then((started) => started.stop()));
    const server = await step(serverStarting);
    const temporal = loadTemporalConfig({ ...env, TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: server.namespace, TEMPORAL_API_KEY: '' });

    let creatifyConfig: CreatifyConfig;
    let sandboxUrl: string | null = null;
    if (sandboxMode) {
      // Non-terminal webhooks on, so the demo shows each status as it comes.
      const sandbox = await step(startSandbox({ port: ports.sandbox, settings: { timeFactor: SANDBOX_TIME_FACTOR, webhooks: { nonTerminal: true } } }));
      stops.push(() => sandbox.close());
      creatifyConfig = { baseUrl: sandbox.url, ...sandbox.credentials, timeoutMs: 30_000 };
      sandboxUrl = sandbox.url;
    } else {
      creatifyConfig = loadCreatifyConfig(env);
    }

    // The same validation as a deployed receiver (secret list, 200-character URL limit).
    const webhookConfig: WebhookConfig = loadWebhookConfig({
      ...env,
      WEBHOOK_PUBLIC_URL: env.WEBHOOK_PUBLIC_URL || `http://127.0.0.1:${ports.webhook}/hooks/creatify`,
      WEBHOOK_SECRET: localWebhookSecret(env),
      WEBHOOK_HOST: '127.0.0.1',
      WEBHOOK_PORT: String(ports.webhook),
    });
    if (!sandboxMode && !env.WEBHOOK_PUBLIC_URL) {
      say('note: WEBHOOK_PUBLIC_URL is unset, so Creatify cannot reach this receiver; renders will be tracked by polling');
    }

    const connection = await step(Connection.connect({ address: server.address }));
    // A demo render still being followed has a long poll for its result on this connection
    // that nothing can cancel; closing under it makes the SDK's retry timer throw
    // "Channel has been shut down" from nowhere. Left open then: the process is ending.
    let demoRunning = false;
    stops.push(async () => {
      if (!demoRunning) await connection.close();
    });
    const client = new Client({ connection, namespace: server.namespace });
    // Metrics are a convenience here: a port another stack holds skips them, it does not stop the start.
    const metricsUrls: string[] = [];
    const webhookMetrics = (await isPortInUse(ports.webhookMetrics)) ? undefined : createWebhookMetrics();
    if (webhookMetrics) {
      const served = await step(serveMetrics(webhookMetrics.registry, `127.0.0.1:${ports.webhookMetrics}`));
      stops.push(() => served.close());
      metricsUrls.push(`receiver ${served.url}`);
    }
    const receiver = await step(
      startWebhookServer({ config: webhookConfig, client, log: (line) => logs.write('webhook', `${new Date().toISOString()} ${line}`), metrics: webhookMetrics }),
    );
    stops.push(() => receiver.close());

    const workerMetricsAddress = (await isPortInUse(ports.workerMetrics)) ? null : `127.0.0.1:${ports.workerMetrics}`;
    installRuntimeOnce(env, workerMetricsAddress);
    if (workerMetricsAddress) {
      observeCreatifyCalls(creatifyConfig.baseUrl);
      metricsUrls.unshift(`worker http://${workerMetricsAddress}/metrics`);
    }
    const nativeConnection = await step(NativeConnection.connect({ address: server.address }));
    stops.push(() => nativeConnection.close());
    const creatify = new CreatifyClient({ ...creatifyConfig, callsPerSecond: tuning.creatifyCallsPerSecond });
    stops.push(() => creatify.close());
    say('starting the worker (bundling the workflow code)...');
    const worker = await step(createLipsyncWorker({
      connection: nativeConnection,
      namespace: server.namespace,
      taskQueue: temporal.taskQueue,
      creatify,
      workflows: workflowSource(env),
      ...credits,
      shutdownGraceTime: '2 seconds',
      tuning,
    }));
    const running = worker.run();
    stops.push(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    });

    const envFile = writeEnvFile(data, {
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_NAMESPACE: server.namespace,
      // A shell set up for another cluster must not send the CLI there.
      TEMPORAL_API_KEY: '',
      TEMPORAL_TLS: '',
      TEMPORAL_PROFILE: '',
      LIPSYNC_TASK_QUEUE: temporal.taskQueue,
      CREATIFY_API_BASE_URL: creatifyConfig.baseUrl,
      ...(sandboxMode ? { CREATIFY_API_ID: creatifyConfig.apiId, CREATIFY_API_KEY: creatifyConfig.apiKey } : {}),
      WEBHOOK_PUBLIC_URL: webhookConfig.publicUrl,
      WEBHOOK_SECRET: webhookConfig.secrets[0]!,
    });
    const info: StackInfo = {
      webUi: `http://localhost:${ports.ui}/namespaces/${server.namespace}/workflows`,
      temporalAddress: server.address,
      namespace: server.namespace,
      taskQueue: temporal.taskQueue,
      webhookUrl: webhookConfig.publicUrl,
      sandboxUrl,
      creatifyUrl: creatifyConfig.baseUrl,
      envFile: shortPath(envFile),
      logsDir: shortPath(logs.dir),
      metrics: metricsUrls,
    };
    if (options.onReady) options.onReady(info);
    else for (const line of describeStack(info)) say(line);

    const orchestrator = new LipsyncOrchestrator({ client, taskQueue: temporal.taskQueue, webhook: webhookConfig, creatify });
    if (options.demo && sandboxMode) {
      const demoStop = new AbortController();
      demoRunning = true;
      const demo = runDemo(orchestrator, options.demoReporter ?? lineReporter(say), demoStop.signal);
      // Runs first on stop: no new status queries while the worker goes away.
      stops.push(async () => demoStop.abort());
      await step(demo);
      // Only a demo that saw every render end has no result poll left open.
      demoRunning = false;
    }
    say('stack is up; press Ctrl-C to stop it');
    await until;
  } catch (err) {
    if (err instanceof StopRequested || stopRequested) return;
    throw err;
  } finally {
    // Nothing started (a port in use, a bad port variable): the caller's one line says it all.
    if (stops.length > 0) {
      say('stopping...');
      for (const stop of stops.reverse()) await stop().catch(() => undefined);
      say('stopped');
    }
  }
}

/** The stack's addresses as lines, for a log or a header. */
export function describeStack(info: StackInfo): string[] {
  return [
    `Temporal Web UI   ${info.webUi}`,
    `Temporal          ${info.temporalAddress} (namespace ${info.namespace})`,
    `task queue        ${info.taskQueue}`,
    info.sandboxUrl ? `Creatify          sandbox on ${info.sandboxUrl}` : `Creatify          ${info.creatifyUrl}`,
    `webhook receiver  ${info.webhookUrl}/<token>`,
    `logs              ${info.logsDir}/ (worker.log, webhook.log, temporal.log)`,
    ...(info.metrics.length ? [`metrics           ${info.metrics.join(', ')}`] : []),
    `another shell     source ${info.envFile} && npx lipsync --help`,
  ];
}

/** `.data/logs` when under the current directory, the absolute path otherwise. */
function shortPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') ? relative : file;
}
