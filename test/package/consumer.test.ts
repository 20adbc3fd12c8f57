/**
 * The library from the outside: packed with `npm pack`, installed from the tarball into a
 * fresh backend project (the example's package.json: only declared dependencies), type-
 * checked with skipLibCheck off, and the example backend run against the dev server and
 * the sandbox, rendering one lipsync through its HTTP API with the webhook arriving on
 * its own mounted route. The test stack's in-process worker does the rendering.
 * Everything lands in one temp directory, removed afterwards; npm's cache is shared.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { webhookUrl } from '../../src/contract/webhook-url';
import { freePort } from '../../src/dev/ports';
import { demoRequest, eventually, useTestStack } from '../support/stack';
import { startExample, type RunningExample } from './example-process';
import { cleanEnv, installExample, packLibrary, REPO, typecheck } from './npm';
import { writeReadmeModules } from './readme-snippets';

const run = promisify(execFile);

// Classic CommonJS resolution (exports ignored, typesVersions used); the example itself is node16.
const NODE10_TSCONFIG = {
  compilerOptions: {
    target: 'ES2022', module: 'commonjs', moduleResolution: 'node', lib: ['ES2022'], types: ['node'],
    strict: true, esModuleInterop: true, skipLibCheck: false, noEmit: true,
  },
  include: ['*.ts'],
};

describe('the package, installed from its tarball into a new backend project', () => {
  const stack = useTestStack();
  let workDir: string;
  let backend: string;
  let example: RunningExample | undefined;

  beforeAll(async () => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lipsync-package-'));
    const tarball = await packLibrary(workDir);
    backend = await installExample(workDir, tarball);
  }, 240_000);

  afterAll(() => {
    example?.kill();
    if (workDir && !process.env.LIPSYNC_TEST_KEEP) fs.rmSync(workDir, { recursive: true, force: true });
  });

  test('type-checks with skipLibCheck off: the example (node16) and every README block (node10)', async () => {
    const readme = path.join(backend, 'readme');
    expect(writeReadmeModules(path.join(REPO, 'README.md'), readme)).toBeGreaterThanOrEqual(3);
    fs.writeFileSync(path.join(readme, 'tsconfig.json'), JSON.stringify(NODE10_TSCONFIG));
    // Two tsc processes at once: each takes seconds of one core.
    const [exampleFiles] = await Promise.all([typecheck(backend, 'tsconfig.json'), typecheck(backend, 'readme/tsconfig.json')]);

    // The client and webhook entry points must not drag the worker SDK (native runtime,
    // webpack) into a backend's type-check.
    const heavy = exampleFiles.filter((file) => /node_modules\/(@temporalio\/(worker|core-bridge)|webpack|@swc)\//.test(file));
    expect(heavy).toEqual([]);
    expect(exampleFiles.some((file) => file.includes('lipsync-orchestrator/dist/client/index.d.ts'))).toBe(true);
  }, 120_000);

  test('the entry points load, deep imports are closed, and the lipsync binary runs from dist/', async () => {
    const script = `
      const client = require('lipsync-orchestrator');
      const webhook = require('lipsync-orchestrator/webhook');
      const worker = require('lipsync-orchestrator/worker');
      let deep = 'open';
      try { require('lipsync-orchestrator/dist/config'); } catch (err) { deep = err.code; }
      console.log(JSON.stringify({
        client: typeof client.LipsyncOrchestrator, webhook: typeof webhook.createWebhookHandler,
        worker: typeof worker.createLipsyncWorker, bundle: require('node:fs').existsSync(worker.PREBUILT_WORKFLOW_BUNDLE), deep,
      }));`;
    const { stdout } = await run(process.execPath, ['-e', script], { cwd: backend, env: cleanEnv() });
    expect(JSON.parse(stdout)).toEqual({ client: 'function', webhook: 'function', worker: 'function', bundle: true, deep: 'ERR_PACKAGE_PATH_NOT_EXPORTED' });
    const help = await run(process.execPath, [path.join(backend, 'node_modules', '.bin', 'lipsync'), '--help'], { cwd: backend, env: cleanEnv() });
    expect(help.stdout).toContain('render');
  }, 30_000);

  test('the example backend renders a lipsync end to end; Creatify calls its mounted route', async () => {
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}/hooks/creatify`;
    const secret = stack.webhookConfig.secrets[0]!;
    example = await startExample(backend, port, { ...stack.workerEnv(), WEBHOOK_PUBLIC_URL: publicUrl, WEBHOOK_SECRET: secret });
    const call = async (method: string, route: string, body?: unknown) => {
      const res = await fetch(`${example!.url}${route}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Record<string, any> };
    };

    // The preview carries the example's route, so Creatify (the sandbox) reports there.
    const preview = await call('POST', '/previews', demoRequest('package consumer', 'https://ignored.example/hook'));
    expect(preview.status).toBe(201);
    const id = String(preview.body.id);
    expect((await stack.sandbox.control.lipsync(id)).webhook_url).toBe(webhookUrl({ publicUrl, secrets: [secret] }));

    const first = await call('POST', '/renders', { lipsyncId: id });
    const again = await call('POST', '/renders', { lipsyncId: id });
    expect(first).toEqual({ status: 202, body: { lipsyncId: id, workflowId: `lipsync-render-${id}` } });
    expect(again).toEqual(first);

    const done = await eventually(async () => {
      const status = await call('GET', `/renders/${id}`);
      return status.body.execution === 'COMPLETED' ? status.body : undefined;
    }, 30_000, 'the render to complete');
    expect(done).toMatchObject({ lipsyncId: id, status: 'done' });
    expect(done.output).toContain(id);
    expect(done.webhooksReceived).toBeGreaterThanOrEqual(1);

    const delivered = (await stack.sandbox.control.stats()).webhooks.filter((w) => w.lipsyncId === id);
    expect(delivered.length).toBeGreaterThanOrEqual(1);
    for (const delivery of delivered) expect(delivery).toMatchObject({ url: webhookUrl({ publicUrl, secrets: [secret] }), responseStatus: 200 });
    expect((await stack.sandbox.control.stats()).callsByLipsync[id]?.render).toBe(1);
    expect((await call('GET', '/healthz')).body.webhook).toMatchObject({ signalled: delivered.length });

    // The mounted route answers as the library's receiver does.
    expect((await call('POST', '/hooks/creatify/not-the-token', { id })).status).toBe(401);
    expect((await call('GET', `/renders/${'0'.repeat(8)}`)).status).toBe(400);

    expect(await example.stop()).toBe(0);
    expect(example.output()).toContain('stopped');
  }, 60_000);
});
