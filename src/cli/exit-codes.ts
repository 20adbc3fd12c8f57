/**
 * Exit codes are part of the CLI's contract (scripts branch on them), so every failure
 * is mapped here, in one place, to a code and one line of text: never a stack trace.
 */
import { InvalidLipsyncIdError, InvalidTrackingOptionsError, RenderNotFoundError } from '../client';
import { ConfigError } from '../config';
import { UsageError } from './args';

export const ExitCode = {
  Ok: 0,
  /** The render ended without a video: failed, rejected, past its deadline, cancelled. */
  NoVideo: 1,
  Usage: 2,
  NotTracked: 3,
  /** Temporal unreachable, Creatify refusing, or anything else operational. */
  Operational: 4,
  /** EX_CONFIG from sysexits.h, as config.ts's orExit uses. */
  Config: 78,
  /** 128 + SIGINT, as a shell reports Ctrl-C. */
  Interrupted: 130,
} as const;

export const EXIT_CODES_HELP = [
  'exit codes:',
  '  0   ok',
  '  1   the render ended without a video (failed, rejected, deadline, cancelled)',
  '  2   usage error',
  '  3   no render is tracked for that lipsync',
  '  4   Temporal unreachable, or another operational error',
  '  78  configuration error (the variable is named)',
  '  130 interrupted (render --wait: the render goes on being tracked)',
].join('\n');

export class TemporalUnreachableError extends Error {
  constructor(address: string, problem: string) {
    super(`cannot reach Temporal at ${address}: ${problem}`);
    this.name = 'TemporalUnreachableError';
  }
}

export interface Failure {
  code: number;
  message: string;
}

export function describeFailure(err: unknown): Failure {
  if (err instanceof UsageError || err instanceof InvalidLipsyncIdError || err instanceof InvalidTrackingOptionsError) {
    return { code: ExitCode.Usage, message: err.message };
  }
  if (err instanceof ConfigError) return { code: ExitCode.Config, message: `configuration error: ${err.message}` };
  if (err instanceof RenderNotFoundError) return { code: ExitCode.NotTracked, message: err.message };
  if (err instanceof TemporalUnreachableError) return { code: ExitCode.Operational, message: err.message };
  return { code: ExitCode.Operational, message: firstLine(err) };
}

/** The SDK wraps the telling part ("14 UNAVAILABLE: ...") in `cause`, so it is kept; stacks never are. */
function firstLine(err: unknown): string {
  if (!(err instanceof Error)) return String(err).split('\n')[0]!;
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
  const text = `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}${cause}`;
  return text.split('\n')[0]!.trim() || 'unexpected error';
}
