/**
 * Process entries behind `lipsync webhook-server` and `lipsync webhook-url`. Both are
 * configured by the environment only (config.ts); argv is checked just so a stray flag
 * is not silently ignored.
 */
import { Client, Connection } from '@temporalio/client';
import { z } from 'zod';
import { loadTemporalConfig, loadWebhookConfig, orExit, type TemporalConfig } from '../config';
import type { WebhookLog } from './handler';
import { startWebhookServer } from './server';
import { webhookUrl } from './token';

const SERVER_USAGE =
  'usage: lipsync webhook-server   (env: WEBHOOK_PUBLIC_URL, WEBHOOK_SECRET, WEBHOOK_HOST, WEBHOOK_PORT, WEBHOOK_MAX_BODY_BYTES, TEMPORAL_*)';
const URL_USAGE = 'usage: lipsync webhook-url   (env: WEBHOOK_PUBLIC_URL, WEBHOOK_SECRET); prints the webhook_url to give Creatify';

const TEMPORAL_CONNECT_TIMEOUT_MS = 10_000;

/** Runs the receiver until SIGINT/SIGTERM, then stops accepting, drains and disconnects. */
export async function runWebhookServerCommand(argv: readonly string[]): Promise<void> {
  if (!parseNoArgs(argv, SERVER_USAGE)) return;
  const log = timestamped;
  const config = orExit(() => loadWebhookConfig());
  const temporal = orExit(() => loadTemporalConfig());

  const connection = await connectTemporal(temporal, log);
  await refuseUnknownNamespace(connection, temporal, log);
  const client = new Client({ connection, namespace: temporal.namespace });
  const server = await startWebhookServer({ config, client, log });
  log(
    `webhook receiver listening on ${config.host}:${server.port}; ` +
      `public URL ${config.publicUrl}/[token]; Temporal ${temporal.connectionOptions.address} namespace ${temporal.namespace}`,
  );

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  log(`webhook receiver stopping (${signal})`);
  await server.close();
  await connection.close();
  log('webhook receiver stopped');
}

/** Prints the full webhook URL (it contains the token: it is meant for Creatify, not for logs). */
export async function runWebhookUrlCommand(argv: readonly string[]): Promise<void> {
  if (!parseNoArgs(argv, URL_USAGE)) return;
  const url = orExit(() => webhookUrl(loadWebhookConfig()));
  process.stdout.write(`${url}\n`);
}

const GRPC_NOT_FOUND = 5;

/**
 * Temporal answers NOT_FOUND for a missing namespace just as for a missing workflow, so a
 * mistyped TEMPORAL_NAMESPACE would quietly acknowledge every delivery as "untracked".
 * Checked once at start; if Temporal cannot be asked now, the receiver starts anyway.
 */
async function refuseUnknownNamespace(connection: Connection, temporal: TemporalConfig, log: WebhookLog): Promise<void> {
  try {
    await connection.withDeadline(Date.now() + 5_000, () =>
      connection.workflowService.describeNamespace({ namespace: temporal.namespace }),
    );
  } catch (err) {
    if ((err as { code?: number }).code !== GRPC_NOT_FOUND) {
      log(`could not check namespace ${temporal.namespace} now (${(err as Error).message.split('\n')[0]}); starting anyway`);
      return;
    }
    process.stderr.write(`configuration error: TEMPORAL_NAMESPACE: namespace "${temporal.namespace}" does not exist on ${temporal.connectionOptions.address}\n`);
    process.exit(78);
  }
}

/**
 * A receiver started while Temporal is down still comes up and answers 503 (the sender
 * may retry, polling covers the rest) instead of crash-looping; the lazy connection
 * reconnects by itself once Temporal is back.
 */
async function connectTemporal(temporal: TemporalConfig, log: WebhookLog): Promise<Connection> {
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

const NoArgs = z.array(z.string()).max(0);

/** False (after printing) for --help; exits 2 (the CLI's usage code) on anything else. */
function parseNoArgs(argv: readonly string[], usage: string): boolean {
  if (argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h')) {
    process.stdout.write(`${usage}\n`);
    return false;
  }
  if (!NoArgs.safeParse(argv).success) {
    process.stderr.write(`unexpected argument ${JSON.stringify(argv[0])}; ${usage}\n`);
    process.exit(2);
  }
  return true;
}

function timestamped(line: string): void {
  process.stdout.write(`${new Date().toISOString()} ${line}\n`);
}
