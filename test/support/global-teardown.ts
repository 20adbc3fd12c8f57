export default async function globalTeardown(): Promise<void> {
  await globalThis.__LIPSYNC_TEST_SERVER__?.stop();
}
