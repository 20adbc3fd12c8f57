import { z } from 'zod';
import type { LipsyncOrchestrator, RenderResult, TrackingOptions } from '../../client';
import { workflowIdFor } from '../../contract/lipsync-id';
import { TrackingOptionsSchema } from '../../contract/schemas';
import { defineCommand, DurationArg, Flag, LipsyncIdArg, OverBudgetArg, PositiveIntArg, UsageError } from '../args';
import { DEFAULT_BATCH_CONCURRENCY } from '../../contract/approval-credits';
import { readBatchIds, runBatch } from './render-batch';
import { withOrchestrator } from '../connect';
import { ExitCode } from '../exit-codes';
import { writeLine, type CliIo } from '../io';
import { estimate, formatElapsed, formatRow, statusOf, typicalDuration } from '../live/format';
import { describeLiveStatus, formatFields, LiveStatusLine } from '../output';
import { painter, wantsColor } from '../style';

const DURATION_NOTE = 'D is a duration: "30s", "5 minutes", or milliseconds';
const STATUS_INTERVAL_MS = 1_000;

export const renderCommand = defineCommand(
  {
    name: 'render',
    group: 'renders',
    summary: 'start tracking (and rendering) a previewed lipsync; prints the workflow id',
    synopsis: '<lipsync-id> [--wait] [options] | --batch FILE|- [--concurrency N] [options]',
    details:
      'Starting twice tracks, and pays for, one render. With --wait, follows it (a status line on stderr)\n' +
      `and prints the video URL; exit 1 if it ends without a video. ${DURATION_NOTE}.\n` +
      'The ETA is the median duration of the renders done so far in this namespace.\n' +
      'With --batch, renders every id in FILE (one a line; - reads stdin), at most --concurrency at once, in a\n' +
      'batch workflow; shows progress, prints a summary, exit 1 if any ended without a video. The same ids\n' +
      'again follow the same batch: nothing is started (or paid for) twice.',
    positionals: ['lipsync-id'],
    optionalPositionals: 1,
    options: {
      batch: { type: 'string', value: 'FILE', help: 'render every lipsync id in FILE (one a line), or - for stdin' },
      concurrency: { type: 'string', value: 'N', help: `with --batch: at most N render at once (default ${DEFAULT_BATCH_CONCURRENCY})` },
      wait: { type: 'boolean', help: 'follow the render until it ends' },
      'webhook-timeout': { type: 'string', value: 'D', help: 'wait this long for the webhook before polling (default 10 min)' },
      'poll-initial': { type: 'string', value: 'D', help: 'first poll interval (default 30 s)' },
      'poll-max': { type: 'string', value: 'D', help: 'longest poll interval (default 5 min)' },
      deadline: { type: 'string', value: 'D', help: 'give up tracking after this long (default 24 h)' },
      'trust-webhook': { type: 'boolean', help: 'believe a terminal webhook without a confirming GET' },
      'over-budget': { type: 'string', value: 'fail|await-approval', help: 'a render the credits cannot pay: end it (default), or wait for lipsync approve' },
      json: { type: 'boolean', help: 'print JSON: {"workflowId"}, and with --wait the result' },
    },
    schema: z.object({
      'lipsync-id': LipsyncIdArg.optional(),
      batch: z.string().min(1, 'must not be empty').optional(),
      concurrency: PositiveIntArg.optional(),
      wait: Flag,
      'webhook-timeout': DurationArg.optional(),
      'poll-initial': DurationArg.optional(),
      'poll-max': DurationArg.optional(),
      deadline: DurationArg.optional(),
      'trust-webhook': Flag,
      'over-budget': OverBudgetArg.optional(),
      json: Flag,
    }),
  },
  (args, io) => {
    const options: TrackingOptions = {
      webhookTimeout: args['webhook-timeout'],
      pollInitialInterval: args['poll-initial'],
      pollMaxInterval: args['poll-max'],
      deadline: args.deadline,
      confirmWebhook: args['trust-webhook'] ? false : undefined,
    };
    // Options that only fail together (--poll-max below --poll-initial) are a usage error, found before connecting.
    const checked = TrackingOptionsSchema.safeParse(options);
    if (!checked.success) throw new UsageError(checked.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '));
    const lipsyncId = args['lipsync-id'];
    if (args.batch !== undefined) {
      if (lipsyncId !== undefined) throw new UsageError('give a <lipsync-id> or --batch, not both');
      if (args['over-budget'] !== undefined) throw new UsageError('--over-budget goes with one <lipsync-id>, not --batch');
      const batch = args.batch;
      return readBatchIds(batch).then((ids) =>
        withOrchestrator(io, (orchestrator) =>
          runBatch(orchestrator, io, { ids, concurrency: args.concurrency ?? DEFAULT_BATCH_CONCURRENCY, options: checked.data, wait: true, json: args.json }),
        ),
      );
    }
    if (lipsyncId === undefined) throw new UsageError('missing <lipsync-id> (or --batch FILE)');
    if (args.concurrency !== undefined) throw new UsageError('--concurrency goes with --batch');
    return withOrchestrator(io, async (orchestrator) => {
      const handle = await orchestrator.startRender(lipsyncId, checked.data, { overBudget: args['over-budget'] });
      // --json --wait prints one document, the result; the workflow id is in it (as in `status --json`).
      // Through a pipe, --wait prints only the video's URL (url=$(lipsync render "$id" --wait)), as preview prints only the id.
      if (!args.json && !(args.wait && !io.stdout.isTTY)) writeLine(io.stdout, handle.workflowId);
      else if (!args.json) writeLine(io.stderr, `tracking ${handle.workflowId}`);
      else if (!args.wait) writeLine(io.stdout, JSON.stringify({ workflowId: handle.workflowId }));
      if (!args.wait) return ExitCode.Ok;
      return follow(orchestrator, lipsyncId, io, args.json);
    });
  },
);

async function follow(orchestrator: LipsyncOrchestrator, lipsyncId: string, io: CliIo, json: boolean): Promise<number> {
  const started = Date.now();
  const line = new LiveStatusLine(io.stderr);
  const paint = painter(wantsColor(io.env, io.stderr));
  const typical = io.stderr.isTTY ? await typicalRenderMs(orchestrator) : null;
  // Ctrl-C stops following, not the render: Temporal keeps tracking it.
  const interrupt = new AbortController();
  const onInterrupt = () => interrupt.abort();
  process.once('SIGINT', onInterrupt);
  try {
    // Every look, not only changes: on a terminal the elapsed time keeps counting.
    for await (const event of orchestrator.watch(lipsyncId, { intervalMs: STATUS_INTERVAL_MS, changesOnly: false, signal: interrupt.signal })) {
      if (event.type === 'status') {
        const elapsed = Date.now() - started;
        const { key, text } = describeLiveStatus(event.status, elapsed);
        const row = formatRow({ id: lipsyncId, status: statusOf(event.status), progress: event.status.state?.progress || null, elapsedMs: elapsed }, typical, paint);
        const { etaMs } = estimate(event.status.state?.progress || null, elapsed, typical, false);
        line.show(key, text, `${row}  ${etaMs === null ? '' : etaMs >= 1_000 ? `ETA ~${formatElapsed(etaMs)}` : 'ETA any moment now'}`);
        continue;
      }
      line.finish();
      if (event.type === 'done') {
        const plain = io.stdout.isTTY ? formatResult(event.result) : event.result.output;
        writeLine(io.stdout, json ? JSON.stringify({ workflowId: workflowIdFor(lipsyncId), ...event.result }, null, 2) : plain);
        return ExitCode.Ok;
      }
      writeLine(io.stderr, `render ${event.error.reason}: ${event.error.message}`);
      return ExitCode.NoVideo;
    }
    line.finish();
    writeLine(io.stderr, `stopped following; the render is still tracked (lipsync status ${lipsyncId})`);
    return ExitCode.Interrupted;
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}

/** The median duration of recent finished renders: the ETA's basis; none when nothing finished yet. */
async function typicalRenderMs(orchestrator: LipsyncOrchestrator): Promise<number | null> {
  const done = await orchestrator.list({ status: 'done', limit: 50 }).catch(() => []);
  return typicalDuration(done.flatMap((render) => (render.closeTime ? [render.closeTime.getTime() - render.startTime.getTime()] : [])));
}

function formatResult(result: RenderResult): string {
  return formatFields([
    ['output', result.output],
    ['thumbnail', result.thumbnail],
    ['credits used', result.creditsUsed],
    ['detected by', result.detectedBy],
    ['took', `${(result.timings.totalMs / 1000).toFixed(1)} s`],
  ]);
}
