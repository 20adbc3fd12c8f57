/**
 * The stop signals of the long-running commands. Only the command line listens to the
 * process; the services it runs are handed a promise (or a function returning one).
 */

/** Resolves on the first SIGINT or SIGTERM after the call. */
export function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}
