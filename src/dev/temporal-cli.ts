import { execFile } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * The repo's single way to find the pinned Temporal CLI: scripts/temporal-cli.sh. The
 * first call may build the CLI for minutes; the script's progress lines go to
 * `onProgress` (by default our stderr), so a live view can show them in place.
 */
export async function temporalCliPath(onProgress: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): Promise<string> {
  const script = path.resolve(__dirname, '../../scripts/temporal-cli.sh');
  const child = run('bash', [script], { maxBuffer: 1 << 20, timeout: 20 * 60_000 });
  if (child.child.stderr) createInterface({ input: child.child.stderr }).on('line', onProgress);
  const { stdout } = await child;
  const cliPath = stdout.trim().split('\n').pop() ?? '';
  if (!cliPath.startsWith('/')) throw new Error(`scripts/temporal-cli.sh printed no path (got "${stdout.trim()}")`);
  return cliPath;
}
