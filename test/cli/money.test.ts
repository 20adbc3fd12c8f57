/**
 * The commands around a render's money, as scripts run them (pipes, exit codes, --json):
 * preview --await-approval, approve, reject, render --batch (file and stdin), credits.
 */
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { batchIdFor } from '../../src/client/orchestrator';
import { demoRequest, eventually, startTestStack, type TestStack } from '../support/stack';

// Each test starts several `lipsync` processes (ts-node: seconds each on a busy machine) around a render.
jest.setTimeout(150_000);

const BIN = path.resolve(__dirname, '../../bin/lipsync.js');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const HAS_SCRIPT = spawnSync('script', ['--version']).status === 0;
const FAST = ['--webhook-timeout', '30s', '--poll-initial', '200', '--poll-max', '1s', '--deadline', '1 minute'];

let stack: TestStack;
let env: NodeJS.ProcessEnv;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lipsync-money-'));

function lipsyncIn(command: string, args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(command, args, { env, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}

function lipsync(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return lipsyncIn(process.execPath, [BIN, ...args], input);
}

beforeAll(async () => {
  stack = await startTestStack();
  env = { PATH: process.env.PATH, HOME: process.env.HOME, TERM: 'xterm', ...stack.workerEnv() };
});
afterAll(async () => {
  await stack?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function requestFile(name: string): string {
  const file = path.join(tmp, `${name}.json`);
  const { webhook_url: _ignored, ...body } = demoRequest(name, 'https://replaced.example/');
  fs.writeFileSync(file, JSON.stringify(body));
  return file;
}

test('preview --await-approval holds the render; approve renders it; deciding again exits 5; reject needs --reason', async () => {
  const preview = await lipsync(['preview', requestFile('await'), '--await-approval', '--approval-timeout', '5m']);
  expect(preview.code).toBe(0);
  const id = preview.stdout.trim();
  expect(id).toMatch(UUID);
  expect(preview.stderr).toContain(`lipsync approve ${id}`);
  const status = await lipsync(['status', id, '--json']);
  expect(JSON.parse(status.stdout)).toMatchObject({ status: 'awaiting_approval', state: { approval: { decision: null } } });
  expect((await lipsync(['status', id])).stdout).toMatch(/approval\s+waiting until/);
  expect((await lipsync(['list', '--status', 'awaiting_approval', '--json'])).stdout).toContain(id);

  expect(await lipsync(['reject', id])).toMatchObject({ code: 2, stderr: expect.stringContaining('--reason') });
  // Held at Creatify, so the render is still going when it is approved again.
  await stack.sandbox.control.setLipsync(id, { hold: true });
  const approve = await lipsync(['approve', id, '--by', 'ana', '--json']);
  expect(approve.code).toBe(0);
  expect(JSON.parse(approve.stdout)).toMatchObject({ decision: 'approved', by: 'ana' });
  const again = await lipsync(['approve', id]);
  expect(again).toMatchObject({ code: 5, stderr: expect.stringMatching(/already approved by ana/) });
  await stack.sandbox.control.setLipsync(id, { hold: false });
  const wait = await lipsync(['render', id, '--wait', '--json', ...FAST]);
  expect(JSON.parse(wait.stdout)).toMatchObject({ lipsyncId: id, output: expect.stringContaining('.mp4') });
  expect((await stack.sandbox.control.stats()).renders[id]).toBe(1);
});

test('reject --reason ends it declined: render --wait exits 1, nothing paid', async () => {
  const id = (await lipsync(['preview', requestFile('reject'), '--await-approval'])).stdout.trim();
  const reject = await lipsync(['reject', id, '--reason', 'wrong voice']);
  expect(reject.code).toBe(0);
  expect(reject.stdout).toMatch(/decision\s+rejected/);
  const wait = await lipsync(['render', id, '--wait']);
  expect(wait).toMatchObject({ code: 1, stderr: expect.stringMatching(/render declined: .*wrong voice/) });
  expect((await stack.sandbox.control.stats()).callsByLipsync[id]?.render ?? 0).toBe(0);
  expect(await lipsync(['approve', id])).toMatchObject({ code: 5, stderr: expect.stringMatching(/ended/) });
  expect(await lipsync(['render', id, '--over-budget', 'sometimes'])).toMatchObject({ code: 2, stderr: expect.stringContaining('fail, await-approval') });
});

test('render --batch: progress on stderr, summary on stdout, exit 1 when one failed; again from stdin starts nothing twice', async () => {
  const ids = await Promise.all([1, 2, 3].map((n) => stack.preview(`cli batch ${n}`)));
  await stack.sandbox.control.setLipsync(ids[1]!, { outcome: 'failed' });
  const file = path.join(tmp, 'ids.txt');
  fs.writeFileSync(file, `# three renders\n${ids.join('\n')}\n\n`);
  const batch = await lipsync(['render', '--batch', file, '--concurrency', '2', ...FAST]);
  expect(batch.code).toBe(1);
  expect(batch.stdout).toMatch(/2 done, 1 failed of 3/);
  expect(batch.stdout).toContain(`failed  ${ids[1]}`);
  expect(batch.stderr).toMatch(/2 at once/);
  expect(batch.stderr).toMatch(/\d\/3 done · \d failed/);

  const json = await lipsync(['render', '--batch', '-', '--json'], ids.join('\n'));
  expect(json.code).toBe(1);
  expect(JSON.parse(json.stdout)).toMatchObject({ total: 3, done: 2, failed: 1 });
  const stats = await stack.sandbox.control.stats();
  for (const id of ids) expect(stats.callsByLipsync[id]?.render).toBe(1);

  expect(await lipsync(['render', ids[0]!, '--batch', file])).toMatchObject({ code: 2, stderr: expect.stringContaining('not both') });
  fs.writeFileSync(path.join(tmp, 'bad.txt'), `${ids[0]}\nnot-an-id\n`);
  expect(await lipsync(['render', '--batch', path.join(tmp, 'bad.txt')])).toMatchObject({ code: 2, stderr: expect.stringContaining('line 2') });
});

test('render --batch of a batch workflow terminated midway stops following, exit 4, saying so', async () => {
  const ids = await Promise.all([1, 2].map((n) => stack.preview(`terminated batch ${n}`)));
  for (const id of ids) await stack.sandbox.control.setLipsync(id, { hold: true });
  const file = path.join(tmp, 'terminated-ids.txt');
  fs.writeFileSync(file, ids.join('\n'));
  const following = lipsync(['render', '--batch', file, ...FAST]);
  const batch = stack.client.workflow.getHandle(batchIdFor(ids));
  await eventually(async () => (await batch.describe().then((d) => d.status.name === 'RUNNING', () => false)) || undefined, 20_000, 'the batch');
  await batch.terminate('stopped by an operator');
  const result = await following;
  expect(result.code).toBe(4);
  expect(result.stderr).toMatch(/the batch workflow lipsync-batch-\w+ is TERMINATED before every render ended/);
  for (const id of ids) await stack.sandbox.control.setLipsync(id, { hold: false });
}, 60_000);

(HAS_SCRIPT ? test : test.skip)('render --batch on a terminal: one view redrawn in place, a row per render, counts and the summary', async () => {
  const ids = await Promise.all([1, 2].map((n) => stack.preview(`tty batch ${n}`)));
  const file = path.join(tmp, 'tty-ids.txt');
  fs.writeFileSync(file, ids.join('\n'));
  const { code, stdout } = await lipsyncIn('script', ['-qefc', `exec ${process.execPath} ${BIN} render --batch ${file} --concurrency 1 ${FAST.map((a) => `'${a}'`).join(' ')}`, '/dev/null']);
  expect(code).toBe(0);
  const strip = (text: string) => text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');
  const frames = stdout.split('\x1b[G');
  expect(frames.length).toBeGreaterThan(1);
  const screen = strip(frames[frames.length - 1]!);
  expect(screen).toMatch(/2 render\(s\), 1 at once/);
  for (const id of ids) expect(screen).toMatch(new RegExp(`${id.slice(0, 8)} {2}done +\\[#{20}\\] +100%`));
  expect(screen).toMatch(/2\/2 done · 0 failed · 0 rendering · 0 queued/);
  expect(screen).toMatch(/2 done, 0 failed of 2/);
});

test('credits prints the ledger by day and outcome; --json the same data', async () => {
  const json = await lipsync(['credits', '--since', '1d', '--json']);
  expect(json.code).toBe(0);
  const report = JSON.parse(json.stdout);
  expect(report.byOutcome.done.renders).toBeGreaterThanOrEqual(2);
  expect(report.remainingCredits).toEqual(expect.any(Number));
  const text = await lipsync(['credits']);
  expect(text.code).toBe(0);
  expect(text.stdout).toMatch(/credits since .* used \(estimated/);
  expect(text.stdout).toMatch(/OUTCOME\s+RENDERS\s+CREDITS USED/);
  expect(text.stdout).toMatch(/detected by: /);
  expect(await lipsync(['credits', '--since', 'yesterday'])).toMatchObject({ code: 2 });
});
