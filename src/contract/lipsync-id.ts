/**
 * Lipsync ids: the one place they are normalised. UUIDs compare case-insensitively;
 * workflow ids and signal payloads do not, so every id that enters (a start, a webhook,
 * the CLI) is trimmed and lower-cased here. Free of I/O and of zod: the workflow bundle
 * imports it. (Whether a string is a UUID at all is LipsyncIdSchema's call, in ./schemas.)
 */

/** A normalised lipsync id: trimmed, lower-case. */
export type LipsyncId = string & { readonly __brand: 'LipsyncId' };

const WORKFLOW_ID_PREFIX = 'lipsync-render-';

export function normalizeLipsyncId(lipsyncId: string): LipsyncId {
  return lipsyncId.trim().toLowerCase() as LipsyncId;
}

export function workflowIdFor(lipsyncId: string): string {
  return `${WORKFLOW_ID_PREFIX}${normalizeLipsyncId(lipsyncId)}`;
}

/** The lipsync a workflow id tracks, or null for any other workflow. */
export function lipsyncIdOfWorkflow(workflowId: string): LipsyncId | null {
  return workflowId.startsWith(WORKFLOW_ID_PREFIX) ? normalizeLipsyncId(workflowId.slice(WORKFLOW_ID_PREFIX.length)) : null;
}
