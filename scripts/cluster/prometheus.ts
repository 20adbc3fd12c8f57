/**
 * Debian's `prometheus` (apt-get install prometheus) scraping the cluster every second,
 * for the soak: targets come from a file (file_sd), rewritten whenever a process comes
 * back on a new metrics port, so each process incarnation is a series of its own and
 * `max_over_time` over the run sums exactly across restarts. Its data lives in the run
 * directory and goes with it.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from '../../src/dev/ports';
import { ownChild } from '../../src/dev/owned-child';
import type { ScrapeTarget } from './cluster';

export interface RunningPrometheus {
  url: string;
  /** Rewrites the scrape targets (Prometheus picks the file up within a second or two). */
  setTargets(targets: ScrapeTarget[]): void;
  /** One PromQL instant query; the vector's samples as [labels, value]. */
  query(promql: string): Promise<Array<{ labels: Record<string, string>; value: number }>>;
  /** Resolves once `name` was scraped (successfully) after the call, with that scrape's start (epoch ms). */
  freshScrape(name: string, timeoutMs?: number): Promise<number>;
  stop(): Promise<void>;
}

export const PROMETHEUS_BIN = process.env.LIPSYNC_PROMETHEUS_BIN || '/usr/bin/prometheus';

export async function startPrometheus(dir: string, targets: ScrapeTarget[], logFile: string): Promise<RunningPrometheus> {
  if (!fs.existsSync(PROMETHEUS_BIN)) throw new Error(`Prometheus is not installed (no ${PROMETHEUS_BIN}): apt-get install prometheus, or point LIPSYNC_PROMETHEUS_BIN at it`);
  fs.mkdirSync(dir, { recursive: true });
  const targetsFile = path.join(dir, 'targets.json');
  const setTargets = (list: ScrapeTarget[]) => {
    const groups = list.map((t) => ({ targets: [t.address], labels: { job: t.job, process: t.name } }));
    // Written whole, then renamed: Prometheus never reads half a file.
    fs.writeFileSync(`${targetsFile}.tmp`, JSON.stringify(groups));
    fs.renameSync(`${targetsFile}.tmp`, targetsFile);
  };
  setTargets(targets);
  const configFile = path.join(dir, 'prometheus.yml');
  const config = {
    global: { scrape_interval: '1s', scrape_timeout: '900ms', evaluation_interval: '1s' },
    scrape_configs: [{ job_name: 'lipsync', file_sd_configs: [{ files: [targetsFile], refresh_interval: '1s' }] }],
  };
  fs.writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);
  const port = await freePort();
  const logFd = fs.openSync(logFile, 'a');
  const child = spawn(PROMETHEUS_BIN, [`--config.file=${configFile}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], {
    stdio: ['ignore', logFd, logFd],
    detached: true,
  });
  fs.closeSync(logFd);
  const owned = ownChild(child);
  const url = `http://127.0.0.1:${port}`;

  const api = async (pathAndQuery: string) => {
    const response = await fetch(`${url}${pathAndQuery}`);
    const body = (await response.json()) as { status: string; data: unknown; error?: string };
    if (body.status !== 'success') throw new Error(`Prometheus ${pathAndQuery}: ${body.error ?? response.status}`);
    return body.data;
  };
  for (const deadline = Date.now() + 30_000; ; ) {
    if (child.exitCode !== null) throw new Error(`prometheus exited at start-up; its log: ${logFile}`);
    const ready = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`prometheus not ready within 30 s; its log: ${logFile}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  return {
    url,
    setTargets,
    async query(promql) {
      const data = (await api(`/api/v1/query?query=${encodeURIComponent(promql)}`)) as { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
      return data.result.map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
    },
    async freshScrape(name, timeoutMs = 10_000) {
      const since = Date.now();
      for (const deadline = since + timeoutMs; Date.now() < deadline; ) {
        const data = (await api('/api/v1/targets?state=active')) as { activeTargets: Array<{ labels: Record<string, string>; lastScrape: string; health: string }> };
        const target = data.activeTargets.find((t) => t.labels.process === name);
        if (target && target.health === 'up' && Date.parse(target.lastScrape) > since) return Date.parse(target.lastScrape);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new Error(`prometheus did not scrape ${name} within ${timeoutMs} ms`);
    },
    stop: () => owned.stop(),
  };
}
