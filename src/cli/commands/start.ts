/**
 * `lipsync start` (`npm start`): the local stack, shown as one live view of its renders.
 * The stack (src/dev/) reports; this file decides what a person sees: on a terminal the
 * header and render rows redrawn in place, elsewhere plain lines. Component logs stay in
 * .data/logs/ unless --verbose asks for them here too.
 */
import { z } from 'zod';
import type { DemoReporter } from '../../dev/demo';
import type { StackInfo } from '../../dev/stack';
import { defineCommand, Flag } from '../args';
import { ExitCode } from '../exit-codes';
import { LiveView } from '../live/view';
import { statusOf } from '../live/format';
import { stopSignal } from '../services/signals';
import { painter, wantsColor } from '../style';

export const startCommand = defineCommand(
  {
    name: 'start',
    group: 'services',
    summary: 'run everything locally: Temporal dev server, worker, webhook receiver, sandbox Creatify',
    details:
      'The sandbox stands in for Creatify unless CREATIFY_API_ID and CREATIFY_API_KEY are set.\n' +
      'On a terminal: a live view of the renders; elsewhere: one line per status change. Logs: .data/logs/.',
    synopsis: '[--no-demo] [--verbose]',
    positionals: [],
    options: {
      'no-demo': { type: 'boolean', help: 'do not start a demo render' },
      verbose: { type: 'boolean', help: 'also print the worker and webhook logs (the Temporal server log stays in .data/logs/temporal.log)' },
    },
    schema: z.object({ 'no-demo': Flag, verbose: Flag }),
  },
  async (args, io) => {
    const { runLocalStack, describeStack } = await import('../../dev/stack');
    const view = new LiveView({ io });
    const bold = painter(wantsColor(io.env, io.stdout));
    try {
      // Listening from the start: Ctrl-C during start-up stops what has started, cleanly.
      await runLocalStack({
        demo: !args['no-demo'],
        env: io.env,
        until: stopSignal(),
        say: (line) => view.say(line),
        onReady: (info: StackInfo) => {
          view.setHeader([bold('bold', 'lipsync-orchestrator: local stack'), ...describeStack(info).map((line) => `  ${line}`)]);
          // Ctrl-C works from here on, demo or not; a log gets the stack's own line for it later.
          if (view.interactive) view.say('stack is up; press Ctrl-C to stop it');
        },
        demoReporter: demoRows(view),
        echoLogs: args.verbose ? (component, line) => view.log(`[${component}] ${line}`) : undefined,
      });
    } finally {
      view.stop();
    }
    return ExitCode.Ok;
  },
);

/** The demo's renders as rows of the view; its batch lines as the summary. */
function demoRows(view: LiveView): DemoReporter {
  return {
    say: (line) => view.summary(line),
    started: (id) => view.update(id, { status: 'rendering' }),
    status: (id, status) => view.update(id, { status: statusOf(status), progress: status.state?.progress || null }),
    ended: (id, end) => view.end(id, { ok: end.ok, status: end.status, outcome: end.outcome, durationMs: end.durationMs }),
  };
}

