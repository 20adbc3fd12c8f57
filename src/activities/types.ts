/** What activities hand back to the workflow: Creatify's answer, normalised, no wire details. */
export interface LipsyncSnapshot {
  id: string;
  /** Creatify's status string as sent (unknown values kept). */
  status: string;
  /** 0..1 */
  progress: number;
  /** done with an output, failed or rejected. */
  terminal: boolean;
  output: string | null;
  thumbnail: string | null;
  failedReason: string | null;
  creditsUsed: number | null;
  duration: number | null;
}

export interface RenderOutcome {
  lipsync: LipsyncSnapshot;
  /** false when a retry found the render already started and did not POST again. */
  posted: boolean;
  evidence: string;
}

export interface PollInput {
  lipsyncId: string;
  initialIntervalMs: number;
  maxIntervalMs: number;
}

export interface PollOutcome {
  lipsync: LipsyncSnapshot;
  /** GETs this poll made, one per attempt. */
  attempts: number;
}

/** ApplicationFailure types raised by activities. */
export const ActivityFailureType = {
  NotTerminalYet: 'LipsyncNotTerminalYet',
  Auth: 'CreatifyAuth',
  Validation: 'CreatifyValidation',
  NotFound: 'CreatifyNotFound',
  RateLimited: 'CreatifyRateLimited',
  Transient: 'CreatifyTransient',
} as const;

/** Activity failures that mean the request itself is wrong: retrying cannot help. */
export const INVALID_REQUEST_FAILURES: readonly string[] = [
  ActivityFailureType.Auth,
  ActivityFailureType.Validation,
  ActivityFailureType.NotFound,
];
