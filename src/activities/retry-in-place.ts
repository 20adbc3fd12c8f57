import { sleep } from '@temporalio/activity';

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
