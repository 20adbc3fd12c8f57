/**
 * The SDK's native runtime, shared by every worker in a process (`lipsync worker`, the
 * local stack). No process access here: the caller passes the environment.
 */
import { Runtime } from '@temporalio/worker';
import { CREATIFY_LATENCY_BUCKETS } from './creatify-metrics';
import { createWorkerLogger, parseLogLevel } from './logger';

let runtimeInstalled = false;
/** Runtime.install may run once per process; workflow `log` lines (one per status change) go through it. */
export function installRuntimeOnce(env: NodeJS.ProcessEnv, metricsAddress: string | null = null): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    const level = parseLogLevel(env.LIPSYNC_LOG_LEVEL);
    // Core's native lines (e.g. gRPC retries while Temporal is down) come out as our one-line format too.
    Runtime.install({
      logger: createWorkerLogger(level),
      telemetryOptions: {
        logging: { filter: { core: level, other: level }, forward: {} },
        ...(metricsAddress
          ? {
              metrics: {
                prometheus: {
                  bindAddress: metricsAddress,
                  // Core's default buckets are milliseconds; ours are seconds.
                  histogramBucketOverrides: {
                    lipsync_webhook_to_close_seconds: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
                    lipsync_creatify_request_seconds: CREATIFY_LATENCY_BUCKETS,
                  },
                },
              },
            }
          : {}),
      },
    });
  } catch {
    // Someone in this process (a test harness, an embedding app) installed it first: keep theirs.
  }
}
