/**
 * The one place where Creatify errors become Temporal failures. Whether to retry is the
 * error's own `retryable` (creatify/errors.ts); here it only gets a type the workflow
 * can branch on, and 429's Retry-After becomes the next retry's delay.
 */
import { ApplicationFailure } from '@temporalio/common';
import { CreatifyError, type CreatifyErrorKind } from '../creatify';
import { ActivityFailureType } from '../contract/activities';

const TYPE_OF: Partial<Record<CreatifyErrorKind, string>> = {
  auth: ActivityFailureType.Auth,
  validation: ActivityFailureType.Validation,
  'not-found': ActivityFailureType.NotFound,
  'rate-limited': ActivityFailureType.RateLimited,
};

export function toActivityFailure(err: unknown): unknown {
  if (!(err instanceof CreatifyError)) return err;
  return ApplicationFailure.create({
    type: TYPE_OF[err.kind] ?? ActivityFailureType.Transient,
    message: err.message,
    nonRetryable: !err.retryable,
    nextRetryDelay: err.kind === 'rate-limited' ? err.retryAfterMs : undefined,
  });
}

/** Runs a Creatify call, rethrowing its error as the Temporal failure it should be. */
export async function asActivity<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toActivityFailure(err);
  }
}
