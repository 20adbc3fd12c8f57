import type { ApprovalState } from '../contract/approval-credits';
import type { TrackingState } from '../contract/messages';

/** Markdown for the Web UI's "current details": what a person checking on the job wants. */
export function describeState(state: TrackingState): string {
  const lines = [
    `**${state.status}** (${Math.round(state.progress * 100)}%) — ${state.phase}`,
    '',
    `- lipsync: \`${state.lipsyncId}\``,
    `- last event: ${state.lastEvent}`,
    `- render: ${state.renderAcceptedAt ? `accepted ${state.renderAcceptedAt}${state.renderPosted === false ? ' (found already started, not posted again)' : ''}` : 'not yet accepted'}`,
    `- webhooks: ${state.webhooksReceived} received, ${state.webhooksIgnored} ignored; polls: ${state.polls}; confirmation GETs: ${state.confirmations}`,
  ];
  // Older runs carried over by continue-as-new may lack the claim counts.
  if (state.claims) lines.push(`- claims of an end: ${state.claims.confirmed} confirmed, ${state.claims.contradicted} contradicted, ${state.claims.ignored} ignored`);
  if (state.rejudgements) lines.push(`- render re-judged ${state.rejudgements}× (POSTs: ${state.renderPosts}): ${state.renderEvidence ?? ''}`);
  if (state.approval) lines.push(describeApproval(state.approval));
  if (state.credits) lines.push(`- credits: estimate ${state.credits.estimate ?? 'unknown'}${state.credits.used === null ? '' : `, used ${state.credits.used}`} — ${state.credits.reason}`);
  if (state.output) lines.push(`- output: ${state.output}`);
  if (state.failedReason) lines.push(`- failed reason: ${state.failedReason}`);
  return lines.join('\n');
}

function describeApproval(approval: ApprovalState): string {
  const preview = approval.preview ? ` — [preview](${approval.preview})` : '';
  if (approval.decision === null) return `- approval: **waiting** until ${approval.expiresAt} (Update \`decideApproval\` with {"approve": true} or {"approve": false, "reason": "…"})${preview}`;
  return `- approval: ${approval.decision}${approval.by ? ` by ${approval.by}` : ''} at ${approval.decidedAt}${approval.reason ? ` (${approval.reason})` : ''}${preview}`;
}
