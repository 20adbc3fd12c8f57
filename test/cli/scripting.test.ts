/**
 * The render commands as scripts and people use them, against the test stack: what a
 * pipe gets (ids, JSON, no escape codes) and what a terminal shows (`render --wait`'s one
 * redrawn line, under util-linux `script`).
 */
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { demoRequest, eventually, startTestStack, type TestStack } from '../support/stack';

const BIN = path.resolve(__dirname, '../../bin/lipsync.js');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const FAST = ['--webhook-timeout', '30s', '--poll-initial', '200', '--poll-max', '1s', '--deadline', '1 minute'];
const HAS_SCRIPT = spawnSync('script', ['--version']).status === 0;

let stack: TestStack;
let env: NodeJS.ProcessEnv;

function run(command: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { env, timeout: 40_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

const lipsync = (...args: string[]) => run(process.execPath, [BIN, ...args]);

beforeAll(async () => {
  stack = await startTestStack();
  // The stack's own variables, as a `lipsync` process serving it would get them.
  env = { PATH: process.env.PATH, HOME: process.env.HOME, TERM: 'xterm', ...stack.workerEnv() };
});
afterAll(async () => {
  await stack?.close();
});

function requestFile(): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lipsync-cli-')), 'request.json');
  const { webhook_url: _ignored, ...body } = demoRequest('scripted', 'https://replaced.example/');
  fs.writeFileSync(file, JSON.stringify(body));
  return file;
}

test('preview through a pipe prints only the id, so id=$(lipsync preview x.json) works; --json the record', async () => {
  const file = requestFile();
  const preview = await lipsync('preview', file);
  expect(preview.code).toBe(0);
  expect(preview.stdout.trim()).toMatch(UUID);
  expect(preview.stderr).toContain('render it with');
  const json = await lipsync('preview', file, '--json');
  expect(JSON.parse(json.stdout)).toMatchObject({ id: expect.stringMatching(UUID) });
});

test('render --wait through a pipe prints only the output URL, so url=$(lipsync render "$id" --wait) works', async () => {
  const id = await stack.preview('piped render');
  const render = await lipsync('render', id, '--wait', ...FAST);
  expect(render.code).toBe(0);
  expect(render.stdout).toMatch(new RegExp(`^https://\\S*${id}\\S*\\.mp4\n$`));
  expect(render.stderr).toContain(`tracking lipsync-render-${id}`);
});

test('render --json --wait prints one JSON document with the result; cancel --json too', async () => {
  const id = await stack.preview('json render');
  const render = await lipsync('render', id, '--wait', '--json', ...FAST);
  expect(render.code).toBe(0);
  expect(JSON.parse(render.stdout)).toMatchObject({ workflowId: `lipsync-render-${id}`, lipsyncId: id, output: expect.stringContaining('.mp4') });
  const cancel = await lipsync('cancel', id, '--json');
  expect(JSON.parse(cancel.stdout)).toEqual({ lipsyncId: id, cancelled: false, execution: 'COMPLETED' });
});

(HAS_SCRIPT ? test : test.skip)('render --wait on a terminal: one line redrawn in place with the bar, then the result', async () => {
  const id = await stack.preview('tty render');
  // Held for a few status looks (1 s apart), so there is more than one frame to redraw.
  await stack.sandbox.control.setLipsync(id, { hold: true });
  // Released 3 s after the CLI's own render POST, not after its start: on a busy machine
  // the CLI can take seconds to boot, and the render must outlast a few of its frames.
  let release: NodeJS.Timeout | undefined;
  void eventually(async () => (await stack.sandbox.control.stats()).renders[id] === 1, 60_000, 'render POST').then(() => {
    release = setTimeout(() => void stack.sandbox.control.setLipsync(id, { hold: false }), 3_000);
  });
  const { code, stdout } = await run('script', ['-qefc', `exec ${process.execPath} ${BIN} render ${id} --wait ${FAST.map((arg) => `'${arg}'`).join(' ')}`, '/dev/null']);
  expect(code).toBe(0);
  const strip = (s: string) => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');
  const text = strip(stdout);
  // Each frame erases the one before (log-update starts a frame with ESC[G): what stays
  // on screen is the last frame, one status row, followed by the result.
  clearTimeout(release);
  const frames = stdout.split('\x1b[G');
  expect(frames.length).toBeGreaterThan(1);
  const screen = strip(frames[frames.length - 1]!).split('\n');
  expect(screen[0]).toMatch(new RegExp(`^${id.slice(0, 8)} {2}\\w+ +\\[[#-]{20}\\] +~?\\d+% +\\d+s`));
  expect(screen.filter((line) => line.startsWith(id.slice(0, 8)))).toHaveLength(1);
  expect(text).not.toMatch(/^\[\d+s\]/m); // the pipe format is not used on a terminal
  expect(text).toMatch(new RegExp(`^output\\s+https://\\S*${id}\\S*\\.mp4$`, 'm'));
});

test('watch --once through a pipe lists the open renders as plain lines; --json as JSON lines', async () => {
  const id = await stack.preview('watched render');
  await stack.sandbox.control.setLipsync(id, { hold: true });
  await lipsync('render', id, ...FAST);
  let plain = '';
  for (let i = 0; i < 20 && !plain.includes(id.slice(0, 8)); i++) {
    plain = (await lipsync('watch', '--once')).stdout; // visibility trails by a moment
    await new Promise((r) => setTimeout(r, 250));
  }
  expect(plain).not.toContain('\x1b');
  expect(plain.split('\n')[0]).toMatch(new RegExp(`^lipsync watch: open renders in ${stack.client.options.namespace} at `));
  expect(plain).toMatch(new RegExp(`^${id.slice(0, 8)} \\w+ \\(\\d+s\\)$`, 'm'));
  const json = await lipsync('watch', '--once', '--json');
  const lines = json.stdout.trim().split('\n').map((line) => JSON.parse(line));
  expect(lines).toEqual(expect.arrayContaining([expect.objectContaining({ lipsyncId: id, execution: 'RUNNING' })]));
  await lipsync('cancel', id);
});
