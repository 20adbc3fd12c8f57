/**
 * `lipsync <command> ...`: finds the command, runs it, and turns whatever it throws into
 * one line on stderr and an exit code (exit-codes.ts). Returns the code rather than
 * exiting, so tests can call it in-process.
 */
import type { CliCommand } from './args';
import { COMMANDS } from './commands';
import { describeFailure, EXIT_CODES_HELP, ExitCode } from './exit-codes';
import { processIo, writeLine, type CliIo } from './io';

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    writeLine(io.stderr, mainHelp());
    return ExitCode.Usage;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    // `lipsync help render` is `lipsync render --help`.
    const topic = rest[0] === undefined ? undefined : findCommand(rest[0]);
    if (topic) return runCommand(topic, ['--help'], io);
    writeLine(io.stdout, mainHelp());
    return ExitCode.Ok;
  }
  if (name.startsWith('-')) {
    writeLine(io.stderr, `lipsync: unknown option ${name} (see lipsync --help)`);
    return ExitCode.Usage;
  }
  const command = findCommand(name);
  if (!command) {
    const guess = closestCommand(name);
    writeLine(io.stderr, `lipsync: unknown command ${JSON.stringify(name)} (${guess ? `did you mean ${JSON.stringify(guess)}?` : 'see lipsync --help'})`);
    return ExitCode.Usage;
  }
  return runCommand(command, rest, io);
}

async function runCommand(command: CliCommand, argv: string[], io: CliIo): Promise<number> {
  try {
    return await command.run(argv, io);
  } catch (err) {
    const failure = describeFailure(err);
    const hint = failure.code === ExitCode.Usage ? ` (see lipsync ${command.name} --help)` : '';
    writeLine(io.stderr, `lipsync ${command.name}: ${failure.message}${hint}`);
    return failure.code;
  }
}

function findCommand(name: string): CliCommand | undefined {
  return COMMANDS.find((command) => command.name === name);
}

export function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length)) + 2;
  const list = (group: CliCommand['group']) =>
    COMMANDS.filter((command) => command.group === group).map((command) => `  ${command.name.padEnd(width)}${command.summary}`);
  return [
    'lipsync: durable tracking of Creatify lipsync v2 renders on Temporal',
    '',
    'usage: lipsync <command> [arguments]   (lipsync <command> --help for its options)',
    '',
    'renders:',
    ...list('renders'),
    '',
    'services:',
    ...list('services'),
    '',
    EXIT_CODES_HELP,
    '',
    'environment: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, LIPSYNC_TASK_QUEUE, CREATIFY_API_BASE_URL,',
    '  CREATIFY_API_ID, CREATIFY_API_KEY, WEBHOOK_PUBLIC_URL, WEBHOOK_SECRET, WEBHOOK_PORT',
  ].join('\n');
}

/** A command within two edits of what was typed, or one it starts (`stat` → `status`). */
function closestCommand(typed: string): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const { name } of COMMANDS) {
    const distance = name.startsWith(typed) ? 1 : editDistance(typed, name);
    if (distance <= 2 && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
