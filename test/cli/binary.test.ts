/**
 * The real `lipsync` binary, as a child process, against the dev server the global setup
 * started and a sandbox Creatify: what a script or an operator actually runs.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { webhookUrl } from '../../src/contract/webhook-url';
import { demoRequest, eventually, startTestStack, unknownLipsyncId, type TestStack } from '../support/stack';

const BIN = path.resolve(__dirname, '../../bin/lipsync.js');
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;
const FAST = ['--webhook-timeout', '30s', '--poll-initial', '200', '--poll-max', '1s', '--deadline', '1 minute'];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let stack: TestStack;
let env: NodeJS.ProcessEnv;

function lipsync(...args: string[]): Promise<Run> {
  return lipsyncWith({}, ...args);
}

function lipsyncWith(overrides: NodeJS.ProcessEnv, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...env, ...overrides }, timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  stack = await startTestStack();
  // The stack's own variables, as a `lipsync` process serving it would get them.
  env = { PATH: process.env.PATH, HOME: process.env.HOME, ...stack.workerEnv() };
});
afterAll(async () => {
  await stack?.close();
});

test('preview → render --wait → status → list: the happy path, exit 0 all along', async () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lipsync-cli-')), 'request.json');
  const { webhook_url: _ignored, ...body } = demoRequest('cli render', 'https://replaced.example/');
  fs.writeFileSync(file, JSON.stringify(body));

  const preview = await lipsync('preview', file);
  expect(preview).toMatchObject({ code: 0 });
  const id = UUID.exec(preview.stdout)?.[0];
  expect(id).toBeDefined();
  // The preview carries our webhook, whatever the file said.
  expect((await stack.sandbox.control.lipsync(id!)).webhook_url).toBe(webhookUrl(stack.webhookConfig));

  const render = await lipsync('render', id!, '--wait', ...FAST);
  expect(render.stderr).toMatch(/^\[\d+s\] \w+/m);
  expect(render).toMatchObject({ code: 0 });
  expect(render.stderr).toContain(`tracking lipsync-render-${id}`);
  // Through a pipe, only the video's URL (the fields table is for a terminal).
  expect(render.stdout).toMatch(new RegExp(`^https://\\S*${id}\\S*\\.mp4\\n$`));

  const status = await lipsync('status', id!, '--json');
  expect(status.code).toBe(0);
  expect(JSON.parse(status.stdout)).toMatchObject({ lipsyncId: id, execution: 'COMPLETED', status: 'done', state: { lastEvent: 'detected by webhook' } });

  // Visibility trails the workflow by a moment; wait for it here rather than retrying the CLI.
  await eventually(async () => {
    const listed = await stack.orchestrator.list({ status: 'done' });
    return listed.some((r) => r.lipsyncId === id);
  }, 10_000, 'visibility to list the render');
  const list = await lipsync('list', '--status', 'done');
  expect(list.code).toBe(0);
  expect(list.stdout.split('\n')[0]).toMatch(/^LIPSYNC ID\s+STATUS\s+EXECUTION\s+STARTED\s+CLOSED$/);
  expect(list.stdout).toMatch(new RegExp(`^${id}\\s+done\\s+COMPLETED\\s`, 'm'));
});

test('render --wait of a render Creatify fails exits 1 with the reason', async () => {
  const id = await stack.preview('cli failing render');
  await stack.sandbox.control.setLipsync(id, { outcome: 'failed', failedReason: 'avatar unavailable' });
  const render = await lipsync('render', id, '--wait', ...FAST);
  expect(render.code).toBe(1);
  expect(render.stderr).toMatch(/^render failed: .*avatar unavailable/m);
  expect(render.stdout).toBe('');
});

test('cancel stops tracking a held render; status then says cancelled; unknown ids exit 3', async () => {
  const id = await stack.preview('cli cancelled render');
  await stack.sandbox.control.setLipsync(id, { hold: true });
  const [render, unknown] = await Promise.all([lipsync('render', id, ...FAST), lipsync('status', unknownLipsyncId())]);
  expect(render).toMatchObject({ code: 0, stdout: `lipsync-render-${id}\n` });
  expect(unknown.code).toBe(3);
  expect(unknown.stderr).toContain('no render is tracked for lipsync');

  const cancel = await lipsync('cancel', id);
  expect(cancel).toMatchObject({ code: 0 });
  await stack.client.workflow.getHandle(`lipsync-render-${id}`).result().catch(() => undefined);

  const status = await lipsync('status', id);
  expect(status.code).toBe(0);
  expect(status.stdout).toMatch(/^execution\s+CANCELLED$/m);
  expect(status.stdout).toMatch(/^status\s+cancelled\b/m);
});

test('Ctrl-C during render --wait stops following (exit 130), not the render', async () => {
  const id = await stack.preview('cli interrupt');
  await stack.sandbox.control.setLipsync(id, { hold: true });
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, [BIN, 'render', id, '--wait', ...FAST], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    await eventually(async () => /waiting for webhook/.test(stderr), 20_000, `a status line (stderr: ${stderr})`);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
  } finally {
    child.kill('SIGKILL'); // no-op once it has exited; never leave it behind on a failed assertion
  }
  expect(stderr).toMatch(/still tracked/);
  expect((await stack.client.workflow.getHandle(`lipsync-render-${id}`).describe()).status.name).toBe('RUNNING');
  await stack.sandbox.control.setLipsync(id, { hold: false });
  expect((await stack.orchestrator.waitForResult(id)).output).toContain(id);
});

test('webhook-server refuses a namespace that does not exist (it would ack every delivery as untracked)', async () => {
  const { code, stderr } = await lipsyncWith(
    { TEMPORAL_NAMESPACE: 'no-such-namespace', WEBHOOK_PORT: '0', WEBHOOK_HOST: '127.0.0.1' },
    'webhook-server',
  );
  expect(code).toBe(78);
  expect(stderr).toMatch(/TEMPORAL_NAMESPACE: namespace "no-such-namespace" does not exist/);
});
