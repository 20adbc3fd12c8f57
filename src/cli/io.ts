/**
 * Where the CLI reads its environment and writes its output. Injected, so tests can run
 * `main()` in-process with their own env and capture both streams.
 */
export interface Terminal {
  write(text: string): unknown;
  /** True when a person is watching: the live status line then rewrites itself. */
  isTTY?: boolean;
}

export interface CliIo {
  env: NodeJS.ProcessEnv;
  stdout: Terminal;
  stderr: Terminal;
}

export function processIo(): CliIo {
  return { env: process.env, stdout: process.stdout, stderr: process.stderr };
}

export function writeLine(terminal: Terminal, line: string): void {
  terminal.write(`${line}\n`);
}
