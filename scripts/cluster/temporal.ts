/**
 * The Temporal server itself (v1.29.1, `go install`ed by scripts/temporal-server.sh), one
 * process running frontend, history, matching and worker, on PostgreSQL for persistence
 * and SQL visibility. The schema comes from the SQL tool's embedded files; the `default`
 * namespace and the project's search attributes (SEARCH_ATTRIBUTES) are created through
 * the API, as an operator would.
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { freePort } from '../../src/dev/ports';
import { ownChild } from '../../src/dev/owned-child';
import { searchAttributeTypes } from '../../src/contract/search-attributes';
import { waitForFrontend } from '../../src/dev/temporal-server';
import type { RunningPostgres } from './postgres';

const run = promisify(execFile);
const REPO = path.resolve(__dirname, '../..');

export interface TemporalBinaries {
  server: string;
  sqlTool: string;
}

/** The pinned server and SQL tool, built into the cache on first use (minutes). */
export async function temporalServerBinaries(onProgress: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): Promise<TemporalBinaries> {
  const child = run('bash', [path.join(REPO, 'scripts/temporal-server.sh')], { maxBuffer: 1 << 20, timeout: 30 * 60_000 });
  child.child.stderr?.on('data', (chunk: Buffer) => chunk.toString('utf8').split('\n').filter(Boolean).forEach(onProgress));
  const dir = (await child).stdout.trim().split('\n').pop() ?? '';
  if (!dir.startsWith('/')) throw new Error(`scripts/temporal-server.sh printed no directory (got "${dir}")`);
  return { server: path.join(dir, 'temporal-server'), sqlTool: path.join(dir, 'temporal-sql-tool') };
}

const DATABASES = [
  { name: 'temporal', schema: 'postgresql/v12/temporal' },
  { name: 'temporal_visibility', schema: 'postgresql/v12/visibility' },
];

/** Creates both databases and brings their schemas to the version this server needs. */
export async function setupSchemas(sqlTool: string, pg: RunningPostgres): Promise<void> {
  const base = ['--plugin', 'postgres12', '--endpoint', pg.host, '--port', String(pg.port), '--user', pg.user];
  const tool = async (db: string, ...args: string[]) => {
    try {
      await run(sqlTool, [...base, '--database', db, ...args]);
    } catch (err) {
      const { stdout = '', stderr = '' } = err as { stdout?: string; stderr?: string };
      const lines = `${stdout}\n${stderr}`.split('\n').filter((l) => /ERROR|error/.test(l));
      throw new Error(`temporal-sql-tool ${args[0]} on ${db} failed: ${lines.slice(-2).join(' ') || (err as Error).message}`);
    }
  };
  for (const { name, schema } of DATABASES) {
    await tool(name, 'create-database', '--defaultdb', 'postgres');
    await tool(name, 'setup-schema', '-v', '0.0');
    await tool(name, 'update-schema', '--schema-name', schema);
  }
}

export interface TemporalServerPorts {
  frontend: number;
  http: number;
  history: number;
  matching: number;
  worker: number;
  membership: { frontend: number; history: number; matching: number; worker: number };
}

async function freePorts(): Promise<TemporalServerPorts> {
  const p = () => freePort();
  return {
    frontend: await p(),
    http: await p(),
    history: await p(),
    matching: await p(),
    worker: await p(),
    // Temporal stores membership ports as a SQL smallint: they must be below 32768, out
    // of the kernel's ephemeral range, so they are probed for instead of handed out.
    membership: { frontend: await lowPort(), history: await lowPort(), matching: await lowPort(), worker: await lowPort() },
  };
}

const taken = new Set<number>();
async function lowPort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (taken.has(port)) continue;
    if (await canBind(port)) {
      taken.add(port);
      return port;
    }
  }
  throw new Error('no free port between 20000 and 32000 for Temporal membership');
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Dynamic config: what a small cluster on one machine wants (and what the dev server sets). */
const DYNAMIC_CONFIG: Record<string, unknown> = {
  // A new namespace and new search attributes are usable at once, not after a cache refresh.
  'system.forceSearchAttributesCacheRefreshOnRead': true,
  'system.namespaceCacheRefreshInterval': '1s',
  // Timers otherwise fire up to 1 s late (batched); the sandbox's renders are short.
  'history.timerProcessorMaxTimeShift': '20ms',
  'limit.maxIDLength': 255,
};

