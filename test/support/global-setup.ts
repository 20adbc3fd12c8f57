import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDevServer, type RunningDevServer } from '../../src/dev/temporal-server';
import { buildWorkflowBundle } from '../../src/worker/workflow-source';

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
export default async function globalSetup(): Promise<void> {
  if (process.env.LIPSYNC_TEST_TEMPORAL === 'off') return;
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lipsync-test-'));
  const server = await startDevServer({ uiPort: false, logFile: path.join(logDir, 'temporal.log') });
  globalThis.__LIPSYNC_TEST_SERVER__ = server;
  globalThis.__LIPSYNC_TEST_DIR__ = logDir;
  // Bundled once here rather than once per test file: webpack is the slow part.
  const bundle = await buildWorkflowBundle(path.join(logDir, 'workflow-bundle.js'));
  process.env.TEST_WORKFLOW_BUNDLE = bundle.path;
  process.env.TEST_TEMPORAL_ADDRESS = server.address;
  process.env.TEST_TEMPORAL_NAMESPACE = server.namespace;
  const stopOnSignal = () => void server.stop().finally(() => process.exit(130));
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
}
