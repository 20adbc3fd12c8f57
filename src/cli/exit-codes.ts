/**
 * Exit codes are part of the CLI's contract (scripts branch on them), so every failure
 * is mapped here, in one table, to a code and one line of text: never a stack trace.
 * Library code only throws; nothing outside src/cli/ exits or picks a code.
 */
import { ApprovalRefusedError, InvalidBatchError, InvalidLipsyncIdError, InvalidListFilterError, InvalidTrackingOptionsError, RenderNotFoundError } from '../client';
import { ConfigError } from '../config';
import { PortInUseError } from '../dev/temporal-server';
import { UsageError } from './args';

export const ExitCode = {
  Ok: 0,
  /** The render ended without a video: failed, rejected, past its deadline, cancelled, declined, expired, insufficient credits; or a render of a batch did. */
  NoVideo: 1,
  Usage: 2,
  NotTracked: 3,
  /** Temporal unreachable, a port in use, Creatify refusing, or anything else operational. */
  Operational: 4,
  /** An approval decision the render refused: already decided, ended, or not waiting for one. Nothing changed. */
  Refused: 5,
  /** EX_CONFIG from sysexits.h. */
  Config: 78,
  /** 128 + SIGINT, as a shell reports Ctrl-C. */
  Interrupted: 130,
} as const;

export const EXIT_CODES_HELP = [
  'exit codes:',
  '  0   ok',
  '  1   the render ended without a video (failed, rejected, deadline, cancelled, declined,',
  '      expired, insufficient credits), or one render of a batch did',
  '  2   usage error',
  '  3   no render is tracked for that lipsync',
  '  4   Temporal unreachable, or another operational error',
  '  5   approve/reject refused: already decided, ended, or not waiting for approval',
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

// Constructors with any parameters; `never[]` accepts them all without `any`.
type ErrorClass = abstract new (...args: never[]) => Error;

interface FailureRule {
  error: ErrorClass;
  code: number;
  /** The line to print; the error's own message when absent (these messages are written for people). */
  message?: (err: Error) => string;
}

/** The one table. First match wins; anything not listed is operational (4). */
export const FAILURE_TABLE: readonly FailureRule[] = [
  { error: UsageError, code: ExitCode.Usage },
  { error: InvalidLipsyncIdError, code: ExitCode.Usage },
  { error: InvalidTrackingOptionsError, code: ExitCode.Usage },
  { error: InvalidListFilterError, code: ExitCode.Usage },
  { error: InvalidBatchError, code: ExitCode.Usage },
  { error: ApprovalRefusedError, code: ExitCode.Refused },
  { error: ConfigError, code: ExitCode.Config, message: (err) => `configuration error: ${err.message}` },
  { error: RenderNotFoundError, code: ExitCode.NotTracked },
  { error: TemporalUnreachableError, code: ExitCode.Operational },
  // Not 1: that code means "the render ended without a video".
  { error: PortInUseError, code: ExitCode.Operational },
];

export function describeFailure(err: unknown): Failure {
  const rule = FAILURE_TABLE.find(({ error }) => err instanceof error);
  if (rule) {
    const known = err as Error;
    return { code: rule.code, message: rule.message ? rule.message(known) : known.message };
  }
  return { code: ExitCode.Operational, message: firstLine(err) };
}

/**
 * `runSandboxCommand` keeps the codes docs/sandbox-contract.md gives it (2 bad flags, 1
 * cannot listen); `lipsync sandbox` reports them in this table's terms, where 1 is taken.
 */
export function sandboxExitCode(code: number): number {
  if (code === 0) return ExitCode.Ok;
  return code === 2 ? ExitCode.Usage : ExitCode.Operational;
}

/** The SDK wraps the telling part ("14 UNAVAILABLE: ...") in `cause`, so it is kept; stacks never are. */
function firstLine(err: unknown): string {
  if (!(err instanceof Error)) return String(err).split('\n')[0]!;
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
  const text = `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}${cause}`;
  return text.split('\n')[0]!.trim() || 'unexpected error';
}
