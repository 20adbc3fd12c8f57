import { z } from 'zod';
import { defineCommand, Flag, PositiveIntArg, TrackedStatusArg } from '../args';
import { withOrchestrator } from '../connect';
import { ExitCode } from '../exit-codes';
import { writeLine } from '../io';
import { formatTable, formatTime } from '../output';

export const listCommand = defineCommand(
  {
    name: 'list',
    group: 'renders',
    summary: 'list tracked renders, newest first',
    synopsis: '[--status S] [--limit N] [--json]',
    details: 'Reads Temporal visibility, which can trail the workflows themselves by a moment.',
    positionals: [],
    options: {
      status: { type: 'string', value: 'S', help: 'only renders in this status (awaiting_approval, rendering, running, done, failed, insufficient_credits, ...)' },
      limit: { type: 'string', value: 'N', help: 'at most N renders (default 100)' },
      json: { type: 'boolean', help: 'print JSON' },
    },
    schema: z.object({ status: TrackedStatusArg.optional(), limit: PositiveIntArg.optional(), json: Flag }),
  },
  (args, io) =>
    withOrchestrator(io, async (orchestrator) => {
      const renders = await orchestrator.list({ status: args.status, limit: args.limit });
      if (args.json) {
        writeLine(io.stdout, JSON.stringify(renders, null, 2));
        return ExitCode.Ok;
      }
      const rows = renders.map((render) => [
        render.lipsyncId,
        render.status ?? '',
        render.execution,
        formatTime(render.startTime),
        formatTime(render.closeTime),
      ]);
      writeLine(io.stdout, formatTable(['lipsync id', 'status', 'execution', 'started', 'closed'], rows));
      return ExitCode.Ok;
    }),
);
