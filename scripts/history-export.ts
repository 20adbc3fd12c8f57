/**
 * What both history exporters share: a fresh dev server, the current workflow bundle, a
 * test stack, and `save` — `temporal workflow show` as JSON (the format users share,
 * which the replayer reads) into test/fixtures/histories/<prefix><name>.json.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { temporalCliPath } from '../src/dev/temporal-cli';
import { startDevServer } from '../src/dev/temporal-server';
import { buildWorkflowBundle } from '../src/worker/workflow-source';
import type { TrackingOptions } from '../src/contract/tracking-options';
import type * as Support from '../test/support/stack';
import type { TestStack, TestStackOptions } from '../test/support/stack';

const OUT_DIR = path.resolve(__dirname, '../test/fixtures/histories');

/** Quick options for recorded runs (real polls, short waits). */
export const FAST: TrackingOptions = { webhookTimeout: '30 seconds', pollInitialInterval: '200 ms', pollMaxInterval: '1 second', deadline: '1 minute' };

export interface Exporter {
  stack: TestStack;
  save(name: string, workflowId: string): Promise<void>;
  /** The test helpers, imported once the environment is set. */
  support: typeof Support;
}

export function exportHistories(prefix: string, stackOptions: TestStackOptions, record: (exporter: Exporter) => Promise<void>): void {
  run(prefix, stackOptions, record).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}

async function run(prefix: string, stackOptions: TestStackOptions, record: (exporter: Exporter) => Promise<void>): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lipsync-export-'));
  const server = await startDevServer({ uiPort: false });
  process.env.TEST_TEMPORAL_ADDRESS = server.address;
  process.env.TEST_WORKFLOW_BUNDLE = (await buildWorkflowBundle(path.join(tmp, 'bundle.js'))).path;
  // Imported late: the stack reads the environment set above.
  const support = await import('../test/support/stack');
  const stack = await support.startTestStack({}, stackOptions);
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const cli = await temporalCliPath();
  const save = async (name: string, workflowId: string) => {
    const json = execFileSync(cli, ['workflow', 'show', '-w', workflowId, '--address', server.address, '--output', 'json']);
    fs.writeFileSync(path.join(OUT_DIR, `${prefix}${name}.json`), json);
    console.log(`wrote ${prefix}${name}.json (${JSON.parse(json.toString()).events.length} events)`);
  };
  try {
    await record({ stack, save, support });
  } finally {
    await stack.close();
    await server.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
