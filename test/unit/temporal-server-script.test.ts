import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const SCRIPT = path.resolve(__dirname, '../../scripts/temporal-server.sh');

describe('scripts/temporal-server.sh', () => {
  const emptyCache = () => fs.mkdtempSync(path.join(os.tmpdir(), 'server-cache-'));

  test('builds the server and its SQL tool once into the cache and prints only their directory', () => {
    const cache = emptyCache();
    // A stand-in for `go install`: slow like the real one, then leaves both binaries in GOBIN.
    const fakeGo = path.join(cache, 'go');
    fs.writeFileSync(fakeGo, '#!/usr/bin/env bash\necho "$@" >> "$(dirname "$0")/go-calls"\nsleep 2.5\nfor b in server sql; do printf "#!/bin/sh\\necho $b\\n" > "$GOBIN/$b"; chmod +x "$GOBIN/$b"; done\n', { mode: 0o755 });
    const env = { ...process.env, LIPSYNC_CACHE_DIR: cache, GO: fakeGo, LIPSYNC_BUILD_TICK_SECONDS: '1' };
    const first = spawnSync('bash', [SCRIPT], { encoding: 'utf8', env });
    const dir = path.join(cache, 'temporal-server/v1.29.1');
    expect(first.status).toBe(0);
    expect(first.stdout).toBe(`${dir}\n`);
    expect(first.stderr).toMatch(/still building Temporal server v1\.29\.1: \d+s so far/);
    expect(fs.readFileSync(path.join(cache, 'go-calls'), 'utf8')).toContain('go.temporal.io/server/cmd/server@v1.29.1 go.temporal.io/server/cmd/tools/sql@v1.29.1');
    for (const binary of ['temporal-server', 'temporal-sql-tool']) expect(fs.statSync(path.join(dir, binary)).mode & 0o111).not.toBe(0);
    // Cached now: no second build.
    const second = spawnSync('bash', [SCRIPT], { encoding: 'utf8', env });
    expect(second.stdout).toBe(`${dir}\n`);
    expect(fs.readFileSync(path.join(cache, 'go-calls'), 'utf8').trim().split('\n')).toHaveLength(1);
  });

  test('with nothing cached and no Go, it says what to do', () => {
    const result = spawnSync('bash', [SCRIPT], { encoding: 'utf8', env: { ...process.env, LIPSYNC_CACHE_DIR: emptyCache(), GO: '/nonexistent/go' } });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/Go is not installed/);
  });

  test('a failed build exits with go install\'s code', () => {
    const cache = emptyCache();
    const fakeGo = path.join(cache, 'go');
    fs.writeFileSync(fakeGo, '#!/usr/bin/env bash\nexit 3\n', { mode: 0o755 });
    const result = spawnSync('bash', [SCRIPT], { encoding: 'utf8', env: { ...process.env, LIPSYNC_CACHE_DIR: cache, GO: fakeGo } });
    expect(result.status).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/go install failed \(exit 3\)/);
    expect(fs.readdirSync(path.join(cache, 'temporal-server/v1.29.1')).filter((f) => !f.startsWith('.lock'))).toEqual([]);
  });
});
