import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The repo's single way to find the pinned Temporal CLI: scripts/temporal-cli.sh. */
export async function temporalCliPath(): Promise<string> {
  const script = path.resolve(__dirname, '../../scripts/temporal-cli.sh');
  // The first call may build the CLI for minutes; its progress goes to our stderr.
  const child = run('bash', [script], { maxBuffer: 1 << 20, timeout: 20 * 60_000 });
  child.child.stderr?.pipe(process.stderr);
  const { stdout } = await child;
  const cliPath = stdout.trim().split('\n').pop() ?? '';
  if (!cliPath.startsWith('/')) throw new Error(`scripts/temporal-cli.sh printed no path (got "${stdout.trim()}")`);
  return cliPath;
}
