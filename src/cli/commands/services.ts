/**
 * Long-running processes and build steps. Their modules are loaded only when chosen:
 * the worker pulls in the native Temporal runtime and webpack, which `lipsync status`
 * should not pay for at start-up. The process parts (signals, exit codes) stay on this
 * side: what they run (src/cli/services/, dev/, sandbox/) only throws or resolves.
 */
import path from 'node:path';
import { z } from 'zod';
import { defineCommand, type CliCommand } from '../args';
import { ExitCode, sandboxExitCode } from '../exit-codes';
import { writeLine } from '../io';
import { stopSignal } from '../services/signals';

export { startCommand } from './start';

const TEMPORAL_ENV = 'TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, LIPSYNC_TASK_QUEUE';
const noArgs = z.object({});

export const workerCommand = defineCommand(
  {
    name: 'worker',
    group: 'services',
    summary: 'run a Temporal worker for the tracking workflow until SIGINT/SIGTERM',
    synopsis: '',
    details: `Environment: ${TEMPORAL_ENV}, CREATIFY_API_BASE_URL, CREATIFY_API_ID, CREATIFY_API_KEY, WORKFLOW_BUNDLE_PATH.`,
    positionals: [],
    options: {},
    schema: noArgs,
  },
  async (_args, io) => {
    const { runWorker } = await import('../services/worker');
    await runWorker(io);
    return ExitCode.Ok;
  },
);

export const webhookServerCommand = defineCommand(
  {
    name: 'webhook-server',
    group: 'services',
    summary: 'run the webhook receiver until SIGINT/SIGTERM',
    synopsis: '',
    details: `Environment: WEBHOOK_PUBLIC_URL, WEBHOOK_SECRET, WEBHOOK_HOST, WEBHOOK_PORT, WEBHOOK_MAX_BODY_BYTES, ${TEMPORAL_ENV}.`,
    positionals: [],
    options: {},
    schema: noArgs,
  },
  async (_args, io) => {
    const { runWebhookServer } = await import('../services/webhook');
    await runWebhookServer(io, stopSignal);
    return ExitCode.Ok;
  },
);

export const webhookUrlCommand = defineCommand(
  {
    name: 'webhook-url',
    group: 'services',
    summary: 'print the webhook_url to give Creatify (it contains the secret token)',
    synopsis: '',
    details: 'Environment: WEBHOOK_PUBLIC_URL, WEBHOOK_SECRET.',
    positionals: [],
    options: {},
    schema: noArgs,
  },
  async (_args, io) => {
    const { printWebhookUrl } = await import('../services/webhook');
    printWebhookUrl(io);
    return ExitCode.Ok;
  },
);

/** The sandbox parses its own flags (and --help); it is handed the arguments as they are. */
export const sandboxCommand: CliCommand = {
  name: 'sandbox',
  group: 'services',
  summary: 'run the local Creatify sandbox (--port N, --seed S, --time-factor F, --host H)',
  async run(argv, io) {
    const { runSandboxCommand } = await import('../../sandbox/main');
    const code = await runSandboxCommand(argv, {
      out: (line) => writeLine(io.stdout, line),
      err: (line) => writeLine(io.stderr, line),
    });
    return sandboxExitCode(code);
  },
};

export const buildBundleCommand = defineCommand(
  {
    name: 'build-bundle',
    group: 'services',
    summary: 'prebuild the workflow bundle the worker loads in production (WORKFLOW_BUNDLE_PATH)',
    synopsis: '[--out PATH]',
    positionals: [],
    options: { out: { type: 'string', value: 'PATH', help: 'where to write it (default dist/workflow-bundle.js)' } },
    schema: z.object({ out: z.string().min(1, 'must not be empty').optional() }),
  },
  async (args, io) => {
    const { buildWorkflowBundle } = await import('../../worker/workflow-source');
    const bundle = await buildWorkflowBundle(args.out === undefined ? undefined : path.resolve(args.out));
    writeLine(io.stdout, `wrote ${bundle.path} (${Math.round(bundle.bytes / 1024)} KiB)`);
    return ExitCode.Ok;
  },
);
