/**
 * Starts the fleet reconciler for a task queue, or hands the running one this worker's
 * settings: signal-with-start on a fixed workflow id, so any number of workers (and
 * restarts) keep exactly one reconciler per task queue.
 */
import { Client } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { RECONCILER_WORKFLOW_TYPE, reconcilerConfigSignal, reconcilerWorkflowId, type ReconcilerConfig } from '../contract/reconciler';
import type { reconcileLipsyncs } from '../workflows';

export async function ensureReconciler(client: Client, taskQueue: string, config: ReconcilerConfig): Promise<void> {
  await client.workflow.signalWithStart<typeof reconcileLipsyncs, [ReconcilerConfig]>(RECONCILER_WORKFLOW_TYPE, {
    workflowId: reconcilerWorkflowId(taskQueue),
    taskQueue,
    args: [{ config }],
    signal: reconcilerConfigSignal,
    signalArgs: [config],
  });
}

/** A client on the worker's own connection: the sweep lists and signals with it. */
export function clientOn(connection: NativeConnection, namespace: string): Client {
  return new Client({ connection, namespace });
}
