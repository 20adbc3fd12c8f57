/**
 * Real child processes for the soak (`lipsync worker`, `lipsync webhook-server`), so a
 * SIGKILL is a real one. Each incarnation logs to its own file in the run's directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const REPO = path.resolve(__dirname, '../..');
const BIN = path.join(REPO, 'bin/lipsync.js');

export interface ServiceExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** We asked for it (SIGKILL chaos, or the stop at the end). */
  expected: boolean;
  at: number;
}

/** One incarnation of a `lipsync <command>` process. */
export class ServiceProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<ServiceExit>;
  private output = '';
  private expected = false;

  constructor(
    readonly name: string,
    readonly logFile: string,
    command: string,
    env: Record<string, string | undefined>,
  ) {
    const log = fs.createWriteStream(logFile, { flags: 'a' });
    this.child = spawn(process.execPath, [BIN, command], {
      cwd: REPO,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: a Ctrl-C in the terminal reaches only the harness, which
      // stops its processes in order (and does not mistake their exits for crashes).
      detached: true,
    });
    const keep = (chunk: Buffer) => {
      log.write(chunk);
      // Only the start is scanned for the readiness line; the rest goes to the file.
      if (this.output.length < 64 * 1024) this.output += chunk.toString('utf8');
    };
    this.child.stdout!.on('data', keep);
    this.child.stderr!.on('data', keep);
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => {
        log.end();
        resolve({ code, signal, expected: this.expected, at: Date.now() });
      }),
    );
    // Nothing the soak starts may outlive it, however it ends.
    const killOnExit = () => this.child.kill('SIGKILL');
    process.on('exit', killOnExit);
    void this.exited.then(() => process.off('exit', killOnExit));
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves once the process printed `ready`; rejects if it exits first or `timeoutMs` passes. */
  async waitForLine(ready: RegExp, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!ready.test(this.output)) {
      if (!this.running) throw new Error(`${this.name} exited before it was ready; its log: ${this.logFile}\n${this.output.slice(-2000)}`);
      if (Date.now() > deadline) throw new Error(`${this.name} not ready within ${timeoutMs} ms; its log: ${this.logFile}`);
      await sleep(50);
    }
  }

  /** SIGKILL, no drain: the chaos part. Resolves once the process is gone. */
  async sigkill(): Promise<ServiceExit> {
    this.expected = true;
    this.child.kill('SIGKILL');
    return this.exited;
  }

  /** SIGTERM (graceful), SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    this.expected = true;
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

export interface SupervisedEvent {
  name: string;
  pid: number;
  exit: ServiceExit;
}

/**
 * A named service kept running: each incarnation gets a numbered log file; an exit we
 * did not ask for is reported (it is a finding of the soak) and the service restarted.
 */
export class Supervised {
  private current: ServiceProcess | undefined;
  private incarnation = 0;
  private stopping = false;
  readonly unexpectedExits: SupervisedEvent[] = [];

  constructor(
    readonly name: string,
    private readonly command: string,
    /** Or a function giving each incarnation its own (e.g. a fresh metrics port). */
    private readonly env: Record<string, string | undefined> | (() => Promise<Record<string, string | undefined>>),
    private readonly dir: string,
    private readonly ready: RegExp,
    private readonly readyTimeoutMs: number,
    private readonly log: (line: string) => void,
  ) {}

  get process(): ServiceProcess | undefined {
    return this.current;
  }

  get logFiles(): string[] {
    return Array.from({ length: this.incarnation }, (_, i) => this.logFileFor(i + 1));
  }

  async start(): Promise<ServiceProcess> {
    this.incarnation += 1;
    const env = typeof this.env === 'function' ? await this.env() : this.env;
    const proc = new ServiceProcess(`${this.name}#${this.incarnation}`, this.logFileFor(this.incarnation), this.command, env);
    this.current = proc;
    void proc.exited.then((exit) => {
      if (exit.expected || this.stopping || this.current !== proc) return;
      this.unexpectedExits.push({ name: proc.name, pid: proc.pid, exit });
      this.log(`${proc.name} (pid ${proc.pid}) exited on its own (code ${exit.code}, signal ${exit.signal}); restarting it; log ${proc.logFile}`);
      this.start().catch((err: unknown) => this.log(`${this.name} could not be restarted: ${(err as Error).message}`));
    });
    await proc.waitForLine(this.ready, this.readyTimeoutMs);
    return proc;
  }

  /** SIGKILLs the running incarnation and starts the next one right away. */
  async killAndRestart(): Promise<{ killedPid: number; newPid: number; downMs: number }> {
    const proc = this.current;
    if (!proc) throw new Error(`${this.name} is not running`);
    const killedAt = Date.now();
    await proc.sigkill();
    const next = await this.start();
    return { killedPid: proc.pid, newPid: next.pid, downMs: Date.now() - killedAt };
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.current?.stop();
  }

  private logFileFor(n: number): string {
    return path.join(this.dir, `${this.name}-${n}.log`);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
