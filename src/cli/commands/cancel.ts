import { z } from 'zod';
import { defineCommand, LipsyncIdArg } from '../args';
import { withOrchestrator } from '../connect';
import { ExitCode } from '../exit-codes';
import { writeLine } from '../io';

export const cancelCommand = defineCommand(
  {
    name: 'cancel',
    group: 'renders',
    summary: 'stop tracking a render',
    synopsis: '<lipsync-id>',
    details: 'Only the tracking stops: no cancel endpoint is known for Creatify lipsyncs, so the render may still finish (and be charged) there.',
    positionals: ['lipsync-id'],
    options: {},
    schema: z.object({ 'lipsync-id': LipsyncIdArg }),
  },
  (args, io) =>
    withOrchestrator(io, async (orchestrator) => {
      const { cancelled, execution } = await orchestrator.cancel(args['lipsync-id']);
      writeLine(
        io.stdout,
        cancelled
          ? `cancellation requested for lipsync ${args['lipsync-id']}`
          : `lipsync ${args['lipsync-id']}: tracking already ended (${execution}); nothing to cancel`,
      );
      return ExitCode.Ok;
    }),
);
