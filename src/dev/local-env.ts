/**
 * Settings of the one-command local stack: fixed, documented ports (overridable) and a
 * webhook secret kept in .data/ so URLs handed to Creatify stay valid across restarts.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../config';

/** Where the local stack keeps its SQLite file, logs and secret; LIPSYNC_DATA_DIR moves it. */
export function dataDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.LIPSYNC_DATA_DIR || path.resolve(__dirname, '../../.data'));
}

const port = z.coerce.number().int().min(1).max(65535);

export interface LocalPorts {
  temporal: number;
  ui: number;
  webhook: number;
  sandbox: number;
  /** Prometheus /metrics of the worker and of the receiver (skipped when taken). */
  workerMetrics: number;
  webhookMetrics: number;
}

export function localPorts(env: NodeJS.ProcessEnv = process.env): LocalPorts {
  const read = (name: string, fallback: number) => {
    const parsed = port.default(fallback).safeParse(env[name] || undefined);
    if (!parsed.success) throw new ConfigError(name, 'must be a port number (1-65535)');
    return parsed.data;
  };
  return {
    temporal: read('LIPSYNC_DEV_TEMPORAL_PORT', 7233),
    ui: read('LIPSYNC_DEV_UI_PORT', 8233),
    webhook: read('WEBHOOK_PORT', 8787),
    sandbox: read('LIPSYNC_DEV_SANDBOX_PORT', 8788),
    workerMetrics: read('LIPSYNC_DEV_WORKER_METRICS_PORT', 9464),
    webhookMetrics: read('LIPSYNC_DEV_WEBHOOK_METRICS_PORT', 9465),
  };
}

/** The local receiver's secret: WEBHOOK_SECRET if set, else one generated once into .data/. */
export function localWebhookSecret(env: NodeJS.ProcessEnv = process.env): string {
  if (env.WEBHOOK_SECRET) return env.WEBHOOK_SECRET;
  const file = path.join(dataDir(env), 'webhook-secret');
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  const secret = randomBytes(24).toString('base64url');
  fs.mkdirSync(dataDir(env), { recursive: true });
  fs.writeFileSync(file, secret + '\n', { mode: 0o600 });
  return secret;
}

/** `source .data/env` in another shell points the CLI at this stack. */
export function writeEnvFile(directory: string, vars: Record<string, string>): string {
  const file = path.join(directory, 'env');
  const body = Object.entries(vars)
    .map(([key, value]) => `export ${key}=${JSON.stringify(value)}`)
    .join('\n');
  fs.writeFileSync(file, body + '\n', { mode: 0o600 });
  fs.chmodSync(file, 0o600); // `mode` applies only when the file is created
  return file;
}
