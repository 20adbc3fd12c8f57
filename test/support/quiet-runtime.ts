import { DefaultLogger, Runtime } from '@temporalio/worker';

// Workers log every state change at INFO; tests want only errors (LIPSYNC_TEST_LOG=INFO to see all).
try {
  Runtime.install({ logger: new DefaultLogger((process.env.LIPSYNC_TEST_LOG as 'INFO') ?? 'ERROR') });
} catch {
  // Already installed in this process by an earlier test file.
}
