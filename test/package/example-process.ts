/** The example backend as its own process, run from the temp project it was installed into. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { cleanEnv } from './npm';

export interface RunningExample {
  url: string;
  /** Everything it printed so far (for assertions and failure messages). */
  output(): string;
  /** SIGTERM, then its exit code (null if it had to be SIGKILLed after `graceMs`). */
  stop(graceMs?: number): Promise<number | null>;
  /** SIGKILL if still running; for afterAll. */
  kill(): void;
}

export async function startExample(project: string, port: number, env: Record<string, string | undefined>): Promise<RunningExample> {
  const child: ChildProcess = spawn(process.execPath, [path.join(project, 'dist', 'main.js')], {
    cwd: project,
    env: cleanEnv({ ...env, PORT: String(port), HOST: '127.0.0.1' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error('did not start within 20 s')), 20_000);
    const onData = () => output.includes('listening on') && finish();
    const onExit = (code: number | null) => finish(new Error(`exited with ${code} before listening`));
    function finish(err?: Error) {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.off('exit', onExit);
      if (err) reject(new Error(`example backend ${err.message}:\n${output}`));
      else resolve();
    }
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
  });

  return {
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
