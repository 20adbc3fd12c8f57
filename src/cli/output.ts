/**
 * How results look on a terminal: aligned fields, tables, and the live status line that
 * `render --wait` keeps up to date.
 */
import type { RenderStatus } from '../client';
import type { Terminal } from './io';
import { writeLine } from './io';
import logUpdate from 'log-update';

type FieldValue = string | number | boolean | null | undefined;

/** `name  value` lines, aligned; fields without a value are left out rather than shown as "null". */
export function formatFields(fields: ReadonlyArray<readonly [string, FieldValue]>): string {
  const present = fields.filter(([, value]) => value !== null && value !== undefined && value !== '');
  const width = Math.max(0, ...present.map(([name]) => name.length)) + 2;
  return present.map(([name, value]) => `${name.padEnd(width)}${String(value)}`).join('\n');
}

export function formatTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd();
  return [line(headers.map((header) => header.toUpperCase())), ...rows.map(line)].join('\n');
}

/** UTC to the second: the Web UI and server logs are the other places these times are compared with. */
export function formatTime(value: Date | string | null | undefined): string {
  if (value === null || value === undefined) return '';
  const date = typeof value === 'string' ? new Date(value) : value;
  return Number.isNaN(date.getTime()) ? String(value) : `${date.toISOString().slice(0, 19)}Z`;
}

export function formatPercent(fraction: number): string {
  return `${Math.round(fraction * 100)}%`;
}

/** One line about a render in progress, and the part of it whose change is worth a new line in a log. */
export function describeLiveStatus(status: RenderStatus, elapsedMs: number): { key: string; text: string } {
  const tracked = status.status ?? status.execution.toLowerCase();
  const state = status.state;
  const progress = state ? formatPercent(state.progress) : '';
  const phase = state?.phase ?? '';
  const parts = [tracked, progress, phase && `(${phase.replace(/-/g, ' ')})`].filter(Boolean);
  return { key: `${tracked}|${progress}|${phase}`, text: `[${Math.round(elapsedMs / 1000)}s] ${parts.join(' ')}` };
}

/**
 * On a TTY one line redrawn in place (by log-update, which also hides the cursor);
 * elsewhere (CI logs, pipes) a new line only when the status changes, so a long render
 * does not flood the log with one line a second.
 */
export class LiveStatusLine {
  private lastKey: string | null = null;
  private readonly draw: logUpdate.LogUpdate | null;

  constructor(private readonly terminal: Terminal) {
    this.draw = terminal.isTTY ? logUpdate.create(terminal as unknown as NodeJS.WritableStream, { showCursor: false }) : null;
  }

  /** `ttyText` is what a terminal shows (with bar and ETA); `text` what a log gets. */
  show(key: string, text: string, ttyText = text): void {
    if (this.draw) this.draw(ttyText);
    else if (key !== this.lastKey) writeLine(this.terminal, text);
    this.lastKey = key;
  }

  /** Leaves the last line on screen, so what follows starts on a fresh one. */
  finish(): void {
    this.draw?.done();
  }
}
