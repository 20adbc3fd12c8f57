/**
 * The live view of renders: on a terminal a header, one row per render and a status
 * line, redrawn in place by log-update (which counts the lines it drew, wraps to the
 * terminal width and hides the cursor); anywhere else (CI, a pipe) plain lines, one per
 * status change, without colour. `npm start` and `lipsync watch` both draw through it.
 *
 * log-update is pinned at 4.0.0, its last CommonJS release: 5.0 and later are ESM only,
 * which this CommonJS package cannot `require` on Node 20 without a dynamic import.
 */
import logUpdate from 'log-update';
import type { CliIo, Terminal } from '../io';
import { writeLine } from '../io';
import { painter, wantsColor, type Paint } from '../style';
import { formatElapsed, formatRow, shortId, typicalDuration } from './format';

interface Row {
  id: string;
  status: string;
  progress: number | null;
  startedAt: number;
  endedAt?: number;
  outcome?: string;
  ok?: boolean;
}

export interface RowUpdate {
  status: string;
  /** Creatify's progress, 0..1, when it reported one. */
  progress?: number | null;
  /** When the render started, if known better than "when this view first saw it". */
  startedAt?: number;
}

export interface RowEnd {
  ok: boolean;
  status: string;
  outcome?: string;
  durationMs?: number;
}

export interface LiveViewOptions {
  io: CliIo;
  /** stdout for a view that is the command's output; stderr when stdout carries data. */
  to?: 'stdout' | 'stderr';
  /** How often a terminal view is redrawn when nothing changed, so elapsed times count up. */
  refreshMs?: number;
  now?: () => number;
}

export class LiveView {
  readonly interactive: boolean;
  private readonly terminal: Terminal;
  private readonly paint: Paint;
  private readonly draw: logUpdate.LogUpdate | null;
  private readonly timer: NodeJS.Timeout | null;
  private readonly now: () => number;
  private readonly rows = new Map<string, Row>();
  private readonly durations: number[] = [];
  private header: string[] = [];
  private statusLine = '';
  private summaryLine = '';
  private stopped = false;

  constructor(options: LiveViewOptions) {
    this.terminal = options.to === 'stderr' ? options.io.stderr : options.io.stdout;
    this.interactive = Boolean(this.terminal.isTTY);
    this.paint = painter(wantsColor(options.io.env, this.terminal));
    this.now = options.now ?? Date.now;
    this.draw = this.interactive ? logUpdate.create(this.terminal as unknown as NodeJS.WritableStream, { showCursor: false }) : null;
    this.timer = this.interactive ? setInterval(() => this.redraw(), options.refreshMs ?? 1_000) : null;
    // The view must never be what keeps a process alive.
    this.timer?.unref();
  }

  setHeader(lines: string[]): void {
    this.header = lines;
    if (this.interactive) this.redraw();
    else for (const line of lines) writeLine(this.terminal, line);
  }

  /** What the program is doing now ("starting the worker..."): the view's bottom line. */
  say(line: string): void {
    if (this.interactive) {
      this.statusLine = line;
      this.redraw();
    } else if (line) {
      writeLine(this.terminal, line);
    }
  }

  /** How the batch stands ("3/3 renders done"): kept above the status line. */
  summary(line: string): void {
    this.summaryLine = line;
    if (this.interactive) this.redraw();
    else writeLine(this.terminal, line);
  }

  /** Durations of renders that ended before this view started: they make the first estimates. */
  knownDurations(durationsMs: readonly number[]): void {
    this.durations.push(...durationsMs);
  }

  /** A line that is not part of the view (`--verbose` logs): printed above it. */
  log(line: string): void {
    if (!this.draw || this.stopped) {
      writeLine(this.terminal, line);
      return;
    }
    this.draw.clear();
    writeLine(this.terminal, line);
    this.redraw();
  }

  update(id: string, update: RowUpdate): void {
    const row = this.rows.get(id);
    if (row?.ok !== undefined) return; // an end is final
    const changed = !row || row.status !== update.status;
    const next: Row = {
      id,
      status: update.status,
      progress: update.progress ?? row?.progress ?? null,
      startedAt: update.startedAt ?? row?.startedAt ?? this.now(),
    };
    this.rows.set(id, next);
    if (this.interactive) this.redraw();
    else if (changed) writeLine(this.terminal, this.plainRow(next));
  }

  end(id: string, end: RowEnd): void {
    const row = this.rows.get(id) ?? { id, status: end.status, progress: null, startedAt: this.now() };
    if (row.ok !== undefined) return;
    const endedAt = end.durationMs === undefined ? this.now() : row.startedAt + end.durationMs;
    const ended: Row = { ...row, status: end.status, ok: end.ok, outcome: end.outcome, endedAt, progress: end.ok ? 1 : (row.progress ?? 0) };
    this.rows.set(id, ended);
    if (end.ok) this.durations.push(endedAt - row.startedAt);
    if (this.interactive) this.redraw();
    else writeLine(this.terminal, this.plainRow(ended));
  }

  /** Renders that ended, by outcome: for the final summary line. */
  counts(): { total: number; done: number; failed: number; open: number } {
    const rows = [...this.rows.values()];
    const done = rows.filter((row) => row.ok === true).length;
    const failed = rows.filter((row) => row.ok === false).length;
    return { total: rows.length, done, failed, open: rows.length - done - failed };
  }

  /** Draws the last frame and leaves it on screen; later output starts below it. */
  stop(): void {
    if (this.stopped) return;
    if (this.timer) clearInterval(this.timer);
    if (this.draw) {
      this.redraw();
      this.draw.done();
    }
    this.stopped = true;
  }

  frame(): string {
    const typical = typicalDuration(this.durations);
    const lines = [...this.header];
    if (this.rows.size > 0) {
      if (lines.length > 0) lines.push('');
      lines.push(this.paint('dim', `${'RENDER'.padEnd(8)}  ${'STATUS'.padEnd(10)} ${'PROGRESS'.padEnd(28)}  ${'ELAPSED'.padStart(6)}  RESULT`));
      // log-update wraps at the same width (80 when the terminal does not say).
      const columns = (this.terminal as { columns?: number }).columns || 80;
      for (const row of this.rows.values()) lines.push(formatRow({ ...row, elapsedMs: this.elapsed(row) }, typical, this.paint, columns));
    }
    const footer = [this.summaryLine, this.statusLine].filter(Boolean);
    if (footer.length > 0) lines.push('', ...footer);
    return lines.join('\n');
  }

  private redraw(): void {
    if (this.draw && !this.stopped) this.draw(this.frame());
  }

  private elapsed(row: Row): number {
    return (row.endedAt ?? this.now()) - row.startedAt;
  }

  private plainRow(row: Row): string {
    const progress = row.ok === undefined && row.progress ? ` ${Math.round(row.progress * 100)}%` : '';
    const outcome = row.outcome ? ` ${row.outcome}` : '';
    return `${shortId(row.id)} ${row.status}${progress} (${formatElapsed(this.elapsed(row))})${outcome}`;
  }
}
