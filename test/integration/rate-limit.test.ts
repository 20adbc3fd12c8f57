/**
 * LIPSYNC_CREATIFY_CALLS_PER_SECOND becomes the task queue's activity rate limit, which
 * the Temporal server enforces for every worker on the queue. Judged by when the
 * sandbox saw the render POSTs (the one task-queue activity of a webhook-tracked
 * render), against the same batch on an unlimited worker. Then a Creatify that throttles
 * (the sandbox's DRF throttle, §11 [U]): each worker paces all its calls at the same
 * figure, local activities included, so a batch started at once earns no 429; and a
 * worker told no figure still renders every job exactly once through the 429s.
 */
import type { TrackingOptions } from '../../src/contract/tracking-options';
import { startTestStack, type TestStack } from '../support/stack';
import { useProcessWorkerStack } from '../support/worker-process';

const RENDERS = 10;
const PER_SECOND = 2;
const OPTIONS: TrackingOptions = { webhookTimeout: '30 seconds', pollInitialInterval: '200 ms', pollMaxInterval: '1 second', deadline: '2 minutes' };

/** Epoch ms of each render POST the sandbox charged, in order. `throttle`: the sandbox's, from once the previews are made. */
async function renderBatch(stack: TestStack, throttle?: { requests: number; perSeconds: number }, count = RENDERS, options = OPTIONS): Promise<number[]> {
  await stack.sandbox.control.reset();
  const ids = await Promise.all(Array.from({ length: count }, (_, i) => stack.preview(`rate ${i}`)));
  if (throttle) await stack.sandbox.control.settings({ throttle });
  const handles = await Promise.all(ids.map((id) => stack.orchestrator.startRender(id, options)));
  const results = await Promise.all(handles.map((handle) => handle.result()));
  expect(results.every((result) => result.output.endsWith('.mp4'))).toBe(true);
  const stats = await stack.sandbox.control.stats();
  expect(ids.map((id) => stats.renders[id])).toEqual(ids.map(() => 1));
  return stats.credits.ledger.filter((entry) => entry.action === 'render').map((entry) => entry.at).sort((a, b) => a - b);
}

/** The most POSTs in any window of `ms`. */
function busiestWindow(times: number[], ms: number): number {
  let most = 0;
  for (let i = 0; i < times.length; i++) most = Math.max(most, times.filter((t) => t >= times[i]! && t < times[i]! + ms).length);
  return most;
}

describe('a shared Creatify rate limit', () => {
  const workers = useProcessWorkerStack();

  test(`LIPSYNC_CREATIFY_CALLS_PER_SECOND=${PER_SECOND}: ${RENDERS} render POSTs are spread over time; without it they are not`, async () => {
    workers.spawnWorker({ LIPSYNC_CREATIFY_CALLS_PER_SECOND: String(PER_SECOND) });
    const limited = await renderBatch(workers.stack);

    const unlimitedStack = await startTestStack();
    let unlimited: number[];
    try {
      unlimited = await renderBatch(unlimitedStack);
    } finally {
      await unlimitedStack.close();
    }

    // The server hands out at most PER_SECOND per second after a first burst of about as
    // many: 10 POSTs need at least ~(10 - 2 - 1) / 2 s, and no 1-second window holds more
    // than the burst plus the rate.
    const span = (times: number[]) => times[times.length - 1]! - times[0]!;
    expect(span(limited)).toBeGreaterThanOrEqual(((RENDERS - 2 * PER_SECOND - 1) / PER_SECOND) * 1000);
    expect(busiestWindow(limited, 1000)).toBeLessThanOrEqual(2 * PER_SECOND + 1);
    // The control: the same batch unlimited crowds its POSTs together.
    expect(busiestWindow(unlimited, 1000)).toBeGreaterThan(2 * PER_SECOND + 1);
    expect(span(unlimited)).toBeLessThan(span(limited));
  }, 120_000);

  // Every call a webhook-tracked render makes (the snapshot GET and a claim's first GET
  // are local activities, beside the balance read, the POST and the reconciler's list
  // calls), against a throttle of 5 a second.
  const THROTTLE = { requests: 5, perSeconds: 1 };

  // Paced below the throttle, as the README advises: the sandbox runs in this test's busy
  // process, so requests sent apart can be counted close together.
  test(`a Creatify that throttles at ${THROTTLE.requests}/s: paced at 3/s, ${RENDERS} renders started at once earn (almost) no 429`, async () => {
    await workers.stopWorkers();
    workers.spawnWorker({ LIPSYNC_CREATIFY_CALLS_PER_SECOND: '3' });
    await renderBatch(workers.stack, THROTTLE);
    const stats = await workers.stack.sandbox.control.stats();
    // Unpaced, this batch earned 15. Paced, none, or on a busy machine one or two: the
    // sandbox counts requests when its (shared) event loop gets to them, and a render POST
    // goes out up to 1 s after its turn (its time is heartbeated first).
    expect(stats.throttled).toBeLessThanOrEqual(2);
    // Local activities went through the pacing too: more calls than POSTs were made.
    expect(stats.calls.get).toBeGreaterThanOrEqual(2 * RENDERS);
  }, 120_000);

  test(`a queue longer than a call may wait: 24 renders at once paced at 2/s, the calls whose turn is over 4 s away are refused unsent and retried, and every render is done once`, async () => {
    await workers.stopWorkers();
    const worker = workers.spawnWorker({ LIPSYNC_CREATIFY_CALLS_PER_SECOND: '2' });
    let output = '';
    worker.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    worker.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await renderBatch(workers.stack, { requests: 4, perSeconds: 1 }, 24, { ...OPTIONS, deadline: '4 minutes' });
    // As above: none, or one or two counted close together on a busy machine, not a storm.
    expect((await workers.stack.sandbox.control.stats()).throttled).toBeLessThanOrEqual(2);
    expect(output).toMatch(/not sent: the next turn for this call is \d+ s away/);
  }, 240_000);

  test(`a Creatify that throttles at ${THROTTLE.requests}/s and a worker told no figure: every render is done, once, through the 429s`, async () => {
    await workers.stopWorkers();
    workers.spawnWorker();
    await renderBatch(workers.stack, THROTTLE);
    // The batch's snapshot GETs (local activities) go out together, and the throttle refuses some.
    expect((await workers.stack.sandbox.control.stats()).throttled).toBeGreaterThan(0);
  }, 120_000);
});
