import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';
import { startSandbox } from '../../src/sandbox';
import type { RunningSandbox, SandboxOptions } from '../../src/sandbox';

// Plain-fetch access to a sandbox, as any HTTP client would see it.

export interface ApiResponse {
  status: number;
  body: any;
  headers: Headers;
}

/** A whole render (pending → done) in about 100 ms. */
export const FAST = { timeFactor: 0.0005 } as const;

export function startFast(options: SandboxOptions = {}): Promise<RunningSandbox> {
  return startSandbox({ ...options, settings: { ...FAST, ...options.settings } });
}

/**
 * One fast sandbox for a describe block, reset before each test:
 * `let sandbox: RunningSandbox; useFastSandbox((s) => (sandbox = s));`
 */
export function useFastSandbox(bind: (sandbox: RunningSandbox) => void, options: SandboxOptions = {}): void {
  let sandbox: RunningSandbox | undefined;
  beforeAll(async () => {
    sandbox = await startFast(options);
    bind(sandbox);
  });
  afterAll(() => sandbox?.close());
  beforeEach(async () => {
    await sandbox!.control.reset();
  });
}

export interface SandboxWithReceiver {
  sandbox: RunningSandbox;
  receiver: WebhookReceiver;
  /** Preview with the receiver's URL, render, wait until the record is finished. */
  renderToEnd(): Promise<string>;
}

/** A fast sandbox for the file and a fresh webhook receiver per test. */
export function useSandboxWithReceiver(): SandboxWithReceiver {
  const ctx = {} as SandboxWithReceiver;
  useFastSandbox((s) => (ctx.sandbox = s));
  beforeEach(async () => {
    ctx.receiver = await startWebhookReceiver();
  });
  afterEach(() => ctx.receiver.close());
  ctx.renderToEnd = async () => {
    const { id } = await preview(ctx.sandbox, ctx.receiver.url);
    expect((await render(ctx.sandbox, id)).status).toBe(200);
    await waitForLipsync(ctx.sandbox, id, isFinished);
    return id;
  };
  return ctx;
}

export function authHeaders(sandbox: RunningSandbox): Record<string, string> {
  return { 'X-API-ID': sandbox.credentials.apiId, 'X-API-KEY': sandbox.credentials.apiKey };
}

export async function call(
  sandbox: RunningSandbox,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = authHeaders(sandbox),
): Promise<ApiResponse> {
  const response = await fetch(sandbox.url + path, {
    method,
    headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // non-JSON bodies (the 5xx HTML page) stay text
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

/** A valid create/preview body; `text` length drives the credit estimate (~16 chars/s). */
export function lipsyncBody(options: { text?: string; webhookUrl?: string; extra?: object } = {}) {
  return {
    video_inputs: [
      {
        character: { type: 'avatar', avatar_id: 'avatar-1' },
        voice: { type: 'text', input_text: options.text ?? 'Hello there.', voice_id: 'voice-1' },
      },
    ],
    ...(options.webhookUrl ? { webhook_url: options.webhookUrl } : {}),
    ...options.extra,
  };
}

export async function preview(sandbox: RunningSandbox, webhookUrl?: string): Promise<any> {
  const res = await call(sandbox, 'POST', '/api/lipsyncs_v2/preview/', lipsyncBody({ webhookUrl }));
  expect(res.status).toBe(200);
  return res.body;
}

export async function render(sandbox: RunningSandbox, id: string): Promise<ApiResponse> {
  return call(sandbox, 'POST', `/api/lipsyncs_v2/${id}/render/`);
}

/** Polls GET until `pred` holds for the lipsync; returns that body. */
export async function waitForLipsync(
  sandbox: RunningSandbox,
  id: string,
  pred: (body: any) => boolean,
  timeoutMs = 3_000,
): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  let last: any;
  while (Date.now() < deadline) {
    const res = await call(sandbox, 'GET', `/api/lipsyncs_v2/${id}/`);
    last = res.body;
    if (res.status === 200 && pred(res.body)) return res.body;
    await sleep(5);
  }
  throw new Error(`lipsync ${id} never matched; last seen ${JSON.stringify(last)}`);
}

/** Finished for real: `done` counts only with an output (a preview is `done` too). */
export const isFinished = (body: any): boolean =>
  body.status === 'failed' || body.status === 'rejected' || (body.status === 'done' && body.output !== null);

/** Resolves once the sandbox has no delivery queued or in flight: "nothing more will arrive" without guessing a delay. */
export async function webhooksSettled(sandbox: RunningSandbox): Promise<void> {
  for (const deadline = Date.now() + 5_000; Date.now() < deadline; await sleep(5)) {
    if ((await sandbox.control.stats()).webhooksPending === 0) return;
  }
  throw new Error('sandbox webhooks still pending after 5 s');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
