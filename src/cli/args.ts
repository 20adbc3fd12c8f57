/**
 * Argument parsing shared by every command: node:util parseArgs in strict mode for the
 * shape, then a zod schema for the values. Either way a mistake becomes a UsageError
 * whose message is one line, which main() prints with a pointer to --help.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { DurationSchema, LipsyncIdSchema, TrackedStatusSchema } from '../contract/schemas';
import { TRACKED_STATUSES } from '../contract/messages';
import { OVER_BUDGET_CHOICES, type OverBudget } from '../contract/approval-credits';
import type { CliIo } from './io';
import { writeLine } from './io';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** Placeholder for the value in help, e.g. "D". */
  value?: string;
  help: string;
}

export type CommandGroup = 'renders' | 'services';

export interface CommandSpec<S extends z.ZodObject> {
  name: string;
  group: CommandGroup;
  summary: string;
  /** What follows `lipsync <name>` in the usage line. */
  synopsis: string;
  details?: string;
  /** Names of positional arguments, in order; each is also a key of `schema`. */
  positionals: readonly string[];
  /** How many of the positionals may be left out (the last ones); default none. */
  optionalPositionals?: number;
  options: Record<string, OptionSpec>;
  schema: S;
}

export interface CliCommand {
  name: string;
  group: CommandGroup;
  summary: string;
  run(argv: string[], io: CliIo): Promise<number>;
}

export function defineCommand<S extends z.ZodObject>(
  spec: CommandSpec<S>,
  action: (args: z.output<S>, io: CliIo) => Promise<number>,
): CliCommand {
  return {
    name: spec.name,
    group: spec.group,
    summary: spec.summary,
    async run(argv, io) {
      if (wantsHelp(argv)) {
        writeLine(io.stdout, formatCommandHelp(spec));
        return 0;
      }
      return action(parseCommandArgs(spec, argv), io);
    },
  };
}

/** --help wins over every other mistake on the line, as people expect. */
export function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}

export function parseCommandArgs<S extends z.ZodObject>(spec: CommandSpec<S>, argv: string[]): z.output<S> {
  const options = Object.fromEntries(Object.entries(spec.options).map(([name, option]) => [name, { type: option.type }]));
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: true });
  } catch (err) {
    throw new UsageError(describeParseArgsError(err));
  }
  const { values, positionals } = parsed;
  if (positionals.length < spec.positionals.length - (spec.optionalPositionals ?? 0)) throw new UsageError(`missing <${spec.positionals[positionals.length]}>`);
  if (positionals.length > spec.positionals.length) {
    throw new UsageError(`unexpected argument ${quote(positionals[spec.positionals.length]!)}`);
  }
  const raw: Record<string, unknown> = { ...values };
  spec.positionals.forEach((name, index) => (raw[name] = positionals[index]));
  const result = spec.schema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const key = String(issue.path[0]);
  const label = spec.positionals.includes(key) ? `<${key}>` : `--${key}`;
  const given = typeof raw[key] === 'string' ? ` ${quote(raw[key] as string)}` : '';
  throw new UsageError(`${label}${given}: ${issue.message}`);
}

function describeParseArgsError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: string }).code;
  // "Option '-h, --help' ..." / "Option '--deadline <value>' ...": keep the long flag only.
  const flag = /'([^']+)'/.exec(message)?.[1]?.split(', ').pop()?.split(' ')[0];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && flag) return `unknown option ${flag}`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && flag) {
    return message.includes('does not take') ? `option ${flag} takes no value` : `option ${flag} needs a value`;
  }
  return message.split('\n')[0]!;
}

function quote(value: string): string {
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
}

function formatCommandHelp(spec: CommandSpec<z.ZodObject>): string {
  const rows = Object.entries(spec.options).map(([name, option]) => [`--${name}${option.value ? ` ${option.value}` : ''}`, option.help]);
  rows.push(['-h, --help', 'show this help']);
  const width = Math.max(...rows.map(([flag]) => flag!.length)) + 2;
  return [
    `usage: lipsync ${spec.name}${spec.synopsis ? ` ${spec.synopsis}` : ''}`,
    '',
    `${spec.summary}.${spec.details ? `\n${spec.details}` : ''}`,
    '',
    'options:',
    ...rows.map(([flag, help]) => `  ${flag!.padEnd(width)}${help}`),
  ].join('\n');
}

// Value schemas shared by the commands.

export const Flag = z.boolean().default(false);

export const LipsyncIdArg = LipsyncIdSchema;

/** A Temporal duration string ("30s", "5 minutes") kept as given, or plain milliseconds. */
export const DurationArg = z
  .string()
  .transform((value) => (/^\d+$/.test(value) ? Number(value) : value))
  .pipe(DurationSchema);

export const TrackedStatusArg = z
  .string()
  .refine((value) => value === 'terminated' || TrackedStatusSchema.safeParse(value).success, `not a status; one of ${TRACKED_STATUSES.join(', ')}, terminated`);

export const OverBudgetArg = z.enum(OVER_BUDGET_CHOICES as [OverBudget, ...OverBudget[]], { error: `one of ${OVER_BUDGET_CHOICES.join(', ')}` });

export const PositiveIntArg = z
  .string()
  .regex(/^\d+$/, 'not a whole number')
  .transform(Number)
  .pipe(z.number().int().min(1, 'must be at least 1'));
