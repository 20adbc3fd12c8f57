import { NativeConnection, Runtime, Worker, type WorkerOptions, type WorkerPlugin } from '@temporalio/worker';
import type { Tracing } from '../client/tracing';
import { workflowBundlerOptions, workflowsEntry } from './workflow-source';
import { createActivities, type CreatifyApi } from '../activities';
import { HEARTBEAT_THROTTLE_MS } from '../activities/heartbeat';
import { createSweepActivities } from '../activities/sweep';
import { DEFAULT_RECONCILER_CONFIG, type ReconcilerConfig } from '../contract/reconciler';
import { clientOn, ensureReconciler } from './reconciler';
import { ensureSearchAttributes } from './search-attributes';
import { DEFAULT_MAX_CACHED_WORKFLOWS, type WorkerTuning } from '../config';

export interface LipsyncWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  creatify: CreatifyApi;
  workflows: Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath' | 'bundlerOptions'>;
  /** Time running activities get to finish on shutdown before they are cancelled. */
  shutdownGraceTime?: WorkerOptions['shutdownGraceTime'];
  identity?: string;
  /**
   * The fleet reconciler for this task queue (started, or re-configured, when the worker
   * is created). Default on with DEFAULT_RECONCILER_CONFIG; `false` leaves polling to each
   * tracker. Every worker of a task queue should say the same.
   */
  reconciler?: ReconcilerConfig | false;
  /** LIPSYNC_CREDIT_BUDGET_PER_DAY (see loadCreditBudget); null or absent: no budget. */
  creditBudgetPerDay?: number | null;
  /** LIPSYNC_BALANCE_MAX_AGE (see loadBalanceMaxAge); absent: 500 ms. */
  balanceMaxAgeMs?: number;
  /** The watch after a slow render POST (ActivityTuning.slowPostSettleMs); absent: 65 s. For tests: leave it unset, a shorter watch may pay twice for a POST taken up late. */
  slowPostSettleMs?: number;
  /**
   * Traces (src/client/tracing.ts): the OpenTelemetry interceptors and span sink. The
   * workflow interceptors must be in the bundle, so the workflows are bundled at start.
   */
  tracing?: Tracing | null;
  /** Cache bound, concurrency and the task queue's Creatify call rate (loadWorkerTuning reads them from the environment). */
  tuning?: Partial<WorkerTuning>;
}

/** The one place a worker for our task queue is assembled: the CLI, the local stack and tests all use it. */
export async function createLipsyncWorker(options: LipsyncWorkerOptions): Promise<Worker> {
  const reconciler = options.reconciler === undefined ? DEFAULT_RECONCILER_CONFIG : options.reconciler;
  const client = clientOn(options.connection, options.namespace);
  // Before any work is taken: a render must never be POSTed by a run that cannot record what follows.
  const attributes = await ensureSearchAttributes(options.connection.operatorService, options.namespace);
  if ('unchecked' in attributes) Runtime.instance().logger.warn('could not list the namespace search attributes; the trackers need them all (SEARCH_ATTRIBUTES)', { reason: attributes.unchecked });
  else if (attributes.added.length > 0) {
    const pending = attributes.notListedYet?.length ? ` (${attributes.notListedYet.join(', ')} not listed yet)` : '';
    Runtime.instance().logger.info(`added the search attributes ${attributes.added.join(', ')} to namespace ${options.namespace}${pending}`);
  }
  const worker = await Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(options.tracing ? { workflowsPath: workflowsEntry(), bundlerOptions: workflowBundlerOptions(), plugins: [options.tracing.plugin as unknown as WorkerPlugin] } : options.workflows),
    activities: {
      ...createActivities(options.creatify, {
        reconciler: reconciler !== false,
        creditBudgetPerDay: options.creditBudgetPerDay ?? null,
        ...(options.balanceMaxAgeMs !== undefined ? { balanceMaxAgeMs: options.balanceMaxAgeMs } : {}),
        ...(options.slowPostSettleMs !== undefined ? { slowPostSettleMs: options.slowPostSettleMs } : {}),
      }),
      ...createSweepActivities(client, options.creatify),
    },
    shutdownGraceTime: options.shutdownGraceTime ?? '10 seconds',
    // A killed worker's workflows are handed to another after 3 s instead of the SDK's 10 s;
    // the price is a replay of a short history on the new worker.
    stickyQueueScheduleToStartTimeout: '3 seconds',
    // Heartbeats held back 1 s at most, not 8 s: the render POST's time must reach the
    // server before the POST goes out (AttemptHeartbeats.untilSentAtOnce counts on it).
    maxHeartbeatThrottleInterval: HEARTBEAT_THROTTLE_MS,
    ...(options.identity ? { identity: options.identity } : {}),
    ...workerSizing(options.tuning ?? {}),
  });
  if (reconciler !== false) await ensureReconciler(client, options.taskQueue, reconciler);
  return worker;
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
  if (tuning.workflowThreads !== undefined) sizing.workflowThreadPoolSize = tuning.workflowThreads;
  return sizing;
}
