/**
 * A worker process for the bare workflows, so the bench reads its CPU time and RSS the
 * way it reads `lipsync worker`'s. Same environment as `lipsync worker` (Temporal,
 * Creatify, LIPSYNC_MAX_CACHED_WORKFLOWS…) plus BENCH_BARE_BUNDLE, the bundle's path.
 */
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { loadCreatifyConfig, loadTemporalConfig, loadWorkerTuning } from '../../src/config';
import { CreatifyClient } from '../../src/creatify';
import { createWorkerLogger } from '../../src/worker/logger';
import { bareActivities } from './activities';

async function main(): Promise<void> {
  const temporal = loadTemporalConfig();
  const tuning = loadWorkerTuning();
  const codePath = process.env.BENCH_BARE_BUNDLE;
  if (!codePath) throw new Error('BENCH_BARE_BUNDLE is unset');
  Runtime.install({ logger: createWorkerLogger('WARN', (line) => process.stderr.write(line + '\n')) });
  const creatify = new CreatifyClient(loadCreatifyConfig());
  const connection = await NativeConnection.connect(temporal.connectionOptions);
  const worker = await Worker.create({
    connection,
    namespace: temporal.namespace,
    taskQueue: temporal.taskQueue,
    workflowBundle: { codePath },
    activities: bareActivities(creatify),
    maxCachedWorkflows: tuning.maxCachedWorkflows,
    stickyQueueScheduleToStartTimeout: '3 seconds',
    shutdownGraceTime: '1 second',
  });
  await worker.run();
  await connection.close();
  await creatify.close();
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`bare worker: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
