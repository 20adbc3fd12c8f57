import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '@jest/types';
import { startDevServer, type RunningDevServer } from '../../src/dev/temporal-server';
import { buildWorkflowBundle } from '../../src/worker/workflow-source';
import { testNamespaceOfWorker } from './temporal';

declare global {
  // eslint-disable-next-line no-var
  var __LIPSYNC_TEST_SERVER__: RunningDevServer | undefined;
  // eslint-disable-next-line no-var
  var __LIPSYNC_TEST_DIR__: string | undefined;
}

/**
 * One real Temporal dev server (pinned CLI) for the whole run. Test files find it
 * through TEST_TEMPORAL_ADDRESS. LIPSYNC_TEST_TEMPORAL=off skips it for suites that
 * need no Temporal (sandbox, client-against-sandbox) while iterating locally.
 */
export default async function globalSetup(globalConfig: Config.GlobalConfig): Promise<void> {
  if (process.env.LIPSYNC_TEST_TEMPORAL === 'off') return;
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lipsync-test-'));
  // Test files run side by side, one per jest worker: each worker has a namespace of its
  // own, so what one file lists (the day's budget, `lipsync list`) never sees another's renders.
  const workers = Math.max(1, globalConfig.maxWorkers);
  const extraNamespaces = Array.from({ length: workers }, (_, i) => testNamespaceOfWorker(String(i + 1)));
  const server = await startDevServer({ uiPort: false, logFile: path.join(logDir, 'temporal.log'), extraNamespaces });
  globalThis.__LIPSYNC_TEST_SERVER__ = server;
  globalThis.__LIPSYNC_TEST_DIR__ = logDir;
  // Bundled once here rather than once per test file: webpack is the slow part.
  const bundle = await buildWorkflowBundle(path.join(logDir, 'workflow-bundle.js'));
  process.env.TEST_WORKFLOW_BUNDLE = bundle.path;
  process.env.TEST_TEMPORAL_ADDRESS = server.address;
  process.env.TEST_TEMPORAL_WORKERS = String(workers);
  const stopOnSignal = () => void server.stop().finally(() => process.exit(130));
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
}
