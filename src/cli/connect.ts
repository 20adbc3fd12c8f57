/**
 * The one way commands reach Temporal: connect from the environment, bounded in time,
 * and always close, so the process can exit as soon as the command is done.
 */
import { LipsyncOrchestrator } from '../client';
import { ConfigError, loadTemporalConfig } from '../config';
import { TemporalUnreachableError } from './exit-codes';
import type { CliIo } from './io';

/** A CLI user waiting on a dead address should hear about it in seconds, not after gRPC's own retries. */
export const CONNECT_TIMEOUT_MS = 10_000;

export async function withOrchestrator<T>(io: CliIo, use: (orchestrator: LipsyncOrchestrator) => Promise<T>): Promise<T> {
  // Read first so a malformed variable is reported as such (78) even when Temporal is down.
  const address = loadTemporalConfig(io.env).connectionOptions.address;
  const orchestrator = await connectWithin(CONNECT_TIMEOUT_MS, address, io.env);
  try {
    return await use(orchestrator);
  } finally {
    await orchestrator.close().catch(() => undefined);
  }
}

async function connectWithin(timeoutMs: number, address: string, env: NodeJS.ProcessEnv): Promise<LipsyncOrchestrator> {
  const connecting = LipsyncOrchestrator.connect(env);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TemporalUnreachableError(address, `no connection within ${timeoutMs / 1000} s`)), timeoutMs);
  });
  try {
    return await Promise.race([connecting, timeout]);
  } catch (err) {
    // A connection that arrives after we gave up must not keep the process alive.
    connecting.then((late) => late.close().catch(() => undefined), () => undefined);
    if (err instanceof ConfigError || err instanceof TemporalUnreachableError) throw err;
    throw new TemporalUnreachableError(address, err instanceof Error ? err.message.split('\n')[0]! : String(err));
  } finally {
    clearTimeout(timer);
  }
}
