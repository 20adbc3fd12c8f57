/**
 * What the exactly-once suites share (test/integration/exactly-once*.test.ts: split so
 * that jest runs them side by side): the client timeout and tracking options they run
 * with, and the check that a job ended with its video, paid once.
 */
import type { TrackingOptions } from '../../src/client';
import type { TestStack } from './stack';

/** The worker's Creatify call deadline in these suites: a hung POST times out quickly. */
export const CLIENT_TIMEOUT_MS = 1_000;
export const FAST: TrackingOptions = { webhookTimeout: '2 seconds', pollInitialInterval: '200 ms', pollMaxInterval: '1 second', deadline: '2 minutes' };

/** The job ended with the record's own video, rendered once, from one render POST. */
export async function expectVideoPaidOnce(stack: TestStack, id: string, result: { output: string }): Promise<void> {
  expect(result.output).toBe((await stack.sandbox.control.lipsync(id)).output);
  const stats = await stack.sandbox.control.stats();
  expect(stats.renders[id]).toBe(1);
  expect(stats.callsByLipsync[id]?.render).toBe(1);
}
