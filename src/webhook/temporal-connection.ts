/**
 * How a standalone receiver reaches Temporal. Library functions: failures are thrown
 * (ConfigError for a wrong namespace) and the command line decides how to exit.
 */
import { Connection } from '@temporalio/client';
import { ConfigError, type TemporalConfig } from '../config';
import type { WebhookLog } from './handler';

const TEMPORAL_CONNECT_TIMEOUT_MS = 10_000;
const GRPC_NOT_FOUND = 5;

/**
 * A receiver started while Temporal is down still comes up and answers 503 (the sender
 * may retry, polling covers the rest) instead of crash-looping; the lazy connection
 * reconnects by itself once Temporal is back.
 */
export async function connectWithLazyFallback(temporal: TemporalConfig, log: WebhookLog): Promise<Connection> {
  const options = { ...temporal.connectionOptions, connectTimeout: TEMPORAL_CONNECT_TIMEOUT_MS };
  try {
    return await Connection.connect(options);
  } catch (err) {
    log(
      `Temporal at ${options.address} is unreachable (${err instanceof Error ? err.message : String(err)}); ` +
        'answering 503 until it is back',
    );
    return Connection.lazy(options);
  }
}

/**
 * Temporal answers NOT_FOUND for a missing namespace just as for a missing workflow, so a
 * mistyped TEMPORAL_NAMESPACE would quietly acknowledge every delivery as "untracked".
 * Checked once at start; if Temporal cannot be asked now, the receiver starts anyway.
 */
export async function refuseUnknownNamespace(connection: Connection, temporal: TemporalConfig, log: WebhookLog): Promise<void> {
  try {
    await connection.withDeadline(Date.now() + 5_000, () =>
      connection.workflowService.describeNamespace({ namespace: temporal.namespace }),
    );
  } catch (err) {
    if ((err as { code?: number }).code !== GRPC_NOT_FOUND) {
      log(`could not check namespace ${temporal.namespace} now (${(err as Error).message.split('\n')[0]}); starting anyway`);
      return;
    }
    throw new ConfigError('TEMPORAL_NAMESPACE', `namespace "${temporal.namespace}" does not exist on ${temporal.connectionOptions.address}`);
  }
}
