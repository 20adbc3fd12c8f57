/**
 * `lipsync worker`: polls the task queue until SIGINT/SIGTERM, then drains (the SDK
 * handles the signals and gives running activities `shutdownGraceTime`).
 */
import { NativeConnection, Runtime } from '@temporalio/worker';
import { loadCreatifyConfig, loadMetricsAddress, loadTemporalConfig, orExit } from '../config';
import { CreatifyClient } from '../creatify';
import { createWorkerLogger, parseLogLevel } from './logger';
import { workflowSource } from './workflow-source';
import { createLipsyncWorker } from './worker';

export async function runWorker(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const temporal = orExit(() => loadTemporalConfig(env));
  const creatifyConfig = orExit(() => loadCreatifyConfig(env));
  const workflows = orExit(() => workflowSource(env));
  const metricsAddress = orExit(() => loadMetricsAddress(env));
  installRuntimeOnce(env, metricsAddress);

  const creatify = new CreatifyClient(creatifyConfig);
  const connection = await NativeConnection.connect(temporal.connectionOptions);
  try {
    const worker = await createLipsyncWorker({
      connection,
      namespace: temporal.namespace,
      taskQueue: temporal.taskQueue,
      creatify,
      workflows,
    });
    log(`worker polling task queue "${temporal.taskQueue}" on ${temporal.connectionOptions.address} (namespace ${temporal.namespace}); Creatify at ${creatifyConfig.baseUrl}${metricsAddress ? `; metrics on http://${metricsAddress}/metrics` : ''}`);
    await worker.run();
    log('worker stopped');
  } finally {
    await connection.close();
    await creatify.close();
  }
}

let runtimeInstalled = false;
/** Runtime.install may run once per process; workflow `log` lines (one per status change) go through it. */
export function installRuntimeOnce(env: NodeJS.ProcessEnv = process.env, metricsAddress: string | null = null): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    const level = parseLogLevel(env.LIPSYNC_LOG_LEVEL);
    // Core's native lines (e.g. gRPC retries while Temporal is down) come out as our one-line format too.
    Runtime.install({
      logger: createWorkerLogger(level),
      telemetryOptions: {
        logging: { filter: { core: level, other: level }, forward: {} },
        ...(metricsAddress ? { metrics: { prometheus: { bindAddress: metricsAddress } } } : {}),
      },
    });
  } catch {
    // Someone in this process (a test harness, an embedding app) installed it first: keep theirs.
  }
}

function log(line: string): void {
  process.stdout.write(`[worker] ${line}\n`);
}
