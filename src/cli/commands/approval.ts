/**
 * `lipsync approve <id>` / `lipsync reject <id> --reason "…"`: the decision on a render
 * started with `lipsync preview --await-approval`, sent as a Temporal Update. The workflow
 * refuses what cannot apply (approving twice, deciding on an ended job, rejecting a render
 * already approved): exit 5 with its reason, nothing changed and nothing paid.
 */
import { z } from 'zod';
import type { ApprovalState } from '../../client';
import { defineCommand, Flag, LipsyncIdArg } from '../args';
import { withOrchestrator } from '../connect';
import { ExitCode } from '../exit-codes';
import { writeLine, type CliIo } from '../io';
import { formatFields, formatTime } from '../output';

const ByArg = z.string().trim().min(1, 'must not be empty').max(100, 'at most 100 characters');

export const approveCommand = defineCommand(
  {
    name: 'approve',
    group: 'renders',
    summary: 'approve a render waiting for approval: it renders (and is paid for) once',
    synopsis: '<lipsync-id> [--by NAME] [--json]',
    details: 'Exit 5 if it was already decided, has ended, or does not wait for approval; 3 if it is not tracked.',
    positionals: ['lipsync-id'],
    options: {
      by: { type: 'string', value: 'NAME', help: 'who approves (shown in status and the Web UI)' },
      json: { type: 'boolean', help: 'print the recorded decision as JSON' },
    },
    schema: z.object({ 'lipsync-id': LipsyncIdArg, by: ByArg.optional(), json: Flag }),
  },
  (args, io) =>
    withOrchestrator(io, async (orchestrator) => {
      showDecision(io, args, await orchestrator.approve(args['lipsync-id'], { by: args.by }));
      if (!args.json) writeLine(io.stderr, `follow it with: lipsync render ${args['lipsync-id']} --wait`);
      return ExitCode.Ok;
    }),
);

export const rejectCommand = defineCommand(
  {
    name: 'reject',
    group: 'renders',
    summary: 'reject a render waiting for approval: it ends declined, nothing paid',
    synopsis: '<lipsync-id> --reason TEXT [--by NAME] [--json]',
    details: 'Exit 5 if it was already decided (an approved render has started), has ended, or does not wait for approval.',
    positionals: ['lipsync-id'],
    options: {
      reason: { type: 'string', value: 'TEXT', help: 'why (required)' },
      by: { type: 'string', value: 'NAME', help: 'who rejects' },
      json: { type: 'boolean', help: 'print the recorded decision as JSON' },
    },
    schema: z.object({
      'lipsync-id': LipsyncIdArg,
      reason: z.string({ error: 'is required' }).trim().min(1, 'must not be empty').max(500, 'at most 500 characters'),
      by: ByArg.optional(),
      json: Flag,
    }),
  },
  (args, io) =>
    withOrchestrator(io, async (orchestrator) => {
      showDecision(io, args, await orchestrator.reject(args['lipsync-id'], args.reason, { by: args.by }));
      return ExitCode.Ok;
    }),
);

function showDecision(io: CliIo, args: { 'lipsync-id': string; json: boolean }, decision: ApprovalState): void {
  writeLine(io.stdout, args.json ? JSON.stringify(decision, null, 2) : formatDecision(args['lipsync-id'], decision));
}

function formatDecision(lipsyncId: string, decision: ApprovalState): string {
  return formatFields([
    ['lipsync', lipsyncId],
    ['decision', decision.decision],
    ['by', decision.by],
    ['reason', decision.reason],
    ['decided', formatTime(decision.decidedAt)],
    ['preview', decision.preview],
  ]);
}
