import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../../src/dev/ports';
import { statusQuery } from '../../src/workflows/messages';
import { eventually, startTestStack, type TestStack } from '../support/stack';

const REPO = path.resolve(__dirname, '../..');

/** Sum of a counter's samples that carry `label` (Prometheus text format). */
function counter(text: string, name: string, label: string): number {
  return text
    .split('\n')
    .filter((line) => line.startsWith(name) && line.includes(label))
    .reduce((sum, line) => sum + Number(line.trim().split(/\s+/).pop()), 0);
}

describe('the worker serves Prometheus metrics, claims of an end among them', () => {
  let stack: TestStack;
  let child: ChildProcess | undefined;
  beforeAll(async () => {
    stack = await startTestStack({}, { worker: false });
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await stack?.close();
  });

  test('confirmed, contradicted and ignored claims are counted as the status query tells them', async () => {
    const address = `127.0.0.1:${await freePort()}`;
    child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', "require('./src/worker/main').runWorker()"], {
      cwd: REPO,
      env: { ...process.env, ...stack.workerEnv(), LIPSYNC_METRICS_ADDRESS: address, LIPSYNC_LOG_LEVEL: 'WARN' },
      stdio: 'ignore',
    });
    // The stale preview `done` is contradicted, its copy and the real `done`'s copy are ignored.
    await stack.sandbox.control.reset({ webhooks: { stalePreview: true, duplicate: 1 } });
    const id = await stack.preview('metrics');
    const handle = await stack.orchestrator.startRender(id, { webhookTimeout: '1 minute' });
    await handle.result();
    const { claims } = await handle.query(statusQuery);
    expect(claims).toEqual({ confirmed: 1, contradicted: 1, ignored: 2 });

    const metrics = await eventually(async () => {
      const text = await fetch(`http://${address}/metrics`).then((r) => r.text()).catch(() => '');
      return counter(text, 'lipsync_webhook_claims', 'outcome="confirmed"') >= 1 ? text : undefined;
    }, 15_000, 'the metrics endpoint');
    expect(counter(metrics, 'lipsync_webhook_claims', 'outcome="confirmed"')).toBe(1);
    expect(counter(metrics, 'lipsync_webhook_claims', 'outcome="contradicted"')).toBe(1);
    expect(counter(metrics, 'lipsync_webhook_claims', 'outcome="ignored"')).toBe(2);
  });
});
