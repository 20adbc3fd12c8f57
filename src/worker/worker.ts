import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type CreatifyApi } from '../activities';

export interface LipsyncWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  creatify: CreatifyApi;
  workflows: Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'>;
  /** Time running activities get to finish on shutdown before they are cancelled. */
  shutdownGraceTime?: WorkerOptions['shutdownGraceTime'];
  identity?: string;
  /** LIPSYNC_CREDIT_BUDGET_PER_DAY (see loadCreditBudget); null or absent: no budget. */
  creditBudgetPerDay?: number | null;
}

/** The one place a worker for our task queue is assembled: the CLI, the local stack and tests all use it. */
export async function createLipsyncWorker(options: LipsyncWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...options.workflows,
    activities: createActivities(options.creatify, { creditBudgetPerDay: options.creditBudgetPerDay ?? null }),
    shutdownGraceTime: options.shutdownGraceTime ?? '10 seconds',
    // A killed worker's workflows are handed to another after 3 s instead of the SDK's 10 s;
    // the price is a replay of a short history on the new worker.
    stickyQueueScheduleToStartTimeout: '3 seconds',
    ...(options.identity ? { identity: options.identity } : {}),
  });
}
