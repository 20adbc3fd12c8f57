import { z } from 'zod';
import { RenderError, type LipsyncOrchestrator, type RenderResult, type TrackingOptions } from '../../client';
import { TrackingOptionsSchema } from '../../client/schemas';
import { defineCommand, DurationArg, Flag, LipsyncIdArg, UsageError } from '../args';
import { withOrchestrator } from '../connect';
import { ExitCode } from '../exit-codes';
import { writeLine, type CliIo } from '../io';
import { describeLiveStatus, formatFields, LiveStatusLine } from '../output';

const DURATION_NOTE = 'D is a duration: "30s", "5 minutes", or milliseconds';
const STATUS_INTERVAL_MS = 1_000;

export const renderCommand = defineCommand(
  {
    name: 'render',
    group: 'renders',
    summary: 'start tracking (and rendering) a previewed lipsync; prints the workflow id',
    synopsis: '<lipsync-id> [--wait] [options]',
    details:
      'Starting twice tracks, and pays for, one render. With --wait, follows it (a status line on stderr)\n' +
      `and prints the video URL; exit 1 if it ends without a video. ${DURATION_NOTE}.`,
    positionals: ['lipsync-id'],
    options: {
      wait: { type: 'boolean', help: 'follow the render until it ends' },
      'webhook-timeout': { type: 'string', value: 'D', help: 'wait this long for the webhook before polling (default 10 min)' },
      'poll-initial': { type: 'string', value: 'D', help: 'first poll interval (default 30 s)' },
      'poll-max': { type: 'string', value: 'D', help: 'longest poll interval (default 5 min)' },
      deadline: { type: 'string', value: 'D', help: 'give up tracking after this long (default 24 h)' },
      'trust-webhook': { type: 'boolean', help: 'believe a terminal webhook without a confirming GET' },
    },
    schema: z.object({
      'lipsync-id': LipsyncIdArg,
      wait: Flag,
      'webhook-timeout': DurationArg.optional(),
      'poll-initial': DurationArg.optional(),
      'poll-max': DurationArg.optional(),
      deadline: DurationArg.optional(),
      'trust-webhook': Flag,
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
    // Unset options must be absent, not undefined: the workflow spreads them over its defaults.
    const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as TrackingOptions;
    // Options that only fail together (--poll-max below --poll-initial) are a usage error, found before connecting.
    const checked = TrackingOptionsSchema.safeParse(defined);
    if (!checked.success) throw new UsageError(checked.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '));
    return withOrchestrator(io, async (orchestrator) => {
      const handle = await orchestrator.startRender(args['lipsync-id'], defined);
      writeLine(io.stdout, handle.workflowId);
      if (!args.wait) return ExitCode.Ok;
      return follow(orchestrator, args['lipsync-id'], io);
    });
  },
);

async function follow(orchestrator: LipsyncOrchestrator, lipsyncId: string, io: CliIo): Promise<number> {
  const started = Date.now();
  const line = new LiveStatusLine(io.stderr);
  let settled = false;
  const outcome = orchestrator.waitForResult(lipsyncId).then(
    (result) => ({ result }),
    (error: unknown) => ({ error }),
  );
  // Ctrl-C stops following, not the render: Temporal keeps tracking it.
  let interrupted = false;
  const onInterrupt = () => {
    interrupted = true;
    settled = true;
  };
  process.once('SIGINT', onInterrupt);
  void outcome.then(() => (settled = true));
  while (!settled) {
    // Raced with the outcome: a query can hang while no worker is up, the result must not wait for it.
    const status = await Promise.race([orchestrator.getStatus(lipsyncId).catch(() => null), outcome.then(() => null)]);
    if (status && !settled) {
      const { key, text } = describeLiveStatus(status, Date.now() - started);
      line.show(key, text);
    }
    await Promise.race([pause(STATUS_INTERVAL_MS), outcome]);
  }
  process.off('SIGINT', onInterrupt);
  line.finish();
  if (interrupted) {
    writeLine(io.stderr, `stopped following; the render is still tracked (lipsync status ${lipsyncId})`);
    return ExitCode.Interrupted;
  }
  const ended = await outcome;
  if ('result' in ended) {
    writeLine(io.stdout, formatResult(ended.result));
    return ExitCode.Ok;
  }
  if (ended.error instanceof RenderError) {
    writeLine(io.stderr, `render ${ended.error.reason}: ${ended.error.message}`);
    return ExitCode.NoVideo;
  }
  throw ended.error;
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

/** Unref'd: a pending pause must never be what keeps the CLI process alive. */
function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
