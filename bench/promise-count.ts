/**
 * How many promises the workflow code makes while it replays a recorded history: the
 * workflow SDK records a stack for every one (for the Web UI's stack trace), and that is
 * most of what a tracker costs its worker's workflow thread beyond a bare workflow's
 * (see `npm run bench -- --cpu-profile DIR`). Deterministic, unlike CPU time on a shared
 * machine, so a change to the hot path can be judged by it.
 *
 *   npx ts-node --transpile-only bench/promise-count.ts test/fixtures/histories/v4-webhook-path.json [--sites]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import { parseArgs } from 'node:util';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, Runtime, Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import { buildWorkflowBundle } from '../src/worker/workflow-source';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { sites: { type: 'boolean', default: false } } });

/** Where a promise was made: its two innermost frames, and the first of ours. */
function site(): string {
  const frames = (new Error().stack ?? '')
    .split('\n')
    .slice(3)
    .map((line) => line.trim().replace(/^at /, '').replace(/ \(.*/, ''))
    .filter((line) => !/^(initAll|new Promise|Promise\.|async |<anonymous>)/.test(line));
  const ours = frames.find((line) => /RenderFlow|trackLipsyncRender|withDeadline|publish|Tracker|ApprovalGate|checkCredits/.test(line)) ?? '(SDK)';
  return `${frames.slice(0, 2).join(' < ')}  in ${ours}`.replace(/\S*workflow-bundle\S*?:/g, 'bundle:');
}

async function main(): Promise<void> {
  if (positionals.length === 0) throw new Error('give one or more history files (temporal workflow show --output json)');
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lipsync-promises-'));
  const bundle = await buildWorkflowBundle(path.join(dir, 'bundle.js'));
  const code = fs.readFileSync(bundle.path, 'utf8');
  fs.rmSync(dir, { recursive: true, force: true });
  Error.stackTraceLimit = 30;
  for (const file of positionals) {
    const history = historyFromJSON(JSON.parse(fs.readFileSync(file, 'utf8')));
    const sites = new Map<string, number>();
    let counting = false;
    let count = 0;
    // Workflow code runs in its own V8 context: its promises are not this realm's Promise.
    const hook = v8.promiseHooks.createHook({
      init: (promise: Promise<unknown>) => {
        if (!counting || promise.constructor === Promise) return;
        count++;
        if (!values.sites) return;
        const where = site();
        sites.set(where, (sites.get(where) ?? 0) + 1);
      },
    });
    counting = true;
    // debugMode runs the workflow in this thread, where the hook sees it.
    await Worker.runReplayHistory({ workflowBundle: { code }, debugMode: true } as ReplayWorkerOptions, history, 'counted');
    counting = false;
    hook();
    console.log(`${path.basename(file)}: ${count} workflow promises`);
    if (values.sites) for (const [where, n] of [...sites].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`${String(n).padStart(5)}  ${where}`);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
