/**
 * The credits ledger, read from Temporal visibility: every render that checked credits
 * recorded its estimate, the credits it used and how its end was detected as search
 * attributes (src/workflows/credits.ts). Summed here by day and by outcome.
 */
import type { Client } from '@temporalio/client';
import { LIPSYNC_CREDITS_ESTIMATE, LIPSYNC_CREDITS_USED, LIPSYNC_DETECTED_BY } from '../contract/approval-credits';
import { LIPSYNC_STATUS, WORKFLOW_TYPE } from '../contract/messages';

export interface CreditsQuery {
  /** Renders started at or after this time. */
  since: Date;
  /** At most this many renders are read (newest first). Default 10 000. */
  limit?: number;
}

export interface CreditsBucket {
  renders: number;
  /** Sum of `credits_used` where recorded. */
  creditsUsed: number;
  /** Sum of the estimates made before the render POSTs. */
  creditsEstimated: number;
}

export interface CreditsReport {
  since: string;
  until: string;
  total: CreditsBucket;
  /** UTC days (YYYY-MM-DD), oldest first. */
  byDay: Array<{ day: string } & CreditsBucket>;
  /** By the tracker's final status (done, failed, insufficient_credits, declined, expired, …). */
  byOutcome: Record<string, CreditsBucket>;
  /** Median time from start to close of the renders that ended done; null when none did. */
  medianTimeToDoneMs: number | null;
  /** How the renders that ended were detected: counts and shares. */
  detectedBy: Record<string, { renders: number; share: number }>;
  /** GET /api/remaining_credits/ now; null when Creatify could not be asked. */
  remainingCredits: number | null;
  /** Renders that reached the render step without a ledger (tracked by a worker from before the credits check). */
  withoutLedger: number;
}

/** Statuses of jobs that ended (or wait) before the credits check: they have no estimate. */
const BEFORE_CHECK = new Set(['awaiting_approval', 'declined', 'expired', 'cancelled', 'invalid']);

const emptyBucket = (): CreditsBucket => ({ renders: 0, creditsUsed: 0, creditsEstimated: 0 });

export async function creditsReport(client: Client, query: CreditsQuery, remaining: () => Promise<number | null>): Promise<CreditsReport> {
  const until = new Date();
  const visibility = `WorkflowType = '${WORKFLOW_TYPE}' AND StartTime >= '${query.since.toISOString()}'`;
  const limit = query.limit ?? 10_000;
  const total = emptyBucket();
  const byDay = new Map<string, CreditsBucket>();
  const byOutcome: Record<string, CreditsBucket> = {};
  const detections: Record<string, number> = {};
  const doneDurations: number[] = [];
  let withoutLedger = 0;
  let read = 0;
  for await (const info of client.workflow.list({ query: visibility })) {
    if (++read > limit) break;
    const attributes = info.typedSearchAttributes;
    const status = attributes.get(LIPSYNC_STATUS) ?? info.status.name.toLowerCase();
    const used = attributes.get(LIPSYNC_CREDITS_USED) ?? 0;
    const estimate = attributes.get(LIPSYNC_CREDITS_ESTIMATE);
    const detected = attributes.get(LIPSYNC_DETECTED_BY);
    // Ends before the check (approval) record no estimate by design: not a gap in the ledger.
    if (estimate === undefined && !BEFORE_CHECK.has(status)) withoutLedger++;
    const day = info.startTime.toISOString().slice(0, 10);
    for (const bucket of [total, (byDay.get(day) ?? byDay.set(day, emptyBucket()).get(day))!, (byOutcome[status] ??= emptyBucket())]) {
      bucket.renders++;
      bucket.creditsUsed += used;
      bucket.creditsEstimated += estimate ?? 0;
    }
    if (detected) detections[detected] = (detections[detected] ?? 0) + 1;
    if (status === 'done' && info.closeTime) doneDurations.push(info.closeTime.getTime() - info.startTime.getTime());
  }
  const detectedTotal = Object.values(detections).reduce((a, b) => a + b, 0);
  return {
    since: query.since.toISOString(),
    until: until.toISOString(),
    total,
    byDay: [...byDay.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([day, bucket]) => ({ day, ...bucket })),
    byOutcome,
    medianTimeToDoneMs: median(doneDurations),
    detectedBy: Object.fromEntries(Object.entries(detections).map(([how, renders]) => [how, { renders, share: renders / detectedTotal }])),
    remainingCredits: await remaining(),
    withoutLedger,
  };
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
