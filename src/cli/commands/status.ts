import { z } from 'zod';
import type { ApprovalState, CreditsState, RenderStatus } from '../../client';
import { defineCommand, Flag, LipsyncIdArg } from '../args';
import { withOrchestrator } from '../connect';
import { ExitCode } from '../exit-codes';
import { writeLine } from '../io';
import { formatFields, formatPercent, formatTime } from '../output';

export const statusCommand = defineCommand(
  {
    name: 'status',
    group: 'renders',
    summary: 'show what the tracker knows about one render',
    synopsis: '<lipsync-id> [--json]',
    details: 'Exit 3 if no render is tracked for that lipsync.',
    positionals: ['lipsync-id'],
    options: { json: { type: 'boolean', help: 'print the full status as JSON' } },
    schema: z.object({ 'lipsync-id': LipsyncIdArg, json: Flag }),
  },
  (args, io) =>
    withOrchestrator(io, async (orchestrator) => {
      const status = await orchestrator.getStatus(args['lipsync-id']);
      writeLine(io.stdout, args.json ? JSON.stringify(status, null, 2) : formatStatus(status));
      return ExitCode.Ok;
    }),
);

function formatStatus({ lipsyncId, workflowId, execution, status, state }: RenderStatus): string {
  return formatFields([
    ['lipsync', lipsyncId],
    ['workflow', workflowId],
    ['execution', execution],
    ['status', state ? `${status} (${formatPercent(state.progress)})` : status ?? 'unknown'],
    ['phase', state?.phase],
    ['output', state?.output],
    ['failed reason', state?.failedReason],
    ['started', formatTime(state?.startedAt)],
    ['render accepted', formatTime(state?.renderAcceptedAt)],
    ['finished', formatTime(state?.finishedAt)],
    ['webhooks', state && `${state.webhooksReceived} received, ${state.webhooksIgnored} ignored`],
    ['polls', state?.polls],
    ['claims of an end', state?.claims && `${state.claims.confirmed} confirmed, ${state.claims.contradicted} contradicted, ${state.claims.ignored} ignored (${state.confirmations} GETs)`],
    ['render', state && (state.renderEvidence ? `${state.renderEvidence}${state.rejudgements ? `; re-judged ${state.rejudgements}×, ${state.renderPosts} POST(s)` : ''}` : undefined)],
    ['approval', state?.approval && describeApproval(state.approval)],
    ['preview', state?.approval?.preview],
    ['credits', state?.credits && describeCredits(state.credits)],
    ['last event', state?.lastEvent],
  ]);
}

function describeApproval(approval: ApprovalState): string {
  if (approval.decision === null) return `waiting until ${formatTime(approval.expiresAt)} (lipsync approve / reject)`;
  const who = approval.by ? ` by ${approval.by}` : '';
  return `${approval.decision}${who} ${formatTime(approval.decidedAt)}${approval.reason ? `: ${approval.reason}` : ''}`;
}

function describeCredits(credits: CreditsState): string {
  const used = credits.used === null ? '' : `used ${credits.used}; `;
  return `${used}estimate ${credits.estimate ?? 'unknown'}; check: ${credits.fits ? 'fits' : 'does not fit'} (${credits.reason})`;
}
