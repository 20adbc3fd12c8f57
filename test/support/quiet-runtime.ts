import { DefaultLogger, Runtime } from '@temporalio/worker';

// Workers log every state change at INFO; tests want only errors (LIPSYNC_TEST_LOG=INFO to see all).
try {
  const level = (process.env.LIPSYNC_TEST_LOG as 'INFO') ?? 'ERROR';
  // Core's own lines (gRPC retries while a test has Temporal down) go through the same logger.
  Runtime.install({
    logger: new DefaultLogger(level),
    telemetryOptions: { logging: { filter: { core: level, other: level }, forward: {} } },
  });
} catch {
  // Already installed in this process by an earlier test file.
}
