/**
 * The worker's log: one line per job state change (the workflow's "lipsync status"
 * entries), plus the SDK's warnings and errors, each on one line. The SDK's INFO chatter
 * (worker state, bundling) is left out unless LIPSYNC_LOG_LEVEL asks for it.
 */
import { DefaultLogger, type LogEntry, type LogLevel } from '@temporalio/worker';
import { STATUS_LOG_MESSAGE } from '../contract/messages';
const ORDER: LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];

const toStdout = (line: string): void => void process.stdout.write(line + '\n');
let defaultSink: (line: string) => void = toStdout;

/**
 * Where loggers made without a `write` send their lines. The SDK's Runtime (and so its
 * logger) is installed once per process, before the local stack knows its log file; the
 * stack points this at .data/logs/worker.log so the terminal shows only its live view.
 */
export function routeWorkerLog(write: ((line: string) => void) | null): void {
  defaultSink = write ?? toStdout;
}

export function createWorkerLogger(
  level: LogLevel = 'WARN',
  write: (line: string) => void = (line) => defaultSink(line),
): DefaultLogger {
  const threshold = ORDER.indexOf(level);
  return new DefaultLogger('INFO', (entry: LogEntry) => {
    const meta = entry.meta ?? {};
    if (entry.message === STATUS_LOG_MESSAGE) {
      write(`${timestamp(entry)} lipsync ${String(meta.lipsyncId)} → ${String(meta.status)} (${String(meta.event)})`);
      return;
    }
    if (ORDER.indexOf(entry.level) < threshold) return;
    const context = ['workflowId', 'activityType', 'taskQueue'].map((k) => meta[k]).filter(Boolean).join(' ');
    const error = meta.error instanceof Error ? `: ${meta.error.message}` : '';
    write(`${timestamp(entry)} ${entry.level} ${entry.message}${error}${context ? ` [${context}]` : ''}`);
  });
}

function timestamp(entry: LogEntry): string {
  return new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
}

export function parseLogLevel(value: string | undefined): LogLevel {
  const upper = (value ?? 'WARN').toUpperCase() as LogLevel;
  return ORDER.includes(upper) ? upper : 'WARN';
}
