import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const SCRIPT = path.resolve(__dirname, '../../scripts/temporal-cli.sh');

describe('scripts/temporal-cli.sh', () => {
  test('prints only the absolute path of the pinned CLI, which reports 1.5.1', () => {
    const stdout = execFileSync('bash', [SCRIPT], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    expect(stdout).toMatch(/^\/\S+\n$/);
    const cli = stdout.trim();
    expect(cli).not.toContain(path.resolve(__dirname, '../..')); // cached outside the repo
    expect(execFileSync(cli, ['--version'], { encoding: 'utf8' })).toMatch(/^temporal version 1\.5\.1 /);
  });

  test('TEMPORAL_CLI_PATH wins, and must be an executable', () => {
    const cli = execFileSync('bash', [SCRIPT], { encoding: 'utf8' }).trim();
    const link = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cli-')), 'temporal');
    fs.symlinkSync(cli, link);
    expect(execFileSync('bash', [SCRIPT], { encoding: 'utf8', env: { ...process.env, TEMPORAL_CLI_PATH: link } }).trim()).toBe(link);
    const missing = spawnSync('bash', [SCRIPT], { encoding: 'utf8', env: { ...process.env, TEMPORAL_CLI_PATH: '/nonexistent/temporal' } });
    expect(missing.status).toBe(1);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toContain('TEMPORAL_CLI_PATH');
  });

  test('with nothing cached and no Go, it says how to install the CLI', () => {
    const emptyCache = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-cache-'));
    const result = spawnSync('bash', [SCRIPT], {
      encoding: 'utf8',
      env: { ...process.env, LIPSYNC_CACHE_DIR: emptyCache, GO: '/nonexistent/go' },
    });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/Go is not installed/);
    expect(result.stderr).toMatch(/TEMPORAL_CLI_PATH/);
  });

  test('a first-run build says how long it usually takes and shows it is progressing', () => {
    const emptyCache = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-cache-'));
    // A stand-in for `go install`: slow and silent like the real one, then leaves a binary in GOBIN.
    const fakeGo = path.join(emptyCache, 'go');
    fs.writeFileSync(fakeGo, '#!/usr/bin/env bash\nsleep 4.5\nprintf "#!/bin/sh\\necho fake\\n" > "$GOBIN/temporal"\nchmod +x "$GOBIN/temporal"\n', { mode: 0o755 });
    const result = spawnSync('bash', [SCRIPT], {
      encoding: 'utf8',
      env: { ...process.env, LIPSYNC_CACHE_DIR: emptyCache, GO: fakeGo, LIPSYNC_BUILD_TICK_SECONDS: '1' },
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`${path.join(emptyCache, 'temporal-cli/v1.5.1/temporal')}\n`);
    expect(result.stderr).toMatch(/usually takes 3-5 minutes/);
    expect(result.stderr.match(/still building Temporal CLI v1\.5\.1: \d+s so far/g)?.length).toBeGreaterThanOrEqual(2);
    expect(result.stderr).toMatch(/built .* in \d+s/);
  });

  test('a failed build exits with go install\'s code and says so', () => {
    const emptyCache = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-cache-'));
    const fakeGo = path.join(emptyCache, 'go');
    fs.writeFileSync(fakeGo, '#!/usr/bin/env bash\necho "go: no network" >&2\nexit 3\n', { mode: 0o755 });
    const result = spawnSync('bash', [SCRIPT], { encoding: 'utf8', env: { ...process.env, LIPSYNC_CACHE_DIR: emptyCache, GO: fakeGo } });
    expect(result.status).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/go: no network[\s\S]*go install failed \(exit 3\)/);
  });
});
