/**
 * A child process this process owns: killed when this process exits (so no server
 * outlives its owner), and stopped with SIGTERM, then SIGKILL after a grace period.
 */
import type { ChildProcess } from 'node:child_process';

export interface OwnedChild {
  /** Resolves with the exit code (null after a signal). */
  exited: Promise<number | null>;
  stop(graceMs?: number): Promise<void>;
}

export function ownChild(child: ChildProcess): OwnedChild {
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  void exited.then(() => process.off('exit', killOnExit));
  return {
    exited,
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
