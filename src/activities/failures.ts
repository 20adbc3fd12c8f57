/**
 * The one place where Creatify errors become Temporal retry decisions: auth, validation
 * and not-found can never succeed on retry; everything else (429, 5xx, network,
 * timeout, a malformed answer) is transient and retried, 429 after its Retry-After.
 */
import { ApplicationFailure } from '@temporalio/common';
import { CreatifyError } from '../creatify';
import { ActivityFailureType } from './types';

export function toActivityFailure(err: unknown): unknown {
  if (!(err instanceof CreatifyError)) return err;
  switch (err.kind) {
    case 'auth':
      return ApplicationFailure.create({ type: ActivityFailureType.Auth, message: err.message, nonRetryable: true });
    case 'validation':
      return ApplicationFailure.create({ type: ActivityFailureType.Validation, message: err.message, nonRetryable: true });
    case 'not-found':
      return ApplicationFailure.create({ type: ActivityFailureType.NotFound, message: err.message, nonRetryable: true });
    case 'rate-limited':
      return ApplicationFailure.create({
        type: ActivityFailureType.RateLimited,
        message: err.message,
        nextRetryDelay: err.retryAfterMs ?? undefined,
      });
    default:
      return ApplicationFailure.create({ type: ActivityFailureType.Transient, message: err.message });
  }
}

/** Runs a Creatify call, rethrowing its error as the Temporal failure it should be. */
export async function asActivity<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toActivityFailure(err);
  }
}
