import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import path from 'node:path';
import { startTestStack, type TestStack } from './stack';

const REPO = path.resolve(__dirname, '../..');
const BIN = path.join(REPO, 'bin', 'lipsync.js');

/** A real `lipsync worker` process (the binary, as operators run it), so it can be SIGKILLed. */
export function spawnWorkerProcess(env: Record<string, string | undefined>, stdio: StdioOptions = ['ignore', 'pipe', 'pipe']): ChildProcess {
  return spawn(process.execPath, [BIN, 'worker'], {
    cwd: REPO,
    env: { ...process.env, LIPSYNC_LOG_LEVEL: 'WARN', ...env },
    stdio,
  });
}

export interface ProcessWorkerStack {
  /** A stack with no in-process worker, for the file. */
  readonly stack: TestStack;
  /** Starts a worker process serving the stack (extra env on top); SIGKILLed after the file. */
  spawnWorker(env?: Record<string, string | undefined>, stdio?: StdioOptions): ChildProcess;
  /** Kills every worker spawned so far (and waits for them to exit): the next test's worker is the queue's only one. */
  stopWorkers(): Promise<void>;
}

export function useProcessWorkerStack(): ProcessWorkerStack {
  let stack: TestStack | undefined;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    stack = await startTestStack({}, { worker: false });
  });
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await stack?.close();
  });
  return {
    get stack() {
      if (!stack) throw new Error('the stack is used before beforeAll started it');
      return stack;
    },
    spawnWorker(env = {}, stdio) {
      const child = spawnWorkerProcess({ ...stack!.workerEnv(), ...env }, stdio);
      children.push(child);
      return child;
    },
    async stopWorkers() {
      const running = children.splice(0).filter((child) => child.exitCode === null && child.signalCode === null);
      await Promise.all(running.map((child) => new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      })));
    },
  };
}
