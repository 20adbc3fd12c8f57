/**
 * The tracker's own Prometheus metrics, through the SDK's workflow metric meter (so a
 * replay never counts twice; served on the worker's LIPSYNC_METRICS_ADDRESS with the
 * SDK's). Histogram buckets (seconds) are set in src/worker/runtime.ts.
 */
import { metricMeter } from '@temporalio/workflow';
import type { Detection, TrackedStatus } from '../contract/messages';

/**
 * Made on first use, not at module load: creating one needs a workflow context, and the
 * module is loaded once for all workflows (workflow-source.ts: preloaded). An instrument
 * holds no workflow's state: its tags are read from the running workflow at each record.
 */
let instruments: ReturnType<typeof createInstruments> | undefined;

function createInstruments() {
  return {
    started: metricMeter.createCounter('lipsync_renders_started_total', 'renders', 'Renders whose tracking started (continue-as-new not counted)'),
    ended: metricMeter.createCounter(
      'lipsync_renders_ended_total',
      'renders',
      'Renders whose tracking ended, by outcome (done, failed, rejected, timed_out, cancelled, invalid, insufficient_credits, declined, expired) and how the end was detected (webhook, poll, render-response, none)',
    ),
    credits: metricMeter.createCounter('lipsync_credits_used_total', 'credits', 'Creatify credits the finished renders report as used'),
    webhookToClose: metricMeter.createHistogram(
      'lipsync_webhook_to_close_seconds',
      'float',
      's',
      'From the receiver taking the delivery that ended a render to the workflow closing it',
    ),
    claims: metricMeter.createCounter('lipsync_webhook_claims_total', 'claims', 'Webhook deliveries that claimed an end, by outcome (confirmed, contradicted, ignored)'),
  };
}

function metrics(): ReturnType<typeof createInstruments> {
  return (instruments ??= createInstruments());
}

export function recordClaims(outcome: 'confirmed' | 'contradicted' | 'ignored', count: number): void {
  metrics().claims.add(count, { outcome });
}

export function recordRenderStarted(): void {
  metrics().started.add(1);
}

export interface EndFacts {
  detectedBy?: Detection;
  creditsUsed?: number | null;
  /** When the receiver took the delivery whose claim ended the render (ISO). */
  webhookReceivedAt?: string | null;
}

export function recordRenderEnded(outcome: TrackedStatus | string, facts: EndFacts = {}): void {
  const { ended, credits, webhookToClose } = metrics();
  ended.add(1, { outcome, detected_by: facts.detectedBy ?? 'none' });
  if (facts.creditsUsed) credits.add(facts.creditsUsed);
  if (facts.detectedBy === 'webhook' && facts.webhookReceivedAt) {
    const seconds = (Date.now() - Date.parse(facts.webhookReceivedAt)) / 1000;
    if (Number.isFinite(seconds)) webhookToClose.record(Math.max(0, seconds));
  }
}
