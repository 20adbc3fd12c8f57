import { sleep } from '@temporalio/activity';
import { CreatifyError } from '../creatify';

/**
 * Retries a Creatify call inside the running attempt (no activity retry, no history)
 * while `waitFor` names a wait for the error (null: give up at once), at most `tries`
 * calls and no single wait longer than `maxWaitMs`; past that the error is the caller's.
 */
export async function retryInPlace<T>(
  call: () => Promise<T>,
  options: { tries: number; maxWaitMs: number; waitFor: (err: unknown, attempt: number) => number | null; beforeWait?: () => void },
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const wait = options.waitFor(err, attempt);
      if (wait === null || attempt >= options.tries || wait > options.maxWaitMs) throw err;
      options.beforeWait?.();
      await sleep(wait);
    }
  }
}

/**
 * A read something rests on (the snapshot a judgement compares with, the balance a
 * check weighs): tried 4 times in the attempt on a transient error, waiting out a
 * Retry-After of up to 5 s; longer waits, and what still fails, are the caller's.
 */
export const STEADY_READ = {
  tries: 4,
  maxWaitMs: 5_000,
  waitFor: (err: unknown, attempt: number): number | null => (err instanceof CreatifyError && err.retryable ? (err.retryAfterMs ?? 250 * 2 ** (attempt - 1)) : null),
};
