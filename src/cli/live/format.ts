/**
 * The pieces of a render's row in the live views (`npm start`, `lipsync watch`,
 * `render --wait`): short id, status, progress bar, elapsed time, ETA. Pure functions,
 * so the same row reads the same on a terminal and in a log.
 */
import type { Paint } from '../style';
import type { RenderStatus } from '../../client';

/** Statuses after which a render's tracking is over. */
const ENDED = new Set([
  'done', 'failed', 'rejected', 'timed_out', 'cancelled', 'invalid', 'declined', 'expired', 'insufficient_credits', 'completed', 'terminated',
]);

export function isEnded(status: string): boolean {
  return ENDED.has(status.toLowerCase());
}

/** Eight characters tell renders apart on one screen; the full id is in `lipsync list`. */
export function shortId(id: string): string {
  return id.slice(0, 8);
}

/** "7s", "2m05s", "1h02m": as long as needed, no longer. */
export function formatElapsed(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** `[######----]`: plain characters, so it survives any font, pipe or log viewer. */
export function progressBar(fraction: number, width = 20): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

/** The median of the durations seen so far: one slow render does not skew it. */
export function typicalDuration(durationsMs: readonly number[]): number | null {
  if (durationsMs.length === 0) return null;
  const sorted = [...durationsMs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface Estimate {
  fraction: number;
  /** True when the fraction is a guess from the typical duration, not Creatify's progress. */
  guessed: boolean;
  etaMs: number | null;
}

/**
 * Creatify's webhooks carry no progress, so a render sits at 0 % until it ends. When
 * renders have finished before, elapsed / typical duration is a better picture; it stops
 * at 95 % so a slower-than-usual render never shows as complete.
 */
export function estimate(progress: number | null, elapsedMs: number, typicalMs: number | null, ended: boolean): Estimate {
  if (ended) return { fraction: progress ?? 1, guessed: false, etaMs: null };
  const guess = typicalMs ? Math.min(0.95, elapsedMs / typicalMs) : 0;
  const reported = progress ?? 0;
  const etaMs = typicalMs ? Math.max(0, typicalMs - elapsedMs) : null;
  return reported >= guess ? { fraction: reported, guessed: false, etaMs } : { fraction: guess, guessed: true, etaMs };
}

export interface RowView {
  id: string;
  status: string;
  progress: number | null;
  elapsedMs: number;
  /** How it ended: the video URL, or the reason it has none. */
  outcome?: string;
  ok?: boolean;
}

/** Characters before the RESULT column: id, status, bar, percent, elapsed and their gaps. */
export const ROW_PREFIX_WIDTH = 57;

/**
 * `columns`: the terminal's width. A wrapped row breaks the table, so the outcome (a long
 * URL, a failure message) is cut to fit; `lipsync status <id>` has it whole.
 */
export function formatRow(row: RowView, typicalMs: number | null, paint: Paint, columns = Infinity): string {
  const ended = row.ok !== undefined;
  const { fraction, guessed } = estimate(row.progress, row.elapsedMs, typicalMs, ended);
  const percent = `${guessed ? '~' : ''}${Math.round(fraction * 100)}%`.padStart(5);
  const status = row.status.padEnd(10);
  const colored = row.ok === true ? paint('green', status) : row.ok === false ? paint('red', status) : paint('cyan', status);
  const text = row.outcome ? fit(row.outcome, columns - ROW_PREFIX_WIDTH - 2) : '';
  const outcome = text ? `  ${row.ok === false ? paint('red', text) : text}` : '';
  return `${shortId(row.id)}  ${colored} ${progressBar(fraction)} ${percent}  ${formatElapsed(row.elapsedMs).padStart(6)}${outcome}`;
}

/**
 * Cut to `width` characters, the cut marked with "…"; nothing at all when too narrow to
 * mean anything. A URL keeps its end (the file name names the render), a message its start.
 */
export function fit(text: string, width: number): string {
  if (text.length <= width) return text;
  if (width < 12) return '';
  return /^https?:\/\//.test(text) ? `…${text.slice(text.length - width + 1)}` : `${text.slice(0, width - 1)}…`;
}

/** The word a row shows for a render: the tracker's status, else Temporal's. */
export function statusOf(status: RenderStatus): string {
  return status.status ?? status.state?.status ?? status.execution.toLowerCase();
}
