/**
 * Colour, only where a person reads it: a terminal, and NO_COLOR (https://no-color.org)
 * unset or empty. Pipes, CI logs and `--json` never get escape codes. Plain SGR codes
 * rather than util.styleText: newer Node versions make styleText check process.stderr
 * itself, which would override the stream we actually write to.
 */
import type { Terminal } from './io';

const CODES = { green: [32, 39], red: [31, 39], yellow: [33, 39], cyan: [36, 39], dim: [2, 22], bold: [1, 22] } as const;

export type Paint = (style: keyof typeof CODES, text: string) => string;

export function wantsColor(env: NodeJS.ProcessEnv, terminal: Terminal): boolean {
  return Boolean(terminal.isTTY) && !env.NO_COLOR && env.TERM !== 'dumb';
}

export function painter(enabled: boolean): Paint {
  return enabled ? (style, text) => `\x1b[${CODES[style][0]}m${text}\x1b[${CODES[style][1]}m` : (_style, text) => text;
}
