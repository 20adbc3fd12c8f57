/**
 * The worker's side of the opt-in traces (src/client/tracing.ts): the same tracer and
 * plugin, plus spans for the Creatify HTTP calls (undici), children of the activity's span.
 */
import { startTracing, type Tracing } from '../client/tracing';

export function startWorkerTracing(env: NodeJS.ProcessEnv = process.env): Tracing | null {
  const tracing = startTracing('lipsync-worker', env);
  if (!tracing) return null;
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { registerInstrumentations } = require('@opentelemetry/instrumentation') as typeof import('@opentelemetry/instrumentation');
  const { UndiciInstrumentation } = require('@opentelemetry/instrumentation-undici') as typeof import('@opentelemetry/instrumentation-undici');
  /* eslint-enable @typescript-eslint/no-require-imports */
  registerInstrumentations({ instrumentations: [new UndiciInstrumentation()] });
  return tracing;
}
