/**
 * `lipsync-orchestrator/worker`: for teams that run the worker in their own process
 * instead of `lipsync worker`. Kept apart from the client entry point because it loads
 * the SDK's native runtime and webpack, which a backend that only starts renders must not
 * pay for (nor type-check).
 *
 *   const temporal = loadTemporalConfig();
 *   installRuntimeOnce(process.env);              // optional: our one-line log format
 *   const worker = await createLipsyncWorker({
 *     connection: await NativeConnection.connect(temporal.connectionOptions),
 *     namespace: temporal.namespace,
 *     taskQueue: temporal.taskQueue,
 *     creatify: new CreatifyClient(loadCreatifyConfig()),
 *     workflows: { workflowBundle: { codePath: PREBUILT_WORKFLOW_BUNDLE } },
 *   });
 *   await worker.run();                           // worker.shutdown() drains it
 */
// The same NativeConnection the worker was built with: a second copy of the SDK in the
// host's node_modules would bring a second native runtime.
export { NativeConnection } from '@temporalio/worker';
export { createLipsyncWorker, type LipsyncWorkerOptions } from './worker';
export { installRuntimeOnce } from './runtime';
export { buildWorkflowBundle, DEFAULT_BUNDLE_PATH as PREBUILT_WORKFLOW_BUNDLE, workflowSource, workflowsEntry } from './workflow-source';
export { CreatifyClient, type CreatifyClientOptions } from '../creatify';
export { ConfigError, loadCreatifyConfig, loadTemporalConfig, type CreatifyConfig, type TemporalConfig } from '../config';
