import { z } from 'zod';
import { startSandbox } from './server';
import type { RunningSandbox } from './server';

// `lipsync sandbox --port N [--seed S] [--time-factor F] [--host H]`: the sandbox in
// the foreground until SIGINT/SIGTERM.

export interface CommandIo {
  out(line: string): void;
  err(line: string): void;
}

const defaultIo: CommandIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

const USAGE = 'usage: lipsync sandbox [--port N] [--seed S] [--time-factor F] [--host H]';
// 8788, beside the webhook receiver's 8787, as in `npm start`.
const DEFAULT_PORT = 8788;

const flagsSchema = z.strictObject({
  port: z.coerce.number().int().min(0).max(65_535).default(DEFAULT_PORT),
  seed: z.coerce.number().int().default(1),
  'time-factor': z.coerce.number().positive().default(1),
  host: z.string().min(1).default('127.0.0.1'),
});

type Flags = z.output<typeof flagsSchema>;

/**
 * Runs the sandbox until a stop signal. `argv` is what follows `sandbox` on the
 * command line. Resolves to the exit code, which the caller sets (the `lipsync` CLI maps
 * it onto its own table): 0 after a clean stop, 1 if it cannot start, 2 for bad arguments.
 */
export async function runSandboxCommand(argv: string[], io: CommandIo = defaultIo): Promise<number> {
  const outcome = parseFlags(argv);
  if ('error' in outcome) {
    io.err(`lipsync sandbox: ${outcome.error} (${USAGE})`);
    return 2;
  }
  if ('help' in outcome) {
    io.out(USAGE);
    return 0;
  }
  const parsed = outcome.flags;
  let sandbox: RunningSandbox;
  try {
    sandbox = await startSandbox({
      port: parsed.port,
      host: parsed.host,
      seed: parsed.seed,
      settings: { timeFactor: parsed['time-factor'] },
      log: (line) => io.out(line),
    });
  } catch (err) {
    io.err(`lipsync sandbox: cannot start: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
  printBanner(io, sandbox, parsed);
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      io.out(`${signal}: stopping the sandbox`);
      void sandbox.close().then(resolve, resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  io.out('sandbox stopped');
  return 0;
}

type ParsedArgs = { flags: Flags } | { help: true } | { error: string };

/** Flags → validated options, a help request, or one line saying what is wrong. */
function parseFlags(argv: string[]): ParsedArgs {
  const args = argv[0] === 'sandbox' ? argv.slice(1) : argv;
  const raw: Record<string, string> = {};
  const known = Object.keys(flagsSchema.shape);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--help' || arg === '-h') return { help: true };
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match || !known.includes(match[1]!)) return { error: `unknown option ${arg}` };
    const value = match[2] ?? args[++i];
    if (value === undefined || value.startsWith('--')) {
      return { error: `option --${match[1]} needs a value` };
    }
    raw[match[1]!] = value;
  }
  const result = flagsSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    return { error: `invalid --${String(issue.path[0])}: ${issue.message}` };
  }
  return { flags: result.data };
}

function printBanner(io: CommandIo, sandbox: RunningSandbox, flags: Flags): void {
  const { url, credentials } = sandbox;
  const auth = `-H 'X-API-ID: ${credentials.apiId}' -H 'X-API-KEY: ${credentials.apiKey}'`;
  const body = JSON.stringify({
    video_inputs: [
      {
        character: { type: 'avatar', avatar_id: 'sandbox-avatar' },
        voice: { type: 'text', input_text: 'Hello from the Creatify sandbox.', voice_id: 'sandbox-voice' },
      },
    ],
  });
  const lines = [
    `Creatify sandbox listening on ${url} (seed ${flags.seed}, time factor ${flags['time-factor']})`,
    `Credentials (sandbox only): X-API-ID: ${credentials.apiId}  X-API-KEY: ${credentials.apiKey}`,
    '',
    'Preview (creates a lipsync; note its "id"):',
    `  curl -s -X POST ${url}/api/lipsyncs_v2/preview/ ${auth} -H 'Content-Type: application/json' -d '${body}'`,
    'Render it:',
    `  curl -s -X POST ${url}/api/lipsyncs_v2/<id>/render/ ${auth}`,
    'Poll it:',
    `  curl -s ${url}/api/lipsyncs_v2/<id>/ ${auth}`,
    '',
    'Control routes (no auth, JSON):',
    '  POST /_sandbox/reset   GET|PATCH /_sandbox/settings   GET /_sandbox/stats',
    '  GET|POST|DELETE /_sandbox/faults   GET|PATCH /_sandbox/lipsyncs/<id>',
    'Press Ctrl-C to stop.',
  ];
  for (const line of lines) io.out(line);
}
