/**
 * `npm run bench -- --phases`: where webhook→closed goes with 50 renders in flight, read
 * from each render's own history: the webhook sent → its Signal in history (receiver and
 * server), Signal → the workflow task that took it started (waiting for the worker), that
 * task started → the run closed (workflow code, and the confirming GET as a local
 * activity). Tracker without its reconciler against the bare "signal → local GET" shape.
 */
import type { temporal } from '@temporalio/proto';
import { type BatchEnds, doneWebhookSentAt, KIND_LABEL, type Bench, type WorkerProcess } from './harness';
import { percentile, pool } from './measure';
import { FAST, rotatedMedians, WEBHOOK_ONLY } from './scenarios';

export const PHASES = ['sent → signal in history', 'signal → its task started', 'task started → closed', 'webhook → closed'] as const;
export type Phase = (typeof PHASES)[number];

export interface PhaseLatency {
  label: string;
  /** How the batch's renders ended (absent from reports saved before 'together' was measured: natural). */
  ends?: BatchEnds;
  /** p50 of each phase, medians over rounds (ms). */
  p50: Record<Phase, number>;
}

type Event = temporal.api.history.v1.IHistoryEvent;

function ms(event: Event): number {
  const time = event.eventTime!;
  return Number(time.seconds) * 1000 + Math.floor((time.nanos ?? 0) / 1e6);
}

/** The phases of one render, from the last Signal (the terminal webhook) to the close. */
function phasesOf(events: Event[], sentAt: number): Record<Phase, number> | undefined {
  let signalAt = events.length - 1;
  while (signalAt >= 0 && !events[signalAt]!.workflowExecutionSignaledEventAttributes) signalAt--;
  const started = events.slice(signalAt).find((e) => e.workflowTaskStartedEventAttributes);
  const closed = events[events.length - 1];
  if (signalAt < 0 || !started || !closed) return undefined;
  const signal = ms(events[signalAt]!);
  return {
    'sent → signal in history': signal - sentAt,
    'signal → its task started': ms(started) - signal,
    'task started → closed': ms(closed) - ms(started),
    'webhook → closed': ms(closed) - sentAt,
  };
}

export async function latencyPhases(bench: Bench, workers: { trackerSolo: WorkerProcess; bare: WorkerProcess }, inFlight: number, rounds: number, progress: (line: string) => void): Promise<PhaseLatency[]> {
  const kinds = [
    { label: 'tracker (reconciler off)', kind: 'tracker' as const, worker: workers.trackerSolo },
    { label: KIND_LABEL['bare:local'], kind: 'bare:local' as const, worker: workers.bare },
  ];
  for (const k of kinds) await bench.batch(k.kind, k.worker, 10, FAST, WEBHOOK_ONLY);
  // Both ways renders end: webhooks while later renders are still starting, and all at once on waiting renders.
  const variants = (['natural', 'together'] as const).flatMap((ends) => kinds.map((k) => ({ ...k, ends })));
  const medians = await rotatedMedians(variants, rounds, (round) => progress(`phases, ${inFlight} in flight: round ${round + 1}/${rounds}`), async (k) => {
    const batch = await bench.batch(k.kind, k.worker, inFlight, FAST, WEBHOOK_ONLY, undefined, k.ends);
    const samples = await pool(batch.ids, 10, async (id) => {
      const sent = doneWebhookSentAt(batch.stats, id);
      if (sent === undefined) return undefined;
      return phasesOf((await bench.history(id)).events ?? [], sent);
    });
    const found = samples.filter((s): s is Record<Phase, number> => s !== undefined);
    return Object.fromEntries(PHASES.map((phase) => [phase, percentile(found.map((s) => s[phase]), 50)])) as Record<Phase, number>;
  });
  return variants.map((k, i) => ({ label: k.label, ends: k.ends, p50: medians[i]! }));
}
