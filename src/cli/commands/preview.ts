import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { loadCreatifyConfig, loadWebhookConfig } from '../../config';
import { previewWithWebhook } from '../../client/preview';
import { CreatifyClient, LipsyncRequest } from '../../creatify';
import type { Duration } from '@temporalio/common';
import { defineCommand, DurationArg, Flag, OverBudgetArg, UsageError } from '../args';
import type { OverBudget } from '../../contract/approval-credits';
import { withOrchestrator } from '../connect';
import type { CliIo } from '../io';
import { ExitCode } from '../exit-codes';
import { writeLine } from '../io';
import { formatFields } from '../output';

export const previewCommand = defineCommand(
  {
    name: 'preview',
    group: 'renders',
    summary: 'create a Creatify preview from a JSON body, with our webhook URL; prints the lipsync id',
    synopsis: '<file.json> [--await-approval [--approval-timeout D]] [--json]',
    details:
      'The file holds a lipsync create/preview body ({"video_inputs": [...], ...}); its webhook_url is replaced.\n' +
      'Needs CREATIFY_API_ID, CREATIFY_API_KEY, WEBHOOK_PUBLIC_URL and WEBHOOK_SECRET.\n' +
      'When stdout is not a terminal only the id is printed, so id=$(lipsync preview x.json) works.\n' +
      'With --await-approval (needs Temporal too) a render is started that waits in status awaiting_approval\n' +
      'for lipsync approve / lipsync reject; with no decision in time it ends expired, nothing paid.',
    positionals: ['file'],
    options: {
      'await-approval': { type: 'boolean', help: 'start a render that waits for lipsync approve <id> (or reject)' },
      'approval-timeout': { type: 'string', value: 'D', help: 'with --await-approval: end as expired after D without a decision (default 24 h)' },
      'over-budget': { type: 'string', value: 'fail|await-approval', help: 'with --await-approval: a render the credits cannot pay ends (default) or asks again' },
      json: { type: 'boolean', help: "print Creatify's lipsync record as JSON" },
    },
    schema: z.object({ file: z.string().min(1, 'must not be empty'), 'await-approval': Flag, 'approval-timeout': DurationArg.optional(), 'over-budget': OverBudgetArg.optional(), json: Flag }),
  },
  async (args, io) => {
    const body = await readRequestFile(args.file);
    if ((args['approval-timeout'] ?? args['over-budget']) !== undefined && !args['await-approval']) throw new UsageError('--approval-timeout and --over-budget go with --await-approval');
    if (args['await-approval']) return previewForApproval(body, { approvalTimeout: args['approval-timeout'], overBudget: args['over-budget'] }, args.json, io);
    // Only Creatify is involved: a preview works while Temporal is down.
    const creatifyConfig = loadCreatifyConfig(io.env);
    const webhook = loadWebhookConfig(io.env);
    const creatify = new CreatifyClient(creatifyConfig);
    try {
      const lipsync = await previewWithWebhook(creatify, webhook, body);
      if (args.json) writeLine(io.stdout, JSON.stringify(lipsync, null, 2));
      else if (!io.stdout.isTTY) writeLine(io.stdout, lipsync.id);
      else writeLine(io.stdout, formatFields([['lipsync id', lipsync.id], ['status', lipsync.status], ['preview', lipsync.preview]]));
      writeLine(io.stderr, `render it with: lipsync render ${lipsync.id} --wait`);
      return ExitCode.Ok;
    } finally {
      await creatify.close();
    }
  },
);

async function previewForApproval(body: LipsyncRequest, options: { approvalTimeout?: Duration; overBudget?: OverBudget }, json: boolean, io: CliIo): Promise<number> {
  return withOrchestrator(io, async (orchestrator) => {
    const { lipsync, handle } = await orchestrator.previewForApproval(body, options);
    if (json) writeLine(io.stdout, JSON.stringify({ ...lipsync, workflowId: handle.workflowId, status: 'awaiting_approval' }, null, 2));
    else if (!io.stdout.isTTY) writeLine(io.stdout, lipsync.id);
    else writeLine(io.stdout, formatFields([['lipsync id', lipsync.id], ['status', 'awaiting_approval'], ['preview', lipsync.preview], ['workflow', handle.workflowId]]));
    writeLine(io.stderr, `look at the preview, then: lipsync approve ${lipsync.id}   or   lipsync reject ${lipsync.id} --reason "…"`);
    return ExitCode.Ok;
  });
}

async function readRequestFile(file: string): Promise<LipsyncRequest> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = LipsyncRequest.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(`${file}: ${formatPath(issue.path) || 'body'}: ${issue.message}`);
  }
  return parsed.data;
}

/** `video_inputs[0].voice.input_text`: the way the field would be written in code. */
function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path.map((key, index) => (typeof key === 'number' ? `[${key}]` : `${index ? '.' : ''}${String(key)}`)).join('');
}
