import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../contract/search-attributes';
import { temporalCliPath } from './temporal-cli';
import { ownChild } from './owned-child';
import { freePort, isPortInUse } from './ports';

export interface DevServerOptions {
  /** SQLite file for persistence; in-memory when absent. */
  dbFile?: string;
  port?: number;
  /** Web UI port; `false` runs headless. */
  uiPort?: number | false;
  ip?: string;
  namespace?: string;
  /** More namespaces to create at start, each with the same search attributes (the test run's one per jest worker). */
  extraNamespaces?: readonly string[];
  /** Where the server's own log goes; discarded when absent. */
  logFile?: string;
  /** Where the first-run build of the pinned CLI reports progress; stderr when absent. */
  onBuildProgress?: (line: string) => void;
  /** Extra `--dynamic-config-value` settings, e.g. low history limits for a test. */
  dynamicConfig?: Record<string, unknown>;
  /** `Name=Type` search attributes registered at start; default: every one the trackers write (SEARCH_ATTRIBUTES). */
  searchAttributes?: readonly string[];
}

export interface RunningDevServer {
  address: string;
  namespace: string;
  port: number;
  uiPort: number | false;
  pid: number;
  stop(): Promise<void>;
  /** SIGKILL without waiting: for crash tests. */
  kill(): void;
}


export class PortInUseError extends Error {
  constructor(readonly port: number, readonly what: string) {
    super(`port ${port} (${what}) is already in use; stop whatever listens there or choose another port`);
    this.name = 'PortInUseError';
  }
}

/**
 * Starts `temporal server start-dev` from the pinned CLI and resolves once it answers
 * gRPC. The child is killed when this process ends, so no server outlives its owner.
 */
export async function startDevServer(options: DevServerOptions = {}): Promise<RunningDevServer> {
  const ip = options.ip ?? '127.0.0.1';
  const namespace = options.namespace ?? 'default';
  const port = options.port ?? (await freePort(ip));
  const uiPort = options.uiPort === undefined ? await freePort(ip) : options.uiPort;
  if (await isPortInUse(port, ip)) throw new PortInUseError(port, 'Temporal gRPC');
  if (uiPort !== false && (await isPortInUse(uiPort, ip))) throw new PortInUseError(uiPort, 'Temporal Web UI');

  const args = ['server', 'start-dev', '--ip', ip, '--port', String(port), '--namespace', namespace, '--log-level', 'warn'];
  for (const extra of options.extraNamespaces ?? []) args.push('--namespace', extra);
  for (const attribute of options.searchAttributes ?? SEARCH_ATTRIBUTES) args.push('--search-attribute', attribute);
  // Timers otherwise fire up to 1 s late (batched); tests use sub-second timeouts.
  args.push('--dynamic-config-value', 'history.timerProcessorMaxTimeShift="20ms"');
  for (const [key, value] of Object.entries(options.dynamicConfig ?? {})) {
    args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  }
  if (options.dbFile) args.push('--db-filename', options.dbFile);
  if (uiPort === false) args.push('--headless');
  else args.push('--ui-port', String(uiPort));

  const logFd = options.logFile ? fs.openSync(options.logFile, 'a') : 'ignore';
  const child = spawn(await temporalCliPath(options.onBuildProgress), args, { stdio: ['ignore', logFd, logFd] });
  if (typeof logFd === 'number') fs.closeSync(logFd);
  const owned = ownChild(child);
  const address = `${ip}:${port}`;
  let childExit: number | null | undefined;
  void owned.exited.then((code) => (childExit = code));
  try {
    await waitForFrontend(address, 'temporal server start-dev', () => childExit);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }

  return {
    address,
    namespace,
    port,
    uiPort,
    pid: child.pid!,
    kill: () => child.kill('SIGKILL'),
    stop: () => owned.stop(),
  };
}

/**
 * Resolves once a Temporal frontend at `address` answers GetSystemInfo; throws when
 * `exitCode()` reports the server gone, or after `timeoutMs`. Callers kill the server.
 */
export async function waitForFrontend(address: string, what: string, exitCode: () => number | null | undefined, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const code = exitCode();
    if (code !== undefined) throw new Error(`${what} exited early (code ${code})`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  throw new Error(`${what} did not answer on ${address} within ${timeoutMs / 1000} s`);
}
