/**
 * Opt-in OpenTelemetry traces. With OTEL_EXPORTER_OTLP_ENDPOINT (or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) set, a process exports spans over OTLP/HTTP and its
 * Temporal client and worker carry the trace context (@temporalio/interceptors-opentelemetry):
 * the client's start → the workflow → its activities → their Creatify HTTP calls form one
 * trace. Without it nothing here is loaded: every OpenTelemetry module is required lazily.
 */
import type { ClientPlugin } from '@temporalio/client';

export interface Tracing {
  /**
   * The OpenTelemetryPlugin: client and worker interceptors, the workflow span exporter
   * sink. Typed as the client's plugin so the client library's typings never name the
   * worker SDK's; src/worker/worker.ts hands it to the worker as what it also is.
   */
  plugin: ClientPlugin;
  /** Sends the spans still buffered (a CLI command calls it before exiting). */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** The OTLP/HTTP traces URL the environment asks for, or null when tracing is off. */
export function tracesUrl(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (env.OTEL_EXPORTER_OTLP_ENDPOINT) return `${env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`;
  return null;
}

let current: Tracing | undefined;

/** Once per process (the first caller names the service, unless OTEL_SERVICE_NAME does); null when off. */
export function startTracing(serviceName: string, env: NodeJS.ProcessEnv = process.env): Tracing | null {
  const url = tracesUrl(env);
  if (!url) return null;
  if (current) return current;
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node') as typeof import('@opentelemetry/sdk-trace-node');
  const { BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
  const { Resource } = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const plugins = require('@temporalio/interceptors-opentelemetry') as typeof import('@temporalio/interceptors-opentelemetry');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const resource = new Resource({ 'service.name': env.OTEL_SERVICE_NAME || serviceName });
  const spanProcessor = new BatchSpanProcessor(new OTLPTraceExporter({ url }), { scheduledDelayMillis: 1_000 });
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  // The global tracer, the AsyncLocalStorage context (an activity's span is the parent of its HTTP calls), W3C propagation.
  provider.register();
  current = {
    plugin: new plugins.OpenTelemetryPlugin({ resource, spanProcessor }),
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
  return current;
}
