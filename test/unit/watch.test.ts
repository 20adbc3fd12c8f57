/**
 * watchRender ends without leaving a status read of its own in flight: a backend (or the
 * local stack) that closes its Temporal connection right after a watch ended must not
 * have the SDK retry that read on a closed channel, which throws from a timer and ends
 * the process. The CI run of stop 24 lost `lipsync start` that way (exit 1 on Ctrl-C).
 */
import { watchRender, type Watchable, type WatchEvent } from '../../src/client/watch';
import type { RenderStatus } from '../../src/client/orchestrator';
import type { RenderResult } from '../../src/contract/messages';

const ID = '0b1c2d3e-4f50-4617-8283-94a5b6c7d8e9';

const RESULT: RenderResult = {
  lipsyncId: ID,
  output: 'https://cdn.example/out.mp4',
  thumbnail: null,
  creditsUsed: 4,
  duration: 10,
  detectedBy: 'webhook',
  webhooksReceived: 1,
  polls: 0,
  confirmations: 1,
  timings: { startedAt: '2026-11-30T00:00:00Z', renderAcceptedAt: null, finishedAt: '2026-11-30T00:00:10Z', totalMs: 10_000 },
};

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** A source whose result comes while its status read is still out; the read ends only when told. */
function slowStatusSource() {
  const read = deferred<RenderStatus>();
  const result = deferred<RenderResult>();
  let reads = 0;
  const source: Watchable = {
    getStatus: () => {
      reads += 1;
      // The result arrives while this read is out.
      result.resolve(RESULT);
      return read.promise;
    },
    waitForResult: () => result.promise,
  };
  const status: RenderStatus = { lipsyncId: ID, workflowId: `lipsync-render-${ID}`, execution: 'COMPLETED', state: null, status: 'done' };
  return { source, endRead: () => read.resolve(status), reads: () => reads };
}

async function follow(source: Watchable, options = {}): Promise<WatchEvent[]> {
  const events: WatchEvent[] = [];
  for await (const event of watchRender(source, ID, { intervalMs: 10, ...options })) events.push(event);
  return events;
}

describe('watchRender', () => {
  test('the done event comes at once, but the watch ends only after its last status read', async () => {
    const { source, endRead, reads } = slowStatusSource();
    let finished = false;
    const events: WatchEvent[] = [];
    const watching = (async () => {
      for await (const event of watchRender(source, ID, { intervalMs: 10 })) events.push(event);
      finished = true;
    })();
    await new Promise((r) => setTimeout(r, 100));
    expect(events.map((e) => e.type)).toEqual(['done']);
    expect(reads()).toBe(1);
    expect(finished).toBe(false);
    endRead();
    await watching;
    expect(finished).toBe(true);
  });

  test('a consumer that returns on done also waits for the read (the demo does this)', async () => {
    const { source, endRead } = slowStatusSource();
    let returned = false;
    const consumer = (async () => {
      for await (const event of watchRender(source, ID, { intervalMs: 10 })) if (event.type === 'done') break;
      returned = true;
    })();
    await new Promise((r) => setTimeout(r, 100));
    expect(returned).toBe(false);
    endRead();
    await consumer;
    expect(returned).toBe(true);
  });

  test('a read that never ends holds the watch 5 s at most', async () => {
    const { source } = slowStatusSource();
    const started = Date.now();
    let finishedAfter: number | null = null;
    const watching = follow(source).then((events) => {
      finishedAfter = Date.now() - started;
      return events;
    });
    await new Promise((r) => setTimeout(r, 4_000));
    expect(finishedAfter).toBeNull();
    expect((await watching).map((e) => e.type)).toEqual(['done']);
    expect(finishedAfter).toBeLessThan(7_000);
  });
});
