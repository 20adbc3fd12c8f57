/**
 * The harness as a backend: start tracking each render (at most `concurrency` at a time)
 * and wait for its end, through every outage the chaos causes. What it saw per render
 * is a RenderRecord; Temporal's and the sandbox's views are collected afterwards.
 */
import { RenderError, RenderNotFoundError, type LipsyncOrchestrator, type TrackingOptions } from '../../src/client';
import { sleep } from './processes';

/** What the harness saw of one render's end. */
export type RenderOutcome =
  | { kind: 'done'; output: string; detectedBy: string; webhooksReceived: number; polls: number; confirmations: number }
  | { kind: 'failed'; reason: string; message: string }
  /** Not closed when the harness stopped waiting. */
  | { kind: 'open' }
  | { kind: 'not-started'; message?: string }
  /** Started, then Temporal no longer knew the workflow. */
  | { kind: 'lost'; message: string };

export interface RenderRecord {
  id: string;
  /** From the handle startRender returned; null until a start succeeded. */
  workflowId: string | null;
  outcome: RenderOutcome;
  startedAt: number | null;
  startAttempts: number;
  resultRetries: number;
}

export interface TrackAllOptions {
  concurrency: number;
  tracking: TrackingOptions;
  /** No render is waited for past this (epoch ms). */
  until: number;
  /** How long one render is waited for before its slot goes to the next. */
  perRenderWaitMs: number;
  /** After each close. */
  onClosed(): void;
  log(line: string): void;
}

/** Renders tracked so far: what the chaos schedule keys on. */
export class Progress {
  started = 0;
  closed = 0;

  get inFlight(): number {
    return this.started - this.closed;
  }
}

/** Tracks every record, `concurrency` at a time, counting into `progress`. */
export async function trackAll(orchestrator: LipsyncOrchestrator, records: RenderRecord[], progress: Progress, options: TrackAllOptions): Promise<void> {
  const firstStart = Date.now();
  let next = 0;
  let loggedAt = 0;
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (next < records.length) {
        const record = records[next++]!;
        progress.started += 1;
        // A render stuck past its own deadline frees its slot; it gets until the budget's end later.
        await trackOne(orchestrator, record, options.tracking, Math.min(options.until, Date.now() + options.perRenderWaitMs));
        progress.closed += 1;
        options.onClosed();
        if (Date.now() - loggedAt > 5_000 || progress.closed === records.length) {
          loggedAt = Date.now();
          options.log(`progress: ${progress.closed}/${records.length} closed, ${Math.round((Date.now() - firstStart) / 1000)} s`);
        }
      }
    }),
  );
}

/**
 * Starts tracking one render (retrying while Temporal is unreachable: startRender is
 * idempotent) and waits for its end, until `waitUntil`. `start: false` only waits.
 */
export async function trackOne(orchestrator: LipsyncOrchestrator, record: RenderRecord, tracking: TrackingOptions, waitUntil: number, start = true): Promise<void> {
  if (start) {
    record.startedAt = Date.now();
    try {
      const handle = await retrying(() => {
        record.startAttempts += 1;
        return orchestrator.startRender(record.id, tracking);
      }, waitUntil);
      record.workflowId = handle.workflowId;
    } catch (err) {
      record.outcome = { kind: 'not-started', message: errorLine(err) };
      return;
    }
  }
  for (;;) {
    const left = waitUntil - Date.now();
    if (left <= 0) {
      record.outcome = { kind: 'open' };
      return;
    }
    try {
      const result = await withTimeout(orchestrator.waitForResult(record.id), left);
      if (result === TIMED_OUT) {
        record.outcome = { kind: 'open' };
        return;
      }
      record.outcome = { kind: 'done', output: result.output, detectedBy: result.detectedBy, webhooksReceived: result.webhooksReceived, polls: result.polls, confirmations: result.confirmations };
      return;
    } catch (err) {
      if (err instanceof RenderError) {
        record.outcome = { kind: 'failed', reason: err.reason, message: err.message };
        return;
      }
      if (err instanceof RenderNotFoundError) {
        record.outcome = { kind: 'lost', message: err.message };
        return;
      }
      // Temporal unreachable (restarting): ask again.
      record.resultRetries += 1;
      await sleep(500);
    }
  }
}

const TIMED_OUT = Symbol('timed out');

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  promise.catch(() => undefined);
  try {
    return await Promise.race([promise, new Promise<typeof TIMED_OUT>((resolve) => (timer = setTimeout(() => resolve(TIMED_OUT), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Retries `call` with backoff until `until` (epoch ms) while `transient(err)`. */
export async function retrying<T>(call: () => Promise<T>, until: number, transient: (err: unknown) => boolean = isTransient): Promise<T> {
  let delay = 200;
  for (;;) {
    try {
      return await call();
    } catch (err) {
      if (!transient(err) || Date.now() + delay > until) throw err;
      await sleep(delay);
      delay = Math.min(delay * 2, 2_000);
    }
  }
}

function isTransient(err: unknown): boolean {
  const name = (err as Error | undefined)?.name ?? '';
  return !['RenderError', 'RenderNotFoundError', 'InvalidLipsyncIdError', 'InvalidTrackingOptionsError', 'WorkflowNotFoundError'].includes(name);
}

export function errorLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 300);
}
