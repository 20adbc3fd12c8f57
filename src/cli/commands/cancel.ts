import { z } from 'zod';
import { defineCommand, Flag, LipsyncIdArg } from '../args';
import { withOrchestrator } from '../connect';
import { ExitCode } from '../exit-codes';
import { writeLine } from '../io';

export const cancelCommand = defineCommand(
  {
    name: 'cancel',
    group: 'renders',
    summary: 'stop tracking a render',
    synopsis: '<lipsync-id> [--json]',
    details: 'Only the tracking stops: no cancel endpoint is known for Creatify lipsyncs, so the render may still finish (and be charged) there.',
    positionals: ['lipsync-id'],
    options: { json: { type: 'boolean', help: 'print {"lipsyncId", "cancelled", "execution"} as JSON' } },
    schema: z.object({ 'lipsync-id': LipsyncIdArg, json: Flag }),
  },
  (args, io) =>
    withOrchestrator(io, async (orchestrator) => {
      const { cancelled, execution } = await orchestrator.cancel(args['lipsync-id']);
      if (args.json) {
        writeLine(io.stdout, JSON.stringify({ lipsyncId: args['lipsync-id'], cancelled, execution }));
        return ExitCode.Ok;
      }
      writeLine(
        io.stdout,
        cancelled
          ? `cancellation requested for lipsync ${args['lipsync-id']}`
          : `lipsync ${args['lipsync-id']}: tracking already ended (${execution}); nothing to cancel`,
      );
      return ExitCode.Ok;
    }),
);
