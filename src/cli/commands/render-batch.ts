/**
 * `lipsync render --batch ids.txt|-`: many renders, at most --concurrency at once, in a
 * batch workflow (the cap survives crashes of this process and of workers). Follows it
 * with a live view (a row per render that started, and done / failed / rendering /
 * queued with an ETA), then a summary; exit 1 if any render ended without a video.
 * Running the same batch again follows the same workflow and starts nothing twice.
 */
import { readFile } from 'node:fs/promises';
import type { BatchItem, BatchProgress, LipsyncOrchestrator, TrackingOptions } from '../../client';
import { LipsyncIdSchema } from '../../contract/schemas';
import { UsageError } from '../args';
import { ExitCode } from '../exit-codes';
import { writeLine, type CliIo } from '../io';
import { formatElapsed, typicalDuration } from '../live/format';
import { LiveView } from '../live/view';

const INTERVAL_MS = 1_000;

/** One id a line; blank lines and `#` comments are skipped. A bad line is a usage error naming it. */
export async function readBatchIds(source: string, stdin: NodeJS.ReadableStream = process.stdin): Promise<string[]> {
  let text: string;
  if (source === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(Buffer.from(chunk as Buffer));
    text = Buffer.concat(chunks).toString('utf8');
  } else {
    try {
      text = await readFile(source, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new UsageError(`cannot read ${source}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
    }
  }
  const ids: string[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    const value = line.replace(/#.*/, '').trim();
    if (!value) return;
    const parsed = LipsyncIdSchema.safeParse(value);
    if (!parsed.success) throw new UsageError(`${source === '-' ? 'stdin' : source}, line ${index + 1}: not a lipsync id: ${JSON.stringify(value.slice(0, 60))}`);
    ids.push(parsed.data);
  });
  if (ids.length === 0) throw new UsageError(`${source === '-' ? 'stdin' : source}: no lipsync ids`);
  return ids;
}

export async function runBatch(
  orchestrator: LipsyncOrchestrator,
  io: CliIo,
  request: { ids: string[]; concurrency: number; options: TrackingOptions; wait: boolean; json: boolean },
): Promise<number> {
  const { batchId, lipsyncIds } = await orchestrator.startRenders(request.ids, { concurrency: request.concurrency, tracking: request.options });
  if (!request.wait) {
    writeLine(io.stdout, request.json ? JSON.stringify({ batchId, lipsyncIds }) : batchId);
    return ExitCode.Ok;
  }
  // The view goes to stderr: stdout carries the summary (or the JSON).
  const view = new LiveView({ io, to: 'stderr' });

  const interrupt = new AbortController();
  const onInterrupt = () => interrupt.abort();
  process.once('SIGINT', onInterrupt);
  let progress: BatchProgress | null = null;
  let execution = 'RUNNING';
  let shownCounts = '';
  try {
    for (;;) {
      const next = await orchestrator.batchProgress(batchId).catch(() => null);
      if (next) progress = next;
      // Unanswered (a closed run no worker replays in time): its execution still says whether to go on.
      execution = next?.execution ?? (await orchestrator.batchExecution(batchId).catch(() => execution));
      if (progress) {
        // The batch's own cap: a batch started before with another --concurrency keeps its own.
        if (!shownCounts) view.setHeader([`batch ${batchId}: ${progress.total} render(s), ${progress.concurrency} at once`]);
        showRows(view, progress);
        // A log gets a line when the counts move; a terminal's line is redrawn (its ETA counts down).
        const line = counts(progress);
        const key = line.replace(/ · ETA.*/, '');
        if (view.interactive || key !== shownCounts) view.summary(line);
        shownCounts = key;
      }
      // Closed without finishing (terminated, failed, timed out): nothing more will come.
      // (COMPLETED: its result is what comes next, read again at the next look.)
      if (progress?.finishedAt || (execution !== 'RUNNING' && execution !== 'COMPLETED') || interrupt.signal.aborted) break;
      await pause(INTERVAL_MS, interrupt.signal);
    }
  } finally {
    process.off('SIGINT', onInterrupt);
    view.stop();
  }
  if (!progress?.finishedAt && execution !== 'RUNNING' && execution !== 'COMPLETED') {
    writeLine(io.stderr, `the batch workflow ${batchId} is ${execution} before every render ended; the renders it started go on under their own trackers (lipsync list)`);
    return ExitCode.Operational;
  }
  if (!progress?.finishedAt) {
    writeLine(io.stderr, `stopped following; the batch goes on (lipsync render --batch with the same ids follows it again)`);
    return ExitCode.Interrupted;
  }
  writeLine(io.stdout, request.json ? JSON.stringify({ batchId, ...progress }, null, 2) : summary(progress));
  return progress.failed > 0 ? ExitCode.NoVideo : ExitCode.Ok;
}

function showRows(view: LiveView, progress: BatchProgress): void {
  for (const item of progress.items) {
    if (item.state === 'queued' || !item.startedAt) continue;
    const startedAt = Date.parse(item.startedAt);
    if (item.state === 'rendering') view.update(item.lipsyncId, { status: item.started === false ? 'following' : 'rendering', startedAt });
    else {
      view.end(item.lipsyncId, {
        ok: item.state === 'done',
        status: item.state,
        outcome: item.outcome ?? undefined,
        durationMs: item.endedAt ? Date.parse(item.endedAt) - startedAt : undefined,
      });
    }
  }
}

/** "12/40 done · 1 failed · 5 rendering · 22 queued · ETA ~3m10s" */
export function counts(progress: BatchProgress): string {
  const parts = [`${progress.done}/${progress.total} done`, `${progress.failed} failed`, `${progress.rendering} rendering`, `${progress.queued} queued`];
  const eta = etaMs(progress);
  if (!progress.finishedAt && eta !== null) parts.push(`ETA ~${formatElapsed(eta)}`);
  return parts.join(' · ');
}

/** Waves of `concurrency` renders, each as long as the median render so far. */
function etaMs(progress: BatchProgress): number | null {
  const typical = typicalDuration(progress.items.flatMap(durationOf));
  if (typical === null) return null;
  const left = progress.queued + progress.rendering;
  return Math.ceil(left / progress.concurrency) * typical;
}

function durationOf(item: BatchItem): number[] {
  return item.state === 'done' && item.startedAt && item.endedAt ? [Date.parse(item.endedAt) - Date.parse(item.startedAt)] : [];
}

function summary(progress: BatchProgress): string {
  const took = progress.finishedAt ? Date.parse(progress.finishedAt) - Date.parse(progress.startedAt) : 0;
  const lines = [`${progress.done} done, ${progress.failed} failed of ${progress.total} in ${formatElapsed(took)}`];
  const followed = progress.items.filter((item) => item.started === false).length;
  if (followed) lines.push(`${followed} were already tracked: followed, not started again`);
  for (const item of progress.items.filter((i) => i.state === 'failed')) lines.push(`failed  ${item.lipsyncId}  ${item.outcome ?? ''}`);
  return lines.join('\n');
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
