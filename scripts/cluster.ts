/**
 * `npm run cluster`: the production-shaped cluster on this machine (scripts/cluster/),
 * until Ctrl-C, which stops it all. Usage: npm run cluster -- [--workers 2] [--receivers 2] [--json]
 * With --json, one JSON object describing the cluster is printed once it is up.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeEnvFile } from '../src/dev/local-env';
import { startCluster, type Cluster } from './cluster/cluster';

const USAGE = 'usage: npm run cluster -- [--workers N] [--receivers N] [--json]';

function describe(cluster: Cluster, envFile: string, seconds: number): string {
  const rows: Array<[string, string]> = [
    ['PostgreSQL 15', `127.0.0.1:${cluster.postgres.port} (data ${cluster.postgres.dataDir})`],
    ['Temporal v1.29.1', `${cluster.temporal.address} namespace ${cluster.temporal.namespace}${cluster.temporal.metricsAddress ? `, metrics http://${cluster.temporal.metricsAddress}/metrics` : ''}`],
    ['sandbox Creatify', cluster.sandbox.url],
    ['webhook URL', `${cluster.webhook.publicUrl}/[token] (load balancer over ${cluster.receivers.length} receivers)`],
    ...cluster.scrapeTargets
      .filter((t) => t.job !== 'temporal')
      .map((t): [string, string] => {
        const proc = [...cluster.workers, ...cluster.receivers].find((s) => s.name === t.name)?.process;
        return [t.name, `pid ${proc?.pid ?? '?'}, metrics http://${t.address}/metrics`];
      }),
    ['task queue', cluster.taskQueue],
    ['environment', `${envFile} (source it to point lipsync at the cluster)`],
    ['logs', `${cluster.workDir}/*.log`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return [`lipsync cluster up in ${seconds.toFixed(1)} s`, ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`), 'Ctrl-C stops everything.'].join('\n');
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      workers: { type: 'string', default: '2' },
      receivers: { type: 'string', default: '2' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const count = (name: string, text: string) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1 || n > 8) throw new Error(`--${name} must be a whole number from 1 to 8, got ${JSON.stringify(text)}`);
    return n;
  };
  const workers = count('workers', values.workers);
  const receivers = count('receivers', values.receivers);

  // Every signal is handled for good: npm forwards Ctrl-C a second time, and a default
  // action then would end us mid-stop with the processes still running.
  let stopRequested = false;
  const stopSignal = new Promise<string>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.on(signal, () => {
        if (!stopRequested) resolve(signal);
        stopRequested = true;
      });
    }
  });
  const started = Date.now();
  const log = (line: string) => process.stderr.write(`cluster: ${line}\n`);
  const cluster = await startCluster({ workers, receivers, log });
  const envFile = writeEnvFile(cluster.workDir, cluster.env);
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ workDir: cluster.workDir, envFile, temporalAddress: cluster.temporal.address, namespace: cluster.temporal.namespace, taskQueue: cluster.taskQueue, postgresPort: cluster.postgres.port, sandboxUrl: cluster.sandbox.url, webhookPublicUrl: cluster.webhook.publicUrl, metrics: cluster.scrapeTargets })}\n`);
  } else {
    process.stdout.write(`${describe(cluster, envFile, (Date.now() - started) / 1000)}\n`);
  }
  if (!stopRequested) await stopSignal;
  log('stopping: workers and receivers, then Temporal, then PostgreSQL');
  await cluster.stop();
  // The database and bundle go with the run; the logs stay.
  fs.rmSync(path.join(cluster.workDir, 'postgres'), { recursive: true, force: true });
  fs.rmSync(path.join(cluster.workDir, 'workflow-bundle.js'), { force: true });
  log(`stopped; logs kept in ${cluster.workDir}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`cluster: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
