import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type CreatifyApi } from '../activities';
import { DEFAULT_MAX_CACHED_WORKFLOWS, type WorkerTuning } from '../config';

export interface LipsyncWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  creatify: CreatifyApi;
  workflows: Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'>;
  /** Time running activities get to finish on shutdown before they are cancelled. */
  shutdownGraceTime?: WorkerOptions['shutdownGraceTime'];
  identity?: string;
  /** Cache bound, concurrency and the task queue's Creatify call rate (loadWorkerTuning reads them from the environment). */
  tuning?: Partial<WorkerTuning>;
}

/** The one place a worker for our task queue is assembled: the CLI, the local stack and tests all use it. */
export async function createLipsyncWorker(options: LipsyncWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...options.workflows,
    activities: createActivities(options.creatify),
    shutdownGraceTime: options.shutdownGraceTime ?? '10 seconds',
    // A killed worker's workflows are handed to another after 3 s instead of the SDK's 10 s;
    // the price is a replay of a short history on the new worker.
    stickyQueueScheduleToStartTimeout: '3 seconds',
    ...(options.identity ? { identity: options.identity } : {}),
    ...workerSizing(options.tuning ?? {}),
  });
}

/**
 * A bounded cache: the SDK's default grows with the heap limit (~2,300 workflows on a
 * 4 GB heap, ~350 KB each), which is how 5,000 waiting renders reached 1.15 GB.
 */
function workerSizing(tuning: Partial<WorkerTuning>): Partial<WorkerOptions> {
  const sizing: Partial<WorkerOptions> = { maxCachedWorkflows: tuning.maxCachedWorkflows ?? DEFAULT_MAX_CACHED_WORKFLOWS };
  if (tuning.maxConcurrentActivityTaskExecutions !== undefined) sizing.maxConcurrentActivityTaskExecutions = tuning.maxConcurrentActivityTaskExecutions;
  if (tuning.maxConcurrentWorkflowTaskExecutions !== undefined) sizing.maxConcurrentWorkflowTaskExecutions = tuning.maxConcurrentWorkflowTaskExecutions;
  // Enforced by the server for the whole task queue: every worker's polls share it.
  if (tuning.creatifyCallsPerSecond !== undefined) sizing.maxTaskQueueActivitiesPerSecond = tuning.creatifyCallsPerSecond;
  return sizing;
}
