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
  if (state.output) lines.push(`- output: ${state.output}`);
  if (state.failedReason) lines.push(`- failed reason: ${state.failedReason}`);
  return lines.join('\n');
}
