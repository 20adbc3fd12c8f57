/**
 * `lipsync webhook-server` and `lipsync webhook-url`: configured by the environment only.
 * Failures are thrown (a wrong namespace is a ConfigError) and mapped by main().
 */
import { Client } from '@temporalio/client';
import { loadMetricsAddress, loadTemporalConfig, loadWebhookConfig } from '../../config';
import { webhookUrl } from '../../contract/webhook-url';
import { createWebhookMetrics, serveMetrics, type RunningMetricsServer } from '../../webhook/metrics';
import { startWebhookServer, type RunningWebhookServer } from '../../webhook/server';
import { connectWithLazyFallback, refuseUnknownNamespace } from '../../webhook/temporal-connection';
import { writeLine, type CliIo } from '../io';

/**
 * Runs the receiver until `stopped()` resolves, then stops accepting, drains and
 * disconnects. `stopped` is called only once the receiver is up, so a Ctrl-C during
 * start-up still ends the process at once.
 */
export async function runWebhookServer(io: CliIo, stopped: () => Promise<string>): Promise<void> {
  const log = (line: string) => writeLine(io.stdout, `${new Date().toISOString()} ${line}`);
  const config = loadWebhookConfig(io.env);
  const temporal = loadTemporalConfig(io.env);
  const metricsAddress = loadMetricsAddress(io.env);

  const connection = await connectWithLazyFallback(temporal, log);
  let server: RunningWebhookServer;
  let metricsServer: RunningMetricsServer | undefined;
  try {
    await refuseUnknownNamespace(connection, temporal, log);
    const metrics = metricsAddress ? createWebhookMetrics() : undefined;
    if (metrics && metricsAddress) metricsServer = await serveMetrics(metrics.registry, metricsAddress);
    server = await startWebhookServer({ config, client: new Client({ connection, namespace: temporal.namespace }), log, metrics });
  } catch (err) {
    // An open channel would hold the process until bin/lipsync.js's exit grace runs out.
    await metricsServer?.close();
    await connection.close().catch(() => undefined);
    throw err;
  }
  log(
    `webhook receiver listening on ${config.host}:${server.port}; ` +
      `public URL ${config.publicUrl}/[token]; Temporal ${temporal.connectionOptions.address} namespace ${temporal.namespace}` +
      (metricsServer ? `; metrics on ${metricsServer.url}` : ''),
  );
  const signal = await stopped();
  log(`webhook receiver stopping (${signal})`);
  await server.close();
  await metricsServer?.close();
  await connection.close();
  log('webhook receiver stopped');
}

/** Prints the full webhook URL (it contains the token: it is meant for Creatify, not for logs). */
export function printWebhookUrl(io: CliIo): void {
  writeLine(io.stdout, webhookUrl(loadWebhookConfig(io.env)));
}
