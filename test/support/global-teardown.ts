import fs from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  await globalThis.__LIPSYNC_TEST_SERVER__?.stop();
  // The server's log and the workflow bundle; kept with LIPSYNC_TEST_KEEP=1 for a post-mortem.
  const dir = globalThis.__LIPSYNC_TEST_DIR__;
  if (dir && !process.env.LIPSYNC_TEST_KEEP) fs.rmSync(dir, { recursive: true, force: true });
}
