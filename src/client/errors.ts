/**
 * Why a tracked render did not produce a video, as the workflow reported it. Backend
 * code switches on the class (or `reason`), never on message text.
 */
import { ApplicationFailure, CancelledFailure, TerminatedFailure, TimeoutFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import { FailureType, type FailureDetails } from '../contract/messages';

export type RenderFailureReason =
  | 'failed'
  | 'rejected'
  | 'deadline'
  | 'invalid-request'
  /** The balance or the day's budget could not pay the render (checked before the POST, or Creatify said so): nothing paid. */
  | 'insufficient-credits'
  /** A person rejected it at approval: nothing paid. */
  | 'declined'
  /** Nobody decided in time at approval: nothing paid. */
  | 'expired'
  | 'cancelled'
  | 'terminated'
  | 'unknown';

export class RenderError extends Error {
  constructor(
    readonly lipsyncId: string,
    readonly reason: RenderFailureReason,
    message: string,
    /** Creatify's `failed_reason`, when it gave one. */
    readonly failedReason: string | null = null,
  ) {
    super(message);
    this.name = 'RenderError';
  }
}

export class InvalidLipsyncIdError extends Error {
  constructor(readonly value: string) {
    // A JavaScript caller may hand anything over (a missing field is undefined, which JSON.stringify leaves undefined).
    super(`not a lipsync id (a UUID is expected): ${(JSON.stringify(value) ?? String(value)).slice(0, 60)}`);
    this.name = 'InvalidLipsyncIdError';
  }
}

/** Tracking options that cannot work together or alone; `problems` names each field. */
export class InvalidTrackingOptionsError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid tracking options: ${problems.join('; ')}`);
    this.name = 'InvalidTrackingOptionsError';
  }
}

export class RenderNotFoundError extends Error {
  constructor(readonly lipsyncId: string) {
    super(`no render is tracked for lipsync ${lipsyncId}`);
    this.name = 'RenderNotFoundError';
  }
}

/** An approval decision the workflow refused (already decided, ended, not waiting for one); nothing changed. */
export class ApprovalRefusedError extends Error {
  constructor(readonly lipsyncId: string, reason: string) {
    super(`lipsync ${lipsyncId}: ${reason}`);
    this.name = 'ApprovalRefusedError';
  }
}

/** Ids or options a batch cannot start with. */
export class InvalidBatchError extends Error {
  constructor(problem: string) {
    super(`invalid batch: ${problem}`);
    this.name = 'InvalidBatchError';
  }
}

const REASON_BY_TYPE: Record<string, RenderFailureReason> = {
  [FailureType.RenderFailed]: 'failed',
  [FailureType.RenderRejected]: 'rejected',
  [FailureType.DeadlineExceeded]: 'deadline',
  [FailureType.InvalidRequest]: 'invalid-request',
  [FailureType.InsufficientCredits]: 'insufficient-credits',
  [FailureType.ApprovalDeclined]: 'declined',
  [FailureType.ApprovalExpired]: 'expired',
};

export function toRenderError(lipsyncId: string, err: unknown): unknown {
  if (!(err instanceof WorkflowFailedError)) return err;
  const cause = err.cause;
  if (cause instanceof ApplicationFailure) {
    const details = cause.details?.[0] as FailureDetails | undefined;
    const reason = (cause.type && REASON_BY_TYPE[cause.type]) || 'unknown';
    return new RenderError(lipsyncId, reason, cause.message, details?.failedReason ?? null);
  }
  if (cause instanceof CancelledFailure) return new RenderError(lipsyncId, 'cancelled', `tracking of lipsync ${lipsyncId} was cancelled`);
  if (cause instanceof TerminatedFailure) return new RenderError(lipsyncId, 'terminated', `tracking of lipsync ${lipsyncId} was terminated`);
  if (cause instanceof TimeoutFailure) return new RenderError(lipsyncId, 'deadline', `tracking of lipsync ${lipsyncId} timed out`);
  return new RenderError(lipsyncId, 'unknown', err.message);
}

/** A filter `list` cannot run: an unknown status, a limit that is no positive whole number. */
export class InvalidListFilterError extends Error {
  constructor(readonly problem: string) {
    super(`invalid list filter: ${problem}`);
    this.name = 'InvalidListFilterError';
  }
}
