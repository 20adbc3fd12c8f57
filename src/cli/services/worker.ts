/**
 * `lipsync worker`: polls the task queue until SIGINT/SIGTERM, then drains (the SDK
 * handles those signals itself and gives running activities `shutdownGraceTime`).
 * A bad variable is thrown as a ConfigError, which main() reports as exit 78.
 */
import { NativeConnection } from '@temporalio/worker';
import { loadBalanceMaxAge, loadCreatifyConfig, loadCreditBudget, loadMetricsAddress, loadReconcilerConfig, loadTemporalConfig, loadWorkerTuning, type WorkerTuning } from '../../config';
import { CreatifyClient } from '../../creatify';
import { tracesUrl } from '../../client/tracing';
import { observeCreatifyCalls } from '../../worker/creatify-metrics';
import { startWorkerTracing } from '../../worker/tracing';
import { installRuntimeOnce } from '../../worker/runtime';
import { createLipsyncWorker } from '../../worker/worker';
import { workflowSource } from '../../worker/workflow-source';
import { writeLine, type CliIo } from '../io';

function describeTuning(tuning: WorkerTuning): string {
  const rate = tuning.creatifyCallsPerSecond === undefined ? '' : `, Creatify calls ≤ ${tuning.creatifyCallsPerSecond}/s (the task queue's activities, and each of this worker's calls)`;
  return `; cache ${tuning.maxCachedWorkflows} workflows${rate}`;
}

export async function runWorker(io: CliIo): Promise<void> {
  const { env } = io;
  const log = (line: string) => writeLine(io.stdout, `[worker] ${line}`);
  // Every variable is checked before the runtime or a connection exists.
  const temporal = loadTemporalConfig(env);
  const creatifyConfig = loadCreatifyConfig(env);
  const workflows = workflowSource(env);
  const metricsAddress = loadMetricsAddress(env);
  const reconciler = loadReconcilerConfig(env);
  const creditBudgetPerDay = loadCreditBudget(env);
  const balanceMaxAgeMs = loadBalanceMaxAge(env);
  const tuning = loadWorkerTuning(env);
  installRuntimeOnce(env, metricsAddress);
  if (metricsAddress) observeCreatifyCalls(creatifyConfig.baseUrl);
  const tracing = startWorkerTracing(env);

  // Paced at the fleet's figure in each worker too: local activities escape the task queue's limit.
  const creatify = new CreatifyClient({ ...creatifyConfig, callsPerSecond: tuning.creatifyCallsPerSecond });
  const connection = await NativeConnection.connect(temporal.connectionOptions);
  try {
    const worker = await createLipsyncWorker({
      connection,
      namespace: temporal.namespace,
      taskQueue: temporal.taskQueue,
      creatify,
      workflows,
      reconciler,
      creditBudgetPerDay,
      balanceMaxAgeMs,
      tracing,
      tuning,
    });
    if (tracing) log(`traces to ${tracesUrl(env)} (workflow bundle built at start, with the OpenTelemetry interceptors)`);
    log(`worker polling task queue "${temporal.taskQueue}" on ${temporal.connectionOptions.address} (namespace ${temporal.namespace}); Creatify at ${creatifyConfig.baseUrl}${describeTuning(tuning)}${metricsAddress ? `; metrics on http://${metricsAddress}/metrics` : ''}`);
    await worker.run();
    log('worker stopped');
  } finally {
    await connection.close();
    await creatify.close();
    await tracing?.shutdown().catch(() => undefined);
  }
}