/** Writes the server's config (JSON is YAML) into `dir`; returns the arguments that start it. */
function writeConfig(dir: string, pg: RunningPostgres, ports: TemporalServerPorts, metricsPort: number | null): string[] {
  const configDir = path.join(dir, 'temporal-config');
  fs.mkdirSync(configDir, { recursive: true });
  const sql = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `${pg.host}:${pg.port}`,
      connectProtocol: 'tcp',
      user: pg.user,
      password: '',
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const rpc = (grpcPort: number, membershipPort: number, extra: Record<string, unknown> = {}) => ({
    rpc: { grpcPort, membershipPort, bindOnIP: '127.0.0.1', ...extra },
  });
  const dynamicConfigFile = path.join(configDir, 'dynamic-config.yaml');
  fs.writeFileSync(dynamicConfigFile, `${JSON.stringify(Object.fromEntries(Object.entries(DYNAMIC_CONFIG).map(([k, value]) => [k, [{ value }]])), null, 2)}\n`);
  const config = {
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: 4,
      datastores: { 'postgres-default': sql('temporal', 20), 'postgres-visibility': sql('temporal_visibility', 5) },
    },
    global: {
      membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' },
      ...(metricsPort ? { metrics: { prometheus: { framework: 'tally', timerType: 'histogram', listenAddress: `127.0.0.1:${metricsPort}` } } } : {}),
    },
    services: {
      frontend: rpc(ports.frontend, ports.membership.frontend, { httpPort: ports.http }),
      history: rpc(ports.history, ports.membership.history),
      matching: rpc(ports.matching, ports.membership.matching),
      worker: rpc(ports.worker, ports.membership.worker),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: { active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: `127.0.0.1:${ports.frontend}` } },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: dynamicConfigFile, pollInterval: '10s' },
  };
  fs.writeFileSync(path.join(configDir, 'cluster.yaml'), `${JSON.stringify(config, null, 2)}\n`);
  // v1.29.1 has no --config-file: a config directory and an environment name (cluster.yaml).
  return ['--root', '/', '--config', configDir.replace(/^\//, ''), '--env', 'cluster', '--allow-no-auth', 'start'];
}

export interface RunningTemporalServer {
  address: string;
  namespace: string;
  ports: TemporalServerPorts;
  /** The server's own Prometheus endpoint (host:port), or null. */
  metricsAddress: string | null;
  pid(): number;
  /** Stops the process (SIGTERM, then SIGKILL) and starts it again with the same config and ports. */
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface TemporalServerOptions {
  binaries: TemporalBinaries;
  postgres: RunningPostgres;
  dir: string;
  logFile: string;
  namespace?: string;
  /** Serve the server's own metrics (default true). */
  metrics?: boolean;
}

export async function startTemporalServer(options: TemporalServerOptions): Promise<RunningTemporalServer> {
  const namespace = options.namespace ?? 'default';
  await setupSchemas(options.binaries.sqlTool, options.postgres);
  const ports = await freePorts();
  const metricsPort = options.metrics === false ? null : await freePort();
  const args = writeConfig(options.dir, options.postgres, ports, metricsPort);
  const address = `127.0.0.1:${ports.frontend}`;

  let child = launch(options.binaries.server, args, options.logFile);
  await waitUntilServing(address, child, options.logFile);
  await registerNamespace(address, namespace);

  return {
    address,
    namespace,
    ports,
    metricsAddress: metricsPort ? `127.0.0.1:${metricsPort}` : null,
    pid: () => child.process.pid ?? -1,
    async restart(downMs = 0) {
      await child.stop();
      if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
      child = launch(options.binaries.server, args, options.logFile);
      await waitUntilServing(address, child, options.logFile);
    },
    stop: () => child.stop(),
  };
}

interface ServerChild {
  process: ReturnType<typeof spawn>;
  exited: Promise<void>;
  stop(): Promise<void>;
}

function launch(server: string, args: string[], logFile: string): ServerChild {
  const logFd = fs.openSync(logFile, 'a');
  // Out of the terminal's process group: Ctrl-C reaches the cluster, which stops this in order.
  const child = spawn(server, args, { stdio: ['ignore', logFd, logFd], detached: true });
  fs.closeSync(logFd);
  const owned = ownChild(child);
  return { process: child, exited: owned.exited.then(() => undefined), stop: () => owned.stop(15_000) };
}

async function waitUntilServing(address: string, child: ServerChild, logFile: string): Promise<void> {
  let exitCode: number | null | undefined;
  void child.exited.then(() => (exitCode = child.process.exitCode));
  try {
    await waitForFrontend(address, 'the Temporal server', () => exitCode, 90_000);
  } catch (err) {
    await child.stop();
    throw new Error(`${(err as Error).message}; its log: ${logFile}\n${tail(logFile)}`);
  }
}

function tail(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-8).map((line) => line.slice(0, 400)).join('\n');
  } catch {
    return '';
  }
}

/** Registers the namespace (once) and every search attribute the project uses, and waits until they are visible. */
async function registerNamespace(address: string, namespace: string): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    const deadline = Date.now() + 60_000;
    const retry = async <T>(what: string, work: () => Promise<T>): Promise<T> => {
      for (;;) {
        try {
          return await work();
        } catch (err) {
          if (Date.now() > deadline) throw new Error(`${what}: ${(err as Error).message}`);
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      }
    };
    await retry(`registering namespace ${namespace}`, async () => {
      try {
        await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
      } catch (err) {
        if ((err as { code?: number }).code !== 6 /* ALREADY_EXISTS */) throw err;
      }
    });
    await retry(`describing namespace ${namespace}`, () => connection.workflowService.describeNamespace({ namespace }));
    const wanted = searchAttributeTypes();
    await retry('adding search attributes', async () => {
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
      const missing = Object.fromEntries(Object.entries(wanted).filter(([name]) => !(name in (customAttributes ?? {}))));
      if (Object.keys(missing).length > 0) {
        await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
        throw new Error(`added ${Object.keys(missing).join(', ')}; checking again`);
      }
    });
  } finally {
    await connection.close();
  }
}
