/**
 * `lipsync start` as a process: it listens for SIGINT/SIGTERM, which must not be left
 * behind in the jest worker, so it runs as the real binary. No Temporal server is needed:
 * the case fails before one is started.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const BIN = path.resolve(__dirname, '../../bin/lipsync.js');

test('start with a port in use says so in one line and exits 4, starting nothing', async () => {
  const busy = net.createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lipsync-start-'));
  try {
    const { port } = busy.address() as net.AddressInfo;
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, LIPSYNC_DATA_DIR: dataDir, LIPSYNC_DEV_TEMPORAL_PORT: String(port) };
    const run = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [BIN, 'start', '--no-demo'], { env, timeout: 30_000 }, (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
      });
    });
    expect(run).toEqual({
      code: 4,
      stdout: '',
      stderr: `lipsync start: port ${port} (Temporal gRPC) is already in use; stop whatever listens there or choose another port\n`,
    });
    expect(fs.readdirSync(dataDir)).toEqual([]);
  } finally {
    busy.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}, 40_000);
