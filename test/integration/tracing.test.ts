/**
 * Opt-in traces: with OTEL_EXPORTER_OTLP_ENDPOINT set, the client's start, the workflow,
 * its activities and their Creatify HTTP calls arrive at an OTLP/HTTP collector (a stand-in
 * here, reading the JSON the exporter sends) as one trace, from two processes.
 */
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { LipsyncOrchestrator } from '../../src/client';
import { demoRequest, eventually } from '../support/stack';
import { useProcessWorkerStack } from '../support/worker-process';

interface CollectedSpan {
  service: string;
  traceId: string;
  name: string;
  attributes: Record<string, unknown>;
}

function collector() {
  const spans: CollectedSpan[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        resourceSpans: Array<{
          resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> };
          scopeSpans: Array<{ spans: Array<{ traceId: string; name: string; attributes?: Array<{ key: string; value: Record<string, unknown> }> }> }>;
        }>;
      };
      for (const rs of body.resourceSpans) {
        const service = rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '?';
        for (const scope of rs.scopeSpans) {
          for (const span of scope.spans) {
            const attributes = Object.fromEntries((span.attributes ?? []).map((a) => [a.key, Object.values(a.value)[0]]));
            spans.push({ service, traceId: span.traceId, name: span.name, attributes });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return { spans, server };
}

describe('traces, opt-in through OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  const workers = useProcessWorkerStack();
  const { spans, server } = collector();
  let endpoint = '';
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('client start → workflow → activities → Creatify HTTP calls form one trace', async () => {
    // Tracing bundles the workflows at start (the interceptors must be in the bundle): slower.
    workers.spawnWorker({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, WORKFLOW_BUNDLE_PATH: '' }, 'ignore');
    const env = { ...process.env, ...workers.stack.workerEnv(), OTEL_EXPORTER_OTLP_ENDPOINT: endpoint } as NodeJS.ProcessEnv;
    const orchestrator = await LipsyncOrchestrator.connect(env);
    try {
      const id = (await orchestrator.preview(demoRequest('traced', workers.stack.webhookConfig.publicUrl))).id;
      const handle = await orchestrator.startRender(id, { webhookTimeout: '30 seconds' });
      await handle.result();
    } finally {
      await orchestrator.close();
    }
    const trace = await eventually(
      async () => {
        const start = spans.find((s) => s.service === 'lipsync-client' && s.name.startsWith('StartWorkflow:'));
        if (!start) return undefined;
        const same = spans.filter((s) => s.traceId === start.traceId);
        const render = same.find((s) => s.service === 'lipsync-worker' && s.name === 'RunActivity:renderLipsync');
        const post = same.find((s) => s.service === 'lipsync-worker' && String(s.attributes['url.full'] ?? '').includes('/render/'));
        const run = same.find((s) => s.name.startsWith('RunWorkflow:'));
        return render && post && run ? same : undefined;
      },
      90_000,
      'one trace from the client start to the render POST',
    );
    expect(trace.map((s) => s.service)).toContain('lipsync-client');
    expect(trace.some((s) => s.name === 'StartActivity:renderLipsync')).toBe(true);
  }, 150_000);

  test('without the variable nothing of OpenTelemetry is loaded', () => {
    // A fresh process that loads the client library and the worker entry point.
    const script = "require('ts-node').register({transpileOnly:true});const {LipsyncOrchestrator}=require('./src/client');require('./src/worker');console.log(Object.keys(require.cache).filter(f=>f.includes('opentelemetry')).length)";
    const count = execFileSync(process.execPath, ['-e', script], { cwd: `${__dirname}/../..`, env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: '' }, encoding: 'utf8' });
    expect(Number(count.trim())).toBe(0);
  }, 60_000);
});
