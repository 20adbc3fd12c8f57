import { spawn } from 'node:child_process';
import path from 'node:path';
import { runSandboxCommand } from '../../src/sandbox/main';

const ROOT = path.resolve(__dirname, '../..');

describe('lipsync sandbox command', () => {
  // The runner returns its code; setting the process's is left to the caller (the CLI).
  const exitCodeBefore = process.exitCode;

  test.each([
    [['--bogus'], /unknown option --bogus/],
    [['--port'], /option --port needs a value/],
    [['--port', 'abc'], /invalid --port/],
    [['--time-factor=0'], /invalid --time-factor/],
  ])('%j → one line on stderr, exit code 2', async (argv, message) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runSandboxCommand(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
    expect(code).toBe(2);
    expect(process.exitCode).toBe(exitCodeBefore);
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(message);
    expect(out).toEqual([]);
  });

  test('runs in the foreground, prints how to call it, stops cleanly on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      [
        '-r', 'ts-node/register/transpile-only',
        '-e', "require('./src/sandbox/main').runSandboxCommand(process.argv.slice(1))",
        '--', '--port', '0', '--seed', '5', '--time-factor', '0.01',
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no banner: ${stdout}`)), 15_000);
        child.stdout.on('data', () => {
          const match = /listening on (http:\/\/[\d.:]+)/.exec(stdout);
          if (match && stdout.includes('Press Ctrl-C')) {
            clearTimeout(timer);
            resolve(match[1]!);
          }
        });
      });
      expect(stdout).toContain('(seed 5, time factor 0.01)');
      expect(stdout).toContain('X-API-ID: sandbox-id');
      expect(stdout).toContain(`curl -s -X POST ${url}/api/lipsyncs_v2/preview/`);
      expect(stdout).toContain(`${url}/api/lipsyncs_v2/<id>/render/`);
      expect(stdout).toContain('/_sandbox/stats');
      const res = await fetch(`${url}/api/remaining_credits/`, {
        headers: { 'X-API-ID': 'sandbox-id', 'X-API-KEY': 'sandbox-key' },
      });
      expect(await res.json()).toEqual({ remaining_credits: 1000 });
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(stdout).toContain('sandbox stopped');
    } finally {
      child.kill('SIGKILL');
    }
  });
});
