/**
 * PostgreSQL 15 from Debian (`apt-get install postgresql`) as a child process: a fresh
 * data directory per run, loopback only, its socket inside the data directory. initdb
 * and postgres refuse to run as root, so under root (CI) both run as the `postgres`
 * system user. Tuned for a throw-away local cluster: no fsync (a crash of the machine
 * loses the run, a crash of the Temporal server does not).
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../src/dev/ports';

const run = promisify(execFile);

export const POSTGRES_USER = 'temporal';

export interface RunningPostgres {
  host: string;
  port: number;
  user: string;
  dataDir: string;
  pid: number;
  stop(): Promise<void>;
}

export function postgresBinDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.LIPSYNC_POSTGRES_BIN || '/usr/lib/postgresql/15/bin';
}

/** Whom initdb and postgres run as: ourselves, or the `postgres` user when we are root. */
async function runAs(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const id = async (flag: string) => Number((await run('id', [flag, 'postgres'])).stdout.trim());
  try {
    return { uid: await id('-u'), gid: await id('-g') };
  } catch {
    throw new Error('running as root, PostgreSQL needs the `postgres` system user (apt-get install postgresql creates it)');
  }
}

export async function startPostgres(options: { dir: string; logFile: string; port?: number }): Promise<RunningPostgres> {
  const bin = postgresBinDir();
  if (!fs.existsSync(path.join(bin, 'postgres'))) {
    throw new Error(`PostgreSQL 15 is not installed (no ${bin}/postgres): apt-get install postgresql, or point LIPSYNC_POSTGRES_BIN at its bin directory`);
  }
  const owner = await runAs();
  const dataDir = path.join(options.dir, 'pgdata');
  fs.mkdirSync(options.dir, { recursive: true });
  if (owner) {
    fs.chownSync(options.dir, owner.uid, owner.gid);
    // The postgres user must be able to reach it: a mkdtemp parent is root-only (0700).
    const parent = path.dirname(options.dir);
    const mode = fs.statSync(parent).mode;
    if ((mode & 0o001) === 0) fs.chmodSync(parent, (mode & 0o7777) | 0o711);
  }
  const as = { cwd: options.dir, ...(owner ?? {}) };
  await run(path.join(bin, 'initdb'), ['-D', dataDir, '-U', POSTGRES_USER, '-A', 'trust', '-E', 'UTF8', '--no-sync', '--no-instructions'], as).catch((err: { stderr?: string; message: string }) => {
    throw new Error(`initdb failed: ${(err.stderr || err.message).trim()}`);
  });

  const port = options.port ?? (await freePort());
  const logFd = fs.openSync(options.logFile, 'a');
  const settings = ['listen_addresses=127.0.0.1', `unix_socket_directories=${dataDir}`, 'fsync=off', 'synchronous_commit=off', 'full_page_writes=off', 'max_connections=200'];
  const child = spawn(path.join(bin, 'postgres'), ['-D', dataDir, '-p', String(port), ...settings.flatMap((s) => ['-c', s])], {
    ...as,
    stdio: ['ignore', logFd, logFd],
    // Out of the terminal's process group: Ctrl-C reaches the cluster, which stops this last.
    detached: true,
  });
  fs.closeSync(logFd);
  // Immediate shutdown if we die first: nothing may outlive the cluster.
  const killOnExit = () => child.kill('SIGQUIT');
  process.on('exit', killOnExit);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`postgres exited at start-up; its log: ${options.logFile}`);
    const ready = await run(path.join(bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port), '-U', POSTGRES_USER, '-q']).then(
      () => true,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      child.kill('SIGQUIT');
      throw new Error(`postgres did not accept connections on 127.0.0.1:${port} within 30 s; its log: ${options.logFile}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  return {
    host: '127.0.0.1',
    port,
    user: POSTGRES_USER,
    dataDir,
    pid: child.pid!,
    async stop() {
      process.off('exit', killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      // Fast shutdown: clients are disconnected, the data is written.
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGQUIT'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
