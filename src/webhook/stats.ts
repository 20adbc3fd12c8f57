/** Why a request was turned away; each is a key of `WebhookStats.rejected`. */
export const REJECT_REASONS = [
  'unknown-path',
  'bad-token',
  'method-not-allowed',
  'too-large',
  'malformed-json',
  'not-an-object',
  'invalid-delivery',
  'unsupported-encoding',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export interface WebhookStats {
  /** Every request the handler answered, whatever the answer. */
  received: number;
  /** Deliveries Temporal accepted as a Signal. */
  signalled: number;
  /** Valid deliveries for a lipsync with no running workflow. */
  untracked: number;
  /** Valid deliveries answered 503 because the Signal could not be sent. */
  unavailable: number;
  rejected: Record<RejectReason, number>;
}

export class StatsCounter {
  private readonly counts: WebhookStats = {
    received: 0,
    signalled: 0,
    untracked: 0,
    unavailable: 0,
    rejected: Object.fromEntries(REJECT_REASONS.map((reason) => [reason, 0])) as Record<RejectReason, number>,
  };

  count(outcome: 'received' | 'signalled' | 'untracked' | 'unavailable'): void {
    this.counts[outcome] += 1;
  }

  reject(reason: RejectReason): void {
    this.counts.rejected[reason] += 1;
  }

  /** A copy: callers (e.g. /healthz) must not be able to change the counts. */
  snapshot(): WebhookStats {
    return { ...this.counts, rejected: { ...this.counts.rejected } };
  }
}
