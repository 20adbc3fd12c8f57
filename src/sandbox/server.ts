import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleControl } from './control';
import { SandboxControl } from './control-client';
import { SandboxCore } from './core';
import { BodyTooLarge, sendJson } from './http';
import { handleApi } from './routes';
import { settingsPatchSchema } from './settings';
import type { SandboxSettingsPatch } from './settings';

export interface SandboxOptions {
  /** 0 = any free port (default). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Seeds all randomness (jitter, probabilities); default 1. */
  seed?: number;
  /** The accepted pair; default sandbox-id / sandbox-key. */
  credentials?: { apiId: string; apiKey: string };
  /** Initial settings, same shape as PATCH /_sandbox/settings. */
  settings?: SandboxSettingsPatch;
  /** Request log: method, path, status, time. Never headers, so never the API key. */
  log?: (line: string) => void;
}

export interface RunningSandbox {
  /** e.g. http://127.0.0.1:41234 (no trailing slash). */
  url: string;
  port: number;
  credentials: { apiId: string; apiKey: string };
  control: SandboxControl;
  /** Stops timers, pending webhooks and the server. */
  close(): Promise<void>;
}

export const DEFAULT_CREDENTIALS = { apiId: 'sandbox-id', apiKey: 'sandbox-key' } as const;

export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const credentials = options.credentials ?? { ...DEFAULT_CREDENTIALS };
  const core = new SandboxCore({
    seed: options.seed ?? 1,
    credentials,
    // Validated here too: a bad initial setting should fail at start, with zod's reason.
    settings: settingsPatchSchema.parse(options.settings ?? {}),
  });
  const log = safeLog(options.log);
  const server = createServer((req, res) => {
    handle(core, req, res, log).catch(() => answerInternalError(res));
  });
  const host = options.host ?? '127.0.0.1';
  await listen(server, options.port ?? 0, host);
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  let closing: Promise<void> | null = null;
  return {
    url,
    port,
    credentials,
    control: new SandboxControl(url),
    close() {
      closing ??= (async () => {
        await core.close();
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await stopped;
      })();
      return closing;
    },
  };
}

async function handle(
  core: SandboxCore,
  req: IncomingMessage,
  res: ServerResponse,
  log: (line: string) => void,
): Promise<void> {
  const started = Date.now();
  // Until the target parses, the log shows it as received (quoted: it is the client's text).
  let path = JSON.stringify(req.url ?? '');
  let status: number;
  try {
    const url = parseTarget(req.url);
    if (url !== null) path = `${url.pathname}${url.search}`;
    if (url === null) {
      status = 400;
      sendJson(res, { status, body: { detail: 'Malformed request URL.' } });
    } else if (url.pathname.startsWith('/_sandbox/')) {
      const reply = await handleControl(core, req, url);
      sendJson(res, reply);
      status = reply.status;
    } else {
      status = await handleApi(core, req, res, url);
    }
  } catch (err) {
    // Whatever went wrong in one request must not take the sandbox down.
    status = err instanceof BodyTooLarge ? 413 : 500;
    const detail = err instanceof BodyTooLarge ? 'Request body too large.' : 'Internal sandbox error.';
    if (!res.headersSent && !res.destroyed) sendJson(res, { status, body: { detail } });
    else res.destroy();
    log(`sandbox error on ${req.method} ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  log(`${req.method} ${path} ${status === 0 ? 'dropped' : status} ${Date.now() - started}ms`);
}

/** The request target as a URL, or null when it does not parse (e.g. `//[`). */
function parseTarget(target: string | undefined): URL | null {
  try {
    return new URL(target ?? '/', 'http://sandbox.local');
  } catch {
    return null;
  }
}

/** Last resort for a request whose handling threw: a 500 if nothing was sent yet. */
function answerInternalError(res: ServerResponse): void {
  try {
    if (!res.headersSent && !res.destroyed) sendJson(res, { status: 500, body: { detail: 'Internal sandbox error.' } });
    else res.destroy();
  } catch {
    res.destroy();
  }
}

/** A log callback that cannot throw: a broken sink must not change an answer or crash the sandbox. */
function safeLog(log: ((line: string) => void) | undefined): (line: string) => void {
  return (line) => {
    try {
      log?.(line);
    } catch {
      // Nowhere left to report it.
    }
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
