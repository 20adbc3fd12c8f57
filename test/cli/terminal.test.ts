/**
 * `lipsync start` (what `npm start` runs) as a person sees it: under a pseudo-terminal
 * (util-linux `script`) the live view and nothing else; through a pipe, plain lines. The
 * whole stack runs (Temporal dev server, sandbox, worker, receiver, the demo batch) on
 * free ports with its own data directory, so it does not meet a stack you have running.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../src/dev/ports';

const BIN = path.resolve(__dirname, '../../bin/lipsync.js');
const HAS_SCRIPT = spawnSync('script', ['--version']).status === 0;
const ROW_DONE = /^[0-9a-f]{8} {2}done {7}\[#{20}\] {2}100% +\d+s {2}…\S+\.mp4$/gm;
// What the view must not show: the worker's, the receiver's and the demo's log lines.
const LOG_LINE = /\[webhook\]|signalled lipsync|\d{4}-\d\d-\d\dT\d\d:\d\d|lipsync [0-9a-f-]{36} →|demo: [0-9a-f-]{36}/;

jest.setTimeout(180_000);

async function stackEnv(): Promise<NodeJS.ProcessEnv> {
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'lipsync-start-'));
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TEMPORAL_CLI_PATH: process.env.TEMPORAL_CLI_PATH,
    LIPSYNC_CACHE_DIR: process.env.LIPSYNC_CACHE_DIR,
    LIPSYNC_DATA_DIR: data,
    LIPSYNC_DEV_TEMPORAL_PORT: String(await freePort()),
    LIPSYNC_DEV_UI_PORT: String(await freePort()),
    WEBHOOK_PORT: String(await freePort()),
    LIPSYNC_DEV_SANDBOX_PORT: String(await freePort()),
    // Not the default 9464/9465: a stack someone runs on this machine must not change what is tested.
    LIPSYNC_DEV_WORKER_METRICS_PORT: String(await freePort()),
    LIPSYNC_DEV_WEBHOOK_METRICS_PORT: String(await freePort()),
    TERM: 'xterm',
    // The bundle the global setup built: no webpack run per start on a busy machine.
    ...(process.env.TEST_WORKFLOW_BUNDLE ? { WORKFLOW_BUNDLE_PATH: process.env.TEST_WORKFLOW_BUNDLE } : {}),
  };
}

/** Runs until `ready` matches the output, then stops it the way a person would (Ctrl-C). */
async function runUntil(child: ChildProcess, ready: RegExp, interrupt: () => void): Promise<{ out: string; code: number | null }> {
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 150_000;
  while (!ready.test(out) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 200));
  interrupt();
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const code = await exited;
  clearTimeout(timer);
  return { out, code };
}

// Every test checks the exit code as { code, out: code === 0 ? '' : out }: a failure shows what the stack printed on its way out.

/** What stays on the screen: log-update erases each frame before drawing the next (ESC[G starts one). */
function lastFrame(out: string): string {
  const frame = out.slice(out.lastIndexOf('\x1b[G') + 3);
  return frame.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');
}

(HAS_SCRIPT ? test : test.skip)('on a terminal: one live view, a row per render, the summary, no log lines', async () => {
  const env = await stackEnv();
  // -e: script exits with the command's code; stdin is a pipe, so a \x03 written to it is Ctrl-C on the pty.
  const child = spawn('script', ['-qefc', `exec ${process.execPath} ${BIN} start`, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  const { out, code } = await runUntil(child, /renders done/, () => child.stdin!.write('\x03'));
  const screen = lastFrame(out);
  expect({ code, out: code === 0 ? '' : out }).toEqual({ code: 0, out: '' });
  expect(screen).toMatch(/^lipsync-orchestrator: local stack$/m);
  expect(screen).toMatch(/^ {2}Temporal Web UI {3}http:\/\/localhost:\d+\/namespaces\/default\/workflows$/m);
  expect(screen).toMatch(/^ {2}logs {14}\S+\/logs\/ \(worker\.log/m);
  expect(screen.match(ROW_DONE)).toHaveLength(3);
  expect(screen).toMatch(/^demo: 3\/3 renders done$/m);
  expect(screen).toMatch(/^stopped$/m);
  expect(out.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '')).not.toMatch(LOG_LINE);
  // The detail went to the component logs.
  const logs = path.join(env.LIPSYNC_DATA_DIR!, 'logs');
  expect(fs.readFileSync(path.join(logs, 'worker.log'), 'utf8')).toMatch(/→ done/);
  expect(fs.readFileSync(path.join(logs, 'webhook.log'), 'utf8')).toMatch(/signalled lipsync/);
});

test('through a pipe: plain lines, one per status change, no escape codes', async () => {
  const env = await stackEnv();
  const child = spawn(process.execPath, [BIN, 'start'], { env: { ...env, TERM: 'xterm' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const { out, code } = await runUntil(child, /stack is up/, () => child.kill('SIGINT'));
  expect({ code, out: code === 0 ? '' : out }).toEqual({ code: 0, out: '' });
  expect(out).not.toContain('\x1b');
  expect(out).not.toMatch(LOG_LINE);
  const lines = out.split('\n');
  expect(lines).toContain('lipsync-orchestrator: local stack');
  const done = lines.filter((line) => /^[0-9a-f]{8} done \(\d+s\) https:\/\/\S+\.mp4$/.test(line));
  expect(done).toHaveLength(3);
  // One line per status change: no row line repeats.
  const rows = lines.filter((line) => /^[0-9a-f]{8} /.test(line)).map((line) => line.replace(/ \(\d+s\).*/, ''));
  expect(new Set(rows).size).toBe(rows.length);
  expect(lines).toContain('demo: 3/3 renders done');
  expect(lines[lines.length - 2]).toBe('stopped');
});

test('Ctrl-C while the demo renders stops everything cleanly: exit 0, no stack trace', async () => {
  const env = await stackEnv();
  const child = spawn(process.execPath, [BIN, 'start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const { out, code } = await runUntil(child, /^[0-9a-f]{8} running/m, () => child.kill('SIGINT'));
  expect({ code, out: code === 0 ? '' : out }).toEqual({ code: 0, out: '' });
  expect(out).not.toMatch(/Error|at .*\.ts:\d+/);
  expect(out.trimEnd().split('\n').pop()).toBe('stopped');
});
